//! The bookstore workload: the bookstore study's JMeter plan, translated to
//! Storefront's API (docs/EXPERIMENTS.md maps each route). One iteration is
//! the plan's eleven samplers in its order, under its labels, so a run's
//! tables line up with the study's JMeter logs label by label:
//!
//! 1. `Product Catalog/Get products/products`: a page of the product list;
//! 2. `Product Catalog/Create products`: 🔑 a product of the user's own;
//! 3. `Product Catalog/Update products`: 🔑 its price changed;
//! 4. `Product Catalog/Delete products`: 🔑 it deleted;
//! 5. `Shopping Cart/Get carts`: 🔑 a page of every cart;
//! 6. `Shopping Cart/Get cart items`: 🔑 a page of every cart line;
//! 7. `Shopping Cart/Add product to shopping cart`: one unit of a catalog
//!    product into the user's cart;
//! 8. `Shopping Cart/Update order status in cart`: the cart checked out,
//!    the only way a Storefront cart becomes `Ordered`;
//! 9. `Order Management/Create orders`: a direct order of one unit;
//! 10. `Order Management/Get orders`: the user's orders;
//! 11. `Order Management/Get order Items`: a page of every order with its
//!     lines (Storefront has no separate order-items resource).
//!
//! Unlike the study's plan, where every thread used the same fixed ids,
//! each user is a customer of its own (made on its first iteration and
//! recorded as `Storefront/New customer`, see [`super::customer`]; its token
//! opens its cart and orders) and creates and deletes a product of its own, so the writes really happen (the study's were re-sent as GETs
//! after an http→https redirect) and the store's invariants can be checked
//! afterwards: only catalog products are ordered, and every order goes into
//! the ledger. The 🔑 routes, and the list of every order, need the admin
//! token.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use rand::Rng;
use serde_json::{Value, json};
use storefront_wire::api::ProductListing;

use super::customer::Customers;
use crate::ledger::{Ledger, Line};
use crate::user::{Expect, User};

/// Rows per page of the list routes.
const PAGE: usize = 20;

pub struct Bookstore {
    products: Arc<Vec<ProductListing>>,
    ledger: Arc<Ledger>,
    run_id: String,
    authorization: String,
    customers: Customers,
    labels: [Arc<str>; 11],
}

/// The study's sampler labels, in its plan's order.
const LABELS: [&str; 11] = [
    "Product Catalog/Get products/products",
    "Product Catalog/Create products",
    "Product Catalog/Update products",
    "Product Catalog/Delete products",
    "Shopping Cart/Get carts",
    "Shopping Cart/Get cart items",
    "Shopping Cart/Add product to shopping cart",
    "Shopping Cart/Update order status in cart",
    "Order Management/Create orders",
    "Order Management/Get orders",
    "Order Management/Get order Items",
];

impl Bookstore {
    pub fn new(
        products: Arc<Vec<ProductListing>>,
        ledger: Arc<Ledger>,
        run_id: &str,
        admin_token: &str,
    ) -> Self {
        Self {
            products,
            ledger,
            run_id: run_id.to_owned(),
            authorization: format!("Bearer {admin_token}"),
            customers: Customers::new("Storefront/New customer"),
            labels: LABELS.map(Arc::from),
        }
    }

    pub async fn iteration(&self, user: &mut User, n: u64) {
        let [
            list,
            create,
            update,
            delete,
            carts,
            cart_items,
            add,
            checkout,
            order,
            orders,
            all_orders,
        ] = &self.labels;
        let admin = [("authorization", self.authorization.as_str())];
        // On a store without customer tokens: one made-up id per user and run.
        let id = user.id;
        let fallback = move || format!("bk-{}-{id}", self.run_id);
        let Some(customer) = self.customers.of(user, fallback).await else {
            return;
        };
        let mine = customer.headers();
        let pages = self.products.len().div_ceil(PAGE);
        let offset = user.rng.random_range(0..pages) * PAGE;
        let page = format!("/products?limit={PAGE}&offset={offset}");
        user.request(list, Method::GET, &page, &[], None, Expect::Success)
            .await;

        // A product of this user's own: created, repriced, deleted.
        let name = format!("bk-{}-{}-{n}", self.run_id, user.id);
        let draft = |price: f64| json!({ "name": name, "price": price, "quantity": 10 });
        let created = user
            .request(
                create,
                Method::POST,
                "/products",
                &admin,
                Some(body_of(&draft(9.99))),
                Expect::Status(201),
            )
            .await;
        if let Some(id) = created.body().and_then(record_id) {
            let path = format!("/products/{id}");
            user.request(
                update,
                Method::PUT,
                &path,
                &admin,
                Some(body_of(&draft(10.99))),
                Expect::Status(200),
            )
            .await;
            user.request(
                delete,
                Method::DELETE,
                &path,
                &admin,
                None,
                Expect::Status(204),
            )
            .await;
        }

        let every_cart = format!("/carts?limit={PAGE}");
        user.request(
            carts,
            Method::GET,
            &every_cart,
            &admin,
            None,
            Expect::Success,
        )
        .await;
        let every_line = format!("/cart_items?limit={PAGE}");
        user.request(
            cart_items,
            Method::GET,
            &every_line,
            &admin,
            None,
            Expect::Success,
        )
        .await;

        // A catalog product (never the user's own, which is gone) into the
        // cart, then the cart ordered.
        let product = &self.products[user.rng.random_range(0..self.products.len())];
        let line = Line::one_of(product);
        let cart_path = format!("/carts/{}", customer.id);
        let body = json!({ "product_id": product.id, "quantity": 1 });
        let added = user
            .request(
                add,
                Method::POST,
                &cart_path,
                &mine,
                Some(body_of(&body)),
                Expect::SuccessOrConflict,
            )
            .await;
        if added.status() == Some(201) {
            let path = format!("/carts/{}/checkout", customer.id);
            let answer = user
                .request(
                    checkout,
                    Method::POST,
                    &path,
                    &mine,
                    None,
                    Expect::SuccessOrConflict,
                )
                .await;
            self.ledger
                .settle(&answer, Some(&customer), Some(vec![line]));
        }

        let product = &self.products[user.rng.random_range(0..self.products.len())];
        let direct = json!({
            "customer_id": customer.id,
            "items": [{ "product_id": product.id, "quantity": 1 }],
        });
        let answer = user
            .request(
                order,
                Method::POST,
                "/orders",
                &mine,
                Some(body_of(&direct)),
                Expect::SuccessOrConflict,
            )
            .await;
        let line = Line::one_of(product);
        self.ledger
            .settle(&answer, Some(&customer), Some(vec![line]));

        let history = format!("/orders?customer_id={}", customer.id);
        user.request(orders, Method::GET, &history, &mine, None, Expect::Success)
            .await;
        let every_order = format!("/orders?limit={PAGE}");
        user.request(
            all_orders,
            Method::GET,
            &every_order,
            &admin,
            None,
            Expect::Success,
        )
        .await;
    }
}

fn body_of(value: &Value) -> Bytes {
    Bytes::from(value.to_string())
}

/// The `id` of a `{"data": record}` reply.
fn record_id(body: &[u8]) -> Option<i64> {
    let record: Value = serde_json::from_slice(body).ok()?;
    record["data"]["id"].as_i64()
}
