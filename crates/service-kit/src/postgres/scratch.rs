//! A database of its own on a PostgreSQL server, made for one piece of
//! work and dropped after it: a test (`test_database`), an experiment's
//! cell (`storefront experiment --database-url`). Created and dropped
//! through the server's URL, which must allow `CREATE DATABASE`.

use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// See the module documentation.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// A new, empty database named `<prefix><random hex>` on the server
    /// `admin_url` leads to.
    pub async fn create(admin_url: &str, prefix: &str) -> Result<Self, sqlx::Error> {
        let name = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
        statement(admin_url, format!("CREATE DATABASE {name}")).await?;
        Ok(Self {
            url: with_database(admin_url, &name),
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    /// The URL of this database (the server's URL with its name).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `sql` through the server's URL (on its own connection).
    pub async fn on_server(&self, sql: String) -> Result<(), sqlx::Error> {
        statement(&self.admin_url, sql).await
    }

    /// Drops the database, ending the connections still open to it.
    pub async fn drop_now(&self) -> Result<(), sqlx::Error> {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        statement(&self.admin_url, sql).await
    }
}

async fn statement(admin_url: &str, sql: String) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect(admin_url).await?;
    conn.execute(AssertSqlSafe(sql)).await?;
    conn.close().await
}

/// `url` with its database (the path) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_at(url.find('?').unwrap_or(url.len()));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    format!("{}/{database}{query}", &base[..path])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_swapped_and_the_rest_kept() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "t1"),
            "postgres://u:p@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
    }
}
