//! `open`: the stores a `DATABASE_URL` names.

use super::{StorageConfig, Stores};
use crate::error::{Error, Result, redact};

/// Opens every store at `config.url` (`DATABASE_URL`): `sqlite://path` (feature `sqlite`, the
/// default), `postgres://…` or `postgresql://…` (feature `postgres`), `memory://`
/// ([`Stores::memory_with_capacity`], nothing kept on disk: the newest
/// [`MEMORY_CAPACITY`] pieces, usage records and events each, or `memory://?capacity=N`).
///
/// The SQLite forms people type from sqlx and SQLAlchemy: `sqlite::memory:`,
/// `sqlite://:memory:` and `sqlite:///:memory:` open the in-memory stores (as `memory://`; an
/// in-memory SQLite database could not be shared by the read and write pools);
/// `sqlite:///./x.db` (SQLAlchemy's working-directory form) is `x.db` in the working
/// directory; `sqlite:////abs/x.db` and `sqlite:///abs/dir/x.db` are absolute. A bare
/// `sqlite:///x.db` is refused: it is `x.db` in the working directory for SQLAlchemy and
/// `/x.db` for sqlx, and the message shows the unambiguous forms.
///
/// A SQL backend is every store at once, so content, usage, keys, events and budget live in one
/// database. A scheme whose feature is off is a config error on `DATABASE_URL` naming the
/// feature; an unreachable database is a `storage_error` within `config.pool.acquire_timeout`.
pub async fn open(config: &StorageConfig) -> Result<Stores> {
    let url = config.url.as_str();
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    match scheme.as_str() {
        "memory" => Ok(Stores::memory_with_capacity(memory_capacity(url)?)),
        "sqlite" => match sqlite_location(url)? {
            SqliteLocation::Memory => Ok(Stores::memory_with_capacity(MEMORY_CAPACITY)),
            SqliteLocation::File(url) => open_sqlite(&url, config).await,
        },
        "postgres" | "postgresql" => open_postgres(url, config).await,
        _ => Err(Error::config(
            "DATABASE_URL",
            format!("`{}` is not a sqlite://, postgres://, postgresql:// or memory:// URL", redact(url)),
        )),
    }
}

/// How many pieces, usage records and events (each) `memory://` keeps unless its URL says
/// `?capacity=N`: the oldest are dropped first, so memory stays bounded under any load.
pub const MEMORY_CAPACITY: usize = 10_000;

/// The capacity a `memory://` URL asks for: `memory://?capacity=N` (1 ≤ N ≤ 10,000,000), or
/// [`MEMORY_CAPACITY`].
fn memory_capacity(url: &str) -> Result<usize> {
    let bad = |why: String| Error::config("DATABASE_URL", why);
    let Some((_, query)) = url.split_once('?') else { return Ok(MEMORY_CAPACITY) };
    let mut capacity = MEMORY_CAPACITY;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("capacity", v)) => {
                capacity = v.parse().ok().filter(|n| (1..=10_000_000).contains(n)).ok_or_else(|| {
                    bad(format!("`capacity={v}` in a memory:// URL must be a whole number from 1 to 10000000"))
                })?;
            }
            _ => {
                return Err(bad(format!(
                    "`{pair}` is not an option of a memory:// URL; the only one is `capacity=N` \
                     (pieces, usage records and events kept, each)"
                )));
            }
        }
    }
    Ok(capacity)
}

/// Where a `sqlite:` URL points.
#[derive(Debug, PartialEq, Eq)]
enum SqliteLocation {
    /// An in-memory database: the in-memory stores.
    Memory,
    /// A file, as a URL sqlx reads the same way.
    File(String),
}

const SQLITE_FORMS: &str = "write `sqlite://x.db` or `sqlite:///./x.db` for a file in the working directory, \
     `sqlite:////abs/path/x.db` for an absolute path, or `sqlite::memory:` (same as `memory://`) for nothing kept";

