//! Reservations and releases on PostgreSQL, each one transaction that may
//! run beside the same on other replicas. A reserve is two statements
//! between `BEGIN` and `COMMIT`: claim the key and lock the products, then
//! (the stock checked here) take the stock and record the lines.
//!
//! Three things make that safe:
//! - The attempt's row in `reservations` is inserted first. Its primary key
//!   makes a second transaction with the same key wait until the first
//!   commits, then find the key decided and answer as it was decided.
//! - Product rows are locked (`SELECT … ORDER BY id FOR UPDATE`) before their
//!   stock is checked, always in id order, so two attempts wanting the same
//!   products in different orders wait for each other instead of deadlocking.
//! - `CHECK (quantity >= 0)` rejects negative stock even if a check were wrong.

use std::collections::BTreeMap;

use sqlx::{PgConnection, PgPool};
use storefront_wire::internal::{Reservation, ReserveStock, ReservedItem};
use storefront_wire::shop::ProductRef;

use super::ReserveOutcome;

/// (id, name, price in cents, stock) of a locked product.
type LockedProduct = (i64, String, i64, i64);

/// Reserves every line of `request` or none. Returns the outcome and whether
/// this call took stock (a replayed key takes none).
pub(super) async fn reserve(
    pool: &PgPool,
    request: &ReserveStock,
) -> Result<(ReserveOutcome, bool), sqlx::Error> {
    let key = request.order_key.as_str();
    let mut tx = pool.begin().await?;
    let Some(locked) = claim_and_lock(&mut tx, key, &request.items).await? else {
        // Decided before, or just now by a transaction the claim waited
        // for; either way this statement sees its committed state.
        let state: String =
            sqlx::query_scalar("SELECT state FROM reservations WHERE order_key = $1")
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
        let outcome = match state.as_str() {
            "held" => ReserveOutcome::Reserved(held(&mut tx, key).await?),
            _ => ReserveOutcome::AttemptClosed,
        };
        tx.rollback().await?;
        return Ok((outcome, false));
    };

    let mut lines = Vec::with_capacity(request.items.len());
    // Units asked of each product, by id: lines naming one product twice
    // count together.
    let mut wanted: BTreeMap<i64, (i64, &LockedProduct)> = BTreeMap::new();
    for line in &request.items {
        let found = locked.iter().find(|p| match &line.product {
            ProductRef::Name(name) => p.1 == name.as_str(),
            ProductRef::Id(id) => p.0 == *id,
        });
        let Some(row) = found else {
            refuse(tx, key).await?;
            return Ok((ReserveOutcome::UnknownProduct(line.product.clone()), false));
        };
        let (id, name, price_cents, _) = row;
        wanted.entry(*id).or_insert((0, row)).0 += i64::from(line.quantity.get());
        lines.push(ReservedItem {
            product_id: *id,
            name: name.clone(),
            quantity: line.quantity.get(),
            price_cents: *price_cents,
        });
    }
    // The rows are locked: the stock read is the stock the update changes.
    for (total, (_, name, _, available)) in wanted.values() {
        if total > available {
            let outcome = ReserveOutcome::InsufficientStock {
                product: name.clone(),
                available: *available,
            };
            refuse(tx, key).await?;
            return Ok((outcome, false));
        }
    }

    take_and_record(&mut tx, key, &wanted, &lines).await?;
    tx.commit().await?;
    let reservation = Reservation {
        order_key: key.to_owned(),
        items: lines,
    };
    Ok((ReserveOutcome::Reserved(reservation), true))
}

/// Claims `key` for this attempt (its row inserted as `held`) and, only if
/// that claim is new, locks every product a line names, in id order, and
/// returns them as they are now (committed changes made while waiting
/// included; a name or id that matches no row is simply absent). `None`
/// when the key was claimed before. One statement: the claim runs first
/// (the lock's condition needs it), so the key's row is always locked
/// before any product row, as in `release`.
async fn claim_and_lock(
    tx: &mut PgConnection,
    key: &str,
    items: &[storefront_wire::shop::OrderLine],
) -> Result<Option<Vec<LockedProduct>>, sqlx::Error> {
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for line in items {
        match &line.product {
            ProductRef::Id(id) => ids.push(*id),
            ProductRef::Name(name) => names.push(name.as_str().to_owned()),
        }
    }
    // PostgreSQL sorts, then locks rows in that order. The outer join
    // answers one row even when no product matches, to carry the claim.
    type Row = (bool, Option<i64>, Option<String>, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "WITH claim AS (
             INSERT INTO reservations (order_key, state) VALUES ($1, 'held')
             ON CONFLICT (order_key) DO NOTHING
             RETURNING 1
         ), locked AS MATERIALIZED (
             SELECT id, name, price_cents, quantity FROM products
             WHERE (id = ANY($2) OR name = ANY($3)) AND EXISTS (SELECT 1 FROM claim)
             ORDER BY id FOR UPDATE
         )
         SELECT EXISTS (SELECT 1 FROM claim), l.id, l.name, l.price_cents, l.quantity
         FROM (SELECT 1) AS one LEFT JOIN locked AS l ON true
         ORDER BY l.id",
    )
    .bind(key)
    .bind(&ids)
    .bind(&names)
    .fetch_all(&mut *tx)
    .await?;
    if !rows.first().is_some_and(|row| row.0) {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .filter_map(|(_, id, name, price_cents, quantity)| {
                Some((id?, name?, price_cents?, quantity?))
            })
            .collect(),
    ))
}

