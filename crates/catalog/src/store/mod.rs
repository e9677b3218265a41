//! Where the catalog keeps its data. The trait is what the routes need; each
//! backend (SQLite, PostgreSQL) implements it with the same guarantees:
//! reservations are atomic across their lines and idempotent per order key.

pub mod postgres;
mod postgres_changes;
mod postgres_mirror;
mod postgres_stock;
mod snapshot;
pub mod sqlite;
mod sqlite_admin;
mod sqlite_stock;
mod sqlite_writer;

use std::future::Future;

use storefront_wire::internal::{Reservation, ReserveStock};
use storefront_wire::shop::{Page, ProductDraft, ProductRef};

use crate::Product;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The writer is gone, a write failed, or the database server cannot be
    /// reached right now: the request may be retried.
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
    UnknownProduct(ProductRef),
    InsufficientStock {
        product: String,
        available: i64,
    },
    /// The key was refused or released before; it can never take stock.
    AttemptClosed,
}

/// What an administrator's change came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminOutcome {
    Done(Product),
    NotFound,
    DuplicateName,
}

pub trait CatalogStore: Send + Sync + 'static {
    /// One page of products, ordered by id.
    fn products(&self, page: Page)
    -> impl Future<Output = Result<Vec<Product>, StoreError>> + Send;

    fn product_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Product>, StoreError>> + Send;

    fn product_by_id(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<Product>, StoreError>> + Send;

    /// Adds a product under a new id (ids are never reused).
    fn create_product(
        &self,
        draft: ProductDraft,
    ) -> impl Future<Output = Result<AdminOutcome, StoreError>> + Send;

    /// Replaces a product's name, price, stock and description.
    fn update_product(
        &self,
        id: i64,
        draft: ProductDraft,
    ) -> impl Future<Output = Result<AdminOutcome, StoreError>> + Send;

    /// Removes a product; returns whether it existed. Stock an open attempt
    /// holds for it is simply not returned anywhere if that attempt aborts.
    fn delete_product(&self, id: i64) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Takes stock for every line of an order attempt, all or nothing; the
    /// same key always gets the same outcome.
    fn reserve(
        &self,
        request: ReserveStock,
    ) -> impl Future<Output = Result<ReserveOutcome, StoreError>> + Send;

    /// The catalog's version: it moves forward after every commit that
    /// changed products, once the change is readable.
    fn versions(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Gives an attempt's held stock back and closes the key for good.
    /// Returns whether stock went back.
    fn release(&self, order_key: String) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Answers once the database can be used now (`/ready`): a read
    /// through the writer on SQLite, a statement on a pooled connection on
    /// PostgreSQL.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}
