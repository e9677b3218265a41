//! Checkout: a whole cart becomes exactly one order, whatever crashes.
//!
//! 1. The store freezes the cart (`checking_out`) with the client's key, in
//!    one transaction.
//! 2. The orders service is asked for the order under the key
//!    `cart:<cart id>`: whatever the number of attempts, that key makes at
//!    most one order, and the orders service takes all items' stock or none.
//! 3. An order → the cart is `ordered` with its number. A definite refusal
//!    (unknown product, not enough stock) → the cart is `active` again and
//!    the refusal goes to the client. No answer → the cart stays frozen
//!    and the client gets 503; the [`crate::resolver`] (or the client's retry
//!    with the same key) asks again until one of the two happens.
//!
//! One task at a time drives a cart, so a refusal seen by one can never
//! reopen a cart another is completing: within this process by [`InFlight`],
//! and across the processes sharing the carts on PostgreSQL by the cart's
//! placer (the process that froze it, or took it over once that one died;
//! only the placer reopens it).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use http::StatusCode;
use metrics::counter;
use storefront_wire::internal::NewOrder;
use storefront_wire::metrics as names;
use storefront_wire::shop::{OrderLine, ProductRef};
use storefront_wire::{ClientError, CustomerId, Quantity};

use crate::store::{BeginCheckout, CartRecord, CheckoutStart, FinishCheckout, Reopen};
use crate::{Carts, CartsError};

/// How the orders service says another attempt with the key is under way:
/// not a refusal, so the cart must stay frozen.
const ORDER_IN_PROGRESS: &str = "an order with this idempotency key is in progress";

/// Longest client idempotency key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// The orders service's key for a cart's order.
pub fn order_key(cart_id: i64) -> String {
    format!("cart:{cart_id}")
}

