//! The SQLite catalog's write path: reservations, releases and product
//! administration, applied by the group-commit writer. Stock only ever
//! changes through guarded statements, so the database itself refuses to
//! oversell.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use rusqlite::{OptionalExtension, Transaction, params};
use storefront_service_kit::sqlite::BatchApply;
use storefront_wire::internal::{Reservation, ReserveStock, ReservedItem};
use storefront_wire::shop::{ProductDraft, ProductRef};
use tokio::sync::watch;

use super::sqlite::Snapshot;
use super::{AdminOutcome, ReserveOutcome};
use crate::Product;

pub(super) enum WriteCommand {
    Reserve(ReserveStock),
    Release { order_key: String },
    Create(ProductDraft),
    Update { id: i64, draft: ProductDraft },
    Delete { id: i64 },
}

pub(super) enum WriteOutcome {
    Reserve(ReserveOutcome),
    Release(bool),
    Admin(AdminOutcome),
    Deleted(bool),
}

/// A committed change to mirror in the in-memory snapshot.
pub(super) enum ProductChange {
    Stock { id: i64, quantity: i64 },
    Upsert(Product),
    Removed(i64),
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

impl BatchApply for CatalogWriter {
    type Command = WriteCommand;
    type Outcome = WriteOutcome;
    type Effects = Vec<ProductChange>;

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        command: &WriteCommand,
        changes: &mut Vec<ProductChange>,
    ) -> rusqlite::Result<WriteOutcome> {
        match command {
            WriteCommand::Reserve(request) => {
                reserve(tx, request, changes).map(WriteOutcome::Reserve)
            }
            WriteCommand::Release { order_key } => {
                release(tx, order_key, changes).map(WriteOutcome::Release)
            }
            WriteCommand::Create(draft) => create(tx, draft, changes).map(WriteOutcome::Admin),
            WriteCommand::Update { id, draft } => {
                update(tx, *id, draft, changes).map(WriteOutcome::Admin)
            }
            WriteCommand::Delete { id } => delete(tx, *id, changes).map(WriteOutcome::Deleted),
        }
    }

    fn after_commit(&mut self, changes: Vec<ProductChange>) {
        if changes.is_empty() {
            return;
        }
        {
            let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
            for change in changes {
                snapshot.apply(change);
            }
        }
        // After the snapshot: whoever wakes on the new version reads new data.
        self.versions.send_modify(|version| *version += 1);
    }
}

/// (id, name, price in cents, stock) of one product.
type ProductRow = (i64, String, i64, i64);

fn find(tx: &Transaction<'_>, product: &ProductRef) -> rusqlite::Result<Option<ProductRow>> {
    let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?));
    match product {
        ProductRef::Name(name) => tx
            .prepare_cached("SELECT id, name, price_cents, quantity FROM products WHERE name = ?")?
            .query_row([name.as_str()], map)
            .optional(),
        ProductRef::Id(id) => tx
            .prepare_cached("SELECT id, name, price_cents, quantity FROM products WHERE id = ?")?
            .query_row([id], map)
            .optional(),
    }
}

fn reserve(
    tx: &Transaction<'_>,
    request: &ReserveStock,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<ReserveOutcome> {
    let key = request.order_key.as_str();
    let state: Option<String> = tx
        .prepare_cached("SELECT state FROM reservations WHERE order_key = ?")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match state.as_deref() {
        Some("held") => return held(tx, key).map(ReserveOutcome::Reserved),
        Some(_) => return Ok(ReserveOutcome::AttemptClosed),
        None => {}
    }

    // Look every line up and add up what each product is asked for. This
    // writer is the database's only one, so nothing changes stock between
    // this check and the updates below.
    let mut lines = Vec::with_capacity(request.items.len());
    let mut wanted: BTreeMap<i64, (i64, String, i64)> = BTreeMap::new();
    for line in &request.items {
        let Some((id, name, price_cents, available)) = find(tx, &line.product)? else {
            record_state(tx, key, "refused")?;
            return Ok(ReserveOutcome::UnknownProduct(line.product.clone()));
        };
        let entry = wanted.entry(id).or_insert((0, name.clone(), available));
        entry.0 += i64::from(line.quantity.get());
        lines.push(ReservedItem {
            product_id: id,
            name,
            quantity: line.quantity.get(),
            price_cents,
        });
    }
    for (total, name, available) in wanted.values() {
        if total > available {
            record_state(tx, key, "refused")?;
            return Ok(ReserveOutcome::InsufficientStock {
                product: name.clone(),
                available: *available,
            });
        }
    }
    for (id, (total, _, _)) in &wanted {
        // The guard makes overselling impossible even if the check above
        // were wrong: a guarded update that matches no row fails the batch.
        let remaining: i64 = tx
            .prepare_cached(
                "UPDATE products SET quantity = quantity - ?1
                 WHERE id = ?2 AND quantity >= ?1 RETURNING quantity",
            )?
            .query_row(params![total, id], |r| r.get(0))?;
        changes.push(ProductChange::Stock {
            id: *id,
            quantity: remaining,
        });
    }
    record_state(tx, key, "held")?;
    for (index, item) in lines.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO reservation_items (order_key, line, product_id, name, quantity, price_cents)
             VALUES (?, ?, ?, ?, ?, ?)",
        )?
        .execute(params![
            key,
            index as i64,
            item.product_id,
            item.name,
            i64::from(item.quantity),
            item.price_cents
        ])?;
    }
    Ok(ReserveOutcome::Reserved(Reservation {
        order_key: key.to_owned(),
        items: lines,
    }))
}

