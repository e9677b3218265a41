//! Where the carts service keeps carts and their items: a SQLite file by
//! default, or its own schema on PostgreSQL. One [`CartsStore`] serves both
//! with the same SQL (see [`backend`]); the invariants live in the schema:
//! one open cart per customer (a partial unique index), quantities from 1 to
//! [`storefront_wire::Quantity::MAX`], an order number exactly when ordered.

pub mod backend;
mod commands;
pub mod postgres;
mod postgres_writes;
mod reads;
pub mod sqlite;
mod sqlite_writer;

use storefront_service_kit::DatabaseLocation;
use storefront_service_kit::postgres::OwnerLock;
use storefront_service_kit::sqlite::{CommitError, OwnershipLock, WriteCommand};
use storefront_wire::CustomerId;
use storefront_wire::shop::CartStatus;

use backend::{Backend, Readers, Writer};
pub use postgres_writes::OnPostgres;

pub use commands::{
    AddLine, BeginCheckout, CheckoutStart, ClaimPlacing, Edit, FinishCheckout, RemoveLine, Reopen,
    SetLine,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The SQLite writer could not commit (the batch rolled back) or stopped.
    #[error(transparent)]
    Write(#[from] CommitError),
    #[error("cannot open the writer: {0}")]
    Writer(#[from] rusqlite::Error),
    #[error(transparent)]
    Ownership(#[from] storefront_service_kit::sqlite::OwnershipError),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A row the schema's checks should have made impossible.
    #[error("corrupt cart data: {0}")]
    Corrupt(String),
}

/// A cart with its lines, as stored (no prices: those are the catalog's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartRecord {
    pub id: i64,
    pub customer_id: CustomerId,
    pub status: CartStatus,
    pub items: Vec<ItemRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRecord {
    pub product_id: i64,
    pub quantity: u32,
}

/// The carts and cart items tables, on either backend.
pub struct CartsStore {
    readers: Readers,
    writer: Writer,
    ownership: Ownership,
}

/// What this process holds while the store is open.
enum Ownership {
    /// SQLite: the file, for this process alone, which drives every checkout.
    File(#[allow(dead_code, reason = "held for its Drop")] OwnershipLock),
    /// PostgreSQL: its owner lock, whose id marks the frozen carts it places
    /// (processes share the schema and take over a dead one's carts).
    Owner(OwnerLock),
}

impl CartsStore {
    /// This process's name on the carts it places: its owner id on
    /// PostgreSQL; on SQLite, where one process owns the file, always 0.
    pub fn placer(&self) -> i64 {
        match &self.ownership {
            Ownership::File(_) => 0,
            Ownership::Owner(owner) => owner.id(),
        }
    }
}

impl CartsStore {
    /// Opens (creating and migrating if needed) the store at `location`.
    pub async fn open(location: &DatabaseLocation) -> Result<Self, StoreError> {
        match location {
            DatabaseLocation::Sqlite(path) => sqlite::open(path).await,
            DatabaseLocation::Postgres { url, schema } => postgres::open(url, schema).await,
        }
    }

    /// Applies one command in one durable transaction and answers its outcome.
    pub async fn write<C>(&self, command: C) -> Result<<C as OnPostgres>::Output, StoreError>
    where
        C: WriteCommand<(), Output = <C as OnPostgres>::Output> + OnPostgres,
    {
        match &self.writer {
            Backend::Sqlite(committer) => Ok(committer.submit(command).await?),
            Backend::Postgres(pool) => command.run(pool).await,
        }
    }

    /// Answers once the database can be used now (`/ready`): a read
    /// through the writer on SQLite, a statement on a pooled connection on
    /// PostgreSQL.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.writer {
            Backend::Sqlite(committer) => Ok(committer.ping().await?),
            Backend::Postgres(pool) => Ok(storefront_service_kit::postgres::ping(pool).await?),
        }
    }
}

fn status_from_db(text: &str) -> Result<CartStatus, StoreError> {
    match text {
        "active" => Ok(CartStatus::Active),
        "checking_out" => Ok(CartStatus::CheckingOut),
        "ordered" => Ok(CartStatus::Ordered),
        other => Err(StoreError::Corrupt(format!(
            "unknown cart status {other:?}"
        ))),
    }
}

fn customer_from_db(text: String) -> Result<CustomerId, StoreError> {
    CustomerId::parse(text).map_err(StoreError::Corrupt)
}

fn quantity_from_db(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("quantity {value}")))
}

fn order_number_from_db(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("order number {value}")))
}
