//! The carts commands on SQLite, applied by the group-commit writer: many
//! customers' edits and checkout steps share one transaction and one fsync.
//!
//! The writer is the file's only writer, so a command's reads cannot go
//! stale before its writes: no row locks or revision bumps are needed here
//! (PostgreSQL's transactions take them instead). One process owns the file
//! (its lock), so no placing lease is needed either: a process's own tasks
//! take turns through `checkout::InFlight`.

use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use storefront_service_kit::sqlite::WriteCommand;
use storefront_wire::CustomerId;
use storefront_wire::shop::CartStatus;

use super::commands::{
    AddLine, BeginCheckout, CheckoutStart, CheckoutStep, ClaimPlacing, Edit, FinishCheckout,
    LineChange, RemoveLine, Reopen, SetLine, editable,
};
use super::{CartRecord, ItemRecord, order_number_from_db, status_from_db};

/// The carts writer keeps no in-memory state beside the database.
type Writer = ();

impl WriteCommand<Writer> for AddLine {
    type Output = Edit;

    fn apply(&self, tx: &Transaction<'_>, _: &mut Writer, _: &mut ()) -> rusqlite::Result<Edit> {
        change_line(tx, self)
    }
}

impl WriteCommand<Writer> for SetLine {
    type Output = Edit;

    fn apply(&self, tx: &Transaction<'_>, _: &mut Writer, _: &mut ()) -> rusqlite::Result<Edit> {
        change_line(tx, self)
    }
}

fn change_line(tx: &Transaction<'_>, change: &impl LineChange) -> rusqlite::Result<Edit> {
    let customer = change.customer();
    let (cart_id, status) = match open_cart(tx, customer)? {
        Some((id, status, _)) => (id, status),
        None if change.opens_a_cart() => (open_new_cart(tx, customer)?, CartStatus::Active),
        None => return Ok(Edit::NoSuchItem),
    };
    if let Err(refused) = editable(status) {
        return Ok(refused);
    }
    match change.new_quantity(line_quantity(tx, cart_id, change.product_id())?) {
        Ok(wanted) => write_line(tx, cart_id, change.product_id(), wanted)?,
        Err(refused) => return Ok(refused),
    }
    done(tx, cart_id, customer)
}

impl WriteCommand<Writer> for RemoveLine {
    type Output = Edit;

    fn apply(&self, tx: &Transaction<'_>, _: &mut Writer, _: &mut ()) -> rusqlite::Result<Edit> {
        let Some((cart_id, status, _)) = open_cart(tx, &self.customer)? else {
            return Ok(Edit::NoSuchItem);
        };
        if let Err(refused) = editable(status) {
            return Ok(refused);
        }
        let removed = tx
            .prepare_cached("DELETE FROM cart_items WHERE cart_id = ?1 AND product_id = ?2")?
            .execute(params![cart_id, self.product_id])?;
        if removed == 0 {
            return Ok(Edit::NoSuchItem);
        }
        done(tx, cart_id, &self.customer)
    }
}

impl WriteCommand<Writer> for BeginCheckout {
    type Output = CheckoutStart;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut Writer,
        _: &mut (),
    ) -> rusqlite::Result<CheckoutStart> {
        if let Some(key) = &self.client_key {
            let ordered: Option<i64> = tx
                .prepare_cached(
                    "SELECT order_number FROM carts
                     WHERE customer_id = ?1 AND checkout_key = ?2 AND status = 'ordered'",
                )?
                .query_row(params![self.customer.as_str(), key], |r| r.get(0))
                .optional()?;
            if let Some(number) = ordered {
                let number = order_number_from_db(number).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(0, Type::Integer, Box::new(e))
                })?;
                return Ok(CheckoutStart::Ordered(number));
            }
        }
        let Some((cart_id, status, frozen_under)) = open_cart(tx, &self.customer)? else {
            return Ok(CheckoutStart::Empty);
        };
        let step = self.step(status, frozen_under.as_deref());
        if step == CheckoutStep::InProgress {
            return Ok(CheckoutStart::InProgress);
        }
        let items = items_of(tx, cart_id)?;
        if items.is_empty() {
            return Ok(CheckoutStart::Empty);
        }
        if step == CheckoutStep::Freeze {
            tx.prepare_cached(
                "UPDATE carts SET status = 'checking_out', checkout_key = ?2 WHERE id = ?1",
            )?
            .execute(params![cart_id, self.client_key])?;
        }
        Ok(CheckoutStart::Place(CartRecord {
            id: cart_id,
            customer_id: self.customer.clone(),
            status: CartStatus::CheckingOut,
            items,
        }))
    }
}

