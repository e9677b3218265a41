//! `kill -9` of each process in turn in the middle of the shop workload:
//! shoppers add to their carts, take a line out again and check out, all at
//! once, while one process dies and comes back. Cart edits, checkout marks
//! and settlements are all commands of the carts service's group-commit
//! writer on SQLite, so this is the window that writer opens: an edit the
//! store acknowledged must survive, and an edit whose reply was lost may or
//! may not have happened, but nothing in between.
//!
//! Afterwards, once the store has settled, for every shopper:
//! - the units of each product in their order (if the cart was ordered) or
//!   in their cart (if not) lie between the acknowledged adds and the
//!   acknowledged plus the unanswered ones;
//! - a line whose removal was acknowledged is gone;
//! - a checkout answered with an order number has that order, holding the cart;
//! - no order exists without its Ordered cart, none twice; stock is conserved.
//!
//! Run on SQLite and on PostgreSQL.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{
    ADMIN_BEARER, Api, Backend, Role, Store, json_body, products_by_name, settled_carts,
};
use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

const SEED: &str = r#"[
  {"name":"Tux","price":15.99,"quantity":100000},
  {"name":"Whale","price":34.99,"quantity":100000},
  {"name":"Kite","price":3.00,"quantity":100000}
]"#;

const SHOPPERS: usize = 48;
const STREAMS: usize = 8;
/// One-unit adds of Tux and two-unit adds of Whale per shopper.
const TUX_ADDS: usize = 3;
const WHALE_ADDS: usize = 2;
/// Requests a shopper sends: the adds, a Kite added and removed, a checkout.
const REQUESTS_PER_SHOPPER: usize = TUX_ADDS + WHALE_ADDS + 3;

/// How a request ended: a status, or no answer at all (connection lost,
/// refused or timed out), which may or may not have taken effect.
type Outcome = Option<u16>;

/// What one shopper sent and was told.
#[derive(Debug, Default)]
struct Trip {
    tux: Vec<Outcome>,
    whale: Vec<Outcome>,
    kite_added: Outcome,
    kite_removed: Outcome,
    checkout: Option<(u16, Value)>,
}

/// The smallest and largest number of adds that can have taken effect:
/// an acknowledged one surely did, a refused one (4xx) surely did not, and
/// one without a definite answer (no reply, or a 5xx) may have.
fn adds_between(outcomes: &[Outcome]) -> (u64, u64) {
    let sure = outcomes.iter().filter(|o| **o == Some(201)).count() as u64;
    let maybe = outcomes
        .iter()
        .filter(|o| !matches!(o, Some(s) if *s == 201 || (400..500).contains(s)))
        .count() as u64;
    (sure, sure + maybe)
}

