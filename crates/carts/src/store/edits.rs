//! A customer's changes to their open cart. Each is one short transaction
//! that first bumps the cart's revision: that both checks the cart is open
//! and, on PostgreSQL, locks its row, so an edit and a checkout of the same
//! cart never interleave (a checkout could otherwise miss a late item).

use storefront_wire::{CustomerId, Quantity};

use super::backend::{WriteTx, on_backend};
use super::{CartsStore, StoreError, quantity_from_db};

/// What became of an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Done,
    /// The cart is being checked out; it cannot change until that settles.
    CheckoutInProgress,
    /// No such product in the customer's open cart (or no open cart).
    NoSuchItem,
    /// The line would hold more than `limit`; it holds `in_cart` now.
    OverLimit {
        in_cart: u32,
    },
}

impl CartsStore {
    /// Adds `quantity` units of a product to the customer's open cart
    /// (opening one if needed), unless the line would then exceed `limit`.
    pub async fn add(
        &self,
        customer: &CustomerId,
        product_id: i64,
        quantity: Quantity,
        limit: u32,
    ) -> Result<Edit, StoreError> {
        let mut tx = self.pools.begin().await?;
        on_backend!(&mut tx, tx => sqlx::query(
            "INSERT INTO carts (customer_id) VALUES ($1) ON CONFLICT DO NOTHING",
        )
        .bind(customer.as_str())
        .execute(&mut **tx)
        .await
        .map(|done| done.rows_affected()))?;
        let Some((cart_id, status)) = lock_open_cart(&mut tx, customer).await? else {
            return Err(StoreError::Corrupt("the cart just opened is gone".into()));
        };
        if status != "active" {
            return Ok(Edit::CheckoutInProgress);
        }
        let in_cart = line_quantity(&mut tx, cart_id, product_id).await?;
        let wanted = u64::from(in_cart.unwrap_or(0)) + u64::from(quantity.get());
        if wanted > u64::from(limit) {
            return Ok(Edit::OverLimit {
                in_cart: in_cart.unwrap_or(0),
            });
        }
        write_line(&mut tx, cart_id, product_id, wanted as i64).await?;
        tx.commit().await?;
        Ok(Edit::Done)
    }

    /// Sets the quantity of a product already in the customer's open cart,
    /// unless it exceeds `limit`.
    pub async fn set_quantity(
        &self,
        customer: &CustomerId,
        product_id: i64,
        quantity: Quantity,
        limit: u32,
    ) -> Result<Edit, StoreError> {
        let mut tx = self.pools.begin().await?;
        let Some((cart_id, status)) = lock_open_cart(&mut tx, customer).await? else {
            return Ok(Edit::NoSuchItem);
        };
        if status != "active" {
            return Ok(Edit::CheckoutInProgress);
        }
        let Some(in_cart) = line_quantity(&mut tx, cart_id, product_id).await? else {
            return Ok(Edit::NoSuchItem);
        };
        if quantity.get() > limit {
            return Ok(Edit::OverLimit { in_cart });
        }
        write_line(&mut tx, cart_id, product_id, i64::from(quantity.get())).await?;
        tx.commit().await?;
        Ok(Edit::Done)
    }

    /// Takes a product out of the customer's open cart.
    pub async fn remove(&self, customer: &CustomerId, product_id: i64) -> Result<Edit, StoreError> {
        let mut tx = self.pools.begin().await?;
        let Some((cart_id, status)) = lock_open_cart(&mut tx, customer).await? else {
            return Ok(Edit::NoSuchItem);
        };
        if status != "active" {
            return Ok(Edit::CheckoutInProgress);
        }
        let removed = on_backend!(&mut tx, tx => sqlx::query(
            "DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2",
        )
        .bind(cart_id)
        .bind(product_id)
        .execute(&mut **tx)
        .await
        .map(|done| done.rows_affected()))?;
        if removed == 0 {
            return Ok(Edit::NoSuchItem);
        }
        tx.commit().await?;
        Ok(Edit::Done)
    }
}

/// The customer's open cart (id, status), its row locked until commit.
pub(super) async fn lock_open_cart(
    tx: &mut WriteTx,
    customer: &CustomerId,
) -> Result<Option<(i64, String)>, StoreError> {
    Ok(on_backend!(tx, tx => sqlx::query_as(
        "UPDATE carts SET revision = revision + 1
         WHERE customer_id = $1 AND status <> 'ordered'
         RETURNING id, status",
    )
    .bind(customer.as_str())
    .fetch_optional(&mut **tx)
    .await)?)
}

async fn line_quantity(
    tx: &mut WriteTx,
    cart_id: i64,
    product_id: i64,
) -> Result<Option<u32>, StoreError> {
    let quantity: Option<i64> = on_backend!(tx, tx => sqlx::query_scalar(
        "SELECT quantity FROM cart_items WHERE cart_id = $1 AND product_id = $2",
    )
    .bind(cart_id)
    .bind(product_id)
    .fetch_optional(&mut **tx)
    .await)?;
    quantity.map(quantity_from_db).transpose()
}

async fn write_line(
    tx: &mut WriteTx,
    cart_id: i64,
    product_id: i64,
    quantity: i64,
) -> Result<(), StoreError> {
    on_backend!(tx, tx => sqlx::query(
        "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = excluded.quantity",
    )
    .bind(cart_id)
    .bind(product_id)
    .bind(quantity)
    .execute(&mut **tx)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}
