//! [`HttpMetricsLayer`]: counts and times every request by matched route.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{LazyLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use http::Method;
use metrics::{Counter, Histogram, counter, histogram};
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
            route: request.extensions().get::<MatchedPath>().cloned(),
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
    /// `None`: no route matched.
    route: Option<MatchedPath>,
    method: &'static str,
    started: Instant,
}

/// The two series one request records into.
#[derive(Clone)]
struct Meters {
    requests: Counter,
    duration: Histogram,
}

/// Each route's meters by method and status.
type RouteMeters = HashMap<(&'static str, u16), Meters>;

/// The meters of every (route, method, status) served so far. Looking a
/// series up in the recorder builds its key (label strings and all) and
/// hashes it on every call, which cost the gateway's cached queries about
/// 2 % of their CPU (docs/BENCHMARKS.md, "The cost of metrics and request ids"); here a
/// request costs a read lock and two lookups on borrowed keys.
static METERS: LazyLock<RwLock<HashMap<String, RouteMeters>>> = LazyLock::new(Default::default);

/// The meters for one request's labels, made on the first request of each.
fn meters(route: &str, method: &'static str, status: u16) -> Meters {
    let known = METERS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(route)
        .and_then(|by_status| by_status.get(&(method, status)))
        .cloned();
    if let Some(meters) = known {
        return meters;
    }
    let made = Meters {
        requests: counter!(names::HTTP_REQUESTS, "route" => route.to_owned(), "method" => method, "status" => status.to_string()),
        duration: histogram!(names::HTTP_REQUEST_DURATION, "route" => route.to_owned(), "method" => method),
    };
    METERS
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(route.to_owned())
        .or_default()
        .insert((method, status), made.clone());
    made
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
            let route = labels
                .route
                .as_ref()
                .map_or("unmatched", MatchedPath::as_str);
            let meters = meters(route, labels.method, response.status().as_u16());
            meters
                .duration
                .record(labels.started.elapsed().as_secs_f64());
            meters.requests.increment(1);
        }
        Poll::Ready(response)
    }
}
