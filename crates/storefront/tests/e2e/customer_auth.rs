//! Customers reach only their own carts and orders: tokens from `POST
//! /customers`, renewed with the customer's secret; another customer's token
//! is 403, none is 401; the lab protocol needs nothing; failed
//! authentications are limited per address; `auth.customers = "open"`
//! keeps the API from before tokens.

use serde_json::{Value, json};

use crate::support::{ADMIN_TOKEN, Api, Reply, Store, products_by_name};

/// A new customer: (id, secret, `Bearer <token>`).
async fn new_customer(api: &mut Api) -> (String, String, String) {
    let made = api.call("POST", "/customers", None, &[]).await.expect(201);
    let data = made.data();
    assert_eq!(data["token_type"], "Bearer", "{data}");
    assert!(data["expires_in"].as_u64().unwrap() > 0, "{data}");
    (
        data["customer_id"].as_str().unwrap().to_owned(),
        data["secret"].as_str().unwrap().to_owned(),
        format!("Bearer {}", data["access_token"].as_str().unwrap()),
    )
}

async fn with(api: &mut Api, auth: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
    api.call(method, path, body, &[("authorization", auth)])
        .await
}

#[tokio::test]
async fn a_customer_reaches_only_its_own_cart_and_orders() {
    let store = Store::start();
    let mut api = Api::to(&store).await;
    let tux = products_by_name(&mut api).await["Tux"].0;
    let (alice, _, alice_auth) = new_customer(&mut api).await;
    let (_, _, bob_auth) = new_customer(&mut api).await;
    let cart = format!("/carts/{alice}");
    let line = format!("/carts/{alice}/{tux}");
    let item = json!({"product_id": tux, "quantity": 2});

    with(&mut api, &alice_auth, "POST", &cart, Some(item.clone()))
        .await
        .expect(201);

    // Nobody else: no token is 401 (with a challenge), bob's is 403, a
    // made-up one 401, on every cart route.
    let routes: [(&str, &str, Option<Value>); 5] = [
        ("GET", &cart, None),
        ("POST", &cart, Some(item.clone())),
        ("PUT", &line, Some(json!({"quantity": 1}))),
        ("DELETE", &line, None),
        ("POST", &format!("{cart}/checkout"), None),
    ];
    for (method, path, body) in &routes {
        let anonymous = api.call(method, path, body.clone(), &[]).await;
        assert_eq!(anonymous.status, 401, "{method} {path}: {}", anonymous.body);
        let bob = with(&mut api, &bob_auth, method, path, body.clone()).await;
        assert_eq!(bob.status, 403, "{method} {path}: {}", bob.body);
        assert_eq!(
            bob.body["error"]["message"],
            "this token is for another customer"
        );
        let forged = with(
            &mut api,
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
            method,
            path,
            body.clone(),
        )
        .await;
        assert_eq!(forged.status, 401, "{method} {path}: {}", forged.body);
    }
    let raw = store
        .connect()
        .await
        .send(http::Method::GET, &cart, bytes::Bytes::new(), None)
        .await
        .unwrap();
    assert_eq!(raw.status.as_u16(), 401);
    assert_eq!(raw.headers.get("www-authenticate").unwrap(), "Bearer");

    // Alice's cart is as she left it; she checks out.
    let view = with(&mut api, &alice_auth, "GET", &cart, None)
        .await
        .expect(200);
    assert_eq!(view.data()["items"][0]["quantity"], 2);
    let placed = with(
        &mut api,
        &alice_auth,
        "POST",
        &format!("{cart}/checkout"),
        None,
    )
    .await
    .expect(200);
    let number = placed.data()["order_number"].as_u64().unwrap();

    // Her order: hers and the admin's to read.
    let order = format!("/orders/{number}");
    api.get(&order).await.expect(401);
    with(&mut api, &bob_auth, "GET", &order, None)
        .await
        .expect(403);
    let mine = with(&mut api, &alice_auth, "GET", &order, None)
        .await
        .expect(200);
    assert_eq!(mine.data()["customer_id"], alice.as_str());
    api.admin("GET", &order, None).await.expect(200);

    // Her history: hers; every order: the admin's only.
    let history = format!("/orders?customer_id={alice}");
    api.get(&history).await.expect(401);
    with(&mut api, &bob_auth, "GET", &history, None)
        .await
        .expect(403);
    let listed = with(&mut api, &alice_auth, "GET", &history, None)
        .await
        .expect(200);
    assert_eq!(listed.data().as_array().unwrap().len(), 1);
    api.get("/orders").await.expect(401);
    with(&mut api, &alice_auth, "GET", "/orders", None)
        .await
        .expect(403);
    api.admin("GET", "/orders", None).await.expect(200);

    // An order in her name needs her token; bob cannot place one for her.
    let direct = json!({"customer_id": alice, "items": [{"product_id": tux, "quantity": 1}]});
    with(&mut api, &bob_auth, "POST", "/orders", Some(direct.clone()))
        .await
        .expect(403);
    api.post("/orders", direct.clone()).await.expect(401);
    with(&mut api, &alice_auth, "POST", "/orders", Some(direct))
        .await
        .expect(200);

    // The lab protocol needs no token: buy, then read the order back.
    let lab = api
        .post("/orders", json!({"name": "Tux", "quantity": 1}))
        .await
        .expect(200);
    let lab_number = lab.data()["order_number"].as_u64().unwrap();
    api.get(&format!("/orders/{lab_number}")).await.expect(200);
    api.get("/products/Tux").await.expect(200);

    // A customer token does not open administration.
    let draft = json!({"name": "Sneaky", "price": 1, "quantity": 1});
    let refused = with(&mut api, &alice_auth, "POST", "/products", Some(draft)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    with(&mut api, &alice_auth, "GET", "/carts", None)
        .await
        .expect(403);
}

#[tokio::test]
async fn a_secret_buys_new_tokens_and_nothing_else_does() {
    let store = Store::start();
    let mut api = Api::to(&store).await;
    let (alice, secret, alice_auth) = new_customer(&mut api).await;
    let (bob, bob_secret, _) = new_customer(&mut api).await;
    let tokens = format!("/customers/{alice}/tokens");

    let renewed = api
        .post(&tokens, json!({"secret": secret}))
        .await
        .expect(201);
    let token = format!(
        "Bearer {}",
        renewed.data()["access_token"].as_str().unwrap()
    );
    with(&mut api, &token, "GET", &format!("/carts/{alice}"), None)
        .await
        .expect(200);

    // Bob's secret is not alice's; no secret is nothing; a token is not a
    // secret, though it does not stand in the way of one.
    let wrong = api.post(&tokens, json!({"secret": bob_secret})).await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert_eq!(
        wrong.body["error"]["message"],
        "wrong secret for this customer"
    );
    api.post(&tokens, json!({})).await.expect(401);
    with(&mut api, &alice_auth, "POST", &tokens, Some(json!({})))
        .await
        .expect(401);
    with(
        &mut api,
        &alice_auth,
        "POST",
        &tokens,
        Some(json!({"secret": secret})),
    )
    .await
    .expect(201);
    api.post(&tokens, json!({"secret": secret, "extra": 1}))
        .await
        .expect(422);
    api.post("/customers/a%20b/tokens", json!({"secret": secret}))
        .await
        .expect(400);

    // The admin token gets a token for any id, including ones chosen before
    // tokens existed.
    let mut legacy = Api::as_customer(&store, "alice").await;
    legacy.get("/carts/alice").await.expect(200);
    legacy.get(&format!("/carts/{bob}")).await.expect(403);
}

#[tokio::test]
async fn failed_authentications_are_limited_per_address() {
    let store = Store::start_with(None, "[auth]\nfailed_auth_per_minute = 3\n");
    let mut api = Api::to(&store).await;
    let (alice, secret, _) = new_customer(&mut api).await;
    let tokens = format!("/customers/{alice}/tokens");

    // Three wrong guesses (a secret, the admin token, a token) are 401s…
    api.post(&tokens, json!({"secret": "AAAA"}))
        .await
        .expect(401);
    api.call("GET", "/carts", None, &[("authorization", "Bearer guess")])
        .await
        .expect(401);
    api.call(
        "GET",
        "/carts/alice",
        None,
        &[("authorization", "Bearer a.b.c")],
    )
    .await
    .expect(401);

    // …then every credential from this address is refused for the minute,
    // even a right one, so a guess cannot be confirmed.
    let blocked = api.post(&tokens, json!({"secret": secret})).await;
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let raw = store
        .connect()
        .await
        .send_with_headers(
            http::Method::GET,
            "/carts",
            bytes::Bytes::new(),
            None,
            &[("authorization", &bearer)],
        )
        .await
        .unwrap();
    assert_eq!(raw.status.as_u16(), 429);
    let wait: u64 = raw.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");

    // What needs no credential is still served.
    api.get("/products/Tux").await.expect(200);
    api.post("/orders", json!({"name": "Tux", "quantity": 1}))
        .await
        .expect(200);
}

#[tokio::test]
async fn an_expired_token_is_refused_with_the_way_to_a_new_one() {
    let store = Store::start_with(None, "[auth]\ntoken_ttl_s = 1\n");
    let mut api = Api::to(&store).await;
    let (alice, secret, auth) = new_customer(&mut api).await;
    let cart = format!("/carts/{alice}");
    with(&mut api, &auth, "GET", &cart, None).await.expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let expired = with(&mut api, &auth, "GET", &cart, None).await;
    assert_eq!(expired.status, 401, "{}", expired.body);
    assert!(
        expired.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{}",
        expired.body
    );
    let renewed = api
        .post(
            &format!("/customers/{alice}/tokens"),
            json!({"secret": secret}),
        )
        .await;
    assert_eq!(renewed.status, 201, "{}", renewed.body);
}

#[tokio::test]
async fn open_customers_keep_the_api_from_before_tokens() {
    let store = Store::start_with(None, "[auth]\ncustomers = \"open\"\n");
    let mut api = Api::to(&store).await;
    let tux = products_by_name(&mut api).await["Tux"].0;
    api.post("/carts/alice", json!({"product_id": tux, "quantity": 1}))
        .await
        .expect(201);
    api.get("/carts/alice").await.expect(200);
    api.get("/orders?customer_id=alice").await.expect(200);
    api.get("/orders").await.expect(200);
    // Administration still needs the admin token.
    api.get("/carts").await.expect(401);
}

/// The load tool's shoppers keep their tokens fresh: with tokens that last
/// two seconds, a four-second shop run renews each user's token with its
/// secret (recorded under `new customer`) and no request is refused.
#[test]
fn load_users_renew_their_tokens_with_their_secrets() {
    let store = Store::start_with(None, "[auth]\ntoken_ttl_s = 2\n");
    let run = crate::load_support::load_on(
        &store,
        "--workload shop --users 2 --ramp-up 0s --hold 4s --think 50ms",
    );
    run.assert_success();
    let counts = run.counts();
    assert!(
        counts["new customer"] > 2,
        "each user made one customer and renewed its token: {counts:?}"
    );
    let total = &run.summary()["aggregate"]["total"];
    assert_eq!(total["errors"], 0, "{total}");
    assert_eq!(run.extra()["invariants"]["ok"], true);
}
