//! `kill -9` of each process in turn while many checkouts run. Afterwards,
//! once the store has settled, every cart is either Ordered, with an order
//! holding exactly its items, or Active and untouched; no order exists
//! without its Ordered cart; and initial stock = current stock + Σ ordered.
//! Run on SQLite and on PostgreSQL.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{ADMIN_BEARER, Api, Backend, Role, Store, products_by_name, settled_carts};
use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

const SEED: &str = r#"[
  {"name":"Tux","price":15.99,"quantity":500},
  {"name":"Whale","price":34.99,"quantity":500},
  {"name":"Scarce","price":1.00,"quantity":20}
]"#;

const CUSTOMERS: usize = 60;
const STREAMS: usize = 10;

/// What each customer's cart holds: (product name, quantity).
fn cart_of(customer: usize) -> Vec<(&'static str, u64)> {
    match customer % 3 {
        0 => vec![("Tux", 1), ("Whale", 2)],
        1 => vec![("Scarce", 1), ("Tux", 2)],
        _ => vec![("Whale", 1), ("Scarce", 1), ("Tux", 1)],
    }
}

async fn a_crash_mid_checkout_leaves_whole_orders_or_untouched_carts(
    backend: Backend,
    victim: Role,
) {
    let config = "[carts]\ncheckout_retry_ms = 200\n";
    let mut store = Store::processes_on(backend, Some(SEED), config);
    let mut api = Api::as_admin(&store).await;
    let before = products_by_name(&mut api).await;
    for customer in 0..CUSTOMERS {
        for (name, quantity) in cart_of(customer) {
            let item = json!({"product_id": before[name].0, "quantity": quantity});
            api.post(&format!("/carts/c{customer}"), item)
                .await
                .expect(201);
        }
    }

    // Ten checkout streams; the victim dies once a third of the checkouts
    // have answered, so the rest are before, in or after the crash.
    let answered = Arc::new(AtomicUsize::new(0));
    let streams: Vec<_> = (0..STREAMS)
        .map(|stream| {
            let url = store.gateway_url();
            let answered = Arc::clone(&answered);
            tokio::spawn(async move {
                for customer in (stream..CUSTOMERS).step_by(STREAMS) {
                    let key = format!("checkout-{customer}");
                    if let Ok(mut c) = KeepAliveConnection::connect(&url).await {
                        let _ = c
                            .send_with_headers(
                                http::Method::POST,
                                &format!("/carts/c{customer}/checkout"),
                                bytes::Bytes::new(),
                                None,
                                &[("idempotency-key", &key), ("authorization", ADMIN_BEARER)],
                            )
                            .await;
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < CUSTOMERS / 3 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    store.kill(victim);
    let at_kill = answered.load(Ordering::SeqCst);
    assert!(
        at_kill < CUSTOMERS,
        "the crash came in the middle of the checkouts"
    );
    store.restart(victim);
    for stream in streams {
        stream.await.unwrap();
    }

    let carts = settled_carts(&store).await;
    assert_eq!(carts.len(), CUSTOMERS, "one cart per customer: {carts:?}");
    let mut api = Api::as_admin(&store).await;
    let orders = api.get("/orders?limit=1000").await.expect(200);
    let orders = orders.data().as_array().unwrap().clone();
    let by_customer: HashMap<String, &Value> = orders
        .iter()
        .map(|o| (o["customer_id"].as_str().unwrap().to_owned(), o))
        .collect();
    assert_eq!(
        by_customer.len(),
        orders.len(),
        "at most one order per cart"
    );

    let mut ordered_carts = 0;
    for cart in &carts {
        let customer = cart["customer_id"].as_str().unwrap();
        let index: usize = customer[1..].parse().unwrap();
        let mut expected: Vec<(String, u64)> = cart_of(index)
            .into_iter()
            .map(|(n, q)| (n.to_owned(), q))
            .collect();
        expected.sort();
        match cart["status"].as_str().unwrap() {
            "Ordered" => {
                ordered_carts += 1;
                let order = by_customer
                    .get(customer)
                    .unwrap_or_else(|| panic!("cart of {customer} is Ordered without an order"));
                assert_eq!(order["number"], cart["order_number"], "{cart}");
                let mut lines: Vec<(String, u64)> = order["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| {
                        (
                            i["name"].as_str().unwrap().to_owned(),
                            i["quantity"].as_u64().unwrap(),
                        )
                    })
                    .collect();
                lines.sort();
                assert_eq!(
                    lines, expected,
                    "order of {customer} holds exactly its cart"
                );
            }
            "Active" => {
                assert!(
                    !by_customer.contains_key(customer),
                    "{customer} has an order but an Active cart"
                );
                let view = api.get(&format!("/carts/{customer}")).await.expect(200);
                assert_eq!(
                    view.data()["items"].as_array().unwrap().len(),
                    expected.len(),
                    "untouched"
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        ordered_carts,
        orders.len(),
        "no order without its Ordered cart"
    );

    let after = products_by_name(&mut api).await;
    for (name, (_, initial)) in &before {
        let ordered: i64 = orders
            .iter()
            .flat_map(|o| o["items"].as_array().unwrap().iter())
            .filter(|i| i["name"] == name.as_str())
            .map(|i| i["quantity"].as_i64().unwrap())
            .sum();
        let current = after[name].1;
        assert!(current >= 0);
        assert_eq!(*initial, current + ordered, "{name}: stock conserved");
    }
    assert!(
        ordered_carts > 0,
        "the checkouts went through after recovery"
    );
}

// Each process in turn is the victim, on each backend.
storefront_service_kit::for_each_backend! {
    sqlite => Backend::sqlite(),
    postgres => Backend::postgres();
    killing_carts = a_crash_mid_checkout_leaves_whole_orders_or_untouched_carts(Role::Carts),
    killing_orders = a_crash_mid_checkout_leaves_whole_orders_or_untouched_carts(Role::Orders),
    killing_catalog = a_crash_mid_checkout_leaves_whole_orders_or_untouched_carts(Role::Catalog),
    killing_the_gateway = a_crash_mid_checkout_leaves_whole_orders_or_untouched_carts(Role::Gateway),
}
