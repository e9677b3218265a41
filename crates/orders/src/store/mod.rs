//! Where the orders service keeps its intent log and order log.

pub mod sqlite;
mod sqlite_writer;

use std::future::Future;
use std::time::Duration;

use storefront_wire::{ProductName, Quantity};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error("order attempt {0} is not pending")]
    NotPending(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot open the writer: {0}")]
    Writer(#[from] rusqlite::Error),
    #[error(transparent)]
    Ownership(#[from] storefront_service_kit::sqlite::OwnershipError),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// An attempt written before the catalog is asked for stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOrder {
    pub order_key: String,
    pub name: ProductName,
    pub quantity: Quantity,
}

/// An acknowledged order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub number: u64,
    pub name: String,
    pub quantity: u32,
    pub price_cents: i64,
}

pub trait OrdersStore: Send + Sync + 'static {
    /// Durably records an attempt as pending.
    fn begin(&self, attempt: PendingOrder) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Turns a pending attempt into the next numbered order, durably;
    /// [`StoreError::NotPending`] if it is unknown or being aborted.
    fn confirm(
        &self,
        order_key: String,
        price_cents: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Marks an attempt as being aborted: from now on it can never confirm.
    /// Recovery does this before it releases the attempt's stock.
    fn mark_aborting(
        &self,
        order_key: String,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets an attempt whose stock is known not to be held.
    fn abort(&self, order_key: String) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn order(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<OrderRow>, StoreError>> + Send;

    /// Keys of attempts pending for at least `min_age`: all of them at start
    /// (`Duration::ZERO`), only stuck ones in the reconciler's periodic sweep.
    fn pending_keys(
        &self,
        min_age: Duration,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}
