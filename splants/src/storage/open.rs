//! `open`: the storage and budget ledger a `DATABASE_URL` names.

use super::StorageConfig;
use super::{MemoryStorage, Storage};
use crate::budget::{BudgetLedger, MemoryLedger};
use crate::error::{Error, Result, redact};
use std::sync::Arc;

/// Opens the store and budget ledger at `config.url` (`DATABASE_URL`):
/// `sqlite://path` (feature `sqlite`, the default), `postgres://…` or `postgresql://…`
/// (feature `postgres`), `memory://` (both in process memory, nothing kept).
///
/// The SQL backends return one object as both, so content and budget live in one database.
/// A scheme whose feature is off is a config error on `DATABASE_URL` naming the feature; an
/// unreachable database is a `storage_error` within `config.pool.acquire_timeout`.
pub async fn open(config: &StorageConfig) -> Result<(Arc<dyn Storage>, Arc<dyn BudgetLedger>)> {
    let url = config.url.as_str();
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    match scheme.as_str() {
        "memory" => Ok((Arc::new(MemoryStorage::new()), Arc::new(MemoryLedger::new()))),
        "sqlite" => open_sqlite(url, config).await,
        "postgres" | "postgresql" => open_postgres(url, config).await,
        _ => Err(Error::config(
            "DATABASE_URL",
            format!("`{}` is not a sqlite://, postgres://, postgresql:// or memory:// URL", redact(url)),
        )),
    }
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(url: &str, config: &StorageConfig) -> Result<(Arc<dyn Storage>, Arc<dyn BudgetLedger>)> {
    let store = Arc::new(super::SqliteStorage::connect(url, &config.pool).await?);
    Ok((store.clone(), store))
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_url: &str, _config: &StorageConfig) -> Result<(Arc<dyn Storage>, Arc<dyn BudgetLedger>)> {
    Err(Error::config("DATABASE_URL", "a sqlite:// URL needs splants built with the `sqlite` feature"))
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str, config: &StorageConfig) -> Result<(Arc<dyn Storage>, Arc<dyn BudgetLedger>)> {
    let store = Arc::new(super::PostgresStorage::connect(url, &config.pool).await?);
    Ok((store.clone(), store))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str, _config: &StorageConfig) -> Result<(Arc<dyn Storage>, Arc<dyn BudgetLedger>)> {
    Err(Error::config("DATABASE_URL", "a postgres:// URL needs splants built with the `postgres` feature"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> StorageConfig {
        StorageConfig { url: url.to_owned(), ..StorageConfig::default() }
    }

    fn config_field(r: Result<(Arc<dyn Storage>, Arc<dyn BudgetLedger>)>) -> (String, String) {
        match r {
            Err(Error::Config { field, reason }) => (field, reason),
            Err(other) => panic!("expected a config error, got {other:?}"),
            Ok(_) => panic!("expected a config error, got a store"),
        }
    }

    #[tokio::test]
    async fn memory_and_unknown_schemes() {
        let (s, _) = open(&at("memory://")).await.unwrap();
        assert_eq!(s.backend(), "memory");
        let (field, reason) = config_field(open(&at("mysql://u:hunter2@db/x")).await);
        assert_eq!(field, "DATABASE_URL");
        assert!(reason.contains("postgres://") && !reason.contains("hunter2"), "{reason}");
    }

    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn postgres_without_its_feature_names_the_feature() {
        let (field, reason) = config_field(open(&at("postgres://u@localhost/x")).await);
        assert_eq!((field.as_str(), reason.contains("`postgres` feature")), ("DATABASE_URL", true));
    }

    #[cfg(not(feature = "sqlite"))]
    #[tokio::test]
    async fn sqlite_without_its_feature_names_the_feature() {
        let (field, reason) = config_field(open(&at("sqlite://x.db")).await);
        assert_eq!((field.as_str(), reason.contains("`sqlite` feature")), ("DATABASE_URL", true));
    }
}
