//! Floods of connections: past `http.max_connections` a service answers
//! 503 `too many connections` at once and closes, instead of taking every
//! file descriptor; a slot freed is served again. (How many idle or
//! half-sent connections a store holds while a normal client stays fast is
//! measured by `scripts/flood.sh`, docs/BENCHMARKS.md "Floods".)

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{PATIENCE, Store};

/// Sends `GET /health` on a new connection and reads the whole reply (the
/// server closes after a refusal; a served request is read up to its body).
async fn health_on_new_connection(store: &Store) -> String {
    let mut stream = TcpStream::connect(store.gateway.address).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut reply)).await;
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn past_the_connection_limit_a_client_gets_503_and_a_freed_slot_serves_again() {
    let store = Store::start_with(None, "[http]\nmax_connections = 3\n");
    // Three connections that never send a request hold every slot (the
    // server takes a slot when it accepts, which may follow `connect` by a
    // moment: keep asking until the refusal shows).
    let idle = connections(store.gateway.address, 3).await;
    let deadline = Instant::now() + PATIENCE;
    let refused = loop {
        let reply = health_on_new_connection(&store).await;
        if reply.starts_with("HTTP/1.1 503") {
            break reply;
        }
        assert!(Instant::now() < deadline, "never refused: {reply}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(refused.contains("retry-after: 1"), "{refused}");
    assert!(
        refused.ends_with(r#"{"error":{"code":503,"message":"too many connections"}}"#),
        "{refused}"
    );

    // One idle connection goes: its slot serves the next client.
    drop(idle);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let reply = health_on_new_connection(&store).await;
        if reply.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(Instant::now() < deadline, "never served again: {reply}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `n` open connections that send nothing.
async fn connections(address: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        streams.push(TcpStream::connect(address).await.unwrap());
    }
    streams
}
