//! What every router gets: JSON fallbacks for unknown paths and methods, and
//! the body limits the [`crate::JsonBody`] extractor reads; and a layer for
//! services whose handlers must not be cut short.

use axum::extract::Request;
use axum::middleware::Next;
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

/// Adds the JSON 404 and 405 fallbacks and the body limits to a router, and
/// runs every request that may write to its end ([`run_to_completion`]).
/// Every service's router is finished here, so that rule holds everywhere
/// at this one depth.
pub fn finish_router(router: Router, limits: BodyLimits) -> Router {
    router
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(limits))
        .layer(axum::middleware::from_fn(run_to_completion))
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

/// Runs the handler of each request that may write (any method but `GET`,
/// `HEAD` and `OPTIONS`) in a task of its own and waits for it, so a client
/// that hangs up (or a caller's timeout) cannot cancel it half-way through a
/// multi-step write: a buy's saga between reserve and confirm, a checkout
/// between its order and recording it. Dropping a database future mid-way
/// is not safe with every driver either: sqlx can hand back a connection
/// still inside a cancelled `BEGIN`, and the next statement on it silently
/// joins that transaction. Reads run inline: they leave nothing half-done,
/// and a task per read would cost every query.
async fn run_to_completion(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(failure) => ApiError::internal(&failure).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use axum::routing::post;

    use super::*;

    #[tokio::test]
    async fn a_handler_runs_to_its_end_after_the_caller_gives_up() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        let router: Router = Router::new()
            .route(
                "/slow",
                post(move || async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    flag.store(true, Ordering::SeqCst);
                }),
            )
            .layer(axum::middleware::from_fn(run_to_completion));
        let call = tower::ServiceExt::oneshot(
            router,
            Request::builder()
                .method(Method::POST)
                .uri("/slow")
                .body(axum::body::Body::empty())
                .unwrap(),
        );
        // The caller gives up long before the handler is done.
        assert!(
            tokio::time::timeout(Duration::from_millis(5), call)
                .await
                .is_err()
        );
        for _ in 0..100 {
            if finished.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the handler was cancelled with its caller");
    }
}
