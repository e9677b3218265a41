//! The lab protocol at the gateway, response by response, against a whole
//! store (the restart checks against the real binary, a process per role).

use crate::support::{Role, Store};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn querying_a_product_returns_exactly_name_price_and_quantity() {
    let store = Store::start();
    let mut c = store.connect().await;
    let response = c.get("/products/Tux").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "application/json");
    assert_eq!(
        response.text(),
        r#"{"data":{"name":"Tux","price":15.99,"quantity":100}}"#
    );
}

#[tokio::test]
async fn names_with_spaces_are_addressed_percent_encoded() {
    let store = Store::start();
    let mut c = store.connect().await;
    let v: Value = c
        .get("/products/Rubber%20Duck")
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["data"]["name"], "Rubber Duck");
}

#[tokio::test]
async fn an_unknown_product_is_404_with_the_error_object() {
    let store = Store::start();
    let mut c = store.connect().await;
    let response = c.get("/products/Unicorn").await.unwrap();
    assert_eq!(response.status, 404);
    assert_eq!(
        response.text(),
        r#"{"error":{"code":404,"message":"product not found"}}"#
    );
}

#[tokio::test]
async fn the_product_list_has_ids_and_at_least_ten_toys() {
    let store = Store::start();
    let mut c = store.connect().await;
    let v: Value = c.get("/products").await.unwrap().json().unwrap();
    let products = v["data"].as_array().unwrap();
    assert!(products.len() >= 10);
    for p in products {
        let mut keys: Vec<_> = p.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["id", "name", "price", "quantity"]);
        assert_eq!(p["quantity"], 100);
    }
}

#[tokio::test]
async fn buying_numbers_orders_from_zero_and_takes_stock() {
    let store = Store::start();
    let mut c = store.connect().await;
    for expected in 0..3u64 {
        let response = c
            .post_json("/orders", &json!({"name": "Tux", "quantity": 2}))
            .await
            .unwrap();
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(
            response.text(),
            format!(r#"{{"data":{{"order_number":{expected}}}}}"#)
        );
    }
    let v: Value = c.get("/products/Tux").await.unwrap().json().unwrap();
    assert_eq!(v["data"]["quantity"], 94);
}

#[tokio::test]
async fn an_order_reads_back_as_number_name_and_quantity() {
    let store = Store::start();
    let mut c = store.connect().await;
    c.post_json("/orders", &json!({"name": "Whale", "quantity": 3}))
        .await
        .unwrap();
    let response = c.get("/orders/0").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.text(),
        r#"{"data":{"number":0,"name":"Whale","quantity":3}}"#
    );
    let missing = c.get("/orders/1").await.unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.text(),
        r#"{"error":{"code":404,"message":"order not found"}}"#
    );
}

#[tokio::test]
async fn buying_more_than_stock_returns_409_and_keeps_stock_and_numbers() {
    let store = Store::start();
    let mut c = store.connect().await;
    let response = c
        .post_json("/orders", &json!({"name": "Bird", "quantity": 101}))
        .await
        .unwrap();
    assert_eq!(response.status, 409);
    let v: Value = response.json().unwrap();
    assert_eq!(v["error"]["code"], 409);
    let v: Value = c.get("/products/Bird").await.unwrap().json().unwrap();
    assert_eq!(v["data"]["quantity"], 100);
    // A refused order consumed no number.
    let v: Value = c
        .post_json("/orders", &json!({"name": "Bird", "quantity": 100}))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["data"]["order_number"], 0);
    let response = c
        .post_json("/orders", &json!({"name": "Bird", "quantity": 1}))
        .await
        .unwrap();
    assert_eq!(response.status, 409, "sold out");
}

#[tokio::test]
async fn buying_an_unknown_product_is_404_and_consumes_no_number() {
    let store = Store::start();
    let mut c = store.connect().await;
    let response = c
        .post_json("/orders", &json!({"name": "Unicorn", "quantity": 1}))
        .await
        .unwrap();
    assert_eq!(response.status, 404);
    assert_eq!(
        response.text(),
        r#"{"error":{"code":404,"message":"product not found"}}"#
    );
    let v: Value = c
        .post_json("/orders", &json!({"name": "Tux", "quantity": 1}))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["data"]["order_number"], 0);
}

