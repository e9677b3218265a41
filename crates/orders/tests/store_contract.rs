//! The orders store's guarantees. Each check is written once, generic over
//! the store, and run on every backend (see the `backend!` invocations).

use std::sync::Arc;
use std::time::Duration;

use storefront_orders::store::{AbortMark, BeginOutcome, OrderRequest, PendingOrder};
use storefront_orders::{OrdersStore, PostgresOrdersStore, SqliteOrdersStore, StoreError};
use storefront_service_kit::postgres::test_database::{TestDatabase, fresh_database};
use storefront_wire::internal::ReservedItem;
use storefront_wire::shop::{OrderLine, Page, ProductRef};
use storefront_wire::{CustomerId, ProductName, Quantity};

fn request(customer: Option<&str>, quantity: u64) -> OrderRequest {
    OrderRequest {
        customer_id: customer.map(|c| CustomerId::parse(c).unwrap()),
        items: vec![OrderLine {
            product: ProductRef::Name(ProductName::parse("Tux").unwrap()),
            quantity: Quantity::new(quantity).unwrap(),
        }],
    }
}

fn attempt(key: &str) -> PendingOrder {
    PendingOrder {
        order_key: key.into(),
        request: request(None, 2),
        idempotency_key: None,
    }
}

fn keyed(key: &str, idempotency_key: &str, customer: &str, quantity: u64) -> PendingOrder {
    PendingOrder {
        order_key: key.into(),
        request: request(Some(customer), quantity),
        idempotency_key: Some(idempotency_key.into()),
    }
}

fn items(quantity: u32) -> Vec<ReservedItem> {
    vec![
        ReservedItem {
            product_id: 1,
            name: "Tux".into(),
            quantity,
            price_cents: 1599,
        },
        ReservedItem {
            product_id: 2,
            name: "Duck".into(),
            quantity: 1,
            price_cents: 250,
        },
    ]
}

/// Opens the backend's store; opening again sees the same data.
trait Backend {
    type Store: OrdersStore;
    async fn open(&self) -> Self::Store;
    /// Closes a store as a process shutting down does.
    async fn close(&self, store: Self::Store);
}

struct Sqlite(tempfile::TempDir);

impl Backend for Sqlite {
    type Store = SqliteOrdersStore;
    async fn open(&self) -> SqliteOrdersStore {
        SqliteOrdersStore::open(&self.0.path().join("o.db"))
            .await
            .unwrap()
    }
    async fn close(&self, store: SqliteOrdersStore) {
        drop(store);
    }
}

struct Postgres(TestDatabase);

impl Backend for Postgres {
    type Store = PostgresOrdersStore;
    async fn open(&self) -> PostgresOrdersStore {
        PostgresOrdersStore::open(self.0.url(), "orders")
            .await
            .unwrap()
    }
    async fn close(&self, store: PostgresOrdersStore) {
        store.close().await;
    }
}

async fn orders_are_numbered_from_zero_without_gaps_under_concurrency<B: Backend>(backend: B) {
    let store = Arc::new(backend.open().await);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let key = format!("k{i}");
                store.begin(attempt(&key)).await.unwrap();
                store.confirm(key, items(1)).await.unwrap()
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

async fn aborted_attempts_use_no_number_and_numbering_survives_reopening<B: Backend>(backend: B) {
    {
        let store = backend.open().await;
        store.begin(attempt("a")).await.unwrap();
        assert_eq!(store.confirm("a".into(), items(1)).await.unwrap(), 0);
        store.begin(attempt("refused")).await.unwrap();
        store.abort("refused".into()).await.unwrap();
        store.begin(attempt("left-pending")).await.unwrap();
        backend.close(store).await;
    }
    let store = backend.open().await;
    assert_eq!(
        store.pending_keys(Duration::ZERO).await.unwrap(),
        vec!["left-pending".to_owned()]
    );
    store.begin(attempt("b")).await.unwrap();
    assert_eq!(store.confirm("b".into(), items(3)).await.unwrap(), 1);
    let order = store.order(1).await.unwrap().unwrap();
    let lines: Vec<(&str, u32, i64)> = order
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.quantity, i.unit_price.cents()))
        .collect();
    assert_eq!(lines, [("Tux", 3, 1599), ("Duck", 1, 250)]);
    assert_eq!(
        order.total.cents(),
        3 * 1599 + 250,
        "the price paid is kept"
    );
    assert!(store.order(2).await.unwrap().is_none());
}

async fn an_attempt_confirms_at_most_once<B: Backend>(backend: B) {
    let store = backend.open().await;
    store.begin(attempt("k")).await.unwrap();
    store.confirm("k".into(), items(1)).await.unwrap();
    assert!(matches!(
        store.confirm("k".into(), items(1)).await,
        Err(StoreError::NotPending(_))
    ));
    store.abort("never-begun".into()).await.unwrap();
    assert!(matches!(
        store.confirm("never-begun".into(), items(1)).await,
        Err(StoreError::NotPending(_))
    ));
}

