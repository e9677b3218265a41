//! The web workload: the shop workload's trip taken through the web
//! storefront's pages, as a browser without JavaScript takes it. Each
//! iteration: a page of the product list, one to three product pages, an
//! add-to-cart form per product, sometimes a change or removal, the cart
//! page, the checkout form, and the order page it leads to. Cookies are
//! kept per user (its customer, made by the store on its first add, and
//! the anti-forgery key every form carries); nothing else of a browser
//! (style sheet, rendering) is simulated.
//!
//! Orders land in the same ledger as the shop's, so the invariants (every
//! acknowledged order read back, stock balanced) hold for page checkouts
//! too: the page's customer is an API customer, read back with its secret.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use rand::Rng;
use rand::seq::IndexedRandom;
use storefront_wire::api::ProductListing;
use storefront_wire::http1::Reply;

use crate::ledger::{Acknowledged, Ledger, Line};
use crate::user::{Answer, Expect, User};

/// Rows per page of the shop's product list (the store's page size).
const PAGE: usize = 100;
const FORM: &str = "application/x-www-form-urlencoded";
/// The store's cookies this workload reads.
const FORM_KEY_COOKIE: &str = "storefront_form";
const CUSTOMER_COOKIE: &str = "storefront_customer";

pub struct Web {
    p_change: f64,
    products: Arc<Vec<ProductListing>>,
    ledger: Arc<Ledger>,
    labels: Labels,
}

struct Labels {
    products: Arc<str>,
    product: Arc<str>,
    add: Arc<str>,
    change: Arc<str>,
    remove: Arc<str>,
    cart: Arc<str>,
    checkout: Arc<str>,
    order: Arc<str>,
}

/// The cookies a user's browser holds, as the store set them.
#[derive(Debug, Clone, Default)]
pub struct PageSession {
    cookies: Vec<(String, String)>,
}

impl PageSession {
    fn get(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `Cookie` header to send.
    fn header(&self) -> String {
        let pairs: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        pairs.join("; ")
    }

    /// Keeps what a reply's `Set-Cookie` headers say (`Max-Age=0` forgets).
    fn absorb(&mut self, reply: &Reply) {
        for set in reply.headers("set-cookie") {
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let name = name.trim();
            self.cookies.retain(|(n, _)| n != name);
            if !attributes.to_ascii_lowercase().contains("max-age=0") {
                self.cookies
                    .push((name.to_owned(), value.trim().to_owned()));
            }
        }
    }
}

impl Web {
    pub fn new(p_change: f64, products: Arc<Vec<ProductListing>>, ledger: Arc<Ledger>) -> Self {
        Self {
            p_change,
            products,
            ledger,
            labels: Labels {
                // The shop workload's labels for the same steps, so a
                // comparison of the two runs sets each step beside its twin.
                products: Arc::from("browse"),
                product: Arc::from("view"),
                add: Arc::from("add to cart"),
                change: Arc::from("change line"),
                remove: Arc::from("remove line"),
                cart: Arc::from("view cart"),
                checkout: Arc::from("checkout"),
                order: Arc::from("order page"),
            },
        }
    }

    /// Loads a page, keeping its cookies.
    async fn get(&self, user: &mut User, label: &Arc<str>, path: &str) -> Answer {
        let cookie = user.page_session.header();
        let headers = [("accept", "text/html"), ("cookie", cookie.as_str())];
        let answer = user
            .request(label, Method::GET, path, &headers, None, Expect::Success)
            .await;
        if let Answer::Reply(reply) = &answer {
            user.page_session.absorb(reply);
        }
        answer
    }

    /// Posts a form with the browser's anti-forgery key, keeping cookies.
    async fn post(&self, user: &mut User, label: &Arc<str>, path: &str, fields: &str) -> Answer {
        let key = user.page_session.get(FORM_KEY_COOKIE).unwrap_or_default();
        let body = Bytes::from(format!("form_key={key}&{fields}"));
        let cookie = user.page_session.header();
        let headers = [
            ("accept", "text/html"),
            ("content-type", FORM),
            ("cookie", cookie.as_str()),
        ];
        let answer = user
            .request(
                label,
                Method::POST,
                path,
                &headers,
                Some(body),
                Expect::RedirectOrConflict,
            )
            .await;
        if let Answer::Reply(reply) = &answer {
            user.page_session.absorb(reply);
        }
        answer
    }

