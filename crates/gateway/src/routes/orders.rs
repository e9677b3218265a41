//! Orders: `POST /orders` in the lab form or the multi-item form (both
//! idempotent with an `Idempotency-Key`), one order, and the order list.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use http::HeaderMap;
use serde::Deserialize;
use storefront_service_kit::{JsonBody, PathParam, RequestId, data};
use storefront_wire::api::{OrderForm, OrderRecord};
use storefront_wire::internal::NewOrder;
use storefront_wire::shop::{OrderDetail, OrderLine, Page, ProductRef};
use storefront_wire::{CustomerId, IDEMPOTENCY_KEY_HEADER};

use crate::{Gateway, GatewayError};

/// Longest idempotency key accepted.
const MAX_KEY_LEN: usize = 255;

/// The client's `Idempotency-Key`, namespaced so it can never collide with
/// the keys the carts service uses for checkouts.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, GatewayError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_KEY_LEN && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or(GatewayError::BadIdempotencyKey(MAX_KEY_LEN))?;
    Ok(Some(key.to_owned()))
}

pub async fn place(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    headers: HeaderMap,
    JsonBody(form): JsonBody<OrderForm>,
) -> Result<Response, GatewayError> {
    let (customer_id, items) = match form {
        OrderForm::Lab(order) => (
            None,
            vec![OrderLine {
                product: ProductRef::Name(order.name),
                quantity: order.quantity,
            }],
        ),
        OrderForm::Multi(order) => (order.customer_id, order.items),
    };
    let order = NewOrder {
        customer_id,
        items,
        idempotency_key: idempotency_key(&headers)?.map(|k| format!("client:{k}")),
    };
    let placed = gw.orders.place(&order, id.as_deref()).await?;
    Ok(data(placed))
}

/// A single-item order without a customer keeps the lab protocol's shape;
/// any other order is shown with its lines and customer.
fn shown(order: OrderDetail) -> Response {
    if order.customer_id.is_none() && order.items.len() == 1 {
        let item = &order.items[0];
        return data(OrderRecord {
            number: order.number,
            name: item.name.clone(),
            quantity: item.quantity,
        });
    }
    data(order)
}

pub async fn one(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(number): PathParam<String>,
) -> Result<Response, GatewayError> {
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GatewayError::BadOrderNumber);
    }
    // More digits than a u64 holds cannot name an existing order.
    let Ok(number) = number.parse::<u64>() else {
        return Err(GatewayError::OrderNotFound);
    };
    Ok(shown(gw.orders.get(number, id.as_deref()).await?))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    customer_id: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

pub async fn list(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, GatewayError> {
    let Query(query) = query.map_err(|e| GatewayError::BadQuery(e.body_text()))?;
    let page = Page::new(query.limit, query.offset).map_err(GatewayError::BadQuery)?;
    let customer = query
        .customer_id
        .map(CustomerId::parse)
        .transpose()
        .map_err(GatewayError::BadQuery)?;
    let orders = gw
        .orders
        .list(customer.as_ref(), page, id.as_deref())
        .await?;
    Ok(data(orders))
}
