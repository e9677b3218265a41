//! The gateway's OpenAPI document against real traffic: a whole store (on
//! real sockets, SQLite) answers a scripted session that
//! touches every documented operation, and each reply must have a status
//! the document lists for that operation and a body valid against the
//! documented schema (checked with Python's `jsonschema`, which
//! openapi-spec-validator brings along).

use crate::support::{ADMIN_TOKEN, Api, Reply, Store};
use serde_json::{Value, json};
use storefront_service_kit::test_support::python;

const SEED: &str = r#"[
    {"name": "Tux", "price": 15.99, "quantity": 10},
    {"name": "Duck", "price": 2.50, "quantity": 10}
]"#;

/// One request of the session and what came back.
struct Exchange {
    method: &'static str,
    path: String,
    reply: Reply,
}

struct Session {
    api: Api,
    exchanges: Vec<Exchange>,
}

impl Session {
    async fn call(
        &mut self,
        method: &'static str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
        expected: u16,
    ) -> Value {
        let reply = self.api.call(method, path, body, headers).await;
        assert_eq!(reply.status, expected, "{method} {path}: {}", reply.body);
        let data = reply.data().clone();
        self.exchanges.push(Exchange {
            method,
            path: path.to_owned(),
            reply,
        });
        data
    }

    async fn anyone(
        &mut self,
        method: &'static str,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        self.call(method, path, body, &[], status).await
    }

    async fn admin(
        &mut self,
        method: &'static str,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        self.call(method, path, body, &[("authorization", &bearer)], status)
            .await
    }
}

