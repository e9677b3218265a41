//! A pooled keep-alive HTTP/JSON client for calls between services.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use metrics::{Counter, Histogram, counter, histogram};

use crate::connection::authority_of;
use crate::http1::ConnectionPool;
use crate::metrics as names;
use crate::trace_context::{TRACEPARENT_HEADER, TraceContext};
use crate::{Data, ErrorBody, REQUEST_ID_HEADER};

/// Why a call to another service did not produce a `{"data": …}` reply.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The peer answered with a 4xx error object: a definite refusal.
    #[error("{service} refused the request: {message} ({status})")]
    Rejected {
        service: &'static str,
        status: StatusCode,
        message: String,
    },
    /// No usable answer: not reachable, timed out, 5xx, or a malformed reply.
    /// The call may or may not have taken effect.
    #[error("{service} is unavailable: {cause}")]
    Unavailable {
        service: &'static str,
        cause: String,
        /// The peer's own error message when it answered 5xx with one
        /// (e.g. the orders service saying the catalog is unavailable).
        peer_message: Option<String>,
    },
}

impl ClientError {
    fn unavailable(service: &'static str, cause: impl ToString) -> Self {
        Self::Unavailable {
            service,
            cause: cause.to_string(),
            peer_message: None,
        }
    }
}

/// A client for one peer service: base URL, pooled keep-alive connections,
/// a deadline per call. Cheap to clone; clones share the pool.
///
/// Each call runs on a [`crate::http1`] connection in the caller's own
/// task, not through hyper's pooled client: that one hands every request to
/// a task per connection and back, which cost the gateway more than a
/// quarter of its CPU on a cache miss (docs/BENCHMARKS.md).
#[derive(Clone)]
pub struct ServiceClient {
    service: &'static str,
    base_url: String,
    /// What the base URL adds before each path (usually nothing).
    path_prefix: String,
    timeout: Duration,
    pool: Arc<ConnectionPool>,
    /// This peer's meters, looked up in the recorder on the first call
    /// (after the process installed it) and kept, shared by the clones.
    meters: Arc<OnceLock<PeerMeters>>,
}

/// The series a peer call records, one handle per outcome. Looking a series
/// up builds and hashes its key on every call; kept handles cost neither
/// (docs/BENCHMARKS.md, "The cost of metrics and request ids").
struct PeerMeters {
    ok: Histogram,
    refused: Histogram,
    server_error: Histogram,
    unreachable: Histogram,
    errors: Counter,
}

impl PeerMeters {
    fn new(peer: &'static str) -> Self {
        let duration = |outcome: &'static str| histogram!(names::PEER_CALL_DURATION, "peer" => peer, "outcome" => outcome);
        Self {
            ok: duration("ok"),
            refused: duration("refused"),
            server_error: duration("server_error"),
            unreachable: duration("unreachable"),
            errors: counter!(names::PEER_CALL_ERRORS, "peer" => peer),
        }
    }
}

impl AsRef<ServiceClient> for ServiceClient {
    fn as_ref(&self) -> &ServiceClient {
        self
    }
}

impl ServiceClient {
    /// A client for the service at `base_url` (`http://host:port`, checked
    /// by the configuration; an unusable one fails every call with
    /// [`ClientError::Unavailable`], saying why).
    pub fn new(service: &'static str, base_url: &str, timeout: Duration) -> Self {
        let base_url = base_url.trim_end_matches('/').to_owned();
        let authority = authority_of(&base_url).unwrap_or_default();
        let path_prefix = base_url
            .strip_prefix("http://")
            .unwrap_or(&base_url)
            .get(authority.len()..)
            .unwrap_or_default()
            .to_owned();
        Self {
            service,
            pool: Arc::new(ConnectionPool::new(&authority)),
            base_url,
            path_prefix,
            timeout,
            meters: Arc::default(),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The peer's role (`catalog`, `orders`, `carts`).
    pub fn service(&self) -> &'static str {
        self.service
    }

    /// Sends `body` (if any) as JSON to `path` and decodes the `data` of a
    /// 2xx reply; a 4xx error object becomes [`ClientError::Rejected`].
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        request_id: Option<&str>,
    ) -> Result<T, ClientError> {
        let body = match body {
            Some(body) => Some(Bytes::from(
                serde_json::to_vec(body).map_err(|e| ClientError::unavailable(self.service, e))?,
            )),
            None => None,
        };
        let id_header = request_id.map(|id| (REQUEST_ID_HEADER, id));
        let (status, bytes) = self
            .exchange(method, path, id_header.as_slice(), body)
            .await?;
        decode_reply(self.service, status, &bytes)
    }

