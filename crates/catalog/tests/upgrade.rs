//! A catalog written by the first release (one product per reservation)
//! opens with this one: stock, held reservations and tombstones carry over.

use storefront_catalog::{CatalogStore, PostgresCatalogStore, SqliteCatalogStore};
use storefront_service_kit::postgres::test_database::fresh_database;
use storefront_service_kit::sqlite::{SchemaStep, migrate, open_setup_connection};

const FIRST_RELEASE: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "products and reservations",
    sql: include_str!("../migrations/sqlite/0001_products.sql"),
}];

#[tokio::test]
async fn reservations_of_the_first_release_survive_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("catalog.db");
    {
        let mut conn = open_setup_connection(&path).await.unwrap();
        migrate(&mut conn, FIRST_RELEASE).await.unwrap();
        for statement in [
            "INSERT INTO products (id, name, price_cents, quantity) VALUES (1, 'Tux', 1599, 7)",
            "INSERT INTO reservations VALUES ('held', 1, 3, 1599, 'held')",
            "INSERT INTO reservations VALUES ('gone', NULL, 0, 0, 'released')",
            "INSERT INTO catalog_meta (key, value) VALUES ('seeded', 'then')",
        ] {
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
    }

    let store = SqliteCatalogStore::open(&path, &[]).await.unwrap();
    assert_eq!(
        store
            .product_by_name("Tux")
            .await
            .unwrap()
            .unwrap()
            .quantity,
        7
    );
    assert!(
        store.release("held".into()).await.unwrap(),
        "the held units go back"
    );
    assert_eq!(
        store
            .product_by_name("Tux")
            .await
            .unwrap()
            .unwrap()
            .quantity,
        10
    );
    assert!(
        !store.release("gone".into()).await.unwrap(),
        "a tombstone stays one"
    );
}

const FIRST_STEP_ON_POSTGRES: &[SchemaStep] = &[SchemaStep {
    version: 1,
    description: "products and reservations",
    sql: include_str!("../migrations/postgres/0001_products.sql"),
}];

/// PostgreSQL has the same two steps; the second must carry data over too.
#[tokio::test]
async fn reservations_of_the_first_step_survive_the_upgrade_on_postgres() {
    let Some(db) = fresh_database() else { return };
    {
        let pool = storefront_service_kit::postgres::connect(db.url(), "catalog", 1)
            .await
            .unwrap();
        storefront_service_kit::postgres::migrate(&pool, FIRST_STEP_ON_POSTGRES)
            .await
            .unwrap();
        for statement in [
            "INSERT INTO products (name, price_cents, quantity) VALUES ('Tux', 1599, 7)",
            "INSERT INTO reservations VALUES ('held', 1, 3, 1599, 'held')",
            "INSERT INTO reservations VALUES ('gone', NULL, 0, 0, 'released')",
            "INSERT INTO catalog_meta (key, value) VALUES ('seeded', 'then')",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
    }

    let store = PostgresCatalogStore::open(db.url(), "catalog", &[])
        .await
        .unwrap();
    let tux = || async { store.product_by_name("Tux").await.unwrap().unwrap() };
    assert_eq!(tux().await.quantity, 7);
    assert!(
        store.release("held".into()).await.unwrap(),
        "the held units go back"
    );
    assert_eq!(tux().await.quantity, 10);
    assert!(
        !store.release("gone".into()).await.unwrap(),
        "a tombstone stays one"
    );
}
