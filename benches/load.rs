//! Load driver for `splants-server` (not a test): `make load`, which builds the release server
//! (`cargo build --release -p splants --features server,postgres,redis --bin splants-server`)
//! and then runs `cargo bench --bench load`.
//!
//! One run measures four layers side by side, each driven by `wrk` (Debian's package) with the
//! same request at concurrency 1, 16 and 64:
//!
//! - **direct**: straight to a local upstream that speaks the OpenAI chat-completions format
//!   and answers at once (it runs in this process);
//! - **nginx hop**: an nginx reverse proxy with upstream keep-alive in front of that upstream,
//!   started from this bench's own config: the cost of any layer that adds one HTTP hop;
//! - **Rust hop** and **Rust hop, JSON**: the same hop on splants' own HTTP stack (an axum
//!   server and a reqwest client, as in `splants-server`, with as many worker threads), in a
//!   process of its own (this bench, started again with `LOAD_RUST_HOP`): the first passes
//!   the body through, the second also parses the request and the upstream's answer into
//!   `serde_json::Value`s and writes them again, the least any API layer that reads its JSON
//!   does. They are the floor of a hop on this stack, below which splants cannot go;
//! - **Rust hop, JSON + SQLite**: the JSON hop that also makes, per request, the SQLite writes a
//!   generation makes on splants' own schema (created by splants' migrations in a file of its
//!   own): the lapsed-hold check, the reserve (`UPDATE … RETURNING` and the hold's `INSERT`) in
//!   one transaction before the upstream call, then the settle (`DELETE … RETURNING`, `UPDATE
//!   … RETURNING`), the usage row and the piece (with a real piece's 3 KB of metadata) in a
//!   second, through plain rusqlite with the same pragmas: one write connection behind a
//!   mutex, statements prepared once, no savepoints and no group commit. Its CPU per request
//!   less the JSON hop's is what SQLite itself costs a generation, the floor under splants'
//!   SQLite figure;
//! - **splants, `memory://`** and **splants, SQLite** (the default): the release
//!   `splants-server` binary against the same upstream, `POST /v1/content/generate`, cache off.
//!
//! For each layer and concurrency it prints req/s, p50, the p50 it adds over the direct run at
//! the same concurrency, and the layer's own CPU time per request read from `/proc` (nginx:
//! its worker process; splants: the server). For splants it also prints the start time (spawn
//! until `/health/live` answers) and the RSS when idle and after the load. Then the ratios the
//! performance goals are stated in.
//!
//! `LOAD_SECONDS` (default 5) sets each run's length; `LOAD_SOAK_SECONDS` (default 0: off)
//! adds a soak of the `memory://` server at c=16 for that long, printing its RSS every tenth of
//! the time (the bounded-memory check); `LOAD_WORKER_THREADS` (default 2) the server's worker
//! threads; `SPLANTS_SERVER_BIN` the server binary (default: `splants-server` beside this
//! bench's own directory, `target/release/`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const API_KEY: &str = "load-test-admin-key";

fn ticks_per_sec() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system CPU seconds of a process so far.
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

/// The upstream: answers every chat completion at once with the same short post. Runs on its
/// own runtime thread so the bench's waiting never delays it.
fn upstream() -> u16 {
    async fn complete(Json(body): Json<Value>) -> Json<Value> {
        Json(json!({
            "id": "chatcmpl-load", "object": "chat.completion", "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content":
                "Spring is here and so is our biggest sale. Save 30% on every plan this week. Start your free trial today. #SpringSale #Marketing"},
                "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 250, "completion_tokens": 40, "total_tokens": 290}
        }))
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().route("/v1/chat/completions", post(complete));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    port
}

