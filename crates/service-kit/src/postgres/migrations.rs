//! Embedded schema migrations on PostgreSQL, applied at start.
//!
//! The migrations table (`_sqlx_migrations`) is created unqualified, so it
//! lands in the service's own schema like its other tables. sqlx's migrator
//! holds a session advisory lock (keyed by the database name) while it
//! works, so replicas starting at once apply each step exactly once: the
//! others wait, then find it applied.

use sqlx::migrate::MigrateError;
use sqlx::postgres::PgPool;

use crate::schema::SchemaStep;

/// Applies every step not yet applied, each in its own transaction.
pub async fn migrate(pool: &PgPool, steps: &[SchemaStep]) -> Result<(), MigrateError> {
    let mut conn = pool.acquire().await?;
    // `run_direct` is `run` without the `Acquire` bound, whose higher-ranked
    // lifetimes would make this future not `Send` (sqlx's own workaround).
    let result = crate::schema::migrator(steps)
        .run_direct(None, &mut *conn, false)
        .await;
    if result.is_err() {
        // A failed run returns without unlocking: never reuse a connection
        // that might still hold the migration lock.
        conn.close_on_drop();
    }
    result
}
