//! One virtual user's HTTP/1.1 keep-alive connection, timed the way JMeter
//! reports a sample: time to connect, time to the response headers
//! (latency) and to the last body byte (elapsed), bytes each way.
//!
//! It is built on hyper's connection API like `storefront_wire`'s
//! `KeepAliveConnection`, but that one hides when the headers arrived and
//! how many bytes crossed the wire, which every sample needs.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Why an exchange produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("no reply within {0:?}")]
    TimedOut(Duration),
    #[error("{0}")]
    Http(#[from] hyper::Error),
    #[error("malformed request: {0}")]
    Request(#[from] http::Error),
}

/// A complete reply with its timings.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
    /// From the request being handed to the socket to the response headers.
    pub latency: Duration,
    /// Status line, headers and body as received (approximately: HTTP/1.1
    /// framing is rebuilt from the parsed headers).
    pub received_bytes: u64,
    pub sent_bytes: u64,
}

pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    /// The `Host` header, validated once per connection, not per request.
    host: HeaderValue,
}

impl Connection {
    /// Opens a connection to `authority` (`host:port`) within `timeout`.
    pub async fn open(authority: &str, timeout: Duration) -> Result<Self, ExchangeError> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(authority))
            .await
            .map_err(|_| ExchangeError::TimedOut(timeout))?
            .map_err(ExchangeError::Connect)?;
        stream.set_nodelay(true).ok();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Ends when either side closes; both are normal here.
            let _ = connection.await;
        });
        let host = HeaderValue::from_str(authority).map_err(http::Error::from)?;
        Ok(Self { sender, host })
    }

    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Sends one request (a JSON body if given) and reads the whole reply.
    pub async fn exchange(
        &mut self,
        method: &Method,
        path: &str,
        body: Option<Bytes>,
        timeout: Duration,
    ) -> Result<Reply, ExchangeError> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::HOST, self.host.clone());
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let body = body.unwrap_or_default();
        let request = request.body(Full::new(body.clone()))?;
        let sent_bytes = request_size(&request, path.len(), body.len());
        let sender = &mut self.sender;
        let exchange = async move {
            sender.ready().await?;
            let started = Instant::now();
            let response = sender.send_request(request).await?;
            let latency = started.elapsed();
            let (parts, incoming) = response.into_parts();
            let body = incoming.collect().await?.to_bytes();
            let head: usize = parts
                .headers
                .iter()
                .map(|(name, value)| name.as_str().len() + value.len() + 4)
                .sum::<usize>()
                + "HTTP/1.1 200 \r\n\r\n".len()
                + parts.status.canonical_reason().map_or(0, str::len);
            Ok(Reply {
                status: parts.status.as_u16(),
                received_bytes: (head + body.len()) as u64,
                body,
                latency,
                sent_bytes,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ExchangeError::TimedOut(timeout))?
    }
}

fn request_size(request: &Request<Full<Bytes>>, path_len: usize, body_len: usize) -> u64 {
    // "METHOD path HTTP/1.1\r\n"
    let line = request.method().as_str().len() + path_len + 12;
    let headers: usize = request
        .headers()
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    // hyper adds content-length for a non-empty body.
    let length = if body_len > 0 { 20 } else { 0 };
    (line + headers + 2 + length + body_len) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A close that arrives while the connection sits idle must be seen
    /// before the next request, so the user reopens instead of failing.
    #[tokio::test]
    async fn a_connection_the_server_closed_while_idle_reports_closed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let (idle, closing) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = socket.read(&mut chunk).await.unwrap();
                assert!(n > 0, "client closed before a whole request");
                request.extend_from_slice(&chunk[..n]);
            }
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .await
                .unwrap();
            // Once the client has its reply and sits idle, close, as a
            // server does with an idle keep-alive socket.
            let _ = closing.await;
        });
        let timeout = Duration::from_secs(10);
        let mut connection = Connection::open(&authority, timeout).await.unwrap();
        let reply = connection
            .exchange(&Method::GET, "/", None, timeout)
            .await
            .unwrap();
        assert_eq!((reply.status, &reply.body[..]), (200, &b"{}"[..]));
        assert!(!connection.is_closed(), "open while the server keeps it");
        idle.send(()).unwrap();
        server.await.unwrap();
        // A guard against hanging, not a timing check: a connection that
        // never notices the close would loop forever.
        let noticed = tokio::time::timeout(Duration::from_secs(30), async {
            while !connection.is_closed() {
                tokio::task::yield_now().await;
            }
        })
        .await;
        assert!(noticed.is_ok(), "the close was never noticed");
    }
}
