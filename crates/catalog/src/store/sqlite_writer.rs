//! The SQLite catalog's write path: reservations and releases, applied by
//! the group-commit writer. Every stock change is one guarded statement, so
//! the database itself refuses to oversell.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sqlx::sqlite::SqliteConnection;
use storefront_service_kit::sqlite::BatchApply;
use storefront_wire::internal::{Reservation, ReserveStock};

use super::ReserveOutcome;
use super::sqlite::Snapshot;

pub(super) enum WriteCommand {
    Reserve(ReserveStock),
    Release { order_key: String },
}

pub(super) enum WriteOutcome {
    Reserve(ReserveOutcome),
    Release(bool),
}

pub(super) struct CatalogWriter {
    snapshot: Arc<RwLock<Snapshot>>,
}

impl CatalogWriter {
    pub(super) fn new(snapshot: Arc<RwLock<Snapshot>>) -> Self {
        Self { snapshot }
    }
}

/// A reservation row joined with its product's name:
/// (state, product id, quantity, price in cents, product name).
type ReservationRow = (String, Option<i64>, i64, i64, Option<String>);

/// New quantities by product id, published to the snapshot after commit.
pub(super) type StockChanges = HashMap<i64, i64>;

impl BatchApply for CatalogWriter {
    type Command = WriteCommand;
    type Outcome = WriteOutcome;
    type Effects = StockChanges;

    async fn apply(
        &mut self,
        conn: &mut SqliteConnection,
        command: &WriteCommand,
        changes: &mut StockChanges,
    ) -> Result<WriteOutcome, sqlx::Error> {
        match command {
            WriteCommand::Reserve(request) => reserve(conn, request, changes)
                .await
                .map(WriteOutcome::Reserve),
            WriteCommand::Release { order_key } => release(conn, order_key, changes)
                .await
                .map(WriteOutcome::Release),
        }
    }

    fn after_commit(&mut self, changes: StockChanges) {
        let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        for (id, quantity) in changes {
            snapshot.set_quantity(id, quantity);
        }
    }
}

async fn reserve(
    conn: &mut SqliteConnection,
    request: &ReserveStock,
    changes: &mut StockChanges,
) -> Result<ReserveOutcome, sqlx::Error> {
    let key = request.order_key.as_str();
    let earlier: Option<ReservationRow> = sqlx::query_as(
        "SELECT r.state, r.product_id, r.quantity, r.price_cents, p.name
         FROM reservations r LEFT JOIN products p ON p.id = r.product_id
         WHERE r.order_key = ?",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((state, product_id, quantity, price_cents, name)) = earlier {
        return Ok(match (state.as_str(), product_id, name) {
            ("held", Some(product_id), Some(name)) => ReserveOutcome::Reserved(Reservation {
                order_key: key.to_owned(),
                product_id,
                name,
                quantity: quantity as u32,
                price_cents,
            }),
            _ => ReserveOutcome::AttemptClosed,
        });
    }

    let quantity = i64::from(request.quantity.get());
    // The guard `quantity >= ?` is the whole oversell protection: the check
    // and the decrement are one statement under the write lock.
    let taken: Option<(i64, i64, i64)> = sqlx::query_as(
        "UPDATE products SET quantity = quantity - ?1
         WHERE name = ?2 AND quantity >= ?1
         RETURNING id, price_cents, quantity",
    )
    .bind(quantity)
    .bind(request.name.as_str())
    .fetch_optional(&mut *conn)
    .await?;

    if let Some((product_id, price_cents, remaining)) = taken {
        record(conn, key, Some(product_id), quantity, price_cents, "held").await?;
        changes.insert(product_id, remaining);
        return Ok(ReserveOutcome::Reserved(Reservation {
            order_key: key.to_owned(),
            product_id,
            name: request.name.as_str().to_owned(),
            quantity: request.quantity.get(),
            price_cents,
        }));
    }

    let product: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, quantity FROM products WHERE name = ?")
            .bind(request.name.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    // Refusals are recorded too, so the key can never take stock later.
    record(conn, key, product.map(|p| p.0), 0, 0, "refused").await?;
    Ok(match product {
        Some((_, available)) => ReserveOutcome::InsufficientStock { available },
        None => ReserveOutcome::UnknownProduct,
    })
}

async fn release(
    conn: &mut SqliteConnection,
    key: &str,
    changes: &mut StockChanges,
) -> Result<bool, sqlx::Error> {
    let held: Option<(String, Option<i64>, i64)> =
        sqlx::query_as("SELECT state, product_id, quantity FROM reservations WHERE order_key = ?")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
    match held {
        Some((state, Some(product_id), quantity)) if state == "held" => {
            let (remaining,): (i64,) = sqlx::query_as(
                "UPDATE products SET quantity = quantity + ? WHERE id = ? RETURNING quantity",
            )
            .bind(quantity)
            .bind(product_id)
            .fetch_one(&mut *conn)
            .await?;
            sqlx::query("UPDATE reservations SET state = 'released' WHERE order_key = ?")
                .bind(key)
                .execute(&mut *conn)
                .await?;
            changes.insert(product_id, remaining);
            Ok(true)
        }
        Some(_) => Ok(false),
        None => {
            // Released before it ever reserved (the reserve may still be on
            // its way): leave a tombstone so that reserve is refused.
            record(conn, key, None, 0, 0, "released").await?;
            Ok(false)
        }
    }
}

async fn record(
    conn: &mut SqliteConnection,
    key: &str,
    product_id: Option<i64>,
    quantity: i64,
    price_cents: i64,
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reservations (order_key, product_id, quantity, price_cents, state)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(key)
    .bind(product_id)
    .bind(quantity)
    .bind(price_cents)
    .bind(state)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
