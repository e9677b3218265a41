//! The catalog store's guarantees. Each check is written once, generic over
//! the store, and run on every backend (see the `backend!` invocations).

use std::sync::Arc;

use storefront_catalog::seed::SeedProduct;
use storefront_catalog::store::AdminOutcome;
use storefront_catalog::{CatalogStore, PostgresCatalogStore, ReserveOutcome, SqliteCatalogStore};
use storefront_service_kit::postgres::test_database::{TestDatabase, fresh_database};
use storefront_wire::internal::ReserveStock;
use storefront_wire::shop::{OrderLine, Page, ProductDraft, ProductRef};
use storefront_wire::{Money, ProductName, Quantity};

fn name(text: &str) -> ProductName {
    ProductName::parse(text).unwrap()
}

fn seed(tux: u32, duck: u32) -> Vec<SeedProduct> {
    [("Tux", 1599, tux), ("Duck", 250, duck)]
        .into_iter()
        .map(|(n, cents, quantity)| SeedProduct {
            name: name(n),
            price: Money::from_cents(cents),
            quantity,
            description: None,
        })
        .collect()
}

fn line(product: &str, quantity: u64) -> OrderLine {
    OrderLine {
        product: ProductRef::Name(name(product)),
        quantity: Quantity::new(quantity).unwrap(),
    }
}

fn request(key: &str, lines: &[(&str, u64)]) -> ReserveStock {
    ReserveStock {
        order_key: key.into(),
        items: lines.iter().map(|(p, q)| line(p, *q)).collect(),
    }
}

fn draft(product: &str, cents: i64, quantity: u32) -> ProductDraft {
    ProductDraft {
        name: name(product),
        price: Money::from_cents(cents),
        quantity,
        description: Some(format!("all about {product}")),
    }
}

async fn stock<S: CatalogStore>(store: &S, product: &str) -> i64 {
    store
        .product_by_name(product)
        .await
        .unwrap()
        .unwrap()
        .quantity
}

fn reserved_units(outcome: &ReserveOutcome) -> u32 {
    match outcome {
        ReserveOutcome::Reserved(r) => r.items.iter().map(|i| i.quantity).sum(),
        _ => 0,
    }
}

/// Where a check's store lives; each `open` opens the same one again.
trait Backend {
    type Store: CatalogStore;
    async fn open(&self, seed: &[SeedProduct]) -> Self::Store;
}

struct Sqlite(tempfile::TempDir);

impl Backend for Sqlite {
    type Store = SqliteCatalogStore;
    async fn open(&self, seed: &[SeedProduct]) -> SqliteCatalogStore {
        SqliteCatalogStore::open(&self.0.path().join("c.db"), seed)
            .await
            .unwrap()
    }
}

/// A database of its own per test; every open works in the same schema, as
/// a restarted catalog would.
struct Postgres(TestDatabase);

impl Backend for Postgres {
    type Store = PostgresCatalogStore;
    async fn open(&self, seed: &[SeedProduct]) -> PostgresCatalogStore {
        PostgresCatalogStore::open(self.0.url(), "catalog", seed)
            .await
            .unwrap()
    }
}

async fn concurrent_reservations_never_oversell<B: Backend>(backend: B) {
    let store = Arc::new(backend.open(&seed(10, 10)).await);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .reserve(request(&format!("k{i}"), &[("Tux", 3)]))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut reserved = 0;
    for task in tasks {
        reserved += reserved_units(&task.await.unwrap());
    }
    assert_eq!(reserved, 9, "three reservations of 3 fit in 10");
    assert_eq!(stock(&*store, "Tux").await, 1);
}

