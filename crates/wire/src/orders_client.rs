//! Typed client for the orders service's internal API.

use std::time::Duration;

use http::Method;

use crate::api::{OrderPlaced, OrderRecord, PlaceOrder};
use crate::{ClientError, ServiceClient};

#[derive(Clone)]
pub struct OrdersClient {
    inner: ServiceClient,
}

impl OrdersClient {
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        Self {
            inner: ServiceClient::new("orders", base_url, timeout),
        }
    }

    pub async fn place(
        &self,
        order: &PlaceOrder,
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
    ) -> Result<OrderRecord, ClientError> {
        self.inner
            .call::<(), _>(Method::GET, &format!("/orders/{number}"), None, request_id)
            .await
    }
}
