//! Two catalog replicas on one PostgreSQL schema: what one does, the other
//! must respect and see. Skipped without a test server (see
//! `service_kit::postgres::test_database`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::{Connection, PgConnection};
use storefront_catalog::seed::SeedProduct;
use storefront_catalog::store::AdminOutcome;
use storefront_catalog::{CatalogStore, PostgresCatalogStore, ReserveOutcome};
use storefront_service_kit::postgres::test_database::{TestDatabase, URL_VAR, fresh_database};
use storefront_wire::internal::ReserveStock;
use storefront_wire::shop::{OrderLine, Page, ProductDraft, ProductRef};
use storefront_wire::{Money, ProductName, Quantity};

const PRODUCTS: [&str; 4] = ["Tux", "Duck", "Whale", "Kite"];

/// Only a guard against a hang (a lost notification would otherwise block
/// forever); nothing here depends on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

fn name(text: &str) -> ProductName {
    ProductName::parse(text).unwrap()
}

fn seed(quantity: u32) -> Vec<SeedProduct> {
    PRODUCTS
        .iter()
        .map(|product| SeedProduct {
            name: name(product),
            price: Money::from_cents(100),
            quantity,
            description: None,
        })
        .collect()
}

fn request(key: &str, lines: &[(&str, u64)]) -> ReserveStock {
    ReserveStock {
        order_key: key.into(),
        items: lines
            .iter()
            .map(|(product, quantity)| OrderLine {
                product: ProductRef::Name(name(product)),
                quantity: Quantity::new(*quantity).unwrap(),
            })
            .collect(),
    }
}

async fn replica(db: &TestDatabase, seed: &[SeedProduct]) -> Arc<PostgresCatalogStore> {
    Arc::new(
        PostgresCatalogStore::open(db.url(), "catalog", seed)
            .await
            .unwrap(),
    )
}

async fn stock(store: &PostgresCatalogStore) -> HashMap<String, i64> {
    let all = Page {
        limit: u32::MAX,
        offset: 0,
    };
    let products = store.products(all).await.unwrap();
    products.into_iter().map(|p| (p.name, p.quantity)).collect()
}

/// Units each product gave to the reservations in `outcomes`.
fn taken(outcomes: &[ReserveOutcome]) -> HashMap<String, i64> {
    let mut taken = HashMap::new();
    for outcome in outcomes {
        if let ReserveOutcome::Reserved(reservation) = outcome {
            for item in &reservation.items {
                *taken.entry(item.name.clone()).or_default() += i64::from(item.quantity);
            }
        }
    }
    taken
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_reserves_on_two_replicas_never_oversell_and_conserve_stock() {
    let Some(db) = fresh_database() else { return };
    let replicas = [replica(&db, &seed(30)).await, replica(&db, &seed(30)).await];
    // Every attempt wants two or three products, in an order that differs
    // from its neighbours' (locking in request order would deadlock), and
    // together they want far more than there is.
    let tasks: Vec<_> = (0..120)
        .map(|i| {
            let store = Arc::clone(&replicas[i % 2]);
            let first = i % PRODUCTS.len();
            let mut lines = vec![
                (PRODUCTS[first], 1 + (i % 3) as u64),
                (PRODUCTS[(first + 1 + i % 3) % PRODUCTS.len()], 2),
            ];
            if i % 5 == 0 {
                lines.push((PRODUCTS[(first + 3) % PRODUCTS.len()], 1));
            }
            if i % 2 == 0 {
                lines.reverse();
            }
            tokio::spawn(async move { store.reserve(request(&format!("k{i}"), &lines)).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(
            task.await
                .unwrap()
                .expect("no reserve fails (a deadlock would)"),
        );
    }
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, ReserveOutcome::InsufficientStock { .. }))
        .count();
    assert!(refused > 0, "the demand was meant to exceed the stock");

    let taken = taken(&outcomes);
    let conserved = |stock: &HashMap<String, i64>| {
        PRODUCTS
            .iter()
            .all(|p| stock[*p] + taken.get(*p).copied().unwrap_or(0) == 30)
    };
    for store in &replicas {
        // Each replica reads its own copy, which hears of the other's
        // changes a moment after they commit.
        let stock = settled_stock(store, conserved).await;
        for product in PRODUCTS {
            let left = stock[product];
            assert!(left >= 0, "{product} went negative");
            assert_eq!(
                left + taken.get(product).copied().unwrap_or(0),
                30,
                "{product}: stock left plus units reserved is the stock there was"
            );
        }
    }

    // Release every held attempt twice, once through each replica, at once:
    // the stock goes back exactly once per attempt.
    let held: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            ReserveOutcome::Reserved(r) => Some(r.order_key.clone()),
            _ => None,
        })
        .collect();
    let releases: Vec<_> = held
        .iter()
        .flat_map(|key| [(0, key.clone()), (1, key.clone())])
        .map(|(at, key)| {
            let store = Arc::clone(&replicas[at]);
            tokio::spawn(async move { store.release(key).await })
        })
        .collect();
    let mut returned = 0;
    for release in releases {
        returned += usize::from(release.await.unwrap().unwrap());
    }
    assert_eq!(returned, held.len(), "each attempt's stock went back once");
    for store in &replicas {
        let stock = settled_stock(store, |stock| stock.values().all(|&left| left == 30)).await;
        assert!(stock.values().all(|&left| left == 30), "{stock:?}");
    }
}

