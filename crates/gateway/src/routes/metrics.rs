//! `GET /metrics/{service}`: a peer's `/metrics` page, relayed. The gateway
//! is often the only service a client can reach (compose publishes only its
//! port; Kubernetes, only its Service), so this is how `storefront load
//! --server-metrics` sees the whole store from the one address it loads.
//! The gateway's own page is `GET /metrics`, served by every service.
//!
//! With replicas, each scrape reaches whichever replica the peer's address
//! leads to; a Prometheus should scrape the pods themselves.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, header};
use storefront_service_kit::PathParam;
use storefront_wire::{ErrorBody, ServiceClient};

use crate::{Gateway, GatewayError};

/// A peer's metrics in the Prometheus text format, as that service
/// renders them. No token, as `/metrics`: keep both off a public ingress.
#[utoipa::path(
    get,
    operation_id = "peer_metrics",
    path = "/metrics/{service}",
    tag = "health",
    params(("service" = String, Path, description = "`catalog`, `orders` or `carts`")),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String,
            content_type = "text/plain; version=0.0.4"),
        (status = 404, description = "No such service, or its metrics are switched off", body = ErrorBody),
        (status = 503, description = "The service does not answer", body = ErrorBody),
    )
)]
pub async fn peer_metrics(
    State(gw): State<Arc<Gateway>>,
    PathParam(service): PathParam<String>,
) -> Result<Response, GatewayError> {
    let peer: &ServiceClient = match service.as_str() {
        "catalog" => gw.catalog.as_ref(),
        "orders" => gw.orders.as_ref(),
        "carts" => &gw.carts,
        _ => return Err(GatewayError::UnknownService(service)),
    };
    let (status, body) = peer
        .relay(Method::GET, "/metrics", Bytes::new(), &[])
        .await?;
    let content_type = if status == StatusCode::OK {
        "text/plain; version=0.0.4"
    } else {
        "application/json"
    };
    Ok((status, [(header::CONTENT_TYPE, content_type)], body).into_response())
}