async fn the_sweep_sees_only_attempts_older_than_asked<B: Backend>(backend: B) {
    let store = backend.open().await;
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

async fn a_closed_owners_attempts_are_recoverable_at_once_a_live_owners_when_stuck<B: Backend>(
    backend: B,
) {
    let gone = backend.open().await;
    gone.begin(attempt("left")).await.unwrap();
    backend.close(gone).await;
    let store = backend.open().await;
    store.begin(attempt("mine")).await.unwrap();
    assert_eq!(
        store.pending_keys(Duration::from_secs(60)).await.unwrap(),
        vec!["left".to_owned()],
        "recovery takes over only what no live owner is working on"
    );
    assert_eq!(
        store.pending_keys(Duration::ZERO).await.unwrap(),
        vec!["left".to_owned(), "mine".to_owned()]
    );
}

async fn an_attempt_marked_aborting_can_no_longer_confirm<B: Backend>(backend: B) {
    let store = backend.open().await;
    store.begin(attempt("slow")).await.unwrap();
    assert_eq!(
        store.mark_aborting("slow".into()).await.unwrap(),
        AbortMark::Marked
    );
    assert_eq!(
        store.mark_aborting("slow".into()).await.unwrap(),
        AbortMark::Marked,
        "an abort interrupted after the mark goes on when repeated"
    );
    assert!(matches!(
        store.confirm("slow".into(), items(1)).await,
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
        store.confirm("next".into(), items(1)).await.unwrap(),
        0,
        "no number was used"
    );
}

async fn an_attempt_that_confirmed_or_ended_is_not_marked_aborting<B: Backend>(backend: B) {
    let store = backend.open().await;
    store.begin(attempt("won")).await.unwrap();
    store.confirm("won".into(), items(1)).await.unwrap();
    assert_eq!(
        store.mark_aborting("won".into()).await.unwrap(),
        AbortMark::NotPending,
        "a confirmed order's stock must not be released"
    );
    store.begin(attempt("refused")).await.unwrap();
    store.abort("refused".into()).await.unwrap();
    assert_eq!(
        store.mark_aborting("refused".into()).await.unwrap(),
        AbortMark::NotPending
    );
    assert_eq!(
        store.mark_aborting("never-begun".into()).await.unwrap(),
        AbortMark::NotPending
    );
    assert!(store.order(0).await.unwrap().is_some(), "the order stays");
}

async fn an_idempotency_key_yields_one_order<B: Backend>(backend: B) {
    let store = backend.open().await;
    let started = store.begin(keyed("a1", "K", "alice", 2)).await.unwrap();
    assert_eq!(started, BeginOutcome::Started);
    assert_eq!(
        store.begin(keyed("a2", "K", "alice", 2)).await.unwrap(),
        BeginOutcome::InProgress,
        "a retry while the first attempt runs"
    );
    let number = store.confirm("a1".into(), items(2)).await.unwrap();
    assert_eq!(
        store.begin(keyed("a3", "K", "alice", 2)).await.unwrap(),
        BeginOutcome::Replay {
            number,
            same_request: true
        }
    );
    assert_eq!(
        store.begin(keyed("a4", "K", "alice", 5)).await.unwrap(),
        BeginOutcome::Replay {
            number,
            same_request: false
        }
    );
    assert!(store.pending_keys(Duration::ZERO).await.unwrap().is_empty());

    // A refused attempt leaves its key free for a later try.
    store.begin(keyed("b1", "L", "bob", 1)).await.unwrap();
    store.abort("b1".into()).await.unwrap();
    assert_eq!(
        store.begin(keyed("b2", "L", "bob", 1)).await.unwrap(),
        BeginOutcome::Started
    );
}

async fn orders_are_listed_by_customer_in_pages<B: Backend>(backend: B) {
    let store = backend.open().await;
    for (i, customer) in ["alice", "bob", "alice", "alice"].iter().enumerate() {
        let key = format!("k{i}");
        store
            .begin(keyed(&key, &format!("i{i}"), customer, 1))
            .await
            .unwrap();
        store.confirm(key, items(1)).await.unwrap();
    }
    let alice = CustomerId::parse("alice").unwrap();
    let all_alice = store
        .orders(Some(alice.clone()), Page::default())
        .await
        .unwrap();
    let numbers: Vec<u64> = all_alice.iter().map(|o| o.number).collect();
    assert_eq!(numbers, [0, 2, 3]);
    assert!(
        all_alice
            .iter()
            .all(|o| o.customer_id.as_ref() == Some(&alice))
    );
    let second_page = store
        .orders(None, Page::new(Some(2), Some(2)).unwrap())
        .await
        .unwrap();
    let numbers: Vec<u64> = second_page.iter().map(|o| o.number).collect();
    assert_eq!(numbers, [2, 3]);
}

storefront_service_kit::for_each_backend! {
    sqlite => Some(Sqlite(tempfile::tempdir().unwrap())),
    postgres => fresh_database().map(Postgres);
    orders_are_numbered_from_zero_without_gaps_under_concurrency,
    aborted_attempts_use_no_number_and_numbering_survives_reopening,
    an_attempt_confirms_at_most_once,
    the_sweep_sees_only_attempts_older_than_asked,
    a_closed_owners_attempts_are_recoverable_at_once_a_live_owners_when_stuck,
    an_attempt_marked_aborting_can_no_longer_confirm,
    an_attempt_that_confirmed_or_ended_is_not_marked_aborting,
    an_idempotency_key_yields_one_order,
    orders_are_listed_by_customer_in_pages,
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
