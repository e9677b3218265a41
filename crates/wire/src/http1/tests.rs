//! The connection against scripted TCP servers: what it writes, how it
//! reads each framing, and that bad or silent servers end in an error.

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Opens a connection to `authority` and sends `GET /` on it.
async fn get_root(authority: &str) -> (Connection, Result<Reply, ExchangeError>) {
    let mut connection = Connection::open(authority, TIMEOUT).await.unwrap();
    let result = connection
        .exchange(&Method::GET, "/", &[], None, TIMEOUT)
        .await;
    (connection, result)
}

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
        .exchange(&Method::POST, "/orders", &[], Some(body.clone()), TIMEOUT)
        .await
        .unwrap();
    let second = connection
        .exchange(&Method::GET, "/orders/0?x=%20", &[], None, TIMEOUT)
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
    let (connection, reply) = get_root(&authority).await;
    let reply = reply.unwrap();
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
        .exchange(&Method::GET, "/a", &[], None, TIMEOUT)
        .await
        .unwrap();
    assert_eq!(&first.body[..], b"hello world");
    assert_eq!(first.received_bytes, reply.len() as u64);
    // The connection stays usable: the next reply is read cleanly.
    let second = connection
        .exchange(&Method::DELETE, "/b", &[], None, TIMEOUT)
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
    let (connection, reply) = get_root(&authority).await;
    let reply = reply.unwrap();
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
    let (mut connection, reply) = get_root(&authority).await;
    reply.unwrap();
    assert!(connection.is_closed());
    let again = connection
        .exchange(&Method::GET, "/", &[], None, TIMEOUT)
        .await;
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
    let (connection, reply) = get_root(&authority).await;
    let reply = reply.unwrap();
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
        let (connection, result) = get_root(&authority).await;
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
    let result = connection
        .exchange(&Method::GET, "/", &[], None, short)
        .await;
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
        let result = connection
            .exchange(&Method::GET, bad, &[], None, TIMEOUT)
            .await;
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
    let (connection, reply) = get_root(&authority).await;
    let reply = reply.unwrap();
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

#[tokio::test]
async fn headers_are_written_after_the_host_and_line_breaks_are_refused() {
    let reply: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";
    let (authority, server) = scripted_server(vec![vec![reply]]).await;
    let mut connection = Connection::open(&authority, TIMEOUT).await.unwrap();
    for bad in [("x-id", "a\r\nx-evil: 1"), ("x id", "a"), ("", "a")] {
        let refused = connection
            .exchange(&Method::GET, "/", &[bad], None, TIMEOUT)
            .await;
        assert!(
            matches!(refused, Err(ExchangeError::Request(_))),
            "{bad:?}: {refused:?}"
        );
    }
    let reply = connection
        .exchange(
            &Method::GET,
            "/",
            &[("x-request-id", "abc 1"), ("authorization", "Bearer t")],
            None,
            TIMEOUT,
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 204);
    drop(connection);
    let seen = server.await.unwrap();
    assert_eq!(
        String::from_utf8(seen[0].clone()).unwrap(),
        format!(
            "GET / HTTP/1.1\r\nhost: {authority}\r\nx-request-id: abc 1\r\n\
             authorization: Bearer t\r\n\r\n"
        )
    );
}

#[tokio::test]
async fn a_replys_headers_are_read_on_demand() {
    let reply: &'static [u8] = b"HTTP/1.1 303 See Other\r\nLocation: /shop/cart\r\n\
        set-cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\ncontent-length: 0\r\n\r\n";
    let (authority, _server) = scripted_server(vec![vec![reply]]).await;
    let (_, result) = get_root(&authority).await;
    let reply = result.unwrap();
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.headers("location").collect::<Vec<_>>(),
        ["/shop/cart"]
    );
    assert_eq!(
        reply.headers("Set-Cookie").collect::<Vec<_>>(),
        ["a=1; Path=/", "b=2"]
    );
    assert_eq!(reply.headers("x-missing").count(), 0);
}