    pub async fn iteration(&self, user: &mut User) {
        let l = &self.labels;
        let pages = self.products.len().div_ceil(PAGE).max(1);
        let page = user.rng.random_range(1..=pages);
        self.get(user, &l.products, &format!("/shop?page={page}"))
            .await;

        let count = user.rng.random_range(1..=3);
        let picks: Vec<ProductListing> = self
            .products
            .choose_multiple(&mut user.rng, count)
            .cloned()
            .collect();
        for product in &picks {
            let path = format!("/shop/products/{}", product.id);
            self.get(user, &l.product, &path).await;
        }
        for product in &picks {
            let quantity = user.rng.random_range(1..=2);
            let fields = format!("product_id={}&quantity={quantity}", product.id);
            let added = self.post(user, &l.add, "/shop/cart", &fields).await;
            if added.status() != Some(303) {
                return;
            }
        }
        if user.rng.random_bool(self.p_change) {
            let product = &picks[user.rng.random_range(0..picks.len())];
            let line = format!("/shop/cart/{}", product.id);
            if user.rng.random_bool(0.5) {
                let fields = format!("quantity={}", user.rng.random_range(1..=3));
                if self.post(user, &l.change, &line, &fields).await.status() != Some(303) {
                    return;
                }
            } else {
                self.post(user, &l.remove, &format!("{line}/remove"), "")
                    .await;
            }
        }
        let cart = self.get(user, &l.cart, "/shop/cart").await;
        let Some(html) = cart.body().map(String::from_utf8_lossy) else {
            return;
        };
        let lines = cart_lines(&html);
        let Some(checkout_key) = field(&html, "checkout_key").map(str::to_owned) else {
            return; // an empty cart has no checkout form
        };
        let placed = self
            .post(
                user,
                &l.checkout,
                "/shop/checkout",
                &format!("checkout_key={checkout_key}"),
            )
            .await;
        match &placed {
            Answer::Reply(reply) if reply.status == 303 => {
                let location = reply
                    .headers("location")
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                match order_number(&location) {
                    Some(number) => {
                        let (customer, secret) = self.customer(user);
                        self.ledger.acknowledged(Acknowledged {
                            number,
                            customer,
                            secret,
                            lines: Some(lines),
                        });
                        self.get(user, &l.order, &location).await;
                    }
                    None => self.ledger.unknown(lines),
                }
            }
            Answer::Reply(reply) if reply.status == 409 => {
                // Refused for stock: the shopper gives up and empties the cart.
                for line in lines {
                    let path = format!("/shop/cart/{}/remove", line.product_id);
                    self.post(user, &l.remove, &path, "").await;
                }
            }
            Answer::Reply(reply) if (400..500).contains(&reply.status) => {}
            Answer::NotSent => {}
            _ => self.ledger.unknown(lines),
        }
    }

    /// The customer id and secret of the user's customer cookie.
    fn customer(&self, user: &User) -> (Option<String>, Option<String>) {
        match user
            .page_session
            .get(CUSTOMER_COOKIE)
            .and_then(|c| c.rsplit_once('.'))
        {
            Some((id, secret)) => (Some(id.to_owned()), Some(secret.to_owned())),
            None => (None, None),
        }
    }
}

/// The value of the first `name="{name}" value="…"` in a page.
fn field<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(&html[start..end])
}

/// The cart page's lines, from its rows' `data-product-id` and
/// `data-quantity`.
fn cart_lines(html: &str) -> Vec<Line> {
    html.split("<tr data-product-id=\"")
        .skip(1)
        .filter_map(|row| {
            let (id, rest) = row.split_once('"')?;
            let rest = rest.strip_prefix(" data-quantity=\"")?;
            let (quantity, _) = rest.split_once('"')?;
            Some(Line {
                product_id: id.parse().ok()?,
                name: String::new(),
                quantity: quantity.parse().ok()?,
            })
        })
        .collect()
}

/// The order number of `/shop/orders/{number}?placed=1`.
fn order_number(location: &str) -> Option<u64> {
    let rest = location.strip_prefix("/shop/orders/")?;
    rest.split('?').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cart_page_gives_its_lines_and_checkout_key() {
        let html = r#"<tr data-product-id="4" data-quantity="2"><td>…</td></tr>
            <tr data-product-id="11" data-quantity="1"><td>…</td></tr>
            <input type="hidden" name="checkout_key" value="abc123">"#;
        let lines = cart_lines(html);
        let got: Vec<(i64, u32)> = lines.iter().map(|l| (l.product_id, l.quantity)).collect();
        assert_eq!(got, [(4, 2), (11, 1)]);
        assert_eq!(field(html, "checkout_key"), Some("abc123"));
        assert_eq!(field(html, "form_key"), None);
    }

    #[test]
    fn checkouts_lead_to_their_order() {
        assert_eq!(order_number("/shop/orders/17?placed=1"), Some(17));
        assert_eq!(order_number("/shop/cart"), None);
    }
}
