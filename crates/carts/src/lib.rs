//! The carts service: one open cart per customer, and checkout of a whole
//! cart as exactly one order.
//!
//! Carts hold product ids and quantities only; prices and names are the
//! catalog's, fetched when a cart is shown. A checkout freezes the cart,
//! then asks the orders service for one order under a key derived from the
//! cart, so retries and the background [`resolver`] can never make a second
//! one (see [`checkout`] for the crash-safety argument).
//!
//! Start-up, as every service: [`start`] opens the store and starts the
//! resolver, then `Service::run` serves.

pub mod checkout;
mod editing;
pub mod error;
mod pricing;
pub mod resolver;
pub mod routes;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use storefront_service_kit::{DatabaseLocation, HttpLimits, Readiness, Service, finish_router};
use storefront_wire::{CatalogClient, OrdersClient};
use tokio_util::sync::CancellationToken;

pub use error::CartsError;
pub use store::{CartsStore, StoreError};

/// How often the resolver looks for unsettled checkouts, by default.
pub const DEFAULT_RESOLVE_EVERY: Duration = Duration::from_secs(5);

/// The carts service: its store and the two services it calls.
pub struct Carts {
    store: CartsStore,
    catalog: CatalogClient,
    orders: OrdersClient,
    in_flight: checkout::InFlight,
    /// This process's name on the carts it places (its owner id on
    /// PostgreSQL, where several carts processes share the carts).
    placer: i64,
}

impl Carts {
    /// Opens the store at `location` (creating and migrating it) and starts
    /// the resolver, which first settles checkouts a previous run left
    /// unsettled and then looks again every `resolve_every` until `shutdown`.
    pub async fn open(
        location: &DatabaseLocation,
        catalog: CatalogClient,
        orders: OrdersClient,
        resolve_every: Duration,
        shutdown: CancellationToken,
    ) -> Result<Arc<Self>, StoreError> {
        let store = CartsStore::open(location).await?;
        let placer = store.placer();
        let carts = Arc::new(Self {
            store,
            catalog,
            orders,
            in_flight: checkout::InFlight::default(),
            placer,
        });
        resolver::spawn(Arc::clone(&carts), resolve_every, shutdown);
        Ok(carts)
    }

    pub fn store(&self) -> &CartsStore {
        &self.store
    }
}

/// The carts service's HTTP API. Its writes run to completion even when the
/// caller hangs up (`finish_router`): a checkout cancelled between its order
/// and recording it would leave the cart frozen until the resolver's pass.
pub fn router(carts: Arc<Carts>, limits: &HttpLimits) -> axum::Router {
    let database = Arc::clone(&carts);
    let readiness = Readiness::new("carts")
        .check("database", move || {
            let database = Arc::clone(&database);
            async move { database.store.ping().await.map_err(|e| e.to_string()) }
        })
        .peer(&carts.catalog)
        .peer(&carts.orders);
    finish_router(routes::routes(carts), limits.body_limits(), readiness)
}

/// What the carts service is started with besides where its data lives.
#[derive(Debug, Clone)]
pub struct CartsSettings {
    /// Where the catalog (prices, stock) and the orders service (checkout)
    /// are, and how long a call to either may take.
    pub catalog_url: String,
    pub orders_url: String,
    pub peer_timeout: Duration,
    /// How often the resolver looks for unsettled checkouts.
    pub resolve_every: Duration,
}

/// Opens (creating and migrating) the carts at `location`, starts the
/// resolver (see [`Carts::open`]) and returns the service ready to serve.
pub async fn start(
    settings: CartsSettings,
    location: &DatabaseLocation,
    shutdown: CancellationToken,
) -> Result<Service, StoreError> {
    let catalog = CatalogClient::new(&settings.catalog_url, settings.peer_timeout);
    let orders = OrdersClient::new(&settings.orders_url, settings.peer_timeout);
    let carts = Carts::open(
        location,
        catalog,
        orders,
        settings.resolve_every,
        shutdown.clone(),
    )
    .await?;
    Ok(Service::new(shutdown, move |limits| router(carts, limits)))
}
