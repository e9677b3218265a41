//! Recovery against a real catalog service (in this process, on a real
//! socket): abandoning an attempt gives its stock back, except when the
//! attempt confirmed first — then the stock belongs to an order and stays.

use std::time::Duration;

use storefront_catalog::CatalogSettings;
use storefront_catalog::seed::SeedProduct;
use storefront_orders::reconciler::{Abandoned, abandon};
use storefront_orders::store::{OrderRequest, PendingOrder};
use storefront_orders::{OrdersStore, SqliteOrdersStore};
use storefront_service_kit::HttpLimits;
use storefront_service_kit::database::DatabaseLocation;
use storefront_wire::internal::ReserveStock;
use storefront_wire::shop::{OrderLine, ProductRef};
use storefront_wire::{CatalogClient, Money, ProductName, Quantity};
use tokio_util::sync::CancellationToken;

/// A catalog service with 10 Tux, serving on a free loopback port until dropped.
struct Catalog {
    client: CatalogClient,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Catalog {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let settings = CatalogSettings {
            seed: vec![SeedProduct {
                name: ProductName::parse("Tux").unwrap(),
                price: Money::from_cents(1599),
                quantity: 10,
                description: None,
            }],
        };
        let location = DatabaseLocation::Sqlite(dir.path().join("catalog.db"));
        let shutdown = CancellationToken::new();
        let catalog = storefront_catalog::start(settings, &location, shutdown.clone())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(catalog.run(listener, HttpLimits::default()));
        Self {
            client: CatalogClient::new(&url, Duration::from_secs(10)),
            shutdown,
            _dir: dir,
        }
    }

    async fn stock(&self) -> i64 {
        self.client
            .product_by_name("Tux", None)
            .await
            .unwrap()
            .quantity
    }
}

impl Drop for Catalog {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn tux(quantity: u64) -> Vec<OrderLine> {
    vec![OrderLine {
        product: ProductRef::Name(ProductName::parse("Tux").unwrap()),
        quantity: Quantity::new(quantity).unwrap(),
    }]
}

/// Begins an attempt and reserves its stock, as the buy saga does.
async fn begin_and_reserve<S: OrdersStore>(
    store: &S,
    catalog: &Catalog,
    key: &str,
    quantity: u64,
) -> Vec<storefront_wire::internal::ReservedItem> {
    store
        .begin(PendingOrder {
            order_key: key.into(),
            request: OrderRequest {
                customer_id: None,
                items: tux(quantity),
            },
            idempotency_key: None,
        })
        .await
        .unwrap();
    let reserve = ReserveStock {
        order_key: key.into(),
        items: tux(quantity),
    };
    catalog.client.reserve(&reserve, None).await.unwrap().items
}

/// The race the fix closes: a confirm commits, its caller does not learn
/// it (a lost reply) and hands the attempt to recovery.
pub async fn recovery_of_a_confirmed_attempt_keeps_its_stock<S: OrdersStore>(store: S) {
    let catalog = Catalog::start().await;
    let items = begin_and_reserve(&store, &catalog, "won", 3).await;
    let number = store.confirm("won".into(), items).await.unwrap();
    assert_eq!(catalog.stock().await, 7);

    let outcome = abandon(&store, &catalog.client, "won", None).await.unwrap();
    assert_eq!(outcome, Abandoned::NotPending);
    assert_eq!(
        catalog.stock().await,
        7,
        "order {number}'s stock was given back: it could be sold twice"
    );
    assert!(store.order(number).await.unwrap().is_some());
}

pub async fn recovery_of_a_pending_attempt_returns_its_stock<S: OrdersStore>(store: S) {
    let catalog = Catalog::start().await;
    let items = begin_and_reserve(&store, &catalog, "stuck", 2).await;
    assert_eq!(catalog.stock().await, 8);

    let outcome = abandon(&store, &catalog.client, "stuck", None)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Abandoned::Released {
            returned_to_stock: true
        }
    );
    assert_eq!(catalog.stock().await, 10);
    assert!(
        store.confirm("stuck".into(), items).await.is_err(),
        "an abandoned attempt never confirms"
    );
    assert!(store.pending_keys(Duration::ZERO).await.unwrap().is_empty());
}

mod sqlite {
    use super::*;

    async fn store(dir: &tempfile::TempDir) -> SqliteOrdersStore {
        SqliteOrdersStore::open(&dir.path().join("orders.db"))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn recovery_of_a_confirmed_attempt_keeps_its_stock() {
        let dir = tempfile::tempdir().unwrap();
        super::recovery_of_a_confirmed_attempt_keeps_its_stock(store(&dir).await).await;
    }

    #[tokio::test]
    async fn recovery_of_a_pending_attempt_returns_its_stock() {
        let dir = tempfile::tempdir().unwrap();
        super::recovery_of_a_pending_attempt_returns_its_stock(store(&dir).await).await;
    }
}

mod postgres {
    use storefront_orders::PostgresOrdersStore;
    use storefront_service_kit::postgres::test_database::fresh_database;

    #[tokio::test]
    async fn recovery_of_a_confirmed_attempt_keeps_its_stock() {
        let Some(db) = fresh_database() else { return };
        let store = PostgresOrdersStore::open(db.url(), "orders").await.unwrap();
        super::recovery_of_a_confirmed_attempt_keeps_its_stock(store).await;
    }

    #[tokio::test]
    async fn recovery_of_a_pending_attempt_returns_its_stock() {
        let Some(db) = fresh_database() else { return };
        let store = PostgresOrdersStore::open(db.url(), "orders").await.unwrap();
        super::recovery_of_a_pending_attempt_returns_its_stock(store).await;
    }
}
