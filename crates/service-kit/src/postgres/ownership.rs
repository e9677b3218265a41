//! One process owns a schema, for services whose correctness needs a single
//! writer (the carts service drives each checkout from one task in one
//! process). It is the PostgreSQL twin of [`crate::sqlite::OwnershipLock`]:
//! a session-level advisory lock held on a connection of its own, so it goes
//! away when the process dies (the server sees the connection close), even
//! after `kill -9`.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

#[derive(Debug, thiserror::Error)]
pub enum SchemaOwnershipError {
    #[error(
        "schema {0:?} is in use by another storefront process (one process owns this service's data)"
    )]
    InUse(String),
    #[error("cannot take the ownership lock: {0}")]
    Database(#[from] sqlx::Error),
}

/// Held for as long as the store is open; dropping it closes the connection
/// and with it the lock.
#[derive(Debug)]
pub struct SchemaOwnership {
    _connection: PgConnection,
}

impl SchemaOwnership {
    /// Takes the exclusive ownership lock of `schema` on the server at `url`.
    pub async fn acquire(url: &str, schema: &str) -> Result<Self, SchemaOwnershipError> {
        let options = PgConnectOptions::from_str(url)?;
        let mut connection = options.connect().await?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(lock_key(schema))
            .fetch_one(&mut connection)
            .await?;
        if !taken {
            connection.close().await.ok();
            return Err(SchemaOwnershipError::InUse(schema.to_owned()));
        }
        Ok(Self {
            _connection: connection,
        })
    }
}

/// A stable 64-bit key per schema (FNV-1a over a prefixed name), the same in
/// every process, apart from the keys other locks of ours use.
fn lock_key(schema: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "storefront-owner:".bytes().chain(schema.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postgres::test_database::fresh_database;

    #[test]
    fn keys_differ_per_schema_and_are_stable() {
        assert_ne!(lock_key("carts"), lock_key("orders"));
        assert_eq!(lock_key("carts"), lock_key("carts"));
    }

    #[tokio::test]
    async fn a_second_owner_is_refused_until_the_first_lets_go() {
        let Some(db) = fresh_database() else { return };
        let first = SchemaOwnership::acquire(db.url(), "carts").await.unwrap();
        let second = SchemaOwnership::acquire(db.url(), "carts")
            .await
            .unwrap_err();
        assert!(matches!(second, SchemaOwnershipError::InUse(ref s) if s == "carts"));
        // Another schema is another owner.
        let _orders = SchemaOwnership::acquire(db.url(), "orders").await.unwrap();
        drop(first);
        // The server notices the closed connection shortly; retry briefly.
        let mut again = None;
        for _ in 0..50 {
            if let Ok(lock) = SchemaOwnership::acquire(db.url(), "carts").await {
                again = Some(lock);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(again.is_some(), "the lock is free once its owner is gone");
    }
}
