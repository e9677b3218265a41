//! `GET /ready` against `/health` on a real store (one process per role):
//! ready means the database and the peers a service calls can be used now;
//! live means only that the process answers.

use std::time::Duration;

use storefront_wire::KeepAliveConnection;

use crate::support::{Backend, Role, Store};

async fn status(address: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut c = KeepAliveConnection::connect(&format!("http://{address}"))
        .await
        .unwrap();
    let reply = c.get(path).await.unwrap();
    (reply.status.into(), reply.text())
}

/// Asks `path` until it answers `want` (a process's pool notices a change
/// on its next use, not at once), for at most ten seconds.
async fn until(address: std::net::SocketAddr, path: &str, want: u16) -> String {
    let mut last = (0, String::new());
    for _ in 0..100 {
        last = status(address, path).await;
        if last.0 == want {
            return last.1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{address}{path} never answered {want}; last: {last:?}");
}

#[tokio::test]
async fn a_service_whose_peer_is_gone_is_live_but_not_ready_until_it_returns() {
    let mut store = Store::processes_on(Backend::Sqlite, None, "");
    for (role, service) in [
        ("catalog", &store.catalog),
        ("orders", &store.orders),
        ("carts", &store.carts),
        ("gateway", &store.gateway),
    ] {
        let (code, body) = status(service.address, "/ready").await;
        assert_eq!(code, 200, "{role}: {body}");
        assert!(body.contains(r#""status":"ready""#), "{role}: {body}");
    }
    let (_, orders) = status(store.orders.address, "/ready").await;
    assert!(
        orders.contains(r#""catalog":"ok""#) && orders.contains(r#""database":"ok""#),
        "{orders}"
    );

    store.kill(Role::Catalog);
    for (role, address) in [
        ("orders", store.orders.address),
        ("carts", store.carts.address),
        ("gateway", store.gateway.address),
    ] {
        let (code, body) = status(address, "/ready").await;
        assert_eq!(code, 503, "{role}: {body}");
        assert!(
            body.contains(&format!("{role} is not ready: catalog:")),
            "{role}: {body}"
        );
        assert!(body.contains(r#""code":503"#), "the error envelope: {body}");
        let (live, body) = status(address, "/health").await;
        assert_eq!(live, 200, "{role} is still live: {body}");
    }

    store.restart(Role::Catalog);
    for address in [
        store.orders.address,
        store.carts.address,
        store.gateway.address,
    ] {
        until(address, "/ready", 200).await;
    }
}

#[tokio::test]
async fn on_postgres_a_catalog_whose_database_is_down_is_not_ready_until_it_is_back() {
    let Some(Backend::Postgres(db)) = Backend::postgres() else {
        return;
    };
    let dir = crate::support::postgres_folder(&db);
    let any = "127.0.0.1:0".parse().unwrap();
    let catalog = crate::support::spawn(dir.path(), Role::Catalog, any, &[]);
    until(catalog.address, "/ready", 200).await;

    db.set_reachable(false);
    let body = until(catalog.address, "/ready", 503).await;
    assert!(body.contains("catalog is not ready: database:"), "{body}");
    let (live, body) = status(catalog.address, "/health").await;
    assert_eq!(live, 200, "still live: {body}");

    db.set_reachable(true);
    until(catalog.address, "/ready", 200).await;
    drop(catalog);
}
