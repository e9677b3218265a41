//! The catalog's internal HTTP API (called by the gateway and orders):
//!
//! - `GET /products`, `GET /products/{name}`: products with prices in cents.
//! - `POST /reservations`: take stock for an order attempt (idempotent by key).
//! - `DELETE /reservations/{key}`: give it back and close the key.
//! - `GET /product-changes?epoch=E&after=V&wait_ms=T`: the product list as
//!   soon as the catalog's version passes `V` (or its epoch is not `E`), or
//!   after `T` ms: a long poll that gateways use to keep a product cache.
//! - `GET /health`.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Extension;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde::Deserialize;
use storefront_service_kit::{ApiError, JsonBody, PathParam, data};
use storefront_wire::ProductName;
use storefront_wire::internal::{CatalogProduct, Health, ProductChanges, Released, ReserveStock};
use tokio_util::sync::CancellationToken;

use crate::{CatalogError, CatalogStore, ReserveOutcome};

pub fn routes<S: CatalogStore>(store: Arc<S>, shutdown: CancellationToken) -> Router {
    Router::new()
        .route("/products", get(list_products::<S>))
        .route("/products/{name}", get(product_by_name::<S>))
        .route(
            "/product-changes",
            get(product_changes::<S>).layer(Extension(shutdown)),
        )
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

/// Longest a long poll is held open.
const MAX_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    epoch: Option<String>,
    after: Option<u64>,
    wait_ms: Option<u64>,
}

/// Identifies this catalog process: versions start over when it restarts,
/// so a subscriber holding another epoch gets the full list at once.
fn epoch() -> &'static str {
    static EPOCH: OnceLock<String> = OnceLock::new();
    EPOCH.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        format!("{:x}-{nanos:x}", std::process::id())
    })
}

async fn product_changes<S: CatalogStore>(
    State(store): State<Arc<S>>,
    Extension(shutdown): Extension<CancellationToken>,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let mut versions = store.versions();
    let known = query.epoch.as_deref() == Some(epoch());
    let newer = |version: &u64| !known || query.after.is_none_or(|after| *version > after);
    let wait = Duration::from_millis(query.wait_ms.unwrap_or(20_000)).min(MAX_WAIT);
    // Returns at once if already newer; otherwise when it becomes newer, when
    // the wait is over (the subscriber then simply asks again), or when the
    // catalog starts shutting down (so a long poll never holds up the drain).
    tokio::select! {
        _ = tokio::time::timeout(wait, versions.wait_for(newer)) => {}
        () = shutdown.cancelled() => {}
    }
    let version = *versions.borrow();
    let products = store.products().await.map_err(CatalogError::from)?;
    Ok(data(ProductChanges {
        epoch: epoch().to_owned(),
        version,
        products: products.into_iter().map(Into::into).collect(),
    }))
}

async fn health() -> Response {
    data(Health {
        role: "catalog".into(),
        status: "ok".into(),
        unresolved_orders: None,
    })
}