/// Requests covering every operation, with successes and typical refusals.
async fn scripted_session(session: &mut Session) {
    let s = session;
    s.anyone("GET", "/", None, 200).await;
    // A browser is sent to the shop's pages.
    s.call("GET", "/", None, &[("accept", "text/html")], 303)
        .await;
    s.anyone("GET", "/health", None, 200).await;
    s.anyone("GET", "/ready", None, 200).await;
    // An in-process store installs no recorder, so its /metrics is the
    // documented 404; `metrics::` tests the 200 on real processes.
    s.anyone("GET", "/metrics", None, 404).await;
    s.anyone("GET", "/metrics/orders", None, 404).await;
    s.anyone("GET", "/metrics/nope", None, 404).await;
    s.anyone("GET", "/docs", None, 200).await;
    s.anyone("GET", "/docs/swagger-initializer.js", None, 200)
        .await;
    s.anyone("GET", "/docs/missing.js", None, 404).await;
    s.anyone("GET", "/openapi.json", None, 200).await;
    let products = s.anyone("GET", "/products?limit=10", None, 200).await;
    let tux = products[0]["id"].as_i64().unwrap();
    let duck = products[1]["id"].as_i64().unwrap();
    s.anyone("GET", "/products?limit=0", None, 400).await;
    s.anyone("GET", "/products/Tux", None, 200).await;
    s.anyone("GET", &format!("/products/{tux}"), None, 200)
        .await;
    s.anyone("GET", "/products/Nope", None, 404).await;
    s.anyone("GET", "/products/%20Tux", None, 400).await;

    let kite = json!({"name": "Box Kite", "price": 12.5, "quantity": 4, "description": "flies"});
    s.anyone("POST", "/products", Some(kite.clone()), 401).await;
    let created = s.admin("POST", "/products", Some(kite.clone()), 201).await;
    let kite_id = created["id"].as_i64().unwrap();
    s.admin("POST", "/products", Some(kite.clone()), 409).await;
    s.admin(
        "POST",
        "/products",
        Some(json!({"name": "X", "price": -1, "quantity": 1})),
        422,
    )
    .await;
    let kite_path = format!("/products/{kite_id}");
    s.admin(
        "PUT",
        &kite_path,
        Some(json!({"name": "Box Kite", "price": 13, "quantity": 5})),
        200,
    )
    .await;
    // By name too; here the name in the body is another product's.
    s.admin("PUT", "/products/Tux", Some(kite), 409).await;
    s.admin("DELETE", "/products/Nope", None, 404).await;
    s.admin("DELETE", "/products/%20Tux", None, 400).await;

    s.anyone(
        "POST",
        "/orders",
        Some(json!({"name": "Tux", "quantity": 1})),
        200,
    )
    .await;
    // Customers: one made, its token renewed with its secret, a wrong secret.
    let made = s.anyone("POST", "/customers", None, 201).await;
    let alice = made["customer_id"].as_str().unwrap().to_owned();
    let secret = made["secret"].as_str().unwrap().to_owned();
    let tokens = format!("/customers/{alice}/tokens");
    let renewed = s
        .anyone("POST", &tokens, Some(json!({"secret": secret})), 201)
        .await;
    let alice_auth = format!("Bearer {}", renewed["access_token"].as_str().unwrap());
    let alice_auth = alice_auth.as_str();
    s.anyone("POST", &tokens, Some(json!({"secret": "AAAA"})), 401)
        .await;
    s.anyone("POST", &tokens, Some(json!({})), 401).await;
    let bob_token = s
        .admin("POST", "/customers/bob/tokens", Some(json!({})), 201)
        .await;
    let bob_auth = format!("Bearer {}", bob_token["access_token"].as_str().unwrap());
    let bob_auth = bob_auth.as_str();

    let multi = json!({"customer_id": alice, "items": [{"name": "Duck", "quantity": 1}, {"product_id": tux, "quantity": 2}]});
    s.anyone("POST", "/orders", Some(multi.clone()), 401).await;
    s.call(
        "POST",
        "/orders",
        Some(multi.clone()),
        &[("authorization", bob_auth)],
        403,
    )
    .await;
    s.call(
        "POST",
        "/orders",
        Some(multi),
        &[("idempotency-key", "k-1"), ("authorization", alice_auth)],
        200,
    )
    .await;
    s.anyone(
        "POST",
        "/orders",
        Some(json!({"name": "Tux", "quantity": 1000})),
        409,
    )
    .await;
    s.anyone(
        "POST",
        "/orders",
        Some(json!({"name": "Tux", "quantity": "1"})),
        422,
    )
    .await;
    s.anyone(
        "POST",
        "/orders",
        Some(json!({"name": "Nope", "quantity": 1})),
        404,
    )
    .await;
    s.anyone("GET", "/orders/0", None, 200).await;
    s.anyone("GET", "/orders/1", None, 401).await;
    s.call(
        "GET",
        "/orders/1",
        None,
        &[("authorization", bob_auth)],
        403,
    )
    .await;
    s.call(
        "GET",
        "/orders/1",
        None,
        &[("authorization", alice_auth)],
        200,
    )
    .await;
    s.anyone("GET", "/orders/999", None, 404).await;
    s.anyone("GET", "/orders/x", None, 400).await;
    let history = format!("/orders?customer_id={alice}");
    s.call("GET", &history, None, &[("authorization", alice_auth)], 200)
        .await;
    s.call("GET", &history, None, &[("authorization", bob_auth)], 403)
        .await;
    s.anyone("GET", "/orders?customer_id=a%20b", None, 400)
        .await;
    s.anyone("GET", "/orders", None, 401).await;
    s.admin("GET", "/orders", None, 200).await;
    s.anyone("GET", "/carts/bob", None, 401).await;
    s.call(
        "GET",
        "/carts/bob",
        None,
        &[("authorization", alice_auth)],
        403,
    )
    .await;
    s.call(
        "GET",
        "/carts/bob",
        None,
        &[("authorization", "Bearer x.y.z")],
        401,
    )
    .await;
    s.api.authorization = Some(bob_auth.to_owned());

    s.anyone("GET", "/carts/bob", None, 200).await;
    s.anyone(
        "POST",
        "/carts/bob",
        Some(json!({"product_id": tux, "quantity": 2})),
        201,
    )
    .await;
    s.anyone(
        "POST",
        "/carts/bob",
        Some(json!({"product_id": duck, "quantity": 1})),
        201,
    )
    .await;
    s.anyone(
        "POST",
        "/carts/bob",
        Some(json!({"product_id": tux, "quantity": 100})),
        409,
    )
    .await;
    s.anyone(
        "PUT",
        &format!("/carts/bob/{tux}"),
        Some(json!({"quantity": 1})),
        200,
    )
    .await;
    s.anyone("DELETE", &format!("/carts/bob/{duck}"), None, 204)
        .await;
    s.anyone("DELETE", &format!("/carts/bob/{duck}"), None, 404)
        .await;
    s.anyone("GET", "/carts/bob", None, 200).await;
    s.call(
        "POST",
        "/carts/bob/checkout",
        None,
        &[("idempotency-key", "c-1")],
        200,
    )
    .await;
    s.api.authorization = None;
    s.admin("POST", "/carts/carol/checkout", None, 409).await;
    s.admin("GET", "/carts", None, 200).await;
    s.admin("GET", "/cart_items", None, 200).await;
    s.anyone("GET", "/carts", None, 401).await;
    s.admin("DELETE", &kite_path, None, 204).await;
    s.admin("DELETE", &kite_path, None, 404).await;
}

