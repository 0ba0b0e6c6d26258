//! Streaming benchmark (not a test): `make bench-stream` (`cargo bench --bench stream`).
//!
//! One local OpenAI-format upstream, in its own process, streams 500 chunks (one word each, each its own HTTP chunk,
//! written back to back, then the usage chunk and `[DONE]`). In one run, side by side, each path reads the same
//! stream `N` times (after a warm-up) and the medians are compared with the floor, a plain
//! `reqwest` client reading the upstream directly:
//!
//! - **direct**: time to the first body byte, and from it to the end of the body;
//! - **Rust**: `ContentEngine::generate_stream` (memory store, cache off): time to the first
//!   delta, from it to the last delta, and to the finished piece;
//! - **HTTP**: `POST /v1/content/generate` with `Accept: text/event-stream` on an in-process
//!   `splants::server::router` over 127.0.0.1: time to the first `delta` event, to the last
//!   byte of the last delta's event, and to the `done` event;
//! - **Python** and **Node**: the same engine call from the bindings
//!   (`bindings/python/bench/stream.py`, `bindings/node/bench/stream.mjs`), which print one
//!   line of timings per run; skipped with a note when the wheel or addon is not built.
//!
//! Added time to the first delta = the path's median first delta − the direct median first
//! byte (it includes the pipeline's checks before the request: validation, rate limit, quote,
//! reservation). Added time per chunk = (the path's median first-to-last-delta − the direct
//! median first-byte-to-end) / 499.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

use futures::StreamExt;
use serde_json::json;
use splants::config::Config;
use splants::engine::GenerationEvent;
use splants::provider::ProviderKind;
use splants::ratelimit::Quota;
use splants::{ContentEngine, ContentRequest, RequestContext, Secret, Usd};
use splants_testkit::{SseReply, SseServer};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHUNKS: usize = 500;
const RUNS: usize = 200;
const WARMUP: usize = 20;
const MODEL: &str = "gpt-4o-mini";
const ADMIN: &str = "bench-admin-key-000000000001";

