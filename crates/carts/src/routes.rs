//! The carts service's HTTP API (the gateway relays the public paths to it
//! unchanged, after checking the admin token on the admin lists):
//!
//! - `GET /carts/{customer_id}` → the open cart, priced now.
//! - `POST /carts/{customer_id}` `{"product_id","quantity"}` → 201 + cart.
//! - `PUT /carts/{customer_id}/{product_id}` `{"quantity"}` → cart.
//! - `DELETE /carts/{customer_id}/{product_id}` → 204.
//! - `POST /carts/{customer_id}/checkout` (optional `Idempotency-Key`) →
//!   `{"order_number"}`.
//! - `GET /carts`, `GET /cart_items` (`?limit&offset`) → every cart, every line.
//! - `GET /health`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use http::{HeaderMap, StatusCode};
use storefront_service_kit::{JsonBody, Paged, PathParam, RequestId, data};
use storefront_wire::api::OrderPlaced;
use storefront_wire::internal::Health;
use storefront_wire::shop::{AddToCart, SetCartQuantity};
use storefront_wire::{CustomerId, Data, NumericKey};

use crate::checkout::client_key;
use crate::{Carts, CartsError};

pub fn routes(carts: Arc<Carts>) -> Router {
    Router::new()
        .route("/carts", get(all_carts))
        .route("/cart_items", get(all_items))
        .route("/carts/{customer_id}", get(view).post(add))
        .route("/carts/{customer_id}/checkout", post(checkout))
        .route(
            "/carts/{customer_id}/{product_id}",
            put(set_quantity).delete(remove),
        )
        .route("/health", get(health))
        .with_state(carts)
}

fn customer(text: String) -> Result<CustomerId, CartsError> {
    CustomerId::parse(text).map_err(CartsError::BadRequest)
}

/// Plain decimal digits only, as the gateway requires.
fn product_id(text: &str) -> Result<i64, CartsError> {
    let bad = || CartsError::BadRequest("product id must be a whole number".into());
    NumericKey::parse(text).number_or(bad(), bad())
}

async fn view(
    State(carts): State<Arc<Carts>>,
    request_id: RequestId,
    PathParam(customer_id): PathParam<String>,
) -> Result<Response, CartsError> {
    let customer = customer(customer_id)?;
    Ok(data(carts.view(&customer, request_id.as_deref()).await?))
}

async fn add(
    State(carts): State<Arc<Carts>>,
    request_id: RequestId,
    PathParam(customer_id): PathParam<String>,
    JsonBody(item): JsonBody<AddToCart>,
) -> Result<Response, CartsError> {
    let customer = customer(customer_id)?;
    let request_id = request_id.as_deref();
    let cart = carts
        .add(&customer, item.product_id, item.quantity, request_id)
        .await?;
    let cart = carts.price(cart, request_id).await?;
    Ok((StatusCode::CREATED, Json(Data::new(cart))).into_response())
}

async fn set_quantity(
    State(carts): State<Arc<Carts>>,
    request_id: RequestId,
    PathParam((customer_id, product)): PathParam<(String, String)>,
    JsonBody(change): JsonBody<SetCartQuantity>,
) -> Result<Response, CartsError> {
    let customer = customer(customer_id)?;
    let product = product_id(&product)?;
    let request_id = request_id.as_deref();
    let cart = carts
        .set_quantity(&customer, product, change.quantity, request_id)
        .await?;
    Ok(data(carts.price(cart, request_id).await?))
}

async fn remove(
    State(carts): State<Arc<Carts>>,
    PathParam((customer_id, product)): PathParam<(String, String)>,
) -> Result<Response, CartsError> {
    let customer = customer(customer_id)?;
    carts.remove(&customer, product_id(&product)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn checkout(
    State(carts): State<Arc<Carts>>,
    request_id: RequestId,
    headers: HeaderMap,
    PathParam(customer_id): PathParam<String>,
) -> Result<Response, CartsError> {
    let customer = customer(customer_id)?;
    let key = client_key(&headers)?;
    let order_number = carts
        .checkout(&customer, key.as_deref(), request_id.as_deref())
        .await?;
    Ok(data(OrderPlaced { order_number }))
}

async fn all_carts(
    State(carts): State<Arc<Carts>>,
    Paged(page): Paged,
) -> Result<Response, CartsError> {
    Ok(data(carts.store().carts(page).await?))
}

async fn all_items(
    State(carts): State<Arc<Carts>>,
    Paged(page): Paged,
) -> Result<Response, CartsError> {
    Ok(data(carts.store().cart_items(page).await?))
}

async fn health() -> Response {
    data(Health {
        role: "carts".into(),
        status: "ok".into(),
        unresolved_orders: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_ids_are_plain_digits() {
        assert_eq!(product_id("42").unwrap(), 42);
        for bad in ["", "-1", "+1", "1.0", "abc", "99999999999999999999"] {
            assert!(product_id(bad).is_err(), "{bad}");
        }
    }
}
