//! The gateway's OpenAPI document checked against the gateway itself,
//! running in-process on a free port (its peers absent, so calls that need
//! them answer 503): every documented operation is served with its method
//! and answers only statuses it documents, nothing around the documented
//! paths is served, the document is valid OpenAPI (openapi-spec-validator),
//! and `/docs` loads only files the gateway serves itself.

mod support;

use std::collections::BTreeSet;

use http::Method;
use serde_json::{Value, json};
use storefront_service_kit::test_support::python;
use storefront_wire::RawResponse;
use support::RunningGateway;

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];

/// Each documented operation: path template, method, operation object.
fn operations(document: &Value) -> Vec<(String, Method, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            found.push((path.clone(), method, operation.clone()));
        }
    }
    found
}

/// A concrete path for a template, with a valid value for each parameter.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{name_or_id}" => "Tux",
            "{number}" => "0",
            "{customer_id}" => "alice",
            "{product_id}" => "1",
            "{asset}" => "swagger-ui.css",
            "{service}" => "orders",
            s if s.starts_with('{') => panic!("no sample value for path parameter {s}"),
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a concrete path matches a template (a parameter matches any
/// non-empty segment).
fn matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

fn is_unknown_path(reply: &RawResponse) -> bool {
    reply.status == 404 && reply.text().contains("no such resource")
}

#[tokio::test]
async fn every_documented_operation_is_served_and_answers_a_documented_status() {
    let gateway = RunningGateway::start().await;
    let document = gateway.document().await;
    let operations = operations(&document);
    assert!(operations.len() >= 19, "{} operations", operations.len());
    for (template, method, operation) in &operations {
        let path = concrete(template);
        let body = operation.get("requestBody").map(|_| "{}");
        let secured = operation.get("security").is_some();
        let reply = gateway.send(method.clone(), &path, body, secured).await;
        let what = format!("{method} {path}: {} {}", reply.status, reply.text());
        assert!(
            reply.status != 405 && !is_unknown_path(&reply),
            "not served: {what}"
        );
        let documented = &operation["responses"][reply.status.as_str()];
        assert!(documented.is_object(), "undocumented status: {what}");
    }
}

#[tokio::test]
async fn methods_a_path_does_not_document_are_refused() {
    let gateway = RunningGateway::start().await;
    let document = gateway.document().await;
    for (template, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method.as_str().to_lowercase()).is_some() {
                continue;
            }
            let reply = gateway
                .send(method.clone(), &concrete(template), None, true)
                .await;
            assert_eq!(reply.status, 405, "{method} {template}: {}", reply.text());
        }
    }
}