/// The Rust hop, when this process was started as one (`LOAD_RUST_HOP=port:upstream:mode`,
/// mode `bytes` or `json`): serves `POST /v1/chat/completions` by sending it on to the
/// upstream with reqwest, until killed.
fn rust_hop(spec: &str) {
    use axum::body::Bytes;
    use axum::http::header::CONTENT_TYPE;
    let parts: Vec<&str> = spec.split(':').collect();
    let (port, upstream, mode) = (parts[0].to_owned(), parts[1].to_owned(), parts[2]);
    let workers = std::env::var("LOAD_WORKER_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    rt.block_on(async move {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let url: std::sync::Arc<str> = format!("http://127.0.0.1:{upstream}/v1/chat/completions").into();
        let app = if mode == "sqlite" {
            let db = std::sync::Arc::new(floor::Db::open(Path::new(parts[3])).await);
            axum::Router::new().route(
                "/v1/chat/completions",
                post(move |Json(body): Json<Value>| async move {
                    let hold = db.reserve();
                    let answer: Value = client.post(&*url).json(&body).send().await.unwrap().json().await.unwrap();
                    db.settle(&hold, &answer);
                    Json(answer)
                }),
            )
        } else if mode == "json" {
            axum::Router::new().route(
                "/v1/chat/completions",
                post(move |Json(body): Json<Value>| async move {
                    let answer = client.post(&*url).json(&body).send().await.unwrap();
                    Json(answer.json::<Value>().await.unwrap())
                }),
            )
        } else {
            axum::Router::new().route(
                "/v1/chat/completions",
                post(move |body: Bytes| async move {
                    let answer =
                        client.post(&*url).header(CONTENT_TYPE, "application/json").body(body).send().await.unwrap();
                    ([(CONTENT_TYPE, "application/json")], answer.bytes().await.unwrap())
                }),
            )
        };
        let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await.unwrap();
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app).await.unwrap();
    });
}

/// The SQLite floor's writes (see the module docs): what a generation writes, in plain rusqlite.
mod floor {
    use rusqlite::{Connection, params};
    use serde_json::Value;
    use std::path::Path;
    use std::sync::Mutex;

    /// A real piece's metadata (scores, assessments, hashtags), as splants stores it.
    const METADATA: &str = include_str!("support/piece_metadata.json");
    const BRIEF: &str = r#"{"content_type":"social_media","topic":"Spring sale","keywords":["sale"],"tone":"professional","platform":"linkedin","length":40,"seo_optimize":true}"#;
    const USAGE: &str = r#"{"input_tokens":250,"output_tokens":40,"cached_tokens":0,"cache_write_tokens":0,"cache_write_long_tokens":0,"reasoning_tokens":0,"estimated":false}"#;
    /// The budget period (µs since the epoch, as splants stores times): December 2026.
    const PERIOD: (i64, i64) = (1_796_083_200_000_000, 1_798_761_600_000_000);
    const AMOUNT: i64 = 231_000;
    const COST: i64 = 61_500;

    /// The write connection (behind a mutex, as splants' single writer) and a reader.
    pub struct Db {
        writer: Mutex<Connection>,
        reader: Mutex<Connection>,
    }

    fn now_micros() -> i64 {
        chrono::Utc::now().timestamp_micros()
    }

    fn open_conn(path: &Path) -> Connection {
        let c = Connection::open(path).unwrap();
        c.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;").unwrap();
        c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        c
    }

    impl Db {
        /// Runs `writes` in one write transaction on the writer (`BEGIN IMMEDIATE` … `COMMIT`).
        fn transaction<T>(&self, writes: impl FnOnce(&Connection) -> T) -> T {
            let w = self.writer.lock().unwrap();
            w.prepare_cached("BEGIN IMMEDIATE").unwrap().execute([]).unwrap();
            let out = writes(&w);
            w.prepare_cached("COMMIT").unwrap().execute([]).unwrap();
            out
        }

        /// splants' schema in a new file (its own migrations), and the period's budget row.
        pub async fn open(path: &Path) -> Db {
            let url = format!("sqlite://{}", path.display());
            let storage =
                splants::storage::SqliteStorage::connect(&url, &splants::storage::PoolConfig::default()).await.unwrap();
            storage.close().await;
            let writer = open_conn(path);
            writer
                .execute(
                    "INSERT INTO budget_spend (scope, period_start, period_end) VALUES ('global', ?1, ?2)",
                    params![PERIOD.0, PERIOD.1],
                )
                .unwrap();
            Db { writer: Mutex::new(writer), reader: Mutex::new(open_conn(path)) }
        }

