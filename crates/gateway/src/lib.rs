//! The gateway: the public REST API (the lab protocol and the shop) and the
//! web storefront's pages ([`pages`]). It
//! validates every request at the edge and checks who sent it ([`auth`]), then
//! routes it to the catalog, orders or carts service; it
//! holds no data of its own (at most an optional, disposable copy of the
//! product list), so any number of gateways can run side by side.

pub mod auth;
pub mod error;
pub mod openapi;
mod openapi_links;
pub mod pages;
pub mod product_cache;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use storefront_service_kit::request_id::AssignRequestIdLayer;
use storefront_service_kit::{HttpLimits, Readiness, Service, finish_router};
use storefront_wire::{CatalogClient, ClientError, OrdersClient, ServiceClient};
use tokio_util::sync::CancellationToken;

pub use auth::{Auth, AuthSettings, CustomerAuth};
pub use error::GatewayError;
pub use product_cache::{ProductCache, Touched};

/// Where the gateway finds its peers, its product cache if enabled, and
/// its credentials.
pub struct Gateway {
    pub catalog: CatalogClient,
    pub orders: OrdersClient,
    pub carts: ServiceClient,
    pub product_cache: Option<Arc<ProductCache>>,
    /// The admin token and customer tokens: who may do what.
    pub auth: Auth,
}

/// Where the gateway's peer services are.
#[derive(Debug, Clone)]
pub struct Peers<'a> {
    pub catalog: &'a str,
    pub orders: &'a str,
    pub carts: &'a str,
}

impl Gateway {
    pub fn new(peers: Peers<'_>, peer_timeout: Duration, auth: Auth) -> Self {
        Self {
            catalog: CatalogClient::new(peers.catalog, peer_timeout),
            orders: OrdersClient::new(peers.orders, peer_timeout),
            carts: ServiceClient::new("carts", peers.carts, peer_timeout),
            product_cache: None,
            auth,
        }
    }

    /// Answers queries from a copy of the catalog's products, kept current
    /// by a subscription (see [`product_cache`]).
    pub fn with_product_cache(mut self, catalog_url: &str, shutdown: CancellationToken) -> Self {
        self.product_cache = Some(ProductCache::spawn(catalog_url, shutdown));
        self
    }

    /// A write touching `products` was just answered with `outcome`: unless
    /// the service refused it (a 4xx changes nothing), the product cache
    /// holds them back until it has caught up (read-your-writes). A write
    /// that failed or timed out may still have changed something, so it
    /// counts.
    pub fn wrote<'a, T>(
        &self,
        outcome: &Result<T, ClientError>,
        products: impl IntoIterator<Item = Touched<'a>>,
    ) {
        if let Some(cache) = &self.product_cache
            && !matches!(outcome, Err(ClientError::Rejected { .. }))
        {
            cache.wrote(products);
        }
    }

    /// The same for a write that may have touched any product; `refused`
    /// when the service answered it with a 4xx.
    pub fn wrote_anything(&self, refused: bool) {
        if let Some(cache) = &self.product_cache
            && !refused
        {
            cache.wrote_anything();
        }
    }
}

pub fn router(gateway: Arc<Gateway>, limits: &HttpLimits) -> axum::Router {
    // The gateway keeps no data: it is ready when its peers answer.
    let readiness = Readiness::new("gateway")
        .peer(&gateway.catalog)
        .peer(&gateway.orders)
        .peer(&gateway.carts);
    // The layer wraps the fallbacks too, so every reply carries the id.
    finish_router(routes::routes(gateway), limits.body_limits(), readiness)
        .layer(AssignRequestIdLayer)
}

/// What a gateway is started with: it keeps no data, so this is all.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    pub catalog_url: String,
    pub orders_url: String,
    pub carts_url: String,
    /// How long a call to a peer may take before the client gets a 503.
    pub peer_timeout: Duration,
    /// The bearer token administration routes require; `None` refuses them.
    pub admin_token: Option<String>,
    /// Customer tokens and the limit on failed authentications.
    pub auth: AuthSettings,
    /// Keep a copy of the product list (see [`product_cache`]).
    pub product_cache: bool,
}

/// A gateway ready to serve; its product cache subscription, if any, runs
/// until `shutdown` fires. It opens no store, so it cannot fail.
pub fn start(settings: GatewaySettings, shutdown: CancellationToken) -> Service {
    let peers = Peers {
        catalog: &settings.catalog_url,
        orders: &settings.orders_url,
        carts: &settings.carts_url,
    };
    let auth = Auth::new(&settings.auth, settings.admin_token);
    let mut gateway = Gateway::new(peers, settings.peer_timeout, auth);
    if settings.product_cache {
        gateway = gateway.with_product_cache(&settings.catalog_url, shutdown.clone());
    }
    let gateway = Arc::new(gateway);
    Service::new(shutdown, move |limits| router(gateway, limits))
}
