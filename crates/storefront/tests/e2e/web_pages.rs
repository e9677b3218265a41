//! The web storefront over HTTP, as a browser without JavaScript uses it:
//! pages, forms posted with their anti-forgery key, cookies kept, redirects
//! followed. The real browser's trip is in `browser::`; this module checks
//! the rules a browser cannot show: which customer a page reaches, forged
//! and cross-site forms, the admin's cookie, errors as pages, and that the
//! stock and orders the pages report are the API's.

use std::collections::HashMap;

use http::Method;
use serde_json::json;
use storefront_wire::{KeepAliveConnection, RawResponse};

use crate::support::{ADMIN_TOKEN, Api, Backend, Role, Store};

const SEED: &str = r#"[
    {"name": "Tux", "price": 15.99, "quantity": 10},
    {"name": "Duck", "price": 2.50, "quantity": 10},
    {"name": "Kite", "price": 9.00, "quantity": 3}
]"#;

/// A cookie-keeping page client: what a browser does with forms, minus
/// the rendering.
struct PageClient {
    connection: KeepAliveConnection,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    html: String,
}

impl Page {
    /// The value of the first `<input name="{name}" value="…">`.
    fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .html
            .find(&marker)
            .unwrap_or_else(|| panic!("no field {name} in:\n{}", self.html))
            + marker.len();
        let end = self.html[start..].find('"').unwrap() + start;
        self.html[start..end].to_owned()
    }

    fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "{}", self.html);
        self
    }

    /// An HTML page (never the API's JSON), whose alert says `message`.
    fn shows_error(&self, message: &str) {
        assert!(self.html.starts_with("<!doctype html>"), "{}", self.html);
        assert!(
            self.html.contains("role=\"alert\"") && self.html.contains(message),
            "no alert with {message:?} in:\n{}",
            self.html
        );
    }
}

impl PageClient {
    async fn to(store: &Store) -> Self {
        Self {
            connection: store.connect().await,
            cookies: HashMap::new(),
        }
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        form: &str,
        extra: &[(&str, &str)],
    ) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut headers = vec![("accept", "text/html")];
        if !cookie.is_empty() {
            headers.push(("cookie", &cookie));
        }
        headers.extend_from_slice(extra);
        let content_type = (method == Method::POST).then_some("application/x-www-form-urlencoded");
        let reply: RawResponse = self
            .connection
            .send_with_headers(method, path, form.to_owned().into(), content_type, &headers)
            .await
            .unwrap();
        for set in reply.headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: reply.status.as_u16(),
            location: reply
                .headers
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            html: reply.text(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, "", &[]).await
    }

    /// Posts `fields` with this browser's anti-forgery key.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let key = self
            .cookies
            .get("storefront_form")
            .cloned()
            .unwrap_or_default();
        let form = std::iter::once(("form_key", key.as_str()))
            .chain(fields.iter().copied())
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        self.send(Method::POST, path, &form, &[]).await
    }

    /// Posts and follows the redirect a form answers with.
    async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let posted = self.post(path, fields).await;
        assert_eq!(posted.status, 303, "{path}: {}", posted.html);
        let next = posted.location.unwrap();
        self.get(&next).await
    }
}

fn number_in(location: &str) -> u64 {
    let rest = location.strip_prefix("/shop/orders/").unwrap();
    rest.split('?').next().unwrap().parse().unwrap()
}

