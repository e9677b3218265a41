//! Fresh PostgreSQL databases for tests, one per test, dropped afterwards.
//!
//! The server comes from `STOREFRONT_TEST_POSTGRES_URL` (a superuser URL;
//! `scripts/test.sh` sets it up). Without it the PostgreSQL tests skip with a
//! notice, unless `STOREFRONT_REQUIRE_POSTGRES=1` (as in CI), where a missing
//! server is a failure: the suite can never pass by silently not running.
//!
//! The functions here block (each runs its work on a thread with its own
//! runtime), so they work the same from sync and async tests.

use std::future::Future;

use super::ScratchDatabase;
use crate::database::{DatabaseLocation, redact_password};

/// The server the PostgreSQL tests use.
pub const URL_VAR: &str = "STOREFRONT_TEST_POSTGRES_URL";
/// When `1`, a missing [`URL_VAR`] fails the test instead of skipping it.
pub const REQUIRE_VAR: &str = "STOREFRONT_REQUIRE_POSTGRES";

/// A database of its own for one test; dropped (best effort) on drop.
#[derive(Debug)]
pub struct TestDatabase {
    database: ScratchDatabase,
}

impl TestDatabase {
    /// The URL of this test's database.
    pub fn url(&self) -> &str {
        self.database.url()
    }

    /// Makes the database refuse every connection, ending those open now
    /// (`false`), or accept them again (`true`): the database down and back,
    /// for one test, while the server keeps serving the others.
    pub fn set_reachable(&self, reachable: bool) {
        let name = self.database.name();
        let allow = format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {reachable}");
        let terminate = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        );
        on_own_runtime(|| async {
            self.database.on_server(allow).await?;
            if !reachable {
                self.database.on_server(terminate).await?;
            }
            Ok::<_, sqlx::Error>(())
        })
        .unwrap_or_else(|e| panic!("cannot change whether {name} is reachable: {e}"));
    }

    /// Where a service named `schema` keeps its tables in this database.
    pub fn location(&self, schema: &str) -> DatabaseLocation {
        DatabaseLocation::Postgres {
            url: self.url().to_owned(),
            schema: schema.to_owned(),
        }
    }
}

/// A new, empty database on the test server, or `None` (with a notice) when
/// no server is configured and none is required.
pub fn fresh_database() -> Option<TestDatabase> {
    let admin_url = match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
                panic!("{REQUIRE_VAR}=1 but {URL_VAR} is not set: the PostgreSQL tests cannot run");
            }
            eprintln!("notice: {URL_VAR} is not set; skipping a PostgreSQL test");
            return None;
        }
    };
    match on_own_runtime(|| ScratchDatabase::create(&admin_url, "sf_test_")) {
        Ok(database) => Some(TestDatabase { database }),
        Err(e) => panic!(
            "cannot create a test database on {}: {e}",
            redact_password(&admin_url)
        ),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // FORCE ends connections a test's pools still hold.
        if let Err(e) = on_own_runtime(|| self.database.drop_now()) {
            eprintln!(
                "notice: could not drop test database {}: {e}",
                self.database.name()
            );
        }
    }
}

/// Runs a future to completion on a new thread with its own runtime, so it
/// can be called from inside or outside a tokio runtime alike.
fn on_own_runtime<F, T>(make: impl FnOnce() -> F + Send) -> T
where
    F: Future<Output = T>,
    T: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a test runtime")
                    .block_on(make())
            })
            .join()
            .expect("the test database thread panicked")
    })
}
