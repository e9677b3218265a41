//! Resolves order attempts left pending by a crash or a failed call: it
//! releases the attempt's key at the catalog (returning stock if any was
//! taken, and barring a late reserve) and then drops the attempt.
//!
//! Aborting, rather than completing, is the safe choice: the client never
//! got an order number for such an attempt, so it may retry, and completing
//! it would then buy twice.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use metrics::gauge;
use storefront_wire::metrics as names;
use storefront_wire::{CatalogClient, ClientError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::store::{AbortMark, OrdersStore, StoreError};

const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(2);
/// How often the store is swept for attempts stuck pending (a safety net:
/// every known failure path already hands its attempt over) or left by an
/// owner that is gone (a replica that died while this one runs).
const SWEEP_EVERY: Duration = Duration::from_secs(15);
/// An attempt pending this long is stuck: a live buy finishes within a few
/// catalog timeouts.
pub const STUCK_AFTER: Duration = Duration::from_secs(60);

/// Why an attempt could not be abandoned yet (it stays pending; retry later).
#[derive(Debug, thiserror::Error)]
pub enum AbandonError {
    #[error(transparent)]
    Catalog(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How [`abandon`] ended an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abandoned {
    /// Its key was released at the catalog (`returned_to_stock`: whether it
    /// held any) and the attempt was deleted.
    Released { returned_to_stock: bool },
    /// It was no longer pending: confirmed (so its stock belongs to an
    /// order and must stay taken) or already resolved. Nothing was released.
    NotPending,
}

/// Ends an attempt that must not become an order, in an order that is safe
/// at every step: (1) mark it aborting, so a confirm still in flight is
/// refused; (2) release its key at the catalog, returning any stock it holds
/// and barring a late reserve; (3) delete it. A crash between steps leaves it
/// pending, and the next try repeats the (idempotent) steps. When (1) finds
/// the attempt no longer pending, it stops there: a confirm won the race
/// (for instance one whose reply was lost, so its caller handed the attempt
/// over), and releasing would give back the stock of a placed order.
pub async fn abandon<S: OrdersStore>(
    store: &S,
    catalog: &CatalogClient,
    order_key: &str,
    request_id: Option<&str>,
) -> Result<Abandoned, AbandonError> {
    if store.mark_aborting(order_key.to_owned()).await? == AbortMark::NotPending {
        return Ok(Abandoned::NotPending);
    }
    let released = catalog.release(order_key, request_id).await?;
    store.abort(order_key.to_owned()).await?;
    Ok(Abandoned::Released {
        returned_to_stock: released.returned_to_stock,
    })
}

/// Handle to the background task; cheap to clone.
#[derive(Clone)]
pub struct Reconciler {
    adopt: mpsc::UnboundedSender<String>,
    unresolved: Arc<AtomicU64>,
}

impl Reconciler {
    /// Starts the task with the attempts found pending at start.
    pub fn spawn<S: OrdersStore>(
        store: Arc<S>,
        catalog: CatalogClient,
        pending_at_start: Vec<String>,
        shutdown: CancellationToken,
    ) -> Self {
        let (adopt, adopted) = mpsc::unbounded_channel();
        let unresolved = Arc::new(AtomicU64::new(pending_at_start.len() as u64));
        if !pending_at_start.is_empty() {
            tracing::info!(
                count = pending_at_start.len(),
                "resolving order attempts left pending"
            );
        }
        let task = Task {
            store,
            catalog,
            keys: pending_at_start.into_iter().collect(),
            unresolved: Arc::clone(&unresolved),
        };
        tokio::spawn(task.run(adopted, shutdown));
        Self { adopt, unresolved }
    }

    /// Hands over an attempt whose outcome this process could not settle.
    pub fn adopt(&self, order_key: String) {
        self.unresolved.fetch_add(1, Ordering::Relaxed);
        if self.adopt.send(order_key).is_err() {
            tracing::error!("reconciler stopped; the attempt is resolved at next start");
        }
    }

    /// Attempts not yet resolved (shown by `/health`).
    pub fn unresolved(&self) -> u64 {
        self.unresolved.load(Ordering::Relaxed)
    }
}

struct Task<S> {
    store: Arc<S>,
    catalog: CatalogClient,
    keys: BTreeSet<String>,
    unresolved: Arc<AtomicU64>,
}

impl<S: OrdersStore> Task<S> {
    async fn run(
        mut self,
        mut adopted: mpsc::UnboundedReceiver<String>,
        shutdown: CancellationToken,
    ) {
        let mut delay = FIRST_RETRY;
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        sweep.tick().await; // the first tick is immediate; start-up keys are already here
        loop {
            while let Ok(key) = adopted.try_recv() {
                self.keys.insert(key);
            }
            let before = self.keys.len();
            self.resolve_all().await;
            self.unresolved
                .store(self.keys.len() as u64, Ordering::Relaxed);
            gauge!(names::BACKLOG, "loop" => "reconciler").set(self.keys.len() as f64);
            if self.keys.len() < before {
                delay = FIRST_RETRY;
            }

            let retry = async {
                if self.keys.is_empty() {
                    std::future::pending::<()>().await
                } else {
                    tokio::time::sleep(delay).await
                }
            };
            tokio::select! {
                key = adopted.recv() => match key {
                    Some(key) => { self.keys.insert(key); }
                    None => return,
                },
                () = retry => delay = (delay * 2).min(LAST_RETRY),
                _ = sweep.tick() => self.sweep().await,
                () = shutdown.cancelled() => return,
            }
        }
    }

    async fn sweep(&mut self) {
        match self.store.pending_keys(STUCK_AFTER).await {
            Ok(stuck) => {
                for key in stuck {
                    if self.keys.insert(key.clone()) {
                        tracing::warn!(order_key = %key, "attempt stuck or its owner gone; resolving it");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot sweep pending attempts"),
        }
    }

    async fn resolve_all(&mut self) {
        let keys: Vec<String> = self.keys.iter().cloned().collect();
        for key in keys {
            match abandon(&*self.store, &self.catalog, &key, None).await {
                Ok(Abandoned::Released { returned_to_stock }) => {
                    tracing::info!(order_key = %key, returned_to_stock, "attempt aborted");
                    self.keys.remove(&key);
                }
                Ok(Abandoned::NotPending) => {
                    tracing::info!(order_key = %key, "attempt already settled; nothing released");
                    self.keys.remove(&key);
                }
                Err(AbandonError::Catalog(e)) => {
                    tracing::debug!(order_key = %key, error = %e, "catalog not reachable yet");
                    // The catalog is down: no point trying the others now.
                    return;
                }
                Err(AbandonError::Store(e)) => {
                    tracing::warn!(order_key = %key, error = %e, "cannot abort attempt yet");
                }
            }
        }
    }
}
