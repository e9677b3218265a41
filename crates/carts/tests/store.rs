//! The carts store on both backends: its invariants hold under concurrent
//! use (one open cart per customer, no lost line updates, a cart frozen
//! while it checks out), a checkout key finds its cart again, and only one
//! process at a time may own the data.

use std::sync::Arc;

use storefront_carts::store::{
    AddLine, BeginCheckout, CartsStore, CheckoutStart, Edit, FinishCheckout, RemoveLine, Reopen,
    SetLine, StoreError,
};
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

async fn add(
    store: &CartsStore,
    customer: &CustomerId,
    product_id: i64,
    n: Quantity,
    limit: u32,
) -> Edit {
    let add = AddLine {
        customer: customer.clone(),
        product_id,
        quantity: n,
        limit,
    };
    store.write(add).await.unwrap()
}

async fn set_quantity(
    store: &CartsStore,
    customer: &CustomerId,
    product_id: i64,
    n: Quantity,
    limit: u32,
) -> Edit {
    let set = SetLine {
        customer: customer.clone(),
        product_id,
        quantity: n,
        limit,
    };
    store.write(set).await.unwrap()
}

async fn remove(store: &CartsStore, customer: &CustomerId, product_id: i64) -> Edit {
    let remove = RemoveLine {
        customer: customer.clone(),
        product_id,
    };
    store.write(remove).await.unwrap()
}

async fn begin_checkout(
    store: &CartsStore,
    customer: &CustomerId,
    key: Option<&str>,
) -> CheckoutStart {
    let begin = BeginCheckout {
        customer: customer.clone(),
        client_key: key.map(str::to_owned),
    };
    store.write(begin).await.unwrap()
}

async fn finish_checkout(store: &CartsStore, cart_id: i64, order_number: i64) {
    let finish = FinishCheckout {
        cart_id,
        order_number,
    };
    store.write(finish).await.unwrap()
}

/// An edit that was applied, whatever the cart now holds.
fn done(edit: Edit) -> bool {
    matches!(edit, Edit::Done(_))
}

async fn concurrent_adds_share_one_open_cart_and_lose_no_units(place: Place) {
    let store = Arc::new(CartsStore::open(&place.location()).await.unwrap());
    let alice = customer("alice");
    let adds: Vec<_> = (0..40)
        .map(|i| {
            let store = store.clone();
            let alice = alice.clone();
            tokio::spawn(async move { add(&store, &alice, 1 + i % 2, units(1), LIMIT).await })
        })
        .collect();
    for add in adds {
        assert!(done(add.await.unwrap()));
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
    assert!(done(add(&store, &bob, 7, units(2), LIMIT).await));
    assert_eq!(
        add(&store, &bob, 7, units(u64::from(LIMIT)), LIMIT).await,
        Edit::OverLimit { in_cart: 2 }
    );

    let CheckoutStart::Place(cart) = begin_checkout(&store, &bob, Some("k1")).await else {
        panic!("an active cart with items checks out");
    };
    // Frozen: no edit, and no second checkout under another key.
    assert_eq!(
        add(&store, &bob, 8, units(1), LIMIT).await,
        Edit::CheckoutInProgress
    );
    assert_eq!(remove(&store, &bob, 7).await, Edit::CheckoutInProgress);
    assert_eq!(
        begin_checkout(&store, &bob, Some("k2")).await,
        CheckoutStart::InProgress
    );
    // The same key resumes the same cart (a retry after a lost reply).
    assert_eq!(
        begin_checkout(&store, &bob, Some("k1")).await,
        CheckoutStart::Place(cart.clone())
    );
    assert_eq!(
        store.checking_out().await.unwrap(),
        std::slice::from_ref(&cart)
    );

    finish_checkout(&store, cart.id, 41).await;
    // Finishing twice (a concurrent re-drive) changes nothing.
    finish_checkout(&store, cart.id, 99).await;
    assert_eq!(
        begin_checkout(&store, &bob, Some("k1")).await,
        CheckoutStart::Ordered(41)
    );
    assert!(store.checking_out().await.unwrap().is_empty());

    // The next add starts a new cart; the ordered one is history.
    assert!(store.open_cart(&bob).await.unwrap().is_none());
    assert!(done(add(&store, &bob, 8, units(1), LIMIT).await));
    let next = store.open_cart(&bob).await.unwrap().unwrap();
    assert_ne!(next.id, cart.id);
    assert_eq!(
        begin_checkout(&store, &customer("nobody"), None).await,
        CheckoutStart::Empty
    );
}

async fn a_refused_checkout_reopens_the_cart_for_edits(place: Place) {
    let store = CartsStore::open(&place.location()).await.unwrap();
    let carol = customer("carol");
    add(&store, &carol, 3, units(1), LIMIT).await;
    let CheckoutStart::Place(cart) = begin_checkout(&store, &carol, None).await else {
        panic!("an active cart with items checks out");
    };
    store.write(Reopen { cart_id: cart.id }).await.unwrap();
    assert!(done(set_quantity(&store, &carol, 3, units(5), LIMIT).await));
    assert_eq!(remove(&store, &carol, 4).await, Edit::NoSuchItem);
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