        /// The lapsed-hold check, then the reserve: one transaction. Returns the hold's id.
        pub fn reserve(&self) -> String {
            let now = now_micros();
            {
                let r = self.reader.lock().unwrap();
                let mut lapsed = r
                    .prepare_cached(
                        "SELECT id FROM budget_reservations WHERE state = 'held' AND lease_until <= ?1 LIMIT 1",
                    )
                    .unwrap();
                assert!(!lapsed.exists(params![now]).unwrap(), "no hold lapses during a load run");
            }
            let id = uuid::Uuid::now_v7().to_string();
            self.transaction(|w| {
                let took: String = w
                    .prepare_cached(
                        "UPDATE budget_spend SET reserved = reserved + ?1, in_flight = in_flight + 1 \
                     WHERE scope = ?2 AND period_start = ?3 AND period_end = ?4 AND spent + reserved + ?1 <= ?5 \
                     RETURNING scope",
                    )
                    .unwrap()
                    .query_row(params![AMOUNT, "global", PERIOD.0, PERIOD.1, i64::MAX / 4], |r| r.get(0))
                    .unwrap();
                assert_eq!(took, "global");
                w.prepare_cached(
                "INSERT INTO budget_reservations (id, scopes, period_start, period_end, amount, lease_until, state, \
                 created_at, in_flight) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'held', ?7, ?8)",
            )
            .unwrap()
            .execute(params![id, r#"["global"]"#, PERIOD.0, PERIOD.1, AMOUNT, now + 900_000_000, now, 1])
            .unwrap();
            });
            id
        }

        /// The settle, the usage row and the piece: one transaction.
        pub fn settle(&self, hold: &str, answer: &Value) {
            let text = answer["choices"][0]["message"]["content"].as_str().unwrap_or_default();
            let (piece, usage_id) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
            let now = now_micros();
            self.transaction(|w| {
                let held: i64 = w
                    .prepare_cached(
                        "DELETE FROM budget_reservations WHERE id = ?1 \
                     RETURNING scopes, period_start, period_end, amount, state, in_flight, counted",
                    )
                    .unwrap()
                    .query_row(params![hold], |r| r.get(3))
                    .unwrap();
                let _spent: i64 = w
                    .prepare_cached(
                        "UPDATE budget_spend SET spent = spent + ?1, reserved = reserved - ?2, \
                     in_flight = CASE WHEN in_flight >= ?3 THEN in_flight - ?3 ELSE 0 END, \
                     overshoot = overshoot + ?4, overshoot_count = overshoot_count + ?5 \
                     WHERE scope = ?6 AND period_start = ?7 AND period_end = ?8 RETURNING spent",
                    )
                    .unwrap()
                    .query_row(params![COST, held, 1, 0, 0, "global", PERIOD.0, PERIOD.1], |r| r.get(0))
                    .unwrap();
                w.prepare_cached(
                    "INSERT INTO api_usage (id, content_id, owner, provider, model, input_tokens, output_tokens, \
                 cached_tokens, cache_write_tokens, cache_write_long_tokens, reasoning_tokens, cost, estimate, \
                 latency_ms, outcome, error_code, created_at, usage_estimated) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )
                .unwrap()
                .execute(params![
                    usage_id,
                    piece,
                    "key_load",
                    "openai",
                    "gpt-4o-mini",
                    250,
                    40,
                    0,
                    0,
                    0,
                    0,
                    COST,
                    AMOUNT,
                    1,
                    "success",
                    None::<String>,
                    now,
                    false
                ])
                .unwrap();
                w.prepare_cached(
                    "INSERT INTO content (id, owner, content_type, platform, topic, content, topic_lc, content_lc, \
                 quality_score, seo_score, cost, provider, model, cached, created_at, metadata, request, usage, \
                 template, caller_left) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
                )
                .unwrap()
                .execute(params![
                    piece,
                    "key_load",
                    "social_media",
                    "linkedin",
                    "Spring sale",
                    text,
                    "spring sale",
                    text.to_lowercase(),
                    0.98,
                    1.0,
                    COST,
                    "openai",
                    "gpt-4o-mini",
                    false,
                    now,
                    METADATA.trim_end(),
                    BRIEF,
                    USAGE,
                    None::<String>,
                    false
                ])
                .unwrap();
            });
        }
    }
}

/// Starts this bench again as a Rust hop in `mode` in front of `upstream`.
fn spawn_rust_hop(upstream: u16, mode: &str) -> (Child, u16) {
    let port = free_port();
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.env("LOAD_RUST_HOP", format!("{port}:{upstream}:{mode}"));
    (start_hop("Rust hop", &mut command, port), port)
}

/// Starts a hop in front of the upstream (its output to stderr) and waits until a chat
/// completion posted to `port` is answered through it.
fn start_hop(name: &str, command: &mut Command, port: u16) -> Child {
    let child = command.stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().unwrap();
    wait_until(name, || answers_post(port));
    child
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Whether `request` (one whole HTTP/1.1 request, `Connection: close`) sent to `port` gets a
/// 2xx answer.
fn answers_2xx(port: u16, request: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 2")
}

/// Whether something answers a GET of `path` on `port`.
fn answers(port: u16, path: &str) -> bool {
    answers_2xx(port, &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !ready() {
        assert!(t.elapsed() < Duration::from_secs(30), "{what} did not come up within 30 s");
        std::thread::sleep(Duration::from_micros(500));
    }
    t.elapsed()
}

/// A program the driver needs: on PATH, or installed from Debian's packages when it can be.
fn need(program: &str, package: &str) -> PathBuf {
    let find = || {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
                .map(|d| d.join(program))
                .find(|p| p.is_file())
        })
    };
    if let Some(p) = find() {
        return p;
    }
    println!("{program} is missing: apt-get install {package}");
    let ok = Command::new("apt-get")
        .args(["install", "-y", "-q", package])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    find().filter(|_| ok).unwrap_or_else(|| panic!("`{program}` is needed (Debian package `{package}`)"))
}

/// The release `splants-server` binary. It is a bin of the `splants` crate, not of this package,
/// so cargo does not build it for this bench (nor give its path): `make load` builds it first.
fn server_binary() -> PathBuf {
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

/// One wrk run's figures.
struct Run {
    requests: u64,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
}

/// Reads wrk's latency figures (`50%  123.45us`, `ms`, `s`).
fn wrk_time_us(s: &str) -> f64 {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap());
    let n: f64 = num.parse().unwrap();
    n * match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        other => panic!("wrk time unit {other}"),
    }
}

/// Drives `url` with wrk at concurrency `c` for `secs` seconds, posting `script`'s request.
fn wrk(wrk: &Path, script: &Path, url: &str, c: u32, secs: u64) -> Run {
    let out = Command::new(wrk)
        .args(["-t1", &format!("-c{c}"), &format!("-d{secs}s"), "--latency", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("Non-2xx"), "some answers were not 2xx:\n{text}");
    assert!(!text.contains("Socket errors"), "socket errors:\n{text}");
    let field = |prefix: &str| -> &str {
        text.lines().map(str::trim).find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("{prefix}: {text}"))
    };
    let total: u64 = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    Run {
        requests: total,
        rps: field("Requests/sec:").trim().parse().unwrap(),
        p50_us: wrk_time_us(field("50%").trim()),
        p99_us: wrk_time_us(field("99%").trim()),
    }
}

/// A wrk script that posts `body` as JSON (with the API key when `key`).
fn script(dir: &Path, name: &str, body: &Value, key: bool) -> PathBuf {
    let path = dir.join(name);
    let mut lua = format!(
        "wrk.method = \"POST\"\nwrk.body = [[{}]]\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
        serde_json::to_string(body).unwrap()
    );
    if key {
        lua.push_str(&format!("wrk.headers[\"X-API-Key\"] = \"{API_KEY}\"\n"));
    }
    std::fs::write(&path, lua).unwrap();
    path
}

/// nginx in front of the upstream: one worker, keep-alive to the upstream, no logs.
fn nginx(dir: &Path, upstream: u16) -> (Child, u16) {
    let bin = need("nginx", "nginx-light");
    let port = free_port();
    let root = dir.join("nginx");
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    let conf = format!(
        "daemon off;\nmaster_process on;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {root}/tmp/body;\n  proxy_temp_path {root}/tmp/proxy;\n\
           fastcgi_temp_path {root}/tmp/fcgi;\n  uwsgi_temp_path {root}/tmp/uwsgi;\n  scgi_temp_path {root}/tmp/scgi;\n\
           upstream llm {{ server 127.0.0.1:{upstream}; keepalive 64; }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    keepalive_requests 1000000;\n\
             location / {{ proxy_pass http://llm; proxy_http_version 1.1; proxy_set_header Connection \"\"; }}\n  }}\n}}\n",
        root = root.display()
    );
    let conf_path = root.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let mut command = Command::new(bin);
    command.arg("-c").arg(&conf_path).arg("-p").arg(&root);
    (start_hop("nginx", &mut command, port), port)
}

/// Whether a chat completion posted to `port` (the upstream, or nginx in front of it) is answered.
fn answers_post(port: u16) -> bool {
    let body = r#"{"model":"m","messages":[]}"#;
    answers_2xx(
        port,
        &format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// nginx's worker process (the child of the master): the one that does the proxying.
fn nginx_worker(master: u32) -> u32 {
    let children = std::fs::read_to_string(format!("/proc/{master}/task/{master}/children")).unwrap_or_default();
    children.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(master)
}

/// A running `splants-server`, its start time and idle RSS.
struct Server {
    child: Child,
    port: u16,
    start: Duration,
    idle_rss: f64,
}

fn splants(database_url: &str, upstream: u16) -> Server {
    let port = free_port();
    let spawned = Instant::now();
    let child = Command::new(server_binary())
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("API_KEY", API_KEY)
        .env("OPENAI_API_KEY", "sk-load-test")
        .env("OPENAI_BASE_URL", format!("http://127.0.0.1:{upstream}/v1"))
        .env("SPLANTS_MODEL", "gpt-4o-mini")
        .env("DATABASE_URL", database_url)
        .env("CACHE_ENABLED", "false")
        .env("MONTHLY_AI_BUDGET", "1000000000")
        .env("SPLANTS_RATE_STANDARD_PER_HOUR", "4000000000")
        .env("SPLANTS_RATE_PER_MINUTE", "0")
        .env("LOG_LEVEL", "warn")
        .env("SPLANTS_WORKER_THREADS", std::env::var("LOAD_WORKER_THREADS").unwrap_or_else(|_| "2".into()))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let start = spawned.elapsed() + wait_until("splants-server", || answers(port, "/health/live"));
    std::thread::sleep(Duration::from_millis(500));
    let idle_rss = rss_mib(child.id());
    Server { child, port, start, idle_rss }
}

fn stop(mut child: Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.wait();
}

/// One layer's runs at each concurrency, and its CPU per request.
struct Layer {
    name: &'static str,
    runs: Vec<(u32, Run, Option<f64>)>,
}

const LEVELS: [u32; 3] = [1, 16, 64];

fn measure(name: &'static str, wrk_bin: &Path, script: &Path, url: &str, cpu_pid: Option<u32>, secs: u64) -> Layer {
    // Warm up (connections, lazy tables, the allocator's arenas).
    wrk(wrk_bin, script, url, 4, 1);
    let mut runs = Vec::new();
    for c in LEVELS {
        let cpu0 = cpu_pid.map(cpu_seconds);
        let run = wrk(wrk_bin, script, url, c, secs);
        let cpu = cpu_pid.zip(cpu0).map(|(pid, c0)| (cpu_seconds(pid) - c0) / run.requests as f64 * 1e6);
        runs.push((c, run, cpu));
    }
    Layer { name, runs }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` compatibility
    }
    if let Ok(spec) = std::env::var("LOAD_RUST_HOP") {
        rust_hop(&spec);
        return;
    }
    let secs: u64 = std::env::var("LOAD_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let soak: u64 = std::env::var("LOAD_SOAK_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let wrk_bin = need("wrk", "wrk");
    let dir = tempfile::tempdir().unwrap();
    let upstream = upstream();
    wait_until("upstream", || answers_post(upstream));

    let brief = json!({"content_type": "social_media", "topic": "Spring sale", "platform": "linkedin", "length": 40, "keywords": ["sale"]});
    let completion = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Spring sale"}], "max_completion_tokens": 336});
    let direct_script = script(dir.path(), "direct.lua", &completion, false);
    let splants_script = script(dir.path(), "splants.lua", &brief, true);

    let mut layers = Vec::new();
    let direct_url = format!("http://127.0.0.1:{upstream}/v1/chat/completions");
    layers.push(measure("direct to upstream", &wrk_bin, &direct_script, &direct_url, None, secs));

    let (nginx, nginx_port) = nginx(dir.path(), upstream);
    let worker = nginx_worker(nginx.id());
    let url = format!("http://127.0.0.1:{nginx_port}/v1/chat/completions");
    layers.push(measure("nginx hop", &wrk_bin, &direct_script, &url, Some(worker), secs));
    stop(nginx);

    let floor_mode = format!("sqlite:{}", dir.path().join("floor.db").display());
    for (name, mode) in [("Rust hop", "bytes"), ("Rust hop, JSON", "json"), ("Rust hop, JSON + SQLite", &*floor_mode)] {
        let (hop, port) = spawn_rust_hop(upstream, mode);
        let url = format!("http://127.0.0.1:{port}/v1/chat/completions");
        layers.push(measure(name, &wrk_bin, &direct_script, &url, Some(hop.id()), secs));
        stop(hop);
    }

    let mut servers = Vec::new();
    for (name, db) in [
        ("splants, memory://", "memory://".to_owned()),
        ("splants, SQLite", format!("sqlite://{}/load.db", dir.path().display())),
    ] {
        let s = splants(&db, upstream);
        let pid = s.child.id();
        let url = format!("http://127.0.0.1:{}/v1/content/generate", s.port);
        layers.push(measure(name, &wrk_bin, &splants_script, &url, Some(pid), secs));
        let after = rss_mib(pid);
        servers.push((name, s.start, s.idle_rss, after));
        if soak > 0 && db == "memory://" {
            println!("soak: {name} at c=16 for {soak} s (RSS every {} s)", (soak / 10).max(1));
            let mut samples = vec![format!("{after:.1}")];
            for _ in 0..10 {
                wrk(&wrk_bin, &splants_script, &url, 16, (soak / 10).max(1));
                samples.push(format!("{:.1}", rss_mib(pid)));
            }
            println!("soak RSS MiB: {}", samples.join(" → "));
        }
        stop(s.child);
    }

    println!(
        "\nsplants-server load ({secs} s per run, wrk -t1, {} worker threads; one upstream answering at once)\n",
        std::env::var("LOAD_WORKER_THREADS").unwrap_or_else(|_| "2".into())
    );
    println!("| layer | c | req/s | p50 µs | p99 µs | added p50 µs | CPU µs/req |");
    println!("|---|---|---|---|---|---|---|");
    let direct_p50: Vec<f64> = layers[0].runs.iter().map(|(_, r, _)| r.p50_us).collect();
    for layer in &layers {
        for (i, (c, r, cpu)) in layer.runs.iter().enumerate() {
            let added = if layer.name.starts_with("direct") {
                "—".into()
            } else {
                format!("{:+.0}", r.p50_us - direct_p50[i])
            };
            let cpu = cpu.map_or("—".into(), |v| format!("{v:.0}"));
            println!("| {} | {c} | {:.0} | {:.0} | {:.0} | {added} | {cpu} |", layer.name, r.rps, r.p50_us, r.p99_us);
        }
    }
    println!();
    for (name, start, idle, after) in &servers {
        println!(
            "{name}: start {:.1} ms, idle RSS {idle:.1} MiB, RSS after load {after:.1} MiB",
            start.as_secs_f64() * 1e3
        );
    }
    // The goals are ratios between rows of this one run.
    let at = |name: &str, c: u32| {
        let l = layers.iter().find(|l| l.name == name).unwrap();
        let (_, r, cpu) = l.runs.iter().find(|(lc, _, _)| *lc == c).unwrap();
        (r, cpu.unwrap_or(f64::NAN))
    };
    let c1 = |name: &str| at(name, 1);
    let (mem1, mem_cpu1) = c1("splants, memory://");
    let (_, sql_cpu1) = c1("splants, SQLite");
    let (ngx1, ngx_cpu1) = c1("nginx hop");
    let (mem16, mem_cpu16) = at("splants, memory://", 16);
    let (sql16, sql_cpu16) = at("splants, SQLite", 16);
    let (_, ngx_cpu16) = at("nginx hop", 16);
    let (hop1, hop_cpu1) = c1("Rust hop, JSON");
    let (hop16, hop_cpu16) = at("Rust hop, JSON", 16);
    let (_, floor_cpu1) = c1("Rust hop, JSON + SQLite");
    let (floor16, floor_cpu16) = at("Rust hop, JSON + SQLite", 16);
    let d1 = direct_p50[0];
    println!("\nratios (goal in brackets):");
    println!(
        "  SQLite CPU/req ÷ memory:// CPU/req: c=1 {:.2}, c=16 {:.2}  [≤ 1.5]",
        sql_cpu1 / mem_cpu1,
        sql_cpu16 / mem_cpu16
    );
    println!("  SQLite c=16 req/s ÷ memory:// c=16 req/s: {:.0} %  [≥ 70 %]", 100.0 * sql16.rps / mem16.rps);
    println!(
        "  memory:// added p50 ÷ nginx hop's, c=1: {:.1}  [≤ 5]  ({:.0} µs vs {:.0} µs)",
        (mem1.p50_us - d1) / (ngx1.p50_us - d1),
        mem1.p50_us - d1,
        ngx1.p50_us - d1
    );
    println!(
        "  memory:// CPU/req ÷ nginx hop's: c=1 {:.1}, c=16 {:.1}  [≤ 2.5]",
        mem_cpu1 / ngx_cpu1,
        mem_cpu16 / ngx_cpu16
    );
    println!("\nthe floor of one hop on splants' stack (axum + reqwest, JSON parsed and written), against nginx's:");
    println!(
        "  Rust hop, JSON: added p50 ÷ nginx hop's, c=1: {:.1}; CPU/req ÷ nginx hop's: c=1 {:.1}, c=16 {:.1}",
        (hop1.p50_us - d1) / (ngx1.p50_us - d1),
        hop_cpu1 / ngx_cpu1,
        hop_cpu16 / ngx_cpu16
    );
    println!(
        "  memory:// over that floor: added p50 c=1 {:.1}×, CPU/req c=1 {:.1}×, c=16 {:.1}×",
        (mem1.p50_us - d1) / (hop1.p50_us - d1),
        mem_cpu1 / hop_cpu1,
        mem_cpu16 / hop_cpu16
    );
    // SQLite's own cost of a generation, measured on the floor hop; what it leaves of the goal.
    let (own1, own16) = (floor_cpu1 - hop_cpu1, floor_cpu16 - hop_cpu16);
    println!("\nthe floor of SQLite: a generation's writes in plain rusqlite on the JSON hop (two commits a request):");
    println!(
        "  SQLite's own CPU/req (floor hop − JSON hop): c=1 {own1:.0} µs, c=16 {own16:.0} µs; \
         the floor hop's c=16 req/s ÷ the JSON hop's: {:.0} %",
        100.0 * floor16.rps / hop16.rps
    );
    println!(
        "  splants' SQLite CPU/req − memory://'s: c=1 {:.0} µs, c=16 {:.0} µs",
        sql_cpu1 - mem_cpu1,
        sql_cpu16 - mem_cpu16
    );
    println!(
        "  the least SQLite ÷ memory:// ratio with that cost added to memory://: c=1 {:.2}, c=16 {:.2}  [goal ≤ 1.5]",
        (mem_cpu1 + own1) / mem_cpu1,
        (mem_cpu16 + own16) / mem_cpu16
    );
}
