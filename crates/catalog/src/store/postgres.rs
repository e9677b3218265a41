//! The PostgreSQL catalog: the products live in the catalog's own schema and
//! every write goes to the database, so any number of catalog replicas can
//! share one schema.
//!
//! Correctness rests on the database (row locks taken in id order, the
//! unique order key, `CHECK (quantity >= 0)`). Reads come from this
//! replica's copy of the product table ([`super::postgres_mirror`]), kept
//! by its own writes and by `LISTEN/NOTIFY` for everyone else's
//! ([`super::postgres_changes`]); while the copy may be incomplete (the
//! listener down), they go to the database.

use std::sync::Arc;

use sqlx::PgPool;
use storefront_service_kit::is_transient;
use storefront_service_kit::postgres::{connect, migrate, ping};
use storefront_service_kit::schema::SchemaStep;
use storefront_wire::internal::ReserveStock;
use storefront_wire::shop::{Page, ProductDraft};
use tokio::sync::watch;
use tokio_util::sync::DropGuard;

use super::postgres_changes;
use super::postgres_mirror::Mirror;
use super::postgres_stock;
use super::{AdminOutcome, CatalogStore, ReserveOutcome, StoreError};
use crate::Product;
use crate::seed::SeedProduct;

const SCHEMA: &[SchemaStep] = &[
    SchemaStep {
        version: 1,
        description: "products and reservations",
        sql: include_str!("../../migrations/postgres/0001_products.sql"),
    },
    SchemaStep {
        version: 2,
        description: "descriptions and multi-line reservations",
        sql: include_str!("../../migrations/postgres/0002_shop.sql"),
    },
    SchemaStep {
        version: 3,
        description: "change notifications name their product",
        sql: include_str!("../../migrations/postgres/0003_change_ids.sql"),
    },
    SchemaStep {
        version: 4,
        description: "a reserve as one function call",
        sql: include_str!("../../migrations/postgres/0004_reserve_function.sql"),
    },
];

/// Connections per catalog process for requests: each holds one only for a
/// short transaction. The change listener has a connection of its own.
const MAX_CONNECTIONS: u32 = 8;

/// (id, name, price in cents, stock, description) of one product.
pub(super) type ProductRow = (i64, String, i64, i64, Option<String>);

pub struct PostgresCatalogStore {
    pool: PgPool,
    versions: Arc<watch::Sender<u64>>,
    mirror: Mirror,
    /// Stops the change listener when the store is dropped.
    _listener: DropGuard,
}

impl PostgresCatalogStore {
    /// Connects to the server at `url`, works in `schema` (created and
    /// migrated if needed), seeds a new catalog, and starts listening for
    /// changes made by other replicas before it returns, so none committed
    /// after `open` is missed.
    pub async fn open(url: &str, schema: &str, seed: &[SeedProduct]) -> Result<Self, StoreError> {
        let pool = connect(url, schema, MAX_CONNECTIONS)
            .await
            .map_err(storage)?;
        migrate(&pool, SCHEMA).await?;
        seed_once(&pool, seed).await.map_err(storage)?;
        let versions = Arc::new(watch::Sender::new(0));
        let mirror = Mirror::start(pool.clone(), Arc::clone(&versions));
        let listener = postgres_changes::follow(&pool, schema, mirror.clone())
            .await
            .map_err(storage)?;
        Ok(Self {
            pool,
            versions,
            mirror,
            _listener: listener,
        })
    }
}

