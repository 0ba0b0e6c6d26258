//! One conformance suite for every storage backend: each test runs against the in-memory
//! reference, SQLite (a temp file) and PostgreSQL (a fresh schema on 127.0.0.1:5432), as the
//! features built in allow. Plus the cross-process budget tests, restarts and a dead database.

// Test helpers outside `#[test]` functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code, unused_macros, unused_imports))]
mod support;

mod analytics;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod causes;
mod content;
#[cfg(all(feature = "openai", any(feature = "sqlite", feature = "postgres")))]
mod crash;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod engines;
#[cfg(feature = "postgres")]
mod faults;
mod keys;
mod ledger;
mod ledger_model;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod processes;
#[cfg(all(feature = "publish", any(feature = "sqlite", feature = "postgres")))]
mod publishing;
mod records;
mod schedule;