impl Carts {
    /// Checks out the customer's cart; with a client key, a retry returns
    /// the first checkout's order number. Each outcome is counted
    /// (`storefront_checkout_outcomes_total`).
    pub async fn checkout(
        &self,
        customer: &CustomerId,
        client_key: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<u64, CartsError> {
        let checked_out = self.start_checkout(customer, client_key, request_id).await;
        let outcome = match &checked_out {
            Ok(_) => "ordered",
            Err(e) => e.outcome(),
        };
        counter!(names::CHECKOUT_OUTCOMES, "outcome" => outcome).increment(1);
        checked_out
    }

    async fn start_checkout(
        &self,
        customer: &CustomerId,
        client_key: Option<&str>,
        request_id: Option<&str>,
    ) -> Result<u64, CartsError> {
        let begin = BeginCheckout {
            customer: customer.clone(),
            client_key: client_key.map(str::to_owned),
            placer: self.placer,
        };
        match self.store.write(begin).await? {
            CheckoutStart::Ordered(number) => Ok(number),
            CheckoutStart::Empty => Err(CartsError::EmptyCart),
            CheckoutStart::InProgress => Err(CartsError::CheckoutInProgress),
            CheckoutStart::Pending => Err(CartsError::CheckoutPending),
            CheckoutStart::Place(cart) => self.place(&cart, request_id).await,
        }
    }

    /// Asks the orders service for a frozen cart's order and settles the
    /// cart by the answer (steps 2 and 3 above).
    pub(crate) async fn place(
        &self,
        cart: &CartRecord,
        request_id: Option<&str>,
    ) -> Result<u64, CartsError> {
        let Some(_claim) = self.in_flight.claim(cart.id) else {
            return Err(CartsError::CheckoutPending);
        };
        let order = NewOrder {
            customer_id: Some(cart.customer_id.clone()),
            items: order_lines(cart)?,
            idempotency_key: Some(order_key(cart.id)),
        };
        match self.orders.place(&order, request_id).await {
            Ok(placed) => {
                let finish = FinishCheckout {
                    cart_id: cart.id,
                    order_number: i64::try_from(placed.order_number).map_err(|_| {
                        CartsError::Interrupted(format!("order number {}", placed.order_number))
                    })?,
                };
                self.store
                    .write(finish)
                    .await
                    .map_err(|e| {
                        // The order exists; a re-drive replays its number.
                        tracing::warn!(cart_id = cart.id, error = %e, "cannot record a cart's order yet");
                        CartsError::CheckoutPending
                    })?;
                tracing::info!(
                    cart_id = cart.id,
                    order_number = placed.order_number,
                    "cart ordered"
                );
                Ok(placed.order_number)
            }
            Err(ClientError::Rejected {
                status, message, ..
            }) if is_refusal(status, &message) => {
                let reopen = Reopen {
                    cart_id: cart.id,
                    placer: self.placer,
                };
                self.store.write(reopen).await?;
                tracing::info!(cart_id = cart.id, %status, %message, "cart's order refused");
                Err(CartsError::OrderRefused { status, message })
            }
            Err(e) => {
                tracing::warn!(cart_id = cart.id, error = %e, "cart's order outcome unknown; will retry");
                Err(CartsError::CheckoutPending)
            }
        }
    }
}

/// A definite answer that no order was made (and none is being made).
fn is_refusal(status: StatusCode, message: &str) -> bool {
    status.is_client_error()
        && !(status == StatusCode::CONFLICT && message.starts_with(ORDER_IN_PROGRESS))
}

fn order_lines(cart: &CartRecord) -> Result<Vec<OrderLine>, CartsError> {
    cart.items
        .iter()
        .map(|item| {
            Ok(OrderLine {
                product: ProductRef::Id(item.product_id),
                quantity: Quantity::new(u64::from(item.quantity))
                    .map_err(|e| CartsError::Interrupted(format!("stored line: {e}")))?,
            })
        })
        .collect()
}

/// The carts some task of this process is placing right now.
#[derive(Debug, Default)]
pub struct InFlight(Arc<Mutex<HashSet<i64>>>);

/// Holds a cart for one task; lets go when dropped.
#[derive(Debug)]
pub struct Claim {
    cart_id: i64,
    carts: Arc<Mutex<HashSet<i64>>>,
}

impl InFlight {
    /// The cart for this task, or `None` if another task holds it.
    pub fn claim(&self, cart_id: i64) -> Option<Claim> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        held.insert(cart_id).then(|| Claim {
            cart_id,
            carts: Arc::clone(&self.0),
        })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut held = self.carts.lock().unwrap_or_else(|e| e.into_inner());
        held.remove(&self.cart_id);
    }
}

/// The client's `Idempotency-Key`, if sane: printable ASCII, 1 to
/// [`MAX_KEY_LEN`] characters.
pub fn client_key(headers: &http::HeaderMap) -> Result<Option<String>, CartsError> {
    let Some(value) = headers.get(storefront_wire::IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(|k| Some(k.to_owned()))
        .ok_or_else(|| {
            CartsError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_KEY_LEN} printable ASCII characters"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_definite_refusals_reopen_a_cart() {
        assert!(is_refusal(StatusCode::CONFLICT, "insufficient stock"));
        assert!(is_refusal(StatusCode::NOT_FOUND, "product not found"));
        assert!(is_refusal(StatusCode::UNPROCESSABLE_ENTITY, "key reused"));
        assert!(!is_refusal(
            StatusCode::CONFLICT,
            "an order with this idempotency key is in progress; retry shortly"
        ));
        assert!(!is_refusal(StatusCode::SERVICE_UNAVAILABLE, "x"));
    }

    #[test]
    fn a_cart_is_driven_by_one_task_at_a_time() {
        let in_flight = InFlight::default();
        let first = in_flight.claim(7).unwrap();
        assert!(in_flight.claim(7).is_none());
        assert!(in_flight.claim(8).is_some());
        drop(first);
        assert!(in_flight.claim(7).is_some());
    }
}
