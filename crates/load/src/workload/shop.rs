//! The shop workload, one shopping trip per iteration, as the user's own
//! customer (made on its first trip, see [`super::customer`]): browse a page of
//! the product list, view one to three products, add one to three of them
//! to the cart, sometimes change or remove a line, look at the cart, check
//! out. A 409 (not enough stock) is an expected outcome that ends the trip;
//! a refused checkout empties the cart, as a shopper giving up would.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};
use storefront_wire::api::ProductListing;

use super::customer::Customers;
use crate::ledger::{Ledger, Line};
use crate::user::{Answer, Expect, User};

/// Rows per `GET /products` page a shopper browses.
const PAGE: usize = 20;

pub struct Shop {
    p_change: f64,
    products: Arc<Vec<ProductListing>>,
    ledger: Arc<Ledger>,
    run_id: String,
    customers: Customers,
    labels: Labels,
}

struct Labels {
    browse: Arc<str>,
    view: Arc<str>,
    add: Arc<str>,
    change: Arc<str>,
    remove: Arc<str>,
    cart: Arc<str>,
    checkout: Arc<str>,
}

impl Shop {
    pub fn new(
        p_change: f64,
        products: Arc<Vec<ProductListing>>,
        ledger: Arc<Ledger>,
        run_id: &str,
    ) -> Self {
        Self {
            p_change,
            products,
            ledger,
            run_id: run_id.to_owned(),
            customers: Customers::new("new customer"),
            labels: Labels {
                browse: Arc::from("browse"),
                view: Arc::from("view"),
                add: Arc::from("add to cart"),
                change: Arc::from("change line"),
                remove: Arc::from("remove line"),
                cart: Arc::from("view cart"),
                checkout: Arc::from("checkout"),
            },
        }
    }

    pub async fn iteration(&self, user: &mut User) {
        let l = &self.labels;
        // On a store without customer tokens: one made-up id per user and run.
        let id = user.id;
        let fallback = move || format!("load-{}-{id}", self.run_id);
        let Some(customer) = self.customers.of(user, fallback).await else {
            return;
        };
        let auth = customer.headers();
        let pages = self.products.len().div_ceil(PAGE);
        let offset = user.rng.random_range(0..pages) * PAGE;
        let browse = format!("/products?limit={PAGE}&offset={offset}");
        user.request(&l.browse, Method::GET, &browse, &[], None, Expect::Success)
            .await;

        let count = user.rng.random_range(1..=3);
        let picks: Vec<&ProductListing> = self
            .products
            .choose_multiple(&mut user.rng, count)
            .collect();
        for product in &picks {
            let path = format!("/products/{}", product.id);
            user.request(&l.view, Method::GET, &path, &[], None, Expect::Success)
                .await;
        }
        let cart_path = format!("/carts/{}", customer.id);
        for product in &picks {
            let quantity = user.rng.random_range(1..=2);
            let body = json!({ "product_id": product.id, "quantity": quantity });
            let added = user
                .request(
                    &l.add,
                    Method::POST,
                    &cart_path,
                    &auth,
                    Some(body_of(&body)),
                    Expect::SuccessOrConflict,
                )
                .await;
            if added.status() != Some(201) {
                return;
            }
        }
        if user.rng.random_bool(self.p_change) {
            let product = picks[user.rng.random_range(0..picks.len())];
            let line = format!("/carts/{}/{}", customer.id, product.id);
            if user.rng.random_bool(0.5) {
                let body = json!({ "quantity": user.rng.random_range(1..=3) });
                let changed = user
                    .request(
                        &l.change,
                        Method::PUT,
                        &line,
                        &auth,
                        Some(body_of(&body)),
                        Expect::SuccessOrConflict,
                    )
                    .await;
                if changed.status() != Some(200) {
                    return;
                }
            } else {
                user.request(
                    &l.remove,
                    Method::DELETE,
                    &line,
                    &auth,
                    None,
                    Expect::Success,
                )
                .await;
            }
        }
        let cart = user
            .request(
                &l.cart,
                Method::GET,
                &cart_path,
                &auth,
                None,
                Expect::Success,
            )
            .await;
        let lines = cart.body().and_then(cart_lines);
        if lines.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let checkout = format!("/carts/{}/checkout", customer.id);
        let answer = user
            .request(
                &l.checkout,
                Method::POST,
                &checkout,
                &auth,
                None,
                Expect::SuccessOrConflict,
            )
            .await;
        if let Answer::Reply(r) = &answer
            && r.status == 409
        {
            // Refused for stock: the shopper gives up and empties the cart.
            for line in lines.unwrap_or_default() {
                let path = format!("/carts/{}/{}", customer.id, line.product_id);
                user.request(
                    &l.remove,
                    Method::DELETE,
                    &path,
                    &auth,
                    None,
                    Expect::Success,
                )
                .await;
            }
            return;
        }
        self.ledger.settle(&answer, Some(&customer), lines);
    }
}

fn body_of(value: &Value) -> Bytes {
    Bytes::from(value.to_string())
}

/// The lines of a `GET /carts/<customer>` reply.
fn cart_lines(body: &[u8]) -> Option<Vec<Line>> {
    let cart: Value = serde_json::from_slice(body).ok()?;
    cart["data"]["items"]
        .as_array()?
        .iter()
        .map(|item| {
            Some(Line {
                product_id: item["product_id"].as_i64()?,
                name: item["name"].as_str().unwrap_or_default().to_owned(),
                quantity: u32::try_from(item["quantity"].as_u64()?).ok()?,
            })
        })
        .collect()
}
