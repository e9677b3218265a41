//! The owner lock: how replicas sharing one schema tell the work of a live
//! replica from that of a dead one (orders: pending attempts; carts: frozen
//! carts being placed).
//!
//! Each store takes a random 64-bit owner id and holds the session-level
//! advisory lock of that id on a connection of its own (outside the pool)
//! for as long as it is open; every piece of work it takes records the id.
//! The server drops a session's advisory locks when the session ends, and a
//! session ends when its process dies (`kill -9` closes the socket) or its
//! connection is lost. So a free lock means the work's owner can no longer
//! finish it through that session, and another replica may take it over:
//! [`owner_is_gone`] says so in SQL.
//!
//! Safety must never rest on this lock alone (a live replica whose lock
//! connection dropped looks dead for a moment): each service keeps its
//! guarantee in the database (orders: confirm and `mark_aborting` exclude
//! each other; carts: only the current owner reopens a cart). The keeper
//! below retakes the lock after such a loss so the window stays short.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// SQL that is true when no session holds the owner lock of `$column` (an
/// owner id column): the owner of that row's work is gone. A bigint advisory
/// lock shows in `pg_locks` as its high and low 32 bits.
#[macro_export]
macro_rules! owner_is_gone {
    ($column:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_locks l
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND l.classid = (",
            $column,
            " >> 32)::oid AND l.objid = (",
            $column,
            " & 4294967295)::oid)"
        )
    };
}

/// How often the keeper checks that its session (and so its lock) is alive.
const CHECK_EVERY: Duration = Duration::from_secs(5);
const RETAKE_DELAY: Duration = Duration::from_millis(500);

/// The held lock; dropping it ends the session without unlocking (as a
/// crash would); [`OwnerLock::release`] unlocks first.
pub struct OwnerLock {
    id: i64,
    stop: CancellationToken,
    keeper: Option<JoinHandle<()>>,
}

impl OwnerLock {
    pub async fn acquire(options: &PgConnectOptions) -> Result<Self, sqlx::Error> {
        loop {
            // Positive, so pg_locks' two 32-bit halves of it are simple to match.
            let id = (uuid::Uuid::new_v4().as_u64_pair().0 >> 1) as i64;
            let mut conn = options.connect().await?;
            if try_lock(&mut conn, id).await? {
                let stop = CancellationToken::new();
                let keeper = tokio::spawn(keep(conn, id, options.clone(), stop.clone()));
                return Ok(Self {
                    id,
                    stop,
                    keeper: Some(keeper),
                });
            }
            // Another session holds this id (a 2^-63 chance): draw again.
            conn.close().await?;
        }
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    /// Unlocks and closes the session, so others see this owner gone at once.
    pub async fn release(mut self) {
        self.stop.cancel();
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.await;
        }
    }
}

impl Drop for OwnerLock {
    fn drop(&mut self) {
        if let Some(keeper) = self.keeper.take() {
            keeper.abort();
        }
    }
}

async fn try_lock(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// Holds the session; on its loss retakes the same lock on a new one.
async fn keep(mut conn: PgConnection, id: i64, options: PgConnectOptions, stop: CancellationToken) {
    let mut check = tokio::time::interval(CHECK_EVERY);
    loop {
        tokio::select! {
            () = stop.cancelled() => {
                let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(id).execute(&mut conn).await;
                let _ = conn.close().await;
                return;
            }
            _ = check.tick() => {
                if conn.ping().await.is_ok() {
                    continue;
                }
                tracing::warn!(owner = id, "owner lock session lost; retaking it");
                match retake(&options, id, &stop).await {
                    Some(new) => conn = new,
                    None => return,
                }
            }
        }
    }
}

async fn retake(
    options: &PgConnectOptions,
    id: i64,
    stop: &CancellationToken,
) -> Option<PgConnection> {
    loop {
        if let Ok(mut conn) = options.connect().await
            && let Ok(true) = try_lock(&mut conn, id).await
        {
            tracing::info!(owner = id, "owner lock retaken");
            return Some(conn);
        }
        tokio::select! {
            () = stop.cancelled() => return None,
            () = tokio::time::sleep(RETAKE_DELAY) => {}
        }
    }
}
