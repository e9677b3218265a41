//! Carts: checked at the edge (customer id, product id, admin token), then
//! relayed unchanged to the carts service, whose answer goes back as is.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, Uri, header};
use storefront_service_kit::{JsonBody, PathParam, RequestId};
use storefront_wire::shop::{AddToCart, SetCartQuantity};
use storefront_wire::{CustomerId, IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER};

use super::orders::idempotency_key;
use crate::admin::Admin;
use crate::{Gateway, GatewayError};

fn customer(text: String) -> Result<CustomerId, GatewayError> {
    CustomerId::parse(text).map_err(GatewayError::BadQuery)
}

fn product(text: &str) -> Result<i64, GatewayError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GatewayError::NotAProductId);
    }
    text.parse().map_err(|_| GatewayError::NotAProductId)
}

/// Sends the request on to the carts service and returns its reply.
async fn relay(
    gw: &Gateway,
    method: Method,
    uri: &Uri,
    body: Bytes,
    id: &RequestId,
    idempotency_key: Option<&str>,
) -> Result<Response, GatewayError> {
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let mut headers = Vec::new();
    if let Some(id) = id.as_deref() {
        headers.push((REQUEST_ID_HEADER, id));
    }
    if let Some(key) = idempotency_key {
        headers.push((IDEMPOTENCY_KEY_HEADER, key));
    }
    let (status, body) = gw.carts.relay(method, path, body, &headers).await?;
    if body.is_empty() {
        return Ok(status.into_response());
    }
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn json_bytes<T: serde::Serialize>(value: &T) -> Bytes {
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

pub async fn view(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
    PathParam(customer_id): PathParam<String>,
) -> Result<Response, GatewayError> {
    customer(customer_id)?;
    relay(&gw, Method::GET, &uri, Bytes::new(), &id, None).await
}

pub async fn add(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
    PathParam(customer_id): PathParam<String>,
    JsonBody(item): JsonBody<AddToCart>,
) -> Result<Response, GatewayError> {
    customer(customer_id)?;
    relay(&gw, Method::POST, &uri, json_bytes(&item), &id, None).await
}

pub async fn set_quantity(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
    PathParam((customer_id, product_id)): PathParam<(String, String)>,
    JsonBody(change): JsonBody<SetCartQuantity>,
) -> Result<Response, GatewayError> {
    customer(customer_id)?;
    product(&product_id)?;
    relay(&gw, Method::PUT, &uri, json_bytes(&change), &id, None).await
}

pub async fn remove(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
    PathParam((customer_id, product_id)): PathParam<(String, String)>,
) -> Result<Response, GatewayError> {
    customer(customer_id)?;
    product(&product_id)?;
    relay(&gw, Method::DELETE, &uri, Bytes::new(), &id, None).await
}

pub async fn checkout(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
    headers: HeaderMap,
    PathParam(customer_id): PathParam<String>,
) -> Result<Response, GatewayError> {
    customer(customer_id)?;
    let key = idempotency_key(&headers)?;
    relay(&gw, Method::POST, &uri, Bytes::new(), &id, key.as_deref()).await
}

pub async fn all_carts(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::GET, &uri, Bytes::new(), &id, None).await
}

pub async fn all_items(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::GET, &uri, Bytes::new(), &id, None).await
}