#[tokio::test]
async fn a_client_queries_and_buys_on_one_keep_alive_connection() {
    let store = Store::start();
    let mut c = store.connect().await;
    for _ in 0..20 {
        assert_eq!(c.get("/products/Fox").await.unwrap().status, 200);
        let response = c
            .post_json("/orders", &json!({"name": "Fox", "quantity": 1}))
            .await
            .unwrap();
        assert_eq!(response.status, 200);
        assert!(!c.is_closed());
    }
}

#[tokio::test]
async fn order_numbers_and_stock_continue_across_restarts_of_every_process() {
    let mut store = Store::processes();
    {
        let mut c = store.connect().await;
        for _ in 0..3 {
            c.post_json("/orders", &json!({"name": "Lego", "quantity": 5}))
                .await
                .unwrap();
        }
    }
    for role in [Role::Catalog, Role::Orders, Role::Gateway] {
        store.restart(role);
    }
    let mut c = store.connect().await;
    let v: Value = c
        .post_json("/orders", &json!({"name": "Lego", "quantity": 5}))
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["data"]["order_number"], 3);
    let v: Value = c.get("/products/Lego").await.unwrap().json().unwrap();
    assert_eq!(v["data"]["quantity"], 80);
    let v: Value = c.get("/orders/1").await.unwrap().json().unwrap();
    assert_eq!(
        v["data"],
        json!({"number": 1, "name": "Lego", "quantity": 5})
    );
}

#[tokio::test]
async fn a_replaced_seed_file_sets_the_initial_catalog() {
    let store = Store::start_with_seed(r#"[{"name":"Kite","price":7.5,"quantity":3}]"#);
    let mut c = store.connect().await;
    assert_eq!(
        c.get("/products/Kite").await.unwrap().text(),
        r#"{"data":{"name":"Kite","price":7.50,"quantity":3}}"#
    );
    assert_eq!(c.get("/products/Tux").await.unwrap().status, 404);
}

#[tokio::test]
async fn a_stopped_peer_gives_503_with_an_error_object_and_recovers() {
    let mut store = Store::processes();
    store.kill(Role::Catalog);
    let mut c = store.connect().await;
    for request in ["query", "buy"] {
        let response = match request {
            "query" => c.get("/products/Tux").await.unwrap(),
            _ => c
                .post_json("/orders", &json!({"name": "Tux", "quantity": 1}))
                .await
                .unwrap(),
        };
        assert_eq!(response.status, 503, "{request}: {}", response.text());
        let v: Value = response.json().unwrap();
        assert_eq!(v["error"]["code"], 503);
        assert_eq!(v["error"]["message"], "catalog service unavailable");
    }
    store.restart(Role::Catalog);
    store.wait_until_reconciled().await;
    assert_eq!(c.get("/products/Tux").await.unwrap().status, 200);
    let v: Value = c.get("/products/Tux").await.unwrap().json().unwrap();
    assert_eq!(v["data"]["quantity"], 100, "the failed buy took nothing");
}

#[tokio::test]
async fn every_reply_carries_a_request_id_and_a_given_one_is_kept() {
    let store = Store::start();
    let mut c = store.connect().await;
    let first = c.get("/products/Tux").await.unwrap();
    let second = c.get("/products/Unicorn").await.unwrap();
    let ids: Vec<_> = [&first, &second]
        .iter()
        .map(|r| r.headers["x-request-id"].to_str().unwrap().to_owned())
        .collect();
    assert!(!ids[0].is_empty());
    assert_ne!(ids[0], ids[1], "each request gets its own id");

    // A caller's own id is kept (sent raw: it must arrive exactly as written).
    let mut socket = tokio::net::TcpStream::connect(store.gateway.address)
        .await
        .unwrap();
    socket
        .write_all(b"GET /products/Tux HTTP/1.1\r\nHost: t\r\nx-request-id: trace-me-42\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut reply = String::new();
    socket.read_to_string(&mut reply).await.unwrap();
    assert!(
        reply.to_lowercase().contains("x-request-id: trace-me-42"),
        "{reply}"
    );
}
