//! Changing a cart: the catalog is asked for the product (it must exist;
//! its current stock caps the line), then the store applies the change.
//! Stock is only checked here, not held: the checkout's order takes it.

use storefront_wire::{ClientError, CustomerId, Quantity};

use crate::store::{AddLine, CartRecord, Edit, RemoveLine, SetLine};
use crate::{Carts, CartsError};

impl Carts {
    /// Adds units of a product to the customer's cart (opening one);
    /// answers the cart as it now stands.
    pub async fn add(
        &self,
        customer: &CustomerId,
        product_id: i64,
        quantity: Quantity,
        request_id: Option<&str>,
    ) -> Result<CartRecord, CartsError> {
        let stock = self.stock(product_id, request_id).await?;
        let edit = self
            .store
            .write(AddLine {
                customer: customer.clone(),
                product_id,
                quantity,
                limit: line_limit(stock),
            })
            .await?;
        settle(edit, stock)
    }

    /// Sets the quantity of a product already in the customer's cart;
    /// answers the cart as it now stands.
    pub async fn set_quantity(
        &self,
        customer: &CustomerId,
        product_id: i64,
        quantity: Quantity,
        request_id: Option<&str>,
    ) -> Result<CartRecord, CartsError> {
        let stock = match self.stock(product_id, request_id).await {
            // A deleted product can still be in a cart; it cannot grow there.
            Err(CartsError::ProductNotFound) => 0,
            other => other?,
        };
        let edit = self
            .store
            .write(SetLine {
                customer: customer.clone(),
                product_id,
                quantity,
                limit: line_limit(stock),
            })
            .await?;
        settle(edit, stock)
    }

    /// Takes a product out of the customer's cart.
    pub async fn remove(&self, customer: &CustomerId, product_id: i64) -> Result<(), CartsError> {
        let edit = self
            .store
            .write(RemoveLine {
                customer: customer.clone(),
                product_id,
            })
            .await?;
        settle(edit, 0).map(drop)
    }

    async fn stock(&self, product_id: i64, request_id: Option<&str>) -> Result<i64, CartsError> {
        match self.catalog.product_by_id(product_id, request_id).await {
            Ok(product) => Ok(product.quantity),
            Err(ClientError::Rejected { status, .. }) if status == http::StatusCode::NOT_FOUND => {
                Err(CartsError::ProductNotFound)
            }
            Err(e) => {
                tracing::warn!(error = %e, product_id, "catalog lookup for a cart failed");
                Err(CartsError::CatalogUnavailable)
            }
        }
    }
}

/// Most units a line may hold: what is in stock, and never above the
/// largest quantity an order may carry.
fn line_limit(stock: i64) -> u32 {
    stock.clamp(0, i64::from(Quantity::MAX)) as u32
}

fn settle(edit: Edit, stock: i64) -> Result<CartRecord, CartsError> {
    match edit {
        Edit::Done(cart) => Ok(cart),
        Edit::CheckoutInProgress => Err(CartsError::CheckoutInProgress),
        Edit::NoSuchItem => Err(CartsError::ItemNotFound),
        Edit::OverLimit { .. } if stock > i64::from(Quantity::MAX) => Err(CartsError::LineTooLarge),
        Edit::OverLimit { in_cart } => Err(CartsError::InsufficientStock {
            available: stock.max(0),
            in_cart,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_capped_by_stock_and_by_the_largest_order() {
        assert_eq!(line_limit(-3), 0);
        assert_eq!(line_limit(7), 7);
        assert_eq!(line_limit(i64::MAX), Quantity::MAX);
    }
}
