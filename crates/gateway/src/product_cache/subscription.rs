//! The two tasks that fill the copy from the catalog's `/product-changes`:
//!
//! - [`follow`] long-polls it, so every commit (through any gateway) reaches
//!   the copy one reply later;
//! - [`catch_up`] fetches the list at once after a write through this
//!   gateway, again and again while writes keep coming, so fenced products
//!   are answered from the copy again as soon as possible. It runs beside
//!   the long poll rather than cancelling it, so no connection is dropped.
//!
//! Both install what they get; the copy keeps the newest (see
//! [`Copy::install`](super::copy::Copy::install)).

use std::sync::Arc;
use std::time::{Duration, Instant};

use storefront_wire::CatalogClient;
use tokio_util::sync::CancellationToken;

use super::ProductCache;

/// How long the catalog holds each long poll open.
const POLL_WAIT: Duration = Duration::from_secs(15);
const FIRST_RETRY: Duration = Duration::from_millis(50);
const LAST_RETRY: Duration = Duration::from_secs(2);

pub(super) fn start(cache: &Arc<ProductCache>, catalog_url: &str, shutdown: CancellationToken) {
    let client = CatalogClient::new(catalog_url, POLL_WAIT + Duration::from_secs(5));
    tokio::spawn(follow(Arc::clone(cache), client.clone(), shutdown.clone()));
    tokio::spawn(catch_up(Arc::clone(cache), client, shutdown));
}

async fn follow(cache: Arc<ProductCache>, client: CatalogClient, shutdown: CancellationToken) {
    let mut since: Option<(String, u64)> = None;
    let mut retry = FIRST_RETRY;
    loop {
        let asked = Instant::now();
        let poll = client.product_changes(since.as_ref().map(|(e, v)| (e.as_str(), *v)), POLL_WAIT);
        let result = tokio::select! {
            result = poll => result,
            () = shutdown.cancelled() => return,
        };
        match result {
            Ok(changes) => {
                since = Some((changes.epoch.clone(), changes.version));
                cache.install(changes, asked);
                retry = FIRST_RETRY;
            }
            Err(e) => {
                if since.take().is_some() {
                    tracing::warn!(error = %e, "product cache lost the catalog; queries go to the catalog");
                }
                cache.drop_copy();
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    () = shutdown.cancelled() => return,
                }
                retry = (retry * 2).min(LAST_RETRY);
            }
        }
    }
}

/// One fetch at a time: writes answered while it runs are covered by the
/// next, so under a stream of writes this is one list fetch per round trip,
/// however many writes there are.
async fn catch_up(cache: Arc<ProductCache>, client: CatalogClient, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = cache.wrote.notified() => {}
            () = shutdown.cancelled() => return,
        }
        loop {
            let asked = Instant::now();
            // No `since`: the catalog answers at once with what it has now.
            let fetch = client.product_changes(None, Duration::ZERO);
            let result = tokio::select! {
                result = fetch => result,
                () = shutdown.cancelled() => return,
            };
            match result {
                Ok(changes) => cache.install(changes, asked),
                // The long poll notices too and drops the copy; fenced
                // products go to the catalog meanwhile, which is correct.
                Err(_) => break,
            }
            if !cache.behind(asked) {
                break;
            }
        }
    }
}
