//! A lean HTTP/1.1 keep-alive connection, timed the way JMeter reports a
//! sample: time to connect, time to the first byte of the reply (latency)
//! and to its last byte (elapsed), and the bytes each way. It is one virtual
//! user's connection in the load generator, and each pooled connection of a
//! [`crate::ServiceClient`] between services.
//!
//! Both are hot paths, so it is lean on purpose: requests are
//! written from one reused buffer in one system call, replies are read into
//! one reused buffer and their head parsed in place with `httparse` (the
//! parser inside hyper), and everything happens in the user's own task.
//! Going through hyper's client cost ~7x wrk's user-space time per request
//! (its request channel, connection task and header maps) and kept the
//! generator below 90 % of wrk's rate; between services, hyper's pooled
//! client's connection task was over a quarter of the gateway's CPU on a
//! cache miss; see docs/BENCHMARKS.md. Owning the
//! bytes also makes the sample's byte counts exact, not rebuilt from
//! parsed headers.
//!
//! What it speaks: one request at a time (no pipelining), replies framed by
//! `Content-Length`, chunked transfer coding, or the end of the connection;
//! `Connection: close` and HTTP/1.0 replies are honoured. Informational
//! (1xx) replies before the final one are skipped. Over plain TCP, or over
//! TLS to an HTTPS [`Endpoint`] (the load generator's `https://` targets).

use std::io::Write as _;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::Method;
use tokio::net::TcpStream;

use framing::{Framing, chunk_size_line, parse_head};
use stream::Stream;

mod endpoint;
mod framing;
pub mod pool;
mod stream;

pub use endpoint::Endpoint;
pub use pool::ConnectionPool;

/// Largest reply head accepted (status line and headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest reply body accepted, so a runaway reply cannot exhaust memory.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// How much room each read offers; larger than a typical reply, so one
/// read takes it whole and a short read tells tokio the socket is drained.
const READ_CHUNK: usize = 16 * 1024;

/// Why an exchange produced no reply.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("TLS handshake failed: {0}")]
    Tls(std::io::Error),
    #[error("no reply within {0:?}")]
    TimedOut(Duration),
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the server closed the connection before a complete reply")]
    Closed,
    #[error("malformed reply: {0}")]
    Malformed(String),
    #[error("malformed request: {0}")]
    Request(String),
}

/// A complete reply with its timings.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// The status line and headers as received (read on demand with
    /// [`Reply::headers`]: most callers need none, so none are parsed).
    pub head: Bytes,
    /// The body, with any chunked coding removed.
    pub body: Bytes,
    /// From the request being handed to the socket to the first byte of
    /// the reply, JMeter's "Latency".
    pub latency: Duration,
    /// Every byte of the reply as it crossed the wire: head, body and any
    /// chunk framing.
    pub received_bytes: u64,
    pub sent_bytes: u64,
}

impl Reply {
    /// The values of every header named `name` (case-insensitive), in order.
    pub fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        std::str::from_utf8(&self.head)
            .unwrap_or_default()
            .split("\r\n")
            .skip(1)
            .filter_map(move |line| {
                let (field, value) = line.split_once(':')?;
                field
                    .trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim())
            })
    }
}

pub struct Connection {
    stream: Stream,
    /// `host:port`, sent as the `Host` header.
    authority: String,
    /// The request being written, reused from one request to the next.
    outgoing: Vec<u8>,
    /// Bytes read and not yet consumed, reused likewise.
    incoming: BytesMut,
    /// The server said it closes after the last reply, or the connection
    /// is in a state no further request can follow.
    finished: bool,
}

impl Connection {
    /// Opens a connection to `authority` (`host:port`) within `timeout`.
    pub async fn open(authority: &str, timeout: Duration) -> Result<Self, ExchangeError> {
        if !is_request_text(authority.as_bytes()) {
            return Err(ExchangeError::Request(format!(
                "invalid host `{authority}`"
            )));
        }
        let stream = tokio::time::timeout(timeout, TcpStream::connect(authority))
            .await
            .map_err(|_| ExchangeError::TimedOut(timeout))?
            .map_err(ExchangeError::Connect)?;
        stream.set_nodelay(true).ok();
        Ok(Self::over(Stream::Plain(stream), authority))
    }

