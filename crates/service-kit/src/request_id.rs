//! The request id: made at the gateway, forwarded to every service.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::extract::FromRequestParts;
use axum::response::Response;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Request};
use storefront_wire::REQUEST_ID_HEADER;
use tower::{Layer, Service};

/// The id of the current request, if the caller sent one.
#[derive(Debug, Clone, Default)]
pub struct RequestId(pub Option<String>);

impl RequestId {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The caller's id, or a new process-unique one.
    pub fn or_generate(self) -> String {
        self.0.unwrap_or_else(generate)
    }
}

/// A new process-unique id (cheap: no randomness on the hot path, a
/// per-process prefix plus a counter). The prefix is kept, since
/// `std::process::id` is a system call each time.
fn generate() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| format!("{:x}", std::process::id()));
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{n:x}")
}

/// The caller's `x-request-id`, if it is one worth keeping: printable,
/// non-empty and at most 128 characters, so it cannot flood a log line.
fn sane_id(headers: &HeaderMap) -> Option<&HeaderValue> {
    headers
        .get(REQUEST_ID_HEADER)
        .filter(|v| v.to_str().is_ok() && !v.is_empty() && v.len() <= 128)
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let id = sane_id(&parts.headers)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Self(id))
    }
}

/// The layer for the public edge: keeps the caller's `x-request-id` (if
/// sane) or assigns one, so handlers forward it to every service they call,
/// and returns it on the response so a client can quote it.
///
/// A plain tower layer rather than `axum::middleware::from_fn`: that boxes
/// the inner service and its future on every request, which cost the
/// gateway's cached queries about a tenth of their throughput (measured in
/// docs/BENCHMARKS.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct AssignRequestIdLayer;

impl<S> Layer<S> for AssignRequestIdLayer {
    type Service = AssignRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AssignRequestId { inner }
    }
}

/// The service [`AssignRequestIdLayer`] wraps around a router.
#[derive(Debug, Clone)]
pub struct AssignRequestId<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for AssignRequestId<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = WithRequestId<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let id = match sane_id(request.headers()) {
            Some(given) => given.clone(),
            None => {
                let generated = HeaderValue::try_from(generate())
                    .expect("a generated id is hexadecimal digits and a dash");
                request
                    .headers_mut()
                    .insert(REQUEST_ID_HEADER, generated.clone());
                generated
            }
        };
        WithRequestId {
            response: self.inner.call(request),
            id: Some(id),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's response, with the request id put on it.
    pub struct WithRequestId<F> {
        #[pin]
        response: F,
        id: Option<HeaderValue>,
    }
}

impl<F, E> Future for WithRequestId<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.response.poll(cx))?;
        if let Some(id) = this.id.take() {
            response.headers_mut().insert(REQUEST_ID_HEADER, id);
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    /// A router that echoes the id its handler saw.
    fn echo() -> Router {
        Router::new()
            .route(
                "/",
                get(|id: RequestId| async move { id.0.unwrap_or_default() }),
            )
            .layer(AssignRequestIdLayer)
    }

    async fn call(id: Option<&str>) -> (String, String) {
        let mut request = Request::builder().uri("/");
        if let Some(id) = id {
            request = request.header(REQUEST_ID_HEADER, id);
        }
        let response = echo()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let on_response = response.headers()[REQUEST_ID_HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        (String::from_utf8(body.to_vec()).unwrap(), on_response)
    }

    #[tokio::test]
    async fn a_sane_caller_id_is_kept_and_returned() {
        assert_eq!(call(Some("abc-1")).await, ("abc-1".into(), "abc-1".into()));
    }

    #[tokio::test]
    async fn a_missing_empty_or_long_id_is_replaced_by_a_generated_one() {
        let long = "x".repeat(129);
        for given in [None, Some(""), Some(long.as_str())] {
            let (seen, returned) = call(given).await;
            assert_eq!(seen, returned, "for {given:?}");
            assert!(!seen.is_empty() && seen.len() < 40, "for {given:?}: {seen}");
        }
        let (a, _) = call(None).await;
        let (b, _) = call(None).await;
        assert_ne!(a, b, "each generated id is new");
    }
}
