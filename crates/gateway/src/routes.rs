//! The public API:
//!
//! - `GET /products` → `[{"id","name","price","quantity"}]`
//! - `GET /products/{name}` → `{"name","price","quantity"}`
//! - `POST /orders` `{"name","quantity"}` → `{"order_number"}`
//! - `GET /orders/{number}` → `{"number","name","quantity"}`
//! - `GET /health`

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use storefront_service_kit::{JsonBody, PathParam, RequestId, data};
use storefront_wire::api::{PlaceOrder, ProductListing, ProductQuote};
use storefront_wire::internal::Health;
use storefront_wire::{Money, ProductName};

use crate::{Gateway, GatewayError};

pub fn routes(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/products", get(list_products))
        .route("/products/{name}", get(product))
        .route("/orders", post(place_order))
        .route("/orders/{number}", get(order))
        .route("/health", get(health))
        .with_state(gateway)
}

async fn list_products(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
) -> Result<Response, GatewayError> {
    let cached = gw.product_cache.as_ref().and_then(|c| c.products());
    let products = match cached {
        Some(products) => products,
        None => gw.catalog.products(id.as_deref()).await?,
    };
    let listing: Vec<ProductListing> = products
        .into_iter()
        .map(|p| ProductListing {
            id: p.id,
            name: p.name,
            price: Money::from_cents(p.price_cents),
            quantity: p.quantity,
        })
        .collect();
    Ok(data(listing))
}

async fn product(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(name): PathParam<String>,
) -> Result<Response, GatewayError> {
    let name = ProductName::parse(name).map_err(GatewayError::InvalidName)?;
    let cached = gw
        .product_cache
        .as_ref()
        .and_then(|c| c.product(name.as_str()));
    let p = match cached {
        Some(hit) => hit.ok_or(GatewayError::ProductNotFound)?,
        None => {
            gw.catalog
                .product_by_name(name.as_str(), id.as_deref())
                .await?
        }
    };
    Ok(data(ProductQuote {
        name: p.name,
        price: Money::from_cents(p.price_cents),
        quantity: p.quantity,
    }))
}

async fn place_order(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    JsonBody(order): JsonBody<PlaceOrder>,
) -> Result<Response, GatewayError> {
    let placed = gw.orders.place(&order, id.as_deref()).await?;
    Ok(data(placed))
}

async fn order(
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
    let record = gw.orders.get(number, id.as_deref()).await?;
    Ok(data(record))
}

async fn health() -> Response {
    data(Health {
        role: "gateway".into(),
        status: "ok".into(),
        unresolved_orders: None,
    })
}
