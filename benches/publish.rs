//! Publishing benchmark (not a test): `make bench-publish` (`cargo bench --bench publish`).
//!
//! On one SQLite file and one Postgres schema, side by side:
//! - **claims per second**: `claim_due` in batches of 64 over 5,000 due entries, by one
//!   claimer and by two at once;
//! - **1,000 posts due at the same moment**, two engines (workers, each with its own pool, the
//!   default 1 s poll) and a local Mastodon-format server that answers at once: how late each
//!   post went out (`published_at - scheduled_time`), p50 / p99 / max, and when the last did;
//! - **an idle worker's polling**: the CPU this process uses over 10 s with one worker and
//!   nothing due, as a share of one core.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

#[path = "support/pg.rs"]
mod pg;

use axum::Json;
use axum::http::HeaderMap;
use axum::routing::post;
use chrono::Utc;
use parking_lot::Mutex;
use serde_json::json;
use splants::config::Config;
use splants::publish::{AccountConfig, Credential, PublisherKind};
use splants::schedule::{PostStatus, ScheduleQuery, ScheduledPost};
use splants::storage::Stores;
use splants::{ContentEngine, Secret};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// CPU time of this process's threads in seconds, to the nanosecond: the first field of each
/// `/proc/self/task/*/schedstat` (the ticks of `/proc/self/stat` are 10 ms, too coarse for an
/// idle worker).
fn cpu_seconds() -> f64 {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) {
            ns += s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    ns as f64 / 1e9
}