async fn a_shopper_buys_through_the_pages(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::to(&store).await;
    let mut browser = PageClient::to(&store).await;

    let list = browser.get("/shop").await.expect(200);
    assert!(list.html.contains("<title>Products · Storefront</title>"));
    assert!(list.html.contains(">Tux</a>") && list.html.contains("15.99"));

    // Tux is product 1, Duck 2 (the seed's order).
    browser.get("/shop/products/1").await.expect(200);
    let cart = browser
        .submit("/shop/cart", &[("product_id", "1"), ("quantity", "2")])
        .await;
    assert!(cart.html.contains("31.98"), "{}", cart.html);
    assert!(browser.cookies.contains_key("storefront_customer"));
    browser
        .submit("/shop/cart", &[("product_id", "2"), ("quantity", "1")])
        .await;
    let cart = browser.submit("/shop/cart/1", &[("quantity", "3")]).await;
    assert!(cart.html.contains("id=\"total\">50.47<"), "{}", cart.html);

    let checkout_key = cart.field("checkout_key");
    let placed = browser
        .post("/shop/checkout", &[("checkout_key", &checkout_key)])
        .await;
    let location = placed.location.clone().expect("a redirect to the order");
    let number = number_in(&location);
    let confirmation = browser.get(&location).await.expect(200);
    assert!(confirmation.html.contains("your order is placed"));
    assert!(confirmation.html.contains("id=\"total\">50.47<"));

    // Pressing the button again (or reloading) finds the same order.
    let again = browser
        .post("/shop/checkout", &[("checkout_key", &checkout_key)])
        .await;
    assert_eq!(again.location.as_deref(), Some(location.as_str()));

    let history = browser.get("/shop/orders").await.expect(200);
    assert!(history.html.contains(&format!("Order {number}<")));
    let product = browser.get("/shop/products/1").await.expect(200);
    assert!(product.html.contains("id=\"stock\">7<"), "{}", product.html);

    // The pages' customer is an API customer: its id and secret work there.
    let account = browser.get("/shop/account").await.expect(200);
    let customer = between(&account.html, "id=\"customer-id\">", "<");
    let secret = between(&account.html, "id=\"secret\">", "<");
    let token = api
        .post(
            &format!("/customers/{customer}/tokens"),
            json!({"secret": secret}),
        )
        .await
        .expect(201);
    api.authorization = Some(format!(
        "Bearer {}",
        token.data()["access_token"].as_str().unwrap()
    ));
    let orders = api
        .get(&format!("/orders?customer_id={customer}"))
        .await
        .expect(200);
    let orders = orders.data().as_array().unwrap().clone();
    assert_eq!(orders.len(), 1, "one order, not two: {orders:?}");
    assert_eq!(orders[0]["number"], number);
    assert_eq!(orders[0]["total"], json!(50.47));
    let tux = api.get("/products/Tux").await.expect(200);
    assert_eq!(tux.data()["quantity"], 7);
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {text}"))
        + start.len();
    let to = text[from..].find(end).unwrap() + from;
    &text[from..to]
}

async fn refusals_are_pages_that_say_why(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut browser = PageClient::to(&store).await;
    browser.get("/shop/products/3").await.expect(200);
    let short = browser
        .post("/shop/cart", &[("product_id", "3"), ("quantity", "4")])
        .await;
    short.expect(409).shows_error("stock");
    let typo = browser
        .post("/shop/cart", &[("product_id", "3"), ("quantity", "two")])
        .await;
    typo.expect(422).shows_error("not a whole number");
    let cart = browser.get("/shop/cart").await.expect(200);
    assert!(cart.html.contains("Your cart is empty"));
    let empty = browser
        .post("/shop/checkout", &[("checkout_key", "k1")])
        .await;
    empty.expect(409).shows_error("empty");
    browser
        .get("/shop/products/99")
        .await
        .expect(404)
        .shows_error("No such product");
    browser
        .get("/shop/products/x")
        .await
        .expect(404)
        .shows_error("No such product");
    browser
        .get("/shop?page=0")
        .await
        .expect(400)
        .shows_error("page number");
    // A form larger than `http.max_body_bytes` is refused as the API's
    // bodies are, as a page.
    let huge = "x".repeat(20_000);
    let refused = browser
        .post("/shop/cart", &[("product_id", "1"), ("note", &huge)])
        .await;
    refused.expect(413).shows_error("at most");
}

async fn what_the_catalog_holds_is_shown_as_text_never_as_markup(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut api = Api::to(&store).await;
    let name = "<script>alert(1)</script> & Co";
    let product = json!({"name": name, "price": 1, "quantity": 1,
        "description": "<img src=x onerror=alert(2)>"});
    let made = api
        .admin("POST", "/products", Some(product))
        .await
        .expect(201);
    let id = made.data()["id"].as_i64().unwrap();
    let mut browser = PageClient::to(&store).await;
    for path in ["/shop".to_owned(), format!("/shop/products/{id}")] {
        let page = browser.get(&path).await.expect(200);
        assert!(!page.html.contains("<script>"), "{path}: {}", page.html);
        assert!(!page.html.contains("<img"), "{path}: {}", page.html);
        let escaped = ["&lt;script&gt;", "&#60;script&#62;"];
        assert!(
            escaped.iter().any(|e| page.html.contains(e)),
            "{path}: {}",
            page.html
        );
    }
}

