//! The SQLite catalog: one database file, written only by its group-commit
//! writer, read from an in-memory copy of the committed product table.
//!
//! The copy is safe because this process is the file's only writer: the
//! writer updates the copy right after each commit, so a read never shows
//! stock that is not durable. Buys never trust the copy; they go through the
//! conditional `UPDATE` in the database.

use std::path::Path;
use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use sqlx::sqlite::SqliteConnection;
use storefront_service_kit::sqlite::{
    CommitError, Committer, OwnershipLock, SchemaStep, WriteCommand, migrate, open_setup_connection,
};
use storefront_wire::internal::ReserveStock;
use storefront_wire::shop::{Page, ProductDraft};

use super::snapshot::Snapshot;
use super::sqlite_admin::{Create, Delete, Update};
use super::sqlite_stock::{Release, Reserve};
use super::sqlite_writer::CatalogWriter;
use super::{AdminOutcome, CatalogStore, ReserveOutcome, StoreError};
use crate::Product;
use crate::seed::SeedProduct;

const SCHEMA: &[SchemaStep] = &[
    SchemaStep {
        version: 1,
        description: "products and reservations",
        sql: include_str!("../../migrations/sqlite/0001_products.sql"),
    },
    SchemaStep {
        version: 2,
        description: "descriptions and multi-line reservations",
        sql: include_str!("../../migrations/sqlite/0002_shop.sql"),
    },
];

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

    async fn write<C: WriteCommand<CatalogWriter>>(
        &self,
        command: C,
    ) -> Result<C::Output, StoreError> {
        self.writer.submit(command).await.map_err(writer_failure)
    }
}

fn writer_failure(error: CommitError) -> StoreError {
    match error {
        CommitError::Database(m) => StoreError::Unavailable(m),
        CommitError::WriterStopped => StoreError::Unavailable("writer stopped".into()),
    }
}

impl CatalogStore for SqliteCatalogStore {
    async fn products(&self, page: Page) -> Result<Vec<Product>, StoreError> {
        Ok(self.read(|copy| copy.page(page)))
    }

    async fn product_by_name(&self, name: &str) -> Result<Option<Product>, StoreError> {
        Ok(self.read(|copy| copy.by_name(name)))
    }

    async fn product_by_id(&self, id: i64) -> Result<Option<Product>, StoreError> {
        Ok(self.read(|copy| copy.by_id(id)))
    }

    async fn create_product(&self, draft: ProductDraft) -> Result<AdminOutcome, StoreError> {
        self.write(Create(draft)).await
    }

    async fn update_product(
        &self,
        id: i64,
        draft: ProductDraft,
    ) -> Result<AdminOutcome, StoreError> {
        self.write(Update { id, draft }).await
    }

    async fn delete_product(&self, id: i64) -> Result<bool, StoreError> {
        self.write(Delete { id }).await
    }

    async fn reserve(&self, request: ReserveStock) -> Result<ReserveOutcome, StoreError> {
        self.write(Reserve(request)).await
    }

    fn versions(&self) -> watch::Receiver<u64> {
        self.versions.subscribe()
    }

    async fn release(&self, order_key: String) -> Result<bool, StoreError> {
        self.write(Release { order_key }).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.writer.ping().await.map_err(writer_failure)
    }
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
        sqlx::query(
            "INSERT INTO products (name, price_cents, quantity, description) VALUES (?, ?, ?, ?)",
        )
        .bind(product.name.as_str())
        .bind(product.price.cents())
        .bind(i64::from(product.quantity))
        .bind(product.description.as_deref())
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
    let rows: Vec<(i64, String, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT id, name, price_cents, quantity, description FROM products ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, price_cents, quantity, description)| Product {
            id,
            name,
            price_cents,
            quantity,
            description,
        })
        .collect())
}