/// The lines an attempt holds, in request order.
fn held(tx: &Transaction<'_>, key: &str) -> rusqlite::Result<Reservation> {
    let items = tx
        .prepare_cached(
            "SELECT product_id, name, quantity, price_cents FROM reservation_items
             WHERE order_key = ? ORDER BY line",
        )?
        .query_map([key], |r| {
            Ok(ReservedItem {
                product_id: r.get(0)?,
                name: r.get(1)?,
                quantity: r.get::<_, i64>(2)? as u32,
                price_cents: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Reservation {
        order_key: key.to_owned(),
        items,
    })
}

fn release(
    tx: &Transaction<'_>,
    key: &str,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<bool> {
    let state: Option<String> = tx
        .prepare_cached("SELECT state FROM reservations WHERE order_key = ?")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    match state.as_deref() {
        Some("held") => {
            for item in held(tx, key)?.items {
                // A product deleted since has nowhere to take its stock back.
                let remaining: Option<i64> = tx
                    .prepare_cached(
                        "UPDATE products SET quantity = quantity + ? WHERE id = ? RETURNING quantity",
                    )?
                    .query_row(params![i64::from(item.quantity), item.product_id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if let Some(quantity) = remaining {
                    changes.push(ProductChange::Stock {
                        id: item.product_id,
                        quantity,
                    });
                }
            }
            tx.prepare_cached("UPDATE reservations SET state = 'released' WHERE order_key = ?")?
                .execute([key])?;
            Ok(true)
        }
        Some(_) => Ok(false),
        None => {
            // Released before it ever reserved (the reserve may still be on
            // its way): leave a tombstone so that reserve is refused.
            record_state(tx, key, "released")?;
            Ok(false)
        }
    }
}

fn record_state(tx: &Transaction<'_>, key: &str, state: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO reservations (order_key, state) VALUES (?, ?)")?
        .execute(params![key, state])?;
    Ok(())
}

fn name_taken(tx: &Transaction<'_>, name: &str, except: Option<i64>) -> rusqlite::Result<bool> {
    let owner: Option<i64> = tx
        .prepare_cached("SELECT id FROM products WHERE name = ?")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    Ok(owner.is_some_and(|id| Some(id) != except))
}

fn create(
    tx: &Transaction<'_>,
    draft: &ProductDraft,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<AdminOutcome> {
    if name_taken(tx, draft.name.as_str(), None)? {
        return Ok(AdminOutcome::DuplicateName);
    }
    // Ids are never reused: a cart or order naming a deleted product's id
    // must not come to mean a new product.
    let id: i64 = tx.query_row(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM products), 0),
                    COALESCE((SELECT CAST(value AS INTEGER) FROM catalog_meta
                              WHERE key = 'last_product_id'), 0)) + 1",
        [],
        |r| r.get(0),
    )?;
    tx.prepare_cached(
        "INSERT INTO products (id, name, price_cents, quantity, description) VALUES (?, ?, ?, ?, ?)",
    )?
    .execute(params![
        id,
        draft.name.as_str(),
        draft.price.cents(),
        i64::from(draft.quantity),
        draft.description
    ])?;
    remember_last_id(tx, id)?;
    let product = product_from(id, draft);
    changes.push(ProductChange::Upsert(product.clone()));
    Ok(AdminOutcome::Done(product))
}

fn update(
    tx: &Transaction<'_>,
    id: i64,
    draft: &ProductDraft,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<AdminOutcome> {
    if name_taken(tx, draft.name.as_str(), Some(id))? {
        return Ok(AdminOutcome::DuplicateName);
    }
    let updated = tx
        .prepare_cached(
            "UPDATE products SET name = ?, price_cents = ?, quantity = ?, description = ?
             WHERE id = ?",
        )?
        .execute(params![
            draft.name.as_str(),
            draft.price.cents(),
            i64::from(draft.quantity),
            draft.description,
            id
        ])?;
    if updated == 0 {
        return Ok(AdminOutcome::NotFound);
    }
    let product = product_from(id, draft);
    changes.push(ProductChange::Upsert(product.clone()));
    Ok(AdminOutcome::Done(product))
}

fn delete(
    tx: &Transaction<'_>,
    id: i64,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<bool> {
    let deleted = tx
        .prepare_cached("DELETE FROM products WHERE id = ?")?
        .execute([id])?;
    if deleted == 0 {
        return Ok(false);
    }
    remember_last_id(tx, id)?;
    changes.push(ProductChange::Removed(id));
    Ok(true)
}

fn remember_last_id(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO catalog_meta (key, value) VALUES ('last_product_id', ?1)
         ON CONFLICT (key) DO UPDATE
         SET value = MAX(CAST(value AS INTEGER), CAST(?1 AS INTEGER))",
    )?
    .execute([id])?;
    Ok(())
}

fn product_from(id: i64, draft: &ProductDraft) -> Product {
    Product {
        id,
        name: draft.name.as_str().to_owned(),
        price_cents: draft.price.cents(),
        quantity: i64::from(draft.quantity),
        description: draft.description.clone(),
    }
}