    /// Opens a connection to `endpoint` within `timeout` in all: plain TCP,
    /// or TCP and then the TLS handshake for an HTTPS endpoint.
    pub async fn open_to(endpoint: &Endpoint, timeout: Duration) -> Result<Self, ExchangeError> {
        let Some(tls) = endpoint.tls() else {
            return Self::open(endpoint.authority(), timeout).await;
        };
        let deadline = Instant::now() + timeout;
        let plain = Self::open(endpoint.authority(), timeout).await?;
        let Stream::Plain(tcp) = plain.stream else {
            unreachable!("open makes a plain stream");
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        let stream = tokio::time::timeout(
            remaining,
            tls.connector.connect(tls.server_name.clone(), tcp),
        )
        .await
        .map_err(|_| ExchangeError::TimedOut(timeout))?
        .map_err(ExchangeError::Tls)?;
        Ok(Self::over(
            Stream::Tls(Box::new(stream)),
            endpoint.authority(),
        ))
    }

    fn over(stream: Stream, authority: &str) -> Self {
        Self {
            stream,
            authority: authority.to_owned(),
            outgoing: Vec::with_capacity(512),
            incoming: BytesMut::with_capacity(READ_CHUNK),
            finished: false,
        }
    }

    /// Whether no further request can be sent: the server announced the
    /// close, or closed (or wrote out of turn) while the connection sat
    /// idle. Costs no system call unless the socket became readable since
    /// the last reply.
    pub fn is_closed(&self) -> bool {
        self.finished || self.stream.is_closed()
    }

    /// Sends one request (with `headers`, and a body if given: JSON unless
    /// `headers` name a `Content-Type`) and reads the whole reply.
    pub async fn exchange(
        &mut self,
        method: &Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Bytes>,
        timeout: Duration,
    ) -> Result<Reply, ExchangeError> {
        if self.finished {
            return Err(ExchangeError::Closed);
        }
        if !path.starts_with('/') || !is_request_text(path.as_bytes()) {
            return Err(ExchangeError::Request(format!(
                "invalid request target `{path}`"
            )));
        }
        if let Some((name, _)) = headers
            .iter()
            .find(|(name, value)| !is_header_name(name) || !is_header_value(value))
        {
            return Err(ExchangeError::Request(format!(
                "invalid header `{name}`: a token for its name, no line breaks in its value"
            )));
        }
        self.write_request(method, path, headers, body.as_deref());
        let expects_body = *method != Method::HEAD;
        let result = tokio::time::timeout(timeout, self.round_trip(expects_body)).await;
        let result = result.unwrap_or(Err(ExchangeError::TimedOut(timeout)));
        if result.is_err() {
            // Whatever is left on the socket belongs to a broken exchange.
            self.finished = true;
        }
        result
    }

    fn write_request(
        &mut self,
        method: &Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) {
        let out = &mut self.outgoing;
        out.clear();
        // Writes to a Vec cannot fail.
        let _ = write!(
            out,
            "{} {} HTTP/1.1\r\nhost: {}\r\n",
            method.as_str(),
            path,
            self.authority
        );
        for (name, value) in headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        match body {
            Some(body) => {
                // JSON unless the caller named the body's type itself.
                if !headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                {
                    out.extend_from_slice(b"content-type: application/json\r\n");
                }
                let _ = write!(out, "content-length: {}\r\n\r\n", body.len());
                out.extend_from_slice(body);
            }
            None if method_implies_body(method) => {
                out.extend_from_slice(b"content-length: 0\r\n\r\n");
            }
            None => out.extend_from_slice(b"\r\n"),
        }
    }

    async fn round_trip(&mut self, expects_body: bool) -> Result<Reply, ExchangeError> {
        let sent_bytes = self.outgoing.len() as u64;
        let started = Instant::now();
        self.stream.write_all(&self.outgoing).await?;
        let mut latency = None;
        let mut received = 0usize;
        loop {
            let head = loop {
                if let Some(head) = parse_head(&self.incoming)? {
                    break head;
                }
                if self.incoming.len() > MAX_HEAD_BYTES {
                    return Err(ExchangeError::Malformed(format!(
                        "reply head longer than {MAX_HEAD_BYTES} bytes"
                    )));
                }
                if self.fill().await? == 0 {
                    return Err(ExchangeError::Closed);
                }
                latency.get_or_insert_with(|| started.elapsed());
            };
            // An informational reply precedes the real one.
            if (100..200).contains(&head.status) && head.status != 101 {
                let _ = self.incoming.split_to(head.length);
                received += head.length;
                continue;
            }
            let head_bytes = self.incoming.split_to(head.length).freeze();
            received += head.length;
            let framing = if !expects_body || matches!(head.status, 101 | 204 | 304) {
                Framing::Length(0)
            } else {
                head.framing
            };
            let (body, wire_bytes) = match framing {
                Framing::Length(n) => self.read_exact_body(n).await?,
                Framing::Chunked => self.read_chunked_body().await?,
                Framing::UntilClose => {
                    self.finished = true;
                    self.read_to_close().await?
                }
            };
            received += wire_bytes;
            // Bytes beyond the reply were never asked for: the connection
            // is out of step, so it is not reused.
            if head.closes || head.status == 101 || !self.incoming.is_empty() {
                self.finished = true;
            }
            return Ok(Reply {
                status: head.status,
                head: head_bytes,
                body,
                latency: latency.unwrap_or_else(|| started.elapsed()),
                received_bytes: received as u64,
                sent_bytes,
            });
        }
    }

    /// Reads once more from the socket into `incoming`; 0 at end of stream.
    async fn fill(&mut self) -> Result<usize, ExchangeError> {
        self.incoming.reserve(READ_CHUNK);
        Ok(self.stream.read_buf(&mut self.incoming).await?)
    }

    async fn read_exact_body(&mut self, length: usize) -> Result<(Bytes, usize), ExchangeError> {
        if length > MAX_BODY_BYTES {
            return Err(too_large());
        }
        while self.incoming.len() < length {
            if self.fill().await? == 0 {
                return Err(ExchangeError::Closed);
            }
        }
        Ok((self.incoming.split_to(length).freeze(), length))
    }

    async fn read_to_close(&mut self) -> Result<(Bytes, usize), ExchangeError> {
        while self.fill().await? != 0 {
            if self.incoming.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
        }
        let length = self.incoming.len();
        Ok((self.incoming.split().freeze(), length))
    }

    /// Decodes a chunked body: `size[;ext]\r\n data \r\n` … `0\r\n`
    /// trailers `\r\n`.
    async fn read_chunked_body(&mut self) -> Result<(Bytes, usize), ExchangeError> {
        let mut body = BytesMut::new();
        let mut wire = 0usize;
        loop {
            let (size, line) = loop {
                if let Some(found) = chunk_size_line(&self.incoming)? {
                    break found;
                }
                if self.incoming.len() > MAX_HEAD_BYTES {
                    return Err(ExchangeError::Malformed("chunk size line too long".into()));
                }
                if self.fill().await? == 0 {
                    return Err(ExchangeError::Closed);
                }
            };
            let _ = self.incoming.split_to(line);
            wire += line;
            if size == 0 {
                wire += self.skip_trailers().await?;
                return Ok((body.freeze(), wire));
            }
            if body.len() + size > MAX_BODY_BYTES {
                return Err(too_large());
            }
            while self.incoming.len() < size + 2 {
                if self.fill().await? == 0 {
                    return Err(ExchangeError::Closed);
                }
            }
            if &self.incoming[size..size + 2] != b"\r\n" {
                return Err(ExchangeError::Malformed("chunk not ended by CRLF".into()));
            }
            body.extend_from_slice(&self.incoming[..size]);
            let _ = self.incoming.split_to(size + 2);
            wire += size + 2;
        }
    }

    /// Consumes the trailer section after the last chunk, up to and
    /// including the empty line.
    async fn skip_trailers(&mut self) -> Result<usize, ExchangeError> {
        let mut wire = 0;
        loop {
            match self.incoming.windows(2).position(|w| w == b"\r\n") {
                Some(0) => {
                    let _ = self.incoming.split_to(2);
                    return Ok(wire + 2);
                }
                Some(end) => {
                    let _ = self.incoming.split_to(end + 2);
                    wire += end + 2;
                }
                None => {
                    if self.incoming.len() > MAX_HEAD_BYTES {
                        return Err(ExchangeError::Malformed("trailers too long".into()));
                    }
                    if self.fill().await? == 0 {
                        return Err(ExchangeError::Closed);
                    }
                }
            }
        }
    }
}

fn too_large() -> ExchangeError {
    ExchangeError::Malformed(format!("reply body larger than {MAX_BODY_BYTES} bytes"))
}

/// Request methods whose requests carry a body, so an empty one is sent
/// with `content-length: 0` (servers may otherwise answer 411).
fn method_implies_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

/// Visible ASCII only: no spaces, controls or line breaks that could split
/// the request line or inject a header.
fn is_request_text(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|b| (0x21..=0x7e).contains(b))
}

/// An RFC 9110 token: what a header's name may be.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Visible ASCII, spaces and tabs: nothing that could end the header line.
fn is_header_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
}

#[cfg(test)]
mod tests;
