//! The money promise against real crashes: two OS processes on one database run 2,000
//! generations against a local OpenAI-format upstream that counts what it billed; one in ten
//! calls is cancelled at a random point; one process is SIGKILLed mid-run and started again.
//! Afterwards recorded spend ≥ billed, the excess is bounded by the calls whose outcome stayed
//! unknown, the limit held, and no hold is left.

use crate::support::{Kind, TestDb, count_rows_where, sql_backends, test_config};
use chrono::Utc;
use splants::Secret;
use splants::Usd;
use splants::budget::Scope;
use splants::config::{Config, ProviderKind};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DB_VAR: &str = "SPLANTS_TEST_CRASH_DB";
const UPSTREAM_VAR: &str = "SPLANTS_TEST_CRASH_UPSTREAM";
const BUDGET_VAR: &str = "SPLANTS_TEST_CRASH_BUDGET_NANOS";
const CALLS_VAR: &str = "SPLANTS_TEST_CRASH_CALLS";
const CALLS: usize = 1_000;
const CONCURRENCY: usize = 8;
/// $1 per million input tokens and $2 per million output tokens: 1,000 and 2,000 nanodollars.
const PRICES: &str = r#"{"crash-model": {"input": 1.0, "output": 2.0}}"#;

fn config(db: &str, upstream: &str, budget: Usd) -> Config {
    Config {
        provider: ProviderKind::OpenAi,
        openai_api_key: Some(Secret::new("sk-crash-test")),
        openai_base_url: Some(upstream.to_owned()),
        model: Some("crash-model".into()),
        prices_json: Some(PRICES.into()),
        max_attempts: 1,
        max_output_tokens: 200,
        monthly_budget: Some(budget),
        budget_wait: Duration::from_millis(200),
        database_url: db.to_owned(),
        db_max_connections: 8,
        ..test_config()
    }
}

fn brief() -> splants::ContentRequest {
    splants::ContentRequest::new(splants::ContentType::SocialMedia, "spring sale").keywords(["spring"])
}

