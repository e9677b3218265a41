//! The product cache is on by default, so every write a client makes through
//! a gateway must show in that client's next query through it: buys (lab
//! and multi-item), checkouts and administration, on both backends. Other
//! gateways converge through the catalog's long poll.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

use crate::support::{Api, Backend, PATIENCE, Role, Store, spawn};

const ROUNDS: i64 = 300;

/// Enough Tux for every round, among thousands of products: each list the
/// cache fetches then takes longer than a buy, so without read-your-writes a
/// query right after a buy would often be answered from a copy older than it.
fn big_catalog() -> String {
    let mut products = vec![json!({"name": "Tux", "price": 15.99, "quantity": 1000})];
    products.extend(
        (0..2000).map(|i| json!({"name": format!("Gadget {i}"), "price": 1, "quantity": 10})),
    );
    Value::Array(products).to_string()
}

/// `GET path` on `c`: (status, body, Cache-Status).
async fn query(c: &mut KeepAliveConnection, path: &str) -> (u16, Value, String) {
    let r = c.get(path).await.unwrap();
    let status = r
        .headers
        .get("cache-status")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status.as_u16(), r.json().unwrap(), status)
}

/// Waits until the gateway answers Tux from its copy, so the checks below
/// start with the cache in use (not before it is filled).
async fn wait_for_cache(c: &mut KeepAliveConnection, name: &str) {
    let deadline = Instant::now() + PATIENCE;
    while query(c, &format!("/products/{name}")).await.2 != "storefront; hit" {
        assert!(Instant::now() < deadline, "the cache never filled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn every_buy_shows_in_the_next_query_on_the_same_connection(backend: Backend) {
    let store = Store::start_on(backend, Some(&big_catalog()), "");
    let mut c = store.connect().await;
    wait_for_cache(&mut c, "Tux").await;
    let (_, start, _) = query(&mut c, "/products/Tux").await;
    let mut expected = start["data"]["quantity"].as_i64().unwrap();
    let id = {
        let (_, tux, _) = query(&mut c, "/products?limit=1").await;
        tux["data"][0]["id"].as_i64().unwrap()
    };
    let mut hits = 0;
    for round in 0..ROUNDS {
        // Alternate the lab form and the multi-item form, and query by name
        // and by id, so every fence and lookup is crossed.
        let order = if round % 2 == 0 {
            json!({"name": "Tux", "quantity": 1})
        } else {
            json!({"items": [{"product_id": id, "quantity": 1}]})
        };
        let r = c.post_json("/orders", &order).await.unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        expected -= 1;
        let path = if round % 3 == 0 {
            format!("/products/{id}")
        } else {
            "/products/Tux".to_owned()
        };
        let (status, shown, cache) = query(&mut c, &path).await;
        assert_eq!(status, 200);
        assert_eq!(
            shown["data"]["quantity"], expected,
            "round {round}: the query after a buy ({cache}) missed it"
        );
        assert!(cache.starts_with("storefront; "), "{cache}");
        hits += usize::from(cache == "storefront; hit");
    }
    // Not a timing claim: just that the copy is in use, not bypassed.
    eprintln!("{hits} of {ROUNDS} queries right after a buy came from the copy");
    let (_, list, _) = query(&mut c, "/products?limit=1").await;
    assert_eq!(list["data"][0]["quantity"], expected, "the list too");
}

async fn admin_changes_show_in_the_next_query(backend: Backend) {
    let store = Store::start_on(backend, None, "");
    let mut c = store.connect().await;
    wait_for_cache(&mut c, "Tux").await;
    let mut api = Api::to(&store).await;
    let id = api.get("/products/Tux").await;
    assert_eq!(id.status, 200);
    let list = api.get("/products?limit=100").await.expect(200);
    let tux = list
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Tux");
    let tux = tux.unwrap()["id"].as_i64().unwrap();

    // A price change: by name and by id at once.
    let cheaper = json!({"name": "Tux", "price": 9.5, "quantity": 100});
    api.admin("PUT", &format!("/products/{tux}"), Some(cheaper))
        .await
        .expect(200);
    assert_eq!(query(&mut c, "/products/Tux").await.1["data"]["price"], 9.5);
    assert_eq!(
        query(&mut c, &format!("/products/{tux}")).await.1["data"]["price"],
        9.5
    );

    // A rename: the old name is gone, the new one answers.
    let renamed = json!({"name": "Tuxedo", "price": 9.5, "quantity": 100});
    api.admin("PUT", &format!("/products/{tux}"), Some(renamed))
        .await
        .expect(200);
    assert_eq!(query(&mut c, "/products/Tux").await.0, 404);
    assert_eq!(
        query(&mut c, "/products/Tuxedo").await.1["data"]["quantity"],
        100
    );

    // A new product is found at once, by name and in the list.
    let kite = json!({"name": "Stunt Kite", "price": 20, "quantity": 3});
    let created = api.admin("POST", "/products", Some(kite)).await.expect(201);
    let kite = created.data()["id"].as_i64().unwrap();
    assert_eq!(
        query(&mut c, "/products/Stunt%20Kite").await.1["data"]["quantity"],
        3
    );
    let (_, list, _) = query(&mut c, "/products?limit=100").await;
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == kite)
    );

    // A deleted one is gone at once, by id and by name.
    api.admin("DELETE", &format!("/products/{kite}"), None)
        .await
        .expect(204);
    assert_eq!(query(&mut c, &format!("/products/{kite}")).await.0, 404);
    assert_eq!(query(&mut c, "/products/Stunt%20Kite").await.0, 404);
}

