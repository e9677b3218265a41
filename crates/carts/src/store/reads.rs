//! Reading carts: a customer's open cart, and the admin lists.

use storefront_wire::CustomerId;
use storefront_wire::shop::{CartItemRow, CartStatus, CartSummary, Page};

use super::backend::on_backend;
use super::{
    CartRecord, CartsStore, ItemRecord, StoreError, customer_from_db, order_number_from_db,
    quantity_from_db, status_from_db,
};

/// A cart's lines, by product id; the same text on both backends.
pub(super) const ITEMS_OF_CART: &str =
    "SELECT product_id, quantity FROM cart_items WHERE cart_id = $1 ORDER BY product_id";

pub(super) fn items_from_rows(rows: Vec<(i64, i64)>) -> Result<Vec<ItemRecord>, StoreError> {
    rows.into_iter()
        .map(|(product_id, quantity)| {
            Ok(ItemRecord {
                product_id,
                quantity: quantity_from_db(quantity)?,
            })
        })
        .collect()
}

/// A page as SQL bind values.
fn limits(page: Page) -> (i64, i64) {
    (
        i64::from(page.limit),
        page.offset.min(i64::MAX as u64) as i64,
    )
}

impl CartsStore {
    /// A cart's lines, by product id.
    pub async fn items(&self, cart_id: i64) -> Result<Vec<ItemRecord>, StoreError> {
        let rows = on_backend!(self.readers.pool(), pool => sqlx::query_as(ITEMS_OF_CART)
            .bind(cart_id)
            .fetch_all(pool)
            .await)?;
        items_from_rows(rows)
    }

    /// The customer's open cart (active or checking out), if any: one
    /// statement, so the lines are those of the same moment as the status.
    pub async fn open_cart(&self, customer: &CustomerId) -> Result<Option<CartRecord>, StoreError> {
        let rows: Vec<(i64, String, Option<i64>, Option<i64>)> = on_backend!(self.readers.pool(), pool => sqlx::query_as(
            "SELECT c.id, c.status, i.product_id, i.quantity
             FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id
             WHERE c.customer_id = $1 AND c.status <> 'ordered'
             ORDER BY i.product_id",
        )
        .bind(customer.as_str())
        .fetch_all(pool)
        .await)?;
        let Some((id, status, _, _)) = rows.first() else {
            return Ok(None);
        };
        let (id, status) = (*id, status_from_db(status)?);
        // A cart without lines is one row whose line columns are NULL.
        let lines = rows
            .into_iter()
            .filter_map(|(_, _, product_id, quantity)| Some((product_id?, quantity?)))
            .collect();
        Ok(Some(CartRecord {
            id,
            customer_id: customer.clone(),
            status,
            items: items_from_rows(lines)?,
        }))
    }

    /// Every cart whose checkout has not settled, oldest first.
    pub async fn checking_out(&self) -> Result<Vec<CartRecord>, StoreError> {
        let rows: Vec<(i64, String)> = on_backend!(self.readers.pool(), pool => sqlx::query_as(
            "SELECT id, customer_id FROM carts WHERE status = 'checking_out' ORDER BY id",
        )
        .fetch_all(pool)
        .await)?;
        let mut carts = Vec::with_capacity(rows.len());
        for (id, customer) in rows {
            carts.push(CartRecord {
                id,
                customer_id: customer_from_db(customer)?,
                status: CartStatus::CheckingOut,
                items: self.items(id).await?,
            });
        }
        Ok(carts)
    }

    /// One page of every cart, oldest first.
    pub async fn carts(&self, page: Page) -> Result<Vec<CartSummary>, StoreError> {
        let (limit, offset) = limits(page);
        let rows: Vec<(i64, String, String, Option<i64>, i64)> = on_backend!(self.readers.pool(), pool => sqlx::query_as(
                "SELECT c.id, c.customer_id, c.status, c.order_number,
                        (SELECT COUNT(*) FROM cart_items i WHERE i.cart_id = c.id)
                 FROM carts c ORDER BY c.id LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)?;
        rows.into_iter()
            .map(|(cart_id, customer, status, number, lines)| {
                Ok(CartSummary {
                    cart_id,
                    customer_id: customer_from_db(customer)?,
                    status: status_from_db(&status)?,
                    order_number: number.map(order_number_from_db).transpose()?,
                    item_count: lines.max(0) as u64,
                })
            })
            .collect()
    }

    /// One page of every cart's lines, by cart then product.
    pub async fn cart_items(&self, page: Page) -> Result<Vec<CartItemRow>, StoreError> {
        let (limit, offset) = limits(page);
        let rows: Vec<(i64, String, i64, i64)> = on_backend!(self.readers.pool(), pool => sqlx::query_as(
                "SELECT i.cart_id, c.customer_id, i.product_id, i.quantity
                 FROM cart_items i JOIN carts c ON c.id = i.cart_id
                 ORDER BY i.cart_id, i.product_id LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)?;
        rows.into_iter()
            .map(|(cart_id, customer, product_id, quantity)| {
                Ok(CartItemRow {
                    cart_id,
                    customer_id: customer_from_db(customer)?,
                    product_id,
                    quantity: quantity_from_db(quantity)?,
                })
            })
            .collect()
    }
}
