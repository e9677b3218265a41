//! One virtual user's HTTP/1.1 keep-alive connection, timed the way JMeter
//! reports a sample: time to connect, time to the first byte of the reply
//! (latency) and to its last byte (elapsed), and the bytes each way.
//!
//! This is the generator's hot path, so it is lean on purpose: requests are
//! written from one reused buffer in one system call, replies are read into
//! one reused buffer and their head parsed in place with `httparse` (the
//! parser inside hyper), and everything happens in the user's own task.
//! Going through hyper's client cost ~7x wrk's user-space time per request
//! (its request channel, connection task and header maps) and kept the
//! generator below 90 % of wrk's rate; see docs/BENCHMARKS.md. Owning the
//! bytes also makes the sample's byte counts exact, not rebuilt from
//! parsed headers.
//!
//! What it speaks: one request at a time (no pipelining), replies framed by
//! `Content-Length`, chunked transfer coding, or the end of the connection;
//! `Connection: close` and HTTP/1.0 replies are honoured. Informational
//! (1xx) replies before the final one are skipped.

use std::io::Write as _;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest reply head accepted (status line and headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Most header fields accepted in a reply head.
const MAX_HEADERS: usize = 32;
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

pub struct Connection {
    stream: TcpStream,
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
        Ok(Self {
            stream,
            authority: authority.to_owned(),
            outgoing: Vec::with_capacity(512),
            incoming: BytesMut::with_capacity(READ_CHUNK),
            finished: false,
        })
    }

    /// Whether no further request can be sent: the server announced the
    /// close, or closed (or wrote out of turn) while the connection sat
    /// idle. Costs no system call unless the socket became readable since
    /// the last reply.
    pub fn is_closed(&self) -> bool {
        if self.finished {
            return true;
        }
        let mut probe = [0u8; 1];
        match self.stream.try_read(&mut probe) {
            // Nothing to read: the connection is idle and open.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
            // End of stream, an error, or bytes nobody asked for.
            _ => true,
        }
    }

    /// Sends one request (a JSON body if given) and reads the whole reply.
    pub async fn exchange(
        &mut self,
        method: &Method,
        path: &str,
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
        self.write_request(method, path, body.as_deref());
        let expects_body = *method != Method::HEAD;
        let result = tokio::time::timeout(timeout, self.round_trip(expects_body)).await;
        let result = result.unwrap_or(Err(ExchangeError::TimedOut(timeout)));
        if result.is_err() {
            // Whatever is left on the socket belongs to a broken exchange.
            self.finished = true;
        }
        result
    }

    fn write_request(&mut self, method: &Method, path: &str, body: Option<&[u8]>) {
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
        match body {
            Some(body) => {
                let _ = write!(
                    out,
                    "content-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
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
            let _ = self.incoming.split_to(head.length);
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    /// Bytes of the status line and headers, through the empty line.
    length: usize,
    framing: Framing,
    /// The server closes the connection after this reply.
    closes: bool,
}

/// Parses a reply head at the start of `buffer`; `None` while incomplete.
fn parse_head(buffer: &[u8]) -> Result<Option<Head>, ExchangeError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let length = match response.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(ExchangeError::Malformed(e.to_string())),
    };
    let status = response.code.unwrap_or_default();
    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    // HTTP/1.0 closes unless asked to keep alive; HTTP/1.1 keeps alive
    // unless told to close.
    let mut closes = response.version == Some(0);
    for header in response.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| ExchangeError::Malformed("invalid content-length".into()))?;
            if content_length.is_some_and(|seen| seen != value) {
                return Err(ExchangeError::Malformed(
                    "conflicting content-length headers".into(),
                ));
            }
            content_length = Some(value);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = header
                .value
                .split(|b| *b == b',')
                .next_back()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if header.name.eq_ignore_ascii_case("connection") {
            for token in header.value.split(|b| *b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    closes = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    closes = false;
                }
            }
        }
    }
    // Chunked coding wins over a length (RFC 9112 §6.3).
    let framing = match (chunked, content_length) {
        (true, _) => Framing::Chunked,
        (false, Some(n)) => Framing::Length(n),
        (false, None) => Framing::UntilClose,
    };
    Ok(Some(Head {
        status,
        length,
        framing,
        closes,
    }))
}