/// Marks the attempt refused and commits: it took nothing and never will.
async fn refuse(
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE reservations SET state = 'refused' WHERE order_key = $1")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Takes the stock `wanted` (units by product id) and records the
/// attempt's lines, in one statement.
async fn take_and_record(
    tx: &mut PgConnection,
    key: &str,
    wanted: &BTreeMap<i64, (i64, &LockedProduct)>,
    lines: &[ReservedItem],
) -> Result<(), sqlx::Error> {
    let (ids, totals): (Vec<i64>, Vec<i64>) = wanted.iter().map(|(id, (t, _))| (*id, *t)).unzip();
    let numbers: Vec<i64> = (0..lines.len() as i64).collect();
    let product_ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
    let quantities: Vec<i64> = lines.iter().map(|l| i64::from(l.quantity)).collect();
    let prices: Vec<i64> = lines.iter().map(|l| l.price_cents).collect();
    sqlx::query(
        "WITH taken AS (
             UPDATE products AS p SET quantity = p.quantity - w.total
             FROM unnest($1::BIGINT[], $2::BIGINT[]) AS w (id, total) WHERE p.id = w.id
         )
         INSERT INTO reservation_items (order_key, line, product_id, name, quantity, price_cents)
         SELECT $3, l.line, l.product_id, l.name, l.quantity, l.price_cents
         FROM unnest($4::BIGINT[], $5::BIGINT[], $6::TEXT[], $7::BIGINT[], $8::BIGINT[])
              AS l (line, product_id, name, quantity, price_cents)",
    )
    .bind(&ids)
    .bind(&totals)
    .bind(key)
    .bind(&numbers)
    .bind(&product_ids)
    .bind(&names)
    .bind(&quantities)
    .bind(&prices)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The lines an attempt holds, in request order.
async fn held(tx: &mut PgConnection, key: &str) -> Result<Reservation, sqlx::Error> {
    let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT product_id, name, quantity, price_cents FROM reservation_items
         WHERE order_key = $1 ORDER BY line",
    )
    .bind(key)
    .fetch_all(&mut *tx)
    .await?;
    let items = rows
        .into_iter()
        .map(|(product_id, name, quantity, price_cents)| ReservedItem {
            product_id,
            name,
            // Stored from a u32 and checked positive by the schema.
            quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
            price_cents,
        })
        .collect();
    Ok(Reservation {
        order_key: key.to_owned(),
        items,
    })
}

/// Gives a held attempt's stock back and closes the key for good; returns
/// the products whose stock went back, or `None` if nothing went back. Of
/// two releases of one key racing (on one replica or two), the second waits
/// on the key's row lock, then finds it no longer `held` and returns `None`.
pub(super) async fn release(pool: &PgPool, key: &str) -> Result<Option<Vec<i64>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Released before it ever reserved (the reserve may still be on its
    // way): the tombstone makes that reserve find the key closed.
    let tombstone = sqlx::query(
        "INSERT INTO reservations (order_key, state) VALUES ($1, 'released')
         ON CONFLICT (order_key) DO NOTHING",
    )
    .bind(key)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if tombstone {
        tx.commit().await?;
        return Ok(None);
    }
    let was_held = sqlx::query(
        "UPDATE reservations SET state = 'released' WHERE order_key = $1 AND state = 'held'",
    )
    .bind(key)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !was_held {
        tx.rollback().await?;
        return Ok(None);
    }
    let mut returned: BTreeMap<i64, i64> = BTreeMap::new();
    for item in held(&mut tx, key).await?.items {
        *returned.entry(item.product_id).or_default() += i64::from(item.quantity);
    }
    let (ids, quantities): (Vec<i64>, Vec<i64>) = returned.into_iter().unzip();
    // Lock in id order (as reserve does) before the one update, whose own
    // row order is unspecified. A product deleted since has nowhere to take
    // its units back and is simply not found.
    sqlx::query("SELECT id FROM products WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE products AS p SET quantity = p.quantity + r.quantity
         FROM unnest($1::BIGINT[], $2::BIGINT[]) AS r (id, quantity) WHERE p.id = r.id",
    )
    .bind(&ids)
    .bind(&quantities)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(ids))
}
