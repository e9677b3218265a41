//! SIGTERM: a role stops accepting, lets requests in flight finish, exits 0.

use std::time::Duration;

use crate::support::Store;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn sigterm_lets_a_buy_in_flight_finish_then_exits_cleanly() {
    let mut store = Store::processes();
    let body = br#"{"name":"Tux","quantity":1}"#;
    let mut socket = TcpStream::connect(store.gateway.address).await.unwrap();
    let head = format!(
        "POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    kill(Pid::from_raw(store.gateway.pid() as i32), Signal::SIGTERM).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    socket.write_all(&body[10..]).await.unwrap();

    let mut reply = Vec::new();
    socket.read_to_end(&mut reply).await.unwrap();
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains(r#"{"data":{"order_number":0}}"#), "{reply}");

    let status = store.gateway.wait_for_exit();
    assert!(status.success(), "{status}");
    assert!(
        TcpStream::connect(store.gateway.address).await.is_err(),
        "no longer accepting"
    );
}
