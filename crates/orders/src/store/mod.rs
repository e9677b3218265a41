//! Where the orders service keeps its intent log and order log.

mod lines;
pub mod postgres;
pub mod sqlite;
mod sqlite_writer;

pub use lines::{LineRow, Which, group_lines};

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use storefront_wire::CustomerId;
use storefront_wire::internal::ReservedItem;
use storefront_wire::shop::{OrderDetail, OrderLine, Page};

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
    #[error("stored request is unreadable: {0}")]
    Corrupt(String),
}

/// What an order asks for; stored as JSON with its attempt (and with the
/// order, when keyed, so a retry can be compared with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    pub items: Vec<OrderLine>,
}

impl OrderRequest {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An attempt written before the catalog is asked for stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOrder {
    pub order_key: String,
    pub request: OrderRequest,
    pub idempotency_key: Option<String>,
}

/// What recording an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeginOutcome {
    Started,
    /// An order with this idempotency key exists; `same_request` tells
    /// whether it was placed for the same request.
    Replay {
        number: u64,
        same_request: bool,
    },
    /// An attempt with this idempotency key is still being processed.
    InProgress,
}

/// What marking an attempt as aborting came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortMark {
    /// It is aborting now (or already was): it can never confirm, and its
    /// key may be released at the catalog.
    Marked,
    /// No such attempt is pending: it was confirmed (its stock belongs to an
    /// order), already aborted, or never begun. Nothing may be released.
    NotPending,
}

pub trait OrdersStore: Send + Sync + 'static {
    /// Durably records an attempt as pending, unless its idempotency key
    /// already belongs to an order or to another attempt.
    fn begin(
        &self,
        attempt: PendingOrder,
    ) -> impl Future<Output = Result<BeginOutcome, StoreError>> + Send;

    /// Turns a pending attempt into the next numbered order with the lines
    /// and prices the catalog reserved, durably; [`StoreError::NotPending`]
    /// if it is unknown or being aborted.
    fn confirm(
        &self,
        order_key: String,
        items: Vec<ReservedItem>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Marks an attempt as being aborted: from now on it can never confirm.
    /// Recovery does this before it releases the attempt's stock, and
    /// releases it only on [`AbortMark::Marked`]: an attempt that confirmed
    /// meanwhile owns its stock, which must not go back.
    fn mark_aborting(
        &self,
        order_key: String,
    ) -> impl Future<Output = Result<AbortMark, StoreError>> + Send;

    /// Forgets an attempt whose stock is known not to be held.
    fn abort(&self, order_key: String) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn order(
        &self,
        number: u64,
    ) -> impl Future<Output = Result<Option<OrderDetail>, StoreError>> + Send;

    /// One page of orders by number, only `customer`'s when given.
    fn orders(
        &self,
        customer: Option<CustomerId>,
        page: Page,
    ) -> impl Future<Output = Result<Vec<OrderDetail>, StoreError>> + Send;

    /// Keys of pending attempts recovery may take over, oldest first: at
    /// once those whose owner is gone (the store instance that began them
    /// was closed or its process died), and any pending for at least
    /// `min_age` (stuck). `Duration::ZERO` lists every pending attempt.
    /// An attempt of a live owner younger than `min_age` is never listed:
    /// another replica may be in the middle of that buy.
    fn pending_keys(
        &self,
        min_age: Duration,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Answers once the database can be used now (`/ready`): a read
    /// through the writer on SQLite, a statement on a pooled connection on
    /// PostgreSQL.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}
