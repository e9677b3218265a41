//! Prometheus metrics: one recorder per process, rendered in the text
//! format at `GET /metrics` on the service's own port (no second listener
//! to configure, expose or probe).
//!
//! Every crate records through the `metrics` facade (`counter!`,
//! `histogram!`, `gauge!`) under the names in
//! [`storefront_wire::metrics`]; until [`install`] runs, those calls go to
//! the facade's no-op recorder, so metrics that are switched off cost a
//! branch and nothing else. [`HttpMetricsLayer`] counts and times every
//! request by its matched route.

mod http_layer;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use storefront_wire::metrics as names;

pub use http_layer::{HttpMetrics, HttpMetricsLayer};

use crate::ApiError;

/// Latency buckets, in seconds: 100 µs (a cached read on loopback) up to
/// 10 s (a peer call at its deadline).
const DURATION_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Group-commit batch sizes: powers of two up to the writers' largest batch.
const BATCH_BUCKETS: &[f64] = &[
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

/// How often histogram samples are folded into their buckets. The recorder
/// queues samples until then, so without this a service that is never
/// scraped would grow without bound.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

struct Installed {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

static INSTALLED: OnceLock<Installed> = OnceLock::new();

/// Read at each scrape, for figures that are a state rather than events
/// (a pool's connections in use).
type ScrapeHook = Box<dyn Fn() + Send + Sync>;
static SCRAPE_HOOKS: Mutex<Vec<ScrapeHook>> = Mutex::new(Vec::new());

/// Runs `hook` before each render of `/metrics`, if metrics are installed
/// (otherwise drops it: nothing would read what it sets, and it may hold
/// a resource, such as a pool, that should close with its owner).
pub fn on_scrape(hook: impl Fn() + Send + Sync + 'static) {
    if enabled() {
        SCRAPE_HOOKS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Box::new(hook));
    }
}

/// Installs the process's recorder (a second call is a no-op), so every
/// `metrics` call from then on is kept and `/metrics` renders it.
pub fn install() {
    INSTALLED.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), DURATION_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(names::COMMIT_BATCH_SIZE.into()),
                    BATCH_BUCKETS,
                )
            })
            .expect("the bucket lists are constant and not empty")
            .install_recorder()
            .expect("install runs once (OnceLock), so no recorder is set before it");
        let process = metrics_process::Collector::default();
        process.describe();
        describe();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            })
            .expect("a thread can be started at start-up");
        Installed { handle, process }
    });
}

/// Whether [`install`] has run in this process.
pub fn enabled() -> bool {
    INSTALLED.get().is_some()
}

/// `GET /metrics`: the Prometheus text format, or a 404 in the error
/// envelope when metrics are switched off (`metrics = false`).
pub(crate) async fn render() -> Response {
    let Some(installed) = INSTALLED.get() else {
        return ApiError::not_found("metrics are switched off (setting `metrics`)").into_response();
    };
    installed.process.collect();
    for hook in SCRAPE_HOOKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
    {
        hook();
    }
    let body = installed.handle.render();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// The help text of the series every service may write.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        names::HTTP_REQUESTS,
        "Requests served, by matched route, method and status."
    );
    describe_histogram!(
        names::HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "Time from a request's arrival to its response head, by matched route and method."
    );
    describe_histogram!(
        names::COMMIT_BATCH_SIZE,
        "Writes made durable by one group commit, by database."
    );
    describe_histogram!(
        names::COMMIT_DURATION,
        Unit::Seconds,
        "Time one group commit takes, by database."
    );
    describe_histogram!(
        names::PEER_CALL_DURATION,
        Unit::Seconds,
        "Calls to another service, by peer and outcome."
    );
    describe_counter!(
        names::PEER_CALL_ERRORS,
        "Calls to another service that failed before an answer, by peer."
    );
    describe_counter!(names::SAGA_OUTCOMES, "Buys (the order saga) by outcome.");
    describe_counter!(names::CHECKOUT_OUTCOMES, "Checkouts by outcome.");
    describe_gauge!(
        names::BACKLOG,
        "Work a background loop has still to do, by loop (reconciler, resolver)."
    );
    describe_counter!(
        names::PRODUCT_CACHE_REQUESTS,
        "Product reads at the gateway, by cache result (hit, stale, miss, off)."
    );
    describe_gauge!(
        names::POOL_CONNECTIONS,
        "PostgreSQL pool connections, by pool and state (in_use, idle)."
    );
}
