//! The catalog service: owns the products and their stock.
//!
//! Stock changes only through reservations keyed by an order attempt, applied
//! by a single conditional `UPDATE` inside the database, so concurrent buyers
//! can never oversell and a retried or late request can never take stock twice.

pub mod error;
pub mod product;
pub mod routes;
pub mod seed;
pub mod store;

use std::sync::Arc;

use storefront_service_kit::{HttpLimits, finish_router, serve};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use error::CatalogError;
pub use product::Product;
pub use store::{
    CatalogStore, ReserveOutcome, StoreError, postgres::PostgresCatalogStore,
    sqlite::SqliteCatalogStore,
};

/// The catalog's HTTP API over a store; long polls end when `shutdown` fires.
pub fn router<S: CatalogStore>(
    store: Arc<S>,
    limits: &HttpLimits,
    shutdown: CancellationToken,
) -> axum::Router {
    finish_router(routes::routes(store, shutdown), limits.body_limits())
}

/// Serves the catalog on `listener` until `shutdown` fires.
pub async fn run<S: CatalogStore>(
    listener: TcpListener,
    store: Arc<S>,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let router = router(store, &limits, shutdown.clone());
    serve(listener, router, limits, shutdown).await
}