async fn overlapping_multi_line_reservations_are_all_or_nothing<B: Backend>(backend: B) {
    let store = Arc::new(backend.open(&seed(5, 5)).await);
    // Each attempt wants one Tux and one Duck, or two of one of them.
    let shapes: [&[(&str, u64)]; 3] = [&[("Tux", 1), ("Duck", 1)], &[("Tux", 2)], &[("Duck", 2)]];
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let store = Arc::clone(&store);
            let lines = shapes[i % 3];
            tokio::spawn(async move {
                store
                    .reserve(request(&format!("m{i}"), lines))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let (mut tux, mut duck) = (0, 0);
    for task in tasks {
        if let ReserveOutcome::Reserved(r) = task.await.unwrap() {
            for item in r.items {
                match item.name.as_str() {
                    "Tux" => tux += i64::from(item.quantity),
                    _ => duck += i64::from(item.quantity),
                }
            }
        }
    }
    assert_eq!(stock(&*store, "Tux").await, 5 - tux);
    assert_eq!(stock(&*store, "Duck").await, 5 - duck);
    assert!(stock(&*store, "Tux").await >= 0 && stock(&*store, "Duck").await >= 0);
}

async fn a_refused_line_takes_nothing_from_the_others<B: Backend>(backend: B) {
    let store = backend.open(&seed(5, 1)).await;
    let outcome = store
        .reserve(request("k", &[("Tux", 2), ("Duck", 2)]))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        ReserveOutcome::InsufficientStock {
            product: "Duck".into(),
            available: 1
        }
    );
    // Two lines of the same product count together.
    let outcome = store
        .reserve(request("k2", &[("Tux", 3), ("Tux", 3)]))
        .await
        .unwrap();
    assert!(matches!(outcome, ReserveOutcome::InsufficientStock { .. }));
    let unknown = store
        .reserve(request("k3", &[("Tux", 1), ("Nope", 1)]))
        .await
        .unwrap();
    assert_eq!(
        unknown,
        ReserveOutcome::UnknownProduct(ProductRef::Name(name("Nope")))
    );
    // Nothing it names exists: refused all the same, and for good.
    let only_unknown = request("k4", &[("Nope", 1)]);
    assert_eq!(
        store.reserve(only_unknown.clone()).await.unwrap(),
        ReserveOutcome::UnknownProduct(ProductRef::Name(name("Nope")))
    );
    assert_eq!(
        store.reserve(only_unknown).await.unwrap(),
        ReserveOutcome::AttemptClosed
    );
    assert_eq!(stock(&store, "Tux").await, 5);
    assert_eq!(stock(&store, "Duck").await, 1);
}

async fn the_same_key_reserves_once<B: Backend>(backend: B) {
    let store = backend.open(&seed(10, 10)).await;
    let first = store
        .reserve(request("k", &[("Tux", 4), ("Duck", 1)]))
        .await
        .unwrap();
    let again = store
        .reserve(request("k", &[("Tux", 4), ("Duck", 1)]))
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(stock(&store, "Tux").await, 6);
    assert_eq!(stock(&store, "Duck").await, 9);
}

async fn release_returns_stock_once_and_bars_the_key<B: Backend>(backend: B) {
    let store = backend.open(&seed(10, 10)).await;
    store
        .reserve(request("k", &[("Tux", 4), ("Duck", 2)]))
        .await
        .unwrap();
    assert!(store.release("k".into()).await.unwrap());
    assert!(!store.release("k".into()).await.unwrap());
    assert_eq!(stock(&store, "Tux").await, 10);
    assert_eq!(stock(&store, "Duck").await, 10);
    assert_eq!(
        store.reserve(request("k", &[("Tux", 4)])).await.unwrap(),
        ReserveOutcome::AttemptClosed
    );
}

async fn a_release_that_arrives_first_refuses_the_late_reserve<B: Backend>(backend: B) {
    let store = backend.open(&seed(10, 10)).await;
    assert!(!store.release("late".into()).await.unwrap());
    assert_eq!(
        store.reserve(request("late", &[("Tux", 1)])).await.unwrap(),
        ReserveOutcome::AttemptClosed
    );
    assert_eq!(stock(&store, "Tux").await, 10);
}

async fn administration_keeps_names_unique_and_never_reuses_ids<B: Backend>(backend: B) {
    let store = backend.open(&seed(1, 1)).await;
    let AdminOutcome::Done(kite) = store.create_product(draft("Kite", 999, 4)).await.unwrap()
    else {
        panic!("create failed")
    };
    assert_eq!(kite.quantity, 4);
    assert_eq!(
        store.create_product(draft("Kite", 1, 1)).await.unwrap(),
        AdminOutcome::DuplicateName
    );
    assert_eq!(
        store
            .update_product(kite.id, draft("Tux", 1, 1))
            .await
            .unwrap(),
        AdminOutcome::DuplicateName
    );
    let AdminOutcome::Done(renamed) = store
        .update_product(kite.id, draft("Big Kite", 1299, 7))
        .await
        .unwrap()
    else {
        panic!("update failed")
    };
    assert_eq!(renamed.id, kite.id);
    assert_eq!(
        store.product_by_id(kite.id).await.unwrap().unwrap().name,
        "Big Kite"
    );
    assert!(store.product_by_name("Kite").await.unwrap().is_none());
    assert_eq!(
        store
            .update_product(9_999, draft("Ghost", 1, 1))
            .await
            .unwrap(),
        AdminOutcome::NotFound
    );

    // Hold some of it, delete it, then release: nothing breaks, nothing returns.
    store
        .reserve(request("held", &[("Big Kite", 2)]))
        .await
        .unwrap();
    assert!(store.delete_product(kite.id).await.unwrap());
    assert!(!store.delete_product(kite.id).await.unwrap());
    assert!(store.product_by_id(kite.id).await.unwrap().is_none());
    assert!(store.release("held".into()).await.unwrap());

    let AdminOutcome::Done(next) = store.create_product(draft("Kite", 5, 5)).await.unwrap() else {
        panic!("create failed")
    };
    assert!(next.id > kite.id, "a deleted product's id is not reused");
    let page = store
        .products(Page::new(Some(2), Some(1)).unwrap())
        .await
        .unwrap();
    let names: Vec<&str> = page.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Duck", "Kite"],
        "three products by id, skip one, take two"
    );
}

async fn stock_and_products_survive_reopening<B: Backend>(backend: B) {
    {
        let store = backend.open(&seed(10, 10)).await;
        store.reserve(request("k", &[("Tux", 7)])).await.unwrap();
        store.create_product(draft("Kite", 999, 4)).await.unwrap();
    }
    let store = backend.open(&seed(10, 10)).await;
    assert_eq!(
        stock(&store, "Tux").await,
        3,
        "reopening neither re-seeds nor loses the reservation"
    );
    let kite = store.product_by_name("Kite").await.unwrap().unwrap();
    assert_eq!(kite.description.as_deref(), Some("all about Kite"));
}

storefront_service_kit::for_each_backend! {
    sqlite => Some(Sqlite(tempfile::tempdir().unwrap())),
    postgres => fresh_database().map(Postgres);
    concurrent_reservations_never_oversell,
    overlapping_multi_line_reservations_are_all_or_nothing,
    a_refused_line_takes_nothing_from_the_others,
    the_same_key_reserves_once,
    release_returns_stock_once_and_bars_the_key,
    a_release_that_arrives_first_refuses_the_late_reserve,
    administration_keeps_names_unique_and_never_reuses_ids,
    stock_and_products_survive_reopening,
}
