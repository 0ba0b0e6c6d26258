//! Crash and scale: two OS processes (children of this test binary) publish 1,000 due posts
//! from one database to a local Mastodon-format server; one is SIGKILLed mid-run and started
//! again. Every post must arrive exactly once by idempotency key (the server, like Mastodon,
//! answers a repeated key with the status it already made), and every row must end
//! `published` with that status's id.

use crate::support::{Kind, TestDb, piece, sql_backends, storage_at};
use chrono::Utc;
use parking_lot::Mutex;
use splants::config::Config;
use splants::publish::{AccountConfig, Credential, PublisherKind};
use splants::schedule::{PostStatus, ScheduleQuery, ScheduledPost};
use splants::{ContentEngine, Secret};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const URL_VAR: &str = "SPLANTS_TEST_PUBLISH_DB";
const MASTO_VAR: &str = "SPLANTS_TEST_PUBLISH_MASTODON";
const POSTS: usize = 1000;
const TOKEN: &str = "masto-token-for-tests";

/// Mastodon's `POST /api/v1/statuses`: a new status per new `Idempotency-Key`, the same one
/// again for a key it has seen.
#[derive(Default)]
struct Statuses {
    by_key: Mutex<HashMap<String, String>>,
    requests: Mutex<usize>,
}

/// The responder wiremock owns, sharing the counts with the test.
struct Shared(Arc<Statuses>);

impl Respond for Shared {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let this = &self.0;
        *this.requests.lock() += 1;
        let auth_ok =
            request.headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"));
        if !auth_ok {
            return ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "The access token is invalid"}));
        }
        let Some(key) = request.headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
            return ResponseTemplate::new(422).set_body_json(serde_json::json!({"error": "no Idempotency-Key"}));
        };
        let mut by_key = this.by_key.lock();
        let next = by_key.len() + 1;
        let id = by_key.entry(key.to_owned()).or_insert_with(|| format!("1100{next:08}")).clone();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": id,
            "uri": format!("https://masto.test/users/brand/statuses/{id}"),
            "url": format!("https://masto.test/@brand/{id}"),
            "created_at": Utc::now().to_rfc3339(),
            "content": "<p>…</p>",
            "visibility": "public",
        }))
    }
}

fn child_config(db: &str, masto: &str) -> Config {
    let mut config = Config { storage: storage_at(db), ..Config::default() };
    config.publish.accounts.insert(
        "masto".into(),
        AccountConfig::Mastodon {
            instance: masto.to_owned(),
            token: Credential::Inline(Secret::new(TOKEN)),
            max_chars: None,
        },
    );
    config.schedule.poll_interval = Duration::from_millis(50);
    config.schedule.lease = Duration::from_secs(2);
    config.schedule.concurrency = 16;
    config.schedule.retry_base = Duration::from_millis(200);
    config
}

/// The child's side: publishes until nothing is left to publish, then reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_child_entry() {
    let (Ok(db), Ok(masto)) = (std::env::var(URL_VAR), std::env::var(MASTO_VAR)) else { return };
    let engine = ContentEngine::builder().config(child_config(&db, &masto)).scheduler(true).build().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if open_entries(&engine).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    engine.shutdown(Duration::from_secs(5)).await;
    println!("PUBLISHER DONE");
}

async fn open_entries(engine: &ContentEngine) -> usize {
    let mut n = 0;
    for status in [PostStatus::Scheduled, PostStatus::Publishing] {
        let q = ScheduleQuery { status: Some(status), limit: Some(100), ..ScheduleQuery::default() };
        n += engine.stores().schedules.list(&q).await.unwrap().items.len();
    }
    n
}

fn spawn_child(db: &str, masto: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["publishing::publishing_child_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(URL_VAR, db)
        .env(MASTO_VAR, masto)
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn entry(i: usize, content_id: &str) -> ScheduledPost {
    let now = Utc::now();
    ScheduledPost {
        idempotent: true,
        ..ScheduledPost::new(
            format!("{:08}-{}", i, uuid::Uuid::now_v7()),
            content_id,
            "masto",
            PublisherKind::Mastodon,
            vec![format!("Post number {i} of the crash test #splants")],
            now,
        )
    }
}

sql_backends!(two_processes_publish_each_post_exactly_once_through_a_sigkill);

async fn two_processes_publish_each_post_exactly_once_through_a_sigkill(kind: Kind) {
    let db = TestDb::new(kind).await;
    let stores = db.open().await;
    let content = piece("crash-piece", Utc::now());
    stores.content.save_content(&content).await.unwrap();
    let entries: Vec<ScheduledPost> = (0..POSTS).map(|i| entry(i, &content.id)).collect();
    for chunk in entries.chunks(100) {
        stores.schedules.insert(chunk).await.unwrap();
    }
    let statuses = Arc::new(Statuses::default());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(Shared(statuses.clone()))
        .mount(&server)
        .await;

    let mut first = spawn_child(&db.url, &server.uri());
    let second = spawn_child(&db.url, &server.uri());
    // Kill the first once a third of the posts are out, while it holds claims in flight.
    let started = Instant::now();
    while statuses.by_key.lock().len() < POSTS / 3 {
        assert!(started.elapsed() < Duration::from_secs(60), "publishing did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().unwrap(); // SIGKILL
    let _ = first.wait();
    let at_kill = statuses.by_key.lock().len();
    let restarted = spawn_child(&db.url, &server.uri());
    let children =
        tokio::task::spawn_blocking(move || [second, restarted].map(|c| c.wait_with_output().unwrap())).await.unwrap();
    for out in &children {
        assert!(out.status.success(), "a publisher failed: {:?}", out.status);
        assert!(String::from_utf8_lossy(&out.stdout).contains("PUBLISHER DONE"));
    }

    let by_key = statuses.by_key.lock().clone();
    assert_eq!(by_key.len(), POSTS, "every post arrived (killed at {at_kill})");
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let q = ScheduleQuery { limit: Some(100), cursor: cursor.clone(), ..ScheduleQuery::default() };
        let page = stores.schedules.list(&q).await.unwrap();
        rows.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(rows.len(), POSTS);
    for row in &rows {
        assert_eq!(row.status, PostStatus::Published, "{row:?}");
        let key = format!("{}-0", row.id);
        assert_eq!(row.post_id.as_ref(), by_key.get(&key), "the row holds the status its key made: {row:?}");
    }
    let retried = rows.iter().filter(|r| r.attempts > 1).count();
    let requests = *statuses.requests.lock();
    println!(
        "{kind:?}: {POSTS} posts, {requests} requests ({} repeats of a key), {retried} rows retried after the kill, \
         killed at {at_kill} posts, {:.1} s",
        requests - POSTS,
        started.elapsed().as_secs_f64()
    );
}