/// Reads the forms described on [`open`].
fn sqlite_location(url: &str) -> Result<SqliteLocation> {
    let rest = &url["sqlite:".len()..];
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    if matches!(path, ":memory:" | "//:memory:" | "///:memory:") || url.contains("mode=memory") {
        return Ok(SqliteLocation::Memory);
    }
    if let Some(sqlalchemy) = rest.strip_prefix("///") {
        if sqlalchemy.starts_with("./") || sqlalchemy.starts_with("../") {
            return Ok(SqliteLocation::File(format!("sqlite://{sqlalchemy}")));
        }
        let file = sqlalchemy.split_once('?').map_or(sqlalchemy, |(p, _)| p);
        if !file.is_empty() && !file.starts_with('/') && !file.contains('/') {
            return Err(Error::config(
                "DATABASE_URL",
                format!(
                    "`sqlite:///{file}` is ambiguous: `{file}` in the working directory for SQLAlchemy, \
                     `/{file}` for sqlx; {SQLITE_FORMS}"
                ),
            ));
        }
    }
    Ok(SqliteLocation::File(url.to_owned()))
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
        assert_eq!(memory_capacity("memory://").unwrap(), MEMORY_CAPACITY);
        assert_eq!(memory_capacity("memory://?capacity=25").unwrap(), 25);
        for bad in ["memory://?capacity=0", "memory://?capacity=-1", "memory://?capacity=x", "memory://?cap=5"] {
            let (field, reason) = config_field(open(&at(bad)).await);
            assert_eq!(field, "DATABASE_URL", "{bad}");
            assert!(reason.contains("capacity"), "{bad}: {reason}");
        }
        let (field, reason) = config_field(open(&at("mysql://u:hunter2@db/x")).await);
        assert_eq!(field, "DATABASE_URL");
        assert!(reason.contains("postgres://") && !reason.contains("hunter2"), "{reason}");
    }

    #[test]
    fn the_sqlite_forms_people_type() {
        use SqliteLocation::{File, Memory};
        for memory in ["sqlite::memory:", "sqlite://:memory:", "sqlite:///:memory:", "sqlite::memory:?cache=shared"] {
            assert_eq!(sqlite_location(memory).unwrap(), Memory, "{memory}");
        }
        assert_eq!(sqlite_location("sqlite://file:x?mode=memory").unwrap(), Memory);
        let file = |u: &str| sqlite_location(u).unwrap();
        assert_eq!(file("sqlite://splants.db"), File("sqlite://splants.db".into()));
        assert_eq!(file("sqlite:///./sql_app.db"), File("sqlite://./sql_app.db".into()), "FastAPI's tutorial URL");
        assert_eq!(file("sqlite:///../data/x.db"), File("sqlite://../data/x.db".into()));
        assert_eq!(file("sqlite:////var/lib/x.db"), File("sqlite:////var/lib/x.db".into()));
        assert_eq!(file("sqlite:///tmp/run-1/x.db"), File("sqlite:///tmp/run-1/x.db".into()), "sqlx's absolute form");
        let (field, reason) = match sqlite_location("sqlite:///app.db?mode=rwc") {
            Err(Error::Config { field, reason }) => (field, reason),
            other => panic!("expected a config error, got {other:?}"),
        };
        assert_eq!(field, "DATABASE_URL");
        assert!(reason.contains("ambiguous") && reason.contains("sqlite:///./x.db"), "{reason}");
        assert!(reason.contains("sqlite:////abs/path/x.db") && reason.contains("sqlite::memory:"), "{reason}");
    }

    #[tokio::test]
    async fn an_in_memory_sqlite_url_opens_the_memory_stores() {
        let s = open(&at("sqlite::memory:")).await.unwrap();
        assert_eq!(s.backend.name(), "memory");
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn the_sqlalchemy_working_directory_form_is_a_file_there() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = std::env::current_dir().unwrap();
        // Relative to the working directory: build the `./` path from it rather than change it.
        let rel = pathdiff(dir.path(), &cwd);
        let s = open(&at(&format!("sqlite:///./{}/app.db", rel))).await.unwrap();
        assert_eq!(s.backend.name(), "sqlite");
        assert!(dir.path().join("app.db").exists());
    }

    /// `path` relative to `base` (both absolute), with `..` as needed.
    #[cfg(feature = "sqlite")]
    fn pathdiff(path: &std::path::Path, base: &std::path::Path) -> String {
        let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
        let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let mut parts: Vec<String> = vec!["..".into(); b.len() - common];
        parts.extend(p[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
        parts.join("/")
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
