//! Load driver for `splants-server` (not a test): `make load`, which builds the release server
//! (`cargo build --release -p splants --features server,postgres,redis --bin splants-server`)
//! and then runs `cargo bench --bench load`.
//!
//! Starts a local upstream that speaks the OpenAI chat-completions format and answers at once,
//! starts the real `splants-server` binary (release) against it with the cache off, then
//! drives `POST /v1/content/generate` at concurrency 1, 16 and 64 — and the same load sent
//! straight to the upstream — and prints req/s, p50/p99, the latency splants adds, the
//! server's CPU time per request, its idle RSS and its start time.
//!
//! `LOAD_REQUESTS` (default 3000) sets requests per run; `LOAD_DATABASE_URL` the server's
//! database (default: a SQLite file in a temp dir); `SPLANTS_SERVER_BIN` the server binary
//! (default: `splants-server` beside this bench's own directory, `target/release/`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ticks_per_sec() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let (utime, stime): (f64, f64) = (f[11].parse().unwrap(), f[12].parse().unwrap());
    (utime + stime) / ticks_per_sec()
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 =
        status.lines().find(|l| l.starts_with("VmRSS:")).unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    kb / 1024.0
}

async fn upstream() -> String {
    async fn complete(Json(body): Json<Value>) -> Json<Value> {
        Json(json!({
            "id": "chatcmpl-load", "object": "chat.completion", "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content":
                "Spring is here and so is our biggest sale. Save 30% on every plan this week. Start your free trial today. #SpringSale #Marketing"},
                "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 250, "completion_tokens": 40, "total_tokens": 290}
        }))
    }
    let app = axum::Router::new().route("/v1/chat/completions", post(complete));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

struct Run {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

async fn drive(
    client: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    body: &Value,
    concurrency: usize,
    total: usize,
) -> Run {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, key, body, next) =
            (client.clone(), url.to_owned(), key.map(str::to_owned), body.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                let t = Instant::now();
                let mut req = client.post(&url).json(&body);
                if let Some(k) = &key {
                    req = req.header("x-api-key", k);
                }
                let r = req.send().await.unwrap();
                assert!(r.status().is_success(), "status {}", r.status());
                r.bytes().await.unwrap();
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    Run { rps: all.len() as f64 / elapsed.as_secs_f64(), p50: pct(0.50), p99: pct(0.99) }
}

/// The release `splants-server` binary. It is a bin of the `splants` crate, not of this package,
/// so cargo does not build it for this bench (nor give its path): `make load` builds it first.
fn server_binary() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("SPLANTS_SERVER_BIN") {
        return path.into();
    }
    let exe = std::env::current_exe().unwrap();
    // target/release/deps/load-<hash> → target/release/splants-server
    let path = exe.parent().and_then(|deps| deps.parent()).unwrap().join("splants-server");
    assert!(
        path.is_file(),
        "{} is missing: run `make load`, or `cargo build --release -p splants --features server,postgres,redis \
         --bin splants-server` first (or set SPLANTS_SERVER_BIN)",
        path.display()
    );
    path
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` compatibility
    }
    let total: usize = std::env::var("LOAD_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let upstream = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let db =
        std::env::var("LOAD_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}/load.db", dir.path().display()));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let spawned = Instant::now();
    let mut child = Command::new(server_binary())
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("API_KEY", "load-test-admin-key")
        .env("OPENAI_API_KEY", "sk-load-test")
        .env("OPENAI_BASE_URL", format!("{upstream}/v1"))
        .env("SPLANTS_MODEL", "gpt-4o-mini")
        .env("DATABASE_URL", &db)
        .env("CACHE_ENABLED", "false")
        .env("MONTHLY_AI_BUDGET", "1000000")
        .env("SPLANTS_RATE_STANDARD_PER_HOUR", "4000000000")
        .env("SPLANTS_RATE_PER_MINUTE", "0")
        .env("LOG_LEVEL", "warn")
        .env("SPLANTS_WORKER_THREADS", std::env::var("LOAD_WORKER_THREADS").unwrap_or_else(|_| "2".into()))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder().pool_max_idle_per_host(128).build().unwrap();
    let start_time = loop {
        if client.get(format!("{base}/health/live")).send().await.is_ok() {
            break spawned.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = rss_mib(pid);
    let brief = json!({"content_type": "social_media", "topic": "Spring sale", "platform": "linkedin", "length": 40, "keywords": ["sale"]});
    let direct_body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Spring sale"}], "max_completion_tokens": 336});
    // Warm up both paths (connections, lazy tables).
    drive(&client, &format!("{base}/v1/content/generate"), Some("load-test-admin-key"), &brief, 4, 200).await;
    drive(&client, &format!("{upstream}/v1/chat/completions"), None, &direct_body, 4, 200).await;
    println!(
        "splants-server load test ({total} requests per run, database {}, 2-core machine)",
        if db.starts_with("sqlite") { "sqlite" } else { &db }
    );
    println!(
        "start (spawn → /health/live answers): {:.1} ms; idle RSS: {idle_rss:.1} MiB",
        start_time.as_secs_f64() * 1000.0
    );
    println!(
        "{:>4} | {:>10} {:>9} {:>9} | {:>10} {:>9} {:>9} | {:>9} {:>9} | {:>8}",
        "c", "splants/s", "p50 µs", "p99 µs", "direct/s", "p50 µs", "p99 µs", "+p50 µs", "+p99 µs", "CPU µs/r"
    );
    for c in [1, 16, 64] {
        let cpu0 = cpu_seconds(pid);
        let s =
            drive(&client, &format!("{base}/v1/content/generate"), Some("load-test-admin-key"), &brief, c, total).await;
        let cpu = (cpu_seconds(pid) - cpu0) / total as f64;
        let d = drive(&client, &format!("{upstream}/v1/chat/completions"), None, &direct_body, c, total).await;
        println!(
            "{c:>4} | {:>10.0} {:>9.0} {:>9.0} | {:>10.0} {:>9.0} {:>9.0} | {:>9.0} {:>9.0} | {:>8.0}",
            s.rps,
            us(s.p50),
            us(s.p99),
            d.rps,
            us(d.p50),
            us(d.p99),
            us(s.p50) - us(d.p50),
            us(s.p99) - us(d.p99),
            cpu * 1e6
        );
    }
    println!("RSS after load: {:.1} MiB", rss_mib(pid));
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
    let _ = child.wait();
}