#[tokio::test]
async fn nothing_around_the_documented_paths_is_served() {
    let gateway = RunningGateway::start().await;
    let document = gateway.document().await;
    let templates: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut probes: BTreeSet<String> = [
        "/",
        "/administration",
        "/openapi.yaml",
        "/swagger-ui",
        "/api-docs",
        "/docs/",
        "/reservations",
        "/products/1/reservations",
        "/orders/0/items",
        "/cart_items/1",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for template in &templates {
        let path = concrete(template);
        probes.insert(format!("{path}/more"));
        if let Some((parent, _)) = path.rsplit_once('/') {
            probes.insert(if parent.is_empty() {
                "/".into()
            } else {
                parent.into()
            });
        }
    }
    // The web pages are HTML for browsers, outside the API document.
    let is_page = |p: &str| {
        ["/shop", "/admin", "/assets/"]
            .iter()
            .any(|r| p.starts_with(r))
    };
    for probe in probes
        .iter()
        .filter(|p| !templates.iter().any(|t| matches(t, p)) && !is_page(p))
    {
        for method in METHODS {
            let reply = gateway.send(method.clone(), probe, None, true).await;
            assert!(
                is_unknown_path(&reply),
                "{method} {probe} is served: {}",
                reply.status
            );
        }
    }
}

#[tokio::test]
async fn openapi_json_serves_the_document_the_router_is_built_from() {
    let gateway = RunningGateway::start().await;
    let served =
        storefront_gateway::openapi::ApiDocument::new(&storefront_gateway::routes::openapi());
    let built: Value = serde_json::from_slice(&served.0).unwrap();
    assert_eq!(gateway.document().await, built);
    assert!(!String::from_utf8_lossy(&served.0).contains("\"operation_id\""));
    assert_eq!(built["openapi"], "3.1.0");
}

/// What the document says each operation needs, and what an anonymous
/// request gets: routes that refuse it with 401 are exactly those whose
/// security the document makes required, plus the token route (its proof
/// is the secret in the body); admin-only routes name only the admin token,
/// a customer's routes its token or the admin token.
#[tokio::test]
async fn routes_that_need_a_token_say_which_and_refuse_anonymous_requests() {
    let gateway = RunningGateway::start().await;
    let document = gateway.document().await;
    for scheme in ["admin_token", "customer_token"] {
        assert_eq!(
            document["components"]["securitySchemes"][scheme]["scheme"],
            "bearer"
        );
    }
    let admin = json!([{"admin_token": []}]);
    let customer = json!([{"customer_token": []}, {"admin_token": []}]);
    let (mut admin_only, mut customers, mut refused) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for (template, method, operation) in operations(&document) {
        let name = format!("{method} {template}");
        let security = operation.get("security");
        if security == Some(&admin) {
            admin_only.insert(name.clone());
        } else if security == Some(&customer) {
            customers.insert(name.clone());
        } else if let Some(optional) = security {
            assert!(
                optional.as_array().unwrap().contains(&json!({})),
                "{name}: {optional}"
            );
        }
        assert_eq!(
            operation["responses"].get("401").is_some(),
            security.is_some(),
            "{name}"
        );
        let body = operation.get("requestBody").map(|_| "{}");
        let reply = gateway
            .send(method.clone(), &concrete(&template), body, false)
            .await;
        if reply.status == 401 {
            refused.insert(name);
        }
    }
    let expected_admin = [
        "DELETE /products/{name_or_id}",
        "GET /cart_items",
        "GET /carts",
        "POST /products",
        "PUT /products/{name_or_id}",
    ];
    assert_eq!(admin_only, expected_admin.map(String::from).into());
    let expected_customers = [
        "DELETE /carts/{customer_id}/{product_id}",
        "GET /carts/{customer_id}",
        "GET /orders",
        "POST /carts/{customer_id}",
        "POST /carts/{customer_id}/checkout",
        "PUT /carts/{customer_id}/{product_id}",
    ];
    assert_eq!(customers, expected_customers.map(String::from).into());
    let mut expected_refused: BTreeSet<String> = admin_only.union(&customers).cloned().collect();
    expected_refused.insert("POST /customers/{customer_id}/tokens".into());
    assert_eq!(refused, expected_refused);
}

#[tokio::test]
async fn placing_an_order_and_checkout_document_the_idempotency_key() {
    let document = RunningGateway::start().await.document().await;
    let mut keyed = BTreeSet::new();
    for (template, method, operation) in operations(&document) {
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if parameters
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
        {
            keyed.insert(format!("{method} {template}"));
        }
    }
    let expected = ["POST /carts/{customer_id}/checkout", "POST /orders"];
    assert_eq!(keyed, expected.map(String::from).into());
}

/// Follows a `$ref` to its component.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn successes_are_data_envelopes_and_failures_the_error_shape() {
    let document = RunningGateway::start().await.document().await;
    let error = &document["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], json!(["error"]));
    for (template, method, operation) in operations(&document) {
        let what = format!("{method} {template}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{what}: no success"
        );
        for (status, response) in responses {
            let Some(schema) = response.pointer("/content/application~1json/schema") else {
                continue;
            };
            if status.starts_with('2') && template != "/openapi.json" {
                let envelope = resolve(&document, schema);
                assert_eq!(envelope["required"], json!(["data"]), "{what} {status}");
            } else if !status.starts_with('2') {
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ErrorBody",
                    "{what} {status}"
                );
            }
        }
        // A redirect (`GET /` for browsers) has no body.
        let failures = responses
            .iter()
            .filter(|(s, _)| !s.starts_with('2') && !s.starts_with('3'));
        for (status, response) in failures {
            assert!(
                response["content"]["application/json"].is_object(),
                "{what} {status}"
            );
        }
    }
}

#[tokio::test]
async fn docs_page_loads_only_local_files_served_with_their_content_types() {
    let gateway = RunningGateway::start().await;
    let page = gateway.send(Method::GET, "/docs", None, false).await;
    assert_eq!(page.status, 200);
    assert!(content_type(&page).starts_with("text/html"));
    let html = page.text();
    let references: Vec<&str> = ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| html.split(attribute).skip(1))
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert_eq!(references.len(), 3, "{references:?}");
    for reference in references {
        assert!(
            reference.starts_with('/') && !reference.starts_with("//"),
            "not a local file: {reference}"
        );
        let file = gateway.send(Method::GET, reference, None, false).await;
        assert_eq!(file.status, 200, "{reference}");
        let expected = if reference.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(
            content_type(&file).starts_with(expected),
            "{reference}: {}",
            content_type(&file)
        );
        assert!(!file.body.is_empty(), "{reference}");
    }
    let initializer = gateway
        .send(Method::GET, "/docs/swagger-initializer.js", None, false)
        .await
        .text();
    assert!(
        initializer.contains("url: \"/openapi.json\""),
        "{initializer}"
    );
    // Swagger UI would otherwise send the document to an online validator.
    assert!(initializer.contains("validatorUrl: null"), "{initializer}");
    let missing = gateway
        .send(Method::GET, "/docs/nope.js", None, false)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json::<Value>().unwrap()["error"]["code"], 404);
}

fn content_type(reply: &RawResponse) -> &str {
    reply
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_document_is_valid_openapi() {
    let document = RunningGateway::start().await.document().await;
    let check = "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(sys.stdin))";
    if python::require_module(
        "openapi_spec_validator",
        "openapi-spec-validator",
        "the OpenAPI validation",
    )
    .is_none()
    {
        return;
    }
    let outcome = python::run(check, &serde_json::to_vec(&document).unwrap());
    assert!(
        outcome.status.success(),
        "openapi-spec-validator refused the document:\n{}",
        String::from_utf8_lossy(&outcome.stderr)
    );
}