/// Runs a transaction to its end in a task of its own, so that a caller
/// hanging up cannot stop it half-way. That matters beyond the one request:
/// sqlx leaves a connection whose `BEGIN` was cancelled inside that
/// transaction, and the pool's next user of it would silently run in it
/// (a create reported done yet never committed; see
/// `tests/postgres_replicas.rs`). Single statements need no such care.
async fn detached<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    match tokio::spawn(work).await {
        Ok(output) => output,
        // Never aborted: it ended by panicking, so panic here as it would have.
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

impl CatalogStore for PostgresCatalogStore {
    async fn products(&self, page: Page) -> Result<Vec<Product>, StoreError> {
        if let Some(products) = self.mirror.read(|copy| copy.page(page)) {
            return Ok(products);
        }
        let rows: Vec<ProductRow> = sqlx::query_as(
            "SELECT id, name, price_cents, quantity, description FROM products
             ORDER BY id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        Ok(rows.into_iter().map(product).collect())
    }

    async fn product_by_name(&self, name: &str) -> Result<Option<Product>, StoreError> {
        if let Some(product) = self.mirror.read(|copy| copy.by_name(name)) {
            return Ok(product);
        }
        let row: Option<ProductRow> = sqlx::query_as(
            "SELECT id, name, price_cents, quantity, description FROM products WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        Ok(row.map(product))
    }

    async fn product_by_id(&self, id: i64) -> Result<Option<Product>, StoreError> {
        if let Some(product) = self.mirror.read(|copy| copy.by_id(id)) {
            return Ok(product);
        }
        let row: Option<ProductRow> = sqlx::query_as(
            "SELECT id, name, price_cents, quantity, description FROM products WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        Ok(row.map(product))
    }

    async fn create_product(&self, draft: ProductDraft) -> Result<AdminOutcome, StoreError> {
        // The identity column picks the id; a name already taken (even by a
        // create racing on another replica) inserts nothing.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO products (name, price_cents, quantity, description)
             VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(draft.name.as_str())
        .bind(draft.price.cents())
        .bind(i64::from(draft.quantity))
        .bind(draft.description.as_deref())
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        let Some(id) = id else {
            return Ok(AdminOutcome::DuplicateName);
        };
        self.mirror.refresh([id]).await;
        Ok(AdminOutcome::Done(product_from(id, draft)))
    }

    async fn update_product(
        &self,
        id: i64,
        draft: ProductDraft,
    ) -> Result<AdminOutcome, StoreError> {
        let updated = sqlx::query(
            "UPDATE products SET name = $1, price_cents = $2, quantity = $3, description = $4
             WHERE id = $5",
        )
        .bind(draft.name.as_str())
        .bind(draft.price.cents())
        .bind(i64::from(draft.quantity))
        .bind(draft.description.as_deref())
        .bind(id)
        .execute(&self.pool)
        .await;
        match updated {
            Ok(done) if done.rows_affected() == 0 => Ok(AdminOutcome::NotFound),
            Ok(_) => {
                self.mirror.refresh([id]).await;
                Ok(AdminOutcome::Done(product_from(id, draft)))
            }
            // The only unique column an update can collide on is the name.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Ok(AdminOutcome::DuplicateName)
            }
            Err(e) => Err(storage(e)),
        }
    }

    async fn delete_product(&self, id: i64) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM products WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(storage)?
            .rows_affected()
            > 0;
        if deleted {
            self.mirror.refresh([id]).await;
        }
        Ok(deleted)
    }

    async fn reserve(&self, request: ReserveStock) -> Result<ReserveOutcome, StoreError> {
        let (pool, mirror) = (self.pool.clone(), self.mirror.clone());
        detached(async move {
            let (outcome, took_stock) = postgres_stock::reserve(&pool, &request)
                .await
                .map_err(storage)?;
            if let (true, ReserveOutcome::Reserved(reservation)) = (took_stock, &outcome) {
                mirror
                    .refresh(reservation.items.iter().map(|item| item.product_id))
                    .await;
            }
            Ok(outcome)
        })
        .await
    }

    fn versions(&self) -> watch::Receiver<u64> {
        self.versions.subscribe()
    }

    async fn release(&self, order_key: String) -> Result<bool, StoreError> {
        let (pool, mirror) = (self.pool.clone(), self.mirror.clone());
        detached(async move {
            let returned = postgres_stock::release(&pool, &order_key)
                .await
                .map_err(storage)?;
            let Some(products) = returned else {
                return Ok(false);
            };
            mirror.refresh(products).await;
            Ok(true)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        ping(&self.pool).await.map_err(storage)
    }
}

/// A passing failure (lost connection, server restarting, pool exhausted)
/// becomes [`StoreError::Unavailable`], which the routes answer with 503 so
/// the caller retries; anything else is a bug worth a 500 and a log line.
pub(super) fn storage(error: sqlx::Error) -> StoreError {
    if is_transient(&error) {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Database(error)
    }
}

/// Loads the seed into a new catalog, once, even when several replicas start
/// together: the `seeded` marker is inserted in the same transaction as the
/// products, and a replica racing to insert it waits for that transaction,
/// then finds the marker and loads nothing. A catalog emptied later by an
/// administrator is not refilled behind their back.
async fn seed_once(pool: &PgPool, seed: &[SeedProduct]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let first = sqlx::query(
        "INSERT INTO catalog_meta (key, value) VALUES ('seeded', now()::TEXT)
         ON CONFLICT (key) DO NOTHING",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !first {
        return tx.rollback().await;
    }
    for product in seed {
        sqlx::query(
            "INSERT INTO products (name, price_cents, quantity, description) VALUES ($1, $2, $3, $4)",
        )
        .bind(product.name.as_str())
        .bind(product.price.cents())
        .bind(i64::from(product.quantity))
        .bind(product.description.as_deref())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    tracing::info!(products = seed.len(), "catalog seeded");
    Ok(())
}

pub(super) fn product((id, name, price_cents, quantity, description): ProductRow) -> Product {
    Product {
        id,
        name,
        price_cents,
        quantity,
        description,
    }
}

fn product_from(id: i64, draft: ProductDraft) -> Product {
    Product {
        id,
        name: draft.name.as_str().to_owned(),
        price_cents: draft.price.cents(),
        quantity: i64::from(draft.quantity),
        description: draft.description,
    }
}
