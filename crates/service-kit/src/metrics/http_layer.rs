//! [`HttpMetricsLayer`]: counts and times every request by matched route.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use http::Method;
use metrics::{counter, histogram};
use storefront_wire::metrics as names;
use tower::{Layer, Service};

/// Records `storefront_http_requests_total{route,method,status}` and
/// `storefront_http_request_duration_seconds{route,method}` for each
/// request. The route is the matched pattern (`/orders/{number}`), never
/// the path, so ids cannot blow up the number of series; a request no
/// route matched counts as `unmatched`.
///
/// Applied with `Router::layer`, so it wraps each route and sees axum's
/// [`MatchedPath`]. A plain tower layer, like the others every router gets:
/// no box per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpMetricsLayer;

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetrics { inner }
    }
}

/// The service [`HttpMetricsLayer`] wraps around each route.
#[derive(Debug, Clone)]
pub struct HttpMetrics<S> {
    inner: S,
}

impl<S> Service<Request> for HttpMetrics<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Timed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let labels = super::enabled().then(|| RequestLabels {
            route: request
                .extensions()
                .get::<MatchedPath>()
                .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned()),
            method: method_label(request.method()),
            started: Instant::now(),
        });
        Timed {
            response: self.inner.call(request),
            labels,
        }
    }
}

struct RequestLabels {
    route: String,
    method: &'static str,
    started: Instant,
}

/// The method as a label value; methods no route serves count as `other`,
/// so a client cannot make up series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pin_project_lite::pin_project! {
    /// The inner response, recorded when it is ready.
    pub struct Timed<F> {
        #[pin]
        response: F,
        labels: Option<RequestLabels>,
    }
}

impl<F, E> Future for Timed<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.response.poll(cx));
        if let (Some(labels), Ok(response)) = (this.labels.take(), &response) {
            let elapsed = labels.started.elapsed();
            let method = labels.method;
            histogram!(names::HTTP_REQUEST_DURATION, "route" => labels.route.clone(), "method" => method)
                .record(elapsed.as_secs_f64());
            let status = response.status().as_u16().to_string();
            counter!(names::HTTP_REQUESTS, "route" => labels.route, "method" => method, "status" => status)
                .increment(1);
        }
        Poll::Ready(response)
    }
}
