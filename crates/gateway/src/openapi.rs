//! The frame of the gateway's OpenAPI document: title, tags, the admin and
//! customer security schemes and the shared error shape. The paths and schemas come
//! from the handlers' `#[utoipa::path]` annotations as the router registers
//! them (see [`crate::routes`]).

use axum::body::Bytes;
use storefront_wire::ErrorBody;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Name of the security scheme the administration routes require.
pub const ADMIN_TOKEN: &str = "admin_token";

/// Name of the security scheme a customer's routes accept.
pub const CUSTOMER_TOKEN: &str = "customer_token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Storefront",
        description = "The public REST API of the Storefront gateway: the lab protocol \
            (`GET /products/{name}`, `POST /orders`, `GET /orders/{number}`) and the shop \
            (product records and administration, multi-item orders, carts and checkout).\n\n\
            Success is `{\"data\": …}`; every failure is `{\"error\":{\"code\",\"message\"}}` \
            with `code` equal to the HTTP status. Besides the statuses listed per route, any \
            route may answer 404 (unknown path), 405 (method not allowed) or 500 (never \
            expected; the message is only `internal error`). Every reply carries an \
            `x-request-id` header (the caller's own, or one the gateway made).\n\n\
            A customer's cart, checkout and orders need its token (`POST /customers` makes a \
            customer and its first token) or the admin token; the lab protocol needs none.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(served_by_every_service::ready, served_by_every_service::metrics),
    modifiers(&TokenSchemes),
    components(schemas(ErrorBody)),
    tags(
        (name = "products", description = "Product queries (lab protocol) and records; administration needs the admin token"),
        (name = "orders", description = "Placing and reading orders; `POST /orders` takes an `Idempotency-Key`"),
        (name = "carts", description = "Shopping carts and checkout; the customer's token or the admin token"),
        (name = "customers", description = "New customers and their tokens"),
        (name = "health", description = "Liveness (`/health`), readiness (`/ready`) and the process's metrics (`/metrics`)"),
        (name = "docs", description = "This document and its interactive page"),
    )
)]
struct ApiFrame;

/// Routes every service's router gets from
/// [`storefront_service_kit::finish_router`], described here because the
/// gateway serves them too. The functions only carry the descriptions.
#[allow(dead_code)] // Never called: the routes are service-kit's.
mod served_by_every_service {
    use storefront_wire::internal::Ready;
    use storefront_wire::{Data, ErrorBody};

    /// Ready when every peer (catalog, orders, carts) answers its `/health`,
    /// each within 2 s. Kubernetes' readiness probe and compose's
    /// healthcheck ask this; `/health` is liveness only.
    #[utoipa::path(
        get,
        operation_id = "ready",
        path = "/ready",
        tag = "health",
        responses(
            (status = 200, description = "The gateway can serve", body = Data<Ready>,
                example = json!({"data": {"role": "gateway", "status": "ready",
                    "checks": {"carts": "ok", "catalog": "ok", "orders": "ok"}}})),
            (status = 503, description = "A peer does not answer; the message names each", body = ErrorBody,
                example = json!({"error": {"code": 503, "message":
                    "gateway is not ready: orders: orders is unavailable: connection refused"}})),
        )
    )]
    async fn ready() {}

    /// The gateway process's metrics in the Prometheus text format (request
    /// counts and latencies by route, peer calls, the product cache,
    /// process CPU and memory). No token: keep it off a public ingress.
    #[utoipa::path(
        get,
        operation_id = "metrics",
        path = "/metrics",
        tag = "health",
        responses(
            (status = 200, description = "Prometheus text format 0.0.4", body = String,
                content_type = "text/plain; version=0.0.4"),
            (status = 404, description = "Metrics are switched off (`metrics = false`)", body = ErrorBody),
        )
    )]
    async fn metrics() {}
}

/// The document's frame, before the routes add their paths.
pub fn api_description() -> utoipa::openapi::OpenApi {
    ApiFrame::openapi()
}

/// Adds the bearer-token schemes that `security((ADMIN_TOKEN = []))` and
/// `security((CUSTOMER_TOKEN = []))` name.
struct TokenSchemes;

impl Modify for TokenSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            ADMIN_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The gateway's admin token (`gateway.admin_token`, \
                         `STOREFRONT_ADMIN_TOKEN`; `storefront up` prints it). \
                         Without it, or when none is configured: 401.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            CUSTOMER_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A customer's token, from `POST /customers` or `POST \
                         /customers/{customer_id}/tokens`; it opens that customer's cart, \
                         checkout and orders only (403 for another's). Expired or not signed \
                         by this store: 401.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The serialized document, made once when the router is built and shared
/// by every `GET /openapi.json`.
#[derive(Clone, Debug, Default)]
pub struct ApiDocument(pub Bytes);

impl ApiDocument {
    pub fn new(document: &utoipa::openapi::OpenApi) -> Self {
        // Built at start-up from plain maps and strings: it cannot fail.
        let json = document
            .to_json()
            .expect("an OpenAPI document always serializes");
        // utoipa 5.5 writes a Link Object's `operationId` as `operation_id`
        // (its struct lacks serde's camelCase renaming). Only that field can
        // be written so: a description holding the text would have its
        // quotes escaped.
        let json = json.replace("\"operation_id\":", "\"operationId\":");
        Self(Bytes::from(json))
    }
}

/// The replies every route with a JSON body may give before its handler
/// runs ([`storefront_service_kit::JsonBody`]'s rejections), listed in a
/// route's `responses(…)` by this one name instead of three rows each.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Never built: it only describes replies.
pub enum JsonBodyRejections {
    #[response(status = 408, description = "The body arrived too slowly")]
    TooSlow(ErrorBody),
    #[response(
        status = 413,
        description = "The body is larger than `http.max_body_bytes`"
    )]
    TooLarge(ErrorBody),
    #[response(
        status = 415,
        description = "The body is not `Content-Type: application/json`"
    )]
    NotJson(ErrorBody),
}
