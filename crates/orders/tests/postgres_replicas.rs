//! Several orders replicas on one PostgreSQL schema (the stateless
//! scale-out): numbering, idempotency keys, confirm against recovery, and
//! recovery of a dead replica's attempts without touching a live one's.
//! Skipped without a test server (see `fresh_database`).

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;

use storefront_orders::reconciler::STUCK_AFTER;
use storefront_orders::store::{AbortMark, BeginOutcome, OrderRequest, PendingOrder};
use storefront_orders::{OrdersStore, PostgresOrdersStore};
use storefront_service_kit::postgres::test_database::{TestDatabase, fresh_database};
use storefront_wire::internal::ReservedItem;
use storefront_wire::shop::{OrderLine, ProductRef};
use storefront_wire::{ProductName, Quantity};

async fn replica(db: &TestDatabase) -> Arc<PostgresOrdersStore> {
    Arc::new(PostgresOrdersStore::open(db.url(), "orders").await.unwrap())
}

fn attempt(key: &str, idempotency_key: Option<&str>) -> PendingOrder {
    PendingOrder {
        order_key: key.into(),
        request: OrderRequest {
            customer_id: None,
            items: vec![OrderLine {
                product: ProductRef::Name(ProductName::parse("Tux").unwrap()),
                quantity: Quantity::new(1).unwrap(),
            }],
        },
        idempotency_key: idempotency_key.map(str::to_owned),
    }
}

fn items() -> Vec<ReservedItem> {
    vec![ReservedItem {
        product_id: 1,
        name: "Tux".into(),
        quantity: 1,
        price_cents: 1599,
    }]
}

