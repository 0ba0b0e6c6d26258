//! `open`: the stores a `DATABASE_URL` names.

use super::{StorageConfig, Stores};
use crate::error::{Error, Result, redact};

/// Opens every store at `config.url` (`DATABASE_URL`): `sqlite://path` (feature `sqlite`, the
/// default), `postgres://…` or `postgresql://…` (feature `postgres`), `memory://`
/// ([`Stores::memory`], nothing kept).
///
/// A SQL backend is every store at once, so content, usage, keys, events and budget live in one
/// database. A scheme whose feature is off is a config error on `DATABASE_URL` naming the
/// feature; an unreachable database is a `storage_error` within `config.pool.acquire_timeout`.
pub async fn open(config: &StorageConfig) -> Result<Stores> {
    let url = config.url.as_str();
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    match scheme.as_str() {
        "memory" => Ok(Stores::memory()),
        "sqlite" => open_sqlite(url, config).await,
        "postgres" | "postgresql" => open_postgres(url, config).await,
        _ => Err(Error::config(
            "DATABASE_URL",
            format!("`{}` is not a sqlite://, postgres://, postgresql:// or memory:// URL", redact(url)),
        )),
    }
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(url: &str, config: &StorageConfig) -> Result<Stores> {
    Ok(super::SqliteStorage::connect(url, &config.pool).await?.stores())
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_url: &str, _config: &StorageConfig) -> Result<Stores> {
    Err(Error::config("DATABASE_URL", "a sqlite:// URL needs splants built with the `sqlite` feature"))
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str, config: &StorageConfig) -> Result<Stores> {
    Ok(super::PostgresStorage::connect(url, &config.pool).await?.stores())
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str, _config: &StorageConfig) -> Result<Stores> {
    Err(Error::config("DATABASE_URL", "a postgres:// URL needs splants built with the `postgres` feature"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> StorageConfig {
        StorageConfig { url: url.to_owned(), ..StorageConfig::default() }
    }

    fn config_field(r: Result<Stores>) -> (String, String) {
        match r {
            Err(Error::Config { field, reason }) => (field, reason),
            Err(other) => panic!("expected a config error, got {other:?}"),
            Ok(_) => panic!("expected a config error, got a store"),
        }
    }

    #[tokio::test]
    async fn memory_and_unknown_schemes() {
        let s = open(&at("memory://")).await.unwrap();
        assert_eq!(s.backend.name(), "memory");
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
