//! The SQLite orders store: writes through the group-commit writer, reads
//! from a small pool of read-only connections.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::SqlitePool;
use storefront_service_kit::sqlite::{
    CommitError, Committer, OwnershipLock, SchemaStep, migrate, open_readers, open_setup_connection,
};

use super::sqlite_writer::{OrdersWriter, WriteCommand};
use super::{OrderRow, OrdersStore, PendingOrder, StoreError};

const SCHEMA: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "intent log and order log",
    sql: include_str!("../../migrations/sqlite/0001_orders.sql"),
}];

pub struct SqliteOrdersStore {
    writer: Committer<OrdersWriter>,
    readers: SqlitePool,
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
        sqlx::Connection::close(conn).await?;
        let writer = Committer::open(path, OrdersWriter::new(next as u64))?;
        let readers = open_readers(path, 4).await?;
        Ok(Self {
            writer,
            readers,
            _ownership: ownership,
        })
    }

    async fn write(&self, command: WriteCommand) -> Result<Option<u64>, StoreError> {
        self.writer.submit(command).await.map_err(|e| match e {
            CommitError::Database(m) => StoreError::Unavailable(m),
            CommitError::WriterStopped => StoreError::Unavailable("writer stopped".into()),
        })
    }
}

impl OrdersStore for SqliteOrdersStore {
    async fn begin(&self, attempt: PendingOrder) -> Result<(), StoreError> {
        self.write(WriteCommand::Begin(attempt)).await.map(drop)
    }

    async fn confirm(&self, order_key: String, price_cents: i64) -> Result<u64, StoreError> {
        let key = order_key.clone();
        self.write(WriteCommand::Confirm {
            order_key,
            price_cents,
        })
        .await?
        .ok_or(StoreError::NotPending(key))
    }

    async fn mark_aborting(&self, order_key: String) -> Result<(), StoreError> {
        self.write(WriteCommand::MarkAborting { order_key })
            .await
            .map(drop)
    }

    async fn abort(&self, order_key: String) -> Result<(), StoreError> {
        self.write(WriteCommand::Abort { order_key })
            .await
            .map(drop)
    }

    async fn order(&self, number: u64) -> Result<Option<OrderRow>, StoreError> {
        let Ok(number) = i64::try_from(number) else {
            return Ok(None);
        };
        let row: Option<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT number, product_name, quantity, price_cents FROM orders WHERE number = ?",
        )
        .bind(number)
        .fetch_optional(&self.readers)
        .await?;
        Ok(row.map(|(number, name, quantity, price_cents)| OrderRow {
            number: number as u64,
            name,
            quantity: quantity as u32,
            price_cents,
        }))
    }

    async fn pending_keys(&self, min_age: Duration) -> Result<Vec<String>, StoreError> {
        let modifier = format!("-{:.3} seconds", min_age.as_secs_f64());
        Ok(sqlx::query_scalar(
            "SELECT order_key FROM pending_orders
             WHERE created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)
             ORDER BY created_at",
        )
        .bind(modifier)
        .fetch_all(&self.readers)
        .await?)
    }
}
