//! Backends under test, fixtures, and a test provider with a price.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use splants::Usage;
use splants::config::Config;
use splants::content::{ContentMetadata, Readability, TemplateRef};
use splants::provider::{Completion, CompletionRequest, FinishReason, PriceCard, PriceTable, Provider};
use splants::storage::Stores;
use splants::{ContentRequest, ContentType, GeneratedContent, Platform, Usd};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Which backend a conformance test runs against.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Memory,
    #[cfg(feature = "sqlite")]
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

/// Runs each named `async fn(Kind)` against every backend built in.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() {
                super::$name(crate::support::Kind::Memory).await;
            }
            #[cfg(feature = "sqlite")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::support::Kind::Sqlite).await;
            }
            #[cfg(feature = "postgres")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::support::Kind::Postgres).await;
            }
        }
    )*};
}
pub(crate) use conformance;

/// Runs each named `async fn(Kind)` against the SQL backends built in (what memory cannot do:
/// separate pools on one database, restarts, a database that is down).
macro_rules! sql_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[cfg(feature = "sqlite")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::support::Kind::Sqlite).await;
            }
            #[cfg(feature = "postgres")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::support::Kind::Postgres).await;
            }
        }
    )*};
}
pub(crate) use sql_backends;

/// Small pools and short waits: many tests share one server.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.storage.pool = test_pool();
    config
}

/// The pool of [`test_config`].
pub fn test_pool() -> splants::storage::PoolConfig {
    splants::storage::PoolConfig {
        min_connections: 0,
        max_connections: 4,
        acquire_timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

/// The database at `url` with the pool of [`test_config`].
pub fn storage_at(url: &str) -> splants::storage::StorageConfig {
    splants::storage::StorageConfig { url: url.to_owned(), pool: test_pool() }
}

/// A database that lives as long as the test: a temp SQLite file or a fresh Postgres schema.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    #[cfg(feature = "postgres")]
    _schema: Option<pg::Schema>,
}

impl TestDb {
    pub async fn new(kind: Kind) -> TestDb {
        match kind {
            Kind::Memory => TestDb {
                url: "memory://".into(),
                _dir: None,
                #[cfg(feature = "postgres")]
                _schema: None,
            },
            #[cfg(feature = "sqlite")]
            Kind::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("splants.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    #[cfg(feature = "postgres")]
                    _schema: None,
                }
            }
            #[cfg(feature = "postgres")]
            Kind::Postgres => {
                let schema = pg::Schema::create().await;
                TestDb { url: schema.url(), _dir: None, _schema: Some(schema) }
            }
        }
    }

    /// Opens every store (one database for the SQL backends).
    pub async fn open(&self) -> Stores {
        splants::storage::open(&storage_at(&self.url)).await.unwrap()
    }
}

/// Fresh stores of `kind` and the database behind them (keep it alive while testing).
pub async fn store(kind: Kind) -> (Stores, TestDb) {
    let db = TestDb::new(kind).await;
    (db.open().await, db)
}

#[cfg(feature = "postgres")]
pub mod pg {
    use sqlx::Connection;

