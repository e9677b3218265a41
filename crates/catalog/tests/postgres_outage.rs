//! A PostgreSQL catalog whose server goes away and comes back: calls answer
//! "unavailable" (503) meanwhile, never an internal error, and the store,
//! its change feed included, works again afterwards. The server is reached
//! through a TCP relay the test can cut, since the real server is shared.

use std::time::Duration;

use axum::response::IntoResponse;
use storefront_catalog::seed::SeedProduct;
use storefront_catalog::{CatalogError, CatalogStore, PostgresCatalogStore, StoreError};
use storefront_service_kit::postgres::test_database::fresh_database;
use storefront_wire::internal::ReserveStock;
use storefront_wire::shop::{OrderLine, ProductRef};
use storefront_wire::{Money, ProductName, Quantity};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Only a guard against a hang; nothing here depends on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Forwards every connection made to `address` to `upstream`, until stopped.
struct Relay {
    address: std::net::SocketAddr,
    accepting: JoinSet<()>,
}

impl Relay {
    async fn start(address: &str, upstream: String) -> Relay {
        let listener = TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let mut accepting = JoinSet::new();
        accepting.spawn(async move {
            // Owned by this task: stopping it cuts every relayed connection.
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Relay { address, accepting }
    }

    /// Closes the listening socket and every relayed connection.
    async fn stop(mut self) {
        self.accepting.abort_all();
        while self.accepting.join_next().await.is_some() {}
    }
}

/// The `host:port` of the server `url` names.
fn server_of(url: &str) -> String {
    let start = url
        .find('@')
        .map_or_else(|| url.find("://").unwrap() + 3, |i| i + 1);
    let end = start + url[start..].find('/').unwrap();
    url[start..end].to_owned()
}

fn one_tux(key: &str) -> ReserveStock {
    ReserveStock {
        order_key: key.into(),
        items: vec![OrderLine {
            product: ProductRef::Name(ProductName::parse("Tux").unwrap()),
            quantity: Quantity::new(1).unwrap(),
        }],
    }
}

fn assert_unavailable<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(error @ StoreError::Unavailable(_)) => {
            let status = CatalogError::from(error).into_response().status();
            assert_eq!(status, 503, "{what}");
        }
        other => panic!("{what}: expected unavailable, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_server_makes_calls_unavailable_and_the_store_recovers_when_it_returns() {
    let Some(db) = fresh_database() else { return };
    let server = server_of(db.url());
    let relay = Relay::start("127.0.0.1:0", server.clone()).await;
    let url = db.url().replacen(&server, &relay.address.to_string(), 1);
    let seed = [SeedProduct {
        name: ProductName::parse("Tux").unwrap(),
        price: Money::from_cents(1599),
        quantity: 10,
        description: None,
    }];
    let store = PostgresCatalogStore::open(&url, "catalog", &seed)
        .await
        .unwrap();
    let mut versions = store.versions();
    versions.borrow_and_update();

    let address = relay.address;
    relay.stop().await;
    // Reads come from the replica's copy until its listener notices the
    // server is gone, then from the server, which is not there: the last
    // committed stock or 503, never anything else, and 503 soon.
    let deadline = tokio::time::Instant::now() + HANG_GUARD;
    loop {
        match store.product_by_name("Tux").await {
            Ok(Some(tux)) => assert_eq!(tux.quantity, 10, "the copy shows what was committed"),
            other => {
                assert_unavailable(other, "a read");
                break;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "reads kept coming from the copy with the server gone"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_unavailable(store.reserve(one_tux("during")).await, "a reserve");

    let _relay = Relay::start(&address.to_string(), server).await;
    // The change feed lost its connection too; once it listens again it
    // moves the version, since a change may have gone unheard meanwhile.
    tokio::time::timeout(HANG_GUARD, versions.changed())
        .await
        .expect("the change feed never came back")
        .unwrap();
    assert_eq!(
        store
            .product_by_name("Tux")
            .await
            .unwrap()
            .unwrap()
            .quantity,
        10,
        "the failed reserve took nothing"
    );
    assert!(matches!(
        store.reserve(one_tux("after")).await.unwrap(),
        storefront_catalog::ReserveOutcome::Reserved(_)
    ));
}
