//! `JsonBody<T>`: reads and parses a JSON request body, turning every way it
//! can be wrong into a clear 4xx error object (never a panic or a 500).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use http::{StatusCode, header};
use http_body_util::{BodyExt, Limited};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::ApiError;

/// Body size and read deadline for JSON bodies; put on a router by
/// [`crate::finish_router`].
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub read_timeout: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            max_bytes: 16 * 1024,
            read_timeout: Duration::from_secs(10),
        }
    }
}

/// A validated JSON body: 415 if not JSON, 413 if too large, 408 if it
/// arrives too slowly, 400 if malformed, 422 if well-formed but wrong.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = limited_body(request).await?;
        let value = serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
            Category::Data => ApiError::unprocessable(format!("invalid request body: {e}")),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::bad_request(format!("malformed JSON: {e}"))
            }
        })?;
        // Every body this API takes is an object, as its document says.
        // serde's derived structs also accept an array of the fields in
        // order (`["Tux", 1]` as an order), which nothing describes, so a
        // body that parsed but is not an object is refused here, once for
        // every route.
        if !is_object(&bytes) {
            return Err(ApiError::unprocessable(
                "invalid request body: expected a JSON object",
            ));
        }
        Ok(JsonBody(value))
    }
}

/// A request's whole body within the router's [`BodyLimits`]: 413 if it is
/// larger, 408 if it arrives too slowly. Every body a service reads (JSON,
/// and the gateway's web forms) is read through here.
pub async fn limited_body(request: Request) -> Result<Bytes, ApiError> {
    let limits = request
        .extensions()
        .get::<BodyLimits>()
        .copied()
        .unwrap_or_default();
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body must be at most {} bytes", limits.max_bytes),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limits.max_bytes as u64) {
        return Err(too_large());
    }
    let body = Limited::new(request.into_body(), limits.max_bytes);
    match tokio::time::timeout(limits.read_timeout, body.collect()).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request body was not received in time",
        )),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Ok(Err(_)) => Err(ApiError::bad_request("request body could not be read")),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Whether the JSON text starts an object (after JSON's whitespace).
fn is_object(json: &[u8]) -> bool {
    json.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| b == b'{')
}

/// `application/json`, optionally with parameters such as `charset=utf-8`.
fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Order {
        #[allow(dead_code)]
        quantity: u32,
    }

    async fn extract(content_type: Option<&str>, body: &str) -> Result<JsonBody<Order>, ApiError> {
        let mut request = http::Request::builder().method("POST").uri("/");
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        let request = request.body(Body::from(body.to_owned())).unwrap();
        JsonBody::<Order>::from_request(request, &()).await
    }

    #[tokio::test]
    async fn an_object_after_whitespace_is_still_an_object() {
        assert!(
            extract(Some("application/json"), " \r\n\t{\"quantity\":1}")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn accepts_json_with_charset() {
        assert!(
            extract(Some("application/json; charset=utf-8"), r#"{"quantity":1}"#)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn maps_each_failure_to_its_status() {
        let cases = [
            (None, r#"{"quantity":1}"#, 415),
            (Some("text/plain"), r#"{"quantity":1}"#, 415),
            (Some("application/json"), r#"{"quantity":"#, 400),
            (Some("application/json"), r#"not json"#, 400),
            (Some("application/json"), r#"{"quantity":"1"}"#, 422),
            (Some("application/json"), r#"{}"#, 422),
            // Fields in order, which serde's derive would take as a struct.
            (Some("application/json"), r#"[1]"#, 422),
            (Some("application/json"), " \n [1]", 422),
        ];
        for (ct, body, status) in cases {
            let err = extract(ct, body).await.unwrap_err();
            assert_eq!(err.status.as_u16(), status, "{ct:?} {body}");
        }
    }

    #[tokio::test]
    async fn refuses_bodies_over_the_limit() {
        let body = format!(r#"{{"quantity":1,"pad":"{}"}}"#, "x".repeat(20_000));
        let err = extract(Some("application/json"), &body).await.unwrap_err();
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}
