//! Every request is served with its [`Serving`] current: its W3C trace
//! context (the caller's `traceparent` continued, or a new trace) and its
//! `x-request-id`. So each log line written while serving it carries both
//! ids (added by [`crate::telemetry`]'s formatter), and the calls it makes
//! to other services pass the trace on. One access line per request at
//! debug level.
//!
//! [`crate::finish_router`] puts this layer inside
//! [`crate::routing::RunToCompletionLayer`], so a write's handler, which
//! runs in a task of its own, keeps it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::response::Response;
use http::{Method, Uri};
use storefront_wire::REQUEST_ID_HEADER;
use storefront_wire::serving::Serving;
use storefront_wire::trace_context::TRACEPARENT_HEADER;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

/// See the module documentation. A plain tower layer, as the others in
/// [`crate::routing`], so a request costs no boxed future.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestContextLayer;

impl<S> Layer<S> for RequestContextLayer {
    type Service = RequestContext<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestContext { inner }
    }
}

/// The service [`RequestContextLayer`] wraps around a router.
#[derive(Debug, Clone)]
pub struct RequestContext<S> {
    inner: S,
}

impl<S> Service<Request> for RequestContext<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<Serving, AccessLogged<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let headers = request.headers();
        let traceparent = headers
            .get(TRACEPARENT_HEADER)
            .and_then(|value| value.to_str().ok());
        // The gateway assigns the id before this layer runs; the services
        // get it from the caller.
        let serving = Serving::for_request(traceparent, headers.get(REQUEST_ID_HEADER));
        // What the access line needs is kept only when it will be written.
        let access_line = tracing::enabled!(tracing::Level::DEBUG).then(|| AccessLine {
            method: request.method().clone(),
            uri: request.uri().clone(),
            started: Instant::now(),
        });
        // Routing runs here, outside the scope; handlers run when polled.
        serving.scope(AccessLogged {
            response: self.inner.call(request),
            access_line,
        })
    }
}

pin_project_lite::pin_project! {
    /// The inner response; writes the access line when it is ready.
    pub struct AccessLogged<F> {
        #[pin]
        response: F,
        access_line: Option<AccessLine>,
    }
}

/// What the access line says besides the reply's status.
struct AccessLine {
    method: Method,
    uri: Uri,
    started: Instant,
}

impl<F, E> Future for AccessLogged<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = std::task::ready!(this.response.poll(cx));
        if let (Ok(response), Some(line)) = (&outcome, this.access_line) {
            tracing::debug!(
                method = %line.method,
                path = line.uri.path(),
                status = response.status().as_u16(),
                micros = line.started.elapsed().as_micros() as u64,
                "served"
            );
        }
        Poll::Ready(outcome)
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use storefront_wire::trace_context::TraceContext;

    use super::*;

    /// What the handler saw as the current trace context.
    async fn seen(traceparent: Option<&str>) -> String {
        let router = Router::new()
            .route(
                "/",
                get(|| async {
                    TraceContext::current()
                        .map(|context| context.header())
                        .unwrap_or_default()
                }),
            )
            .layer(RequestContextLayer);
        let mut request = http::Request::builder().uri("/");
        if let Some(value) = traceparent {
            request = request.header(TRACEPARENT_HEADER, value);
        }
        let response = router
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_handler_serves_in_the_callers_trace_with_a_span_id_of_its_own() {
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let current = seen(Some(parent)).await;
        assert!(
            current.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{current}"
        );
        assert!(!current.contains("00f067aa0ba902b7"), "{current}");
        assert!(current.ends_with("-01"), "{current}");
    }

    #[tokio::test]
    async fn without_a_caller_trace_a_new_one_begins() {
        let first = seen(None).await;
        let second = seen(Some("not a traceparent")).await;
        assert_eq!(first.len(), 55, "{first}");
        assert_eq!(second.len(), 55, "{second}");
        assert_ne!(first[3..35], second[3..35], "each is a trace of its own");
    }
}
