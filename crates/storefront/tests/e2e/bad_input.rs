//! Every kind of bad input gets a clear 4xx error object; nothing changes,
//! nothing panics, nothing hangs, never a 500.

use std::time::Duration;

use crate::support::{Api, PATIENCE, Store, products_by_name};
use bytes::Bytes;
use http::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FAST_TIMEOUTS: &str = "[http]\nheader_timeout_ms = 300\nbody_timeout_ms = 300\n";

/// Sends a raw request body to POST /orders with the given content type.
async fn post_orders(store: &Store, body: &str, content_type: Option<&str>) -> (u16, Value) {
    let mut c = store.connect().await;
    let response = c
        .send(
            Method::POST,
            "/orders",
            Bytes::from(body.to_owned()),
            content_type,
        )
        .await
        .unwrap();
    let v: Value = response
        .json()
        .unwrap_or_else(|_| panic!("not JSON: {}", response.text()));
    (response.status.as_u16(), v)
}

/// Asserts the error object has the shape and a code equal to the status.
fn assert_error_object(status: u16, v: &Value, case: &str) {
    assert_eq!(v["error"]["code"], status, "{case}: {v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        !message.is_empty(),
        "{case}: message must say what is wrong"
    );
    assert_eq!(
        v.as_object().unwrap().len(),
        1,
        "{case}: only the error key"
    );
}

/// No stock moved and no order exists.
async fn assert_nothing_changed(store: &Store) {
    assert!(
        store.stock().await.iter().all(|(_, q)| *q == 100),
        "stock changed"
    );
    assert!(store.all_orders().await.is_empty(), "an order was created");
}

