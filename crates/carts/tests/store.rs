//! The carts store on both backends: its invariants hold under concurrent
//! use (one open cart per customer, no lost line updates, a cart frozen
//! while it checks out), a checkout key finds its cart again, and only one
//! process at a time may own the data.

use std::sync::Arc;

use storefront_carts::store::{
    AddLine, BeginCheckout, CartsStore, CheckoutStart, ClaimPlacing, Edit, FinishCheckout,
    RemoveLine, Reopen, SetLine, StoreError,
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
        placer: store.placer(),
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
    // Each add answers the cart as its own commit left it: with the adds
    // serialized, the answered totals are 1, 2, ... 40, each once.
    let mut totals = Vec::new();
    for add in adds {
        match add.await.unwrap() {
            Edit::Done(cart) => totals.push(cart.items.iter().map(|i| i.quantity).sum::<u32>()),
            other => panic!("an add was refused: {other:?}"),
        }
    }
    totals.sort();
    assert_eq!(totals, (1..=40).collect::<Vec<u32>>());
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
    let reopen = Reopen {
        cart_id: cart.id,
        placer: store.placer(),
    };
    store.write(reopen).await.unwrap();
    assert!(done(set_quantity(&store, &carol, 3, units(5), LIMIT).await));
    assert_eq!(remove(&store, &carol, 4).await, Edit::NoSuchItem);
    let open = store.open_cart(&carol).await.unwrap().unwrap();
    assert_eq!(open.id, cart.id);
    assert_eq!(open.items[0].quantity, 5);
}

/// SQLite: one process per file, which drives every checkout itself.
async fn a_second_process_cannot_own_the_same_file(place: Place) {
    if !matches!(place, Place::Sqlite(_)) {
        return;
    }
    let location = place.location();
    let first = CartsStore::open(&location).await.unwrap();
    let second = CartsStore::open(&location).await;
    assert!(
        matches!(second, Err(StoreError::Ownership(_))),
        "a second owner is refused"
    );
    drop(first);
}

/// PostgreSQL: carts processes share the schema; edits through both
/// serialize on the cart row, and a frozen cart is placed by one process at
/// a time, its placer, until that process dies and another takes it over.
async fn processes_sharing_the_carts_take_turns_placing(place: Place) {
    if !matches!(place, Place::Postgres(_)) {
        return;
    }
    let location = place.location();
    let (a, b) = (
        Arc::new(CartsStore::open(&location).await.unwrap()),
        Arc::new(CartsStore::open(&location).await.unwrap()),
    );
    let (a_id, b_id) = (a.placer(), b.placer());
    assert_ne!(a_id, b_id);
    let dana = customer("dana");
    let adds: Vec<_> = (0..40)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let dana = dana.clone();
            tokio::spawn(async move { add(&store, &dana, 1, units(1), LIMIT).await })
        })
        .collect();
    for add in adds {
        assert!(done(add.await.unwrap()));
    }
    let cart = b.open_cart(&dana).await.unwrap().expect("one open cart");
    assert_eq!(cart.items[0].quantity, 40, "no add through either was lost");

    let begin = BeginCheckout {
        customer: dana.clone(),
        client_key: Some("k".to_owned()),
        placer: a_id,
    };
    let CheckoutStart::Place(frozen) = a.write(begin.clone()).await.unwrap() else {
        panic!("an active cart with items checks out");
    };
    let claim = |placer| ClaimPlacing {
        cart_id: frozen.id,
        placer,
    };
    let reopen = |placer| Reopen {
        cart_id: frozen.id,
        placer,
    };
    // A places it: B may neither take nor reopen the cart, and the same
    // checkout retried through B is pending, not placed a second time.
    assert!(!b.write(claim(b_id)).await.unwrap());
    b.write(reopen(b_id)).await.unwrap();
    let retry = BeginCheckout {
        placer: b_id,
        ..begin
    };
    assert_eq!(b.write(retry).await.unwrap(), CheckoutStart::Pending);
    assert!(
        a.write(claim(a_id)).await.unwrap(),
        "the placer keeps the cart"
    );

    // A dies (its session, and so its owner lock, ends): B takes the cart
    // over, and A's late refusal can no longer reopen it.
    drop(a);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !b.write(claim(b_id)).await.unwrap() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "B never took the dead A's cart"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    b.write(reopen(a_id)).await.unwrap();
    assert_eq!(
        b.checking_out().await.unwrap(),
        std::slice::from_ref(&frozen)
    );
    finish_checkout(&b, frozen.id, 7).await;
    assert!(b.checking_out().await.unwrap().is_empty());
    assert!(
        !b.write(claim(b_id)).await.unwrap(),
        "a settled cart is placed by nobody"
    );
}

storefront_service_kit::for_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    sqlite => Some(Place::Sqlite(tempfile::tempdir().unwrap())),
    postgres => fresh_database().map(Place::Postgres);
    concurrent_adds_share_one_open_cart_and_lose_no_units,
    a_checkout_freezes_the_cart_and_its_key_finds_it_again,
    a_refused_checkout_reopens_the_cart_for_edits,
    a_second_process_cannot_own_the_same_file,
    processes_sharing_the_carts_take_turns_placing,
}
