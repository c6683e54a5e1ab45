//! The `[store]` config section.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://path/showroom.db?mode=rwc` (embedded, one node) or `postgres://user:pw@host/db`
    /// (shared by several nodes). Empty: `sqlite://<data_dir>/showroom.db?mode=rwc`.
    pub url: String,
    /// Where the embedded database and the spool live by default.
    pub data_dir: PathBuf,
    /// Where segments wait while the database is unreachable. Empty: `<data_dir>/spool`. Keep it
    /// on local disk, per node: it is what makes an outage lose nothing.
    pub spool_dir: PathBuf,
    /// Connections in the pool (SQLite: readers; it has one writer at a time anyway).
    pub max_connections: u32,
    /// How long a write waits for a connection before the database counts as unreachable.
    pub acquire_timeout_ms: u64,
    /// SQLite: how long a write waits for another writer's lock.
    pub busy_timeout_ms: u64,
    /// How often the spool is retried while the database is unreachable.
    pub retry_interval_ms: u64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            data_dir: PathBuf::from("data"),
            spool_dir: PathBuf::new(),
            max_connections: 8,
            acquire_timeout_ms: 3_000,
            busy_timeout_ms: 5_000,
            retry_interval_ms: 2_000,
        }
    }
}

impl StoreConfig {
    /// A config for `url` with defaults for the rest.
    pub fn for_url(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        if self.url.is_empty() {
            format!("sqlite://{}/showroom.db?mode=rwc", self.data_dir.display())
        } else {
            self.url.clone()
        }
    }

    /// The spool directory in force.
    pub fn spool_dir(&self) -> PathBuf {
        if self.spool_dir.as_os_str().is_empty() {
            self.data_dir.join("spool")
        } else {
            self.spool_dir.clone()
        }
    }

    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms)
    }

    pub fn busy_timeout(&self) -> Duration {
        Duration::from_millis(self.busy_timeout_ms)
    }

    pub fn retry_interval(&self) -> Duration {
        Duration::from_millis(self.retry_interval_ms.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_put_everything_under_data_dir() {
        let c = StoreConfig::default();
        assert_eq!(c.database_url(), "sqlite://data/showroom.db?mode=rwc");
        assert_eq!(c.spool_dir(), PathBuf::from("data/spool"));
    }

    #[test]
    fn toml_section_overrides_defaults() {
        let c: StoreConfig = toml::from_str(
            r#"
            url = "postgres://showroom@db/showroom"
            data_dir = "/var/lib/showroom"
            max_connections = 20
            retry_interval_ms = 500
            "#,
        )
        .unwrap();
        assert_eq!(c.database_url(), "postgres://showroom@db/showroom");
        assert_eq!(c.spool_dir(), PathBuf::from("/var/lib/showroom/spool"));
        assert_eq!(c.max_connections, 20);
        assert_eq!(c.retry_interval(), Duration::from_millis(500));
        assert_eq!(c.busy_timeout(), Duration::from_secs(5));
        assert!(toml::from_str::<StoreConfig>("colour = 1").is_err());
    }
}
