//! Budget storm driver (not a test): `cargo bench --bench storm`.
//!
//! 300 generations, 64 at a time, against a budget of $0.01 (`MONTHLY_AI_BUDGET=0.01`) and a
//! local OpenAI-format upstream that answers after 50 ms and bills far less than the worst case
//! each call reserves. Run twice in one go — with the admission wait off (every hold in flight
//! refuses at once, as before) and on (the default) — it prints, for each: admitted, refused
//! because spent, refused because only held, the final spend, the limit, the sum of the
//! `cost_usd` the callers got back, and the verdicts of the three goals: spend ≤ limit, no
//! refusal while the budget could still have paid (every refusal came after spend + worst case
//! passed the limit), and recorded spend = Σ returned cost.
//!
//! `STORM_CALLS`, `STORM_CONCURRENCY`, `STORM_BUDGET`, `STORM_DELAY_MS` change the figures;
//! `STORM_DATABASE_URL` runs it on SQLite or Postgres instead of memory: each run needs a budget
//! of its own, so `{run}` in it is replaced by `nowait` and `wait` (e.g.
//! `sqlite:///tmp/storm-{run}.db`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};
use splants::Secret;
use splants::budget::Scope;
use splants::config::{Config, ProviderKind};
use splants::error::ExceededBy;
use splants::{ContentEngine, ContentRequest, ContentType, Error, RequestContext, Usd};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn upstream(delay: Duration) -> String {
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |Json(body): Json<Value>| async move {
            tokio::time::sleep(delay).await;
            Json(json!({
                "id": "chatcmpl-storm", "object": "chat.completion", "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content":
                    "Spring is here and so is our biggest sale. Save 30% on every plan this week. Start your free trial today. #SpringSale"},
                    "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 250, "completion_tokens": 60, "total_tokens": 310}
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/v1")
}

#[derive(Default)]
struct Outcome {
    admitted: usize,
    refused_spent: usize,
    refused_held: usize,
    other_errors: usize,
    returned_cost: Usd,
    max_estimate: Usd,
}

async fn storm(base_url: &str, wait: Duration, db: &str) -> (Outcome, Usd, Usd, Duration) {
    let calls: usize = env("STORM_CALLS", 300);
    let concurrency: usize = env("STORM_CONCURRENCY", 64);
    let limit = Usd::from_dollars(env("STORM_BUDGET", 0.01)).unwrap();
    let config = Config {
        provider: ProviderKind::OpenAi,
        openai_api_key: Some(Secret::new("sk-storm")),
        openai_base_url: Some(base_url.to_owned()),
        model: Some("gpt-4o-mini".into()),
        max_attempts: 1,
        monthly_budget: Some(limit),
        budget_wait: wait,
        database_url: db.to_owned(),
        ..Config::default()
    };
    let engine = ContentEngine::builder().config(config).build().await.unwrap();
    let before = engine.budget().status(&Scope::Global, None).await.unwrap().spent;
    let request = ContentRequest::new(ContentType::SocialMedia, "spring sale").keywords(["spring", "sale"]);
    let estimate = engine.quote(&request).unwrap().estimate;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let outcome = Arc::new(parking_lot::Mutex::new(Outcome { max_estimate: estimate, ..Outcome::default() }));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (engine, request, next, outcome) = (engine.clone(), request.clone(), next.clone(), outcome.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < calls {
                let result = engine.generate(request.clone(), &RequestContext::anonymous()).await;
                let mut o = outcome.lock();
                match result {
                    Ok(piece) => {
                        o.admitted += 1;
                        o.returned_cost += piece.cost_usd;
                    }
                    Err(Error::BudgetExceeded(b)) if b.cause() == ExceededBy::Spent => o.refused_spent += 1,
                    Err(Error::BudgetExceeded(_)) => o.refused_held += 1,
                    Err(_) => o.other_errors += 1,
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let status = engine.budget().status(&Scope::Global, None).await.unwrap();
    let outcome = Arc::try_unwrap(outcome).ok().unwrap().into_inner();
    (outcome, status.spent - before, limit, elapsed)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let delay = Duration::from_millis(env("STORM_DELAY_MS", 50));
        let url = upstream(delay).await;
        let db: String = env("STORM_DATABASE_URL", "memory://".to_owned());
        println!("storm: {} calls, {} at a time, budget ${}, upstream {} ms, store {db}",
            env("STORM_CALLS", 300), env("STORM_CONCURRENCY", 64), env("STORM_BUDGET", 0.01), delay.as_millis());
        println!("{:<18} {:>8} {:>13} {:>12} {:>6} {:>12} {:>10} {:>14} {:>8}  verdicts",
            "admission wait", "admitted", "refused:spent", "refused:held", "other", "spend", "limit", "Σ cost_usd", "time");
        for wait in [Duration::ZERO, Duration::from_secs(15)] {
            let run = if wait.is_zero() { "nowait" } else { "wait" };
            let (o, spent, limit, elapsed) = storm(&url, wait, &db.replace("{run}", run)).await;
            let within = spent <= limit;
            // Spend only grows, so if the final spend still leaves room for one more worst case,
            // some refusal happened while the budget could have paid for it.
            let no_false_refusal = o.refused_held == 0 && (o.refused_spent == 0 || spent + o.max_estimate > limit);
            let exact = spent == o.returned_cost;
            println!("{:<18} {:>8} {:>13} {:>12} {:>6} {:>12} {:>10} {:>14} {:>7.2}s  spend≤limit {} · no false refusal {} · recorded=Σcost {}",
                format!("{} s", wait.as_secs()), o.admitted, o.refused_spent, o.refused_held, o.other_errors,
                spent.to_string(), limit.to_string(), o.returned_cost.to_string(), elapsed.as_secs_f64(),
                yes(within), yes(no_false_refusal), yes(exact));
        }
    });
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}