/// Parses a chunk-size line at the start of `buffer`: the chunk's size and
/// the line's length with its CRLF; `None` while incomplete.
fn chunk_size_line(buffer: &[u8]) -> Result<Option<(usize, usize)>, ExchangeError> {
    let Some(end) = buffer.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    let line = &buffer[..end];
    let digits = line.split(|b| *b == b';').next().unwrap_or_default();
    let size = std::str::from_utf8(digits.trim_ascii())
        .ok()
        .filter(|d| !d.is_empty() && d.len() <= 15)
        .and_then(|d| usize::from_str_radix(d, 16).ok())
        .ok_or_else(|| ExchangeError::Malformed("invalid chunk size".into()))?;
    Ok(Some((size, end + 2)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    const TIMEOUT: Duration = Duration::from_secs(10);

    /// Reads one request head (and a body of `content-length` bytes).
    async fn read_request(socket: &mut TcpStream) -> Option<Vec<u8>> {
        let mut request = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                if request.len() >= end + 4 + length {
                    return Some(request);
                }
            }
            let n = socket.read(&mut chunk).await.unwrap();
            if n == 0 {
                return None;
            }
            request.extend_from_slice(&chunk[..n]);
        }
    }

    /// A server that answers each request on one connection with the next
    /// of `replies`, each written in the given pieces, then closes. Returns
    /// the address and the requests it saw.
    async fn scripted_server(
        replies: Vec<Vec<&'static [u8]>>,
    ) -> (String, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            for pieces in replies {
                let Some(request) = read_request(&mut socket).await else {
                    break;
                };
                seen.push(request);
                for piece in pieces {
                    socket.write_all(piece).await.unwrap();
                    socket.flush().await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            seen
        });
        (authority, server)
    }

    #[tokio::test]
    async fn requests_are_written_whole_and_exact_bytes_are_counted() {
        let reply: &[u8] = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}";
        let (authority, server) = scripted_server(vec![vec![reply], vec![reply]]).await;
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        let body = Bytes::from_static(br#"{"name":"x","quantity":1}"#);
        let first = connection
            .exchange(&Method::POST, "/orders", Some(body.clone()), TIMEOUT)
            .await
            .unwrap();
        let second = connection
            .exchange(&Method::GET, "/orders/0?x=%20", None, TIMEOUT)
            .await
            .unwrap();
        drop(connection);
        let seen = server.await.unwrap();
        let expected_post = format!(
            "POST /orders HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\n\
             content-length: 25\r\n\r\n{{\"name\":\"x\",\"quantity\":1}}"
        );
        let expected_get = format!("GET /orders/0?x=%20 HTTP/1.1\r\nhost: {authority}\r\n\r\n");
        assert_eq!(String::from_utf8(seen[0].clone()).unwrap(), expected_post);
        assert_eq!(String::from_utf8(seen[1].clone()).unwrap(), expected_get);
        assert_eq!((first.status, &first.body[..]), (201, &b"{}"[..]));
        assert_eq!(first.sent_bytes, expected_post.len() as u64);
        assert_eq!(first.received_bytes, reply.len() as u64);
        assert_eq!(second.sent_bytes, expected_get.len() as u64);
    }

    #[tokio::test]
    async fn a_reply_split_across_reads_is_reassembled() {
        let (authority, server) = scripted_server(vec![vec![
            b"HTTP/1.1 200 OK\r\ncontent-le",
            b"ngth: 11\r\n\r\nhello",
            b" world",
        ]])
        .await;
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        let reply = connection
            .exchange(&Method::GET, "/", None, TIMEOUT)
            .await
            .unwrap();
        assert_eq!(&reply.body[..], b"hello world");
        assert!(reply.latency <= TIMEOUT);
        drop(connection);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn a_chunked_reply_is_decoded_and_its_framing_counted() {
        let reply: &[u8] =
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n";
        let (authority, server) = scripted_server(vec![
            vec![&reply[..40], &reply[40..70], &reply[70..]],
            vec![b"HTTP/1.1 204 No Content\r\n\r\n"],
        ])
        .await;
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        let first = connection
            .exchange(&Method::GET, "/a", None, TIMEOUT)
            .await
            .unwrap();
        assert_eq!(&first.body[..], b"hello world");
        assert_eq!(first.received_bytes, reply.len() as u64);
        // The connection stays usable: the next reply is read cleanly.
        let second = connection
            .exchange(&Method::DELETE, "/b", None, TIMEOUT)
            .await
            .unwrap();
        assert_eq!((second.status, second.body.len()), (204, 0));
        drop(connection);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn a_reply_without_length_runs_to_the_close_and_ends_the_connection() {
        let (authority, server) =
            scripted_server(vec![vec![b"HTTP/1.0 200 OK\r\n\r\nuntil", b" close"]]).await;
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        let reply = connection
            .exchange(&Method::GET, "/", None, TIMEOUT)
            .await
            .unwrap();
        assert_eq!(&reply.body[..], b"until close");
        assert!(connection.is_closed());
        server.await.unwrap();
    }

    #[tokio::test]
    async fn connection_close_is_honoured() {
        let (authority, server) = scripted_server(vec![vec![
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        ]])
        .await;
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        connection
            .exchange(&Method::GET, "/", None, TIMEOUT)
            .await
            .unwrap();
        assert!(connection.is_closed());
        let again = connection.exchange(&Method::GET, "/", None, TIMEOUT).await;
        assert!(matches!(again, Err(ExchangeError::Closed)), "{again:?}");
        server.await.unwrap();
    }

    #[tokio::test]
    async fn informational_replies_are_skipped() {
        let (authority, server) = scripted_server(vec![vec![
            b"HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx",
        ]])
        .await;
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        let reply = connection
            .exchange(&Method::GET, "/", None, TIMEOUT)
            .await
            .unwrap();
        assert_eq!((reply.status, &reply.body[..]), (200, &b"x"[..]));
        drop(connection);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn malformed_or_truncated_replies_are_errors_not_hangs() {
        let cases: Vec<&'static [u8]> = vec![
            b"NOT HTTP AT ALL\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: nine\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabc\r\n",
            // Truncated: the server closes before the promised body.
            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\ncontent-le",
        ];
        for case in cases {
            let (authority, server) = scripted_server(vec![vec![case]]).await;
            let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
            let result = connection.exchange(&Method::GET, "/", None, TIMEOUT).await;
            let shown = String::from_utf8_lossy(case);
            assert!(
                matches!(
                    result,
                    Err(ExchangeError::Malformed(_) | ExchangeError::Closed)
                ),
                "{shown}: {result:?}"
            );
            assert!(connection.is_closed(), "{shown}: reused after an error");
            server.await.unwrap();
        }
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            read_request(&mut socket).await;
            // Keep the socket open and say nothing.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        let short = Duration::from_millis(200);
        let result = connection.exchange(&Method::GET, "/", None, short).await;
        assert!(
            matches!(result, Err(ExchangeError::TimedOut(_))),
            "{result:?}"
        );
        assert!(connection.is_closed());
        server.abort();
    }

    #[tokio::test]
    async fn request_targets_that_could_split_the_request_are_refused() {
        let (authority, server) = scripted_server(vec![]).await;
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        for bad in ["/a b", "/a\r\nx-injected: 1", "no-slash", ""] {
            let result = connection.exchange(&Method::GET, bad, None, TIMEOUT).await;
            assert!(
                matches!(result, Err(ExchangeError::Request(_))),
                "{bad:?}: {result:?}"
            );
        }
        drop(connection);
        server.abort();
    }

    /// A close that arrives while the connection sits idle must be seen
    /// before the next request, so the user reopens instead of failing.
    #[tokio::test]
    async fn a_connection_the_server_closed_while_idle_reports_closed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        let (idle, closing) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            read_request(&mut socket).await.unwrap();
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .await
                .unwrap();
            // Once the client has its reply and sits idle, close, as a
            // server does with an idle keep-alive socket.
            let _ = closing.await;
        });
        let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
        let reply = connection
            .exchange(&Method::GET, "/", None, TIMEOUT)
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
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        assert!(noticed.is_ok(), "the close was never noticed");
    }

    #[test]
    fn heads_are_parsed_with_their_framing() {
        let head = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nrest")
            .unwrap()
            .unwrap();
        assert_eq!(
            head,
            Head {
                status: 200,
                length: 39,
                framing: Framing::Length(12),
                closes: false
            }
        );
        let head =
            parse_head(b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 0\r\n\r\n")
                .unwrap()
                .unwrap();
        assert!(!head.closes);
        let head = parse_head(
            b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(head.framing, Framing::Chunked);
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\n").unwrap(), None);
    }
}
