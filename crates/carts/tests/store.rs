//! The carts store on both backends: its invariants hold under concurrent
//! use (one open cart per customer, no lost line updates, a cart frozen
//! while it checks out), a checkout key finds its cart again, and only one
//! process at a time may own the data.

use std::sync::Arc;

use storefront_carts::store::{CartsStore, CheckoutStart, Edit, StoreError};
use storefront_service_kit::DatabaseLocation;
use storefront_service_kit::postgres::test_database::{TestDatabase, fresh_database};
use storefront_wire::shop::Page;
use storefront_wire::{CustomerId, Quantity};

const LIMIT: u32 = 1_000;

/// A fresh place for the store; it lives as long as the test.
enum Place {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl Place {
    fn named(backend: &str) -> Option<Place> {
        match backend {
            "sqlite" => Some(Place::Sqlite(tempfile::tempdir().unwrap())),
            "postgres" => fresh_database().map(Place::Postgres),
            other => panic!("unknown backend {other}"),
        }
    }

    fn location(&self) -> DatabaseLocation {
        match self {
            Place::Sqlite(dir) => DatabaseLocation::Sqlite(dir.path().join("carts.db")),
            Place::Postgres(db) => db.location("carts"),
        }
    }
}

fn customer(name: &str) -> CustomerId {
    CustomerId::parse(name).unwrap()
}

fn units(n: u64) -> Quantity {
    Quantity::new(n).unwrap()
}

async fn concurrent_adds_share_one_open_cart_and_lose_no_units(place: Place) {
    let store = Arc::new(CartsStore::open(&place.location()).await.unwrap());
    let alice = customer("alice");
    let adds: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            let alice = alice.clone();
            tokio::spawn(async move { store.add(&alice, 1 + i % 2, units(1), LIMIT).await })
        })
        .collect();
    for add in adds {
        assert_eq!(add.await.unwrap().unwrap(), Edit::Done);
    }
    let cart = store
        .open_cart(&alice)
        .await
        .unwrap()
        .expect("one open cart");
    let mut lines: Vec<(i64, u32)> = cart
        .items
        .iter()
        .map(|item| (item.product_id, item.quantity))
        .collect();
    lines.sort();
    assert_eq!(lines, [(1, 20), (2, 20)], "no add was lost");
    let carts = store.carts(Page::new(None, None).unwrap()).await.unwrap();
    assert_eq!(carts.len(), 1, "exactly one cart for the customer");
}

async fn a_checkout_freezes_the_cart_and_its_key_finds_it_again(place: Place) {
    let store = CartsStore::open(&place.location()).await.unwrap();
    let bob = customer("bob");
    assert_eq!(
        store.add(&bob, 7, units(2), LIMIT).await.unwrap(),
        Edit::Done
    );
    assert_eq!(
        store
            .add(&bob, 7, units(u64::from(LIMIT)), LIMIT)
            .await
            .unwrap(),
        Edit::OverLimit { in_cart: 2 }
    );

    let CheckoutStart::Place(cart) = store.begin_checkout(&bob, Some("k1")).await.unwrap() else {
        panic!("an active cart with items checks out");
    };
    // Frozen: no edit, and no second checkout under another key.
    assert_eq!(
        store.add(&bob, 8, units(1), LIMIT).await.unwrap(),
        Edit::CheckoutInProgress
    );
    assert_eq!(
        store.remove(&bob, 7).await.unwrap(),
        Edit::CheckoutInProgress
    );
    assert_eq!(
        store.begin_checkout(&bob, Some("k2")).await.unwrap(),
        CheckoutStart::InProgress
    );
    // The same key resumes the same cart (a retry after a lost reply).
    assert_eq!(
        store.begin_checkout(&bob, Some("k1")).await.unwrap(),
        CheckoutStart::Place(cart.clone())
    );
    assert_eq!(
        store.checking_out().await.unwrap(),
        std::slice::from_ref(&cart)
    );

    store.finish_checkout(cart.id, 41).await.unwrap();
    // Finishing twice (a concurrent re-drive) changes nothing.
    store.finish_checkout(cart.id, 99).await.unwrap();
    assert_eq!(
        store.begin_checkout(&bob, Some("k1")).await.unwrap(),
        CheckoutStart::Ordered(41)
    );
    assert!(store.checking_out().await.unwrap().is_empty());

    // The next add starts a new cart; the ordered one is history.
    assert!(store.open_cart(&bob).await.unwrap().is_none());
    assert_eq!(
        store.add(&bob, 8, units(1), LIMIT).await.unwrap(),
        Edit::Done
    );
    let next = store.open_cart(&bob).await.unwrap().unwrap();
    assert_ne!(next.id, cart.id);
    assert_eq!(
        store
            .begin_checkout(&customer("nobody"), None)
            .await
            .unwrap(),
        CheckoutStart::Empty
    );
}

async fn a_refused_checkout_reopens_the_cart_for_edits(place: Place) {
    let store = CartsStore::open(&place.location()).await.unwrap();
    let carol = customer("carol");
    store.add(&carol, 3, units(1), LIMIT).await.unwrap();
    let CheckoutStart::Place(cart) = store.begin_checkout(&carol, None).await.unwrap() else {
        panic!("an active cart with items checks out");
    };
    store.reopen(cart.id).await.unwrap();
    assert_eq!(
        store
            .set_quantity(&carol, 3, units(5), LIMIT)
            .await
            .unwrap(),
        Edit::Done
    );
    assert_eq!(store.remove(&carol, 4).await.unwrap(), Edit::NoSuchItem);
    let open = store.open_cart(&carol).await.unwrap().unwrap();
    assert_eq!(open.id, cart.id);
    assert_eq!(open.items[0].quantity, 5);
}

async fn a_second_process_cannot_own_the_same_carts(place: Place) {
    let location = place.location();
    let first = CartsStore::open(&location).await.unwrap();
    let second = CartsStore::open(&location).await;
    assert!(
        matches!(
            second,
            Err(StoreError::Ownership(_) | StoreError::SchemaOwnership(_))
        ),
        "a second owner is refused"
    );
    drop(first);
}

/// Every check above on one backend, each on a fresh store.
macro_rules! backend {
    ($module:ident) => {
        mod $module {
            macro_rules! check {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        if let Some(place) = super::Place::named(stringify!($module)) {
                            super::$name(place).await;
                        }
                    }
                };
            }
            check!(concurrent_adds_share_one_open_cart_and_lose_no_units);
            check!(a_checkout_freezes_the_cart_and_its_key_finds_it_again);
            check!(a_refused_checkout_reopens_the_cart_for_edits);
            check!(a_second_process_cannot_own_the_same_carts);
        }
    };
}

backend!(sqlite);
backend!(postgres);
