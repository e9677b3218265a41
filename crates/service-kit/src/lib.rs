//! Plumbing every Storefront service shares, so each service crate holds only
//! its own routes, domain logic and storage.
//!
//! - [`server`]: the accept loop with connection limits, slow-client
//!   timeouts and graceful drain on shutdown; [`service`]: the one shape
//!   every service starts in (`start(…) → Service`, then `Service::run`).
//! - [`error`]: the `{"error":{"code","message"}}` envelope, the one place
//!   an error becomes an HTTP response.
//! - [`json`], [`path`], [`query`]: extractors whose every rejection is a
//!   clear 4xx in the envelope ([`Paged`]: the bounded page of list routes).
//! - [`routing`]: JSON 404/405 fallbacks and the layers every router gets;
//!   [`readiness`]: `GET /ready`, what each service needs in order to serve.
//! - [`telemetry`], [`shutdown`]: logging and signal handling, set up once;
//!   [`request_context`]: each request's ids (request id, W3C trace id),
//!   current while it is served, and its access line;
//!   [`metrics`]: the Prometheus recorder and `/metrics`.
//! - [`database`], [`sqlite`], [`postgres`], [`schema`]: where a service's
//!   data lives, how each backend is opened, and embedded migrations;
//!   [`transient`]: which database failures deserve a 503 and a retry.
//! - `test_support` (feature `test-support`): what the crates' test suites
//!   share: [`for_each_backend!`], Chromium, the Python checkers.

pub mod database;
pub mod error;
pub mod json;
pub mod metrics;
pub mod path;
pub mod postgres;
pub mod query;
pub mod readiness;
pub mod request_context;
pub mod request_id;
pub mod routing;
pub mod schema;
pub mod server;
pub mod service;
pub mod shutdown;
pub mod sqlite;
pub mod telemetry;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod transient;

pub use database::DatabaseLocation;
pub use error::ApiError;
pub use json::{JsonBody, limited_body};
pub use path::PathParam;
pub use query::{Paged, QueryParams};
pub use readiness::Readiness;
pub use request_id::RequestId;
pub use routing::{created, data, finish_router};
pub use server::{HttpLimits, serve};
pub use service::Service;
pub use transient::is_transient;
