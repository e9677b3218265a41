//! One HTTP/1.1 keep-alive connection, used the way a lab client uses it:
//! every request of a session goes over the same socket, one at a time.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("bad target `{0}`: expected http://host:port")]
    BadTarget(String),
    #[error("cannot connect to {authority}: {source}")]
    Connect {
        authority: String,
        source: std::io::Error,
    },
    #[error("HTTP error: {0}")]
    Http(#[from] hyper::Error),
    #[error("malformed request: {0}")]
    Request(#[from] http::Error),
    #[error("cannot encode body: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("no complete reply within {0:?}")]
    TimedOut(Duration),
}

/// A reply as received: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RawResponse {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Extracts `host:port` from `http://host:port[/…]` (or a bare `host:port`).
pub fn authority_of(target: &str) -> Result<String, ConnectionError> {
    let rest = target.strip_prefix("http://").unwrap_or(target);
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || target.starts_with("https://") || !authority.contains(':') {
        return Err(ConnectionError::BadTarget(target.to_owned()));
    }
    Ok(authority.to_owned())
}

pub struct KeepAliveConnection {
    authority: String,
    sender: SendRequest<Full<Bytes>>,
    timeout: Duration,
}

impl KeepAliveConnection {
    /// How long connecting, or one request with its reply, may take unless
    /// set otherwise: a server that hangs makes a call fail, never wait forever.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// Opens the connection; `target` is `http://host:port` or `host:port`.
    pub async fn connect(target: &str) -> Result<Self, ConnectionError> {
        Self::connect_with_timeout(target, Self::DEFAULT_TIMEOUT).await
    }

    /// Opens the connection with a deadline for connecting and for each request.
    pub async fn connect_with_timeout(
        target: &str,
        timeout: Duration,
    ) -> Result<Self, ConnectionError> {
        let authority = authority_of(target)?;
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(&authority)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(source)) => return Err(ConnectionError::Connect { authority, source }),
            Err(_) => return Err(ConnectionError::TimedOut(timeout)),
        };
        stream.set_nodelay(true).ok();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when the peer closes or the sender is dropped; either is normal.
            let _ = connection.await;
        });
        Ok(Self {
            authority,
            sender,
            timeout,
        })
    }

    /// Whether the server has closed the connection (e.g. an idle timeout).
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends one request with raw body bytes and an optional content type.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Bytes,
        content_type: Option<&str>,
    ) -> Result<RawResponse, ConnectionError> {
        self.send_with_headers(method, path, body, content_type, &[])
            .await
    }

    /// [`Self::send`] with extra headers (an `Authorization`, an
    /// `Idempotency-Key`…).
    pub async fn send_with_headers(
        &mut self,
        method: Method,
        path: &str,
        body: Bytes,
        content_type: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<RawResponse, ConnectionError> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.authority);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body))?;
        let sender = &mut self.sender;
        let exchange = async move {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok(RawResponse {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ConnectionError::TimedOut(self.timeout))?
    }

    pub async fn get(&mut self, path: &str) -> Result<RawResponse, ConnectionError> {
        self.send(Method::GET, path, Bytes::new(), None).await
    }

    pub async fn post_json<T: Serialize>(
        &mut self,
        path: &str,
        body: &T,
    ) -> Result<RawResponse, ConnectionError> {
        let bytes = Bytes::from(serde_json::to_vec(body)?);
        self.send(Method::POST, path, bytes, Some("application/json"))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_comes_from_http_urls_or_bare_pairs() {
        assert_eq!(
            authority_of("http://127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080"
        );
        assert_eq!(authority_of("http://localhost:9/x").unwrap(), "localhost:9");
        assert_eq!(authority_of("127.0.0.1:1").unwrap(), "127.0.0.1:1");
        assert!(authority_of("https://a:1").is_err());
        assert!(authority_of("http://nohost").is_err());
    }
}
