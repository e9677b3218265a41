//! The SQLite orders store's write path, applied by the group-commit writer.
//! Order numbers are handed out here, in commit order, so they are unique
//! and strictly increasing; numbers of a rolled-back batch are reused.

use rusqlite::{OptionalExtension, Transaction, params};
use storefront_service_kit::sqlite::{WriteCommand, WriterState};
use storefront_wire::internal::ReservedItem;

use super::{BeginOutcome, PendingOrder};

/// What the orders writer owns besides its connection.
pub(super) struct OrdersWriter {
    /// The number the next committed order gets.
    next_number: u64,
}

impl OrdersWriter {
    pub(super) fn new(next_number: u64) -> Self {
        Self { next_number }
    }
}

impl WriterState for OrdersWriter {
    /// How many numbers this batch handed out.
    type Effects = u64;

    fn after_commit(&mut self, numbers_used: u64) {
        self.next_number += numbers_used;
    }
}

/// Records an attempt as pending (see [`super::OrdersStore::begin`]).
pub(super) struct Begin(pub PendingOrder);

impl WriteCommand<OrdersWriter> for Begin {
    type Output = BeginOutcome;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut OrdersWriter,
        _: &mut u64,
    ) -> rusqlite::Result<BeginOutcome> {
        begin(tx, &self.0)
    }
}

/// Moves a pending attempt into the order log under the next number.
pub(super) struct Confirm {
    pub order_key: String,
    pub items: Vec<ReservedItem>,
}

impl WriteCommand<OrdersWriter> for Confirm {
    /// The order number, or `None` when the attempt was not pending.
    type Output = Option<u64>;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        writer: &mut OrdersWriter,
        numbers_used: &mut u64,
    ) -> rusqlite::Result<Option<u64>> {
        let number = writer.next_number + *numbers_used;
        let confirmed = confirm(tx, &self.order_key, &self.items, number)?;
        if confirmed {
            *numbers_used += 1;
        }
        Ok(confirmed.then_some(number))
    }
}

/// Marks an attempt as aborting, so that it can never confirm.
pub(super) struct MarkAborting {
    pub order_key: String,
}

impl WriteCommand<OrdersWriter> for MarkAborting {
    /// Whether the attempt was there to mark (pending or already aborting).
    type Output = bool;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut OrdersWriter,
        _: &mut u64,
    ) -> rusqlite::Result<bool> {
        // SQLite counts a matched row even when its state was already
        // 'aborting': a repeat of an interrupted abort goes on.
        let marked = tx
            .prepare_cached("UPDATE pending_orders SET state = 'aborting' WHERE order_key = ?")?
            .execute([&self.order_key])?;
        Ok(marked > 0)
    }
}

/// Forgets an attempt.
pub(super) struct Abort {
    pub order_key: String,
}

impl WriteCommand<OrdersWriter> for Abort {
    type Output = ();

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut OrdersWriter,
        _: &mut u64,
    ) -> rusqlite::Result<()> {
        tx.prepare_cached("DELETE FROM pending_orders WHERE order_key = ?")?
            .execute([&self.order_key])?;
        Ok(())
    }
}

fn begin(tx: &Transaction<'_>, attempt: &PendingOrder) -> rusqlite::Result<BeginOutcome> {
    let request = attempt.request.to_json();
    if let Some(key) = &attempt.idempotency_key {
        let placed: Option<(i64, Option<String>)> = tx
            .prepare_cached("SELECT number, request FROM orders WHERE idempotency_key = ?")?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((number, earlier)) = placed {
            return Ok(BeginOutcome::Replay {
                number: number as u64,
                same_request: earlier.as_deref() == Some(request.as_str()),
            });
        }
        let running: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM pending_orders WHERE idempotency_key = ?")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        if running.is_some() {
            return Ok(BeginOutcome::InProgress);
        }
    }
    tx.prepare_cached(
        "INSERT INTO pending_orders (order_key, request, idempotency_key) VALUES (?, ?, ?)",
    )?
    .execute(params![attempt.order_key, request, attempt.idempotency_key])?;
    Ok(BeginOutcome::Started)
}

/// Moves a pending attempt into the order log; false if it was not pending.
fn confirm(
    tx: &Transaction<'_>,
    order_key: &str,
    items: &[ReservedItem],
    number: u64,
) -> rusqlite::Result<bool> {
    // Only a row still 'pending' confirms: one being aborted never does.
    let pending: Option<(String, Option<String>)> = tx
        .prepare_cached(
            "DELETE FROM pending_orders WHERE order_key = ? AND state = 'pending'
             RETURNING request, idempotency_key",
        )?
        .query_row([order_key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((request, idempotency_key)) = pending else {
        return Ok(false);
    };
    let customer: Option<String> = serde_json::from_str::<super::OrderRequest>(&request)
        .ok()
        .and_then(|r| r.customer_id)
        .map(String::from);
    // The request is kept only when a retry may need to be compared with it.
    let kept_request = idempotency_key.as_ref().map(|_| request);
    tx.prepare_cached(
        "INSERT INTO orders (number, order_key, customer_id, idempotency_key, request)
         VALUES (?, ?, ?, ?, ?)",
    )?
    .execute(params![
        number as i64,
        order_key,
        customer,
        idempotency_key,
        kept_request
    ])?;
    for (line, item) in items.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO order_items (number, line, product_id, name, quantity, price_cents)
             VALUES (?, ?, ?, ?, ?, ?)",
        )?
        .execute(params![
            number as i64,
            line as i64,
            item.product_id,
            item.name,
            i64::from(item.quantity),
            item.price_cents
        ])?;
    }
    Ok(true)
}