async fn pages_reach_only_their_own_customers_cart_and_orders(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut alice = PageClient::to(&store).await;
    alice.get("/shop/products/1").await;
    let cart = alice
        .submit("/shop/cart", &[("product_id", "1"), ("quantity", "1")])
        .await;
    let key = cart.field("checkout_key");
    let placed = alice
        .post("/shop/checkout", &[("checkout_key", &key)])
        .await;
    let order = placed.location.unwrap();
    alice.get(&order).await.expect(200);

    let mut bob = PageClient::to(&store).await;
    bob.get(&order)
        .await
        .expect(404)
        .shows_error("No such order");
    bob.get("/shop/products/1").await;
    bob.submit("/shop/cart", &[("product_id", "2"), ("quantity", "1")])
        .await;
    bob.get(&order).await.expect(404);
    let bobs_orders = bob.get("/shop/orders").await.expect(200);
    assert!(bobs_orders.html.contains("No orders from this browser yet"));

    // A cookie naming Alice with a made-up secret is nobody.
    let alices = alice.cookies["storefront_customer"].clone();
    let (alice_id, _) = alices.rsplit_once('.').unwrap();
    let mut mallory = PageClient::to(&store).await;
    mallory
        .cookies
        .insert("storefront_customer".into(), format!("{alice_id}.forged"));
    mallory.get(&order).await.expect(404);
    let cart = mallory.get("/shop/cart").await.expect(200);
    assert!(cart.html.contains("Your cart is empty"));
}

/// A checkout whose outcome the page could not learn (the orders service
/// is down) shows the cart again with the same key; pressing the button
/// once the store is back orders once, not twice.
async fn a_checkout_pressed_again_after_an_outage_orders_once(backend: Backend) {
    let mut store = Store::processes_on(backend, Some(SEED), "");
    let mut browser = PageClient::to(&store).await;
    browser.get("/shop/products/1").await;
    let cart = browser
        .submit("/shop/cart", &[("product_id", "1"), ("quantity", "2")])
        .await;
    let key = cart.field("checkout_key");
    store.kill(Role::Orders);
    let unknown = browser
        .post("/shop/checkout", &[("checkout_key", &key)])
        .await;
    let unknown = unknown.expect(503);
    unknown.shows_error("will not order twice");
    assert_eq!(
        unknown.field("checkout_key"),
        key,
        "the same key comes back"
    );
    store.restart(Role::Orders);
    let mut again = browser
        .post("/shop/checkout", &[("checkout_key", &key)])
        .await;
    for _ in 0..100 {
        if again.status == 303 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        again = browser
            .post("/shop/checkout", &[("checkout_key", &key)])
            .await;
    }
    let order = again.expect(303).location.unwrap();
    let history = browser.get("/shop/orders").await.expect(200);
    assert_eq!(
        history.html.matches("<a href=\"/shop/orders/").count(),
        1,
        "{}",
        history.html
    );
    assert!(
        history
            .html
            .contains(&format!("href=\"{}\"", order.split('?').next().unwrap()))
    );
    let mut api = Api::to(&store).await;
    let tux = api.get("/products/Tux").await.expect(200);
    assert_eq!(tux.data()["quantity"], 8, "two units taken, once");
}

