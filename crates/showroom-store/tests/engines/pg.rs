//! Throwaway PostgreSQL servers for the tests, from Debian's binaries
//! (`/usr/lib/postgresql/<version>/bin`). `initdb` runs once into a template data directory;
//! each server is a copy of it on its own free port, so a test that stops its server does not
//! disturb the others. PostgreSQL refuses to run as root: as root every command runs as the
//! `postgres` user (`runuser`), in a temp directory owned by that user.
//!
//! With `SHOWROOM_TEST_PG_URL` set, ordinary cases use that server instead (one database per
//! case); cases that must stop their server still start a local one.

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use sqlx::Connection;

pub const MISSING: &str = "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin \
     (initdb, pg_ctl, postgres): run scripts/deps.sh, which installs Debian's `postgresql` package";

/// The newest `/usr/lib/postgresql/<version>/bin` that has what the tests run.
fn find_bin_dir() -> Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| anyhow!(MISSING))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| bin.join(b).is_file())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| anyhow!(MISSING))
}

fn running_as_root() -> bool {
    // The owner of /proc/self is this process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The initdb'd template and the binaries; makes servers.
pub struct PgTemplate {
    bin: PathBuf,
    as_postgres: bool,
    root: tempfile::TempDir,
    template: PathBuf,
}

impl PgTemplate {
    pub fn init() -> Result<PgTemplate> {
        let bin = find_bin_dir()?;
        let as_postgres = running_as_root();
        let root = tempfile::Builder::new().prefix("showroom-pg-").tempdir()?;
        if as_postgres {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(root.path()))?;
        }
        let t = PgTemplate {
            template: root.path().join("template"),
            bin,
            as_postgres,
            root,
        };
        let mut initdb = t.command("initdb");
        initdb.arg("-D").arg(&t.template).args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        run(&mut initdb).context("initdb")?;
        Ok(t)
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// A new running server, a copy of the template.
    pub fn server(self: &Arc<Self>, name: &str) -> Result<PgServer> {
        let data = self.root.path().join(name);
        // `cp -a` keeps the postgres user's ownership and the 0700 mode PostgreSQL insists on.
        run(Command::new("cp").arg("-a").arg(&self.template).arg(&data))?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut server = PgServer {
            template: self.clone(),
            data,
            port,
            running: false,
        };
        server.start()?;
        Ok(server)
    }
}

/// One PostgreSQL server; stopped when dropped.
pub struct PgServer {
    template: Arc<PgTemplate>,
    data: PathBuf,
    port: u16,
    running: bool,
}

impl PgServer {
    pub fn start(&mut self) -> Result<()> {
        // fsync off: a throwaway cluster; the tests are about the store, not PostgreSQL's disk.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            self.data.display()
        );
        let mut c = self.template.command("pg_ctl");
        c.arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.log())
            .args(["-w", "-t", "60", "-o", &options, "start"]);
        run(&mut c).with_context(|| format!("pg_ctl start; log: {}", self.log_tail()))?;
        self.running = true;
        Ok(())
    }

    /// Stops the server (fast shutdown: sessions are disconnected, as in a real outage).
    pub fn stop(&mut self) -> Result<()> {
        let mut c = self.template.command("pg_ctl");
        c.arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "60", "stop"]);
        run(&mut c).context("pg_ctl stop")?;
        self.running = false;
        Ok(())
    }

    /// A URL for `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    pub async fn create_database(&self, name: &str) -> Result<String> {
        create_database(&self.url("postgres"), name).await?;
        Ok(self.url(name))
    }

    fn log(&self) -> PathBuf {
        self.data.with_extension("log")
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        text.lines()
            .rev()
            .take(10)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.running {
            let mut c = self.template.command("pg_ctl");
            c.arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "-w", "stop"]);
            let _ = c.output();
        }
    }
}

/// Creates database `name` through the admin URL `admin_url`.
pub async fn create_database(admin_url: &str, name: &str) -> Result<()> {
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .with_context(|| format!("connect {admin_url}"))?;
    sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// `url` with its database replaced by `database` (query string kept).
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(q) = query {
        out = format!("{out}?{q}");
    }
    out
}

fn run(c: &mut Command) -> Result<()> {
    let out = c.output().with_context(|| format!("running {c:?}"))?;
    if !out.status.success() {
        bail!(
            "{c:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}