impl WriteCommand<Writer> for FinishCheckout {
    type Output = ();

    fn apply(&self, tx: &Transaction<'_>, _: &mut Writer, _: &mut ()) -> rusqlite::Result<()> {
        tx.prepare_cached(
            "UPDATE carts SET status = 'ordered', order_number = ?2
             WHERE id = ?1 AND status = 'checking_out'",
        )?
        .execute(params![self.cart_id, self.order_number])?;
        Ok(())
    }
}

impl WriteCommand<Writer> for ClaimPlacing {
    /// Whether the cart is still frozen (the file's one process holds every lease).
    type Output = bool;

    fn apply(&self, tx: &Transaction<'_>, _: &mut Writer, _: &mut ()) -> rusqlite::Result<bool> {
        tx.prepare_cached("SELECT 1 FROM carts WHERE id = ?1 AND status = 'checking_out'")?
            .exists([self.cart_id])
    }
}

impl WriteCommand<Writer> for Reopen {
    type Output = ();

    fn apply(&self, tx: &Transaction<'_>, _: &mut Writer, _: &mut ()) -> rusqlite::Result<()> {
        tx.prepare_cached(
            "UPDATE carts SET status = 'active', checkout_key = NULL
             WHERE id = ?1 AND status = 'checking_out'",
        )?
        .execute([self.cart_id])?;
        Ok(())
    }
}

/// The customer's open cart: id, status and the key it is frozen under.
fn open_cart(
    tx: &Transaction<'_>,
    customer: &CustomerId,
) -> rusqlite::Result<Option<(i64, CartStatus, Option<String>)>> {
    tx.prepare_cached(
        "SELECT id, status, checkout_key FROM carts
         WHERE customer_id = ?1 AND status <> 'ordered'",
    )?
    .query_row([customer.as_str()], |r| {
        Ok((r.get(0)?, status(r, 1)?, r.get(2)?))
    })
    .optional()
}

fn open_new_cart(tx: &Transaction<'_>, customer: &CustomerId) -> rusqlite::Result<i64> {
    tx.prepare_cached("INSERT INTO carts (customer_id) VALUES (?1) RETURNING id")?
        .query_row([customer.as_str()], |r| r.get(0))
}

fn status(row: &Row<'_>, index: usize) -> rusqlite::Result<CartStatus> {
    let text: String = row.get(index)?;
    status_from_db(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}

fn line_quantity(
    tx: &Transaction<'_>,
    cart_id: i64,
    product_id: i64,
) -> rusqlite::Result<Option<u32>> {
    tx.prepare_cached("SELECT quantity FROM cart_items WHERE cart_id = ?1 AND product_id = ?2")?
        .query_row(params![cart_id, product_id], |r| r.get(0))
        .optional()
}

fn write_line(
    tx: &Transaction<'_>,
    cart_id: i64,
    product_id: i64,
    quantity: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO cart_items (cart_id, product_id, quantity) VALUES (?1, ?2, ?3)
         ON CONFLICT (cart_id, product_id) DO UPDATE SET quantity = excluded.quantity",
    )?
    .execute(params![cart_id, product_id, quantity])?;
    Ok(())
}

fn items_of(tx: &Transaction<'_>, cart_id: i64) -> rusqlite::Result<Vec<ItemRecord>> {
    tx.prepare_cached(super::reads::ITEMS_OF_CART)?
        .query_map([cart_id], |r| {
            Ok(ItemRecord {
                product_id: r.get(0)?,
                quantity: r.get(1)?,
            })
        })?
        .collect()
}

/// An applied edit, with the active cart as it now stands.
fn done(tx: &Transaction<'_>, cart_id: i64, customer: &CustomerId) -> rusqlite::Result<Edit> {
    Ok(Edit::Done(CartRecord {
        id: cart_id,
        customer_id: customer.clone(),
        status: CartStatus::Active,
        items: items_of(tx, cart_id)?,
    }))
}
