//! What one iteration of a virtual user does, per workload. An iteration
//! is the unit both load models schedule: a closed user loops them; the
//! open model starts one per arrival.

mod bookstore;
mod custom;
mod customer;
mod lab;
mod shop;
mod web;

use std::sync::Arc;

use http::Method;
use storefront_wire::api::ProductListing;

use crate::error::LoadError;
use crate::ledger::Ledger;
use crate::scenario::Workload;
use crate::user::{Expect, User};

pub use bookstore::Bookstore;
pub use custom::Custom;
pub use customer::Customer;
pub use lab::Lab;
pub use shop::Shop;
pub use web::{PageSession, Web};

/// Everything the users share: the workload prepared for sending, the
/// products read before the run and the ledger of orders.
pub struct Plan {
    kind: Kind,
}

enum Kind {
    Lab(Lab),
    Shop(Shop),
    Web(Web),
    Bookstore(Bookstore),
    Custom(Custom),
    Url {
        label: Arc<str>,
        path: String,
        method: Method,
        body: Option<bytes::Bytes>,
    },
}

impl Plan {
    pub fn new(
        workload: &Workload,
        products: Arc<Vec<ProductListing>>,
        ledger: Arc<Ledger>,
        run_id: &str,
        admin_token: Option<&str>,
    ) -> Result<Self, LoadError> {
        let needs_products = match workload {
            Workload::Lab { .. }
            | Workload::Shop { .. }
            | Workload::Web { .. }
            | Workload::Bookstore => true,
            Workload::Custom { requests } => requests.iter().any(|r| {
                crate::template::Template::parse(&r.path).is_ok_and(|t| t.uses_product())
                    || r.body.as_deref().is_some_and(|b| {
                        crate::template::Template::parse(b).is_ok_and(|t| t.uses_product())
                    })
            }),
            Workload::Url { .. } => false,
        };
        if needs_products && products.is_empty() {
            return Err(LoadError::Setup(
                "the target lists no products (GET /products), so there is nothing to query or buy"
                    .into(),
            ));
        }
        let kind = match workload {
            Workload::Lab { p } => Kind::Lab(Lab::new(*p, products, ledger)),
            Workload::Shop { p_change } => {
                Kind::Shop(Shop::new(*p_change, products, ledger, run_id))
            }
            Workload::Web { p_change } => Kind::Web(Web::new(*p_change, products, ledger)),
            Workload::Bookstore => {
                let token = admin_token.filter(|t| !t.is_empty()).ok_or_else(|| {
                    LoadError::invalid(
                        "the bookstore workload administers the store: give its admin token \
                         (--admin-token or STOREFRONT_ADMIN_TOKEN; `storefront up` prints it)",
                    )
                })?;
                Kind::Bookstore(Bookstore::new(products, ledger, run_id, token))
            }
            Workload::Custom { requests } => Kind::Custom(Custom::new(requests, products, run_id)?),
            Workload::Url { path, method, body } => Kind::Url {
                label: Arc::from(format!("{method} {path}")),
                path: path.clone(),
                method: method.clone(),
                body: body.clone().map(bytes::Bytes::from),
            },
        };
        Ok(Self { kind })
    }

    /// Runs iteration `n` (0-based, per user in the closed model, per run
    /// in the open one) for `user`.
    pub async fn iteration(&self, user: &mut User, n: u64) {
        match &self.kind {
            Kind::Lab(lab) => lab.iteration(user).await,
            Kind::Shop(shop) => shop.iteration(user).await,
            Kind::Web(web) => web.iteration(user).await,
            Kind::Bookstore(bookstore) => bookstore.iteration(user, n).await,
            Kind::Custom(custom) => custom.iteration(user, n).await,
            Kind::Url {
                label,
                path,
                method,
                body,
            } => {
                user.request(
                    label,
                    method.clone(),
                    path,
                    &[],
                    body.clone(),
                    Expect::Success,
                )
                .await;
            }
        }
    }
}
