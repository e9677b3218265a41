//! The carts commands on PostgreSQL: each one transaction whose first
//! statement locks the customer's open cart row (`UPDATE … RETURNING`, which
//! also bumps its revision), so an edit and a checkout of the same cart
//! never interleave (a checkout could otherwise miss a late item). A refused
//! command rolls back and leaves nothing behind.
//!
//! Several carts processes may share the schema. A frozen cart is placed by
//! its `placer`, the owner id of the process that froze it or of a resolver
//! that took it over once that process was gone (its owner lock free; see
//! `service_kit::postgres::OwnerLock`).

use std::future::Future;

use sqlx::{PgConnection, PgPool};
use storefront_wire::CustomerId;
use storefront_wire::shop::CartStatus;

use super::commands::{
    AddLine, BeginCheckout, CheckoutStart, CheckoutStep, ClaimPlacing, Edit, FinishCheckout,
    LineChange, RemoveLine, Reopen, SetLine, editable,
};
use super::reads::{ITEMS_OF_CART, items_from_rows};
use super::{
    CartRecord, ItemRecord, StoreError, order_number_from_db, quantity_from_db, status_from_db,
};

/// A command as one PostgreSQL transaction.
pub trait OnPostgres: Send + Sync {
    type Output: Send;

    fn run(&self, pool: &PgPool) -> impl Future<Output = Result<Self::Output, StoreError>> + Send;
}

/// Runs an edit: the cart locked, `change` applied, and committed only if
/// `change` made one (a refusal rolls back).
async fn edit<F>(
    pool: &PgPool,
    customer: &CustomerId,
    open_one: bool,
    change: F,
) -> Result<Edit, StoreError>
where
    F: AsyncFnOnce(&mut PgConnection, i64) -> Result<Option<Edit>, StoreError>,
{
    let mut tx = pool.begin().await?;
    if open_one {
        sqlx::query("INSERT INTO carts (customer_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(customer.as_str())
            .execute(&mut *tx)
            .await?;
    }
    let Some((cart_id, status, _)) = lock_open_cart(&mut tx, customer).await? else {
        return Ok(Edit::NoSuchItem);
    };
    if let Err(refused) = editable(status) {
        return Ok(refused);
    }
    if let Some(refused) = change(&mut tx, cart_id).await? {
        return Ok(refused);
    }
    let items = items_of(&mut tx, cart_id).await?;
    tx.commit().await?;
    Ok(Edit::Done(CartRecord {
        id: cart_id,
        customer_id: customer.clone(),
        status: CartStatus::Active,
        items,
    }))
}

impl OnPostgres for AddLine {
    type Output = Edit;

    async fn run(&self, pool: &PgPool) -> Result<Edit, StoreError> {
        change_line(pool, self).await
    }
}

impl OnPostgres for SetLine {
    type Output = Edit;

    async fn run(&self, pool: &PgPool) -> Result<Edit, StoreError> {
        change_line(pool, self).await
    }
}

async fn change_line(pool: &PgPool, change: &(impl LineChange + Sync)) -> Result<Edit, StoreError> {
    edit(
        pool,
        change.customer(),
        change.opens_a_cart(),
        async |tx, cart_id| {
            let product_id = change.product_id();
            match change.new_quantity(line_quantity(tx, cart_id, product_id).await?) {
                Ok(wanted) => write_line(tx, cart_id, product_id, wanted)
                    .await
                    .map(|()| None),
                Err(refused) => Ok(Some(refused)),
            }
        },
    )
    .await
}

impl OnPostgres for RemoveLine {
    type Output = Edit;

    async fn run(&self, pool: &PgPool) -> Result<Edit, StoreError> {
        edit(pool, &self.customer, false, async |tx, cart_id| {
            let removed =
                sqlx::query("DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2")
                    .bind(cart_id)
                    .bind(self.product_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            Ok((removed == 0).then_some(Edit::NoSuchItem))
        })
        .await
    }
}

impl OnPostgres for BeginCheckout {
    type Output = CheckoutStart;

    async fn run(&self, pool: &PgPool) -> Result<CheckoutStart, StoreError> {
        let mut tx = pool.begin().await?;
        if let Some(key) = &self.client_key {
            let ordered: Option<i64> = sqlx::query_scalar(
                "SELECT order_number FROM carts
                 WHERE customer_id = $1 AND checkout_key = $2 AND status = 'ordered'",
            )
            .bind(self.customer.as_str())
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(number) = ordered {
                return Ok(CheckoutStart::Ordered(order_number_from_db(number)?));
            }
        }
        let Some((cart_id, status, frozen_under)) = lock_open_cart(&mut tx, &self.customer).await?
        else {
            return Ok(CheckoutStart::Empty);
        };
        let step = self.step(status, frozen_under.as_deref());
        if step == CheckoutStep::InProgress {
            return Ok(CheckoutStart::InProgress);
        }
        let items = items_of(&mut tx, cart_id).await?;
        if items.is_empty() {
            return Ok(CheckoutStart::Empty);
        }
        if step == CheckoutStep::Freeze {
            sqlx::query(
                "UPDATE carts SET status = 'checking_out', checkout_key = $2, placer = $3
                 WHERE id = $1",
            )
            .bind(cart_id)
            .bind(self.client_key.as_deref())
            .bind(self.placer)
            .execute(&mut *tx)
            .await?;
        } else if !claim(&mut tx, cart_id, self.placer).await? {
            // The same checkout, being placed by another process right now.
            return Ok(CheckoutStart::Pending);
        }
        tx.commit().await?;
        Ok(CheckoutStart::Place(CartRecord {
            id: cart_id,
            customer_id: self.customer.clone(),
            status: CartStatus::CheckingOut,
            items,
        }))
    }
}

impl OnPostgres for ClaimPlacing {
    type Output = bool;

    async fn run(&self, pool: &PgPool) -> Result<bool, StoreError> {
        let mut connection = pool.acquire().await?;
        claim(&mut connection, self.cart_id, self.placer).await
    }
}

/// Makes `placer` the process placing a frozen cart unless another live
/// process is; whether it did.
async fn claim(tx: &mut PgConnection, cart_id: i64, placer: i64) -> Result<bool, StoreError> {
    const CLAIM: &str = concat!(
        "UPDATE carts SET placer = $2
         WHERE id = $1 AND status = 'checking_out'
           AND (placer IS NULL OR placer = $2 OR ",
        storefront_service_kit::owner_is_gone!("placer"),
        ")"
    );
    let claimed = sqlx::query(CLAIM)
        .bind(cart_id)
        .bind(placer)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    Ok(claimed == 1)
}

impl OnPostgres for FinishCheckout {
    type Output = ();

    async fn run(&self, pool: &PgPool) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE carts SET status = 'ordered', order_number = $2, placer = NULL
             WHERE id = $1 AND status = 'checking_out'",
        )
        .bind(self.cart_id)
        .bind(self.order_number)
        .execute(pool)
        .await?;
        Ok(())
    }
}

impl OnPostgres for Reopen {
    type Output = ();

    async fn run(&self, pool: &PgPool) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE carts SET status = 'active', checkout_key = NULL, placer = NULL
             WHERE id = $1 AND status = 'checking_out' AND placer = $2",
        )
        .bind(self.cart_id)
        .bind(self.placer)
        .execute(pool)
        .await?;
        Ok(())
    }
}

