//! Which database failures are worth a retry (PostgreSQL's, and SQLite's
//! busy/locked codes for stores that share one code path on both).

/// Whether `error` is a passing condition (the server restarting, a lost
/// connection, an exhausted pool, a serialization or deadlock abort) rather
/// than a bug or bad data: stores map these to "unavailable" so the caller
/// answers 503 and clients retry, instead of a 500.
pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 40001 serialization_failure, 40P01 deadlock_detected,
            // 08xxx connection exceptions, 57P0x operator intervention
            // (admin shutdown, crash shutdown, cannot connect now).
            // 53xxx insufficient resources (53100 disk_full, 53200
            // out_of_memory, 53300 too_many_connections).
            code == "40001" || code == "40P01" || code.starts_with("08") || code.starts_with("57P0")
                || code.starts_with("53")
                // SQLite: SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR and
                // SQLITE_FULL (the disk is full), plain or extended (short
                // numbers; PostgreSQL's codes are five characters).
                || (code.len() < 5
                    && matches!(code.parse::<i32>().map(|c| c & 0xff), Ok(5 | 6 | 10 | 13)))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_and_pool_timeouts_are_transient_bad_sql_is_not() {
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(is_transient(&sqlx::Error::Io(reset)));
        assert!(is_transient(&sqlx::Error::PoolTimedOut));
        assert!(!is_transient(&sqlx::Error::RowNotFound));
        assert!(!is_transient(&sqlx::Error::ColumnNotFound("x".into())));
    }
}
