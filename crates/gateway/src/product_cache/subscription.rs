//! The task that fills the copy from the catalog's `/product-changes`.
//!
//! It long-polls, so every commit (through any gateway) reaches the copy one
//! reply later. While a write through this gateway holds a product back (a
//! fence newer than the copy's request), it asks without `since`, which the
//! catalog answers at once, until a copy asked for after every fence is in.
//! Under a stream of writes this is one list fetch per round trip, however
//! many writes there are: the same fetches the long poll makes anyway while
//! versions move. In a quiet store, though, a write's commit usually ends
//! the waiting poll before the write's reply (and fence) reaches the
//! gateway, and the next poll then waits for a change that already
//! happened: so a fence also wakes the task, which catches up beside the
//! waiting poll.

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
    tokio::spawn(follow(Arc::clone(cache), client, shutdown));
}

async fn follow(cache: Arc<ProductCache>, client: CatalogClient, shutdown: CancellationToken) {
    let mut since: Option<(String, u64)> = None;
    let mut retry = FIRST_RETRY;
    loop {
        let asked = Instant::now();
        let result = if cache.behind() {
            tokio::select! {
                result = client.product_changes(None, Duration::ZERO) => result,
                () = shutdown.cancelled() => return,
            }
        } else {
            let known = since.as_ref().map(|(e, v)| (e.as_str(), *v));
            let poll = client.product_changes(known, POLL_WAIT);
            tokio::pin!(poll);
            loop {
                tokio::select! {
                    result = &mut poll => break result,
                    // A fence set while the poll waits (its write's commit
                    // ended an earlier poll, before the write's reply came
                    // back): catch up beside the waiting poll, which keeps
                    // its connection.
                    () = cache.fenced.notified() => tokio::select! {
                        () = catch_up(&cache, &client) => {}
                        () = shutdown.cancelled() => return,
                    },
                    () = shutdown.cancelled() => return,
                }
            }
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

/// Fetches the list at once until no fence is newer than the copy; on a
/// failure it stops (the long poll notices too, and fenced products go to
/// the catalog meanwhile, which is correct).
async fn catch_up(cache: &ProductCache, client: &CatalogClient) {
    while cache.behind() {
        let asked = Instant::now();
        match client.product_changes(None, Duration::ZERO).await {
            Ok(changes) => cache.install(changes, asked),
            Err(_) => return,
        }
    }
}
