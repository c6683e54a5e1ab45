//! What a case gets: a fresh database on its engine, a config pointing at it, and databases it
//! can take down and bring back.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use showroom_store::{Store, StoreConfig};
use sqlx::Connection;

use crate::pg::{self, PgServer, PgTemplate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Sqlite,
    Postgres,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Sqlite => "sqlite",
            Target::Postgres => "postgres",
        }
    }
}

/// The PostgreSQL side of the suite, set up once per test binary.
pub struct Pg {
    template: Result<Arc<PgTemplate>, String>,
    /// Admin URL of the server ordinary cases share.
    shared_url: Result<String, String>,
    _shared: Option<PgServer>,
    /// Databases made on the shared server, dropped at the end when it is not ours.
    created: Mutex<Vec<String>>,
}

impl Pg {
    pub fn start() -> Pg {
        let template = PgTemplate::init()
            .map(Arc::new)
            .map_err(|e| format!("{e:#}"));
        if let Ok(url) = std::env::var("SHOWROOM_TEST_PG_URL") {
            return Pg {
                template,
                shared_url: Ok(url),
                _shared: None,
                created: Mutex::default(),
            };
        }
        match template.as_ref().map(|t| t.server("shared")) {
            Ok(Ok(server)) => Pg {
                shared_url: Ok(server.url("postgres")),
                _shared: Some(server),
                template,
                created: Mutex::default(),
            },
            Ok(Err(e)) => Pg {
                shared_url: Err(format!("{e:#}")),
                _shared: None,
                template,
                created: Mutex::default(),
            },
            Err(e) => Pg {
                shared_url: Err(e.clone()),
                _shared: None,
                template,
                created: Mutex::default(),
            },
        }
    }

    /// No PostgreSQL trial selected: start nothing.
    pub fn disabled() -> Pg {
        let off = "PostgreSQL not started (no PostgreSQL trial selected)";
        Pg {
            template: Err(off.into()),
            shared_url: Err(off.into()),
            _shared: None,
            created: Mutex::default(),
        }
    }

    /// Drops the databases the cases made on a server that is not ours (a throwaway server
    /// is deleted whole).
    pub async fn drop_databases(&self) -> Result<()> {
        let (Ok(admin), None) = (&self.shared_url, &self._shared) else {
            return Ok(());
        };
        let names = std::mem::take(&mut *self.created.lock().unwrap());
        let mut conn = sqlx::PgConnection::connect(admin).await?;
        for name in names {
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await?;
        }
        conn.close().await?;
        Ok(())
    }

    pub fn describe(&self) -> String {
        match (
            &self.shared_url,
            std::env::var("SHOWROOM_TEST_PG_URL").is_ok(),
        ) {
            (Ok(url), true) => format!("PostgreSQL at SHOWROOM_TEST_PG_URL ({url})"),
            (Ok(url), false) => format!("throwaway PostgreSQL at {url}"),
            (Err(e), _) => format!("no PostgreSQL: {e}"),
        }
    }
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    )
}

/// One case's surroundings.
pub struct Env {
    pub target: Target,
    pub dir: tempfile::TempDir,
    pg: Arc<Pg>,
}

impl Env {
    pub fn new(target: Target, pg: Arc<Pg>) -> Result<Env> {
        Ok(Env {
            target,
            dir: tempfile::Builder::new()
                .prefix("showroom-store-")
                .tempdir()?,
            pg,
        })
    }

    /// A URL of a new, empty database.
    pub async fn fresh_url(&self) -> Result<String> {
        match self.target {
            Target::Sqlite => Ok(format!(
                "sqlite://{}?mode=rwc",
                self.dir.path().join(unique_name("db")).display()
            )),
            Target::Postgres => {
                let admin = self.pg.shared_url.as_ref().map_err(|e| anyhow!("{e}"))?;
                let name = unique_name("case");
                pg::create_database(admin, &name).await?;
                self.pg.created.lock().unwrap().push(name.clone());
                Ok(pg::with_database(admin, &name))
            }
        }
    }