/// The customer's open cart (id, status, the key it is frozen under), its
/// row locked until the transaction ends.
async fn lock_open_cart(
    tx: &mut PgConnection,
    customer: &CustomerId,
) -> Result<Option<(i64, CartStatus, Option<String>)>, StoreError> {
    let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
        "UPDATE carts SET revision = revision + 1
         WHERE customer_id = $1 AND status <> 'ordered'
         RETURNING id, status, checkout_key",
    )
    .bind(customer.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|(id, status, key)| Ok((id, status_from_db(&status)?, key)))
        .transpose()
}

async fn line_quantity(
    tx: &mut PgConnection,
    cart_id: i64,
    product_id: i64,
) -> Result<Option<u32>, StoreError> {
    let quantity: Option<i64> = sqlx::query_scalar(
        "SELECT quantity FROM cart_items WHERE cart_id = $1 AND product_id = $2",
    )
    .bind(cart_id)
    .bind(product_id)
    .fetch_optional(&mut *tx)
    .await?;
    quantity.map(quantity_from_db).transpose()
}

async fn write_line(
    tx: &mut PgConnection,
    cart_id: i64,
    product_id: i64,
    quantity: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = excluded.quantity",
    )
    .bind(cart_id)
    .bind(product_id)
    .bind(quantity)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn items_of(tx: &mut PgConnection, cart_id: i64) -> Result<Vec<ItemRecord>, StoreError> {
    let rows = sqlx::query_as(ITEMS_OF_CART)
        .bind(cart_id)
        .fetch_all(&mut *tx)
        .await?;
    items_from_rows(rows)
}