/// One request on a fresh connection (the gateway may have just died), with
/// a deadline: never a hang.
async fn send(
    url: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> Option<(u16, Value)> {
    let exchange = async {
        let mut connection = KeepAliveConnection::connect(url).await.ok()?;
        let (bytes, content_type) = match body {
            Some(v) => (json_body(v), Some("application/json")),
            None => (bytes::Bytes::new(), None),
        };
        // The admin acts for every shopper: this checks crashes, not tokens.
        let mut headers = vec![("authorization", ADMIN_BEARER)];
        headers.extend(key.map(|k| ("idempotency-key", k)));
        let reply = connection
            .send_with_headers(method.parse().unwrap(), path, bytes, content_type, &headers)
            .await
            .ok()?;
        let value = reply.json().unwrap_or(Value::Null);
        Some((reply.status.as_u16(), value))
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .ok()
        .flatten()
}

async fn shop(
    url: String,
    shopper: usize,
    ids: HashMap<String, i64>,
    answered: Arc<AtomicUsize>,
) -> Trip {
    let cart = format!("/carts/s{shopper}");
    let mut trip = Trip::default();
    let request = async |method: &str, path: &str, body: Option<Value>, key: Option<&str>| {
        let reply = send(&url, method, path, body, key).await;
        answered.fetch_add(1, Ordering::SeqCst);
        reply
    };
    for _ in 0..TUX_ADDS {
        let add = json!({"product_id": ids["Tux"], "quantity": 1});
        trip.tux.push(
            request("POST", &cart, Some(add), None)
                .await
                .map(|(s, _)| s),
        );
    }
    let add = json!({"product_id": ids["Kite"], "quantity": 1});
    trip.kite_added = request("POST", &cart, Some(add), None)
        .await
        .map(|(s, _)| s);
    for _ in 0..WHALE_ADDS {
        let add = json!({"product_id": ids["Whale"], "quantity": 2});
        trip.whale.push(
            request("POST", &cart, Some(add), None)
                .await
                .map(|(s, _)| s),
        );
    }
    let kite = format!("{cart}/{}", ids["Kite"]);
    trip.kite_removed = request("DELETE", &kite, None, None).await.map(|(s, _)| s);
    let key = format!("trip-{shopper}");
    trip.checkout = request("POST", &format!("{cart}/checkout"), None, Some(&key)).await;
    trip
}

/// Units per product name in a list of lines (an order's or a cart's).
fn units(lines: &Value) -> HashMap<String, u64> {
    let mut units = HashMap::new();
    for line in lines.as_array().unwrap() {
        let name = line["name"].as_str().unwrap().to_owned();
        *units.entry(name).or_default() += line["quantity"].as_u64().unwrap();
    }
    units
}

async fn a_crash_mid_shopping_loses_no_acknowledged_edit(backend: Backend, victim: Role) {
    let config = "[carts]\ncheckout_retry_ms = 200\n";
    let mut store = Store::processes_on(backend, Some(SEED), config);
    let mut api = Api::as_admin(&store).await;
    let before = products_by_name(&mut api).await;
    let ids: HashMap<String, i64> = before.iter().map(|(n, (id, _))| (n.clone(), *id)).collect();

    // Eight streams of shoppers; the victim dies once a third of all their
    // requests have been answered, so trips are before, in and after it.
    let answered = Arc::new(AtomicUsize::new(0));
    let streams: Vec<_> = (0..STREAMS)
        .map(|stream| {
            let (url, ids, answered) = (store.gateway_url(), ids.clone(), Arc::clone(&answered));
            tokio::spawn(async move {
                let mut trips = Vec::new();
                for shopper in (stream..SHOPPERS).step_by(STREAMS) {
                    let trip = shop(url.clone(), shopper, ids.clone(), Arc::clone(&answered)).await;
                    trips.push((shopper, trip));
                }
                trips
            })
        })
        .collect();
    let total = SHOPPERS * REQUESTS_PER_SHOPPER;
    while answered.load(Ordering::SeqCst) < total / 3 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    store.kill(victim);
    assert!(
        answered.load(Ordering::SeqCst) < total,
        "the crash came in the middle of the shopping"
    );
    store.restart(victim);
    let mut trips = HashMap::new();
    for stream in streams {
        trips.extend(stream.await.unwrap());
    }

    let carts = settled_carts(&store).await;
    let mut api = Api::as_admin(&store).await;
    let orders = api.get("/orders?limit=1000").await.expect(200);
    let orders = orders.data().as_array().unwrap().clone();
    let mut order_of: HashMap<String, &Value> = HashMap::new();
    for order in &orders {
        let customer = order["customer_id"].as_str().unwrap().to_owned();
        assert!(
            order_of.insert(customer, order).is_none(),
            "at most one order per shopper"
        );
    }

    let mut ordered_carts = 0;
    for cart in &carts {
        let customer = cart["customer_id"].as_str().unwrap();
        let trip = &trips[&customer[1..].parse::<usize>().unwrap()];
        let held = match cart["status"].as_str().unwrap() {
            "Ordered" => {
                ordered_carts += 1;
                let order = order_of
                    .get(customer)
                    .unwrap_or_else(|| panic!("cart of {customer} is Ordered without an order"));
                assert_eq!(order["number"], cart["order_number"], "{cart}");
                units(&order["items"])
            }
            "Active" => {
                assert!(
                    !order_of.contains_key(customer),
                    "{customer} has an order but an Active cart"
                );
                let view = api.get(&format!("/carts/{customer}")).await.expect(200);
                units(&view.data()["items"])
            }
            other => panic!("unexpected status {other}"),
        };
        if let Some((200, reply)) = &trip.checkout {
            assert_eq!(
                cart["status"], "Ordered",
                "{customer}'s acknowledged checkout"
            );
            assert_eq!(
                reply["data"]["order_number"], cart["order_number"],
                "{customer}"
            );
        }
        let tux = held.get("Tux").copied().unwrap_or(0);
        let (least, most) = adds_between(&trip.tux);
        assert!(
            (least..=most).contains(&tux),
            "{customer}: {tux} Tux, acknowledged {least}, at most {most}: {trip:?}"
        );
        let whale = held.get("Whale").copied().unwrap_or(0);
        let (least, most) = adds_between(&trip.whale);
        assert!(
            whale % 2 == 0 && (2 * least..=2 * most).contains(&whale),
            "{customer}: {whale} Whale: {trip:?}"
        );
        let kite = held.get("Kite").copied().unwrap_or(0);
        if trip.kite_removed == Some(204)
            || trip.kite_added.is_some_and(|s| (400..500).contains(&s))
        {
            assert_eq!(
                kite, 0,
                "{customer}: the Kite line was removed (or never added): {trip:?}"
            );
        }
        assert!(kite <= 1, "{customer}: {kite} Kite");
    }
    assert_eq!(
        ordered_carts,
        orders.len(),
        "no order without its Ordered cart"
    );
    assert!(ordered_carts > 0, "checkouts went through around the crash");

    let after = products_by_name(&mut api).await;
    for (name, (_, initial)) in &before {
        let ordered: u64 = orders
            .iter()
            .map(|o| units(&o["items"]).get(name).copied().unwrap_or(0))
            .sum();
        let current = after[name].1;
        assert!(current >= 0);
        assert_eq!(
            *initial,
            current + ordered as i64,
            "{name}: stock conserved"
        );
    }
}

// Each process in turn is the victim, on each backend.
storefront_service_kit::for_each_backend! {
    sqlite => Backend::sqlite(),
    postgres => Backend::postgres();
    killing_carts = a_crash_mid_shopping_loses_no_acknowledged_edit(Role::Carts),
    killing_orders = a_crash_mid_shopping_loses_no_acknowledged_edit(Role::Orders),
    killing_catalog = a_crash_mid_shopping_loses_no_acknowledged_edit(Role::Catalog),
    killing_the_gateway = a_crash_mid_shopping_loses_no_acknowledged_edit(Role::Gateway),
}
