//! Every request runs in a `request` span carrying its `x-request-id` and
//! its W3C trace id, so each log line written while serving it carries them
//! too, in text and in JSON logs; and with the request's
//! [`TraceContext`] current, so the calls it makes to other services pass
//! the trace on. One access line per request at debug level.
//!
//! [`crate::finish_router`] puts this layer inside
//! [`crate::routing::RunToCompletionLayer`], so a write's handler, which
//! runs in a task of its own, keeps both the span and the context.
//!
//! Not free: the span costs about 14 % of the query throughput, mostly in
//! the log subscriber formatting its fields as it opens (docs/BENCHMARKS.md,
//! "The cost of metrics and request spans"). Adding the ids only to lines
//! actually written is the planned remedy.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::response::Response;
use http::{Method, Uri};
use storefront_wire::REQUEST_ID_HEADER;
use storefront_wire::trace_context::{TRACEPARENT_HEADER, TraceContext};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::Span;
use tracing::instrument::{Instrument, Instrumented};

/// See the module documentation. A plain tower layer, as the others in
/// [`crate::routing`], so a request costs no boxed future.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpanLayer;

impl<S> Layer<S> for RequestSpanLayer {
    type Service = RequestSpan<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestSpan { inner }
    }
}

/// The service [`RequestSpanLayer`] wraps around a router.
#[derive(Debug, Clone)]
pub struct RequestSpan<S> {
    inner: S,
}

impl<S> Service<Request> for RequestSpan<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Traced<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
        };
        let context = TraceContext::for_request(header(TRACEPARENT_HEADER));
        // The gateway assigns the id before this layer runs; the services
        // get it from the caller. An id longer than the gateway keeps is
        // not logged.
        let request_id = header(REQUEST_ID_HEADER).filter(|id| id.len() <= 128);
        // Only the two ids: the subscriber formats a span's fields when the
        // span opens, for every request, while the access line's method and
        // path are formatted only when that line is written.
        let span = tracing::info_span!("request", request_id, trace_id = %context.trace_id_hex());
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let response = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Traced {
            access_line: AccessLine {
                span: span.clone(),
                method,
                uri,
                started: Instant::now(),
            },
            response: context.scope(response).instrument(span),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner response, polled inside the request's span and with its
    /// trace context current; writes the access line when it is ready.
    pub struct Traced<F> {
        #[pin]
        response: Instrumented<TaskLocalFuture<TraceContext, F>>,
        access_line: AccessLine,
    }
}

/// What the access line says besides the reply's status.
struct AccessLine {
    span: Span,
    method: Method,
    uri: Uri,
    started: Instant,
}

impl<F, E> Future for Traced<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = std::task::ready!(this.response.poll(cx));
        if let Ok(response) = &outcome {
            let line = &this.access_line;
            let _entered = line.span.enter();
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
            .layer(RequestSpanLayer);
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
    async fn the_handler_serves_in_the_callers_trace_with_a_span_of_its_own() {
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
