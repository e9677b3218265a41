//! How a PostgreSQL catalog replica learns that products changed, whoever
//! changed them: a trigger on `products` (migrations 0001 and 0003) sends a
//! notification on [`CHANNEL`] naming the schema and the product when the
//! changing transaction commits, and each replica listens on a connection
//! of its own and has its product copy ([`super::postgres_mirror`]) read
//! that product again; the copy moves the version once it has.
//!
//! Notifications sent while the listening connection is down are lost, so
//! the copy is not read from while the listener is down, and after
//! reconnecting the whole table is loaded again (which moves the version
//! too: whoever waits on it sees whatever was missed).

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio_util::sync::{CancellationToken, DropGuard};

use super::postgres_mirror::Mirror;

/// The channel the `products_changed` trigger notifies; the payload is the
/// schema of the table that changed.
pub(super) const CHANNEL: &str = "catalog_products_changed";

/// Longest pause between attempts to reconnect a lost listener.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Starts listening, then has `mirror` load the whole table, and returns
/// once both are done, so no change committed after this returns can go
/// unnoticed. The listener runs until the returned guard is dropped.
pub(super) async fn follow(
    requests: &PgPool,
    schema: &str,
    mirror: Mirror,
) -> Result<DropGuard, sqlx::Error> {
    // A pool of one to the same server: the listener holds its connection
    // for good, and reconnecting never waits behind requests.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with((*requests.connect_options()).clone())
        .await?;
    let listener = subscribe(&pool).await?;
    mirror.subscribed().await;
    let stop = CancellationToken::new();
    let feed = ChangeFeed {
        pool,
        schema: schema.to_owned(),
        mirror,
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
    mirror: Mirror,
    stop: CancellationToken,
}

impl ChangeFeed {
    async fn run(self, mut listener: PgListener) {
        loop {
            let lost = self.listen(&mut listener).await;
            // Drop the broken listener first: it holds the pool's one connection.
            drop(listener);
            let Some(error) = lost else { return };
            self.mirror.lost();
            tracing::warn!(%error, "lost the catalog change listener; reconnecting");
            let Some(again) = self.resubscribe().await else {
                return;
            };
            listener = again;
            self.mirror.subscribed().await;
        }
    }

    /// Has the copy read each product a notification about this schema
    /// names, until the listener fails (returning why) or the store closes
    /// (returning `None`).
    async fn listen(&self, listener: &mut PgListener) -> Option<sqlx::Error> {
        loop {
            let next = tokio::select! {
                () = self.stop.cancelled() => return None,
                next = listener.try_recv() => next,
            };
            match next {
                Ok(Some(notification)) => match changed(notification.payload(), &self.schema) {
                    Some(Change::Product(id)) => self.mirror.changed(id),
                    Some(Change::Unknown) => {
                        self.mirror.lost();
                        self.mirror.subscribed().await;
                    }
                    None => {}
                },
                // sqlx found the connection dead and already listens again
                // on a new one; what was sent in between is lost.
                Ok(None) => {
                    tracing::warn!("catalog change listener reconnected");
                    self.mirror.lost();
                    self.mirror.subscribed().await;
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
}

/// What a notification says changed.
#[derive(Debug, PartialEq, Eq)]
enum Change {
    Product(i64),
    /// Something, unnamed: a payload of the schema alone (the trigger of
    /// migration 0001, or a `NOTIFY` by hand).
    Unknown,
}

/// The change a payload reports for `schema`; `None` for another schema's.
fn changed(payload: &str, schema: &str) -> Option<Change> {
    let rest = payload.strip_prefix(schema)?;
    if rest.is_empty() {
        return Some(Change::Unknown);
    }
    let id = rest.strip_prefix(':')?;
    Some(id.parse().map_or(Change::Unknown, Change::Product))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_its_schema_and_product() {
        assert_eq!(changed("catalog:42", "catalog"), Some(Change::Product(42)));
        assert_eq!(changed("catalog", "catalog"), Some(Change::Unknown));
        assert_eq!(changed("catalog:x", "catalog"), Some(Change::Unknown));
        assert_eq!(changed("catalog2:42", "catalog"), None);
        assert_eq!(changed("other:42", "catalog"), None);
    }
}
