//! Each PostgreSQL catalog replica's copy of the product table, so that a
//! product read costs no statement, as on SQLite.
//!
//! One task applies every refresh, in the order they were asked for, each
//! reading the rows after the request was made: a refresh never puts older
//! data over newer. Refreshes are asked for by:
//! - this replica's own writes, after they commit, and the write is
//!   answered only once its refresh is in the copy (read-your-writes on the
//!   replica that wrote);
//! - the change feed ([`super::postgres_changes`]), for each notification
//!   naming a product, whoever changed it (another replica, psql);
//! - the change feed again, for the whole table, whenever it (re)subscribes,
//!   since notifications sent while it was not listening are lost.
//!
//! The copy is read only while it is known complete: after a whole-table
//! load that began while the feed was subscribed, and until the feed loses
//! its connection or a refresh fails. Otherwise reads go to the database as
//! before (so with the server gone they answer 503, not old data). Buys
//! never trust the copy: a reserve locks and checks the rows themselves.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, watch};

use super::postgres::{ProductRow, product};
use super::snapshot::{ProductChange, Snapshot};

/// How long after a failed refresh the whole table is loaded again.
const RETRY_AFTER: Duration = Duration::from_millis(500);

/// The replica's product copy; cheap to share.
#[derive(Clone)]
pub(super) struct Mirror {
    inner: Arc<Inner>,
    refreshes: mpsc::UnboundedSender<Refresh>,
}

struct Inner {
    copy: RwLock<Snapshot>,
    /// Whether reads may use the copy (see the module's doc).
    readable: AtomicBool,
    feed: Mutex<FeedState>,
    versions: Arc<watch::Sender<u64>>,
}

/// What the copy's completeness depends on, changed under one lock.
#[derive(Debug, Default)]
struct FeedState {
    subscribed: bool,
    /// Moves whenever the feed subscribes or loses its subscription; a
    /// whole-table load makes the copy readable only if it did not move
    /// while the load ran.
    generation: u64,
}

/// Which rows to read again.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    All { generation: u64 },
    Products(BTreeSet<i64>),
}

struct Refresh {
    scope: Scope,
    done: Option<oneshot::Sender<()>>,
}

impl Mirror {
    /// An empty, unreadable copy and the task that keeps it; `versions`
    /// moves after every refresh applied.
    pub(super) fn start(pool: PgPool, versions: Arc<watch::Sender<u64>>) -> Self {
        let (refreshes, queue) = mpsc::unbounded_channel();
        let mirror = Self {
            inner: Arc::new(Inner {
                copy: RwLock::new(Snapshot::default()),
                readable: AtomicBool::new(false),
                feed: Mutex::new(FeedState::default()),
                versions,
            }),
            refreshes,
        };
        // The task holds no sender of its own, so it ends (and lets go of
        // its pool) once the store and its change feed are gone.
        let keeper = Keeper {
            inner: Arc::clone(&mirror.inner),
            retries: mirror.refreshes.downgrade(),
        };
        tokio::spawn(keeper.keep(pool, queue));
        mirror
    }

    /// `f` applied to the copy, or `None` while the copy may be incomplete.
    pub(super) fn read<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> Option<T> {
        if !self.inner.readable.load(Ordering::Acquire) {
            return None;
        }
        // A poisoned lock only means a reader panicked; the data is intact.
        let copy = self.inner.copy.read().unwrap_or_else(|e| e.into_inner());
        Some(f(&copy))
    }

    /// Reads `products` again and waits until the copy holds what they are
    /// now. Called after a write of this replica commits.
    pub(super) async fn refresh(&self, products: impl IntoIterator<Item = i64>) {
        self.ask(Scope::Products(products.into_iter().collect()))
            .await;
    }

    /// A notification named this product: read it again (not waited for).
    pub(super) fn changed(&self, product: i64) {
        let scope = Scope::Products(BTreeSet::from([product]));
        let _ = self.refreshes.send(Refresh { scope, done: None });
    }

    /// The feed listens (again): load the whole table, then read from it.
    /// Waits until that load has been tried.
    pub(super) async fn subscribed(&self) {
        let generation = self.feed(|feed| {
            feed.subscribed = true;
            feed.generation += 1;
            feed.generation
        });
        self.ask(Scope::All { generation }).await;
    }

    /// Asks for a refresh and waits until it has been applied (or tried).
    async fn ask(&self, scope: Scope) {
        let (done, applied) = oneshot::channel();
        let refresh = Refresh {
            scope,
            done: Some(done),
        };
        if self.refreshes.send(refresh).is_ok() {
            let _ = applied.await;
        }
    }

    /// The feed lost its subscription: changes may go unheard, so reads go
    /// to the database until it listens again and the table is reloaded.
    pub(super) fn lost(&self) {
        self.feed(|feed| {
            feed.subscribed = false;
            feed.generation += 1;
        });
    }