/// A Mastodon-format `POST /api/v1/statuses` that answers at once (one status per key).
async fn mastodon() -> String {
    let seen: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let app = axum::Router::new().route(
        "/api/v1/statuses",
        post(move |headers: HeaderMap| {
            let seen = Arc::clone(&seen);
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let id = {
                    let mut s = seen.lock();
                    let next = s.len() as u64 + 1;
                    *s.entry(key).or_insert(next)
                };
                Json(
                    json!({"id": id.to_string(), "url": format!("https://masto.test/@b/{id}"), "visibility": "public"}),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn config(url: &str, masto: &str) -> Config {
    let mut config = Config::default();
    config.storage.url = url.to_owned();
    config.storage.pool.min_connections = 0;
    config.storage.pool.max_connections = 8;
    config.publish.accounts.insert(
        "masto".into(),
        AccountConfig::Mastodon {
            instance: masto.to_owned(),
            token: Credential::Inline(Secret::new("t")),
            max_chars: None,
        },
    );
    config
}

fn entries(n: usize, content_id: &str, at: chrono::DateTime<Utc>) -> Vec<ScheduledPost> {
    let tag = at.timestamp_micros();
    (0..n)
        .map(|i| ScheduledPost {
            idempotent: true,
            ..ScheduledPost::new(
                format!("{tag}-{i:08}"),
                content_id,
                "masto",
                PublisherKind::Mastodon,
                vec![format!("post {i}")],
                at,
            )
        })
        .collect()
}

async fn seed(stores: &Stores, n: usize, at: chrono::DateTime<Utc>) -> String {
    let engine = ContentEngine::builder()
        .config(Config::default())
        .stores(stores.clone())
        .scheduler(false)
        .build()
        .await
        .unwrap();
    let piece = engine
        .generate(
            splants::ContentRequest::new(splants::ContentType::SocialMedia, "bench"),
            &splants::RequestContext::anonymous(),
        )
        .await
        .unwrap();
    for chunk in entries(n, &piece.id, at).chunks(250) {
        stores.schedules.insert(chunk).await.unwrap();
    }
    piece.id
}

/// Claims per second over 5,000 due entries, with `claimers` claiming at once.
async fn claims_per_second(url: &str, masto: &str, claimers: usize) -> f64 {
    const N: usize = 5000;
    let stores = splants::storage::open(&config(url, masto).storage).await.unwrap();
    seed(&stores, N, Utc::now()).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..claimers)
        .map(|w| {
            let s = stores.schedules.clone();
            tokio::spawn(async move {
                let mut n = 0;
                loop {
                    let got =
                        s.claim_due(&format!("bench-{w}"), Utc::now(), Duration::from_secs(600), 64).await.unwrap();
                    if got.posts.is_empty() {
                        return n;
                    }
                    n += got.posts.len();
                }
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, N, "every entry claimed exactly once");
    total as f64 / started.elapsed().as_secs_f64()
}

struct Lateness {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

/// 1,000 posts due in two seconds, two engines with the default poll.
async fn due_at_once(url: &str, masto: &str) -> Lateness {
    const N: usize = 1000;
    let cfg = config(url, masto);
    let stores = splants::storage::open(&cfg.storage).await.unwrap();
    let due = Utc::now() + chrono::Duration::seconds(2);
    seed(&stores, N, due).await;
    let workers = [
        ContentEngine::builder().config(cfg.clone()).build().await.unwrap(),
        ContentEngine::builder().config(cfg.clone()).build().await.unwrap(),
    ];
    assert!(workers.iter().all(ContentEngine::scheduler_running));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open = [PostStatus::Scheduled, PostStatus::Publishing];
        let mut left = 0;
        for st in open {
            let q = ScheduleQuery { status: Some(st), limit: Some(100), ..ScheduleQuery::default() };
            left += stores.schedules.list(&q).await.unwrap().items.len();
        }
        if left == 0 && Utc::now() > due {
            break;
        }
        assert!(Instant::now() < deadline, "not all published within a minute");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for w in &workers {
        w.shutdown(Duration::from_secs(5)).await;
    }
    let mut late: Vec<Duration> = Vec::with_capacity(N);
    let mut cursor = None;
    loop {
        let q = ScheduleQuery { limit: Some(100), cursor: cursor.clone(), ..ScheduleQuery::default() };
        let page = stores.schedules.list(&q).await.unwrap();
        for p in &page.items {
            assert_eq!(p.status, PostStatus::Published, "{p:?}");
            late.push((p.published_at.unwrap() - p.scheduled_time).to_std().unwrap_or_default());
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(late.len(), N);
    late.sort();
    let at = |q: f64| late[((late.len() as f64 - 1.0) * q).round() as usize];
    Lateness { p50: at(0.5), p99: at(0.99), max: at(1.0) }
}

/// CPU share of one core used by this process over 10 s with one idle worker.
async fn idle_cpu(url: &str, masto: &str) -> f64 {
    let engine = ContentEngine::builder().config(config(url, masto)).build().await.unwrap();
    assert!(engine.scheduler_running());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let share = (cpu_seconds() - cpu0) / t0.elapsed().as_secs_f64();
    engine.shutdown(Duration::from_secs(1)).await;
    share
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let masto = mastodon().await;
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for name in ["sqlite", "postgres"] {
        // A fresh database per phase: the claims phase leaves its entries leased.
        let mut schemas = Vec::new();
        let mut fresh = async |phase: &str| -> String {
            if name == "sqlite" {
                format!("sqlite://{}", dir.path().join(format!("{phase}.db")).display())
            } else {
                let s = pg::PgSchema::create_tagged(&format!("_{phase}")).await;
                let url = s.url.clone();
                schemas.push(s);
                url
            }
        };
        let one = claims_per_second(&fresh("claims1").await, &masto, 1).await;
        let two = claims_per_second(&fresh("claims2").await, &masto, 2).await;
        let late = due_at_once(&fresh("due").await, &masto).await;
        let idle = idle_cpu(&fresh("idle").await, &masto).await;
        rows.push((name, one, two, late, idle));
    }
    println!(
        "\n| store | claims/s (1 claimer) | claims/s (2) | 1,000 due: lateness p50 | p99 | max | idle worker CPU |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, one, two, l, idle) in rows {
        println!(
            "| {name} | {one:.0} | {two:.0} | {} | {} | {} | {:.3} % of a core |",
            ms(l.p50),
            ms(l.p99),
            ms(l.max),
            idle * 100.0
        );
    }
}
