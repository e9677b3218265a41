//! The public API, one file per resource:
//!
//! - [`products`]: the lab protocol's queries, product records by id, and
//!   administration (admin token).
//! - [`orders`]: placing orders (lab and multi-item forms, idempotency keys),
//!   reading one, listing them.
//! - [`carts`]: carts and checkout, relayed to the carts service.
//! - [`customers`]: new customers and their tokens.
//! - [`docs`]: the OpenAPI document and the Swagger UI page.
//! - [`index`]: `GET /`, the shop for browsers, a map for API clients.
//! - [`metrics`]: the peers' `/metrics` pages, relayed.
//! - `GET /health`.
//!
//! Every route is registered through utoipa-axum's [`OpenApiRouter`] from a
//! handler annotated with `#[utoipa::path]`, so a route cannot be served
//! without appearing in `/openapi.json` (the path and method the router
//! uses are the ones the document shows). The web pages
//! ([`crate::pages`]) are merged in beside them: HTML for browsers, not
//! part of the API.

pub mod carts;
pub mod customers;
pub mod docs;
pub mod index;
pub mod metrics;
pub mod orders;
pub mod products;

use std::sync::Arc;

use axum::response::Response;
use storefront_service_kit::data;
use storefront_wire::Data;
use storefront_wire::internal::Health;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::Gateway;
use crate::openapi::{ApiDocument, api_description};

/// Every route of the gateway with its OpenAPI description; `document` is
/// what `GET /openapi.json` serves.
fn documented_routes(document: ApiDocument) -> OpenApiRouter<Arc<Gateway>> {
    OpenApiRouter::with_openapi(api_description())
        .routes(routes!(products::list, products::create))
        .routes(routes!(products::one, products::update, products::delete))
        .routes(routes!(orders::place, orders::list))
        .routes(routes!(orders::one))
        .routes(routes!(carts::all_carts))
        .routes(routes!(carts::all_items))
        .routes(routes!(carts::view, carts::add))
        .routes(routes!(carts::set_quantity, carts::remove))
        .routes(routes!(carts::checkout))
        .routes(routes!(customers::create))
        .routes(routes!(customers::issue_token))
        .routes(routes!(index::index))
        .routes(routes!(health))
        .routes(routes!(metrics::peer_metrics))
        // On this route only, so other requests do not pay for the extension.
        .routes(routes!(docs::openapi_json).layer(axum::Extension(document)))
        .routes(routes!(docs::swagger_ui))
        .routes(routes!(docs::swagger_asset))
}

/// The OpenAPI document of the gateway's routes (what `GET /openapi.json`
/// serves).
pub fn openapi() -> utoipa::openapi::OpenApi {
    // The document does not depend on what the route serves, so a first
    // pass with a placeholder yields it; then the links between replies and
    // the requests they lead to.
    let mut document = documented_routes(ApiDocument::default()).into_openapi();
    crate::openapi_links::add_links(&mut document);
    document
}

pub fn routes(gateway: Arc<Gateway>) -> axum::Router {
    let document = ApiDocument::new(&openapi());
    axum::Router::from(documented_routes(document))
        .merge(crate::pages::routes())
        .with_state(gateway)
}

/// The gateway is up (it does not ask its peers).
#[utoipa::path(
    get,
    operation_id = "health",
    path = "/health",
    tag = "health",
    responses((status = 200, description = "The gateway answers", body = Data<Health>,
        example = json!({"data": {"role": "gateway", "status": "ok"}})))
)]
async fn health() -> Response {
    data(Health {
        role: "gateway".into(),
        status: "ok".into(),
        unresolved_orders: None,
    })
}