/// The replica's stock once `settled` holds of it, or as it stands after
/// [`HANG_GUARD`].
async fn settled_stock(
    store: &PostgresCatalogStore,
    settled: impl Fn(&HashMap<String, i64>) -> bool,
) -> HashMap<String, i64> {
    let deadline = tokio::time::Instant::now() + HANG_GUARD;
    loop {
        let now = stock(store).await;
        if settled(&now) || tokio::time::Instant::now() >= deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_sent_to_both_replicas_at_once_reserves_once() {
    let Some(db) = fresh_database() else { return };
    let replicas = [
        replica(&db, &seed(1000)).await,
        replica(&db, &seed(1000)).await,
    ];
    let keys = 25;
    let tasks: Vec<_> = (0..keys)
        .flat_map(|k| (0..4).map(move |copy| (k, copy)))
        .map(|(k, copy)| {
            let store = Arc::clone(&replicas[copy % 2]);
            let lines = [("Tux", 2), ("Whale", 1)];
            tokio::spawn(async move { (k, store.reserve(request(&format!("k{k}"), &lines)).await) })
        })
        .collect();
    let mut by_key: HashMap<usize, Vec<ReserveOutcome>> = HashMap::new();
    for task in tasks {
        let (k, outcome) = task.await.unwrap();
        by_key.entry(k).or_default().push(outcome.unwrap());
    }
    for (k, outcomes) in &by_key {
        assert!(
            matches!(outcomes[0], ReserveOutcome::Reserved(_)),
            "key {k}: {outcomes:?}"
        );
        assert!(
            outcomes.iter().all(|o| *o == outcomes[0]),
            "key {k} got one outcome"
        );
    }
    // The replica's copy follows the table through notifications, so it
    // may trail the last reservation by a moment: wait for it (a second
    // reservation of a key would leave it below, never settle, and fail).
    let expected = |stock: &HashMap<String, i64>| {
        stock["Tux"] == 1000 - 2 * keys as i64 && stock["Whale"] == 1000 - keys as i64
    };
    let stock = settled_stock(&replicas[1], expected).await;
    assert_eq!(
        stock["Tux"],
        1000 - 2 * keys as i64,
        "each key took stock once"
    );
    assert_eq!(stock["Whale"], 1000 - keys as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_seed_once() {
    let Some(db) = fresh_database() else { return };
    let url = db.url().to_owned();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                PostgresCatalogStore::open(&url, "catalog", &seed(5))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut replicas = Vec::new();
    for start in starts {
        replicas.push(start.await.unwrap());
    }
    let products = replicas[0].products(Page::default()).await.unwrap();
    assert_eq!(products.len(), PRODUCTS.len(), "{products:?}");
}

/// Waits until `versions` moves past the value last seen.
/// Waits until replica `store` reads `quantity` for product `id`: a change
/// made through another replica shows once this one has heard of it.
async fn shows(store: &PostgresCatalogStore, id: i64, quantity: i64) {
    let deadline = tokio::time::Instant::now() + HANG_GUARD;
    loop {
        let now = store.product_by_id(id).await.unwrap().map(|p| p.quantity);
        if now == Some(quantity) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "product {id} never showed {quantity} (still {now:?})"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn moved(versions: &mut tokio::sync::watch::Receiver<u64>, what: &str) {
    tokio::time::timeout(HANG_GUARD, versions.changed())
        .await
        .unwrap_or_else(|_| panic!("{what}: the other replica's version never moved"))
        .unwrap();
}

fn draft(product: &str, quantity: u32) -> ProductDraft {
    ProductDraft {
        name: name(product),
        price: Money::from_cents(500),
        quantity,
        description: None,
    }
}

#[tokio::test]
async fn a_change_through_one_replica_moves_the_others_versions() {
    let Some(db) = fresh_database() else { return };
    let (a, b) = (replica(&db, &seed(10)).await, replica(&db, &seed(10)).await);
    let mut versions = b.versions();
    versions.borrow_and_update();

    let AdminOutcome::Done(lamp) = a.create_product(draft("Lamp", 3)).await.unwrap() else {
        panic!("create failed")
    };
    moved(&mut versions, "create").await;
    assert_eq!(b.product_by_id(lamp.id).await.unwrap(), Some(lamp.clone()));

    a.reserve(request("r", &[("Lamp", 2)])).await.unwrap();
    moved(&mut versions, "reserve").await;
    assert_eq!(
        b.product_by_name("Lamp").await.unwrap().unwrap().quantity,
        1
    );

    a.release("r".into()).await.unwrap();
    moved(&mut versions, "release").await;
    a.delete_product(lamp.id).await.unwrap();
    moved(&mut versions, "delete").await;
    assert!(b.product_by_id(lamp.id).await.unwrap().is_none());

    a.update_product(1, draft("Tux", 9)).await.unwrap();
    moved(&mut versions, "update").await;
}

#[tokio::test]
async fn the_change_feed_recovers_after_its_connection_is_killed() {
    let Some(db) = fresh_database() else { return };
    let (a, b) = (replica(&db, &seed(10)).await, replica(&db, &seed(10)).await);
    let mut versions = b.versions();
    versions.borrow_and_update();

    // End every listening connection, as a server restart or a network cut would.
    let mut admin = PgConnection::connect(db.url()).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(killed, [true, true], "both replicas were listening");

    // B learns of this change by a notification on its new connection or,
    // if the change beat the reconnection, by the reload after reconnecting.
    // Its version moves for the reload either way, perhaps before the
    // change: B's reads show it once B has heard of it.
    a.update_product(1, draft("Tux", 7)).await.unwrap();
    moved(&mut versions, "first change after the cut").await;
    shows(&b, 1, 7).await;
    // B moved, so it listens again. Had it reconnected without listening,
    // its version would have moved once, for the reconnection, and no more.
    a.update_product(1, draft("Tux", 6)).await.unwrap();
    moved(&mut versions, "second change after the cut").await;
}

#[tokio::test]
async fn the_change_feed_recovers_when_the_server_refuses_it_for_a_while() {
    let Some(db) = fresh_database() else { return };
    let b = replica(&db, &seed(10)).await;
    let mut versions = b.versions();
    versions.borrow_and_update();

    // An operator's connection, open before the database stops taking new
    // ones: it changes a product by hand while the replica cannot listen.
    let mut operator = PgConnection::connect(db.url()).await.unwrap();
    let database: String = sqlx::query_scalar("SELECT current_database()::TEXT")
        .fetch_one(&mut operator)
        .await
        .unwrap();
    let allow = |allowed: bool| {
        sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {database} WITH ALLOW_CONNECTIONS {allowed}"
        ))
    };
    // A database cannot close itself to connections: the server's own
    // database (the one the test server URL names) does it.
    let mut server = PgConnection::connect(&std::env::var(URL_VAR).unwrap())
        .await
        .unwrap();
    sqlx::query(allow(false))
        .execute(&mut server)
        .await
        .unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .execute(&mut operator)
    .await
    .unwrap();
    sqlx::query("UPDATE catalog.products SET quantity = 4 WHERE name = 'Tux'")
        .execute(&mut operator)
        .await
        .unwrap();
    sqlx::query(allow(true)).execute(&mut server).await.unwrap();

    // The notification of that change was lost; the bump after
    // reconnecting stands for it.
    moved(&mut versions, "change while refused").await;
    assert_eq!(b.product_by_name("Tux").await.unwrap().unwrap().quantity, 4);
    sqlx::query("UPDATE catalog.products SET quantity = 3 WHERE name = 'Tux'")
        .execute(&mut operator)
        .await
        .unwrap();
    moved(&mut versions, "change after reconnecting").await;
}

/// sqlx leaves a pooled connection inside a transaction when a `BEGIN` is
/// cancelled; the next statement on it then silently joins that transaction.
/// Callers dropping their request at every point of a reserve (the timeouts
/// only pick where; nothing depends on how long anything takes) must not
/// make a later create report done without committing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_that_give_up_mid_reserve_leave_no_connection_inside_a_transaction() {
    let Some(db) = fresh_database() else { return };
    let (a, b) = (
        replica(&db, &seed(1000)).await,
        replica(&db, &seed(1000)).await,
    );
    let mut observer = PgConnection::connect(db.url()).await.unwrap();
    let rounds = 60u64;
    for round in 0..rounds {
        let give_up = Duration::from_micros(round * 25);
        let reserve = a.reserve(request(&format!("gone{round}"), &[("Tux", 1)]));
        let _ = tokio::time::timeout(give_up, reserve).await;
        let product = format!("Made {round}");
        let AdminOutcome::Done(made) = a.create_product(draft(&product, 1)).await.unwrap() else {
            panic!("create failed")
        };
        // Committed means another session sees it (not a replica's copy,
        // which may not have heard of it yet).
        let seen: Option<String> =
            sqlx::query_scalar("SELECT name FROM catalog.products WHERE id = $1")
                .bind(made.id)
                .fetch_optional(&mut observer)
                .await
                .unwrap();
        assert_eq!(
            seen,
            Some(product),
            "round {round}: a create reported done is committed"
        );
    }
    // Each abandoned reserve either took its unit or not, whole; releasing
    // every key puts the stock back exactly.
    for round in 0..rounds {
        b.release(format!("gone{round}")).await.unwrap();
    }
    shows(&b, 1, 1000).await;
}
