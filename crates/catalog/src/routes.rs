//! The catalog's internal HTTP API (called by the gateway and orders):
//!
//! - `GET /products`, `GET /products/{name}`: products with prices in cents.
//! - `POST /reservations`: take stock for an order attempt (idempotent by key).
//! - `DELETE /reservations/{key}`: give it back and close the key.
//! - `GET /health`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{delete, get, post};
use storefront_service_kit::{JsonBody, PathParam, data};
use storefront_wire::ProductName;
use storefront_wire::internal::{CatalogProduct, Health, Released, ReserveStock};

use crate::{CatalogError, CatalogStore, ReserveOutcome};

pub fn routes<S: CatalogStore>(store: Arc<S>) -> Router {
    Router::new()
        .route("/products", get(list_products::<S>))
        .route("/products/{name}", get(product_by_name::<S>))
        .route("/reservations", post(reserve::<S>))
        .route("/reservations/{key}", delete(release::<S>))
        .route("/health", get(health))
        .with_state(store)
}

async fn list_products<S: CatalogStore>(
    State(store): State<Arc<S>>,
) -> Result<Response, CatalogError> {
    let products: Vec<CatalogProduct> = store
        .products()
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(data(products))
}

async fn product_by_name<S: CatalogStore>(
    State(store): State<Arc<S>>,
    PathParam(name): PathParam<String>,
) -> Result<Response, CatalogError> {
    let name = ProductName::parse(name).map_err(CatalogError::InvalidName)?;
    let product = store
        .product_by_name(name.as_str())
        .await?
        .ok_or(CatalogError::ProductNotFound)?;
    Ok(data(CatalogProduct::from(product)))
}

async fn reserve<S: CatalogStore>(
    State(store): State<Arc<S>>,
    JsonBody(request): JsonBody<ReserveStock>,
) -> Result<Response, CatalogError> {
    match store.reserve(request).await? {
        ReserveOutcome::Reserved(reservation) => Ok(data(reservation)),
        ReserveOutcome::UnknownProduct => Err(CatalogError::ProductNotFound),
        ReserveOutcome::InsufficientStock { available } => {
            Err(CatalogError::InsufficientStock { available })
        }
        ReserveOutcome::AttemptClosed => Err(CatalogError::AttemptClosed),
    }
}

async fn release<S: CatalogStore>(
    State(store): State<Arc<S>>,
    PathParam(key): PathParam<String>,
) -> Result<Response, CatalogError> {
    let returned_to_stock = store.release(key).await?;
    Ok(data(Released { returned_to_stock }))
}

async fn health() -> Response {
    data(Health {
        role: "catalog".into(),
        status: "ok".into(),
        unresolved_orders: None,
    })
}
