//! The orders service's internal HTTP API (called by the gateway):
//!
//! - `POST /orders` `NewOrder` → `{"order_number"}` (idempotent by key).
//! - `GET /orders/{number}` → `OrderDetail`.
//! - `GET /orders?customer_id&limit&offset` → a page of `OrderDetail`.
//! - `GET /health` → status and the count of unresolved attempts.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use storefront_service_kit::{JsonBody, Paged, PathParam, QueryParams, RequestId, data};
use storefront_wire::NumericKey;
use storefront_wire::api::OrderPlaced;
use storefront_wire::internal::{Health, NewOrder};
use storefront_wire::shop::CustomerFilter;

use crate::{OrderDesk, OrdersError, OrdersStore};

pub fn routes<S: OrdersStore>(desk: Arc<OrderDesk<S>>) -> Router {
    Router::new()
        .route("/orders", post(place::<S>).get(list::<S>))
        .route("/orders/{number}", get(order::<S>))
        .route("/health", get(health::<S>))
        .with_state(desk)
}

async fn place<S: OrdersStore>(
    State(desk): State<Arc<OrderDesk<S>>>,
    request_id: RequestId,
    JsonBody(order): JsonBody<NewOrder>,
) -> Result<Response, OrdersError> {
    // Runs to its end even if the caller disconnects (`finish_router`): a
    // saga cancelled between reserve and confirm would leave stock held for
    // an attempt nobody is resolving until recovery's next sweep.
    let order_number = desk.place(order, request_id.as_deref()).await?;
    Ok(data(OrderPlaced { order_number }))
}

async fn order<S: OrdersStore>(
    State(desk): State<Arc<OrderDesk<S>>>,
    PathParam(number): PathParam<String>,
) -> Result<Response, OrdersError> {
    let number = parse_order_number(&number)?;
    Ok(data(desk.order(number).await?))
}

async fn list<S: OrdersStore>(
    State(desk): State<Arc<OrderDesk<S>>>,
    Paged(page): Paged,
    QueryParams(filter): QueryParams<CustomerFilter>,
) -> Result<Response, OrdersError> {
    let customer = filter.customer().map_err(OrdersError::BadQuery)?;
    Ok(data(desk.orders(customer, page).await?))
}

/// Plain decimal digits only: no sign, no spaces, no hex.
pub fn parse_order_number(text: &str) -> Result<u64, OrdersError> {
    NumericKey::parse(text).number_or(OrdersError::BadOrderNumber, OrdersError::OrderNotFound)
}

async fn health<S: OrdersStore>(State(desk): State<Arc<OrderDesk<S>>>) -> Response {
    data(Health {
        role: "orders".into(),
        status: "ok".into(),
        unresolved_orders: Some(desk.reconciler().unresolved()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_plain_digits() {
        assert_eq!(parse_order_number("0").unwrap(), 0);
        assert_eq!(parse_order_number("42").unwrap(), 42);
        for bad in ["", "-1", "+1", "1.0", "abc", " 1"] {
            assert!(
                matches!(parse_order_number(bad), Err(OrdersError::BadOrderNumber)),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_order_number("99999999999999999999999"),
            Err(OrdersError::OrderNotFound)
        ));
    }
}
