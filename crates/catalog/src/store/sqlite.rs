//! The SQLite catalog: one database file, written only by its group-commit
//! writer, read from an in-memory copy of the committed product table.
//!
//! The copy is safe because this process is the file's only writer: the
//! writer updates the copy right after each commit, so a read never shows
//! stock that is not durable. Buys never trust the copy; they go through the
//! conditional `UPDATE` in the database.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use sqlx::sqlite::SqliteConnection;
use storefront_service_kit::sqlite::{
    CommitError, Committer, OwnershipLock, SchemaStep, migrate, open_setup_connection,
};
use storefront_wire::internal::ReserveStock;

use super::sqlite_writer::{CatalogWriter, WriteCommand, WriteOutcome};
use super::{CatalogStore, ReserveOutcome, StoreError};
use crate::Product;
use crate::seed::SeedProduct;

const SCHEMA: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "products and reservations",
    sql: include_str!("../../migrations/sqlite/0001_products.sql"),
}];

/// Committed products, indexed by name.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
    products: Vec<Product>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
}

impl Snapshot {
    fn new(products: Vec<Product>) -> Self {
        let by_name = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect();
        let by_id = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id, i))
            .collect();
        Self {
            products,
            by_name,
            by_id,
        }
    }

    pub(super) fn set_quantity(&mut self, id: i64, quantity: i64) {
        if let Some(&i) = self.by_id.get(&id) {
            self.products[i].quantity = quantity;
        }
    }
}

pub struct SqliteCatalogStore {
    snapshot: Arc<RwLock<Snapshot>>,
    writer: Committer<CatalogWriter>,
    versions: Arc<watch::Sender<u64>>,
    /// The snapshot is right only while this process is the file's one writer.
    _ownership: OwnershipLock,
}

impl SqliteCatalogStore {
    /// Opens (or creates and seeds) the catalog database at `path`.
    pub async fn open(path: &Path, seed: &[SeedProduct]) -> Result<Self, StoreError> {
        let ownership = OwnershipLock::acquire(path)?;
        let mut conn = open_setup_connection(path).await?;
        migrate(&mut conn, SCHEMA).await?;
        seed_once(&mut conn, seed).await?;
        let products = load_products(&mut conn).await?;
        sqlx::Connection::close(conn).await?;
        let snapshot = Arc::new(RwLock::new(Snapshot::new(products)));
        let versions = Arc::new(watch::Sender::new(0));
        let writer = Committer::open(
            path,
            CatalogWriter::new(Arc::clone(&snapshot), Arc::clone(&versions)),
        )?;
        Ok(Self {
            snapshot,
            writer,
            versions,
            _ownership: ownership,
        })
    }

    fn read<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> T {
        // A poisoned lock only means a reader panicked; the data is intact.
        let guard = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    async fn write(&self, command: WriteCommand) -> Result<WriteOutcome, StoreError> {
        self.writer.submit(command).await.map_err(|e| match e {
            CommitError::Database(m) => StoreError::Unavailable(m),
            CommitError::WriterStopped => StoreError::Unavailable("writer stopped".into()),
        })
    }
}

impl CatalogStore for SqliteCatalogStore {
    async fn products(&self) -> Result<Vec<Product>, StoreError> {
        Ok(self.read(|s| s.products.clone()))
    }

    async fn product_by_name(&self, name: &str) -> Result<Option<Product>, StoreError> {
        Ok(self.read(|s| s.by_name.get(name).map(|&i| s.products[i].clone())))
    }

    async fn reserve(&self, request: ReserveStock) -> Result<ReserveOutcome, StoreError> {
        match self.write(WriteCommand::Reserve(request)).await? {
            WriteOutcome::Reserve(outcome) => Ok(outcome),
            WriteOutcome::Release(_) => unreachable_outcome(),
        }
    }

    fn versions(&self) -> watch::Receiver<u64> {
        self.versions.subscribe()
    }

    async fn release(&self, order_key: String) -> Result<bool, StoreError> {
        match self.write(WriteCommand::Release { order_key }).await? {
            WriteOutcome::Release(returned) => Ok(returned),
            WriteOutcome::Reserve(_) => unreachable_outcome(),
        }
    }
}

fn unreachable_outcome<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable(
        "writer answered a different command".into(),
    ))
}

/// Loads the seed into a new database, once: a catalog emptied later by an
/// administrator is not refilled behind their back.
async fn seed_once(conn: &mut SqliteConnection, seed: &[SeedProduct]) -> Result<(), StoreError> {
    let seeded: Option<String> =
        sqlx::query_scalar("SELECT value FROM catalog_meta WHERE key = 'seeded'")
            .fetch_optional(&mut *conn)
            .await?;
    if seeded.is_some() {
        return Ok(());
    }
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    for product in seed {
        sqlx::query("INSERT INTO products (name, price_cents, quantity) VALUES (?, ?, ?)")
            .bind(product.name.as_str())
            .bind(product.price.cents())
            .bind(i64::from(product.quantity))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("INSERT INTO catalog_meta (key, value) VALUES ('seeded', datetime('now'))")
        .execute(&mut *conn)
        .await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    tracing::info!(products = seed.len(), "catalog seeded");
    Ok(())
}

async fn load_products(conn: &mut SqliteConnection) -> Result<Vec<Product>, StoreError> {
    let rows: Vec<(i64, String, i64, i64)> =
        sqlx::query_as("SELECT id, name, price_cents, quantity FROM products ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, price_cents, quantity)| Product {
            id,
            name,
            price_cents,
            quantity,
        })
        .collect())
}
