//! A cart as the customer sees it: every line priced at the catalog's
//! current price (asked for all lines at once), deleted products shown as
//! unavailable and left out of the total.

use storefront_wire::serving::Serving;
use storefront_wire::shop::{CartLine, CartStatus, CartView};
use storefront_wire::{ClientError, CustomerId, Money};

use crate::store::CartRecord;
use crate::{Carts, CartsError};

impl Carts {
    /// The customer's open cart, priced now; an empty active cart if none.
    pub async fn view(
        &self,
        customer: &CustomerId,
        request_id: Option<&str>,
    ) -> Result<CartView, CartsError> {
        let Some(cart) = self.store.open_cart(customer).await? else {
            return Ok(CartView {
                customer_id: customer.clone(),
                cart_id: None,
                status: CartStatus::Active,
                items: Vec::new(),
                total: Money::from_cents(0),
            });
        };
        self.price(cart, request_id).await
    }

    /// The cart as the customer sees it, priced now.
    pub async fn price(
        &self,
        cart: CartRecord,
        request_id: Option<&str>,
    ) -> Result<CartView, CartsError> {
        let lookups: Vec<_> = cart
            .items
            .iter()
            .map(|item| {
                let catalog = self.catalog.clone();
                let (id, request_id) = (item.product_id, request_id.map(str::to_owned));
                tokio::spawn(Serving::carry(async move {
                    catalog.product_by_id(id, request_id.as_deref()).await
                }))
            })
            .collect();
        let mut lines = Vec::with_capacity(lookups.len());
        let mut total: i64 = 0;
        for (item, lookup) in cart.items.iter().zip(lookups) {
            let found = lookup
                .await
                .map_err(|e| CartsError::Interrupted(e.to_string()))?;
            let line = match found {
                Ok(product) => {
                    let line_total = product.price_cents.saturating_mul(i64::from(item.quantity));
                    total = total.saturating_add(line_total);
                    CartLine {
                        product_id: item.product_id,
                        name: Some(product.name),
                        quantity: item.quantity,
                        unit_price: Some(Money::from_cents(product.price_cents)),
                        line_total: Some(Money::from_cents(line_total)),
                        available: true,
                    }
                }
                Err(ClientError::Rejected { status, .. })
                    if status == http::StatusCode::NOT_FOUND =>
                {
                    CartLine {
                        product_id: item.product_id,
                        name: None,
                        quantity: item.quantity,
                        unit_price: None,
                        line_total: None,
                        available: false,
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "catalog lookup for a cart failed");
                    return Err(CartsError::CatalogUnavailable);
                }
            };
            lines.push(line);
        }
        Ok(CartView {
            customer_id: cart.customer_id,
            cart_id: Some(cart.id),
            status: cart.status,
            items: lines,
            total: Money::from_cents(total),
        })
    }
}
