//! The public API, one file per resource:
//!
//! - [`products`]: the lab protocol's queries, product records by id, and
//!   administration (admin token).
//! - [`orders`]: placing orders (lab and multi-item forms, idempotency keys),
//!   reading one, listing them.
//! - [`carts`]: carts and checkout, relayed to the carts service.
//! - `GET /health`.

pub mod carts;
pub mod orders;
pub mod products;

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post, put};
use storefront_service_kit::data;
use storefront_wire::internal::Health;

use crate::Gateway;

pub fn routes(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/products", get(products::list).post(products::create))
        .route(
            "/products/{key}",
            get(products::one)
                .put(products::update)
                .delete(products::delete),
        )
        .route("/orders", post(orders::place).get(orders::list))
        .route("/orders/{number}", get(orders::one))
        .route("/carts", get(carts::all_carts))
        .route("/cart_items", get(carts::all_items))
        .route("/carts/{customer}", get(carts::view).post(carts::add))
        .route(
            "/carts/{customer}/{product}",
            put(carts::set_quantity).delete(carts::remove),
        )
        .route("/carts/{customer}/checkout", post(carts::checkout))
        .route("/health", get(health))
        .with_state(gateway)
}

async fn health() -> Response {
    data(Health {
        role: "gateway".into(),
        status: "ok".into(),
        unresolved_orders: None,
    })
}
