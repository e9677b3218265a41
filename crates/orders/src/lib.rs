//! The orders service: owns the order log and coordinates every buy.
//!
//! A buy is a short saga across two services that each own their data:
//! 1. write a *pending* attempt to the intent log (durable),
//! 2. ask the catalog to reserve stock under the attempt's key (idempotent),
//! 3. confirm: give the attempt the next order number in the order log.
//!
//! Any failure between 1 and 3 leaves a pending attempt; the [`reconciler`]
//! releases its stock (if any was taken) and removes it, so stock is never
//! taken without an order nor an order recorded without stock.

pub mod coordinator;
pub mod error;
pub mod reconciler;
pub mod routes;
pub mod store;

use std::sync::Arc;

use storefront_service_kit::{HttpLimits, finish_router, serve};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use coordinator::OrderDesk;
pub use error::OrdersError;
pub use store::{
    OrdersStore, StoreError, postgres::PostgresOrdersStore, sqlite::SqliteOrdersStore,
};

/// The orders service's HTTP API.
pub fn router<S: OrdersStore>(desk: Arc<OrderDesk<S>>, limits: &HttpLimits) -> axum::Router {
    finish_router(routes::routes(desk), limits.body_limits())
}

/// Serves the orders API on `listener` until `shutdown` fires.
pub async fn run<S: OrdersStore>(
    listener: TcpListener,
    desk: Arc<OrderDesk<S>>,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve(listener, router(desk, &limits), limits, shutdown).await
}
