//! Stock reservations and releases on SQLite, applied by the group-commit
//! writer. Stock only ever changes through guarded statements, so the
//! database itself refuses to oversell.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};
use storefront_service_kit::sqlite::WriteCommand;
use storefront_wire::internal::{Reservation, ReserveStock, ReservedItem};
use storefront_wire::shop::ProductRef;

use super::ReserveOutcome;
use super::sqlite_writer::{CatalogWriter, ProductChange};

/// Takes every line's stock or none (see [`super::CatalogStore::reserve`]).
pub(super) struct Reserve(pub ReserveStock);

impl WriteCommand<CatalogWriter> for Reserve {
    type Output = ReserveOutcome;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut CatalogWriter,
        changes: &mut Vec<ProductChange>,
    ) -> rusqlite::Result<ReserveOutcome> {
        reserve(tx, &self.0, changes)
    }
}

/// Gives an attempt's stock back, once (see [`super::CatalogStore::release`]).
pub(super) struct Release {
    pub order_key: String,
}

impl WriteCommand<CatalogWriter> for Release {
    /// Whether stock went back.
    type Output = bool;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut CatalogWriter,
        changes: &mut Vec<ProductChange>,
    ) -> rusqlite::Result<bool> {
        release(tx, &self.order_key, changes)
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
