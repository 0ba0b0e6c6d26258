//! The storage section of [`crate::config::Config`]: which database, and its pool.

use crate::error::{Result, redact};
use crate::setting;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Where the library, usage, keys, events and budget ledger live.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `DATABASE_URL` (`sqlite://splants.db`); also `postgres://…`, `postgresql://…`, `memory://`.
    pub url: String,
    /// The connection pool.
    pub pool: PoolConfig,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig { url: "sqlite://splants.db".to_owned(), pool: PoolConfig::default() }
    }
}

impl StorageConfig {
    /// Checks every setting; the error names it (`storage.url`, `storage.pool.max_connections`).
    pub fn validate(&self) -> Result<()> {
        // Every `sqlite:` form (`sqlite::memory:`, SQLAlchemy's `sqlite:///…`) is read, or
        // refused with the accepted forms, by `storage::open`.
        if !self.url.starts_with("sqlite:") {
            setting::check_url("storage.url", Some(&self.url), &["sqlite", "postgres", "postgresql", "memory"])?;
        }
        self.pool.validate()
    }
}

impl fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageConfig").field("url", &redact(&self.url)).field("pool", &self.pool).finish()
    }
}

/// A database connection pool (the original app's asyncpg pool: 5..20 connections, 30 s to
/// connect, 60 s per statement, idle connections closed after 300 s).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoolConfig {
    /// `SPLANTS_DB_MIN_CONNECTIONS` (5): connections a Postgres pool keeps open.
    pub min_connections: u32,
    /// `SPLANTS_DB_MAX_CONNECTIONS` (20; 1..=1000): most connections per pool (Postgres;
    /// SQLite readers).
    pub max_connections: u32,
    /// `SPLANTS_DB_ACQUIRE_TIMEOUT_SECS` (30; 1..=3600): longest wait to connect at start or for
    /// a free connection per call (SQLite: also its busy timeout).
    #[serde(deserialize_with = "setting::seconds")]
    pub acquire_timeout: Duration,
    /// `SPLANTS_DB_STATEMENT_TIMEOUT_SECS` (60, 0 = none): Postgres `statement_timeout`.
    #[serde(deserialize_with = "setting::seconds")]
    pub statement_timeout: Duration,
    /// `SPLANTS_DB_IDLE_TIMEOUT_SECS` (300, 0 = never): an idle pooled connection is closed after this.
    #[serde(deserialize_with = "setting::seconds")]
    pub idle_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            min_connections: 5,
            max_connections: 20,
            acquire_timeout: Duration::from_secs(30),
            statement_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(300),
        }
    }
}

impl PoolConfig {
    /// Checks every setting; the error names it (`storage.pool.max_connections`).
    pub fn validate(&self) -> Result<()> {
        setting::check_range("storage.pool.max_connections", self.max_connections, 1, 1000)?;
        if self.min_connections > self.max_connections {
            return Err(crate::error::Error::config(
                "storage.pool.min_connections",
                format!("{} is more than the most connections ({})", self.min_connections, self.max_connections),
            ));
        }
        if self.acquire_timeout.is_zero() || self.acquire_timeout > Duration::from_secs(3600) {
            return Err(crate::error::Error::config("storage.pool.acquire_timeout", "must be 1..=3600 seconds"));
        }
        Ok(())
    }
}
