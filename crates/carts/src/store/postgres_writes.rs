//! The carts commands on PostgreSQL: each one transaction whose first
//! statement locks the customer's open cart row (`UPDATE … RETURNING`, or
//! for an add `INSERT … ON CONFLICT DO UPDATE`, which opens a cart if there
//! is none; either bumps its revision), so an edit and a checkout of the
//! same cart never interleave (a checkout could otherwise miss a late item).
//! A refused command rolls back and leaves nothing behind. Statements are
//! few because each is a round trip: an edit is four (lock, read the lines,
//! write one, commit) besides `BEGIN`, a checkout's freeze three.
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
use super::{CartRecord, ItemRecord, StoreError, order_number_from_db, status_from_db};

/// A command as one PostgreSQL transaction.
pub trait OnPostgres: Send + Sync {
    type Output: Send;

    fn run(&self, pool: &PgPool) -> impl Future<Output = Result<Self::Output, StoreError>> + Send;
}

/// The one line an edit writes.
enum LineWrite {
    Set { product_id: i64, quantity: u32 },
    Remove { product_id: i64 },
}

/// Runs an edit in four round trips: lock (or open) the cart, read its
/// lines, write the one line `plan` decides on, commit. A refusal rolls
/// back. The cart answered is the lines read with that write applied: the
/// cart row's lock keeps every other edit out until commit.
async fn edit(
    pool: &PgPool,
    customer: &CustomerId,
    open_one: bool,
    plan: impl FnOnce(&[ItemRecord]) -> Result<LineWrite, Edit>,
) -> Result<Edit, StoreError> {
    let mut tx = pool.begin().await?;
    let locked = if open_one {
        open_and_lock_cart(&mut tx, customer).await?
    } else {
        lock_open_cart(&mut tx, customer).await?
    };
    let Some((cart_id, status, _)) = locked else {
        return Ok(Edit::NoSuchItem);
    };
    if let Err(refused) = editable(status) {
        return Ok(refused);
    }
    let mut items = items_of(&mut tx, cart_id).await?;
    let write = match plan(&items) {
        Ok(write) => write,
        Err(refused) => return Ok(refused),
    };
    match write {
        LineWrite::Set {
            product_id,
            quantity,
        } => {
            write_line(&mut tx, cart_id, product_id, quantity).await?;
            match items.binary_search_by_key(&product_id, |item| item.product_id) {
                Ok(at) => items[at].quantity = quantity,
                Err(at) => items.insert(
                    at,
                    ItemRecord {
                        product_id,
                        quantity,
                    },
                ),
            }
        }
        LineWrite::Remove { product_id } => {
            sqlx::query("DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2")
                .bind(cart_id)
                .bind(product_id)
                .execute(&mut *tx)
                .await?;
            items.retain(|item| item.product_id != product_id);
        }
    }
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
    let product_id = change.product_id();
    edit(pool, change.customer(), change.opens_a_cart(), |items| {
        let in_cart = quantity_in(items, product_id);
        let wanted = change.new_quantity(in_cart)?;
        // `new_quantity` keeps a line within its limit, a u32.
        let quantity = u32::try_from(wanted).map_err(|_| Edit::OverLimit {
            in_cart: in_cart.unwrap_or(0),
        })?;
        Ok(LineWrite::Set {
            product_id,
            quantity,
        })
    })
    .await
}

impl OnPostgres for RemoveLine {
    type Output = Edit;

    async fn run(&self, pool: &PgPool) -> Result<Edit, StoreError> {
        let product_id = self.product_id;
        edit(pool, &self.customer, false, |items| {
            match quantity_in(items, product_id) {
                Some(_) => Ok(LineWrite::Remove { product_id }),
                None => Err(Edit::NoSuchItem),
            }
        })
        .await
    }
}

fn quantity_in(items: &[ItemRecord], product_id: i64) -> Option<u32> {
    items
        .iter()
        .find(|item| item.product_id == product_id)
        .map(|item| item.quantity)
}

impl OnPostgres for BeginCheckout {
    type Output = CheckoutStart;

    async fn run(&self, pool: &PgPool) -> Result<CheckoutStart, StoreError> {
        let mut tx = pool.begin().await?;
        // The key's earlier checkout if it became an order, else the open
        // cart, locked.
        let (ordered, cart_id, status, frozen_under): (
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
        ) = sqlx::query_as(
            "WITH ordered AS (
                 SELECT order_number FROM carts
                 WHERE customer_id = $1 AND checkout_key = $2 AND status = 'ordered'
             ), locked AS (
                 UPDATE carts SET revision = revision + 1
                 WHERE customer_id = $1 AND status <> 'ordered'
                   AND NOT EXISTS (SELECT 1 FROM ordered)
                 RETURNING id, status, checkout_key
             )
             SELECT (SELECT order_number FROM ordered), l.id, l.status, l.checkout_key
             FROM (SELECT 1) AS one LEFT JOIN locked AS l ON true",
        )
        .bind(self.customer.as_str())
        .bind(self.client_key.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(number) = ordered {
            return Ok(CheckoutStart::Ordered(order_number_from_db(number)?));
        }
        let (Some(cart_id), Some(status)) = (cart_id, status) else {
            return Ok(CheckoutStart::Empty);
        };
        let items = match self.step(status_from_db(&status)?, frozen_under.as_deref()) {
            CheckoutStep::InProgress => return Ok(CheckoutStart::InProgress),
            CheckoutStep::Freeze => {
                // Frozen only if it has items, which this statement reads:
                // its snapshot comes after the lock, so no edit is missed.
                let rows = sqlx::query_as(
                    "WITH frozen AS (
                         UPDATE carts SET status = 'checking_out', checkout_key = $2, placer = $3
                         WHERE id = $1 AND EXISTS (SELECT 1 FROM cart_items WHERE cart_id = $1)
                     )
                     SELECT product_id, quantity FROM cart_items
                     WHERE cart_id = $1 ORDER BY product_id",
                )
                .bind(cart_id)
                .bind(self.client_key.as_deref())
                .bind(self.placer)
                .fetch_all(&mut *tx)
                .await?;
                items_from_rows(rows)?
            }
            CheckoutStep::Resume => {
                let items = items_of(&mut tx, cart_id).await?;
                if !items.is_empty() && !claim(&mut tx, cart_id, self.placer).await? {
                    // The same checkout, being placed by another process now.
                    return Ok(CheckoutStart::Pending);
                }
                items
            }
        };
        if items.is_empty() {
            return Ok(CheckoutStart::Empty);
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

/// The customer's open cart, opened if there is none, its row locked until
/// the transaction ends (as [`lock_open_cart`]). One statement: the insert
/// meets an open cart through the one-open-cart index and locks it instead.
async fn open_and_lock_cart(
    tx: &mut PgConnection,
    customer: &CustomerId,
) -> Result<Option<(i64, CartStatus, Option<String>)>, StoreError> {
    let (id, status, key): (i64, String, Option<String>) = sqlx::query_as(
        "INSERT INTO carts (customer_id) VALUES ($1)
         ON CONFLICT (customer_id) WHERE status <> 'ordered'
         DO UPDATE SET revision = carts.revision + 1
         RETURNING id, status, checkout_key",
    )
    .bind(customer.as_str())
    .fetch_one(&mut *tx)
    .await?;
    Ok(Some((id, status_from_db(&status)?, key)))
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

async fn write_line(
    tx: &mut PgConnection,
    cart_id: i64,
    product_id: i64,
    quantity: u32,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = excluded.quantity",
    )
    .bind(cart_id)
    .bind(product_id)
    .bind(i64::from(quantity))
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
