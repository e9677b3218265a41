//! The resolver leaves a cart frozen since its last pass to the request
//! that froze it (that request is placing it), and settles it once it is
//! still frozen a pass later, or at start.

use std::collections::HashSet;
use std::time::Duration;

use storefront_carts::Carts;
use storefront_carts::store::{AddLine, BeginCheckout, CheckoutStart};
use storefront_service_kit::DatabaseLocation;
use storefront_wire::{CatalogClient, CustomerId, OrdersClient, Quantity};
use tokio_util::sync::CancellationToken;

/// An address nothing listens on: the orders service is down, so every
/// attempt to place a cart leaves it unsettled (and observable).
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}")
}

#[tokio::test]
async fn a_cart_frozen_since_the_last_pass_is_left_to_its_request() {
    let dir = tempfile::tempdir().unwrap();
    let location = DatabaseLocation::Sqlite(dir.path().join("carts.db"));
    let timeout = Duration::from_secs(2);
    let shutdown = CancellationToken::new();
    let carts = Carts::open(
        &location,
        CatalogClient::new(&dead_url(), timeout),
        OrdersClient::new(&dead_url(), timeout),
        // The background resolver makes its first pass and then sleeps.
        Duration::from_secs(3600),
        shutdown.clone(),
    )
    .await
    .unwrap();
    let bob = CustomerId::parse("bob").unwrap();
    let add = AddLine {
        customer: bob.clone(),
        product_id: 7,
        quantity: Quantity::new(1).unwrap(),
        limit: 1_000,
    };
    carts.store().write(add).await.unwrap();
    let begin = BeginCheckout {
        customer: bob.clone(),
        client_key: None,
        placer: carts.store().placer(),
    };
    let CheckoutStart::Place(cart) = carts.store().write(begin).await.unwrap() else {
        panic!("an active cart with items checks out");
    };

    // A pass that had not seen the cart frozen leaves it alone...
    let first = carts.resolve_pending(Some(&HashSet::new())).await;
    assert_eq!(first.attempted, 0);
    assert!(first.frozen.contains(&cart.id));
    // ...the next one, finding it still frozen, takes it on (the orders
    // service is down, so it stays unsettled)...
    let second = carts.resolve_pending(Some(&first.frozen)).await;
    assert_eq!((second.attempted, second.unsettled), (1, 1));
    // ...and the first pass after a start takes every frozen cart.
    let at_start = carts.resolve_pending(None).await;
    assert_eq!((at_start.attempted, at_start.unsettled), (1, 1));
    shutdown.cancel();
}
