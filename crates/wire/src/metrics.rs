//! The names of the Prometheus series the services write at `/metrics`,
//! in one place, because the services record them and the load tool
//! (`storefront load --server-metrics`) reads them back.

/// Counter: requests served, labelled `route`, `method`, `status`.
pub const HTTP_REQUESTS: &str = "storefront_http_requests_total";
/// Histogram (seconds): request duration, labelled `route`, `method`.
pub const HTTP_REQUEST_DURATION: &str = "storefront_http_request_duration_seconds";
/// Histogram: writes per group commit, labelled `database`.
pub const COMMIT_BATCH_SIZE: &str = "storefront_commit_batch_size";
/// Histogram (seconds): one group commit, labelled `database`.
pub const COMMIT_DURATION: &str = "storefront_commit_duration_seconds";
/// Histogram (seconds): a call to another service, labelled `peer`, `outcome`.
pub const PEER_CALL_DURATION: &str = "storefront_peer_call_duration_seconds";
/// Counter: calls to another service that got no answer, labelled `peer`.
pub const PEER_CALL_ERRORS: &str = "storefront_peer_call_errors_total";
/// Counter: buys by `outcome`.
pub const SAGA_OUTCOMES: &str = "storefront_saga_outcomes_total";
/// Counter: checkouts by `outcome`.
pub const CHECKOUT_OUTCOMES: &str = "storefront_checkout_outcomes_total";
/// Gauge: work a background loop has left, labelled `loop`.
pub const BACKLOG: &str = "storefront_backlog";
/// Counter: product reads at the gateway, labelled `result`.
pub const PRODUCT_CACHE_REQUESTS: &str = "storefront_product_cache_requests_total";
/// Gauge: PostgreSQL pool connections, labelled `pool`, `state`.
pub const POOL_CONNECTIONS: &str = "storefront_pool_connections";
/// Gauge: resident memory (from `metrics-process`).
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// Counter: CPU seconds, user and system (from `metrics-process`).
pub const CPU_SECONDS: &str = "process_cpu_seconds_total";
