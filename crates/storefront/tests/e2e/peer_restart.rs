//! Calls between services go over pooled keep-alive connections
//! (`wire::http1::ConnectionPool`). A peer killed and started again leaves
//! every pooled connection to it dead; none of them may surface to a
//! client as a 503 once the peer answers again.

use std::time::Duration;

use crate::support::{Backend, Role, Store};

#[tokio::test]
async fn a_restarted_catalog_is_reached_on_new_connections_without_an_error() {
    // The cache off, so every query crosses the gateway's pool.
    let mut store =
        Store::processes_on(Backend::Sqlite, None, "[gateway]\nproduct_cache = false\n");
    // Several clients at once, so the pool holds several connections.
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(store.connect().await);
    }
    for _ in 0..5 {
        let mut queries = tokio::task::JoinSet::new();
        for mut c in clients.drain(..) {
            queries.spawn(async move {
                let status = c.get("/products/Tux").await.unwrap().status;
                (c, status)
            });
        }
        while let Some(done) = queries.join_next().await {
            let (c, status) = done.unwrap();
            assert_eq!(status, 200);
            clients.push(c);
        }
    }

    store.restart(Role::Catalog);
    // The new catalog announced its address, so it accepts connections.
    for round in 0..5 {
        for c in &mut clients {
            let reply = c.get("/products/Tux").await.unwrap();
            assert_eq!(
                reply.status,
                200,
                "round {round}: {} (a dead pooled connection was used)",
                reply.text()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
