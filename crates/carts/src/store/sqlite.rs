//! Opening the carts store on a SQLite file owned by this process.

use std::path::Path;

use storefront_service_kit::schema::SchemaStep;
use storefront_service_kit::sqlite::{
    Committer, OwnershipLock, migrate, open_readers, open_setup_connection,
};

use super::backend::Backend;
use super::{CartsStore, Ownership, StoreError};

const SCHEMA: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "carts and their items",
    sql: include_str!("../../migrations/sqlite/0001_carts.sql"),
}];

pub async fn open(path: &Path) -> Result<CartsStore, StoreError> {
    // One process per file: two would each believe they alone drive a
    // checkout to its end.
    let ownership = OwnershipLock::acquire(path)?;
    let mut conn = open_setup_connection(path).await?;
    migrate(&mut conn, SCHEMA).await?;
    sqlx::Connection::close(conn).await?;
    let writer = Committer::open(path, ())?;
    let readers = open_readers(path, 4).await?;
    Ok(CartsStore {
        readers: Backend::Sqlite(readers),
        writer: Backend::Sqlite(writer),
        ownership: Ownership::File(ownership),
    })
}
