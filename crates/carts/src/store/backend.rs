//! The two databases behind the one carts store.
//!
//! Reads are the same SQL text on both (numbered `$n` parameters, BIGINT-or-
//! INTEGER columns read as `i64`), so each is written once and
//! [`on_backend!`] runs it on whichever backend is open. Writes are commands
//! (`commands.rs`) that each backend applies its own way: SQLite through the
//! group-commit writer, PostgreSQL in a transaction per command.

use sqlx::{PgPool, SqlitePool};
use storefront_service_kit::sqlite::Committer;

/// One value per backend.
pub enum Backend<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// Runs `$body` with `$name` bound to the backend-specific value in
/// `$target`; the body is written once and type-checked for each backend.
macro_rules! on_backend {
    ($target:expr, $name:ident => $body:expr) => {
        match $target {
            $crate::store::backend::Backend::Sqlite($name) => $body,
            $crate::store::backend::Backend::Postgres($name) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Where reads go: a few read-only connections beside the writer on SQLite
/// (WAL lets them read while it commits), the pool on PostgreSQL.
pub type Readers = Backend<SqlitePool, PgPool>;

/// Where writes go: the group-commit writer on SQLite, the pool on
/// PostgreSQL.
pub type Writer = Backend<Committer<()>, PgPool>;

impl Readers {
    /// The pool, borrowed for one statement.
    pub fn pool(&self) -> Backend<&SqlitePool, &PgPool> {
        match self {
            Backend::Sqlite(pool) => Backend::Sqlite(pool),
            Backend::Postgres(pool) => Backend::Postgres(pool),
        }
    }
}
