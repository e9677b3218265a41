//! The shop API end to end (product administration, multi-item orders,
//! idempotency keys, carts and checkout) against a whole store on real
//! sockets, on SQLite and on PostgreSQL.

use crate::support::{ADMIN_BEARER, Api, Backend, Store, products_by_name};
use serde_json::{Value, json};

const SEED: &str = r#"[
    {"name": "Tux", "price": 15.99, "quantity": 10},
    {"name": "Duck", "price": 2.50, "quantity": 10},
    {"name": "Kite", "price": 9.00, "quantity": 3}
]"#;

async fn id_of(api: &mut Api, name: &str) -> i64 {
    products_by_name(api).await[name].0
}

async fn stock_of(api: &mut Api, name: &str) -> i64 {
    api.get(&format!("/products/{name}"))
        .await
        .expect(200)
        .data()["quantity"]
        .as_i64()
        .unwrap()
}

async fn administration_needs_the_token_and_keeps_names_unique(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::to(&store).await;
    let kite = json!({"name": "Box Kite", "price": 12.5, "quantity": 4, "description": "flies"});

    let anonymous = api.post("/products", kite.clone()).await.expect(401);
    assert_eq!(anonymous.body["error"]["code"], 401);
    let wrong = api
        .call(
            "POST",
            "/products",
            Some(kite.clone()),
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(wrong.status, 401);

    let created = api
        .admin("POST", "/products", Some(kite.clone()))
        .await
        .expect(201);
    let id = created.data()["id"].as_i64().unwrap();
    assert_eq!(
        created.data(),
        &json!({"id": id, "name": "Box Kite", "price": 12.50, "quantity": 4, "description": "flies"})
    );
    api.admin("POST", "/products", Some(kite)).await.expect(409);
    let record = api.get(&format!("/products/{id}")).await.expect(200);
    assert_eq!(record.data()["description"], "flies");
    // The lab protocol's query by name is unchanged.
    let quote = api.get("/products/Box%20Kite").await.expect(200);
    assert_eq!(
        quote.data(),
        &json!({"name": "Box Kite", "price": 12.50, "quantity": 4})
    );

    for bad in [
        json!({"name": "123", "price": 1, "quantity": 1}),
        json!({"name": "Neg", "price": -1, "quantity": 1}),
        json!({"name": "Frac", "price": 1.999, "quantity": 1}),
        json!({"name": "Many", "price": 1, "quantity": -1}),
        json!({"name": "Typo", "price": 1, "quantity": 1, "colour": "red"}),
    ] {
        let reply = api.admin("POST", "/products", Some(bad.clone())).await;
        assert_eq!(reply.status, 422, "{bad}: {}", reply.body);
    }

    let renamed = json!({"name": "Stunt Kite", "price": 20, "quantity": 9});
    let updated = api
        .admin("PUT", &format!("/products/{id}"), Some(renamed))
        .await
        .expect(200);
    assert_eq!(updated.data()["name"], "Stunt Kite");
    assert_eq!(updated.data()["quantity"], 9);
    let taken = json!({"name": "Tux", "price": 20, "quantity": 9});
    api.admin("PUT", &format!("/products/{id}"), Some(taken))
        .await
        .expect(409);
    api.call("DELETE", &format!("/products/{id}"), None, &[])
        .await
        .expect(401);
    let deleted = api
        .admin("DELETE", &format!("/products/{id}"), None)
        .await
        .expect(204);
    assert_eq!(deleted.body, Value::Null);
    api.get(&format!("/products/{id}")).await.expect(404);
    api.admin("DELETE", &format!("/products/{id}"), None)
        .await
        .expect(404);
    // Administration takes a name where queries do: the product it names.
    let by_name = json!({"name": "Tux", "price": 14.5, "quantity": 10});
    let repriced = api
        .admin("PUT", "/products/Tux", Some(by_name))
        .await
        .expect(200);
    assert_eq!(repriced.data()["price"], 14.5);
    api.admin("DELETE", "/products/Tux", None).await.expect(204);
    api.get("/products/Tux").await.expect(404);
    api.admin("DELETE", "/products/Tux", None).await.expect(404);
    api.admin("DELETE", "/products/%20Tux", None)
        .await
        .expect(400);
}

async fn product_lists_are_paginated(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::to(&store).await;
    let page = api.get("/products?limit=2&offset=1").await.expect(200);
    let names: Vec<&str> = page
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Duck", "Kite"]);
    for bad in ["limit=0", "limit=1001", "limit=x", "offset=-1"] {
        let reply = api.get(&format!("/products?{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
    }
}

async fn multi_item_orders_record_customer_lines_and_prices_paid(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::as_customer(&store, "alice").await;
    let duck = id_of(&mut api, "Duck").await;
    let order = json!({"customer_id": "alice", "items": [
        {"name": "Tux", "quantity": 2},
        {"product_id": duck, "quantity": 3}
    ]});
    let number = api.post("/orders", order).await.expect(200).data()["order_number"]
        .as_u64()
        .unwrap();
    // A price change afterwards does not change what was paid.
    let dearer = json!({"name": "Duck", "price": 3.75, "quantity": 7});
    api.admin("PUT", &format!("/products/{duck}"), Some(dearer))
        .await
        .expect(200);

    let shown = api.get(&format!("/orders/{number}")).await.expect(200);
    let d = shown.data();
    assert_eq!(d["customer_id"], "alice");
    assert_eq!(d["items"][0]["name"], "Tux");
    assert_eq!(d["items"][0]["quantity"], 2);
    assert_eq!(d["items"][0]["unit_price"], 15.99);
    assert_eq!(d["items"][1]["product_id"], duck);
    assert_eq!(d["items"][1]["unit_price"], 2.50);
    assert_eq!(d["total"], 39.48);
    assert_eq!(stock_of(&mut api, "Tux").await, 8);

    // A lab order keeps the lab shape, and lists show every order.
    let lab = api
        .post("/orders", json!({"name": "Kite", "quantity": 1}))
        .await
        .expect(200);
    let lab_number = lab.data()["order_number"].as_u64().unwrap();
    let lab_shown = api.get(&format!("/orders/{lab_number}")).await.expect(200);
    assert_eq!(
        lab_shown.data(),
        &json!({"number": lab_number, "name": "Kite", "quantity": 1})
    );
    let alice = api.get("/orders?customer_id=alice").await.expect(200);
    assert_eq!(alice.data().as_array().unwrap().len(), 1);
    let all = api.admin("GET", "/orders?limit=10", None).await.expect(200);
    assert_eq!(all.data().as_array().unwrap().len(), 2);
    api.get("/orders?customer_id=a%20b").await.expect(400);

    // All or nothing: one line short leaves every product untouched.
    let too_many =
        json!({"items": [{"name": "Tux", "quantity": 1}, {"name": "Kite", "quantity": 5}]});
    let refused = api.post("/orders", too_many).await.expect(409);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Kite"),
        "{}",
        refused.body
    );
    assert_eq!(stock_of(&mut api, "Tux").await, 8);
    assert_eq!(stock_of(&mut api, "Kite").await, 2);
    for bad in [
        json!({"items": []}),
        json!({"items": [{"quantity": 1}]}),
        json!({"items": [{"name": "Tux", "product_id": duck, "quantity": 1}]}),
        json!({"items": [{"name": "Tux", "quantity": 0}]}),
        json!({"customer_id": "no spaces", "items": [{"name": "Tux", "quantity": 1}]}),
    ] {
        let reply = api.post("/orders", bad.clone()).await;
        assert_eq!(reply.status, 422, "{bad}: {}", reply.body);
    }
    let unknown = json!({"items": [{"product_id": 999999, "quantity": 1}]});
    api.post("/orders", unknown).await.expect(404);
}

async fn a_retried_order_with_the_same_key_is_placed_once(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::to(&store).await;
    let order = json!({"name": "Tux", "quantity": 2});
    let key = [("idempotency-key", "order-7f3a")];
    let first = api
        .call("POST", "/orders", Some(order.clone()), &key)
        .await
        .expect(200);
    let again = api
        .call("POST", "/orders", Some(order), &key)
        .await
        .expect(200);
    assert_eq!(first.data(), again.data());
    assert_eq!(stock_of(&mut api, "Tux").await, 8, "stock taken once");
    let other = json!({"name": "Tux", "quantity": 3});
    api.call("POST", "/orders", Some(other), &key)
        .await
        .expect(422);
    // A failed attempt does not burn the key.
    let big = json!({"name": "Kite", "quantity": 4});
    let k2 = [("idempotency-key", "order-2")];
    api.call("POST", "/orders", Some(big.clone()), &k2)
        .await
        .expect(409);
    api.call("POST", "/orders", Some(big), &k2)
        .await
        .expect(409);
    let bad = [("idempotency-key", "")];
    api.call(
        "POST",
        "/orders",
        Some(json!({"name": "Tux", "quantity": 1})),
        &bad,
    )
    .await
    .expect(400);
    let orders = api.admin("GET", "/orders", None).await.expect(200);
    assert_eq!(orders.data().as_array().unwrap().len(), 1);
}

async fn a_cart_is_filled_priced_and_checked_out(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::as_customer(&store, "bob").await;
    let tux = id_of(&mut api, "Tux").await;
    let duck = id_of(&mut api, "Duck").await;
    let kite = id_of(&mut api, "Kite").await;

    let empty = api.get("/carts/bob").await.expect(200);
    assert_eq!(empty.data()["items"], json!([]));
    let added = api
        .post("/carts/bob", json!({"product_id": tux, "quantity": 1}))
        .await
        .expect(201);
    let cart_id = added.data()["cart_id"].as_i64().unwrap();
    api.post("/carts/bob", json!({"product_id": tux, "quantity": 1}))
        .await
        .expect(201);
    api.post("/carts/bob", json!({"product_id": duck, "quantity": 4}))
        .await
        .expect(201);
    api.post("/carts/bob", json!({"product_id": 999999, "quantity": 1}))
        .await
        .expect(404);
    api.post("/carts/bob", json!({"product_id": kite, "quantity": 4}))
        .await
        .expect(409);
    api.post("/carts/bob", json!({"product_id": kite, "quantity": 0}))
        .await
        .expect(422);
    api.get("/carts/bad%20id").await.expect(400);

    api.call(
        "PUT",
        &format!("/carts/bob/{duck}"),
        Some(json!({"quantity": 3})),
        &[],
    )
    .await
    .expect(200);
    api.call(
        "PUT",
        &format!("/carts/bob/{kite}"),
        Some(json!({"quantity": 1})),
        &[],
    )
    .await
    .expect(404);
    api.call(
        "PUT",
        &format!("/carts/bob/{duck}"),
        Some(json!({"quantity": 11})),
        &[],
    )
    .await
    .expect(409);
    api.post("/carts/bob", json!({"product_id": kite, "quantity": 1}))
        .await
        .expect(201);
    api.call("DELETE", &format!("/carts/bob/{kite}"), None, &[])
        .await
        .expect(204);
    api.call("DELETE", &format!("/carts/bob/{kite}"), None, &[])
        .await
        .expect(404);

    // The cart shows current catalog prices.
    let cheaper = json!({"name": "Tux", "price": 10, "quantity": 10});
    api.admin("PUT", &format!("/products/{tux}"), Some(cheaper))
        .await
        .expect(200);
    let cart = api.get("/carts/bob").await.expect(200);
    let d = cart.data();
    assert_eq!(d["status"], "Active");
    assert_eq!(d["items"].as_array().unwrap().len(), 2);
    assert_eq!(d["total"], 27.50, "2 × 10.00 + 3 × 2.50: {d}");

    let key = [("idempotency-key", "checkout-bob-1")];
    let placed = api
        .call("POST", "/carts/bob/checkout", None, &key)
        .await
        .expect(200);
    let number = placed.data()["order_number"].as_u64().unwrap();
    let retried = api
        .call("POST", "/carts/bob/checkout", None, &key)
        .await
        .expect(200);
    assert_eq!(
        retried.data()["order_number"],
        number,
        "a retried checkout returns the first order"
    );
    api.post("/carts/bob/checkout", json!({})).await.expect(409);

    let order = api.get(&format!("/orders/{number}")).await.expect(200);
    assert_eq!(order.data()["customer_id"], "bob");
    assert_eq!(
        order.data()["total"],
        27.50,
        "the order records the price paid"
    );
    assert_eq!(stock_of(&mut api, "Tux").await, 8);
    assert_eq!(stock_of(&mut api, "Duck").await, 7);

    // The next add starts a new cart; the old one is listed as Ordered.
    let next = api
        .post("/carts/bob", json!({"product_id": duck, "quantity": 1}))
        .await
        .expect(201);
    assert_ne!(next.data()["cart_id"].as_i64().unwrap(), cart_id);
    // Bob's token does not open the shop-wide lists.
    api.get("/carts").await.expect(403);
    let carts = api.admin("GET", "/carts", None).await.expect(200);
    let statuses: Vec<&str> = carts
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["Ordered", "Active"]);
    let items = api
        .admin("GET", "/cart_items?limit=10", None)
        .await
        .expect(200);
    assert_eq!(items.data().as_array().unwrap().len(), 3);
    let orders = api.get("/orders?customer_id=bob").await.expect(200);
    assert_eq!(orders.data().as_array().unwrap().len(), 1);
}

async fn concurrent_checkouts_of_overlapping_carts_never_oversell(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    // The admin acts for every customer: this checks stock, not tokens.
    let mut api = Api::as_admin(&store).await;
    let tux = id_of(&mut api, "Tux").await;
    let kite = id_of(&mut api, "Kite").await;
    // 12 carts that all want Kite (3 in stock) and some Tux.
    for c in 0..12 {
        let customer = format!("c{c}");
        api.post(
            &format!("/carts/{customer}"),
            json!({"product_id": kite, "quantity": 1}),
        )
        .await
        .expect(201);
        api.post(
            &format!("/carts/{customer}"),
            json!({"product_id": tux, "quantity": 1 + c % 2}),
        )
        .await
        .expect(201);
    }
    let checkouts: Vec<_> = (0..12)
        .map(|c| {
            let url = store.gateway_url();
            tokio::spawn(async move {
                let mut connection = storefront_wire::KeepAliveConnection::connect(&url)
                    .await
                    .unwrap();
                let path = format!("/carts/c{c}/checkout");
                let response = connection
                    .send_with_headers(
                        http::Method::POST,
                        &path,
                        bytes::Bytes::new(),
                        None,
                        &[("authorization", ADMIN_BEARER)],
                    )
                    .await
                    .unwrap();
                response.status.as_u16()
            })
        })
        .collect();
    let mut placed = 0;
    for checkout in checkouts {
        match checkout.await.unwrap() {
            200 => placed += 1,
            409 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(placed, 3, "exactly the kites in stock were sold");
    assert_eq!(stock_of(&mut api, "Kite").await, 0);
    let orders = api.get("/orders").await.expect(200);
    let ordered_tux: i64 = orders
        .data()
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["items"].as_array().unwrap().clone())
        .filter(|i| i["name"] == "Tux")
        .map(|i| i["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(
        stock_of(&mut api, "Tux").await,
        10 - ordered_tux,
        "Tux taken only by placed orders"
    );
    // Refused carts stay active with their items, ready to change.
    let carts = api.admin("GET", "/carts?limit=100", None).await.expect(200);
    let active = carts
        .data()
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "Active")
        .count();
    assert_eq!(active, 9);
}

/// Read-your-writes for a new product's id: the gateway's copy does not
/// know the id until the catalog's next change reaches it, so the create
/// must hold the id back too, or a query by it in that window answers 404.
/// (The window is a few milliseconds; many creates make missing it
/// unlikely, and it was hit in CI before the fix.)
async fn a_new_product_is_found_by_its_id_at_once(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::to(&store).await;
    for n in 0..60 {
        let draft = json!({"name": format!("Kite {n}"), "price": 3, "quantity": 1});
        let created = api
            .admin("POST", "/products", Some(draft))
            .await
            .expect(201);
        let id = created.data()["id"].as_i64().unwrap();
        let found = api.get(&format!("/products/{id}")).await;
        assert_eq!(
            found.status, 200,
            "product {id}, just created: {}",
            found.body
        );
    }
}

storefront_service_kit::for_each_backend! {
    sqlite => Backend::sqlite(),
    postgres => Backend::postgres();
    a_new_product_is_found_by_its_id_at_once,
    administration_needs_the_token_and_keeps_names_unique,
    product_lists_are_paginated,
    multi_item_orders_record_customer_lines_and_prices_paid,
    a_retried_order_with_the_same_key_is_placed_once,
    a_cart_is_filled_priced_and_checked_out,
    concurrent_checkouts_of_overlapping_carts_never_oversell,
}
