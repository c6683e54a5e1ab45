//! The store's errors, and which of them mean "the database is not there right now".

use std::path::PathBuf;

use crate::CallId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url {0:?}: expected sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("no call {0}")]
    CallNotFound(CallId),
    #[error("an override needs a comment")]
    EmptyComment,
    /// The reviewer's query cannot run; the message says why.
    #[error(transparent)]
    Query(#[from] crate::search::QueryError),
    #[error("invalid record: {0}")]
    Invalid(String),
    #[error("unexpected value {value:?} for {column} in the database")]
    Corrupt { column: &'static str, value: String },
    #[error("spool {path}: {source}")]
    Spool {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// True when retrying later may succeed: the database is unreachable, restarting, locked or
    /// out of space. False for errors in the data or the program (a constraint violation, an
    /// unknown call), which no amount of waiting fixes.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database(e) => is_transient_sqlx(e),
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => is_transient_sqlx(e),
            _ => false,
        }
    }
}

fn is_transient_sqlx(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                is_transient_sqlstate(pg.code())
            } else if let Some(code) = db.code() {
                code.parse::<i32>().is_ok_and(is_transient_sqlite)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// SQLSTATE classes 08 (connection), 40 (serialization, deadlock), 53 (insufficient
/// resources), 57 (operator intervention: shutdown, restart) and 58 (system I/O).
fn is_transient_sqlstate(code: &str) -> bool {
    matches!(code.get(..2), Some("08" | "40" | "53" | "57" | "58"))
}

/// SQLite primary result codes (the low byte of an extended code): BUSY, LOCKED, NOMEM,
/// READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
fn is_transient_sqlite(extended: i32) -> bool {
    matches!(extended & 0xff, 5 | 6 | 7 | 8 | 10 | 13 | 14 | 15)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstate_classes() {
        for (code, transient) in [
            ("08006", true),  // connection failure
            ("57P01", true),  // admin shutdown
            ("57P03", true),  // cannot connect now (starting up)
            ("40001", true),  // serialization failure
            ("53300", true),  // too many connections
            ("23505", false), // unique violation
            ("23514", false), // check violation
            ("42P01", false), // undefined table: a bug, not an outage
            ("22P02", false), // invalid text representation
        ] {
            assert_eq!(is_transient_sqlstate(code), transient, "{code}");
        }
    }

    #[test]
    fn sqlite_codes() {
        for (code, transient) in [
            (5, true),     // SQLITE_BUSY
            (517, true),   // SQLITE_BUSY_SNAPSHOT
            (6, true),     // SQLITE_LOCKED
            (10, true),    // SQLITE_IOERR
            (778, true),   // SQLITE_IOERR_WRITE
            (13, true),    // SQLITE_FULL
            (14, true),    // SQLITE_CANTOPEN
            (19, false),   // SQLITE_CONSTRAINT
            (787, false),  // SQLITE_CONSTRAINT_FOREIGNKEY
            (2067, false), // SQLITE_CONSTRAINT_UNIQUE
            (1, false),    // SQLITE_ERROR (bad SQL)
        ] {
            assert_eq!(is_transient_sqlite(code), transient, "{code}");
        }
    }

    #[test]
    fn outages_are_transient_and_data_errors_are_not() {
        let io = StoreError::Database(sqlx::Error::Io(
            std::io::ErrorKind::ConnectionRefused.into(),
        ));
        assert!(io.is_transient());
        assert!(StoreError::Database(sqlx::Error::PoolTimedOut).is_transient());
        assert!(!StoreError::Database(sqlx::Error::RowNotFound).is_transient());
        assert!(!StoreError::CallNotFound(CallId::from("c")).is_transient());
        assert!(!StoreError::EmptyComment.is_transient());
    }
}
