//! The SQLite orders store's write path, applied by the group-commit writer.
//! Order numbers are handed out here, in commit order, so they are unique
//! and strictly increasing; numbers of a rolled-back batch are reused.

use rusqlite::{OptionalExtension, Transaction, params};
use storefront_service_kit::sqlite::BatchApply;

use super::PendingOrder;

pub(super) enum WriteCommand {
    Begin(PendingOrder),
    Confirm { order_key: String, price_cents: i64 },
    MarkAborting { order_key: String },
    Abort { order_key: String },
}

pub(super) struct OrdersWriter {
    /// The number the next committed order gets.
    next_number: u64,
}

impl OrdersWriter {
    pub(super) fn new(next_number: u64) -> Self {
        Self { next_number }
    }
}

impl BatchApply for OrdersWriter {
    type Command = WriteCommand;
    /// The order number for a confirm; `None` for other commands or a
    /// confirm whose attempt was not pending.
    type Outcome = Option<u64>;
    /// How many numbers this batch handed out.
    type Effects = u64;

    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        command: &WriteCommand,
        numbers_used: &mut u64,
    ) -> rusqlite::Result<Option<u64>> {
        match command {
            WriteCommand::Begin(attempt) => {
                tx.prepare_cached("INSERT INTO pending_orders (order_key, product_name, quantity) VALUES (?, ?, ?)")?
                    .execute(params![
                        attempt.order_key,
                        attempt.name.as_str(),
                        i64::from(attempt.quantity.get())
                    ])?;
                Ok(None)
            }
            WriteCommand::Confirm {
                order_key,
                price_cents,
            } => {
                // Only a row still 'pending' confirms: one being aborted never does.
                let pending: Option<(String, i64)> = tx
                    .prepare_cached(
                        "DELETE FROM pending_orders WHERE order_key = ? AND state = 'pending'
                         RETURNING product_name, quantity",
                    )?
                    .query_row([order_key], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let Some((name, quantity)) = pending else {
                    return Ok(None);
                };
                let number = self.next_number + *numbers_used;
                tx.prepare_cached(
                    "INSERT INTO orders (number, order_key, product_name, quantity, price_cents)
                     VALUES (?, ?, ?, ?, ?)",
                )?
                .execute(params![
                    number as i64,
                    order_key,
                    name,
                    quantity,
                    price_cents
                ])?;
                *numbers_used += 1;
                Ok(Some(number))
            }
            WriteCommand::MarkAborting { order_key } => {
                tx.prepare_cached(
                    "UPDATE pending_orders SET state = 'aborting' WHERE order_key = ?",
                )?
                .execute([order_key])?;
                Ok(None)
            }
            WriteCommand::Abort { order_key } => {
                tx.prepare_cached("DELETE FROM pending_orders WHERE order_key = ?")?
                    .execute([order_key])?;
                Ok(None)
            }
        }
    }

    fn after_commit(&mut self, numbers_used: u64) {
        self.next_number += numbers_used;
    }
}