    /// Short timeouts: an outage is noticed within a second.
    pub fn config(&self, url: &str) -> StoreConfig {
        StoreConfig {
            url: url.to_owned(),
            data_dir: self.dir.path().to_owned(),
            spool_dir: self.dir.path().join("spool"),
            max_connections: 4,
            acquire_timeout_ms: 1_000,
            busy_timeout_ms: 200,
            retry_interval_ms: 20,
        }
    }

    /// A store on a fresh database.
    pub async fn store(&self) -> Result<Store> {
        let url = self.fresh_url().await?;
        Store::open(&self.config(&url))
            .await
            .with_context(|| format!("open {url}"))
    }

    /// A database this case may take down: while the live path is writing (`Outage::MidCall`),
    /// or from the start (`Outage::AtStart`, returned down).
    pub async fn outage_db(&self, kind: Outage) -> Result<OutageDb> {
        match (self.target, kind) {
            (Target::Sqlite, Outage::MidCall) => Ok(OutageDb::SqliteLocked {
                url: self.fresh_url().await?,
                holder: None,
            }),
            (Target::Sqlite, Outage::AtStart) => {
                // The database's directory cannot be made: a regular file sits where it goes.
                let blocker = self.dir.path().join("blocked");
                std::fs::write(&blocker, "not a directory")?;
                let url = format!("sqlite://{}/showroom.db?mode=rwc", blocker.display());
                Ok(OutageDb::SqliteBadPath { url, blocker })
            }
            (Target::Postgres, kind) => {
                let template = self.pg.template.as_ref().map_err(|e| anyhow!("{e}"))?;
                let server = template.server(&unique_name("outage"))?;
                let url = server.create_database("showroom").await?;
                let mut db = OutageDb::Postgres { server, url };
                if kind == Outage::AtStart {
                    db.down().await?;
                }
                Ok(db)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    MidCall,
    AtStart,
}

pub enum OutageDb {
    /// Another connection holds SQLite's write lock (as a backup or a second process would):
    /// writes fail with SQLITE_BUSY after the busy timeout.
    SqliteLocked {
        url: String,
        holder: Option<sqlx::SqliteConnection>,
    },
    /// The database's path cannot be created.
    SqliteBadPath { url: String, blocker: PathBuf },
    /// A real server, stopped and started.
    Postgres { server: PgServer, url: String },
}

impl OutageDb {
    pub fn url(&self) -> &str {
        match self {
            OutageDb::SqliteLocked { url, .. }
            | OutageDb::SqliteBadPath { url, .. }
            | OutageDb::Postgres { url, .. } => url,
        }
    }

    pub async fn down(&mut self) -> Result<()> {
        match self {
            OutageDb::SqliteLocked { url, holder } => {
                let mut conn = sqlx::SqliteConnection::connect(url).await?;
                sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut conn).await?;
                *holder = Some(conn);
            }
            OutageDb::SqliteBadPath { blocker, .. } => std::fs::write(blocker, "not a directory")?,
            OutageDb::Postgres { server, .. } => server.stop()?,
        }
        Ok(())
    }

    pub async fn up(&mut self) -> Result<()> {
        match self {
            OutageDb::SqliteLocked { holder, .. } => {
                if let Some(mut conn) = holder.take() {
                    sqlx::raw_sql("ROLLBACK").execute(&mut conn).await?;
                    conn.close().await?;
                }
            }
            OutageDb::SqliteBadPath { blocker, .. } => std::fs::remove_file(blocker)?,
            OutageDb::Postgres { server, .. } => server.start()?,
        }
        Ok(())
    }
}

/// Runs one statement on a connection of its own, bypassing the store.
pub async fn raw_execute(url: &str, sql: &str) -> Result<(), sqlx::Error> {
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await?;
        sqlx::raw_sql(sql).execute(&mut c).await?;
    } else {
        let mut c = sqlx::PgConnection::connect(url).await?;
        sqlx::raw_sql(sql).execute(&mut c).await?;
    }
    Ok(())
}
