//! `open`: the stores a `DATABASE_URL` names.

use super::Stores;
use crate::config::Config;
use crate::error::{Error, Result, redact};

/// Opens every store at `url` (usually [`Config::database_url`]): `sqlite://path` (feature
/// `sqlite`, the default), `postgres://…` or `postgresql://…` (feature `postgres`),
/// `memory://` ([`Stores::memory`], nothing kept).
///
/// A SQL backend is every store at once, so content, usage, keys, events and budget live in one
/// database. A scheme whose feature is off is a config error on `DATABASE_URL` naming the feature; an
/// unreachable database is a `storage_error` within `config.db_acquire_timeout`.
pub async fn open(url: &str, config: &Config) -> Result<Stores> {
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
async fn open_sqlite(url: &str, config: &Config) -> Result<Stores> {
    Ok(super::SqliteStorage::connect(url, config).await?.stores())
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_url: &str, _config: &Config) -> Result<Stores> {
    Err(Error::config("DATABASE_URL", "a sqlite:// URL needs splants built with the `sqlite` feature"))
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str, config: &Config) -> Result<Stores> {
    Ok(super::PostgresStorage::connect(url, config).await?.stores())
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_url: &str, _config: &Config) -> Result<Stores> {
    Err(Error::config("DATABASE_URL", "a postgres:// URL needs splants built with the `postgres` feature"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_field(r: Result<Stores>) -> (String, String) {
        match r {
            Err(Error::Config { field, reason }) => (field, reason),
            Err(other) => panic!("expected a config error, got {other:?}"),
            Ok(_) => panic!("expected a config error, got a store"),
        }
    }

    #[tokio::test]
    async fn memory_and_unknown_schemes() {
        let s = open("memory://", &Config::default()).await.unwrap();
        assert_eq!(s.backend.name(), "memory");
        let (field, reason) = config_field(open("mysql://u:hunter2@db/x", &Config::default()).await);
        assert_eq!(field, "DATABASE_URL");
        assert!(reason.contains("postgres://") && !reason.contains("hunter2"), "{reason}");
    }

    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn postgres_without_its_feature_names_the_feature() {
        let (field, reason) = config_field(open("postgres://u@localhost/x", &Config::default()).await);
        assert_eq!((field.as_str(), reason.contains("`postgres` feature")), ("DATABASE_URL", true));
    }

    #[cfg(not(feature = "sqlite"))]
    #[tokio::test]
    async fn sqlite_without_its_feature_names_the_feature() {
        let (field, reason) = config_field(open("sqlite://x.db", &Config::default()).await);
        assert_eq!((field.as_str(), reason.contains("`sqlite` feature")), ("DATABASE_URL", true));
    }
}
