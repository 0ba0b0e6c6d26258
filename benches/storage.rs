//! Storage benchmarks: memory vs SQLite vs PostgreSQL (127.0.0.1:5432, database `test`, in a
//! schema of its own that is dropped at the end).
//!
//! - `store_and_return/*`: one `generate` with an instant priced provider — reserve, settle,
//!   usage row and stored piece; the SQL figure minus the memory one is the storage overhead.
//! - `reserve_settle_16way/*`: 16 tasks each reserving and settling 8 times (128 per iteration).
//! - `library_100k/*`: a filtered page (owner + type + minimum quality) and a text search page
//!   over 100,000 stored pieces.
//!
//! Run with `cargo bench --bench storage`; medians land in `target/criterion`. Postgres figures
//! are bound by the server's commit latency (`fsync`): every reserve and settle commits while it
//! holds its scope's row.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use async_trait::async_trait;
use chrono::{DateTime, Duration as Span, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use splants::Usage;
use splants::budget::{BudgetLedger, BudgetPeriod, ReservationId, ReserveRequest, Scope, ScopeLimit};
use splants::config::Config;
use splants::content::ContentMetadata;
use splants::provider::{Completion, CompletionRequest, FinishReason, PriceCard, PriceTable, Provider};
use splants::storage::{ContentQuery, ContentStore, MemoryStorage, PostgresStorage, SqliteStorage};
use splants::{ContentEngine, ContentRequest, ContentType, GeneratedContent, Platform, RequestContext, Usd};
#[path = "support/pg.rs"]
mod pg;
use pg::PgSchema;
use std::sync::Arc;
use std::time::Duration;

const PIECES: usize = 100_000;

#[derive(Debug)]
struct InstantProvider;

#[async_trait]
impl Provider for InstantProvider {
    fn name(&self) -> &str {
        "bench"
    }
    fn default_model(&self) -> &str {
        "bench-model"
    }
    async fn complete(&self, req: &CompletionRequest) -> splants::Result<Completion> {
        Ok(Completion {
            text: "AI marketing helps small teams. Automate the routine. Measure every week. Start today.".into(),
            usage: Usage { input_tokens: 200, output_tokens: u64::from(req.max_tokens.min(120)), ..Usage::default() },
            finish_reason: FinishReason::Stop,
            model: "bench-model".into(),
            provider: "bench".into(),
            service_tier: None,
            inference_geo: None,
            latency: Duration::ZERO,
        })
    }
}

fn config(url: &str) -> Config {
    let mut config = Config::default();
    config.storage.url = url.into();
    config.budget.global_limit = Usd::from_dollars(1_000_000.0);
    config.storage.pool.min_connections = 0;
    config.storage.pool.max_connections = 16;
    config
}

async fn engine(url: &str) -> ContentEngine {
    let mut prices = PriceTable::empty();
    prices.insert("bench-model", PriceCard::new(1.0, 5.0).unwrap());
    ContentEngine::builder()
        .config(config(url))
        .provider(Arc::new(InstantProvider))
        .prices(prices)
        .build()
        .await
        .unwrap()
}

fn store_and_return(c: &mut Criterion, rt: &tokio::runtime::Runtime, sqlite_url: &str, pg_url: &str) {
    let mut g = c.benchmark_group("store_and_return");
    g.measurement_time(Duration::from_secs(6));
    let brief =
        ContentRequest::new(ContentType::SocialMedia, "AI marketing tips").platform(Platform::Linkedin).length(60);
    for (name, url) in [("memory", "memory://"), ("sqlite", sqlite_url), ("postgres", pg_url)] {
        let e = rt.block_on(engine(url));
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.to_async(rt).iter(|| async { e.generate(brief.clone(), &RequestContext::anonymous()).await.unwrap() })
        });
    }
    g.finish();
}