/// The child's side: runs only when started by the test below (with its variables set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_entry() {
    let (Ok(db), Ok(upstream), Ok(budget), Ok(calls)) =
        (std::env::var(DB_VAR), std::env::var(UPSTREAM_VAR), std::env::var(BUDGET_VAR), std::env::var(CALLS_VAR))
    else {
        return;
    };
    let budget = Usd::from_nanos(budget.parse().unwrap());
    let engine = splants::ContentEngine::builder().config(config(&db, &upstream, budget)).build().await.unwrap();
    let calls: usize = calls.parse().unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let cancelled = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (engine, next, done, cancelled) = (engine.clone(), next.clone(), done.clone(), cancelled.clone());
        tasks.push(tokio::spawn(async move {
            let ctx = splants::RequestContext::anonymous();
            while next.fetch_add(1, Ordering::SeqCst) < calls {
                let call = engine.generate(brief(), &ctx);
                if fastrand::u8(..10) == 0 {
                    // The caller goes away at a random point: before, during or after the call.
                    let after = Duration::from_micros(fastrand::u64(..40_000));
                    if tokio::time::timeout(after, call).await.is_err() {
                        cancelled.fetch_add(1, Ordering::SeqCst);
                    }
                } else {
                    match call.await {
                        Ok(_) | Err(splants::Error::BudgetExceeded(_)) => {}
                        Err(e) => panic!("unexpected error: {e}"),
                    }
                }
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                if n % 50 == 0 {
                    println!("PROGRESS {n} {}", cancelled.load(Ordering::SeqCst));
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    engine.budget().flush(Duration::from_secs(10)).await;
    println!("PROGRESS {} {}", done.load(Ordering::SeqCst), cancelled.load(Ordering::SeqCst));
    println!("RESULT {}", cancelled.load(Ordering::SeqCst));
}

fn spawn_child(db: &str, upstream: &str, budget: Usd, calls: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["crash::crash_child_entry", "--exact", "--nocapture", "--test-threads=1"])
        .env(DB_VAR, db)
        .env(UPSTREAM_VAR, upstream)
        .env(BUDGET_VAR, budget.nanos().to_string())
        .env(CALLS_VAR, calls.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Reads a child's `PROGRESS done cancelled` lines until it exits or `stop_after` calls are
/// done (then it is SIGKILLed); returns the last (done, cancelled) seen and whether it was killed.
fn follow(mut child: Child, stop_after: Option<usize>) -> (usize, usize, bool) {
    let out = child.stdout.take().unwrap();
    let (mut done, mut cancelled) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(180);
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        let Some(rest) = line.split("PROGRESS ").nth(1) else { continue };
        let mut n = rest.split(' ').map(|x| x.trim().parse::<usize>().unwrap());
        (done, cancelled) = (n.next().unwrap(), n.next().unwrap());
        if stop_after.is_some_and(|s| done >= s) {
            child.kill().unwrap(); // SIGKILL: no destructor, no settle, no release
            child.wait().unwrap();
            return (done, cancelled, true);
        }
        assert!(Instant::now() < deadline, "child did not finish in time");
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "child failed: {status:?}");
    (done, cancelled, false)
}

/// An upstream that bills each request when it receives it (usage below the worst case).
struct Billing {
    billed: Arc<AtomicI64>,
    calls: Arc<AtomicUsize>,
}

impl Respond for Billing {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let cap = body["max_tokens"].as_u64().or(body["max_completion_tokens"].as_u64()).unwrap();
        let prompt = fastrand::u64(10..=40);
        let completion = fastrand::u64(1..=cap);
        self.billed.fetch_add((prompt * 1_000 + completion * 2_000) as i64, Ordering::SeqCst);
        self.calls.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({
                "id": "chatcmpl-crash", "object": "chat.completion", "model": "crash-model",
                "choices": [{"index": 0, "message": {"role": "assistant",
                    "content": "Spring is here: save 30% on every plan this week. Start your free trial today."},
                    "finish_reason": "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
            }))
            .set_delay(Duration::from_millis(fastrand::u64(2..25)))
    }
}

sql_backends!(two_processes_one_killed_never_lose_or_overspend);

async fn two_processes_one_killed_never_lose_or_overspend(kind: Kind) {
    let db = TestDb::new(kind).await;
    let server = MockServer::start().await;
    let (billed, calls) = (Arc::new(AtomicI64::new(0)), Arc::new(AtomicUsize::new(0)));
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(Billing { billed: Arc::clone(&billed), calls: Arc::clone(&calls) })
        .mount(&server)
        .await;
    let upstream = format!("{}/v1", server.uri());
    // The parent opens the database first (migrations) and learns the worst case of one call.
    let parent = splants::ContentEngine::builder().config(config(&db.url, &upstream, Usd::MAX)).build().await.unwrap();
    let estimate = parent.quote(&brief()).unwrap().estimate;
    // Room for about half of the calls at their average cost: the limit is reached.
    let limit = Usd::from_nanos(estimate.nanos() * CALLS as i64 / 4);
    let (url, up) = (db.url.clone(), upstream.clone());
    let (steady, killed, restarted) = tokio::task::spawn_blocking(move || {
        let a = spawn_child(&url, &up, limit, CALLS);
        let b = spawn_child(&url, &up, limit, CALLS);
        let a = std::thread::spawn(move || follow(a, None));
        let killed = follow(b, Some(300));
        assert!(killed.2, "the second process finished before it could be killed");
        let restarted = follow(spawn_child(&url, &up, limit, CALLS - killed.0), None);
        (a.join().unwrap(), killed, restarted)
    })
    .await
    .unwrap();
    let runs = steady.0 + killed.0 + restarted.0;
    assert!(runs >= 2 * CALLS - 50, "{runs} generations ran");
    // The killed process's holds lapse; any process reclaims them.
    let ledger = parent.budget().ledger();
    let before = ledger.usage(&Scope::Global, &parent.budget().window()).await.unwrap();
    ledger.reclaim_expired(Utc::now() + chrono::Duration::hours(1)).await.unwrap();
    let u = ledger.usage(&Scope::Global, &parent.budget().window()).await.unwrap();
    // Every hold the dead process left was for a call in flight: the reclaim counts it as spent.
    assert_eq!(u.spent - before.spent, before.reserved, "the dead process's calls in flight were counted as $0");
    let billed = Usd::from_nanos(billed.load(Ordering::SeqCst));
    // Unknown outcomes: calls cancelled by their caller, and those in flight when the process died.
    let unknown = (steady.1 + killed.1 + restarted.1 + CONCURRENCY) as i64;
    println!(
        "{kind:?}: {runs} generations, {} answered by the upstream, billed {billed}, recorded {}, limit {limit}, \
         {unknown} of unknown outcome at most; the dead process held {} in {} calls",
        calls.load(Ordering::SeqCst),
        u.spent,
        before.reserved,
        before.in_flight
    );
    assert!(u.spent >= billed, "recorded {} below billed {billed}", u.spent);
    assert!(
        u.spent - billed <= Usd::from_nanos(estimate.nanos() * unknown),
        "recorded {} exceeds billed {billed} by more than {unknown} unknown calls at {estimate}",
        u.spent
    );
    assert!(u.spent <= limit, "spent {} over the limit {limit}", u.spent);
    assert_eq!((u.reserved, u.in_flight), (Usd::ZERO, 0));
    assert_eq!(count_rows_where(&db, "budget_reservations", "state = 'held'").await, 0, "a hold is left");
}
