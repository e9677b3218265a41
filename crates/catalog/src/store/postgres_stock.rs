//! Reservations and releases on PostgreSQL, each one transaction that may
//! run beside the same on other replicas. A reserve is one call of the
//! `reserve_stock` function (migrations/postgres/0004_reserve_function.sql),
//! so that a popular product's row stays locked only while the server runs
//! it, not across round trips to this service.
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

/// One row of `reserve_stock`'s answer: outcome, line, product id, name,
/// quantity (asked, or for `short` available), price in cents.
type ReserveRow = (
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// Reserves every line of `request` or none, in one call of the schema's
/// `reserve_stock` function (migration 0004 holds the steps and why), so
/// in one round trip and one transaction. Returns the outcome and whether
/// this call took stock (a replayed key takes none).
pub(super) async fn reserve(
    pool: &PgPool,
    request: &ReserveStock,
) -> Result<(ReserveOutcome, bool), sqlx::Error> {
    let mut ids = Vec::with_capacity(request.items.len());
    let mut names = Vec::with_capacity(request.items.len());
    let mut quantities = Vec::with_capacity(request.items.len());
    for line in &request.items {
        let (id, name) = match &line.product {
            ProductRef::Id(id) => (Some(*id), None),
            ProductRef::Name(name) => (None, Some(name.as_str())),
        };
        ids.push(id);
        names.push(name);
        quantities.push(i64::from(line.quantity.get()));
    }
    let mut rows: Vec<ReserveRow> = sqlx::query_as("SELECT * FROM reserve_stock($1, $2, $3, $4)")
        .bind(&request.order_key)
        .bind(&ids)
        .bind(&names)
        .bind(&quantities)
        .fetch_all(pool)
        .await?;
    rows.sort_by_key(|row| row.1);
    let outcome = rows.first().map(|row| row.0.clone()).unwrap_or_default();
    let decided = match outcome.as_str() {
        "reserved" | "held" => ReserveOutcome::Reserved(Reservation {
            order_key: request.order_key.clone(),
            items: rows
                .into_iter()
                .map(reserved_item)
                .collect::<Result<_, _>>()?,
        }),
        "closed" => ReserveOutcome::AttemptClosed,
        "unknown" => {
            let line = rows[0].1.and_then(|line| usize::try_from(line).ok());
            match line.and_then(|line| request.items.get(line)) {
                Some(line) => ReserveOutcome::UnknownProduct(line.product.clone()),
                None => return Err(unexpected(&rows[0])),
            }
        }
        "short" => match &rows[0] {
            (_, _, _, Some(name), Some(available), _) => ReserveOutcome::InsufficientStock {
                product: name.clone(),
                available: *available,
            },
            row => return Err(unexpected(row)),
        },
        _ => return Err(unexpected(&rows.first().cloned().unwrap_or_default())),
    };
    Ok((decided, outcome == "reserved"))
}

fn reserved_item(row: ReserveRow) -> Result<ReservedItem, sqlx::Error> {
    match row {
        (_, Some(_), Some(product_id), Some(name), Some(quantity), Some(price_cents)) => {
            Ok(ReservedItem {
                product_id,
                name,
                // Asked as a u32 and checked positive by the schema.
                quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
                price_cents,
            })
        }
        row => Err(unexpected(&row)),
    }
}

/// `reserve_stock` answered something it never answers.
fn unexpected(row: &ReserveRow) -> sqlx::Error {
    sqlx::Error::Protocol(format!("unexpected answer from reserve_stock: {row:?}"))
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
