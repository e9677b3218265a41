//! How a PostgreSQL catalog replica learns that products changed, whoever
//! changed them: a trigger on `products` (migration 0001) sends a
//! notification on [`CHANNEL`] when the changing transaction commits, and
//! each replica listens on a connection of its own and moves its version for
//! every notification about its schema.
//!
//! Notifications sent while the listening connection is down are lost, so
//! after reconnecting the version moves once more: whoever waits on it reads
//! the products again and sees whatever was missed.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::watch;
use tokio_util::sync::{CancellationToken, DropGuard};

/// The channel the `products_changed` trigger notifies; the payload is the
/// schema of the table that changed.
pub(super) const CHANNEL: &str = "catalog_products_changed";

/// Longest pause between attempts to reconnect a lost listener.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Starts listening and returns once subscribed, so no change committed
/// after this returns can go unnoticed. The listener runs until the
/// returned guard is dropped.
pub(super) async fn follow(
    requests: &PgPool,
    schema: &str,
    versions: Arc<watch::Sender<u64>>,
) -> Result<DropGuard, sqlx::Error> {
    // A pool of one to the same server: the listener holds its connection
    // for good, and reconnecting never waits behind requests.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with((*requests.connect_options()).clone())
        .await?;
    let listener = subscribe(&pool).await?;
    let stop = CancellationToken::new();
    let feed = ChangeFeed {
        pool,
        schema: schema.to_owned(),
        versions,
        stop: stop.clone(),
    };
    tokio::spawn(feed.run(listener));
    Ok(stop.drop_guard())
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

struct ChangeFeed {
    pool: PgPool,
    schema: String,
    versions: Arc<watch::Sender<u64>>,
    stop: CancellationToken,
}

impl ChangeFeed {
    async fn run(self, mut listener: PgListener) {
        loop {
            let lost = self.listen(&mut listener).await;
            // Drop the broken listener first: it holds the pool's one connection.
            drop(listener);
            let Some(error) = lost else { return };
            tracing::warn!(%error, "lost the catalog change listener; reconnecting");
            let Some(again) = self.resubscribe().await else {
                return;
            };
            listener = again;
            self.moved();
        }
    }

    /// Moves the version for each notification about this schema until the
    /// listener fails (returning why) or the store closes (returning `None`).
    async fn listen(&self, listener: &mut PgListener) -> Option<sqlx::Error> {
        loop {
            let next = tokio::select! {
                () = self.stop.cancelled() => return None,
                next = listener.try_recv() => next,
            };
            match next {
                Ok(Some(notification)) if notification.payload() == self.schema => self.moved(),
                Ok(Some(_)) => {}
                // sqlx found the connection dead and already listens again
                // on a new one; what was sent in between is lost.
                Ok(None) => {
                    tracing::warn!("catalog change listener reconnected");
                    self.moved();
                }
                Err(error) => return Some(error),
            }
        }
    }

    /// A new subscription, retried with back-off; `None` once the store closes.
    async fn resubscribe(&self) -> Option<PgListener> {
        let mut backoff = FIRST_BACKOFF;
        loop {
            tokio::select! {
                () = self.stop.cancelled() => return None,
                () = tokio::time::sleep(backoff) => {}
            }
            match subscribe(&self.pool).await {
                Ok(listener) => {
                    tracing::info!("catalog change listener reconnected");
                    return Some(listener);
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot reconnect the catalog change listener");
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    fn moved(&self) {
        self.versions.send_modify(|version| *version += 1);
    }
}