/// The upstream's answer: 500 word chunks, the finish chunk, the usage chunk, `[DONE]`; each
/// event written as its own HTTP chunk.
fn upstream_body() -> (Vec<u8>, Vec<usize>) {
    let mut body = String::new();
    let mut cuts = Vec::new();
    let chunk = |delta: serde_json::Value, finish: Option<&str>| {
        json!({"id": "c", "object": "chat.completion.chunk", "model": MODEL,
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    for i in 0..CHUNKS {
        let word = if i == 0 { "word0".to_owned() } else { format!(" word{i}") };
        body.push_str(&format!("data: {}\n\n", chunk(json!({"content": word}), None)));
        cuts.push(body.len());
    }
    body.push_str(&format!("data: {}\n\n", chunk(json!({}), Some("stop"))));
    cuts.push(body.len());
    let usage = json!({"id": "c", "object": "chat.completion.chunk", "model": MODEL, "choices": [],
        "usage": {"prompt_tokens": 300, "completion_tokens": CHUNKS, "total_tokens": 300 + CHUNKS}});
    body.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    (body.into_bytes(), cuts)
}

fn config(upstream: &str) -> Config {
    let mut config = Config::default();
    config.provider.kind = ProviderKind::OpenAi;
    config.provider.openai_api_key = Some(Secret::new("sk-bench-0000000000000000"));
    config.provider.openai_base_url = Some(format!("{upstream}/v1"));
    config.provider.model = Some(MODEL.into());
    config.provider.max_attempts = 1;
    config.cache.enabled = false;
    config.budget.global_limit = Usd::from_dollars(1_000_000.0);
    config.auth.api_key = Some(Secret::new(ADMIN));
    config.rate_limits.per_minute = None;
    for quota in config.rate_limits.tiers.values_mut() {
        *quota = Quota::per_hour(NonZeroU32::new(1_000_000).unwrap());
    }
    config
}

fn brief() -> serde_json::Value {
    json!({"content_type": "blog", "topic": "streaming benchmark", "keywords": ["stream"], "length": 600})
}

/// One run's timings in microseconds from the start of the call.
#[derive(Clone, Copy, Debug)]
struct Run {
    first: f64,
    last: f64,
    done: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

struct Summary {
    name: &'static str,
    first: f64,
    span: f64,
    done: f64,
}

fn summarise(name: &'static str, runs: &[Run]) -> Summary {
    Summary {
        name,
        first: median(runs.iter().map(|r| r.first).collect()),
        span: median(runs.iter().map(|r| r.last - r.first).collect()),
        done: median(runs.iter().map(|r| r.done).collect()),
    }
}

fn micros(since: Instant) -> f64 {
    since.elapsed().as_nanos() as f64 / 1e3
}

async fn direct(client: &reqwest::Client, upstream: &str) -> Run {
    let t0 = Instant::now();
    let r = client
        .post(format!("{upstream}/v1/chat/completions"))
        .json(&json!({"model": MODEL, "stream": true, "messages": [{"role": "user", "content": "x"}]}))
        .send();
    let mut r = match tokio::time::timeout(Duration::from_secs(5), r).await {
        Ok(r) => r.unwrap(),
        Err(_) => panic!("direct: no response head in 5 s (upstream served {} requests)", 0),
    };
    let mut first = None;
    while let Some(c) = r.chunk().await.unwrap() {
        if first.is_none() && !c.is_empty() {
            first = Some(micros(t0));
        }
    }
    let end = micros(t0);
    Run { first: first.unwrap(), last: end, done: end }
}

async fn rust(engine: &ContentEngine, request: &ContentRequest) -> Run {
    let ctx = RequestContext::default();
    let t0 = Instant::now();
    let mut stream = engine.generate_stream(request.clone(), &ctx).await.unwrap();
    let (mut first, mut last) = (None, 0.0);
    let mut deltas = 0;
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            GenerationEvent::Delta(_) => {
                deltas += 1;
                last = micros(t0);
                first.get_or_insert(last);
            }
            GenerationEvent::Done(_) => {
                assert_eq!(deltas, CHUNKS);
                return Run { first: first.unwrap(), last, done: micros(t0) };
            }
        }
    }
    panic!("the stream ended without its piece");
}

async fn http(client: &reqwest::Client, base: &str) -> Run {
    let t0 = Instant::now();
    let mut r = client
        .post(format!("{base}/v1/content/generate"))
        .header("x-api-key", ADMIN)
        .header("accept", "text/event-stream")
        .json(&brief())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (mut first, mut last, mut done) = (None, 0.0, None);
    while let Some(c) = r.chunk().await.unwrap() {
        let text = std::str::from_utf8(&c).unwrap_or("");
        if text.contains("event: delta") {
            last = micros(t0);
            first.get_or_insert(last);
        }
        if text.contains("event: done") {
            done = Some(micros(t0));
        }
    }
    Run { first: first.unwrap(), last, done: done.expect("no done event") }
}

/// Runs a binding's script, which prints `first last done` (µs) per run, one run per line.
fn binding(program: &Path, script: &Path, upstream: &str) -> Option<Vec<Run>> {
    let out = Command::new(program)
        .arg(script)
        .args(["--base-url", &format!("{upstream}/v1"), "--runs", &RUNS.to_string(), "--warmup", &WARMUP.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        println!("  ({} failed: {})", script.display(), String::from_utf8_lossy(&out.stderr).trim());
        return None;
    }
    let runs: Vec<Run> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            (v.len() == 3).then(|| Run { first: v[0], last: v[1], done: v[2] })
        })
        .collect();
    (runs.len() == RUNS).then_some(runs)
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The upstream, run in a child process (this binary with `--serve-upstream`) so that every
/// path, in this process or a binding's, reads it alike: prints its URL, then serves until
/// killed.
async fn serve_upstream() {
    let (body, cuts) = upstream_body();
    // Written back to back: the per-chunk figure is the work each chunk costs, not a wait.
    let server = SseServer::start(vec![SseReply::split_at(&body, &cuts).gap(Duration::ZERO)]).await;
    println!("{}", server.url());
    std::future::pending::<()>().await;
}

/// Starts the upstream process; returns it and its URL.
fn start_upstream() -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--serve-upstream")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().to_owned())
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--serve-upstream") {
        return serve_upstream().await;
    }
    let (mut upstream_process, upstream) = start_upstream();
    let client = reqwest::Client::new();

    let engine = ContentEngine::builder().config(config(&upstream)).in_memory().build().await.unwrap();
    let request: ContentRequest = serde_json::from_value(brief()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = splants::server::router(engine.clone(), config(&upstream).server);
    tokio::spawn(splants::server::serve(listener, app, std::future::pending()));

    println!("streaming: {CHUNKS} chunks from a local upstream, {RUNS} runs each after {WARMUP} warm-up runs");
    let mut table = Vec::new();
    // Interleaved rounds, so a slow phase of the machine hits every path alike.
    let (mut d, mut r, mut h) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..WARMUP + RUNS {
        // Each call in a task on the runtime's workers, as a server's handler runs (the main
        // future of `#[tokio::main]` runs on its own thread, one wake-up away from them), and
        // in a rotating order, so no path always runs first after the previous round.
        let (mut a, mut b, mut c) = (None, None, None);
        for k in 0..3 {
            match (i + k) % 3 {
                0 => {
                    let (cl, up) = (client.clone(), upstream.clone());
                    a = Some(tokio::spawn(async move { direct(&cl, &up).await }).await.unwrap());
                }
                1 => {
                    let (en, rq) = (engine.clone(), request.clone());
                    b = Some(tokio::spawn(async move { rust(&en, &rq).await }).await.unwrap());
                }
                _ => {
                    let (cl, ba) = (client.clone(), base.clone());
                    c = Some(tokio::spawn(async move { http(&cl, &ba).await }).await.unwrap());
                }
            }
        }
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        if i >= WARMUP {
            d.push(a);
            r.push(b);
            h.push(c);
        }
    }
    table.push(summarise("direct (reqwest)", &d));
    table.push(summarise("Rust generate_stream", &r));
    table.push(summarise("HTTP text/event-stream", &h));

    let python = repo().join("bindings/python/.venv/bin/python");
    let py_script = repo().join("bindings/python/bench/stream.py");
    match python.exists().then(|| binding(&python, &py_script, &upstream)).flatten() {
        Some(runs) => table.push(summarise("Python generate_stream", &runs)),
        None => println!("  (Python skipped: build the wheel into bindings/python/.venv first)"),
    }
    let node_script = repo().join("bindings/node/bench/stream.mjs");
    let addon_built = std::fs::read_dir(repo().join("bindings/node"))
        .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".node")))
        .unwrap_or(false);
    match addon_built.then(|| binding(Path::new("node"), &node_script, &upstream)).flatten() {
        Some(runs) => table.push(summarise("Node generateStream", &runs)),
        None => println!("  (Node skipped: build the addon in bindings/node first)"),
    }

    let floor = &table[0];
    println!();
    println!(
        "| path | first delta p50 | added to first delta | first→last delta p50 | added per chunk | piece done p50 |"
    );
    println!("|---|---|---|---|---|---|");
    for s in &table {
        let (added_first, added_chunk) = if std::ptr::eq(s, floor) {
            ("floor".to_owned(), "floor".to_owned())
        } else {
            (
                format!("{:+.0} µs", s.first - floor.first),
                format!("{:+.2} µs", (s.span - floor.span) / (CHUNKS - 1) as f64),
            )
        };
        println!(
            "| {} | {:.0} µs | {added_first} | {:.0} µs | {added_chunk} | {:.0} µs |",
            s.name, s.first, s.span, s.done
        );
    }
    println!();
    println!("goals: added to first delta ≤ 1,000 µs p50; added per chunk ≤ 20 µs");
    let _ = upstream_process.kill();
    let _ = upstream_process.wait();
}
