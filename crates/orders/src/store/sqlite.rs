//! The SQLite orders store: writes through the group-commit writer, reads
//! from a small pool of read-only connections.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::SqlitePool;
use storefront_service_kit::sqlite::{
    CommitError, Committer, OwnershipLock, SchemaStep, WriteCommand, migrate, open_readers,
    open_setup_connection,
};

use storefront_wire::CustomerId;
use storefront_wire::internal::ReservedItem;
use storefront_wire::shop::{OrderDetail, Page};

use super::lines::order_lines;
use super::sqlite_writer::{Abort, Begin, Confirm, MarkAborting, OrdersWriter};
use super::{
    AbortMark, BeginOutcome, LineRow, OrdersStore, PendingOrder, StoreError, Which, group_lines,
};

const SCHEMA: &[SchemaStep] = &[
    SchemaStep {
        version: 1,
        description: "intent log and order log",
        sql: include_str!("../../migrations/sqlite/0001_orders.sql"),
    },
    SchemaStep {
        version: 2,
        description: "multi-item orders, customers and idempotency keys",
        sql: include_str!("../../migrations/sqlite/0002_shop.sql"),
    },
];

const ORDER_BY_NUMBER: &str = order_lines!(sqlite, "WHERE number = ?1", "?2", "?3");
const ORDERS_OF_CUSTOMER: &str = order_lines!(sqlite, "WHERE customer_id = ?1", "?2", "?3");
const ALL_ORDERS: &str = order_lines!(sqlite, "", "?1", "?2");

pub struct SqliteOrdersStore {
    writer: Committer<OrdersWriter>,
    readers: SqlitePool,
    /// Attempts pending when this store opened. The ownership lock makes
    /// this process the file's only user, so their owner is gone.
    inherited: HashSet<String>,
    /// Order numbers come from this process's writer: it must be the only one.
    _ownership: OwnershipLock,
}

impl SqliteOrdersStore {
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let ownership = OwnershipLock::acquire(path)?;
        let mut conn = open_setup_connection(path).await?;
        migrate(&mut conn, SCHEMA).await?;
        let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number) + 1, 0) FROM orders")
            .fetch_one(&mut conn)
            .await?;
        let inherited: Vec<String> = sqlx::query_scalar("SELECT order_key FROM pending_orders")
            .fetch_all(&mut conn)
            .await?;
        sqlx::Connection::close(conn).await?;
        let writer = Committer::open(path, OrdersWriter::new(next as u64))?;
        let readers = open_readers(path, 4).await?;
        Ok(Self {
            writer,
            readers,
            inherited: inherited.into_iter().collect(),
            _ownership: ownership,
        })
    }

    async fn write<C: WriteCommand<OrdersWriter>>(
        &self,
        command: C,
    ) -> Result<C::Output, StoreError> {
        self.writer.submit(command).await.map_err(writer_failure)
    }

    async fn load(&self, which: Which<'_>) -> Result<Vec<OrderDetail>, StoreError> {
        let (limit, offset) = which.limits();
        let query = match which {
            Which::Number(number) => sqlx::query_as(ORDER_BY_NUMBER).bind(number),
            Which::Customer(customer, _) => sqlx::query_as(ORDERS_OF_CUSTOMER).bind(customer),
            Which::All(_) => sqlx::query_as(ALL_ORDERS),
        };
        let rows: Vec<LineRow> = query
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.readers)
            .await?;
        group_lines(rows)
    }
}

impl OrdersStore for SqliteOrdersStore {
    async fn begin(&self, attempt: PendingOrder) -> Result<BeginOutcome, StoreError> {
        self.write(Begin(attempt)).await
    }

    async fn confirm(
        &self,
        order_key: String,
        items: Vec<ReservedItem>,
    ) -> Result<u64, StoreError> {
        let key = order_key.clone();
        self.write(Confirm { order_key, items })
            .await?
            .ok_or(StoreError::NotPending(key))
    }

    async fn mark_aborting(&self, order_key: String) -> Result<AbortMark, StoreError> {
        Ok(match self.write(MarkAborting { order_key }).await? {
            true => AbortMark::Marked,
            false => AbortMark::NotPending,
        })
    }

    async fn abort(&self, order_key: String) -> Result<(), StoreError> {
        self.write(Abort { order_key }).await
    }

    async fn order(&self, number: u64) -> Result<Option<OrderDetail>, StoreError> {
        let Ok(number) = i64::try_from(number) else {
            return Ok(None);
        };
        Ok(self.load(Which::Number(number)).await?.into_iter().next())
    }

    async fn orders(
        &self,
        customer: Option<CustomerId>,
        page: Page,
    ) -> Result<Vec<OrderDetail>, StoreError> {
        let which = match &customer {
            Some(customer) => Which::Customer(customer.as_str(), page),
            None => Which::All(page),
        };
        self.load(which).await
    }

    async fn pending_keys(&self, min_age: Duration) -> Result<Vec<String>, StoreError> {
        let modifier = format!("-{:.3} seconds", min_age.as_secs_f64());
        let pending: Vec<(String, bool)> = sqlx::query_as(
            "SELECT order_key, created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)
             FROM pending_orders ORDER BY created_at, order_key",
        )
        .bind(modifier)
        .fetch_all(&self.readers)
        .await?;
        Ok(pending
            .into_iter()
            .filter(|(key, stuck)| *stuck || self.inherited.contains(key))
            .map(|(key, _)| key)
            .collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.writer.ping().await.map_err(writer_failure)
    }
}

fn writer_failure(error: CommitError) -> StoreError {
    match error {
        CommitError::Database(m) => StoreError::Unavailable(m),
        CommitError::WriterStopped => StoreError::Unavailable("writer stopped".into()),
    }
}
