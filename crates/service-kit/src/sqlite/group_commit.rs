//! Group commit: one writer task owns a database's read-write connection and
//! applies every waiting request in a single transaction, so one fsync
//! covers a whole batch. Nobody gets an answer before its batch is durable.
//!
//! A store describes its commands with [`BatchApply`]; in-memory state that
//! mirrors the database (a cache, a counter) is changed only in
//! [`BatchApply::after_commit`], so a failed batch leaves no trace anywhere.

use std::future::Future;

use sqlx::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

/// Most requests folded into one transaction; bounds latency of a batch.
const MAX_BATCH: usize = 512;

/// What a store's writer does with each command of a batch.
pub trait BatchApply: Send + 'static {
    type Command: Send + Sync + 'static;
    type Outcome: Send + 'static;
    /// Changes to in-memory state, collected during a batch, applied after commit.
    type Effects: Default + Send;

    /// Applies one command inside the open transaction. An `Err` aborts the
    /// whole batch (every request in it gets [`CommitError::Database`]).
    fn apply(
        &mut self,
        conn: &mut SqliteConnection,
        command: &Self::Command,
        effects: &mut Self::Effects,
    ) -> impl Future<Output = Result<Self::Outcome, sqlx::Error>> + Send;

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

/// Handle to a running writer; cheap to clone.
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
    /// Starts the writer task on `conn`.
    pub fn spawn(conn: SqliteConnection, applier: A) -> Self {
        let (requests, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run_writer(conn, applier, receiver));
        Self { requests }
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

async fn run_writer<A: BatchApply>(
    mut conn: SqliteConnection,
    mut applier: A,
    mut receiver: mpsc::Receiver<Request<A>>,
) {
    let mut batch: Vec<Request<A>> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut effects = A::Effects::default();
        match apply_batch(&mut conn, &mut applier, &batch, &mut effects).await {
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

async fn apply_batch<A: BatchApply>(
    conn: &mut SqliteConnection,
    applier: &mut A,
    batch: &[Request<A>],
    effects: &mut A::Effects,
) -> Result<Vec<A::Outcome>, sqlx::Error> {
    // IMMEDIATE takes the write lock up front rather than on first write.
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for (command, _) in batch {
        match applier.apply(conn, command, effects).await {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => {
                rollback(conn).await;
                return Err(e);
            }
        }
    }
    if let Err(e) = sqlx::query("COMMIT").execute(&mut *conn).await {
        rollback(conn).await;
        return Err(e);
    }
    Ok(outcomes)
}

async fn rollback(conn: &mut SqliteConnection) {
    if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
        tracing::error!(error = %e, "rollback failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// Appends numbers to a table; the in-memory total moves only on commit.
    struct Ledger {
        committed_total: i64,
    }

    impl BatchApply for Ledger {
        type Command = i64;
        type Outcome = i64;
        type Effects = i64;

        async fn apply(
            &mut self,
            conn: &mut SqliteConnection,
            value: &i64,
            pending: &mut i64,
        ) -> Result<i64, sqlx::Error> {
            sqlx::query("INSERT INTO ledger (value) VALUES (?)")
                .bind(*value)
                .execute(&mut *conn)
                .await?;
            *pending += *value;
            Ok(self.committed_total + *pending)
        }

        fn after_commit(&mut self, pending: i64) {
            self.committed_total += pending;
        }
    }

    /// A writer over a fresh `ledger` table that accepts only positive values.
    async fn ledger(path: &std::path::Path) -> Committer<Ledger> {
        let mut conn = super::super::open_writer(path).await.unwrap();
        sqlx::query("CREATE TABLE ledger (value INTEGER NOT NULL CHECK (value > 0))")
            .execute(&mut conn)
            .await
            .unwrap();
        Committer::spawn(conn, Ledger { committed_total: 0 })
    }

    #[tokio::test]
    async fn concurrent_submissions_are_all_committed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path).await;

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

        let mut check = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let (count, sum): (i64, i64) = sqlx::query_as("SELECT COUNT(*), SUM(value) FROM ledger")
            .fetch_one(&mut check)
            .await
            .unwrap();
        assert_eq!((count, sum), (200, (1..=200).sum::<i64>()));
    }

    #[tokio::test]
    async fn a_failing_command_rolls_back_its_whole_batch_and_leaves_state_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path).await;

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
}
