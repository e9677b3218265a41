//! Carts: checked at the edge (customer id, product id, the caller's right
//! to the cart), then relayed unchanged to the carts service, whose answer
//! goes back as is.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, Method, Uri, header};
use serde::Deserialize;
use storefront_service_kit::{JsonBody, PathParam, RequestId};
use storefront_wire::api::OrderPlaced;
use storefront_wire::shop::{
    AddToCart, CartItemRow, CartSummary, CartView, PageQuery, SetCartQuantity,
};
use storefront_wire::{
    CustomerId, Data, ErrorBody, IDEMPOTENCY_KEY_HEADER, NumericKey, REQUEST_ID_HEADER,
};

use super::orders::{IdempotencyKey, idempotency_key};
use crate::auth::{Admin, Caller};
use crate::openapi::JsonBodyRejections;
use crate::{Gateway, GatewayError};

/// Proof that a customer's cart route may go ahead: its path is well
/// formed (400 otherwise: the customer id, and the product id where the
/// path has one), then the caller is that customer or the admin (401, 403).
/// An extractor, so both are settled before any body is read: a stranger
/// learns nothing from how a body would have been judged.
pub struct CartOf;

/// The path parameters of the cart routes.
#[derive(Deserialize)]
struct CartRoute {
    customer_id: String,
    product_id: Option<String>,
}

impl FromRequestParts<Arc<Gateway>> for CartOf {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, gw: &Arc<Gateway>) -> Result<Self, Response> {
        let PathParam(route) = PathParam::<CartRoute>::from_request_parts(parts, gw)
            .await
            .map_err(IntoResponse::into_response)?;
        let checked = async {
            if let Some(product) = &route.product_id {
                NumericKey::<i64>::parse(product)
                    .number_or(GatewayError::NotAProductId, GatewayError::NotAProductId)?;
            }
            let customer = CustomerId::parse(route.customer_id).map_err(GatewayError::BadQuery)?;
            let caller = Caller::from_request_parts(parts, gw).await?;
            caller.may_act_for(gw, &customer)
        };
        checked
            .await
            .map(|()| CartOf)
            .map_err(IntoResponse::into_response)
    }
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

/// The customer's active cart, at current prices (an empty cart if none).
#[utoipa::path(
    get,
    operation_id = "get_cart",
    path = "/carts/{customer_id}",
    tag = "carts",
    security(("customer_token" = []), ("admin_token" = [])),
    params(("customer_id" = CustomerId, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The cart", body = Data<CartView>),
        (status = 400, description = "Not a valid customer id", body = ErrorBody),
        (status = 401, description = "No token, an expired one, or one this store did not sign", body = ErrorBody),
        (status = 403, description = "A token of another customer", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 503, description = "The carts service (or the catalog it asks) cannot answer now", body = ErrorBody),
    )
)]
pub async fn view(
    State(gw): State<Arc<Gateway>>,
    _: CartOf,
    id: RequestId,
    uri: Uri,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::GET, &uri, Bytes::new(), &id, None).await
}

/// Adds units of a product to the customer's active cart (starting one).
#[utoipa::path(
    post,
    operation_id = "add_to_cart",
    path = "/carts/{customer_id}",
    tag = "carts",
    security(("customer_token" = []), ("admin_token" = [])),
    params(("customer_id" = CustomerId, Path, description = "The customer's id")),
    request_body = AddToCart,
    responses(
        (status = 201, description = "The cart after the change", body = Data<CartView>),
        (status = 400, description = "Not a valid customer id, or malformed JSON", body = ErrorBody),
        (status = 401, description = "No token, an expired one, or one this store did not sign", body = ErrorBody),
        (status = 403, description = "A token of another customer", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "`product not found`", body = ErrorBody),
        (status = 409, description = "More than in stock, or a checkout of this cart in progress", body = ErrorBody),
        JsonBodyRejections,
        (status = 422, description = "A missing, unknown or wrong field, or a line above 1,000,000 units", body = ErrorBody),
        (status = 503, description = "The carts service (or the catalog it asks) cannot answer now", body = ErrorBody),
    )
)]
pub async fn add(
    State(gw): State<Arc<Gateway>>,
    _: CartOf,
    id: RequestId,
    uri: Uri,
    JsonBody(item): JsonBody<AddToCart>,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::POST, &uri, json_bytes(&item), &id, None).await
}

