//! The SQLite orders store's write path, applied by the group-commit writer.
//! Order numbers are handed out here, in commit order, so they are unique
//! and strictly increasing; numbers of a rolled-back batch are reused.

use sqlx::sqlite::SqliteConnection;
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

    async fn apply(
        &mut self,
        conn: &mut SqliteConnection,
        command: &WriteCommand,
        numbers_used: &mut u64,
    ) -> Result<Option<u64>, sqlx::Error> {
        match command {
            WriteCommand::Begin(attempt) => {
                sqlx::query("INSERT INTO pending_orders (order_key, product_name, quantity) VALUES (?, ?, ?)")
                    .bind(&attempt.order_key)
                    .bind(attempt.name.as_str())
                    .bind(i64::from(attempt.quantity.get()))
                    .execute(&mut *conn)
                    .await?;
                Ok(None)
            }
            WriteCommand::Confirm {
                order_key,
                price_cents,
            } => {
                let pending: Option<(String, i64)> = sqlx::query_as(
                    "DELETE FROM pending_orders WHERE order_key = ? AND state = 'pending' RETURNING product_name, quantity",
                )
                .bind(order_key)
                .fetch_optional(&mut *conn)
                .await?;
                let Some((name, quantity)) = pending else {
                    return Ok(None);
                };
                let number = self.next_number + *numbers_used;
                sqlx::query(
                    "INSERT INTO orders (number, order_key, product_name, quantity, price_cents)
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(number as i64)
                .bind(order_key)
                .bind(name)
                .bind(quantity)
                .bind(price_cents)
                .execute(&mut *conn)
                .await?;
                *numbers_used += 1;
                Ok(Some(number))
            }
            WriteCommand::MarkAborting { order_key } => {
                sqlx::query("UPDATE pending_orders SET state = 'aborting' WHERE order_key = ?")
                    .bind(order_key)
                    .execute(&mut *conn)
                    .await?;
                Ok(None)
            }
            WriteCommand::Abort { order_key } => {
                sqlx::query("DELETE FROM pending_orders WHERE order_key = ?")
                    .bind(order_key)
                    .execute(&mut *conn)
                    .await?;
                Ok(None)
            }
        }
    }

    fn after_commit(&mut self, numbers_used: u64) {
        self.next_number += numbers_used;
    }
}
