//! The catalog's internal HTTP API (called by the gateway and orders):
//!
//! - `GET /products?limit&offset`, `GET /products/{name|id}`: products with
//!   prices in cents.
//! - `GET /public/products?limit&offset`, `GET /public/products/{name|id}`:
//!   the same in the public API's shapes (a quote for a name, the record for
//!   an id, listings for a page), which a gateway passes on to its client
//!   without parsing and rendering them again.
//! - `POST /products`, `PUT /products/{id}`, `DELETE /products/{id}`:
//!   administration (the gateway checks the admin token before relaying).
//! - `POST /reservations`: take stock for every line of an order attempt,
//!   all or none (idempotent by key).
//! - `DELETE /reservations/{key}`: give it back and close the key.
//! - `GET /product-changes?epoch=E&after=V&wait_ms=T`: the product list as
//!   soon as the catalog's version passes `V` (or its epoch is not `E`), or
//!   after `T` ms: a long poll that gateways use to keep a product cache.
//! - `GET /health`.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde::Deserialize;
use storefront_service_kit::{ApiError, JsonBody, Paged, PathParam, QueryParams, created, data};
use storefront_wire::api::{ProductListing, ProductQuote};
use storefront_wire::internal::{
    CatalogProduct, Deleted, Health, ProductChanges, Released, ReserveStock,
};
use storefront_wire::shop::{MAX_ORDER_LINES, Page, ProductDraft, ProductRecord, ProductRef};
use storefront_wire::{NumericKey, ProductKey};
use tokio_util::sync::CancellationToken;

use crate::store::AdminOutcome;
use crate::{CatalogError, CatalogStore, Product, ReserveOutcome};

pub fn routes<S: CatalogStore>(store: Arc<S>, shutdown: CancellationToken) -> Router {
    Router::new()
        .route(
            "/products",
            get(list_products::<S>).post(create_product::<S>),
        )
        .route(
            "/products/{key}",
            get(product::<S>)
                .put(update_product::<S>)
                .delete(delete_product::<S>),
        )
        .route("/public/products", get(list_public_products::<S>))
        .route("/public/products/{key}", get(public_product::<S>))
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
    Paged(page): Paged,
) -> Result<Response, CatalogError> {
    let products: Vec<CatalogProduct> = store
        .products(page)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(data(products))
}

/// `/products/{key}`: an all-digit key is an id, anything else a name
/// (names always contain a non-digit, so the two never collide).
async fn product<S: CatalogStore>(
    State(store): State<Arc<S>>,
    PathParam(key): PathParam<String>,
) -> Result<Response, CatalogError> {
    let (product, _) = find(&*store, key).await?;
    Ok(data(CatalogProduct::from(product)))
}

/// The product a `{key}` names (an all-digit key is an id, anything else a
/// name; names always contain a non-digit, so the two never collide), and
/// whether it was named by id.
async fn find<S: CatalogStore>(store: &S, key: String) -> Result<(Product, bool), CatalogError> {
    let (product, by_id) = match ProductKey::parse(key).map_err(CatalogError::InvalidName)? {
        ProductKey::Id(id) => (store.product_by_id(id).await?, true),
        ProductKey::UnknownId => (None, true),
        ProductKey::Name(name) => (store.product_by_name(name.as_str()).await?, false),
    };
    Ok((product.ok_or(CatalogError::ProductNotFound)?, by_id))
}

async fn list_public_products<S: CatalogStore>(
    State(store): State<Arc<S>>,
    Paged(page): Paged,
) -> Result<Response, CatalogError> {
    let listings: Vec<ProductListing> = store
        .products(page)
        .await?
        .into_iter()
        .map(|p| CatalogProduct::from(p).into())
        .collect();
    Ok(data(listings))
}

/// `/public/products/{key}`: what the gateway's `GET /products/{key}`
/// answers, a quote for a name and the full record for an id.
async fn public_product<S: CatalogStore>(
    State(store): State<Arc<S>>,
    PathParam(key): PathParam<String>,
) -> Result<Response, CatalogError> {
    let (product, by_id) = find(&*store, key).await?;
    let product = CatalogProduct::from(product);
    Ok(if by_id {
        data(ProductRecord::from(product))
    } else {
        data(ProductQuote::from(product))
    })
}

/// Any key that is not an id names no product that can be changed.
fn product_id(key: &str) -> Result<i64, CatalogError> {
    NumericKey::parse(key).number_or(CatalogError::ProductNotFound, CatalogError::ProductNotFound)
}

async fn create_product<S: CatalogStore>(
    State(store): State<Arc<S>>,
    JsonBody(draft): JsonBody<ProductDraft>,
) -> Result<Response, CatalogError> {
    draft.validate().map_err(CatalogError::InvalidProduct)?;
    let product = admin_result(store.create_product(draft).await?)?;
    Ok(created(CatalogProduct::from(product)))
}

async fn update_product<S: CatalogStore>(
    State(store): State<Arc<S>>,
    PathParam(key): PathParam<String>,
    JsonBody(draft): JsonBody<ProductDraft>,
) -> Result<Response, CatalogError> {
    let id = product_id(&key)?;
    draft.validate().map_err(CatalogError::InvalidProduct)?;
    let product = admin_result(store.update_product(id, draft).await?)?;
    Ok(data(CatalogProduct::from(product)))
}

async fn delete_product<S: CatalogStore>(
    State(store): State<Arc<S>>,
    PathParam(key): PathParam<String>,
) -> Result<Response, CatalogError> {
    let id = product_id(&key)?;
    if !store.delete_product(id).await? {
        return Err(CatalogError::ProductNotFound);
    }
    Ok(data(Deleted { deleted: true }))
}

fn admin_result(outcome: AdminOutcome) -> Result<Product, CatalogError> {
    match outcome {
        AdminOutcome::Done(product) => Ok(product),
        AdminOutcome::NotFound => Err(CatalogError::ProductNotFound),
        AdminOutcome::DuplicateName => Err(CatalogError::DuplicateName),
    }
}

async fn reserve<S: CatalogStore>(
    State(store): State<Arc<S>>,
    JsonBody(request): JsonBody<ReserveStock>,
) -> Result<Response, CatalogError> {
    if request.items.is_empty() || request.items.len() > MAX_ORDER_LINES {
        return Err(CatalogError::BadLineCount(MAX_ORDER_LINES));
    }
    match store.reserve(request).await? {
        ReserveOutcome::Reserved(reservation) => Ok(data(reservation)),
        ReserveOutcome::UnknownProduct(product) => {
            Err(CatalogError::LineProductNotFound(match product {
                ProductRef::Name(name) => name.to_string(),
                ProductRef::Id(id) => format!("#{id}"),
            }))
        }
        ReserveOutcome::InsufficientStock { product, available } => {
            Err(CatalogError::InsufficientStock { product, available })
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
    QueryParams(query): QueryParams<ChangesQuery>,
) -> Result<Response, ApiError> {
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
    // The change feed carries the whole list; it is meant for catalogs of a
    // size a gateway can cache.
    let everything = Page {
        limit: u32::MAX,
        offset: 0,
    };
    let products = store
        .products(everything)
        .await
        .map_err(CatalogError::from)?;
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
