//! `GET /metrics` on every service of a real store (one process per role,
//! as deployed): the series the issue names exist and move with the
//! traffic that was sent; switched off, `/metrics` is a JSON 404.

use serde_json::json;
use storefront_wire::KeepAliveConnection;
use storefront_wire::metrics::{self as names, Sample, parse, sum};

use crate::support::{Api, Backend, Store};

async fn scrape(address: std::net::SocketAddr) -> Vec<Sample> {
    let mut c = KeepAliveConnection::connect(&format!("http://{address}"))
        .await
        .unwrap();
    let reply = c.get("/metrics").await.unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    parse(&reply.text())
}

#[tokio::test]
async fn every_service_counts_what_it_served() {
    let store = Store::processes();
    let mut api = Api::to(&store).await;
    let tux = api.get("/products/Tux").await.expect(200);
    api.get("/products/NoSuchToy").await.expect(404);
    api.post("/orders", json!({"name": "Tux", "quantity": 1}))
        .await
        .expect(200);
    api.post("/orders", json!({"name": "Tux", "quantity": 1_000_000}))
        .await
        .expect(409);
    let tux_id = api.get("/products").await.expect(200).data()[0]["id"].clone();
    api.act_as("ann").await;
    api.post("/carts/ann", json!({"product_id": tux_id, "quantity": 1}))
        .await
        .expect(201);
    api.post("/carts/ann/checkout", json!({})).await.expect(200);
    drop(tux);

    let gateway = scrape(store.gateway.address).await;
    let by_route = |route: &str, status: &str| {
        sum(
            &gateway,
            names::HTTP_REQUESTS,
            &[("route", route), ("status", status)],
        )
    };
    assert_eq!(by_route("/products/{name_or_id}", "200"), 1.0);
    assert_eq!(by_route("/products/{name_or_id}", "404"), 1.0);
    assert_eq!(by_route("/orders", "200"), 1.0);
    assert_eq!(by_route("/orders", "409"), 1.0);
    let timed = sum(
        &gateway,
        &format!("{}_count", names::HTTP_REQUEST_DURATION),
        &[("route", "/orders")],
    );
    assert_eq!(timed, 2.0);
    assert!(sum(&gateway, names::PRODUCT_CACHE_REQUESTS, &[]) >= 2.0);
    assert!(sum(&gateway, names::RESIDENT_MEMORY, &[]) > 0.0);
    assert!(
        sum(
            &gateway,
            &format!("{}_count", names::PEER_CALL_DURATION),
            &[("peer", "orders")]
        ) >= 2.0
    );

    let orders = scrape(store.orders.address).await;
    assert_eq!(
        sum(&orders, names::SAGA_OUTCOMES, &[("outcome", "placed")]),
        2.0,
        "the lab buy and the checkout's order"
    );
    assert_eq!(
        sum(
            &orders,
            names::SAGA_OUTCOMES,
            &[("outcome", "insufficient_stock")]
        ),
        1.0
    );
    let batches = sum(
        &orders,
        &format!("{}_count", names::COMMIT_BATCH_SIZE),
        &[("database", "orders")],
    );
    assert!(batches >= 1.0, "no group commit counted");

    let carts = scrape(store.carts.address).await;
    assert_eq!(
        sum(&carts, names::CHECKOUT_OUTCOMES, &[("outcome", "ordered")]),
        1.0
    );

    let catalog = scrape(store.catalog.address).await;
    assert!(sum(&catalog, names::CPU_SECONDS, &[]) >= 0.0);
    assert!(
        sum(
            &catalog,
            &format!("{}_sum", names::COMMIT_BATCH_SIZE),
            &[("database", "catalog")]
        ) >= 2.0,
        "two reservations were committed"
    );
}

#[tokio::test]
async fn switched_off_metrics_answer_a_json_404_also_when_relayed() {
    let store = Store::processes_on(Backend::Sqlite, None, "metrics = false\n");
    let mut api = Api::to(&store).await;
    for path in ["/metrics", "/metrics/orders"] {
        let reply = api.get(path).await.expect(404);
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("switched off"),
            "{path}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn the_gateway_relays_each_peers_page() {
    let store = Store::processes();
    let mut api = Api::to(&store).await;
    api.post("/orders", json!({"name": "Tux", "quantity": 1}))
        .await
        .expect(200);
    let mut c = KeepAliveConnection::connect(&store.gateway_url())
        .await
        .unwrap();
    let reply = c.get("/metrics/orders").await.unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    let orders = parse(&reply.text());
    assert_eq!(
        sum(&orders, names::SAGA_OUTCOMES, &[("outcome", "placed")]),
        1.0,
        "the orders service's own page"
    );
    for peer in ["catalog", "carts"] {
        let reply = c.get(&format!("/metrics/{peer}")).await.unwrap();
        assert_eq!(reply.status, 200, "{peer}: {}", reply.text());
        assert!(sum(&parse(&reply.text()), names::RESIDENT_MEMORY, &[]) > 0.0);
    }
    api.get("/metrics/gateway").await.expect(404);
    api.get("/metrics/nope").await.expect(404);
}
