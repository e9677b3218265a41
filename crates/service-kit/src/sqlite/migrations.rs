//! Embedded schema migrations on a SQLite file, applied at start.

use sqlx::sqlite::SqliteConnection;

pub use crate::schema::SchemaStep;

/// Applies every step not yet applied, each in its own transaction.
pub async fn migrate(
    conn: &mut SqliteConnection,
    steps: &[SchemaStep],
) -> Result<(), sqlx::migrate::MigrateError> {
    crate::schema::migrator(steps).run(conn).await
}
