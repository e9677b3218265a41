//! Opening the carts store in its own schema on a PostgreSQL server.

use storefront_service_kit::postgres::{SchemaOwnership, connect, migrate};
use storefront_service_kit::schema::SchemaStep;

use super::backend::Backend;
use super::{CartsStore, Ownership, StoreError};

const SCHEMA: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "carts and their items",
    sql: include_str!("../../migrations/postgres/0001_carts.sql"),
}];

/// Connections per carts process: requests hold one only for a short
/// transaction, and checkouts wait on the orders service outside of any.
const MAX_CONNECTIONS: u32 = 8;

pub async fn open(url: &str, schema: &str) -> Result<CartsStore, StoreError> {
    // One process per schema, as one per file on SQLite: two would each
    // believe they alone drive a checkout to its end.
    let ownership = SchemaOwnership::acquire(url, schema).await?;
    let pool = connect(url, schema, MAX_CONNECTIONS).await?;
    migrate(&pool, SCHEMA).await?;
    Ok(CartsStore {
        readers: Backend::Postgres(pool.clone()),
        writer: Backend::Postgres(pool),
        _ownership: Ownership::Schema { _lock: ownership },
    })
}
