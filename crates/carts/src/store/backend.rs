//! The two databases behind the one carts store. Every statement the store
//! runs is the same text on both (numbered `$n` parameters, `RETURNING`,
//! `ON CONFLICT`, BIGINT-or-INTEGER columns read as `i64`), so each is
//! written once and [`on_backend!`] runs it on whichever backend is open.
//! Only opening, migrating and beginning a write differ per backend.

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// One value per backend: pools, a transaction, a borrowed pool.
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

/// Where writes and reads go on each backend.
pub enum Pools {
    /// One read-write connection (carts are written rarely, so queueing for
    /// it costs nothing) and a few read-only ones beside it (WAL).
    Sqlite {
        writer: SqlitePool,
        readers: SqlitePool,
    },
    Postgres(PgPool),
}

pub type WriteTx = Backend<Transaction<'static, Sqlite>, Transaction<'static, Postgres>>;
/// A pool borrowed for one statement.
pub type Readers<'a> = Backend<&'a SqlitePool, &'a PgPool>;

impl Pools {
    /// A write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so its reads cannot go stale before it writes;
    /// on PostgreSQL each write locks the cart row it changes first.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        Ok(match self {
            Pools::Sqlite { writer, .. } => {
                Backend::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?)
            }
            Pools::Postgres(pool) => Backend::Postgres(pool.begin().await?),
        })
    }

    /// Where a single-statement write goes (it commits by itself).
    pub fn writer(&self) -> Readers<'_> {
        match self {
            Pools::Sqlite { writer, .. } => Backend::Sqlite(writer),
            Pools::Postgres(pool) => Backend::Postgres(pool),
        }
    }

    pub fn readers(&self) -> Readers<'_> {
        match self {
            Pools::Sqlite { readers, .. } => Backend::Sqlite(readers),
            Pools::Postgres(pool) => Backend::Postgres(pool),
        }
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        on_backend!(self, tx => tx.commit().await)
    }
}
