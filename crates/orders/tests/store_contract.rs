//! The orders store's guarantees, checked on a real SQLite file.

use std::sync::Arc;
use std::time::Duration;

use storefront_orders::store::PendingOrder;
use storefront_orders::{OrdersStore, SqliteOrdersStore, StoreError};
use storefront_wire::{ProductName, Quantity};

fn attempt(key: &str) -> PendingOrder {
    PendingOrder {
        order_key: key.into(),
        name: ProductName::parse("Tux").unwrap(),
        quantity: Quantity::new(2).unwrap(),
    }
}

#[tokio::test]
async fn confirmed_orders_are_numbered_from_zero_without_gaps_under_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteOrdersStore::open(&dir.path().join("o.db"))
            .await
            .unwrap(),
    );
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let key = format!("k{i}");
                store.begin(attempt(&key)).await.unwrap();
                store.confirm(key, 1599).await.unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (0..100).collect::<Vec<u64>>());
}

#[tokio::test]
async fn aborted_attempts_consume_no_number_and_numbering_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.db");
    {
        let store = SqliteOrdersStore::open(&path).await.unwrap();
        store.begin(attempt("a")).await.unwrap();
        assert_eq!(store.confirm("a".into(), 1).await.unwrap(), 0);
        store.begin(attempt("refused")).await.unwrap();
        store.abort("refused".into()).await.unwrap();
        store.begin(attempt("left-pending")).await.unwrap();
    }
    let store = SqliteOrdersStore::open(&path).await.unwrap();
    assert_eq!(
        store.pending_keys(Duration::ZERO).await.unwrap(),
        vec!["left-pending".to_owned()]
    );
    store.begin(attempt("b")).await.unwrap();
    assert_eq!(store.confirm("b".into(), 1).await.unwrap(), 1);
    let order = store.order(1).await.unwrap().unwrap();
    assert_eq!((order.name.as_str(), order.quantity), ("Tux", 2));
    assert!(store.order(2).await.unwrap().is_none());
}

#[tokio::test]
async fn an_attempt_confirms_at_most_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteOrdersStore::open(&dir.path().join("o.db"))
        .await
        .unwrap();
    store.begin(attempt("k")).await.unwrap();
    store.confirm("k".into(), 1).await.unwrap();
    assert!(matches!(
        store.confirm("k".into(), 1).await,
        Err(StoreError::NotPending(_))
    ));
    store.abort("never-begun".into()).await.unwrap();
    assert!(matches!(
        store.confirm("never-begun".into(), 1).await,
        Err(StoreError::NotPending(_))
    ));
}

#[tokio::test]
async fn the_sweep_sees_only_attempts_older_than_asked() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteOrdersStore::open(&dir.path().join("o.db"))
        .await
        .unwrap();
    store.begin(attempt("fresh")).await.unwrap();
    assert_eq!(
        store.pending_keys(Duration::ZERO).await.unwrap(),
        vec!["fresh".to_owned()]
    );
    assert!(
        store
            .pending_keys(Duration::from_secs(60))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_attempt_marked_aborting_can_no_longer_confirm() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteOrdersStore::open(&dir.path().join("o.db"))
        .await
        .unwrap();
    store.begin(attempt("slow")).await.unwrap();
    store.mark_aborting("slow".into()).await.unwrap();
    assert!(matches!(
        store.confirm("slow".into(), 1).await,
        Err(StoreError::NotPending(_))
    ));
    assert_eq!(
        store.pending_keys(Duration::ZERO).await.unwrap(),
        vec!["slow".to_owned()],
        "still pending until aborted"
    );
    store.abort("slow".into()).await.unwrap();
    assert!(store.pending_keys(Duration::ZERO).await.unwrap().is_empty());
    store.begin(attempt("next")).await.unwrap();
    assert_eq!(
        store.confirm("next".into(), 1).await.unwrap(),
        0,
        "no number was used"
    );
}

#[tokio::test]
async fn a_second_process_cannot_open_the_same_order_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.db");
    let _first = SqliteOrdersStore::open(&path).await.unwrap();
    let Err(second) = SqliteOrdersStore::open(&path).await else {
        panic!("two owners of one order log would hand out the same numbers");
    };
    assert!(second.to_string().contains("in use by another"), "{second}");
}