/// Sets how many units of a product the cart holds.
#[utoipa::path(
    put,
    operation_id = "set_cart_quantity",
    path = "/carts/{customer_id}/{product_id}",
    tag = "carts",
    security(("customer_token" = []), ("admin_token" = [])),
    params(("customer_id" = CustomerId, Path, description = "The customer's id"), ("product_id" = i64, Path, minimum = 0, description = "The product id (digits only)")),
    request_body = SetCartQuantity,
    responses(
        (status = 200, description = "The cart after the change", body = Data<CartView>),
        (status = 400, description = "Not a valid customer or product id, or malformed JSON", body = ErrorBody),
        (status = 401, description = "No token, an expired one, or one this store did not sign", body = ErrorBody),
        (status = 403, description = "A token of another customer", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "The product is not in the cart", body = ErrorBody),
        (status = 409, description = "More than in stock, or a checkout of this cart in progress", body = ErrorBody),
        JsonBodyRejections,
        (status = 422, description = "A missing, unknown or wrong field", body = ErrorBody),
        (status = 503, description = "The carts service (or the catalog it asks) cannot answer now", body = ErrorBody),
    )
)]
pub async fn set_quantity(
    State(gw): State<Arc<Gateway>>,
    _: CartOf,
    id: RequestId,
    uri: Uri,
    JsonBody(change): JsonBody<SetCartQuantity>,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::PUT, &uri, json_bytes(&change), &id, None).await
}

/// Removes a product from the cart.
#[utoipa::path(
    delete,
    operation_id = "remove_from_cart",
    path = "/carts/{customer_id}/{product_id}",
    tag = "carts",
    security(("customer_token" = []), ("admin_token" = [])),
    params(("customer_id" = CustomerId, Path, description = "The customer's id"), ("product_id" = i64, Path, minimum = 0, description = "The product id (digits only)")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Not a valid customer or product id", body = ErrorBody),
        (status = 401, description = "No token, an expired one, or one this store did not sign", body = ErrorBody),
        (status = 403, description = "A token of another customer", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "The product is not in the cart", body = ErrorBody),
        (status = 409, description = "A checkout of this cart in progress", body = ErrorBody),
        (status = 503, description = "The carts service (or the catalog it asks) cannot answer now", body = ErrorBody),
    )
)]
pub async fn remove(
    State(gw): State<Arc<Gateway>>,
    _: CartOf,
    id: RequestId,
    uri: Uri,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::DELETE, &uri, Bytes::new(), &id, None).await
}

/// Turns the active cart into one order: every line's stock or none.
///
/// On success the cart becomes `Ordered` and the next add starts a new one;
/// a refusal leaves the cart as it was.
#[utoipa::path(
    post,
    operation_id = "checkout",
    path = "/carts/{customer_id}/checkout",
    tag = "carts",
    security(("customer_token" = []), ("admin_token" = [])),
    params(("customer_id" = CustomerId, Path, description = "The customer's id"), IdempotencyKey),
    responses(
        (status = 200, description = "The order placed (or, for a repeated `Idempotency-Key`, the first result)", body = Data<OrderPlaced>,
            example = json!({"data": {"order_number": 7}})),
        (status = 400, description = "Not a valid customer id, or a bad `Idempotency-Key`", body = ErrorBody),
        (status = 401, description = "No token, an expired one, or one this store did not sign", body = ErrorBody),
        (status = 403, description = "A token of another customer", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "A product of the cart no longer exists", body = ErrorBody),
        (status = 409, description = "The cart is empty, a product is short of stock, or a checkout is in progress", body = ErrorBody),
        (status = 422, description = "The `Idempotency-Key` was used for a different order", body = ErrorBody),
        (status = 503, description = "The outcome is not known yet: the carts service finishes the checkout in the background; retry with the same `Idempotency-Key` to get the number", body = ErrorBody),
    )
)]
pub async fn checkout(
    State(gw): State<Arc<Gateway>>,
    _: CartOf,
    id: RequestId,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, GatewayError> {
    let key = idempotency_key(&headers)?;
    let reply = relay(&gw, Method::POST, &uri, Bytes::new(), &id, key.as_deref()).await;
    gw.wrote_anything(reply.as_ref().is_ok_and(|r| r.status().is_client_error()));
    reply
}

/// Every cart with its status and order number (admin).
#[utoipa::path(
    get,
    operation_id = "list_carts",
    path = "/carts",
    tag = "carts",
    security(("admin_token" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of carts", body = Data<Vec<CartSummary>>),
        (status = 400, description = "Bad `limit` or `offset`", body = ErrorBody),
        (status = 401, description = "No or wrong admin token, or administration disabled", body = ErrorBody),
        (status = 403, description = "A customer token instead of the admin token", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 503, description = "The carts service cannot answer now", body = ErrorBody),
    )
)]
pub async fn all_carts(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::GET, &uri, Bytes::new(), &id, None).await
}

/// Every cart line (admin).
#[utoipa::path(
    get,
    operation_id = "list_cart_items",
    path = "/cart_items",
    tag = "carts",
    security(("admin_token" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of cart lines", body = Data<Vec<CartItemRow>>),
        (status = 400, description = "Bad `limit` or `offset`", body = ErrorBody),
        (status = 401, description = "No or wrong admin token, or administration disabled", body = ErrorBody),
        (status = 403, description = "A customer token instead of the admin token", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 503, description = "The carts service cannot answer now", body = ErrorBody),
    )
)]
pub async fn all_items(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, GatewayError> {
    relay(&gw, Method::GET, &uri, Bytes::new(), &id, None).await
}