#[tokio::test]
async fn malformed_or_mistyped_order_bodies_get_400_or_422_and_change_nothing() {
    let store = Store::start();
    let long_name = "x".repeat(101);
    let cases: Vec<(String, u16)> = vec![
        ("{".into(), 400),
        ("not json".into(), 400),
        ("".into(), 400),
        (r#"{"name":"Tux","quantity":1"#.into(), 400),
        (r#"{"name":"Tux","quantity":"1"}"#.into(), 422),
        (r#"{"name":"Tux","quantity":1.5}"#.into(), 422),
        (r#"{"name":"Tux","quantity":true}"#.into(), 422),
        (r#"{"name":"Tux","quantity":null}"#.into(), 422),
        (r#"{"name":"Tux"}"#.into(), 422),
        (r#"{"quantity":1}"#.into(), 422),
        (r#"{"name":7,"quantity":1}"#.into(), 422),
        (r#"{"name":"Tux","quantity":0}"#.into(), 422),
        (r#"{"name":"Tux","quantity":-1}"#.into(), 422),
        (r#"{"name":"Tux","quantity":1000001}"#.into(), 422),
        (
            r#"{"name":"Tux","quantity":99999999999999999999999}"#.into(),
            422,
        ),
        (r#"{"name":"","quantity":1}"#.into(), 422),
        (json!({"name": long_name, "quantity": 1}).to_string(), 422),
        (r#"[1,2]"#.into(), 422),
        (r#""Tux""#.into(), 422),
        // The order's fields as an array: serde's derive would take it.
        (r#"["Tux",1]"#.into(), 422),
        (r#"  ["alice",[{"name":"Tux","quantity":1}]]"#.into(), 422),
    ];
    for (body, expected) in cases {
        let (status, v) = post_orders(&store, &body, Some("application/json")).await;
        assert_eq!(status, expected, "body {body}: {v}");
        assert_error_object(status, &v, &body);
    }
    assert_nothing_changed(&store).await;
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_415() {
    let store = Store::start();
    let body = r#"{"name":"Tux","quantity":1}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let (status, v) = post_orders(&store, body, content_type).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert_error_object(status, &v, "content type");
    }
    assert_nothing_changed(&store).await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_whether_declared_or_streamed() {
    let store = Store::start();
    let huge = format!(
        r#"{{"name":"Tux","quantity":1,"pad":"{}"}}"#,
        "x".repeat(100_000)
    );
    let (status, v) = post_orders(&store, &huge, Some("application/json")).await;
    assert_eq!(status, 413);
    assert_error_object(status, &v, "declared length");

    // Chunked: no Content-Length to check up front.
    let mut socket = TcpStream::connect(store.gateway.address).await.unwrap();
    let mut request = String::from(
        "POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    for _ in 0..10 {
        request.push_str(&format!("{:x}\r\n{}\r\n", 4000, "x".repeat(4000)));
    }
    request.push_str("0\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let reply = read_reply(&mut socket).await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains(r#""code":413"#), "{reply}");
    assert_nothing_changed(&store).await;
}

#[tokio::test]
async fn unknown_paths_methods_and_order_numbers_get_json_errors() {
    let store = Store::start();
    let mut c = store.connect().await;
    let cases = [
        (Method::GET, "/nothing-here", 404),
        (Method::GET, "/products/Tux/extra", 404),
        (Method::PATCH, "/products/Tux", 405),
        (Method::DELETE, "/products/Tux", 401),
        (Method::PUT, "/orders", 405),
        (Method::DELETE, "/orders", 405),
        (Method::GET, "/orders?limit=0", 400),
        (Method::GET, "/products?offset=x", 400),
        (Method::GET, "/carts/a%20b", 400),
        (Method::DELETE, "/carts/bob/Tux", 400),
        (Method::GET, "/carts/bob/checkout", 405),
        (Method::GET, "/orders/abc", 400),
        (Method::GET, "/orders/-1", 400),
        (Method::GET, "/orders/1.5", 400),
        (Method::GET, "/orders/99999999999999999999999", 404),
        (Method::GET, "/orders/0", 404),
        (Method::GET, "/products/Unicorn", 404),
        (Method::GET, &format!("/products/{}", "y".repeat(101)), 400),
    ];
    for (method, path, expected) in cases {
        let response = c
            .send(method.clone(), path, Bytes::new(), None)
            .await
            .unwrap();
        let v: Value = response
            .json()
            .unwrap_or_else(|_| panic!("{method} {path}: {}", response.text()));
        assert_eq!(response.status.as_u16(), expected, "{method} {path}: {v}");
        assert_error_object(expected, &v, path);
    }
    assert_nothing_changed(&store).await;
}

#[tokio::test]
async fn a_client_that_sends_its_body_too_slowly_gets_408() {
    let store = Store::start_with(None, FAST_TIMEOUTS);
    let mut socket = TcpStream::connect(store.gateway.address).await.unwrap();
    socket
        .write_all(b"POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"name\":\"Tux\"")
        .await
        .unwrap();
    let reply = read_reply(&mut socket).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains(r#""code":408"#), "{reply}");
    assert_nothing_changed(&store).await;
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed() {
    let store = Store::start_with(None, FAST_TIMEOUTS);
    let mut idle = TcpStream::connect(store.gateway.address).await.unwrap();
    let mut half = TcpStream::connect(store.gateway.address).await.unwrap();
    half.write_all(b"GET /products/Tux HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    for socket in [&mut idle, &mut half] {
        // The server must end the connection (EOF, perhaps after a 408),
        // long before the test's patience runs out.
        let mut sink = Vec::new();
        let read = tokio::time::timeout(PATIENCE, socket.read_to_end(&mut sink)).await;
        assert!(read.is_ok(), "connection left open");
    }
    // And a keep-alive connection that is used stays usable.
    let mut c = store.connect().await;
    for _ in 0..3 {
        assert_eq!(c.get("/products/Tux").await.unwrap().status, 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every route with a body takes an object: the same fields as an array,
/// which serde's derived structs would accept, get 422 and change nothing.
#[tokio::test]
async fn every_body_must_be_an_object() {
    let store = Store::start();
    let mut api = Api::to(&store).await;
    let tux = products_by_name(&mut api).await["Tux"].0;
    let cases = [
        ("POST", "/products".to_owned(), json!(["Kite", 9.99, 5])),
        ("PUT", format!("/products/{tux}"), json!(["Tux", 1.0, 5])),
        ("POST", "/carts/alice".to_owned(), json!([tux, 1])),
        ("PUT", format!("/carts/alice/{tux}"), json!([2])),
        ("POST", "/orders".to_owned(), json!(["Tux", 1])),
    ];
    for (method, path, body) in cases {
        let reply = api.admin(method, &path, Some(body.clone())).await;
        assert_eq!(reply.status, 422, "{method} {path} {body}: {}", reply.body);
        assert_error_object(reply.status, &reply.body, &path);
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("JSON object")),
            "{}",
            reply.body
        );
    }
    assert_nothing_changed(&store).await;
    let cart = api.admin("GET", "/carts/alice", None).await;
    assert!(
        cart.status == 404 || cart.data()["items"].as_array().is_some_and(Vec::is_empty),
        "the cart changed: {}",
        cart.body
    );
}

#[tokio::test]
async fn no_bad_request_ever_gets_a_5xx() {
    let store = Store::start();
    let mut c = store.connect().await;
    let nasty = [
        "/products/%00",
        "/products/%FF%FE",
        "/products/..%2F..%2Fetc%2Fpasswd",
        "/products/%20Tux",
        "/orders/%00",
        "/products/Tux%0A",
    ];
    for path in nasty {
        let response = c.get(path).await.unwrap();
        assert!(
            response.status.is_client_error(),
            "{path}: {}",
            response.status
        );
        let v: Value = response.json().unwrap();
        assert_error_object(response.status.as_u16(), &v, path);
    }
}

/// Reads one HTTP reply (or whatever arrives before the server closes).
async fn read_reply(socket: &mut TcpStream) -> String {
    let mut buffer = vec![0u8; 16 * 1024];
    let mut reply = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !String::from_utf8_lossy(&reply).contains("}}") {
        let read = tokio::time::timeout_at(deadline, socket.read(&mut buffer))
            .await
            .expect("no reply");
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&reply).into_owned()
}
