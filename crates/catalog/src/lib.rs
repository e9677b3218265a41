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

use storefront_service_kit::database::DatabaseLocation;
use storefront_service_kit::{HttpLimits, Readiness, Service, finish_router};
use tokio_util::sync::CancellationToken;

pub use error::CatalogError;
pub use product::Product;
pub use store::{
    CatalogStore, ReserveOutcome, StoreError, postgres::PostgresCatalogStore,
    sqlite::SqliteCatalogStore,
};

use crate::seed::SeedProduct;

/// What the catalog is started with besides where its data lives.
#[derive(Debug, Clone, Default)]
pub struct CatalogSettings {
    /// The products a new, empty catalog is filled with (never re-applied
    /// to a catalog that already has data).
    pub seed: Vec<SeedProduct>,
}

/// Opens (creating and migrating) the catalog at `location` and returns it
/// ready to serve; long polls end when `shutdown` fires.
pub async fn start(
    settings: CatalogSettings,
    location: &DatabaseLocation,
    shutdown: CancellationToken,
) -> Result<Service, StoreError> {
    Ok(match location {
        DatabaseLocation::Sqlite(path) => {
            let store = SqliteCatalogStore::open(path, &settings.seed).await?;
            service(Arc::new(store), shutdown)
        }
        DatabaseLocation::Postgres { url, schema } => {
            let store = PostgresCatalogStore::open(url, schema, &settings.seed).await?;
            service(Arc::new(store), shutdown)
        }
    })
}

fn service<S: CatalogStore>(store: Arc<S>, shutdown: CancellationToken) -> Service {
    let routes_shutdown = shutdown.clone();
    Service::new(shutdown, move |limits| {
        router(store, limits, routes_shutdown)
    })
}

/// The catalog's HTTP API over a store; long polls end when `shutdown` fires.
pub fn router<S: CatalogStore>(
    store: Arc<S>,
    limits: &HttpLimits,
    shutdown: CancellationToken,
) -> axum::Router {
    let database = Arc::clone(&store);
    let readiness = Readiness::new("catalog").check("database", move || {
        let database = Arc::clone(&database);
        async move { database.ping().await.map_err(|e| e.to_string()) }
    });
    finish_router(
        routes::routes(store, shutdown),
        limits.body_limits(),
        readiness,
    )
}
