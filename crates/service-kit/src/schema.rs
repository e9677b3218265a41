//! Embedded schema migrations, shared by both backends: each service lists
//! its steps once per backend and sqlx's migrator applies the missing ones at
//! start (recording what ran and refusing a database whose applied scripts
//! changed).

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// One migration: its version, a description, and the SQL compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct SchemaStep {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

/// A migrator over `steps`, each applied in its own transaction.
pub fn migrator(steps: &[SchemaStep]) -> Migrator {
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
    Migrator::with_migrations(migrations)
}
