//! Group commit: one writer thread owns a database's read-write connection
//! and applies every waiting command in a single transaction, so one fsync
//! covers a whole batch. Nobody gets an answer before its batch is durable.
//!
//! The writer is a plain thread with a synchronous SQLite connection
//! (rusqlite), not an async task: a statement then costs about a microsecond
//! instead of a round trip to another thread, which is what made the writer,
//! not the disk, the limit on durable buys (see `docs/BENCHMARKS.md`).
//!
//! A store describes what its writer owns besides the connection with
//! [`WriterState`], and each kind of write as a struct of its own that
//! implements [`WriteCommand`] with its own output type, so
//! [`Committer::submit`] returns exactly that command's answer. In-memory
//! state that mirrors the database (a cache, a counter) is changed only in
//! [`WriterState::after_commit`], so a failed batch leaves no trace anywhere.
//!
//! A command, once submitted, is applied and committed whether or not its
//! caller still waits for the answer: a client hanging up never cancels a
//! write half-way.

use std::path::Path;
use std::time::Instant;

use metrics::{Histogram, histogram};
use storefront_wire::metrics as names;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

/// Most commands folded into one transaction; bounds latency of a batch.
const MAX_BATCH: usize = 512;

/// What a store's writer thread owns beside its connection.
pub trait WriterState: Send + 'static {
    /// Changes to in-memory state, collected during a batch, applied after commit.
    type Effects: Default;

    /// Called once a batch is durable, with what it changed.
    fn after_commit(&mut self, effects: Self::Effects);
}

/// A writer without in-memory state to keep in step with the database.
impl WriterState for () {
    type Effects = ();
    fn after_commit(&mut self, (): ()) {}
}

/// One kind of write, applied by the writer of a store whose state is `S`.
pub trait WriteCommand<S: WriterState>: Send + 'static {
    /// What the caller is answered once the batch holding it is durable.
    type Output: Send + 'static;

    /// Applies the command inside the open transaction. An `Err` aborts the
    /// whole batch (every command in it gets [`CommitError::Database`]).
    fn apply(
        &self,
        tx: &Transaction<'_>,
        state: &mut S,
        effects: &mut S::Effects,
    ) -> rusqlite::Result<Self::Output>;
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CommitError {
    #[error("database write failed: {0}")]
    Database(String),
    #[error("the writer has stopped")]
    WriterStopped,
}

/// A submitted command with its reply channel, its type erased so that one
/// queue carries every kind of command of a store.
trait Job<S: WriterState>: Send {
    /// Applies the command, keeping its output until the batch commits.
    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        state: &mut S,
        effects: &mut S::Effects,
    ) -> rusqlite::Result<()>;
    /// The batch is durable: sends the output kept by `apply`.
    fn answer(self: Box<Self>);
    /// The batch rolled back: sends the error.
    fn fail(self: Box<Self>, error: CommitError);
}

struct Queued<C: WriteCommand<S>, S: WriterState> {
    command: C,
    output: Option<C::Output>,
    reply: oneshot::Sender<Result<C::Output, CommitError>>,
}

impl<C: WriteCommand<S>, S: WriterState> Job<S> for Queued<C, S> {
    fn apply(
        &mut self,
        tx: &Transaction<'_>,
        state: &mut S,
        effects: &mut S::Effects,
    ) -> rusqlite::Result<()> {
        self.output = Some(self.command.apply(tx, state, effects)?);
        Ok(())
    }

    fn answer(self: Box<Self>) {
        let answer = self.output.ok_or_else(|| {
            CommitError::Database("the command was not applied in its batch".into())
        });
        // A caller that stopped waiting no longer needs its answer.
        let _ = self.reply.send(answer);
    }

    fn fail(self: Box<Self>, error: CommitError) {
        let _ = self.reply.send(Err(error));
    }
}

/// Handle to a running writer; cheap to clone. The writer thread ends when
/// the last handle is dropped.
pub struct Committer<S: WriterState> {
    jobs: mpsc::Sender<Box<dyn Job<S>>>,
}

impl<S: WriterState> Clone for Committer<S> {
    fn clone(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
        }
    }
}