    /// [`Self::call`] with headers of the caller's choosing (the request id
    /// among them, if any): an `Idempotency-Key`, say. A reply without a
    /// body (204) is `None`.
    pub async fn call_with_headers<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        headers: &[(&'static str, &str)],
    ) -> Result<Option<T>, ClientError> {
        let body = match body {
            Some(body) => Some(Bytes::from(
                serde_json::to_vec(body).map_err(|e| ClientError::unavailable(self.service, e))?,
            )),
            None => None,
        };
        let (status, bytes) = self.exchange(method, path, headers, body).await?;
        if status.is_success() && bytes.is_empty() {
            return Ok(None);
        }
        decode_reply(self.service, status, &bytes).map(Some)
    }

    /// `GET path` for a reply the caller passes on as it is: the body of a
    /// 2xx reply (still `{"data": …}`), unparsed; any other reply becomes
    /// the same [`ClientError`] as for [`Self::call`].
    pub async fn get_unparsed(
        &self,
        path: &str,
        request_id: Option<&str>,
    ) -> Result<Bytes, ClientError> {
        let id_header = request_id.map(|id| (REQUEST_ID_HEADER, id));
        let (status, bytes) = self
            .exchange(Method::GET, path, id_header.as_slice(), None)
            .await?;
        if status.is_success() {
            return Ok(bytes);
        }
        Err(refusal(self.service, status, &bytes))
    }

    /// Passes a request through unchanged and returns the peer's status and
    /// body whatever they are: for a gateway route that is the service's own
    /// API. Only a transport failure or timeout is an error.
    pub async fn relay(
        &self,
        method: Method,
        path_and_query: &str,
        body: Bytes,
        headers: &[(&'static str, &str)],
    ) -> Result<(StatusCode, Bytes), ClientError> {
        let body = (!body.is_empty()).then_some(body);
        self.exchange(method, path_and_query, headers, body).await
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
    ) -> Result<(StatusCode, Bytes), ClientError> {
        let service = self.service;
        let prefixed;
        let path = if self.path_prefix.is_empty() {
            path
        } else {
            prefixed = format!("{}{path}", self.path_prefix);
            &prefixed
        };
        // The request being served passes its trace on (see trace_context).
        let traceparent = TraceContext::current().map(|context| context.header());
        let with_trace;
        let headers = match &traceparent {
            Some(value) => {
                with_trace = [headers, &[(TRACEPARENT_HEADER, value.as_str())]].concat();
                &with_trace[..]
            }
            None => headers,
        };
        let started = Instant::now();
        let reply = self
            .pool
            .exchange(&method, path, headers, body, self.timeout)
            .await;
        let meters = self.meters.get_or_init(|| PeerMeters::new(service));
        let duration = match &reply {
            Ok(reply) if reply.status >= 500 => &meters.server_error,
            Ok(reply) if reply.status >= 400 => &meters.refused,
            Ok(_) => &meters.ok,
            Err(_) => {
                meters.errors.increment(1);
                &meters.unreachable
            }
        };
        duration.record(started.elapsed().as_secs_f64());
        let reply = reply.map_err(|e| ClientError::unavailable(service, e))?;
        let status = StatusCode::from_u16(reply.status)
            .map_err(|_| ClientError::unavailable(service, format!("status {}", reply.status)))?;
        Ok((status, reply.body))
    }
}

/// Turns a peer's reply into its data or the matching [`ClientError`].
fn decode_reply<T: DeserializeOwned>(
    service: &'static str,
    status: StatusCode,
    bytes: &[u8],
) -> Result<T, ClientError> {
    if status.is_success() {
        return serde_json::from_slice::<Data<T>>(bytes)
            .map(|d| d.data)
            .map_err(|e| ClientError::unavailable(service, format!("malformed reply: {e}")));
    }
    Err(refusal(service, status, bytes))
}

/// The [`ClientError`] for a reply that is not a success.
fn refusal(service: &'static str, status: StatusCode, bytes: &[u8]) -> ClientError {
    if status.is_client_error() {
        let message = serde_json::from_slice::<ErrorBody>(bytes)
            .map(|b| b.error.message)
            .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned());
        return ClientError::Rejected {
            service,
            status,
            message,
        };
    }
    ClientError::Unavailable {
        service,
        cause: format!("answered {status}"),
        peer_message: serde_json::from_slice::<ErrorBody>(bytes)
            .ok()
            .map(|b| b.error.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_yields_the_data() {
        let v: u32 = decode_reply("x", StatusCode::OK, br#"{"data":5}"#).unwrap();
        assert_eq!(v, 5);
    }

    #[test]
    fn client_errors_are_rejections_with_the_peer_message() {
        let err = decode_reply::<u32>(
            "catalog",
            StatusCode::CONFLICT,
            br#"{"error":{"code":409,"message":"insufficient stock"}}"#,
        )
        .unwrap_err();
        match err {
            ClientError::Rejected {
                status, message, ..
            } => {
                assert_eq!(status, StatusCode::CONFLICT);
                assert_eq!(message, "insufficient stock");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn server_errors_and_garbage_are_unavailable() {
        let err = decode_reply::<u32>("x", StatusCode::INTERNAL_SERVER_ERROR, b"").unwrap_err();
        assert!(matches!(err, ClientError::Unavailable { .. }));
        let err = decode_reply::<u32>("x", StatusCode::OK, b"not json").unwrap_err();
        assert!(matches!(err, ClientError::Unavailable { .. }));
        let err = decode_reply::<u32>(
            "orders",
            StatusCode::SERVICE_UNAVAILABLE,
            br#"{"error":{"code":503,"message":"catalog service unavailable"}}"#,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ClientError::Unavailable { peer_message: Some(m), .. } if m == "catalog service unavailable"
        ));
    }
}
