//! The checkout's durable steps. A cart goes `active` → `checking_out`
//! (frozen, with the client's key) → `ordered` (with its order number), or
//! back to `active` when the orders service definitely refused it.

use storefront_wire::CustomerId;

use super::backend::on_backend;
use super::edits::lock_open_cart;
use super::{CartRecord, CartsStore, StoreError, order_number_from_db, status_from_db};

/// Where a checkout request starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutStart {
    /// This cart is now checking out (or already was, under the same
    /// client key): place its order.
    Place(CartRecord),
    /// The client key's checkout already became this order.
    Ordered(u64),
    /// Another checkout of this cart (another key, or none) is under way.
    InProgress,
    /// No open cart, or one without items.
    Empty,
}

impl CartsStore {
    /// Freezes the customer's open cart for checkout, recording the client's
    /// idempotency key on it; a retry with the same key finds that cart.
    pub async fn begin_checkout(
        &self,
        customer: &CustomerId,
        client_key: Option<&str>,
    ) -> Result<CheckoutStart, StoreError> {
        let mut tx = self.pools.begin().await?;
        if let Some(key) = client_key {
            let earlier: Option<(i64, String, Option<i64>)> = on_backend!(&mut tx, tx => sqlx::query_as(
                "SELECT id, status, order_number FROM carts
                 WHERE customer_id = $1 AND checkout_key = $2",
            )
            .bind(customer.as_str())
            .bind(key)
            .fetch_optional(&mut **tx)
            .await)?;
            match earlier {
                Some((_, _, Some(number))) => {
                    return Ok(CheckoutStart::Ordered(order_number_from_db(number)?));
                }
                Some((id, status, None)) if status == "checking_out" => {
                    let items = super::reads::items_of(&mut tx, id).await?;
                    return Ok(CheckoutStart::Place(CartRecord {
                        id,
                        customer_id: customer.clone(),
                        status: status_from_db(&status)?,
                        items,
                    }));
                }
                _ => {}
            }
        }
        let Some((id, status)) = lock_open_cart(&mut tx, customer).await? else {
            return Ok(CheckoutStart::Empty);
        };
        if status != "active" {
            return Ok(CheckoutStart::InProgress);
        }
        let items = super::reads::items_of(&mut tx, id).await?;
        if items.is_empty() {
            return Ok(CheckoutStart::Empty);
        }
        on_backend!(&mut tx, tx => sqlx::query(
            "UPDATE carts SET status = 'checking_out', checkout_key = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(client_key)
        .execute(&mut **tx)
        .await
        .map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(CheckoutStart::Place(CartRecord {
            id,
            customer_id: customer.clone(),
            status: storefront_wire::shop::CartStatus::CheckingOut,
            items,
        }))
    }

    /// Records the order a checkout became. Idempotent: a cart already
    /// ordered (by a concurrent re-drive of the same checkout) stays so.
    pub async fn finish_checkout(&self, cart_id: i64, order_number: u64) -> Result<(), StoreError> {
        let number = i64::try_from(order_number)
            .map_err(|_| StoreError::Corrupt(format!("order number {order_number}")))?;
        on_backend!(self.pools.writer(), pool => sqlx::query(
            "UPDATE carts SET status = 'ordered', order_number = $2
             WHERE id = $1 AND status = 'checking_out'",
        )
        .bind(cart_id)
        .bind(number)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Puts a cart whose order was definitely refused back to `active`;
    /// its key is forgotten, as the orders service forgets refusals.
    pub async fn reopen(&self, cart_id: i64) -> Result<(), StoreError> {
        on_backend!(self.pools.writer(), pool => sqlx::query(
            "UPDATE carts SET status = 'active', checkout_key = NULL
             WHERE id = $1 AND status = 'checking_out'",
        )
        .bind(cart_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Every cart whose checkout has not settled, oldest first.
    pub async fn checking_out(&self) -> Result<Vec<CartRecord>, StoreError> {
        let rows: Vec<(i64, String)> = on_backend!(self.pools.readers(), pool => sqlx::query_as(
            "SELECT id, customer_id FROM carts WHERE status = 'checking_out' ORDER BY id",
        )
        .fetch_all(pool)
        .await)?;
        let mut carts = Vec::with_capacity(rows.len());
        for (id, customer) in rows {
            carts.push(CartRecord {
                id,
                customer_id: super::customer_from_db(customer)?,
                status: storefront_wire::shop::CartStatus::CheckingOut,
                items: self.items(id).await?,
            });
        }
        Ok(carts)
    }
}
