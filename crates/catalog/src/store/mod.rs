//! Where the catalog keeps its data. The trait is what the routes need; each
//! backend (SQLite now, PostgreSQL next) implements it with the same
//! guarantees: reservations are atomic and idempotent per order key.

pub mod sqlite;
mod sqlite_writer;

use std::future::Future;

use storefront_wire::internal::{Reservation, ReserveStock};

use crate::Product;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The writer is gone or a write failed: the request may be retried.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot open the writer: {0}")]
    Writer(#[from] rusqlite::Error),
    #[error(transparent)]
    Ownership(#[from] storefront_service_kit::sqlite::OwnershipError),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// What a reservation request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Stock is held for the attempt (now, or by an earlier identical request).
    Reserved(Reservation),
    UnknownProduct,
    InsufficientStock {
        available: i64,
    },
    /// The key was refused or released before; it can never take stock.
    AttemptClosed,
}

pub trait CatalogStore: Send + Sync + 'static {
    /// Every product, ordered by id.
    fn products(&self) -> impl Future<Output = Result<Vec<Product>, StoreError>> + Send;

    fn product_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Product>, StoreError>> + Send;

    /// Takes stock for an order attempt, all or nothing; the same key always
    /// gets the same outcome.
    fn reserve(
        &self,
        request: ReserveStock,
    ) -> impl Future<Output = Result<ReserveOutcome, StoreError>> + Send;

    /// The catalog's version: it moves forward after every commit that
    /// changed stock, once the new stock is readable.
    fn versions(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Gives an attempt's held stock back and closes the key for good.
    /// Returns whether stock went back.
    fn release(&self, order_key: String) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
