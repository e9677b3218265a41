//! A data folder written by the first release (one product per order, no
//! customers or keys) opens with this one: its orders read back as one-line
//! orders, an attempt left pending is still recoverable, and numbering goes on.

use std::time::Duration;

use storefront_orders::store::OrderRequest;
use storefront_orders::store::PendingOrder;
use storefront_orders::{OrdersStore, SqliteOrdersStore};
use storefront_service_kit::sqlite::{SchemaStep, migrate, open_setup_connection};
use storefront_wire::internal::ReservedItem;

const FIRST_RELEASE: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "intent log and order log",
    sql: include_str!("../migrations/sqlite/0001_orders.sql"),
}];

#[tokio::test]
async fn orders_of_the_first_release_survive_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.db");
    {
        let mut conn = open_setup_connection(&path).await.unwrap();
        migrate(&mut conn, FIRST_RELEASE).await.unwrap();
        for (number, name, quantity) in [(0, "Tux", 2), (1, "Whale", 1)] {
            sqlx::query(
                "INSERT INTO orders (number, order_key, product_name, quantity, price_cents)
                 VALUES (?, ?, ?, ?, 1599)",
            )
            .bind(number)
            .bind(format!("k{number}"))
            .bind(name)
            .bind(quantity)
            .execute(&mut conn)
            .await
            .unwrap();
        }
        sqlx::query("INSERT INTO pending_orders (order_key, product_name, quantity) VALUES ('stuck', 'Tux', 3)")
            .execute(&mut conn)
            .await
            .unwrap();
    }

    let store = SqliteOrdersStore::open(&path).await.unwrap();
    let first = store.order(0).await.unwrap().unwrap();
    assert_eq!(first.items.len(), 1);
    assert_eq!(
        (first.items[0].name.as_str(), first.items[0].quantity),
        ("Tux", 2)
    );
    assert_eq!(first.total.cents(), 2 * 1599);
    assert_eq!(
        store.pending_keys(Duration::ZERO).await.unwrap(),
        vec!["stuck".to_owned()],
        "the attempt a crash left is still there to recover"
    );
    store
        .begin(PendingOrder {
            order_key: "new".into(),
            request: OrderRequest {
                customer_id: None,
                items: Vec::new(),
            },
            idempotency_key: None,
        })
        .await
        .unwrap();
    let item = ReservedItem {
        product_id: 1,
        name: "Tux".into(),
        quantity: 1,
        price_cents: 1599,
    };
    assert_eq!(store.confirm("new".into(), vec![item]).await.unwrap(), 2);
}
