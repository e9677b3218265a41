//! Group commit: one writer thread owns a database's read-write connection
//! and applies every waiting request in a single transaction, so one fsync
//! covers a whole batch. Nobody gets an answer before its batch is durable.
//!
//! The writer is a plain thread with a synchronous SQLite connection
//! (rusqlite), not an async task: a statement then costs about a microsecond
//! instead of a round trip to another thread, which is what made the writer,
//! not the disk, the limit on durable buys (see `docs/BENCHMARKS.md`).
//!
//! A store describes its commands with [`BatchApply`]; in-memory state that
//! mirrors the database (a cache, a counter) is changed only in
//! [`BatchApply::after_commit`], so a failed batch leaves no trace anywhere.

use std::path::Path;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

/// Most requests folded into one transaction; bounds latency of a batch.
const MAX_BATCH: usize = 512;

/// What a store's writer does with each command of a batch.
pub trait BatchApply: Send + 'static {
    type Command: Send + 'static;
    type Outcome: Send + 'static;
    /// Changes to in-memory state, collected during a batch, applied after commit.
    type Effects: Default;

    /// Applies one command inside the open transaction. An `Err` aborts the
    /// whole batch (every request in it gets [`CommitError::Database`]).
    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        command: &Self::Command,
        effects: &mut Self::Effects,
    ) -> rusqlite::Result<Self::Outcome>;

    /// Called once a batch is durable, with what it changed.
    fn after_commit(&mut self, effects: Self::Effects);
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CommitError {
    #[error("database write failed: {0}")]
    Database(String),
    #[error("the writer has stopped")]
    WriterStopped,
}

type Request<A> = (
    <A as BatchApply>::Command,
    oneshot::Sender<Result<<A as BatchApply>::Outcome, CommitError>>,
);

/// Handle to a running writer; cheap to clone. The writer thread ends when
/// the last handle is dropped.
pub struct Committer<A: BatchApply> {
    requests: mpsc::Sender<Request<A>>,
}

impl<A: BatchApply> Clone for Committer<A> {
    fn clone(&self) -> Self {
        Self {
            requests: self.requests.clone(),
        }
    }
}

impl<A: BatchApply> Committer<A> {
    /// Opens the database at `path` (WAL, fsync on commit) and starts its
    /// writer thread.
    pub fn open(path: &Path, applier: A) -> Result<Self, rusqlite::Error> {
        let conn = open_connection(path)?;
        let (requests, receiver) = mpsc::channel(4 * MAX_BATCH);
        let name = format!(
            "sqlite-writer:{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        std::thread::Builder::new()
            .name(name)
            .spawn(move || run_writer(conn, applier, receiver))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Self { requests })
    }

    /// Submits a command and waits until the batch holding it is committed.
    pub async fn submit(&self, command: A::Command) -> Result<A::Outcome, CommitError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send((command, reply))
            .await
            .map_err(|_| CommitError::WriterStopped)?;
        answer.await.map_err(|_| CommitError::WriterStopped)?
    }
}

/// The writer's connection: same durability settings as every other one.
fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn run_writer<A: BatchApply>(
    mut conn: Connection,
    mut applier: A,
    mut receiver: mpsc::Receiver<Request<A>>,
) {
    let mut batch: Vec<Request<A>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let mut effects = A::Effects::default();
        match apply_batch(&mut conn, &mut applier, &batch, &mut effects) {
            Ok(outcomes) => {
                applier.after_commit(effects);
                for ((_, reply), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "batch rolled back");
                let error = CommitError::Database(e.to_string());
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}

fn apply_batch<A: BatchApply>(
    conn: &mut Connection,
    applier: &mut A,
    batch: &[Request<A>],
    effects: &mut A::Effects,
) -> rusqlite::Result<Vec<A::Outcome>> {
    // IMMEDIATE takes the write lock up front rather than on first write.
    // Dropping the transaction without commit (on any error) rolls it back.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = batch
        .iter()
        .map(|(command, _)| applier.apply(&tx, command, effects))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends numbers to a table; the in-memory total moves only on commit.
    struct Ledger {
        committed_total: i64,
    }

    impl BatchApply for Ledger {
        type Command = i64;
        type Outcome = i64;
        type Effects = i64;

        fn apply(
            &mut self,
            tx: &Transaction<'_>,
            value: &i64,
            pending: &mut i64,
        ) -> rusqlite::Result<i64> {
            tx.prepare_cached("INSERT INTO ledger (value) VALUES (?)")?
                .execute([value])?;
            *pending += *value;
            Ok(self.committed_total + *pending)
        }

        fn after_commit(&mut self, pending: i64) {
            self.committed_total += pending;
        }
    }

    /// A writer over a fresh `ledger` table that accepts only positive values.
    fn ledger(path: &Path) -> Committer<Ledger> {
        Connection::open(path)
            .unwrap()
            .execute(
                "CREATE TABLE ledger (value INTEGER NOT NULL CHECK (value > 0))",
                [],
            )
            .unwrap();
        Committer::open(path, Ledger { committed_total: 0 }).unwrap()
    }

    #[tokio::test]
    async fn concurrent_submissions_are_all_committed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);

        let tasks: Vec<_> = (1..=200)
            .map(|v| {
                let c = committer.clone();
                tokio::spawn(async move { c.submit(v).await.unwrap() })
            })
            .collect();
        let mut running_totals = Vec::new();
        for task in tasks {
            running_totals.push(task.await.unwrap());
        }
        running_totals.sort();
        running_totals.dedup();
        assert_eq!(
            running_totals.len(),
            200,
            "each submission saw a distinct total"
        );
        assert_eq!(*running_totals.last().unwrap(), (1..=200).sum::<i64>());

        let check = Connection::open(&path).unwrap();
        let (count, sum): (i64, i64) = check
            .query_row("SELECT COUNT(*), SUM(value) FROM ledger", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, sum), (200, (1..=200).sum::<i64>()));
    }

    #[tokio::test]
    async fn a_failing_command_rolls_back_its_whole_batch_and_leaves_state_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);

        assert!(matches!(
            committer.submit(-1).await,
            Err(CommitError::Database(_))
        ));
        assert_eq!(
            committer.submit(5).await.unwrap(),
            5,
            "the failed batch left no total"
        );
    }

    #[tokio::test]
    async fn commits_are_in_the_file_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);
        committer.submit(3).await.unwrap();
        let check = Connection::open(&path).unwrap();
        let mode: String = check
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let total: i64 = check
            .query_row("SELECT SUM(value) FROM ledger", [], |r| r.get(0))
            .unwrap();
        assert_eq!(total, 3);
    }
}
