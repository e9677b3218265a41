//! Every log line written while serving a request carries its
//! `x-request-id` and W3C trace id, in every service the request reaches:
//! one buy sent to the gateway with a
//! `traceparent` shows, in the JSON logs of the gateway, the orders service
//! and the catalog, an access line with the same request id and trace id.

use std::time::Duration;

use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

use crate::support::{Backend, Store};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// The access lines (`served`) of a role's JSON log.
fn access_lines(dir: &std::path::Path, role: &str) -> Vec<Value> {
    let log = std::fs::read_to_string(dir.join(format!("{role}.log"))).unwrap_or_default();
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "served")
        .collect()
}

#[tokio::test]
async fn one_buy_is_traced_through_gateway_orders_and_catalog() {
    let debug = "info,storefront_service_kit::request_context=debug";
    let store = Store::processes_logging(Backend::Sqlite, None, "log_format = \"json\"\n", debug);
    let dir = store.dir.path();

    let mut c = KeepAliveConnection::connect(&store.gateway_url())
        .await
        .unwrap();
    let body = json!({"name": "Tux", "quantity": 1}).to_string();
    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let reply = c
        .send_with_headers(
            http::Method::POST,
            "/orders",
            body.into(),
            Some("application/json"),
            &[
                ("x-request-id", "trace-me-1"),
                ("traceparent", &traceparent),
            ],
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());

    for role in ["gateway", "orders", "catalog"] {
        // The access line is written once the reply is sent; give the
        // process a moment to flush it.
        let mut lines = Vec::new();
        for _ in 0..50 {
            lines = access_lines(dir, role);
            if lines.iter().any(|l| l["request_id"] == "trace-me-1") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let traced: Vec<&Value> = lines
            .iter()
            .filter(|l| l["request_id"] == "trace-me-1")
            .collect();
        assert!(
            !traced.is_empty(),
            "{role}: no access line for the buy: {lines:?}"
        );
        for line in traced {
            assert_eq!(line["trace_id"], TRACE_ID, "{role}: {line}");
            assert_eq!(line["level"], "DEBUG", "{role}: {line}");
            assert!(
                line["fields"]["status"].as_u64().is_some(),
                "{role}: {line}"
            );
        }
    }
    let gateway_line = access_lines(dir, "gateway")
        .into_iter()
        .find(|l| l["request_id"] == "trace-me-1")
        .unwrap();
    assert_eq!(gateway_line["fields"]["path"], "/orders", "{gateway_line}");
    assert_eq!(gateway_line["fields"]["method"], "POST", "{gateway_line}");
    assert_eq!(gateway_line["fields"]["status"], 200, "{gateway_line}");
}
