//! The gateway's optional product cache (`gateway.product_cache = true`) and
//! the catalog's `/product-changes` long poll that keeps it current.

use std::time::{Duration, Instant};

use crate::support::{Backend, PATIENCE, Role, Store};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

const CACHE_ON: &str = "[gateway]\nproduct_cache = true\n";

/// Queries Tux until `accept` holds for the reply (status, body).
async fn wait_for_tux(store: &Store, accept: impl Fn(u16, &Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(mut c) = store_connection(store).await
            && let Ok(r) = c.get("/products/Tux").await
        {
            let v: Value = r.json().unwrap_or(Value::Null);
            if accept(r.status.as_u16(), &v) {
                return v;
            }
        }
        assert!(
            Instant::now() < deadline,
            "Tux never reached the expected state"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the gateway's copy (not the catalog) answers queries.
async fn wait_for_cache_hit(store: &Store) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(mut c) = store_connection(store).await
            && let Ok(r) = c.get("/products/Tux").await
            && r.status == 200
            && r.headers
                .get("cache-status")
                .is_some_and(|v| v == "storefront; hit")
        {
            return;
        }
        assert!(Instant::now() < deadline, "the cache never filled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn store_connection(
    store: &Store,
) -> Result<KeepAliveConnection, storefront_wire::ConnectionError> {
    KeepAliveConnection::connect_with_timeout(&store.gateway_url(), Duration::from_secs(2)).await
}

#[tokio::test]
async fn cached_queries_follow_buys_and_keep_the_lab_shape() {
    let store = Store::start_with(None, CACHE_ON);
    wait_for_tux(&store, |s, v| s == 200 && v["data"]["quantity"] == 100).await;
    let mut c = store.connect().await;
    assert_eq!(
        c.get("/products/Tux").await.unwrap().text(),
        r#"{"data":{"name":"Tux","price":15.99,"quantity":100}}"#
    );
    assert_eq!(
        c.get("/products/Unicorn").await.unwrap().text(),
        r#"{"error":{"code":404,"message":"product not found"}}"#
    );
    let r = c
        .post_json("/orders", &json!({"name": "Tux", "quantity": 5}))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    wait_for_tux(&store, |s, v| s == 200 && v["data"]["quantity"] == 95).await;
    let v: Value = c.get("/products").await.unwrap().json().unwrap();
    assert_eq!(v["data"][0]["quantity"], 95);

    // By id too: the full record, from the copy once it has the buy.
    let id = v["data"][0]["id"].as_i64().unwrap();
    let deadline = Instant::now() + PATIENCE;
    let record = loop {
        let r = c.get(&format!("/products/{id}")).await.unwrap();
        let hit = r
            .headers
            .get("cache-status")
            .is_some_and(|v| v == "storefront; hit");
        let v: Value = r.json().unwrap();
        if hit && v["data"]["quantity"] == 95 {
            break v;
        }
        assert!(
            Instant::now() < deadline,
            "by id never answered from the copy: {v}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(record["data"]["id"], id);
    assert_eq!(record["data"]["name"], "Tux");
    assert_eq!(record["data"]["price"], 15.99);
    let unknown = c.get("/products/999999").await.unwrap();
    assert_eq!(unknown.status, 404, "an id no product has, from the copy");
}

/// A miss passes on what the catalog rendered (`/public/products…`), a hit
/// renders the copy: a client must not be able to tell them apart.
#[tokio::test]
async fn a_miss_passed_through_from_the_catalog_is_byte_for_byte_a_hit() {
    let cached = Store::start_with(None, CACHE_ON);
    let uncached = Store::start_with(None, "[gateway]\nproduct_cache = false\n");
    wait_for_cache_hit(&cached).await;
    let (mut hit, mut miss) = (cached.connect().await, uncached.connect().await);
    for path in [
        "/products/Tux",
        "/products/Rubber%20Duck",
        "/products/1",
        "/products/2",
        "/products",
        "/products?limit=2&offset=1",
        "/products?offset=1000",
        "/products/Unicorn",
        "/products/999999",
        "/products/99999999999999999999999",
    ] {
        let from_copy = hit.get(path).await.unwrap();
        let passed_on = miss.get(path).await.unwrap();
        if from_copy.status == 200 {
            assert_eq!(
                from_copy.headers["cache-status"], "storefront; hit",
                "{path}"
            );
        }
        assert!(!passed_on.headers.contains_key("cache-status"), "{path}");
        assert_eq!(from_copy.status, passed_on.status, "{path}");
        assert_eq!(from_copy.text(), passed_on.text(), "{path}");
        assert_eq!(
            passed_on.headers["content-type"], "application/json",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_frozen_catalog_does_not_stop_cached_queries() {
    let store = Store::processes_on(Backend::Sqlite, None, CACHE_ON);
    wait_for_cache_hit(&store).await;
    let catalog = Pid::from_raw(store.catalog.pid() as i32);
    kill(catalog, Signal::SIGSTOP).unwrap();
    // Without the cache each of these would wait for the catalog, then 503.
    let mut c = store.connect().await;
    for _ in 0..20 {
        let reply = c.get("/products/Tux").await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["cache-status"], "storefront; hit");
    }
    kill(catalog, Signal::SIGCONT).unwrap();
}

#[tokio::test]
async fn the_cache_is_dropped_while_the_catalog_is_down_and_refilled_after() {
    let mut store = Store::processes_on(Backend::Sqlite, None, CACHE_ON);
    wait_for_tux(&store, |s, _| s == 200).await;
    store.kill(Role::Catalog);
    let v = wait_for_tux(&store, |s, _| s == 503).await;
    assert_eq!(v["error"]["message"], "catalog service unavailable");
    store.restart(Role::Catalog);
    wait_for_tux(&store, |s, v| s == 200 && v["data"]["quantity"] == 100).await;
}

#[tokio::test]
async fn product_changes_answers_at_once_when_behind_and_waits_when_current() {
    let store = Store::start();
    let mut catalog = KeepAliveConnection::connect(&store.catalog.address.to_string())
        .await
        .unwrap();
    let first: Value = catalog
        .get("/product-changes")
        .await
        .unwrap()
        .json()
        .unwrap();
    let epoch = first["data"]["epoch"].as_str().unwrap().to_owned();
    let version = first["data"]["version"].as_u64().unwrap();
    assert_eq!(first["data"]["products"].as_array().unwrap().len(), 12);

    // Current: held for wait_ms, then the same version again.
    let path = format!("/product-changes?epoch={epoch}&after={version}&wait_ms=300");
    let started = Instant::now();
    let same: Value = catalog.get(&path).await.unwrap().json().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "a current subscriber is held"
    );
    assert_eq!(same["data"]["version"], version);

    // A buy moves the version; a waiting poll returns with the new stock.
    let poll = tokio::spawn(async move {
        let path = format!("/product-changes?epoch={epoch}&after={version}&wait_ms=20000");
        catalog.get(&path).await.unwrap().json::<Value>().unwrap()
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut c = store.connect().await;
    c.post_json("/orders", &json!({"name": "Whale", "quantity": 2}))
        .await
        .unwrap();
    let changed = tokio::time::timeout(PATIENCE, poll).await.unwrap().unwrap();
    assert!(changed["data"]["version"].as_u64().unwrap() > version);
    let whale = changed["data"]["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Whale")
        .unwrap()
        .clone();
    assert_eq!(whale["quantity"], 98);

    // Another epoch (a restarted catalog) gets the list at once.
    let mut catalog = KeepAliveConnection::connect(&store.catalog.address.to_string())
        .await
        .unwrap();
    let started = Instant::now();
    let r = catalog
        .get("/product-changes?epoch=elsewhere&after=999&wait_ms=20000")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(started.elapsed() < Duration::from_secs(10));
    let bad = catalog
        .get("/product-changes?after=minus-one")
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
}

/// Two catalog processes on one PostgreSQL schema, as replicas: stock taken
/// through one ends a long poll held by the other, so a gateway's cache
/// follows changes wherever they were made. (Were the change missed, the
/// poll would run out its wait and return the old version.)
#[tokio::test]
async fn on_postgres_a_change_through_one_catalog_replica_ends_a_long_poll_at_another() {
    let Some(Backend::Postgres(db)) = Backend::postgres() else {
        return;
    };
    let dir = crate::support::postgres_folder(&db);
    let any = "127.0.0.1:0".parse().unwrap();
    let first = crate::support::spawn(dir.path(), Role::Catalog, any, &[]);
    let second = crate::support::spawn(dir.path(), Role::Catalog, any, &[]);

    let mut at_first = KeepAliveConnection::connect(&first.address.to_string())
        .await
        .unwrap();
    let current: Value = at_first
        .get("/product-changes")
        .await
        .unwrap()
        .json()
        .unwrap();
    let epoch = current["data"]["epoch"].as_str().unwrap().to_owned();
    let version = current["data"]["version"].as_u64().unwrap();
    let poll = tokio::spawn(async move {
        let path = format!("/product-changes?epoch={epoch}&after={version}&wait_ms=20000");
        at_first.get(&path).await.unwrap().json::<Value>().unwrap()
    });

    let mut at_second = KeepAliveConnection::connect(&second.address.to_string())
        .await
        .unwrap();
    let reserve = json!({"order_key": "replica-test", "items": [{"name": "Whale", "quantity": 2}]});
    let r = at_second
        .post_json("/reservations", &reserve)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());

    let changed = tokio::time::timeout(PATIENCE, poll).await.unwrap().unwrap();
    assert!(
        changed["data"]["version"].as_u64().unwrap() > version,
        "the first replica heard of the second's change: {changed}"
    );
    let whale = changed["data"]["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Whale")
        .unwrap()
        .clone();
    assert_eq!(whale["quantity"], 98);
}
