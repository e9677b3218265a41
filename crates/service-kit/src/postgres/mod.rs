//! PostgreSQL as a service's production store: one server for every
//! service, each in a schema of its own. Every pooled connection has its
//! `search_path` set to that schema alone, so a service's SQL names its
//! tables plainly and can never see another service's.

mod migrations;
mod owner_lock;
pub mod scratch;
#[cfg(any(test, feature = "test-support"))]
pub mod test_database;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};
use storefront_wire::metrics as names;

pub use migrations::migrate;
pub use owner_lock::OwnerLock;
pub use scratch::ScratchDatabase;

/// Advisory lock held while a schema is created: two replicas starting at
/// once would otherwise race in `CREATE SCHEMA IF NOT EXISTS` (it is not
/// atomic against a concurrent twin and one of them fails).
const CREATE_SCHEMA_LOCK: i64 = 0x5354_4f52_4546_524f; // "STOREFRO"

/// A schema name fit to be spliced into SQL: lower-case letters, digits and
/// `_`, not starting with a digit, at most 63 bytes (PostgreSQL's limit).
fn quoted_schema(schema: &str) -> Result<String, sqlx::Error> {
    let valid = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if valid {
        Ok(format!("\"{schema}\""))
    } else {
        Err(sqlx::Error::Configuration(
            format!("invalid schema name {schema:?}: use lower-case letters, digits and '_'")
                .into(),
        ))
    }
}

/// A pool of up to `max_connections` connections to the server at `url`,
/// each confined to `schema` (created if absent).
pub async fn connect(url: &str, schema: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let name = schema.to_owned();
    let schema = quoted_schema(schema)?;
    let options = PgConnectOptions::from_str(url)?.log_statements(tracing::log::LevelFilter::Trace);

    let mut setup = PgConnection::connect_with(&options).await?;
    create_schema(&mut setup, &schema).await?;
    setup.close().await?;

    let set_search_path = format!("SET search_path TO {schema}");
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            let sql = set_search_path.clone();
            Box::pin(async move { conn.execute(AssertSqlSafe(sql)).await.map(drop) })
        })
        .connect_with(options)
        .await?;
    report_pool_usage(&pool, name);
    Ok(pool)
}

/// Answers once a pooled connection runs a statement (`/ready`): the
/// server is up and the pool can hand out a connection.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(drop)
}

/// `storefront_pool_connections{pool,state}` at each scrape: connections in
/// use and idle, and the pool's limit (`max`), so saturation shows as
/// `in_use` reaching `max`.
fn report_pool_usage(pool: &PgPool, schema: String) {
    let pool = pool.clone();
    crate::metrics::on_scrape(move || {
        let size = pool.size();
        let idle = u32::try_from(pool.num_idle()).unwrap_or(size);
        let max = pool.options().get_max_connections();
        for (state, value) in [
            ("in_use", size.saturating_sub(idle)),
            ("idle", idle),
            ("max", max),
        ] {
            ::metrics::gauge!(names::POOL_CONNECTIONS, "pool" => schema.clone(), "state" => state)
                .set(f64::from(value));
        }
    });
}

async fn create_schema(conn: &mut PgConnection, quoted: &str) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CREATE_SCHEMA_LOCK)
        .execute(&mut *tx)
        .await?;
    tx.execute(AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS {quoted}"
    )))
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_schema_names_are_accepted() {
        assert_eq!(quoted_schema("carts").unwrap(), "\"carts\"");
        assert!(quoted_schema("orders_2").is_ok());
        for bad in ["", "Carts", "1x", "a-b", "a\"b", "a;drop", &"a".repeat(64)] {
            assert!(quoted_schema(bad).is_err(), "{bad}");
        }
    }
}

/// Against a real server: skipped (with a notice) when none is configured.
#[cfg(test)]
mod server_tests {
    use sqlx::migrate::MigrateError;

    use super::test_database::fresh_database;
    use super::*;
    use crate::schema::SchemaStep;

