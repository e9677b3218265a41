//! The catalog store's guarantees, checked on a real SQLite file.

use std::sync::Arc;

use storefront_catalog::seed::SeedProduct;
use storefront_catalog::{CatalogStore, ReserveOutcome, SqliteCatalogStore};
use storefront_wire::internal::ReserveStock;
use storefront_wire::{Money, ProductName, Quantity};

fn seed(quantity: u32) -> Vec<SeedProduct> {
    vec![SeedProduct {
        name: ProductName::parse("Tux").unwrap(),
        price: Money::from_cents(1599),
        quantity,
    }]
}

fn request(key: &str, quantity: u64) -> ReserveStock {
    ReserveStock {
        order_key: key.into(),
        name: ProductName::parse("Tux").unwrap(),
        quantity: Quantity::new(quantity).unwrap(),
    }
}

async fn stock(store: &SqliteCatalogStore) -> i64 {
    store
        .product_by_name("Tux")
        .await
        .unwrap()
        .unwrap()
        .quantity
}

#[tokio::test]
async fn concurrent_reservations_never_oversell() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteCatalogStore::open(&dir.path().join("c.db"), &seed(10))
            .await
            .unwrap(),
    );
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.reserve(request(&format!("k{i}"), 3)).await.unwrap() })
        })
        .collect();
    let mut reserved = 0;
    for task in tasks {
        if let ReserveOutcome::Reserved(r) = task.await.unwrap() {
            reserved += r.quantity;
        }
    }
    assert_eq!(reserved, 9, "three reservations of 3 fit in 10");
    assert_eq!(stock(&store).await, 1);
}

#[tokio::test]
async fn the_same_key_reserves_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteCatalogStore::open(&dir.path().join("c.db"), &seed(10))
        .await
        .unwrap();
    let first = store.reserve(request("k", 4)).await.unwrap();
    let again = store.reserve(request("k", 4)).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(stock(&store).await, 6);
}

#[tokio::test]
async fn release_returns_stock_once_and_bars_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteCatalogStore::open(&dir.path().join("c.db"), &seed(10))
        .await
        .unwrap();
    store.reserve(request("k", 4)).await.unwrap();
    assert!(store.release("k".into()).await.unwrap());
    assert!(!store.release("k".into()).await.unwrap());
    assert_eq!(stock(&store).await, 10);
    assert_eq!(
        store.reserve(request("k", 4)).await.unwrap(),
        ReserveOutcome::AttemptClosed
    );
}

#[tokio::test]
async fn a_release_that_arrives_first_refuses_the_late_reserve() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteCatalogStore::open(&dir.path().join("c.db"), &seed(10))
        .await
        .unwrap();
    assert!(!store.release("late".into()).await.unwrap());
    assert_eq!(
        store.reserve(request("late", 1)).await.unwrap(),
        ReserveOutcome::AttemptClosed
    );
    assert_eq!(stock(&store).await, 10);
}

#[tokio::test]
async fn refusals_say_why_and_take_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteCatalogStore::open(&dir.path().join("c.db"), &seed(2))
        .await
        .unwrap();
    assert_eq!(
        store.reserve(request("a", 3)).await.unwrap(),
        ReserveOutcome::InsufficientStock { available: 2 }
    );
    let mut unknown = request("b", 1);
    unknown.name = ProductName::parse("Nope").unwrap();
    assert_eq!(
        store.reserve(unknown).await.unwrap(),
        ReserveOutcome::UnknownProduct
    );
    assert_eq!(stock(&store).await, 2);
}

#[tokio::test]
async fn stock_and_seed_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    {
        let store = SqliteCatalogStore::open(&path, &seed(10)).await.unwrap();
        store.reserve(request("k", 7)).await.unwrap();
    }
    let store = SqliteCatalogStore::open(&path, &seed(10)).await.unwrap();
    assert_eq!(
        stock(&store).await,
        3,
        "reopening neither re-seeds nor loses the reservation"
    );
}
