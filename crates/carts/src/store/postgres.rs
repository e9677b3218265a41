//! Opening the carts store in its own schema on a PostgreSQL server.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use storefront_service_kit::postgres::{OwnerLock, connect, migrate};
use storefront_service_kit::schema::SchemaStep;

use super::backend::Backend;
use super::{CartsStore, Ownership, StoreError};

const SCHEMA: &[SchemaStep] = &[
    SchemaStep {
        version: 1,
        description: "carts and their items",
        sql: include_str!("../../migrations/postgres/0001_carts.sql"),
    },
    SchemaStep {
        version: 2,
        description: "placers, for several carts processes",
        sql: include_str!("../../migrations/postgres/0002_placers.sql"),
    },
];

/// Connections per carts process: requests hold one only for a short
/// transaction, and checkouts wait on the orders service outside of any.
const MAX_CONNECTIONS: u32 = 8;

pub async fn open(url: &str, schema: &str) -> Result<CartsStore, StoreError> {
    // Any number of carts processes may share the schema: a frozen cart's
    // placer (postgres_writes.rs), an owner id, says which one drives it.
    let pool = connect(url, schema, MAX_CONNECTIONS).await?;
    migrate(&pool, SCHEMA).await?;
    let owner = OwnerLock::acquire(&PgConnectOptions::from_str(url)?).await?;
    Ok(CartsStore {
        readers: Backend::Postgres(pool.clone()),
        writer: Backend::Postgres(pool),
        ownership: Ownership::Owner(owner),
    })
}
