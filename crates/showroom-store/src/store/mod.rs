//! [`Store`]: one interface over an embedded SQLite file or a shared PostgreSQL server.
//!
//! Why two typed pools behind an enum rather than `sqlx::Any`: `Any` carries only primitive
//! values (no TIMESTAMPTZ, JSONB, chrono or serde_json types, so PostgreSQL would hold text
//! where reporting tools expect real types), it takes its options from the URL alone (no WAL,
//! `synchronous` or busy timeout for SQLite), and the search work that comes next needs
//! engine-specific SQL anyway (FTS5 vs tsvector). The SQL text is still shared: `$n`
//! placeholders, `ON CONFLICT`, `excluded.` and `RETURNING` mean the same on both engines, and
//! [`with_pool!`] expands each method's single body once per pool, so there is one code path to
//! read and one test suite that runs it on both. Where the text must differ, [`Engine`] picks it.

mod calls;
mod desk;
mod review;
mod search;
mod transcript;

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{StoreConfig, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`Store`] talks to, from the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn from_url(url: &str) -> Result<Engine, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the store's concrete pool: the same SQL and the same Rust,
/// compiled once per engine.
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}
use with_pool;

/// The durable store. Cheap to clone (a pool handle). Every write is idempotent where a record
/// has a natural key, so the spool can replay it.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Connects to the database named by `config` and brings its schema up to date.
    pub async fn open(config: &StoreConfig) -> Result<Store, StoreError> {
        let url = config.database_url();
        let pool = match Engine::from_url(&url)? {
            Engine::Sqlite => {
                // WAL lets readers (reviewers) run beside the live writer; FULL makes each
                // committed segment survive power loss, as the spool's fsync does.
                let options = SqliteConnectOptions::from_str(&url)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(config.busy_timeout());
                create_parent_dir(&options).await?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(config.max_connections.max(1))
                    .acquire_timeout(config.acquire_timeout())
                    .connect_with(options)
                    .await?;
                SQLITE_MIGRATIONS.run(&pool).await?;
                Pool::Sqlite(pool)
            }
            Engine::Postgres => {
                let options = PgConnectOptions::from_str(&url)?.application_name("showroom");
                let pool = PgPoolOptions::new()
                    .max_connections(config.max_connections.max(1))
                    .acquire_timeout(config.acquire_timeout())
                    .connect_with(options)
                    .await?;
                // sqlx holds an advisory lock while migrating: nodes starting together are safe.
                POSTGRES_MIGRATIONS.run(&pool).await?;
                Pool::Postgres(pool)
            }
        };
        tracing::debug!(engine = ?engine_of(&pool), "store opened");
        Ok(Store { pool })
    }

    pub fn engine(&self) -> Engine {
        engine_of(&self.pool)
    }

    /// Closes every connection; pending queries finish first.
    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }
}

fn engine_of(pool: &Pool) -> Engine {
    match pool {
        Pool::Sqlite(_) => Engine::Sqlite,
        Pool::Postgres(_) => Engine::Postgres,
    }
}

/// SQLite creates the file but not its directory; the default `data/` may not exist yet.
async fn create_parent_dir(options: &SqliteConnectOptions) -> Result<(), StoreError> {
    // An in-memory database's name ("file:sqlx-in-memory-N") has an empty parent.
    match options.get_filename().parent() {
        Some(dir) if !dir.as_os_str().is_empty() => tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| StoreError::Database(sqlx::Error::Io(e))),
        _ => Ok(()),
    }
}

/// A foreign-key violation on a child row means its call is not stored.
fn missing_call(e: sqlx::Error, call: &crate::CallId) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation => {
            StoreError::CallNotFound(call.clone())
        }
        _ => StoreError::Database(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_from_url() {
        for (url, engine) in [
            ("sqlite://data/showroom.db?mode=rwc", Some(Engine::Sqlite)),
            ("sqlite::memory:", Some(Engine::Sqlite)),
            ("postgres://u@h/db", Some(Engine::Postgres)),
            ("postgresql://u@h/db", Some(Engine::Postgres)),
            ("mysql://u@h/db", None),
            ("data/showroom.db", None),
        ] {
            assert_eq!(Engine::from_url(url).ok(), engine, "{url}");
        }
    }
}
