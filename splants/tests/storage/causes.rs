//! A storage error caused by a real database failure keeps the sqlx error as its source: the
//! chain a binding shows ("Caused by: ...") and a caller can downcast, with no credential in it.

use splants::Error;
use std::error::Error as _;

/// The message and every cause, as the Node binding renders them.
fn chain(e: &Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut source = e.source();
    while let Some(cause) = source {
        out.push(cause.to_string());
        source = cause.source();
    }
    out
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_sqlite_file_that_cannot_be_opened_is_a_storage_error_caused_by_sqlx() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("plain-file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let url = format!("sqlite://{}/inside.db", not_a_dir.display());
    let err =
        splants::storage::SqliteStorage::connect(&url, &splants::storage::PoolConfig::default()).await.unwrap_err();
    assert!(matches!(&err, Error::Storage { source: Some(_), .. }), "{err:?}");
    assert_eq!(err.code().as_str(), "storage_error");
    let cause = err.source().expect("a source");
    assert!(cause.downcast_ref::<sqlx::Error>().is_some(), "the source is the sqlx error: {cause:?}");
    let chain = chain(&err);
    assert!(chain.len() >= 2, "{chain:?}");
    assert!(chain[0].contains("SQLite database"), "the message says what was being done: {chain:?}");
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn an_unknown_postgres_database_is_a_storage_error_caused_by_the_server_answer() {
    // Trust auth ignores the password; it is there to prove it shows nowhere.
    let url = "postgres://postgres:hunter2-secret@127.0.0.1:5432/splants_no_such_database";
    let err =
        splants::storage::PostgresStorage::connect(url, &splants::storage::PoolConfig::default()).await.unwrap_err();
    assert!(matches!(&err, Error::Storage { source: Some(_), .. }), "{err:?}");
    let cause = err.source().and_then(|c| c.downcast_ref::<sqlx::Error>()).expect("a sqlx source");
    let db = cause.as_database_error().expect("the server's own answer");
    assert_eq!(db.code().as_deref(), Some("3D000"), "invalid_catalog_name: {db}");
    let chain = chain(&err);
    assert!(chain[1].contains("splants_no_such_database"), "{chain:?}");
    for text in chain.iter().chain([format!("{err:?}")].iter()) {
        assert!(!text.contains("hunter2-secret"), "a credential in {text}");
    }
}
