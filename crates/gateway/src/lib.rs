//! The gateway: the public REST API (the lab protocol). It validates every
//! request at the edge, then routes it to the catalog or orders service; it
//! holds no data of its own (at most an optional, disposable copy of the
//! product list), so any number of gateways can run side by side.

pub mod error;
pub mod product_cache;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use storefront_service_kit::request_id::assign_request_id;
use storefront_service_kit::{HttpLimits, finish_router, serve};
use storefront_wire::{CatalogClient, OrdersClient};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use error::GatewayError;
pub use product_cache::ProductCache;

/// Where the gateway finds its peers, and its product cache if enabled.
#[derive(Clone)]
pub struct Gateway {
    pub catalog: CatalogClient,
    pub orders: OrdersClient,
    pub product_cache: Option<Arc<ProductCache>>,
}

impl Gateway {
    pub fn new(catalog_url: &str, orders_url: &str, peer_timeout: Duration) -> Self {
        Self {
            catalog: CatalogClient::new(catalog_url, peer_timeout),
            orders: OrdersClient::new(orders_url, peer_timeout),
            product_cache: None,
        }
    }

    /// Answers queries from a copy of the catalog's products, kept current
    /// by a subscription (see [`product_cache`]).
    pub fn with_product_cache(mut self, catalog_url: &str, shutdown: CancellationToken) -> Self {
        self.product_cache = Some(ProductCache::spawn(catalog_url, shutdown));
        self
    }
}

pub fn router(gateway: Arc<Gateway>, limits: &HttpLimits) -> axum::Router {
    // The layer wraps the fallbacks too, so every reply carries the id.
    finish_router(routes::routes(gateway), limits.body_limits())
        .layer(axum::middleware::from_fn(assign_request_id))
}

/// Serves the public API on `listener` until `shutdown` fires.
pub async fn run(
    listener: TcpListener,
    gateway: Arc<Gateway>,
    limits: HttpLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve(listener, router(gateway, &limits), limits, shutdown).await
}
