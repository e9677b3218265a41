//! What every router gets: JSON fallbacks for unknown paths and methods, and
//! the body limits the [`crate::JsonBody`] extractor reads.

use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use http::{Method, StatusCode, Uri};
use serde::Serialize;
use storefront_wire::Data;

use crate::ApiError;
use crate::json::BodyLimits;

/// A `200 {"data": …}` reply.
pub fn data<T: Serialize>(value: T) -> Response {
    Json(Data::new(value)).into_response()
}

/// `201 Created` with `{"data": value}`.
pub fn created<T: Serialize>(value: T) -> Response {
    (http::StatusCode::CREATED, Json(Data::new(value))).into_response()
}

/// Adds the JSON 404 and 405 fallbacks and the body limits to a router.
pub fn finish_router(router: Router, limits: BodyLimits) -> Router {
    router
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(limits))
}

async fn unknown_path(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such resource: {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} is not allowed on {}", uri.path()),
    )
}
