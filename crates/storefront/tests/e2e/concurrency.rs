//! Races for the last units: however many buyers arrive at once, stock is
//! never oversold and never negative.

use crate::support::{Backend, Store};
use serde_json::{Value, json};
use storefront_wire::KeepAliveConnection;

/// `buyers` clients, each on its own connection, try one buy at the same moment.
/// Returns the order numbers of the buys that succeeded, and every status.
async fn race(store: &Store, buyers: usize, name: &str, quantity: u64) -> (Vec<u64>, Vec<u16>) {
    let mut connections = Vec::new();
    for _ in 0..buyers {
        connections.push(
            KeepAliveConnection::connect(&store.gateway_url())
                .await
                .unwrap(),
        );
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(buyers));
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|mut c| {
            let start = start.clone();
            let body = json!({"name": name, "quantity": quantity});
            tokio::spawn(async move {
                start.wait().await;
                let response = c.post_json("/orders", &body).await.unwrap();
                let v: Value = response.json().unwrap();
                (response.status.as_u16(), v["data"]["order_number"].as_u64())
            })
        })
        .collect();
    let mut numbers = Vec::new();
    let mut statuses = Vec::new();
    for task in tasks {
        let (status, number) = task.await.unwrap();
        statuses.push(status);
        numbers.extend(number);
    }
    (numbers, statuses)
}

async fn stock_of(store: &Store, name: &str) -> i64 {
    let mut c = store.connect().await;
    let v: Value = c
        .get(&format!("/products/{name}"))
        .await
        .unwrap()
        .json()
        .unwrap();
    v["data"]["quantity"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_buyers_for_the_last_five_units_sell_exactly_five() {
    last_five_units(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_thirty_buyers_for_the_last_five_units_sell_exactly_five() {
    if let Some(backend) = Backend::postgres() {
        last_five_units(backend).await;
    }
}

async fn last_five_units(backend: Backend) {
    let seed = r#"[{"name":"Last","price":1,"quantity":5}]"#;
    let store = Store::start_on(backend, Some(seed), "");
    let (mut numbers, statuses) = race(&store, 30, "Last", 1).await;
    assert_eq!(numbers.len(), 5, "statuses: {statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        25,
        "{statuses:?}"
    );
    numbers.sort();
    assert_eq!(
        numbers,
        vec![0, 1, 2, 3, 4],
        "unique numbers from 0, none consumed by refusals"
    );
    assert_eq!(stock_of(&store, "Last").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyers_of_two_units_never_split_the_odd_last_unit() {
    let store = Store::start_with_seed(r#"[{"name":"Pair","price":1,"quantity":7}]"#);
    let (numbers, statuses) = race(&store, 25, "Pair", 2).await;
    assert_eq!(numbers.len(), 3, "{statuses:?}");
    assert_eq!(stock_of(&store, "Pair").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_races_with_mixed_quantities_conserve_stock_exactly() {
    let store = Store::start_with_seed(r#"[{"name":"Mixed","price":1,"quantity":23}]"#);
    for quantity in [1, 3, 2, 5, 1] {
        race(&store, 12, "Mixed", quantity).await;
    }
    let sold: u64 = store.all_orders().await.iter().map(|(_, _, q)| q).sum();
    let left = stock_of(&store, "Mixed").await;
    assert!(left >= 0);
    assert_eq!(left as u64 + sold, 23);
    assert!(left < 1 || sold > 0);
}
