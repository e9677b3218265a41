//! The shopper's pages: the products, one product, the cart, checkout, the
//! orders and the account. Each calls the peers the way the JSON route it
//! mirrors does, for the customer of the browser's cookie
//! ([`Shopper`](super::session::Shopper)) and no other, so a page can reach
//! only that customer's cart and orders.
//!
//! A browser without a customer gets one, made as `POST /customers` makes
//! it, the first time it adds to a cart; the account page shows its id and
//! secret (for the API, or another browser) and signs in with them.
//!
//! - [`catalog`]: the product list and a product's page.
//! - [`cart`]: the cart, its forms, and checkout.
//! - [`orders`]: the customer's orders and one order.
//! - [`account`]: who this browser shops as; signing in and out.

mod account;
mod cart;
mod catalog;
mod orders;

use http::{StatusCode, Uri};
use serde::Deserialize;
use storefront_wire::Quantity;
use storefront_wire::shop::{DEFAULT_PAGE_SIZE, Page};

use super::render::{PageError, sentence};

pub use account::{account, sign_in, sign_out};
pub use cart::{add_to_cart, cart, checkout, remove, set_quantity};
pub use catalog::{product, products};
pub use orders::{order, orders};

/// Links to the neighbouring pages of a list.
pub(super) struct Pages {
    pub number: u64,
    pub previous: Option<u64>,
    pub next: Option<u64>,
}

impl Pages {
    pub(super) fn around(number: u64, shown: usize) -> Self {
        Self {
            number,
            previous: (number > 1).then(|| number - 1),
            next: (shown == DEFAULT_PAGE_SIZE as usize).then_some(number + 1),
        }
    }
}

/// `?page=N` (from 1) of a list page, as the API's `limit` and `offset`.
pub(super) fn page_of(uri: &Uri) -> Result<(u64, Page), PageError> {
    #[derive(Deserialize)]
    struct Query {
        page: Option<String>,
    }
    let query: Query = serde_urlencoded::from_str(uri.query().unwrap_or_default())
        .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "That is not a page number."))?;
    let number = match query.page.as_deref() {
        None | Some("") => 1,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
            .ok_or_else(|| PageError::new(StatusCode::BAD_REQUEST, "That is not a page number."))?,
    };
    let page = Page {
        limit: DEFAULT_PAGE_SIZE,
        offset: (number - 1) * u64::from(DEFAULT_PAGE_SIZE),
    };
    Ok((number, page))
}

/// A quantity typed into a form: a whole number from 1.
fn quantity_of(text: &str) -> Result<Quantity, String> {
    let text = text.trim();
    let value = text
        .parse::<u64>()
        .map_err(|_| format!("“{text}” is not a whole number of units."))?;
    Quantity::new(value).map_err(|e| sentence(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_whole_numbers_from_one() {
        assert_eq!(quantity_of(" 3 ").map(Quantity::get), Ok(3));
        assert!(quantity_of("0").is_err());
        assert!(quantity_of("1.5").unwrap_err().contains("whole number"));
        assert!(quantity_of("2000000").is_err());
    }

    #[test]
    fn page_numbers_start_at_one() {
        let uri = |q: &str| q.parse::<Uri>().unwrap();
        assert_eq!(page_of(&uri("/shop")).unwrap().0, 1);
        let (number, asked) = page_of(&uri("/shop?page=3")).unwrap();
        assert_eq!(
            (number, asked.offset),
            (3, 2 * u64::from(DEFAULT_PAGE_SIZE))
        );
        assert!(page_of(&uri("/shop?page=0")).is_err());
        assert!(page_of(&uri("/shop?page=x")).is_err());
    }
}
