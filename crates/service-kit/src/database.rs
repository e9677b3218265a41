//! Where a service keeps its data: a SQLite file of its own (the default),
//! or a schema of its own on a PostgreSQL server when given a `postgres://`
//! URL. Either way a service only ever sees its own tables.

use std::fmt;
use std::path::PathBuf;

/// A service's database, chosen once at start from configuration.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file owned by this process.
    Sqlite(PathBuf),
    /// A schema on a PostgreSQL server; `schema` is created if absent.
    Postgres { url: String, schema: String },
}

/// A database URL this program cannot use.
#[derive(Debug, thiserror::Error)]
#[error(
    "unsupported database URL {0:?}: expected postgres://… or postgresql://… (or none for SQLite)"
)]
pub struct UnsupportedDatabaseUrl(String);

impl DatabaseLocation {
    /// The PostgreSQL schema named after `role` on the server at
    /// `database_url`, or the SQLite file `sqlite_path` when no URL is set.
    /// A URL of another kind is refused rather than silently ignored.
    pub fn choose(
        database_url: Option<&str>,
        role: &str,
        sqlite_path: impl Into<PathBuf>,
    ) -> Result<Self, UnsupportedDatabaseUrl> {
        match database_url.map(str::trim).filter(|url| !url.is_empty()) {
            None => Ok(Self::Sqlite(sqlite_path.into())),
            Some(url) if is_postgres_url(url) => Ok(Self::Postgres {
                url: url.to_owned(),
                schema: role.to_owned(),
            }),
            Some(url) => Err(UnsupportedDatabaseUrl(redact_password(url))),
        }
    }
}

/// Whether `url` names a PostgreSQL server.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The URL with its password (if any) replaced, for logs and messages.
pub fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let Some(colon) = authority[..at].find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:***{}",
        &url[..scheme_end],
        &authority[..colon],
        &rest[at..]
    )
}

impl fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "SQLite file {}", path.display()),
            Self::Postgres { url, schema } => {
                write!(f, "PostgreSQL {} (schema {schema})", redact_password(url))
            }
        }
    }
}

/// Same as `Display`: a location must never print its password.
impl fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_gives_the_role_its_own_schema() {
        for url in ["postgres://u:p@h/db", "postgresql://h/db"] {
            assert_eq!(
                DatabaseLocation::choose(Some(url), "carts", "data/carts.db").unwrap(),
                DatabaseLocation::Postgres {
                    url: url.into(),
                    schema: "carts".into()
                }
            );
        }
    }

    #[test]
    fn no_url_means_the_sqlite_file_and_other_urls_are_refused() {
        for none in [None, Some(""), Some("  ")] {
            assert_eq!(
                DatabaseLocation::choose(none, "carts", "data/carts.db").unwrap(),
                DatabaseLocation::Sqlite("data/carts.db".into())
            );
        }
        let err =
            DatabaseLocation::choose(Some("mysql://u:secret@h/db"), "carts", "x").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_password("postgres://sf:secret@127.0.0.1:5432/postgres?x=1"),
            "postgres://sf:***@127.0.0.1:5432/postgres?x=1"
        );
        assert_eq!(redact_password("postgres://sf@h/db"), "postgres://sf@h/db");
        assert_eq!(redact_password("postgres://h/db"), "postgres://h/db");
        let location = DatabaseLocation::Postgres {
            url: "postgres://sf:secret@h/db".into(),
            schema: "orders".into(),
        };
        assert_eq!(
            format!("{location:?}"),
            "PostgreSQL postgres://sf:***@h/db (schema orders)"
        );
    }
}
