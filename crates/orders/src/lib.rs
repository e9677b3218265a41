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
use std::time::Duration;

use storefront_service_kit::database::DatabaseLocation;
use storefront_service_kit::{HttpLimits, Readiness, Service, finish_router};
use storefront_wire::CatalogClient;
use tokio_util::sync::CancellationToken;

pub use coordinator::OrderDesk;
pub use error::OrdersError;
pub use store::{
    OrdersStore, StoreError, postgres::PostgresOrdersStore, sqlite::SqliteOrdersStore,
};

use crate::reconciler::{Reconciler, STUCK_AFTER};

/// What the orders service is started with besides where its data lives.
#[derive(Debug, Clone)]
pub struct OrdersSettings {
    /// Where the catalog is, and how long a reserve or release may take.
    pub catalog_url: String,
    pub catalog_timeout: Duration,
}

/// Opens (creating and migrating) the order log at `location`, starts the
/// reconciler on every attempt whose owner is gone (this file's previous
/// process; a dead replica on PostgreSQL, but not what live replicas are
/// doing), and returns the service ready to serve. The reconciler runs
/// until `shutdown` fires.
pub async fn start(
    settings: OrdersSettings,
    location: &DatabaseLocation,
    shutdown: CancellationToken,
) -> Result<Service, StoreError> {
    let catalog = CatalogClient::new(&settings.catalog_url, settings.catalog_timeout);
    match location {
        DatabaseLocation::Sqlite(path) => {
            let store = SqliteOrdersStore::open(path).await?;
            service(store, catalog, shutdown).await
        }
        DatabaseLocation::Postgres { url, schema } => {
            let store = PostgresOrdersStore::open(url, schema).await?;
            service(store, catalog, shutdown).await
        }
    }
}

async fn service<S: OrdersStore>(
    store: S,
    catalog: CatalogClient,
    shutdown: CancellationToken,
) -> Result<Service, StoreError> {
    let store = Arc::new(store);
    let pending = store.pending_keys(STUCK_AFTER).await?;
    let reconciler = Reconciler::spawn(
        Arc::clone(&store),
        catalog.clone(),
        pending,
        shutdown.clone(),
    );
    let desk = Arc::new(OrderDesk::new(store, catalog, reconciler));
    Ok(Service::new(shutdown, move |limits| router(desk, limits)))
}

/// The orders service's HTTP API.
pub fn router<S: OrdersStore>(desk: Arc<OrderDesk<S>>, limits: &HttpLimits) -> axum::Router {
    let database = Arc::clone(desk.store());
    let readiness = Readiness::new("orders")
        .check("database", move || {
            let database = Arc::clone(&database);
            async move { database.ping().await.map_err(|e| e.to_string()) }
        })
        .peer(desk.catalog());
    finish_router(routes::routes(desk), limits.body_limits(), readiness)
}
