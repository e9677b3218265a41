//! Typed client for the orders service's internal API.

use std::time::Duration;

use http::Method;

use crate::api::OrderPlaced;
use crate::internal::NewOrder;
use crate::shop::{OrderDetail, Page};
use crate::{ClientError, CustomerId, ServiceClient};

#[derive(Clone)]
pub struct OrdersClient {
    inner: ServiceClient,
}

/// The plain client underneath, for calls every service answers (such as
/// `/health`).
impl AsRef<ServiceClient> for OrdersClient {
    fn as_ref(&self) -> &ServiceClient {
        &self.inner
    }
}

impl OrdersClient {
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        Self {
            inner: ServiceClient::new("orders", base_url, timeout),
        }
    }

    /// Places an order; idempotent when the order carries a key.
    pub async fn place(
        &self,
        order: &NewOrder,
        request_id: Option<&str>,
    ) -> Result<OrderPlaced, ClientError> {
        self.inner
            .call(Method::POST, "/orders", Some(order), request_id)
            .await
    }

    pub async fn get(
        &self,
        number: u64,
        request_id: Option<&str>,
    ) -> Result<OrderDetail, ClientError> {
        self.inner
            .call::<(), _>(Method::GET, &format!("/orders/{number}"), None, request_id)
            .await
    }

    /// One page of orders, oldest first; only one customer's when given.
    pub async fn list(
        &self,
        customer: Option<&CustomerId>,
        page: Page,
        request_id: Option<&str>,
    ) -> Result<Vec<OrderDetail>, ClientError> {
        let mut path = format!("/orders?{}", page.query());
        if let Some(customer) = customer {
            path.push_str(&format!("&customer_id={customer}"));
        }
        self.inner
            .call::<(), _>(Method::GET, &path, None, request_id)
            .await
    }
}