#[tokio::test]
async fn replicas_confirming_at_once_number_orders_from_zero_without_gaps() {
    let Some(db) = fresh_database() else { return };
    let replicas = [replica(&db).await, replica(&db).await];
    let tasks: Vec<_> = (0..120)
        .map(|i| {
            let store = Arc::clone(&replicas[i % 2]);
            tokio::spawn(async move {
                let key = format!("k{i}");
                store.begin(attempt(&key, None)).await.unwrap();
                // Every fourth attempt is refused or recovered: it must
                // leave no hole in the numbering.
                match i % 4 {
                    0 => {
                        store.abort(key).await.unwrap();
                        None
                    }
                    _ => Some(store.confirm(key, items()).await.unwrap()),
                }
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.extend(task.await.unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (0..90).collect::<Vec<u64>>());
}

#[tokio::test]
async fn one_idempotency_key_begun_on_two_replicas_at_once_starts_once() {
    let Some(db) = fresh_database() else { return };
    let (a, b) = (replica(&db).await, replica(&db).await);
    for round in 0..40 {
        let key = format!("K{round}");
        let (on_a, on_b) = tokio::join!(
            a.begin(attempt(&format!("a{round}"), Some(&key))),
            b.begin(attempt(&format!("b{round}"), Some(&key))),
        );
        let outcomes = [on_a.unwrap(), on_b.unwrap()];
        let started = outcomes
            .iter()
            .filter(|o| **o == BeginOutcome::Started)
            .count();
        assert_eq!(started, 1, "round {round}: {outcomes:?}");
        assert!(outcomes.contains(&BeginOutcome::InProgress), "{outcomes:?}");
    }
}

/// The window between a replica's look for a placed order and its insert:
/// a confirm of the same key on another replica landing there must still
/// be seen, never start a second order.
#[tokio::test]
async fn a_key_begun_while_another_replica_confirms_it_never_starts_again() {
    let Some(db) = fresh_database() else { return };
    let (a, b) = (replica(&db).await, replica(&db).await);
    for round in 0..40 {
        let key = format!("K{round}");
        let first = format!("a{round}");
        assert_eq!(
            a.begin(attempt(&first, Some(&key))).await.unwrap(),
            BeginOutcome::Started
        );
        let (confirmed, retry) = tokio::join!(
            a.confirm(first, items()),
            b.begin(attempt(&format!("b{round}"), Some(&key))),
        );
        let number = confirmed.unwrap();
        let retry = retry.unwrap();
        assert!(
            retry == BeginOutcome::InProgress
                || retry
                    == BeginOutcome::Replay {
                        number,
                        same_request: true
                    },
            "round {round}: {retry:?}"
        );
    }
    assert!(b.pending_keys(Duration::ZERO).await.unwrap().is_empty());
}

/// One replica's recovery racing another's confirm of the same attempt:
/// exactly one of them wins, every time.
#[tokio::test]
async fn recovery_on_one_replica_and_confirm_on_another_never_both_win() {
    let Some(db) = fresh_database() else { return };
    let (a, b) = (replica(&db).await, replica(&db).await);
    let mut confirmed = 0;
    for round in 0..60 {
        let key = format!("k{round}");
        a.begin(attempt(&key, None)).await.unwrap();
        let (confirm, mark) = tokio::join!(
            a.confirm(key.clone(), items()),
            b.mark_aborting(key.clone())
        );
        let mark = mark.unwrap();
        match confirm {
            Ok(_) => {
                assert_eq!(mark, AbortMark::NotPending, "round {round}");
                confirmed += 1;
            }
            Err(_) => {
                assert_eq!(mark, AbortMark::Marked, "round {round}");
                b.abort(key).await.unwrap();
            }
        }
    }
    let orders = a
        .orders(
            None,
            storefront_wire::shop::Page::new(Some(100), None).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        orders.len(),
        confirmed,
        "no order without a winning confirm"
    );
}

/// Waits until the server has ended the session holding `owner`'s lock
/// (pg_terminate_backend with a timeout waits for it): the socket of a
/// dropped store is closed, but the server notices that on its own time.
async fn await_session_end(db: &TestDatabase, owner: i64) {
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    // No row: the session had already ended; false: it ended meanwhile.
    sqlx::query(
        "SELECT pg_terminate_backend(pid, 60000) FROM pg_locks
         WHERE locktype = 'advisory' AND objsubid = 1
           AND classid = ($1 >> 32)::oid AND objid = ($1 & 4294967295)::oid",
    )
    .bind(owner)
    .execute(&pool)
    .await
    .unwrap();
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks
         WHERE locktype = 'advisory' AND classid = ($1 >> 32)::oid AND objid = ($1 & 4294967295)::oid",
    )
    .bind(owner)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(held, 0, "the dead replica's lock is gone");
}

#[tokio::test]
async fn a_dead_replicas_attempts_are_recoverable_at_once_a_live_ones_are_not() {
    let Some(db) = fresh_database() else { return };
    let live = replica(&db).await;
    let survivor = replica(&db).await;
    live.begin(attempt("live-1", None)).await.unwrap();

    // A replica that dies mid-buy: dropped without closing, as a crash.
    let dead = replica(&db).await;
    dead.begin(attempt("dead-1", None)).await.unwrap();
    let owner = dead.owner();
    drop(dead);
    await_session_end(&db, owner).await;

    assert_eq!(
        survivor.pending_keys(STUCK_AFTER).await.unwrap(),
        vec!["dead-1".to_owned()],
        "the dead replica's attempt at once; never the live one's"
    );
    // The live replica's buy goes on undisturbed.
    assert_eq!(live.confirm("live-1".into(), items()).await.unwrap(), 0);
}

/// Begin reads placed orders and inserts its attempt in one statement. A
/// retry whose insert waits on a confirm of the same key (the confirm
/// deletes the pending row the insert conflicts with) then succeeds, yet
/// its snapshot predates that order: it must still answer a replay and
/// leave no attempt behind, or the key would be ordered twice.
#[tokio::test]
async fn a_retry_that_waited_on_its_keys_confirm_replays_it() {
    let Some(db) = fresh_database() else { return };
    let store = replica(&db).await;
    assert_eq!(
        store.begin(attempt("a1", Some("K"))).await.unwrap(),
        BeginOutcome::Started
    );
    // A confirm of a1, held open: its pending row deleted, its order written.
    let mut confirm = sqlx::PgConnection::connect(db.url()).await.unwrap();
    sqlx::query("BEGIN").execute(&mut confirm).await.unwrap();
    sqlx::query(
        "WITH confirmed AS (DELETE FROM orders.pending_orders WHERE order_key = 'a1'
                            RETURNING request, idempotency_key)
         INSERT INTO orders.orders (number, order_key, idempotency_key, request)
         SELECT 0, 'a1', idempotency_key, request FROM confirmed",
    )
    .execute(&mut confirm)
    .await
    .unwrap();
    sqlx::query("UPDATE orders.order_counter SET next = 1")
        .execute(&mut confirm)
        .await
        .unwrap();

    let retry = tokio::spawn({
        let store = Arc::clone(&store);
        async move { store.begin(attempt("a2", Some("K"))).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!retry.is_finished(), "the retry waits on the confirm's row");
    sqlx::query("COMMIT").execute(&mut confirm).await.unwrap();

    assert_eq!(
        retry.await.unwrap(),
        BeginOutcome::Replay {
            number: 0,
            same_request: true
        }
    );
    assert!(store.pending_keys(Duration::ZERO).await.unwrap().is_empty());
}