/// The documented path a request went to: of the templates it matches, the
/// one with the most literal segments (`/carts/bob/checkout` is checkout,
/// not a cart line), as the router chooses.
fn template_of<'a>(templates: &'a [String], path: &str) -> &'a str {
    let path = path.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    templates
        .iter()
        .filter(|t| {
            let parts: Vec<&str> = t.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, p)| t == p || t.starts_with('{'))
        })
        .max_by_key(|t| t.split('/').filter(|p| !p.starts_with('{')).count())
        .unwrap_or_else(|| panic!("{path} matches no documented path"))
}

#[tokio::test]
async fn every_reply_of_a_real_session_is_documented_and_matches_its_schema() {
    let store = Store::start_with_seed(SEED);
    let mut session = Session {
        api: Api::to(&store).await,
        exchanges: Vec::new(),
    };
    let document = session.api.get("/openapi.json").await.expect(200).body;
    scripted_session(&mut session).await;

    let templates: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut untested: Vec<String> = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let covered = session.exchanges.iter().any(|e| {
                e.method.eq_ignore_ascii_case(method)
                    && template_of(&templates, &e.path) == template
                    && (200..300).contains(&e.reply.status)
            });
            let metrics = template == "/metrics" || template == "/metrics/{service}";
            if !covered && !metrics {
                untested.push(format!("{method} {template}"));
            }
        }
    }
    assert!(
        untested.is_empty(),
        "no successful request in the session for {untested:?}"
    );

    let mut cases = Vec::new();
    for exchange in &session.exchanges {
        let template = template_of(&templates, &exchange.path);
        let what = format!(
            "{} {} → {}",
            exchange.method, exchange.path, exchange.reply.status
        );
        let operation = &document["paths"][template][exchange.method.to_lowercase()];
        let response = &operation["responses"][exchange.reply.status.to_string()];
        assert!(response.is_object(), "undocumented status: {what}");
        let schema = response.pointer("/content/application~1json/schema");
        match (schema, &exchange.reply.body) {
            (_, Value::Null) => assert!(response.get("content").is_none(), "{what}: no body"),
            (Some(schema), body) if template != "/openapi.json" => {
                cases.push(json!({"what": what, "schema": schema, "body": body}));
            }
            _ => {}
        }
    }
    validate_bodies(&document, &cases);
}

/// Validates each body against its schema (JSON Schema 2020-12, as OpenAPI
/// 3.1 uses), resolving `#/components/...` in the document.
fn validate_bodies(document: &Value, cases: &[Value]) {
    const CHECK: &str = r#"
import json, sys
import jsonschema
given = json.load(sys.stdin)
failures = []
for case in given["cases"]:
    root = dict(case["schema"], components=given["components"])
    for error in jsonschema.Draft202012Validator(root).iter_errors(case["body"]):
        failures.append(f'{case["what"]}: {error.message}\n  body: {json.dumps(case["body"])}')
print("\n".join(failures), file=sys.stderr)
print(len(given["cases"]))
sys.exit(1 if failures else 0)
"#;
    if python::require_module(
        "jsonschema",
        "openapi-spec-validator",
        "the response schema checks",
    )
    .is_none()
    {
        return;
    }
    let input = json!({"components": document["components"], "cases": cases});
    let outcome = python::run(CHECK, &serde_json::to_vec(&input).unwrap());
    assert!(
        outcome.status.success(),
        "replies that do not match the document:\n{}",
        String::from_utf8_lossy(&outcome.stderr)
    );
    let checked = String::from_utf8_lossy(&outcome.stdout);
    assert_eq!(checked.trim(), cases.len().to_string(), "bodies checked");
}
