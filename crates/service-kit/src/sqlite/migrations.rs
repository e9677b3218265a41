//! Embedded schema migrations, applied at start by sqlx's migrator (which
//! records what ran and refuses a database whose applied scripts changed).

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::SqliteConnection;

/// One migration: its version, a description, and the SQL compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct SchemaStep {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

/// Applies every step not yet applied, each in its own transaction.
pub async fn migrate(
    conn: &mut SqliteConnection,
    steps: &[SchemaStep],
) -> Result<(), sqlx::migrate::MigrateError> {
    let migrations = steps
        .iter()
        .map(|step| {
            Migration::new(
                step.version,
                Cow::Borrowed(step.description),
                MigrationType::Simple,
                step.sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations).run(conn).await
}