    fn feed<T>(&self, change: impl FnOnce(&mut FeedState) -> T) -> T {
        let mut feed = self.inner.feed.lock().unwrap_or_else(|e| e.into_inner());
        let out = change(&mut feed);
        // Any change of the subscription makes the copy unreadable until a
        // whole-table load of the new generation completes.
        self.inner.readable.store(false, Ordering::Release);
        out
    }
}

/// The one task that changes the copy.
struct Keeper {
    inner: Arc<Inner>,
    /// For asking again after a failure, without keeping the queue open.
    retries: mpsc::WeakUnboundedSender<Refresh>,
}

impl Keeper {
    /// The refresh task: takes every waiting request, merges them into one
    /// read, applies it, then answers them all.
    async fn keep(self, pool: PgPool, mut queue: mpsc::UnboundedReceiver<Refresh>) {
        while let Some(first) = queue.recv().await {
            let mut batch = vec![first];
            while let Ok(next) = queue.try_recv() {
                batch.push(next);
            }
            let scope = merge(batch.iter().map(|r| &r.scope));
            match self.apply(&pool, &scope).await {
                Ok(()) => {
                    self.inner.versions.send_modify(|version| *version += 1);
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot refresh the catalog copy; reading from the database");
                    self.retry_later();
                }
            }
            for refresh in batch {
                if let Some(done) = refresh.done {
                    let _ = done.send(());
                }
            }
        }
    }

    async fn apply(&self, pool: &PgPool, scope: &Scope) -> Result<(), sqlx::Error> {
        match scope {
            Scope::All { generation } => {
                let rows: Vec<ProductRow> = sqlx::query_as(
                    "SELECT id, name, price_cents, quantity, description FROM products ORDER BY id",
                )
                .fetch_all(pool)
                .await?;
                let fresh = Snapshot::new(rows.into_iter().map(product).collect());
                *self.inner.copy.write().unwrap_or_else(|e| e.into_inner()) = fresh;
                let feed = self.inner.feed.lock().unwrap_or_else(|e| e.into_inner());
                if feed.subscribed && feed.generation == *generation {
                    self.inner.readable.store(true, Ordering::Release);
                }
            }
            Scope::Products(ids) => {
                let ids: Vec<i64> = ids.iter().copied().collect();
                let rows: Vec<ProductRow> = sqlx::query_as(
                    "SELECT id, name, price_cents, quantity, description FROM products
                     WHERE id = ANY($1) ORDER BY id",
                )
                .bind(&ids)
                .fetch_all(pool)
                .await?;
                let found: BTreeSet<i64> = rows.iter().map(|row| row.0).collect();
                let mut copy = self.inner.copy.write().unwrap_or_else(|e| e.into_inner());
                for row in rows {
                    copy.apply(ProductChange::Upsert(product(row)));
                }
                for gone in ids.into_iter().filter(|id| !found.contains(id)) {
                    copy.apply(ProductChange::Removed(gone));
                }
            }
        }
        Ok(())
    }

    /// A refresh failed: the copy may now miss a change, so it is not read
    /// until a whole-table load of the current generation succeeds.
    fn retry_later(&self) {
        let generation = {
            let feed = self.inner.feed.lock().unwrap_or_else(|e| e.into_inner());
            self.inner.readable.store(false, Ordering::Release);
            feed.generation
        };
        let retries = self.retries.clone();
        tokio::spawn(async move {
            tokio::time::sleep(RETRY_AFTER).await;
            if let Some(refreshes) = retries.upgrade() {
                let scope = Scope::All { generation };
                let _ = refreshes.send(Refresh { scope, done: None });
            }
        });
    }
}

/// One read covering every request: the whole table (of the newest
/// generation asked for) if any asked for it, else every product named.
fn merge<'a>(scopes: impl Iterator<Item = &'a Scope>) -> Scope {
    let mut products = BTreeSet::new();
    let mut all: Option<u64> = None;
    for scope in scopes {
        match scope {
            Scope::All { generation } => all = all.max(Some(*generation)),
            Scope::Products(ids) => products.extend(ids),
        }
    }
    match all {
        Some(generation) => Scope::All { generation },
        None => Scope::Products(products),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_merge_into_one_read() {
        let named = |ids: &[i64]| Scope::Products(ids.iter().copied().collect());
        assert_eq!(merge([named(&[3]), named(&[1, 3])].iter()), named(&[1, 3]));
        assert_eq!(
            merge(
                [
                    named(&[3]),
                    Scope::All { generation: 2 },
                    Scope::All { generation: 1 }
                ]
                .iter()
            ),
            Scope::All { generation: 2 }
        );
    }
}
