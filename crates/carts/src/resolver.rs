//! Settles checkouts whose outcome was unknown (the orders service did not
//! answer, or this process stopped mid-checkout): at start, then every
//! `every`, each cart still `checking_out` is placed again under the same
//! orders key, which replays the order if it was made or makes it if not.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Carts, CartsError};

/// Runs the resolver until `shutdown` fires.
pub fn spawn(carts: Arc<Carts>, every: Duration, shutdown: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            carts.resolve_pending().await;
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(every) => {}
            }
        }
    })
}

impl Carts {
    /// One pass over the carts checking out; returns how many are still
    /// unsettled after it.
    pub async fn resolve_pending(&self) -> usize {
        let carts = match self.store.checking_out().await {
            Ok(carts) => carts,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list carts checking out");
                return 0;
            }
        };
        let mut unsettled = 0;
        for cart in carts {
            match self.place(&cart, None).await {
                Ok(_) | Err(CartsError::OrderRefused { .. }) => {}
                Err(_) => unsettled += 1,
            }
        }
        unsettled
    }
}