fn reserve_settle(c: &mut Criterion, rt: &tokio::runtime::Runtime, sqlite_url: &str, pg_url: &str) {
    const TASKS: u64 = 16;
    const EACH: u64 = 8;
    let mut g = c.benchmark_group("reserve_settle_16way");
    g.throughput(Throughput::Elements(TASKS * EACH));
    g.measurement_time(Duration::from_secs(8));
    g.sample_size(20);
    for (name, url) in [("memory", "memory://"), ("sqlite", sqlite_url), ("postgres", pg_url)] {
        let ledger = rt.block_on(splants::storage::open(&config(url).storage)).unwrap().ledger;
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.to_async(rt).iter(|| {
                let ledger = Arc::clone(&ledger);
                async move {
                    let tasks: Vec<_> = (0..TASKS)
                        .map(|t| {
                            let l: Arc<dyn BudgetLedger> = Arc::clone(&ledger);
                            tokio::spawn(async move {
                                for _ in 0..EACH {
                                    let now = Utc::now();
                                    let req = ReserveRequest {
                                        id: ReservationId::new(),
                                        scopes: vec![
                                            ScopeLimit { scope: Scope::Global, limit: Usd::MAX },
                                            ScopeLimit { scope: Scope::Key(format!("k{}", t % 4)), limit: Usd::MAX },
                                        ]
                                        .into(),
                                        window: BudgetPeriod::monthly().window(now),
                                        amount: Usd::from_nanos(1_000),
                                        now,
                                        lease_until: now + Span::minutes(15),
                                        in_flight: true,
                                    };
                                    l.reserve(&req).await.unwrap();
                                    l.settle(req.id, Usd::from_nanos(700), now).await.unwrap();
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                }
            })
        });
    }
    g.finish();
}

const TOPICS: [&str; 10] = [
    "AI marketing tips",
    "Spring sale",
    "Product launch",
    "Hiring engineers",
    "Quarterly results",
    "Customer story",
    "Webinar invite",
    "Holiday hours",
    "Feature update",
    "Team offsite",
];

fn pieces(start: DateTime<Utc>) -> Vec<GeneratedContent> {
    let mut rng = fastrand::Rng::with_seed(42);
    (0..PIECES)
        .map(|i| {
            let ct = ContentType::ALL[i % ContentType::ALL.len()];
            let topic = if i % 97 == 0 { "Zeppelin launch party" } else { TOPICS[i % TOPICS.len()] };
            GeneratedContent {
                stored: true,
                caller_left: false,
                id: format!("{:08x}-bench", i),
                content: format!("{topic}: short copy number {i} for the library benchmark."),
                content_type: ct,
                platform: Platform::ALL[(i / 8) % Platform::ALL.len()],
                topic: topic.to_owned(),
                quality_score: rng.f64(),
                seo_score: rng.f64(),
                metadata: ContentMetadata::default(),
                cost_usd: Usd::from_nanos(rng.i64(0..5_000_000)),
                usage: Usage::default(),
                provider: "bench".into(),
                model: "bench-model".into(),
                cached: false,
                created_at: start + Span::seconds(i as i64 * 7),
                request: ContentRequest::new(ct, topic),
                owner: Some(format!("tenant-{}", i % 7)),
                template: None,
            }
        })
        .collect()
}

fn library(c: &mut Criterion, rt: &tokio::runtime::Runtime, dir: &std::path::Path, pg_url: &str) {
    let all = pieces(Utc::now() - Span::days(30));
    let memory = MemoryStorage::new();
    let sqlite_url = format!("sqlite://{}", dir.join("library.db").display());
    let stores: Vec<(&str, Arc<dyn ContentStore>)> = rt.block_on(async {
        for p in &all {
            memory.save_content(p).await.unwrap();
        }
        let sqlite = SqliteStorage::connect(&sqlite_url, &config(&sqlite_url).storage.pool).await.unwrap();
        sqlite.save_content_batch(&all).await.unwrap();
        let pg = PostgresStorage::connect(pg_url, &config(pg_url).storage.pool).await.unwrap();
        pg.save_content_batch(&all).await.unwrap();
        vec![
            ("memory", Arc::new(memory) as Arc<dyn ContentStore>),
            ("sqlite", sqlite.stores().content),
            ("postgres", pg.stores().content),
        ]
    });
    let filtered = ContentQuery {
        owner: Some("tenant-3".into()),
        content_type: Some(ContentType::Email),
        min_quality: Some(0.5),
        limit: Some(20),
        ..ContentQuery::default()
    };
    let text = ContentQuery { text: Some("zeppelin".into()), limit: Some(20), ..ContentQuery::default() };
    let mut g = c.benchmark_group("library_100k");
    g.measurement_time(Duration::from_secs(5));
    for (name, store) in &stores {
        let first = rt.block_on(store.list_content(&filtered)).unwrap();
        assert_eq!(first.items.len(), 20, "{name}: the filtered page is full");
        for (what, q) in [("filtered_page", &filtered), ("text_page", &text)] {
            g.bench_function(BenchmarkId::new(what, name), |b| {
                b.to_async(rt).iter(|| async { store.list_content(q).await.unwrap() })
            });
        }
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let schema = rt.block_on(PgSchema::create());
    store_and_return(c, &rt, &sqlite_url, &schema.url);
    reserve_settle(c, &rt, &sqlite_url, &schema.url);
    library(c, &rt, dir.path(), &schema.url);
}

criterion_group!(storage, benches);
criterion_main!(storage);