    /// The test server (trust auth); `SPLANTS_TEST_POSTGRES_URL` overrides it.
    pub fn server_url() -> String {
        std::env::var("SPLANTS_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
    }

    /// A schema of its own, dropped (with everything in it) when this is dropped.
    pub struct Schema {
        pub name: String,
    }

    impl Schema {
        pub async fn create() -> Schema {
            let name = format!("splants_t{}_{:08x}", std::process::id(), fastrand::u32(..));
            let mut c = sqlx::PgConnection::connect(&server_url()).await.expect("PostgreSQL on 127.0.0.1:5432");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
            Schema { name }
        }

        /// The server URL with this schema as the search path.
        pub fn url(&self) -> String {
            format!("{}?options[search_path]={}", server_url(), self.name)
        }
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            let name = self.name.clone();
            // Drop runs inside a test's runtime: clean up on a thread with a runtime of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&server_url()).await {
                        let sql = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await;
                        let _ = c.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

pub fn usd(d: f64) -> Usd {
    Usd::from_dollars(d).unwrap()
}

/// A piece with every field filled, floats that are hard to round-trip included.
pub fn piece(id: &str, created_at: DateTime<Utc>) -> GeneratedContent {
    let request = ContentRequest::new(ContentType::Blog, "AI marketing tips")
        .keywords(["AI", "marketing"])
        .target_audience("Small business owners")
        .language("en");
    GeneratedContent {
        stored: true,
        caller_left: false,
        id: id.to_owned(),
        content: "# AI tips\n\nUse AI for marketing. \"Quotes\", ünïcödé and emoji 🚀.".into(),
        content_type: ContentType::Blog,
        platform: Platform::Blog,
        topic: "AI marketing tips".into(),
        quality_score: 0.1 + 0.2,
        seo_score: 1.0 / 3.0,
        metadata: ContentMetadata {
            word_count: 11,
            char_count: 64,
            reading_time: 1,
            platform_optimized: "blog".into(),
            fits_platform: true,
            hashtags: vec!["#AI".into(), "#marketing".into()],
            keywords_used: vec!["AI".into()],
            keywords_missing: vec!["marketing".into()],
            keyword_density: 2.0 / 3.0,
            readability: Readability {
                flesch_reading_ease: 65.123_456_789_012_3,
                flesch_kincaid_grade: 1e-7,
                sentences: 2,
                avg_words_per_sentence: 5.5,
                avg_syllables_per_word: 1.234_567_890_123_456_7,
            },
            title: Some("AI tips".into()),
            subject_line: None,
            meta_description: Some("Tips".into()),
            has_call_to_action: false,
            thread: vec![],
            quality_breakdown: BTreeMap::from([("clarity".to_owned(), 0.7), ("length".to_owned(), 1.0 / 7.0)]),
            seo_breakdown: BTreeMap::from([("keywords".to_owned(), 0.123_456_789_123_456_79)]),
            assessments: vec![splants::content::Assessment {
                id: "keyphrase_density".into(),
                score: 2.0 / 3.0,
                light: splants::content::Light::Orange,
                message: "Keyphrase density 3.3 % is above 3 %: use \"ai\" less often.".into(),
            }],
            repairs: vec![splants::content::RepairNote {
                limit: "instagram_hashtags".into(),
                field: "hashtags".into(),
                max: 30,
                found: 34,
                after: 30,
                method: splants::content::RepairMethod::Cut,
                message: "4 hashtags over the limit of 30: dropped the hashtags after the first 30 (34 → 30 hashtags)."
                    .into(),
            }],
            notice: None,
        },
        cost_usd: Usd::from_nanos(1_234_567),
        usage: Usage { input_tokens: 300, output_tokens: 700, cached_tokens: 5, ..Usage::default() },
        provider: "test".into(),
        model: "test-model".into(),
        cached: false,
        created_at,
        request,
        owner: None,
        template: Some(TemplateRef { name: "blog-basic".into(), version: "1.0.0".into() }),
    }
}

/// A provider answering at once with a fixed short text and random usage within the quote's
/// bounds (so the actual cost is never above the estimate).
#[derive(Debug)]
pub struct PricedProvider;

pub const TEST_TEXT: &str = "# Tips\n\nAI marketing helps small teams. Automate the routine work. Measure results \
    every week. Start today.";

#[async_trait]
impl Provider for PricedProvider {
    fn name(&self) -> &str {
        "test"
    }
    fn default_model(&self) -> &str {
        "test-model"
    }
    async fn complete(&self, req: &CompletionRequest) -> splants::Result<Completion> {
        let bound = self.billing_targets(req)[0].input_tokens;
        Ok(Completion {
            text: TEST_TEXT.into(),
            usage: Usage {
                input_tokens: fastrand::u64(1..=bound),
                output_tokens: fastrand::u64(0..=u64::from(req.max_tokens)),
                ..Usage::default()
            },
            finish_reason: FinishReason::Stop,
            model: "test-model".into(),
            provider: "test".into(),
            service_tier: None,
            inference_geo: None,
            latency: Duration::ZERO,
        })
    }
}

pub fn prices() -> PriceTable {
    let mut p = PriceTable::empty();
    p.insert("test-model", PriceCard::new(1.0, 5.0).unwrap());
    p
}

/// A brief that the test provider answers, fitting LinkedIn.
pub fn brief() -> splants::ContentRequest {
    splants::ContentRequest::new(ContentType::SocialMedia, "AI marketing tips").platform(Platform::Linkedin).length(60)
}

/// The fixed instant every test engine lives at (one budget period for all of them).
pub fn clock() -> splants::clock::FakeClock {
    splants::clock::FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0)
}

/// An engine on `url` (its own pools) with the priced test provider and a monthly `budget`.
pub async fn engine(url: &str, budget: Usd) -> splants::ContentEngine {
    splants::ContentEngine::builder()
        .config({
            let mut config = test_config();
            config.storage.url = url.into();
            config.budget.global_limit = Some(budget);
            config.storage.pool.max_connections = 8;
            config
        })
        .provider(Arc::new(PricedProvider))
        .prices(prices())
        .clock(Arc::new(clock()))
        .build()
        .await
        .unwrap()
}

/// What one [`brief`] reserves.
pub async fn estimate() -> Usd {
    engine("memory://", usd(1.0)).await.quote(&brief()).unwrap().estimate
}

/// Runs `n` generations at once spread over `engines`; returns (successes, budget refusals).
pub async fn generate_many(engines: &[splants::ContentEngine], n: usize) -> (usize, usize) {
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let e = engines[i % engines.len()].clone();
        tasks.push(tokio::spawn(async move {
            e.generate(brief(), &splants::RequestContext::anonymous()).await.map(|_| ())
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(splants::Error::BudgetExceeded(_)) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    (ok, refused)
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// Rows in `table` of a SQL test database.
pub async fn count_rows(db: &TestDb, table: &str) -> i64 {
    count_rows_where(db, table, "TRUE").await
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
/// Rows of `table` in a SQL test database that match `condition`.
pub async fn count_rows_where(db: &TestDb, table: &str, condition: &str) -> i64 {
    use sqlx::Connection;
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {condition}");
    #[cfg(feature = "sqlite")]
    if db.url.starts_with("sqlite://") {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let n: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(&mut c).await.unwrap();
        return n.0;
    }
    #[cfg(feature = "postgres")]
    {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let n: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(&mut c).await.unwrap();
        return n.0;
    }
    #[allow(unreachable_code)]
    {
        panic!("no SQL backend for {}", db.url)
    }
}

/// Takes the write lock of the SQLite file at `url` from a connection of its own (as another
/// process would) and gives it up after `hold`, from a task whose handle is returned.
#[cfg(feature = "sqlite")]
pub async fn hold_sqlite_write_lock(url: &str, hold: std::time::Duration) -> tokio::task::JoinHandle<()> {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut c).await.unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        sqlx::query("ROLLBACK").execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    })
}
