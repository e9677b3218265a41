//! SQLite as each service's embedded store: one file per service, WAL, and
//! `synchronous=FULL` so a commit is on disk before anyone is told about it.
//!
//! Writes go through [`group_commit`]: one writer thread per database applies
//! many requests in one transaction and one fsync, which is what makes
//! durable writes fast (thousands per second) without weakening them.

pub mod group_commit;
pub mod migrations;
pub mod ownership;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};

pub use group_commit::{CommitError, Committer, WriteCommand, WriterState};
pub use migrations::{SchemaStep, migrate};
pub use ownership::{OwnershipError, OwnershipLock};

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str("sqlite://")
        .unwrap_or_default()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .log_statements(tracing::log::LevelFilter::Trace)
}

/// Opens (creating if missing) a read-write connection for start-up work:
/// migrations, seeding, loading caches. Close it before the store starts its
/// group-commit writer, which opens its own.
pub async fn open_setup_connection(path: &Path) -> Result<SqliteConnection, sqlx::Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
    }
    let mut conn = SqliteConnection::connect_with(&options(path)).await?;
    conn.ping().await?;
    Ok(conn)
}

/// A small pool of read-only connections; WAL lets them read while the
/// writer commits.
pub async fn open_readers(path: &Path, connections: u32) -> Result<SqlitePool, sqlx::Error> {
    SqlitePoolOptions::new()
        .max_connections(connections)
        .connect_with(options(path).read_only(true).create_if_missing(false))
        .await
}