    const STEPS: &[SchemaStep] = &[
        SchemaStep {
            version: 1,
            description: "widgets",
            sql: "CREATE TABLE widgets (id BIGINT PRIMARY KEY)",
        },
        SchemaStep {
            version: 2,
            description: "widget names",
            sql: "ALTER TABLE widgets ADD COLUMN name TEXT",
        },
    ];

    async fn tables_in(pool: &PgPool, schema: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT table_name::TEXT FROM information_schema.tables
             WHERE table_schema = $1 ORDER BY table_name",
        )
        .bind(schema)
        .fetch_all(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn each_service_sees_only_the_tables_of_its_own_schema() {
        let Some(db) = fresh_database() else { return };
        let carts = connect(db.url(), "carts", 2).await.unwrap();
        let orders = connect(db.url(), "orders", 2).await.unwrap();
        migrate(&carts, STEPS).await.unwrap();

        sqlx::query("INSERT INTO widgets (id, name) VALUES (1, 'a')")
            .execute(&carts)
            .await
            .unwrap();
        let elsewhere = sqlx::query("SELECT id FROM widgets")
            .execute(&orders)
            .await
            .unwrap_err();
        assert!(
            elsewhere.to_string().contains("does not exist"),
            "{elsewhere}"
        );
        assert_eq!(
            tables_in(&carts, "carts").await,
            ["_sqlx_migrations", "widgets"],
            "the migrations table lives in the service's schema"
        );
        assert!(tables_in(&carts, "public").await.is_empty());
    }

    #[tokio::test]
    async fn replicas_starting_together_apply_each_step_once() {
        let Some(db) = fresh_database() else { return };
        let starts: Vec<_> = (0..6)
            .map(|_| {
                let url = db.url().to_owned();
                tokio::spawn(async move {
                    let pool = connect(&url, "orders", 2).await?;
                    migrate(&pool, STEPS).await?;
                    Ok::<_, MigrateError>(pool)
                })
            })
            .collect();
        let mut pools = Vec::new();
        for start in starts {
            pools.push(start.await.unwrap().expect("every replica starts"));
        }
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(&pools[0])
                .await
                .unwrap();
        assert_eq!(applied, [1, 2]);
    }

    #[tokio::test]
    async fn a_restart_applies_nothing_and_a_changed_step_is_refused() {
        let Some(db) = fresh_database() else { return };
        let pool = connect(db.url(), "catalog", 2).await.unwrap();
        migrate(&pool, STEPS).await.unwrap();
        migrate(&pool, STEPS).await.unwrap();

        let mut changed = STEPS.to_vec();
        changed[0].sql = "CREATE TABLE widgets (id INTEGER PRIMARY KEY)";
        assert!(matches!(
            migrate(&pool, &changed).await,
            Err(MigrateError::VersionMismatch(1))
        ));
        // The refused run left no lock behind: the next start still migrates.
        migrate(&pool, STEPS).await.unwrap();
    }

    /// A server that requires TLS (`sslmode=require`) is reached over TLS:
    /// sqlx is built with rustls. Debian's PostgreSQL, which the test
    /// command installs, has TLS on with its snake-oil certificate.
    #[tokio::test]
    async fn a_connection_that_requires_tls_gets_it() {
        let Some(db) = fresh_database() else { return };
        let separator = if db.url().contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}sslmode=require", db.url());
        let pool = connect(&url, "carts", 1)
            .await
            .unwrap_or_else(|e| panic!("sslmode=require: {e} (is ssl = on in postgresql.conf?)"));
        let over_tls: bool =
            sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(over_tls);
        // verify-full checks the certificate against the system's roots:
        // a self-signed one is refused, with a clear error.
        let url = format!("{}{separator}sslmode=verify-full", db.url());
        let refused = connect(&url, "carts", 1).await.unwrap_err();
        assert!(
            refused.to_string().to_lowercase().contains("certificate"),
            "{refused}"
        );
    }

    #[tokio::test]
    async fn a_bad_schema_name_is_refused_before_connecting() {
        let err = connect("postgres://nobody@127.0.0.1:1/none", "No-Good", 1)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("invalid schema name"), "{err}");
    }
}
