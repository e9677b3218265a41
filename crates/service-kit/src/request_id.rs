//! The request id: made at the gateway, forwarded to every service.

use std::convert::Infallible;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::FromRequestParts;
use http::request::Parts;
use storefront_wire::REQUEST_ID_HEADER;

/// The id of the current request, if the caller sent one.
#[derive(Debug, Clone, Default)]
pub struct RequestId(pub Option<String>);

impl RequestId {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The caller's id, or a new process-unique one (cheap: no randomness on
    /// the hot path, a per-process prefix plus a counter).
    pub fn or_generate(self) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        self.0.unwrap_or_else(|| {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            format!("{:x}-{n:x}", std::process::id())
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let id = parts
            .headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128)
            .map(str::to_owned);
        Ok(Self(id))
    }
}

/// Middleware for the public edge: keeps the caller's `x-request-id` (if
/// sane) or assigns one, so handlers forward it to every service they call,
/// and returns it on the response so a client can quote it.
pub async fn assign_request_id(mut request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(RequestId(given)) = RequestId::from_request_parts(&mut parts, &()).await;
    let id = RequestId(given).or_generate();
    request = Request::from_parts(parts, body);
    let value = HeaderValue::from_str(&id).ok();
    if let Some(value) = &value {
        request
            .headers_mut()
            .insert(REQUEST_ID_HEADER, value.clone());
    }
    let mut response = next.run(request).await;
    if let Some(value) = value {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}
