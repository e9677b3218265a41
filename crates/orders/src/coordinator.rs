//! The buy saga: pending → reserve → confirm, with every failure path
//! ending in a state the reconciler can finish.

use std::sync::Arc;

use http::StatusCode;
use storefront_wire::api::PlaceOrder;
use storefront_wire::{CatalogClient, ClientError};

use crate::OrdersError;
use crate::reconciler::{Reconciler, abandon};
use crate::store::{OrderRow, OrdersStore, PendingOrder};

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

    /// Places one order; returns its number once it is durable.
    pub async fn place(
        &self,
        order: PlaceOrder,
        request_id: Option<&str>,
    ) -> Result<u64, OrdersError> {
        let key = uuid::Uuid::new_v4().simple().to_string();
        self.store
            .begin(PendingOrder {
                order_key: key.clone(),
                name: order.name.clone(),
                quantity: order.quantity,
            })
            .await?;

        match self
            .catalog
            .reserve(&key, &order.name, order.quantity, request_id)
            .await
        {
            Ok(reservation) => match self
                .store
                .confirm(key.clone(), reservation.price_cents)
                .await
            {
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
                    StatusCode::NOT_FOUND => OrdersError::ProductNotFound,
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

    pub async fn order(&self, number: u64) -> Result<OrderRow, OrdersError> {
        self.store
            .order(number)
            .await?
            .ok_or(OrdersError::OrderNotFound)
    }
}
