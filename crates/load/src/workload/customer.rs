//! The customer a virtual user shops as, in the shop and bookstore
//! workloads: made with `POST /customers` on the user's first trip, its
//! token renewed with the customer's secret a minute before it expires, and
//! sent as `Authorization: Bearer …` on every request about its cart and
//! orders. Both steps are requests like any other, recorded under their own
//! label. A store without `/customers` (one from before customer tokens, or
//! another implementation of the API) answers 404 or 405: the user then
//! shops as a made-up id without a token, as before.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use serde_json::json;
use storefront_wire::Data;
use storefront_wire::customers::{IssuedToken, NewCustomer};

use crate::user::{Expect, User};

/// How long before its expiry a token is renewed (at most half its life).
const RENEW_EARLY: Duration = Duration::from_secs(60);

/// A customer and how to prove it.
#[derive(Debug, Clone)]
pub struct Customer {
    pub id: String,
    /// `Bearer <token>`; `None` on a store without customer tokens.
    pub authorization: Option<String>,
    secret: Option<String>,
    renew_at: Option<Instant>,
}

impl Customer {
    /// The customer's secret (`None` on a store without customer tokens).
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    /// The `Authorization` header to send, if any.
    pub fn headers(&self) -> Vec<(&'static str, &str)> {
        self.authorization
            .as_deref()
            .map(|a| ("authorization", a))
            .into_iter()
            .collect()
    }

    fn with_token(&mut self, token: &IssuedToken, now: Instant) {
        let life = Duration::from_secs(token.expires_in);
        self.authorization = Some(format!("Bearer {}", token.access_token));
        self.renew_at = Some(now + life - RENEW_EARLY.min(life / 2));
    }
}

/// Makes and renews customers, recording the requests under `label`.
pub struct Customers {
    label: Arc<str>,
}

impl Customers {
    pub fn new(label: &str) -> Self {
        Self {
            label: Arc::from(label),
        }
    }

    /// The customer `user` shops as, made or renewed now if needed;
    /// `fallback` names it on a store without `/customers`. `None` when the
    /// store refused or did not answer (the request is recorded): the trip
    /// is skipped.
    pub async fn of(&self, user: &mut User, fallback: impl FnOnce() -> String) -> Option<Customer> {
        let now = Instant::now();
        match &user.customer {
            Some(c) if c.renew_at.is_none_or(|at| now < at) => return Some(c.clone()),
            Some(c) => {
                let renewed = self.renew(user, c.clone()).await;
                user.customer = renewed.clone();
                return renewed;
            }
            None => {}
        }
        let reply = user
            .request(
                &self.label,
                Method::POST,
                "/customers",
                &[],
                None,
                Expect::Status(201),
            )
            .await;
        let customer = match reply.status() {
            Some(201) => {
                let made: NewCustomer = reply
                    .body()
                    .and_then(|b| serde_json::from_slice::<Data<NewCustomer>>(b).ok())?
                    .data;
                let mut customer = Customer {
                    id: made.customer_id.as_str().to_owned(),
                    authorization: None,
                    secret: Some(made.secret),
                    renew_at: None,
                };
                customer.with_token(&made.token, now);
                customer
            }
            // No `/customers` here: the API from before customer tokens.
            Some(404 | 405) => Customer {
                id: fallback(),
                authorization: None,
                secret: None,
                renew_at: None,
            },
            _ => return None,
        };
        user.customer = Some(customer.clone());
        Some(customer)
    }

    async fn renew(&self, user: &mut User, mut customer: Customer) -> Option<Customer> {
        let now = Instant::now();
        let path = format!("/customers/{}/tokens", customer.id);
        let body = json!({ "secret": customer.secret });
        let reply = user
            .request(
                &self.label,
                Method::POST,
                &path,
                &[],
                Some(Bytes::from(body.to_string())),
                Expect::Status(201),
            )
            .await;
        let token: IssuedToken = reply
            .body()
            .filter(|_| reply.status() == Some(201))
            .and_then(|b| serde_json::from_slice::<Data<IssuedToken>>(b).ok())?
            .data;
        customer.with_token(&token, now);
        Some(customer)
    }
}