async fn a_checkout_shows_in_the_next_query(backend: Backend) {
    let store = Store::start_on(backend, None, "");
    let mut c = store.connect().await;
    wait_for_cache(&mut c, "Rubber%20Duck").await;
    let mut api = Api::to(&store).await;
    let list = api.get("/products?limit=100").await.expect(200);
    let duck = list
        .data()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Rubber Duck");
    let (duck, stock) = {
        let duck = duck.unwrap();
        (
            duck["id"].as_i64().unwrap(),
            duck["quantity"].as_i64().unwrap(),
        )
    };
    for round in 1..=5 {
        api.act_as("ryw").await;
        api.post("/carts/ryw", json!({"product_id": duck, "quantity": 2}))
            .await
            .expect(201);
        api.call("POST", "/carts/ryw/checkout", None, &[])
            .await
            .expect(200);
        let (_, shown, cache) = query(&mut c, "/products/Rubber%20Duck").await;
        assert_eq!(shown["data"]["quantity"], stock - 2 * round, "{cache}");
    }
}

/// In a quiet store a buy's commit ends the gateway's waiting long poll
/// before the buy's reply (and its fence) is back, so the next poll waits
/// for a change that already happened; the fence must wake the gateway to
/// catch up, or the product would be answered by the catalog until the
/// poll's 15 s wait ran out. 5 s is a third of that wait: a liveness bound,
/// not a speed claim.
async fn after_a_quiet_buy_the_copy_answers_again_soon(backend: Backend) {
    let store = Store::start_on(backend, None, "");
    let mut c = store.connect().await;
    wait_for_cache(&mut c, "Tux").await;
    for round in 1..=3 {
        let buy = json!({"name": "Tux", "quantity": 1});
        assert_eq!(c.post_json("/orders", &buy).await.unwrap().status, 200);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (_, shown, cache) = query(&mut c, "/products/Tux").await;
            assert_eq!(shown["data"]["quantity"], 100 - round, "{cache}");
            if cache == "storefront; hit" {
                break;
            }
            assert!(Instant::now() < deadline, "buy {round}: still {cache}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A write the service refuses changed nothing, so it holds nothing back:
/// the next query still comes from the copy.
async fn a_refused_buy_holds_nothing_back(backend: Backend) {
    let store = Store::start_on(backend, None, "");
    let mut c = store.connect().await;
    wait_for_cache(&mut c, "Tux").await;
    let too_many = json!({"name": "Tux", "quantity": 1000});
    let r = c.post_json("/orders", &too_many).await.unwrap();
    assert_eq!(r.status, 409, "{}", r.text());
    let (status, shown, cache) = query(&mut c, "/products/Tux").await;
    assert_eq!((status, cache.as_str()), (200, "storefront; hit"));
    assert_eq!(shown["data"]["quantity"], 100);
}

/// A buy through one gateway reaches a second gateway's copy through the
/// catalog's long poll (no fence there: it did not see the write).
async fn another_gateway_converges(backend: Backend) {
    let store = Store::start_on(backend, None, "");
    let url = |role: &crate::support::Service| format!("http://{}", role.address);
    let second = spawn(
        store.dir.path(),
        Role::Gateway,
        "127.0.0.1:0".parse().unwrap(),
        &[
            "--catalog-url",
            &url(&store.catalog),
            "--orders-url",
            &url(&store.orders),
            "--carts-url",
            &url(&store.carts),
        ],
    );
    let mut there =
        KeepAliveConnection::connect_with_timeout(&second.address.to_string(), PATIENCE)
            .await
            .unwrap();
    let mut here = store.connect().await;
    wait_for_cache(&mut there, "Whale").await;
    let before = query(&mut there, "/products/Whale").await.1["data"]["quantity"]
        .as_i64()
        .unwrap();
    for round in 1..=20 {
        let buy = json!({"name": "Whale", "quantity": 1});
        assert_eq!(here.post_json("/orders", &buy).await.unwrap().status, 200);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let (_, shown, cache) = query(&mut there, "/products/Whale").await;
            if shown["data"]["quantity"] == before - round && cache == "storefront; hit" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the second gateway never showed buy {round}: {shown} ({cache})"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

storefront_service_kit::for_each_backend! {
    sqlite => Backend::sqlite(),
    postgres => Backend::postgres();
    every_buy_shows_in_the_next_query_on_the_same_connection,
    admin_changes_show_in_the_next_query,
    a_checkout_shows_in_the_next_query,
    a_refused_buy_holds_nothing_back,
    after_a_quiet_buy_the_copy_answers_again_soon,
    another_gateway_converges,
}
