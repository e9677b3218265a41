//! `kill -9` in the middle of a stream of buys: afterwards every
//! acknowledged order is present and unchanged, order numbers have no gaps,
//! and for every product initial stock = current stock + Σ ordered.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::{Backend, Role, Store};
use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

const SEED: &str = r#"[
  {"name":"Tux","price":15.99,"quantity":1000},
  {"name":"Whale","price":34.99,"quantity":1000},
  {"name":"Scarce","price":1.00,"quantity":40}
]"#;

fn initial_stock() -> HashMap<String, i64> {
    [("Tux", 1000), ("Whale", 1000), ("Scarce", 40)]
        .into_iter()
        .map(|(n, q)| (n.to_owned(), q))
        .collect()
}

/// An order the store acknowledged to a buyer.
type Ack = (u64, String, u64);

/// Buyers that keep buying (reconnecting through failures) until `stop`.
fn start_buyers(
    store: &Store,
    count: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Ack>>> {
    (0..count)
        .map(|i| {
            let target = store.gateway_url();
            let stop = stop.clone();
            tokio::spawn(async move {
                let names = ["Tux", "Whale", "Scarce"];
                let mut acks = Vec::new();
                let mut connection: Option<KeepAliveConnection> = None;
                let mut n = i;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let name = names[n % 3];
                    let quantity = (n % 3 + 1) as u64;
                    if connection.as_ref().is_none_or(|c| c.is_closed()) {
                        connection = KeepAliveConnection::connect(&target).await.ok();
                    }
                    let Some(c) = connection.as_mut() else {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    };
                    match c
                        .post_json("/orders", &json!({"name": name, "quantity": quantity}))
                        .await
                    {
                        Ok(r) if r.status == 200 => {
                            let v: Value = r.json().unwrap();
                            acks.push((
                                v["data"]["order_number"].as_u64().unwrap(),
                                name.to_owned(),
                                quantity,
                            ));
                        }
                        Ok(r) => {
                            assert!(
                                [409, 503].contains(&r.status.as_u16()),
                                "unexpected {}: {}",
                                r.status,
                                r.text()
                            );
                        }
                        Err(_) => connection = None,
                    }
                }
                acks
            })
        })
        .collect()
}

async fn check_invariants(store: &Store, acks: &[Ack]) {
    store.wait_until_reconciled().await;
    let orders = store.all_orders().await;
    for (index, (number, _, _)) in orders.iter().enumerate() {
        assert_eq!(*number, index as u64, "order numbers must have no gaps");
    }
    let by_number: HashMap<u64, (String, u64)> = orders
        .iter()
        .map(|(n, name, q)| (*n, (name.clone(), *q)))
        .collect();
    for (number, name, quantity) in acks {
        assert_eq!(
            by_number.get(number),
            Some(&(name.clone(), *quantity)),
            "acknowledged order {number} lost or changed"
        );
    }
    let mut ordered: HashMap<String, i64> = HashMap::new();
    for (_, name, quantity) in &orders {
        *ordered.entry(name.clone()).or_default() += *quantity as i64;
    }
    let current: HashMap<String, i64> = store.stock().await.into_iter().collect();
    for (name, initial) in initial_stock() {
        let now = current[&name];
        let sold = ordered.get(&name).copied().unwrap_or(0);
        assert!(now >= 0, "{name}: negative stock");
        assert_eq!(
            initial,
            now + sold,
            "{name}: initial {initial} != current {now} + ordered {sold}"
        );
    }
}

async fn kill_mid_stream(victims: &[Role], cycles: usize) {
    kill_mid_stream_on(Backend::Sqlite, victims, cycles).await;
}

async fn kill_mid_stream_on(backend: Backend, victims: &[Role], cycles: usize) {
    let mut store = Store::processes_on(backend, Some(SEED), "");
    let stop = Arc::new(AtomicBool::new(false));
    let buyers = start_buyers(&store, 6, stop.clone());
    for _ in 0..cycles {
        for &victim in victims {
            tokio::time::sleep(Duration::from_millis(250)).await;
            store.kill(victim);
            tokio::time::sleep(Duration::from_millis(100)).await;
            store.restart(victim);
        }
    }
    tokio::time::sleep(Duration::from_millis(250)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acks = Vec::new();
    for buyer in buyers {
        acks.extend(buyer.await.unwrap());
    }
    assert!(
        acks.len() > 20,
        "the stream of buys was too thin to prove anything: {}",
        acks.len()
    );
    check_invariants(&store, &acks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_orders_mid_stream_loses_no_acknowledged_order_and_conserves_stock() {
    kill_mid_stream(&[Role::Orders], 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_catalog_mid_stream_loses_no_acknowledged_order_and_conserves_stock() {
    kill_mid_stream(&[Role::Catalog], 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_each_process_in_turn_keeps_every_invariant() {
    kill_mid_stream(&[Role::Orders, Role::Catalog, Role::Gateway], 2).await;
}

/// The same on PostgreSQL: order numbers from the counter row, stock from
/// guarded updates in the catalog's schema, recovery after `kill -9`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_killing_each_process_in_turn_keeps_every_invariant() {
    if let Some(backend) = Backend::postgres() {
        kill_mid_stream_on(backend, &[Role::Orders, Role::Catalog, Role::Gateway], 1).await;
    }
}
