//! What every router gets: JSON fallbacks for unknown paths and methods, and
//! the body limits the [`crate::JsonBody`] extractor reads; and a layer for
//! services whose handlers must not be cut short.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use http::{Method, StatusCode, Uri};
use serde::Serialize;
use storefront_wire::Data;
use tokio::task::JoinHandle;
use tower::{Layer, Service};

use crate::ApiError;
use crate::json::BodyLimits;
use crate::metrics::HttpMetricsLayer;
use crate::readiness::{Readiness, ready};
use crate::request_context::RequestContextLayer;

/// A `200 {"data": …}` reply.
pub fn data<T: Serialize>(value: T) -> Response {
    Json(Data::new(value)).into_response()
}

/// `201 Created` with `{"data": value}`.
pub fn created<T: Serialize>(value: T) -> Response {
    (http::StatusCode::CREATED, Json(Data::new(value))).into_response()
}

/// Adds `/metrics`, `/ready` (what `readiness` lists), the JSON 404 and
/// 405 fallbacks and the body limits to a router; runs every request that
/// may write to its end ([`RunToCompletionLayer`]), serves each with its
/// request and trace ids current ([`RequestContextLayer`]), and counts and
/// times every request ([`HttpMetricsLayer`]).
/// Every service's router is finished here, so that rule holds everywhere
/// at this one depth.
pub fn finish_router(router: Router, limits: BodyLimits, readiness: Readiness) -> Router {
    router
        .route("/metrics", get(crate::metrics::render))
        .route("/ready", get(ready).with_state(readiness))
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(limits))
        // Inside RunToCompletion, so a write's own task keeps the ids.
        .layer(RequestContextLayer)
        .layer(RunToCompletionLayer)
        .layer(HttpMetricsLayer)
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
///
/// A plain tower layer rather than `axum::middleware::from_fn`, which boxes
/// the inner service and its future on every request, reads included.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunToCompletionLayer;

impl<S> Layer<S> for RunToCompletionLayer {
    type Service = RunToCompletion<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RunToCompletion { inner }
    }
}

/// The service [`RunToCompletionLayer`] wraps around a router.
#[derive(Debug, Clone)]
pub struct RunToCompletion<S> {
    inner: S,
}

impl<S> Service<Request> for RunToCompletion<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Completion<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let reads = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        let response = self.inner.call(request);
        if reads {
            Completion::Inline { response }
        } else {
            Completion::Spawned {
                task: tokio::spawn(response),
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A read's response, polled in place, or a write's task.
    #[project = CompletionProjection]
    pub enum Completion<F: Future> {
        Inline { #[pin] response: F },
        Spawned { task: JoinHandle<F::Output> },
    }
}

impl<F> Future for Completion<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CompletionProjection::Inline { response } => response.poll(cx),
            CompletionProjection::Spawned { task } => {
                Poll::Ready(match std::task::ready!(Pin::new(task).poll(cx)) {
                    Ok(response) => response,
                    Err(failure) => Ok(ApiError::internal(&failure).into_response()),
                })
            }
        }
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
            .layer(RunToCompletionLayer);
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

    fn explode() -> StatusCode {
        panic!("a bug in a handler")
    }

    #[tokio::test]
    async fn a_write_whose_handler_panics_gets_a_json_500() {
        let router: Router = Router::new()
            .route("/boom", post(|| async { explode() }))
            .layer(RunToCompletionLayer);
        let response = tower::ServiceExt::oneshot(
            router,
            Request::builder()
                .method(Method::POST)
                .uri("/boom")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], 500, "{body}");
    }
}