async fn forms_from_elsewhere_change_nothing(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut browser = PageClient::to(&store).await;
    browser.get("/shop/products/1").await;
    browser
        .submit("/shop/cart", &[("product_id", "1"), ("quantity", "1")])
        .await;
    // Another site's form carries no key, or a wrong one, or the browser
    // says it came from another site.
    let cookie = browser.cookies.clone();
    let forged = [
        "product_id=1&quantity=5".to_owned(),
        "form_key=00000000000000000000000000000000&product_id=1&quantity=5".to_owned(),
    ];
    for form in &forged {
        let reply = browser.send(Method::POST, "/shop/cart", form, &[]).await;
        reply.expect(403).shows_error("another site");
    }
    let key = &cookie["storefront_form"];
    let cross = format!("form_key={key}&product_id=1&quantity=5");
    let reply = browser
        .send(
            Method::POST,
            "/shop/cart",
            &cross,
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    reply.expect(403);
    let mut stranger = PageClient::to(&store).await;
    stranger.cookies.insert(
        "storefront_customer".into(),
        cookie["storefront_customer"].clone(),
    );
    stranger
        .send(Method::POST, "/shop/cart", &cross, &[])
        .await
        .expect(403);
    let cart = browser.get("/shop/cart").await.expect(200);
    assert!(
        cart.html.contains("value=\"1\""),
        "still one unit: {}",
        cart.html
    );
}

async fn the_admin_pages_need_the_admin_token(backend: Backend) {
    let store = Store::start_on(backend, Some(SEED), "");
    let mut owner = PageClient::to(&store).await;
    let sign_in = owner.get("/admin").await.expect(200);
    assert!(sign_in.html.contains("Admin token"));
    let refused = owner
        .post(
            "/admin/products",
            &[("name", "Yo-yo"), ("price", "3"), ("quantity", "5")],
        )
        .await;
    refused.expect(401).shows_error("Sign in");
    owner
        .post("/admin/sign-in", &[("token", "guess")])
        .await
        .expect(401)
        .shows_error("not the admin token");
    let signed_in = owner
        .post("/admin/sign-in", &[("token", ADMIN_TOKEN)])
        .await
        .expect(303);
    assert_eq!(signed_in.location.as_deref(), Some("/admin"));
    assert!(owner.cookies.contains_key("storefront_admin"));

    let listed = owner
        .submit(
            "/admin/products",
            &[("name", "Yo-yo"), ("price", "3.25"), ("quantity", "5")],
        )
        .await;
    assert!(listed.html.contains("Yo-yo"));
    let duplicate = owner
        .post(
            "/admin/products",
            &[("name", "Yo-yo"), ("price", "1"), ("quantity", "1")],
        )
        .await;
    duplicate.expect(409);
    let edit = owner.get("/admin/products/1").await.expect(200);
    assert!(edit.html.contains("value=\"15.99\""));
    let bad = owner
        .post(
            "/admin/products/1",
            &[("name", "Tux"), ("price", "1.999"), ("quantity", "10")],
        )
        .await;
    bad.expect(422).shows_error("1.999");
    owner
        .submit(
            "/admin/products/1",
            &[("name", "Tux"), ("price", "12.50"), ("quantity", "10")],
        )
        .await;
    let mut shopper = PageClient::to(&store).await;
    let product = shopper.get("/shop/products/1").await.expect(200);
    assert!(
        product.html.contains("id=\"price\">12.50<"),
        "{}",
        product.html
    );
    owner.submit("/admin/products/3/delete", &[]).await;
    shopper.get("/shop/products/3").await.expect(404);

    // The admin cookie is no customer, and a customer is no admin.
    owner.submit("/admin/sign-out", &[]).await;
    assert!(!owner.cookies.contains_key("storefront_admin"));
    owner
        .post("/admin/products/2/delete", &[])
        .await
        .expect(401);
    let mut api = Api::to(&store).await;
    assert_eq!(api.get("/products/Duck").await.status, 200);
}

async fn the_root_sends_browsers_to_the_shop_and_api_clients_json(backend: Backend) {
    let store = Store::start_on(backend, None, "");
    let mut browser = PageClient::to(&store).await;
    let root = browser.get("/").await.expect(303);
    assert_eq!(root.location.as_deref(), Some("/shop"));
    let mut api = Api::to(&store).await;
    let index = api.get("/").await.expect(200);
    assert_eq!(index.data()["shop"], "/shop");
    assert_eq!(index.data()["openapi"], "/openapi.json");
}

storefront_service_kit::for_each_backend! {
    sqlite => Backend::sqlite(),
    postgres => Backend::postgres();
    a_shopper_buys_through_the_pages,
    refusals_are_pages_that_say_why,
    what_the_catalog_holds_is_shown_as_text_never_as_markup,
    pages_reach_only_their_own_customers_cart_and_orders,
    forms_from_elsewhere_change_nothing,
    a_checkout_pressed_again_after_an_outage_orders_once,
    the_admin_pages_need_the_admin_token,
    the_root_sends_browsers_to_the_shop_and_api_clients_json,
}
