//! The custom workload: each iteration sends one request drawn from the
//! scenario's weighted mix, its path and body filled from templates.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use rand::Rng;
use storefront_wire::api::ProductListing;

use crate::error::LoadError;
use crate::scenario::CustomRequest;
use crate::template::{Bindings, Place, Template};
use crate::user::{Expect, User};

struct Prepared {
    label: Arc<str>,
    method: Method,
    path: Template,
    body: Option<Template>,
    /// Names checked when the scenario is read; values rendered per request.
    headers: Vec<(http::HeaderName, Template)>,
    expect: Expect,
    /// Running total of weights up to and including this request.
    cumulative_weight: u64,
}

pub struct Custom {
    requests: Vec<Prepared>,
    total_weight: u64,
    products: Arc<Vec<ProductListing>>,
    run_id: String,
}

impl Custom {
    pub fn new(
        requests: &[CustomRequest],
        products: Arc<Vec<ProductListing>>,
        run_id: &str,
    ) -> Result<Self, LoadError> {
        let mut total_weight = 0;
        let mut prepared = Vec::with_capacity(requests.len());
        for (i, r) in requests.iter().enumerate() {
            let key = format!("workload.requests[{i}]");
            let invalid = |e: String| LoadError::invalid(format!("{key}: {e}"));
            total_weight += u64::from(r.weight);
            prepared.push(Prepared {
                label: Arc::from(
                    r.label
                        .clone()
                        .unwrap_or_else(|| format!("{} {}", r.method, r.path)),
                ),
                method: Method::from_bytes(r.method.as_bytes())
                    .map_err(|_| invalid(format!("`{}` is not an HTTP method", r.method)))?,
                path: Template::parse(&r.path).map_err(invalid)?,
                body: r
                    .body
                    .as_deref()
                    .map(Template::parse)
                    .transpose()
                    .map_err(invalid)?,
                headers: r
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        let name = http::HeaderName::from_bytes(name.as_bytes())
                            .map_err(|_| invalid(format!("`{name}` is not a header name")))?;
                        Ok((name, Template::parse(value).map_err(invalid)?))
                    })
                    .collect::<Result<_, LoadError>>()?,
                expect: r.expect.map_or(Expect::Success, Expect::Status),
                cumulative_weight: total_weight,
            });
        }
        Ok(Self {
            requests: prepared,
            total_weight,
            products,
            run_id: run_id.to_owned(),
        })
    }

    pub async fn iteration(&self, user: &mut User, n: u64) {
        let draw = user.rng.random_range(0..self.total_weight);
        let request = self
            .requests
            .iter()
            .find(|r| draw < r.cumulative_weight)
            .expect("the draw is below the total weight");
        let product = (!self.products.is_empty())
            .then(|| &self.products[user.rng.random_range(0..self.products.len())]);
        let bindings = Bindings {
            product: product.map(|p| (p.name.as_str(), p.id)),
            user: user.id,
            run: &self.run_id,
            iteration: n,
        };
        let path = request.path.render(&bindings, &mut user.rng, Place::Path);
        let body = request
            .body
            .as_ref()
            .map(|b| Bytes::from(b.render(&bindings, &mut user.rng, Place::JsonBody)));
        let values: Vec<String> = request
            .headers
            .iter()
            .map(|(_, value)| value.render(&bindings, &mut user.rng, Place::Header))
            .collect();
        let headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .zip(&values)
            .map(|((name, _), value)| (name.as_str(), value.as_str()))
            .collect();
        user.request(
            &request.label,
            request.method.clone(),
            &path,
            &headers,
            body,
            request.expect,
        )
        .await;
    }
}
