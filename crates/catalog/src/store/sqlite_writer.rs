//! The SQLite catalog's write path: reservations and releases, applied by
//! the group-commit writer. Every stock change is one guarded statement, so
//! the database itself refuses to oversell.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rusqlite::{OptionalExtension, Transaction, params};
use storefront_service_kit::sqlite::BatchApply;
use storefront_wire::internal::{Reservation, ReserveStock};
use tokio::sync::watch;

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
    versions: Arc<watch::Sender<u64>>,
}

impl CatalogWriter {
    pub(super) fn new(snapshot: Arc<RwLock<Snapshot>>, versions: Arc<watch::Sender<u64>>) -> Self {
        Self { snapshot, versions }
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

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        command: &WriteCommand,
        changes: &mut StockChanges,
    ) -> rusqlite::Result<WriteOutcome> {
        match command {
            WriteCommand::Reserve(request) => {
                reserve(tx, request, changes).map(WriteOutcome::Reserve)
            }
            WriteCommand::Release { order_key } => {
                release(tx, order_key, changes).map(WriteOutcome::Release)
            }
        }
    }

    fn after_commit(&mut self, changes: StockChanges) {
        if changes.is_empty() {
            return;
        }
        {
            let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
            for (id, quantity) in changes {
                snapshot.set_quantity(id, quantity);
            }
        }
        // After the snapshot: whoever wakes on the new version reads new stock.
        self.versions.send_modify(|version| *version += 1);
    }
}

fn reserve(
    tx: &Transaction<'_>,
    request: &ReserveStock,
    changes: &mut StockChanges,
) -> rusqlite::Result<ReserveOutcome> {
    let key = request.order_key.as_str();
    let earlier: Option<ReservationRow> = tx
        .prepare_cached(
            "SELECT r.state, r.product_id, r.quantity, r.price_cents, p.name
             FROM reservations r LEFT JOIN products p ON p.id = r.product_id
             WHERE r.order_key = ?",
        )?
        .query_row([key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
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
    let taken: Option<(i64, i64, i64)> = tx
        .prepare_cached(
            "UPDATE products SET quantity = quantity - ?1
             WHERE name = ?2 AND quantity >= ?1
             RETURNING id, price_cents, quantity",
        )?
        .query_row(params![quantity, request.name.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;

    if let Some((product_id, price_cents, remaining)) = taken {
        record(tx, key, Some(product_id), quantity, price_cents, "held")?;
        changes.insert(product_id, remaining);
        return Ok(ReserveOutcome::Reserved(Reservation {
            order_key: key.to_owned(),
            product_id,
            name: request.name.as_str().to_owned(),
            quantity: request.quantity.get(),
            price_cents,
        }));
    }

    let product: Option<(i64, i64)> = tx
        .prepare_cached("SELECT id, quantity FROM products WHERE name = ?")?
        .query_row([request.name.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    // Refusals are recorded too, so the key can never take stock later.
    record(tx, key, product.map(|p| p.0), 0, 0, "refused")?;
    Ok(match product {
        Some((_, available)) => ReserveOutcome::InsufficientStock { available },
        None => ReserveOutcome::UnknownProduct,
    })
}

fn release(tx: &Transaction<'_>, key: &str, changes: &mut StockChanges) -> rusqlite::Result<bool> {
    let held: Option<(String, Option<i64>, i64)> = tx
        .prepare_cached("SELECT state, product_id, quantity FROM reservations WHERE order_key = ?")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match held {
        Some((state, Some(product_id), quantity)) if state == "held" => {
            let remaining: i64 = tx
                .prepare_cached(
                    "UPDATE products SET quantity = quantity + ? WHERE id = ? RETURNING quantity",
                )?
                .query_row(params![quantity, product_id], |r| r.get(0))?;
            tx.prepare_cached("UPDATE reservations SET state = 'released' WHERE order_key = ?")?
                .execute([key])?;
            changes.insert(product_id, remaining);
            Ok(true)
        }
        Some(_) => Ok(false),
        None => {
            // Released before it ever reserved (the reserve may still be on
            // its way): leave a tombstone so that reserve is refused.
            record(tx, key, None, 0, 0, "released")?;
            Ok(false)
        }
    }
}

fn record(
    tx: &Transaction<'_>,
    key: &str,
    product_id: Option<i64>,
    quantity: i64,
    price_cents: i64,
    state: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO reservations (order_key, product_id, quantity, price_cents, state)
         VALUES (?, ?, ?, ?, ?)",
    )?
    .execute(params![key, product_id, quantity, price_cents, state])?;
    Ok(())
}
