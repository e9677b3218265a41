//! The buy saga: pending → reserve (every line) → confirm, with every failure path
//! ending in a state the reconciler can finish.

use std::sync::Arc;

use http::StatusCode;
use metrics::counter;
use storefront_wire::internal::{NewOrder, ReserveStock};
use storefront_wire::metrics as names;
use storefront_wire::shop::{MAX_ORDER_LINES, OrderDetail, Page};
use storefront_wire::{CatalogClient, ClientError, CustomerId};

use crate::OrdersError;
use crate::reconciler::{Reconciler, abandon};
use crate::store::{BeginOutcome, OrderRequest, OrdersStore, PendingOrder};

/// Takes orders: owns the store, the catalog client and the reconciler.
pub struct OrderDesk<S> {
    store: Arc<S>,
    catalog: CatalogClient,
    reconciler: Reconciler,
}

impl<S: OrdersStore> OrderDesk<S> {
    pub fn new(store: Arc<S>, catalog: CatalogClient, reconciler: Reconciler) -> Self {
        Self {
            store,
            catalog,
            reconciler,
        }
    }

    pub fn reconciler(&self) -> &Reconciler {
        &self.reconciler
    }

    pub fn store(&self) -> &Arc<S> {
        &self.store
    }

    pub fn catalog(&self) -> &CatalogClient {
        &self.catalog
    }

    /// Places one order; returns its number once it is durable. With an
    /// idempotency key, a repeat of the same request returns the first
    /// order's number instead. Each buy's outcome is counted
    /// (`storefront_saga_outcomes_total`).
    pub async fn place(
        &self,
        order: NewOrder,
        request_id: Option<&str>,
    ) -> Result<u64, OrdersError> {
        let placed = self.run_saga(order, request_id).await;
        let outcome = match &placed {
            Ok(_) => "placed",
            Err(e) => e.outcome(),
        };
        counter!(names::SAGA_OUTCOMES, "outcome" => outcome).increment(1);
        placed
    }

    async fn run_saga(
        &self,
        order: NewOrder,
        request_id: Option<&str>,
    ) -> Result<u64, OrdersError> {
        if order.items.is_empty() || order.items.len() > MAX_ORDER_LINES {
            return Err(OrdersError::BadLineCount);
        }
        let key = attempt_key();
        let request = OrderRequest {
            customer_id: order.customer_id,
            items: order.items,
        };
        let single_line = request.items.len() == 1;
        let begun = self
            .store
            .begin(PendingOrder {
                order_key: key.clone(),
                request: request.clone(),
                idempotency_key: order.idempotency_key,
            })
            .await?;
        match begun {
            BeginOutcome::Started => {}
            BeginOutcome::Replay {
                number,
                same_request: true,
            } => return Ok(number),
            BeginOutcome::Replay { .. } => return Err(OrdersError::IdempotencyKeyReused),
            BeginOutcome::InProgress => return Err(OrdersError::InProgress),
        }

        let reserve = ReserveStock {
            order_key: key.clone(),
            items: request.items,
        };
        match self.catalog.reserve(&reserve, request_id).await {
            Ok(reservation) => match self.store.confirm(key.clone(), reservation.items).await {
                Ok(number) => Ok(number),
                Err(e) => {
                    // Stock is held but the order is not written: give it back.
                    self.reconciler.adopt(key);
                    Err(e.into())
                }
            },
            Err(ClientError::Rejected {
                status, message, ..
            }) => {
                // A definite refusal: nothing was taken, the attempt just ends.
                if self.store.abort(key.clone()).await.is_err() {
                    self.reconciler.adopt(key);
                }
                Err(match status {
                    // The lab protocol's message for its one-line orders.
                    StatusCode::NOT_FOUND if single_line => {
                        OrdersError::ProductNotFound("product not found".into())
                    }
                    StatusCode::NOT_FOUND => OrdersError::ProductNotFound(message),
                    StatusCode::CONFLICT if message.starts_with("insufficient stock") => {
                        OrdersError::InsufficientStock(message)
                    }
                    _ => OrdersError::CatalogRefused(message),
                })
            }
            Err(ClientError::Unavailable { cause, .. }) => {
                // The reserve may or may not have happened. Releasing the key
                // settles it either way; if that fails too, recovery retries.
                tracing::warn!(%cause, order_key = %key, request_id, "reserve outcome unknown; releasing");
                if abandon(&*self.store, &self.catalog, &key, request_id)
                    .await
                    .is_err()
                {
                    self.reconciler.adopt(key);
                }
                Err(OrdersError::CatalogUnavailable)
            }
        }
    }

    pub async fn order(&self, number: u64) -> Result<OrderDetail, OrdersError> {
        self.store
            .order(number)
            .await?
            .ok_or(OrdersError::OrderNotFound)
    }

    pub async fn orders(
        &self,
        customer: Option<CustomerId>,
        page: Page,
    ) -> Result<Vec<OrderDetail>, OrdersError> {
        Ok(self.store.orders(customer, page).await?)
    }
}

/// A new attempt's key: unique, and time-ordered (UUIDv7: milliseconds, then
/// random bits; ordered by creation within a process), so each new
/// attempt's rows go at the right edge of the key indexes of
/// `pending_orders` here and `reservations`/`reservation_items` in the
/// catalog. A random v4 key put each insert on a random leaf page: a commit
/// of N buys wrote ~N pages per index to the WAL and the checkpoint read
/// and wrote them back, which cost 15-30 % of durable buys/s on SQLite
/// (docs/BENCHMARKS.md, "Attempt keys").
fn attempt_key() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_keys_are_unique_and_sort_by_creation() {
        let keys: Vec<String> = (0..10_000).map(|_| attempt_key()).collect();
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