impl<S: WriterState> Committer<S> {
    /// Opens the database at `path` (WAL, fsync on commit) and starts its
    /// writer thread, which owns `state`.
    pub fn open(path: &Path, state: S) -> Result<Self, rusqlite::Error> {
        let conn = open_connection(path)?;
        let (jobs, receiver) = mpsc::channel(4 * MAX_BATCH);
        // Linux shows 15 bytes of a thread's name: `writer:carts.db`,
        // `writer:orders.d…`, `writer:catalog.…` stay apart in top and perf.
        let name = format!(
            "writer:{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        let database = path.file_stem().unwrap_or_default().to_string_lossy();
        let meters = BatchMeters {
            size: histogram!(names::COMMIT_BATCH_SIZE, "database" => database.to_string()),
            duration: histogram!(names::COMMIT_DURATION, "database" => database.to_string()),
        };
        std::thread::Builder::new()
            .name(name)
            .spawn(move || run_writer(conn, state, receiver, meters))
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(Self { jobs })
    }

    /// Submits a command and waits until the batch holding it is committed.
    /// Dropping the returned future does not withdraw a submitted command.
    pub async fn submit<C: WriteCommand<S>>(&self, command: C) -> Result<C::Output, CommitError> {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job<S>> = Box::new(Queued {
            command,
            output: None,
            reply,
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| CommitError::WriterStopped)?;
        answer.await.map_err(|_| CommitError::WriterStopped)?
    }

    /// Answers once the writer thread runs and its connection reads the
    /// database inside a batch, as every write does (`/ready`). A batch of
    /// pings alone writes nothing, so its commit costs no fsync.
    pub async fn ping(&self) -> Result<(), CommitError> {
        self.submit(Ping).await
    }
}

/// A read of the schema through the writer: see [`Committer::ping`].
struct Ping;

impl<S: WriterState> WriteCommand<S> for Ping {
    type Output = ();

    fn apply(&self, tx: &Transaction<'_>, _: &mut S, _: &mut S::Effects) -> rusqlite::Result<()> {
        tx.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
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

/// What a writer records of each batch (labelled with its database's file
/// stem: `catalog`, `orders`, `carts`).
struct BatchMeters {
    size: Histogram,
    duration: Histogram,
}

fn run_writer<S: WriterState>(
    mut conn: Connection,
    mut state: S,
    mut receiver: mpsc::Receiver<Box<dyn Job<S>>>,
    meters: BatchMeters,
) {
    let mut batch: Vec<Box<dyn Job<S>>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut effects = S::Effects::default();
        let started = Instant::now();
        let applied = apply_batch(&mut conn, &mut state, &mut batch, &mut effects);
        meters.duration.record(started.elapsed().as_secs_f64());
        meters.size.record(batch.len() as f64);
        match applied {
            Ok(()) => {
                state.after_commit(effects);
                for job in batch.drain(..) {
                    job.answer();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "batch rolled back");
                let error = CommitError::Database(e.to_string());
                for job in batch.drain(..) {
                    job.fail(error.clone());
                }
            }
        }
    }
}

fn apply_batch<S: WriterState>(
    conn: &mut Connection,
    state: &mut S,
    batch: &mut [Box<dyn Job<S>>],
    effects: &mut S::Effects,
) -> rusqlite::Result<()> {
    // IMMEDIATE takes the write lock up front rather than on first write.
    // Dropping the transaction without commit (on any error) rolls it back.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for job in batch.iter_mut() {
        job.apply(&tx, state, effects)?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends numbers to a table; the in-memory total moves only on commit.
    struct Ledger {
        committed_total: i64,
    }

    impl WriterState for Ledger {
        /// What this batch added so far.
        type Effects = i64;

        fn after_commit(&mut self, pending: i64) {
            self.committed_total += pending;
        }
    }

    /// Appends a value; answers the running total.
    struct Append(i64);

    impl WriteCommand<Ledger> for Append {
        type Output = i64;

        fn apply(
            &self,
            tx: &Transaction<'_>,
            ledger: &mut Ledger,
            pending: &mut i64,
        ) -> rusqlite::Result<i64> {
            tx.prepare_cached("INSERT INTO ledger (value) VALUES (?)")?
                .execute([self.0])?;
            *pending += self.0;
            Ok(ledger.committed_total + *pending)
        }
    }

    /// Counts the rows; a second kind of command with another output type.
    struct Count;

    impl WriteCommand<Ledger> for Count {
        type Output = i64;

        fn apply(
            &self,
            tx: &Transaction<'_>,
            _: &mut Ledger,
            _: &mut i64,
        ) -> rusqlite::Result<i64> {
            tx.query_row("SELECT COUNT(*) FROM ledger", [], |r| r.get(0))
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
    async fn a_ping_answers_through_the_writer_between_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);
        committer.ping().await.unwrap();
        assert_eq!(committer.submit(Append(2)).await.unwrap(), 2);
        committer.ping().await.unwrap();
        assert_eq!(committer.submit(Count).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn concurrent_submissions_are_all_committed_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);

        let tasks: Vec<_> = (1..=200)
            .map(|v| {
                let c = committer.clone();
                tokio::spawn(async move { c.submit(Append(v)).await.unwrap() })
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
    async fn each_command_gets_its_own_kind_of_answer() {
        let dir = tempfile::tempdir().unwrap();
        let committer = ledger(&dir.path().join("ledger.db"));
        let (total, rows) = tokio::join!(committer.submit(Append(4)), committer.submit(Count));
        assert_eq!(total.unwrap(), 4);
        assert!(rows.unwrap() <= 1);
        assert_eq!(committer.submit(Count).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_failing_command_rolls_back_its_whole_batch_and_leaves_state_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);

        assert!(matches!(
            committer.submit(Append(-1)).await,
            Err(CommitError::Database(_))
        ));
        assert_eq!(
            committer.submit(Append(5)).await.unwrap(),
            5,
            "the failed batch left no total"
        );
    }

    #[tokio::test]
    async fn a_command_whose_caller_hung_up_is_still_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);
        // Polled once (so it is queued), then dropped: the caller is gone
        // before the answer.
        let mut submission = Box::pin(committer.submit(Append(7)));
        std::future::poll_fn(|cx| {
            let _ = submission.as_mut().poll(cx);
            std::task::Poll::Ready(())
        })
        .await;
        drop(submission);
        assert_eq!(committer.submit(Append(1)).await.unwrap(), 8);
    }

    #[tokio::test]
    async fn commits_are_in_the_file_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let committer = ledger(&path);
        committer.submit(Append(3)).await.unwrap();
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
