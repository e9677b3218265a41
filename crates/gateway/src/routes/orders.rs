//! Orders: `POST /orders` in the lab form or the multi-item form (both
//! idempotent with an `Idempotency-Key`), one order, and the order list.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use http::HeaderMap;
use serde::Serialize;
use storefront_service_kit::{JsonBody, Paged, PathParam, QueryParams, RequestId, data};
use storefront_wire::api::{OrderForm, OrderPlaced, OrderRecord};
use storefront_wire::internal::NewOrder;
use storefront_wire::shop::{CustomerFilter, OrderDetail, OrderLine, PageQuery, ProductRef};
use storefront_wire::{Data, ErrorBody, IDEMPOTENCY_KEY_HEADER, NumericKey};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::openapi::JsonBodyRejections;
use crate::{Gateway, GatewayError, Touched};

/// The `Idempotency-Key` header, as the document describes it.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Read from the headers by `idempotency_key`.
pub struct IdempotencyKey {
    /// 1 to 255 visible ASCII characters. A retry with the same key returns
    /// the first result and creates nothing; the same key with a different
    /// order is 422; while the first is still running, 409. Refusals are not
    /// remembered.
    #[param(
        rename = "Idempotency-Key",
        required = false,
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$"
    )]
    idempotency_key: String,
}

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

/// Places an order: every item's stock or none.
///
/// The lab protocol's `{"name","quantity"}` or the shop's
/// `{"customer_id"?,"items":[{"name"|"product_id","quantity"},…]}`. An order
/// for a customer needs that customer's token (or the admin token); one
/// without a customer needs nothing.
/// Numbers are unique and strictly increasing from 0; a refused order
/// consumes none.
#[utoipa::path(
    post,
    operation_id = "place_order",
    path = "/orders",
    tag = "orders",
    security((), ("customer_token" = []), ("admin_token" = [])),
    params(IdempotencyKey),
    request_body(content = OrderForm, example = json!({"name": "Tux", "quantity": 1})),
    responses(
        (status = 200, description = "Placed (or, for a repeated `Idempotency-Key`, the first result)", body = Data<OrderPlaced>,
            example = json!({"data": {"order_number": 0}})),
        (status = 400, description = "Malformed JSON or a bad `Idempotency-Key`", body = ErrorBody),
        (status = 401, description = "An order for a customer without a token, or a token this store did not sign", body = ErrorBody),
        (status = 403, description = "An order for a customer with another customer's token", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "`product not found`", body = ErrorBody),
        (status = 409, description = "Not enough stock (`insufficient stock of Tux: N available`), or an order with the same `Idempotency-Key` still in progress (retry shortly)", body = ErrorBody),
        JsonBodyRejections,
        (status = 422, description = "A missing, unknown or wrong field, a quantity out of range, no items or more than 100, or an `Idempotency-Key` reused for a different order", body = ErrorBody),
        (status = 503, description = "A service cannot answer now. `catalog service unavailable` from the orders service: nothing was bought. `orders service unavailable` (the gateway gave up waiting): the buy may have completed, so retry with the same `Idempotency-Key`", body = ErrorBody),
    )
)]
pub async fn place(
    State(gw): State<Arc<Gateway>>,
    caller: Caller,
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
    if let Some(customer) = &customer_id {
        caller.may_act_for(&gw, customer)?;
    }
    let order = NewOrder {
        customer_id,
        items,
        idempotency_key: idempotency_key(&headers)?.map(|k| format!("client:{k}")),
    };
    let placed = gw.orders.place(&order, id.as_deref()).await;
    gw.wrote(
        &placed,
        order.items.iter().map(|line| Touched::line(&line.product)),
    );
    Ok(data(placed?))
}

/// What `GET /orders/{number}` answers.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum OrderShown {
    /// An order of one product without a customer: the lab protocol's shape.
    Lab(OrderRecord),
    /// Any other order: its lines (with prices paid) and customer.
    Detail(OrderDetail),
}

/// A single-item order without a customer keeps the lab protocol's shape;
/// any other order is shown with its lines and customer.
fn shown(order: OrderDetail) -> Response {
    if order.customer_id.is_none() && order.items.len() == 1 {
        let item = &order.items[0];
        return data(OrderShown::Lab(OrderRecord {
            number: order.number,
            name: item.name.clone(),
            quantity: item.quantity,
        }));
    }
    data(OrderShown::Detail(order))
}

/// One order, by number. An order with a customer answers only that
/// customer's token (or the admin token); the lab protocol's orders, which
/// have none, answer anyone.
#[utoipa::path(
    get,
    operation_id = "get_order",
    path = "/orders/{number}",
    tag = "orders",
    security((), ("customer_token" = []), ("admin_token" = [])),
    params(("number" = u64, Path, description = "The order number (digits only)", example = 0)),
    responses(
        (status = 200, description = "The order: the lab shape for one product without a customer, else the detail", body = Data<OrderShown>,
            example = json!({"data": {"number": 0, "name": "Tux", "quantity": 1}})),
        (status = 400, description = "Not an order number", body = ErrorBody),
        (status = 401, description = "The order has a customer and no token was sent, or a token this store did not sign", body = ErrorBody),
        (status = 403, description = "The order is another customer's", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "`order not found`", body = ErrorBody),
        (status = 503, description = "The orders service cannot answer now", body = ErrorBody),
    )
)]
pub async fn one(
    State(gw): State<Arc<Gateway>>,
    caller: Caller,
    id: RequestId,
    PathParam(number): PathParam<String>,
) -> Result<Response, GatewayError> {
    // More digits than a u64 holds cannot name an existing order.
    let number = NumericKey::parse(&number)
        .number_or(GatewayError::BadOrderNumber, GatewayError::OrderNotFound)?;
    let order = gw.orders.get(number, id.as_deref()).await?;
    if let Some(customer) = &order.customer_id {
        caller.may_act_for(&gw, customer)?;
    }
    Ok(shown(order))
}

/// A page of orders, oldest first: one customer's (`customer_id`, with its
/// token or the admin token) or everyone's (the admin token).
#[utoipa::path(
    get,
    operation_id = "list_orders",
    path = "/orders",
    tag = "orders",
    security(("customer_token" = []), ("admin_token" = [])),
    params(CustomerFilter, PageQuery),
    responses(
        (status = 200, description = "Orders in number order", body = Data<Vec<OrderDetail>>),
        (status = 400, description = "A bad `customer_id`, `limit` or `offset`", body = ErrorBody),
        (status = 401, description = "No token, or a token this store did not sign", body = ErrorBody),
        (status = 403, description = "Another customer's token, or a customer token without `customer_id`", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 503, description = "The orders service cannot answer now", body = ErrorBody),
    )
)]
pub async fn list(
    State(gw): State<Arc<Gateway>>,
    caller: Caller,
    id: RequestId,
    Paged(page): Paged,
    QueryParams(filter): QueryParams<CustomerFilter>,
) -> Result<Response, GatewayError> {
    let customer = filter.customer().map_err(GatewayError::BadQuery)?;
    match &customer {
        Some(customer) => caller.may_act_for(&gw, customer)?,
        None => caller.may_see_everyone(&gw)?,
    }
    let orders = gw
        .orders
        .list(customer.as_ref(), page, id.as_deref())
        .await?;
    Ok(data(orders))
}
