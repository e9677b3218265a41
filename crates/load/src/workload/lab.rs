//! The lab workload: query a random product; if it shows stock, buy one
//! with probability `p`. Every acknowledged order goes to the ledger, to be
//! read back after the run.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use rand::Rng;
use storefront_wire::Data;
use storefront_wire::api::{ProductListing, ProductQuote};
use storefront_wire::catalog_client::encode_segment;

use crate::ledger::{Ledger, Line};
use crate::user::{Expect, User};

pub struct Lab {
    p: f64,
    products: Arc<Vec<ProductListing>>,
    ledger: Arc<Ledger>,
    query: Arc<str>,
    buy: Arc<str>,
}

impl Lab {
    pub fn new(p: f64, products: Arc<Vec<ProductListing>>, ledger: Arc<Ledger>) -> Self {
        Self {
            p,
            products,
            ledger,
            query: Arc::from("query"),
            buy: Arc::from("buy"),
        }
    }

    pub async fn iteration(&self, user: &mut User) {
        let product = &self.products[user.rng.random_range(0..self.products.len())];
        let path = format!("/products/{}", encode_segment(&product.name));
        let answer = user
            .request(&self.query, Method::GET, &path, &[], None, Expect::Success)
            .await;
        let in_stock = answer
            .body()
            .filter(|_| answer.status() == Some(200))
            .and_then(|b| serde_json::from_slice::<Data<ProductQuote>>(b).ok())
            .is_some_and(|q| q.data.quantity > 0);
        if !in_stock || !user.rng.random_bool(self.p) {
            return;
        }
        let body = serde_json::json!({ "name": product.name, "quantity": 1 });
        let answer = user
            .request(
                &self.buy,
                Method::POST,
                "/orders",
                &[],
                Some(Bytes::from(body.to_string())),
                Expect::SuccessOrConflict,
            )
            .await;
        let line = Line::one_of(product);
        self.ledger.settle(&answer, None, Some(vec![line]));
    }
}
