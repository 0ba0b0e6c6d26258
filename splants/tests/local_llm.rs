//! The OpenAI-compatible provider against a real local LLM: llama.cpp's `llama-server`
//! (built from source by `scripts/llama.sh`) running SmolLM2-135M-Instruct on this machine's
//! CPU, on 127.0.0.1 — no network.
//!
//! A 135M model writes poor copy, so these tests assert structure and accounting, never
//! wording: a generation, a streamed one and a batch come back as pieces; the budget counts the
//! tokens the server reported, priced through `SPLANTS_PRICES`, and the output tokens agree with
//! the server's own counter (`/metrics`); the server's error answers (a request over its context
//! window, an unknown route) become typed provider errors that charge nothing.
//!
//! `SPLANTS_LLAMA_SERVER` and `SPLANTS_LLAMA_MODEL` name the binary and the GGUF file
//! (`scripts/llama.sh` prints both; `make test` sets them). Without them each test says so and
//! returns, unless `SPLANTS_REQUIRE_LLAMA=1` (set by `make test`), where that is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use futures::StreamExt;
use splants::config::Config;
use splants::engine::GenerationEvent;
use splants::money::Usd;
use splants::{ContentEngine, ContentRequest, ContentType, Error, Platform, RequestContext, Usage};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The model name splants sends; llama-server answers with whatever model it loaded.
const MODEL: &str = "smollm2-135m-instruct";
/// $1 per 1M input tokens (cached or not) and $2 per 1M output tokens: 1,000 and 2,000
/// nano-dollars a token, so every cost below is exact.
const PRICES: &str = r#"{"smollm2-135m-instruct": {"input": 1, "output": 2, "cached_input": 1}}"#;

/// The binary and the model, or `None` (with a note) when they are not installed.
fn installed() -> Option<(PathBuf, PathBuf)> {
    let server = std::env::var_os("SPLANTS_LLAMA_SERVER").map(PathBuf::from);
    let model = std::env::var_os("SPLANTS_LLAMA_MODEL").map(PathBuf::from);
    match (server, model) {
        (Some(s), Some(m)) if s.is_file() && m.is_file() => Some((s, m)),
        _ if std::env::var("SPLANTS_REQUIRE_LLAMA").as_deref() == Ok("1") => {
            panic!(
                "SPLANTS_REQUIRE_LLAMA=1 but SPLANTS_LLAMA_SERVER / SPLANTS_LLAMA_MODEL do not name files: run scripts/llama.sh"
            )
        }
        _ => {
            eprintln!("llama-server not installed: skipped (scripts/llama.sh installs it; make test requires it)");
            None
        }
    }
}

/// A `llama-server` child on a free port of 127.0.0.1, killed on drop.
struct LlamaServer {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

impl LlamaServer {
    /// Starts the server with a context window of `ctx_per_slot` tokens for each of its two
    /// slots (llama-server raises it to at least 256) and waits until `/health` answers 200.
    async fn start(server: &Path, model: &Path, ctx_per_slot: u32) -> LlamaServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::env::temp_dir().join(format!("splants-llama-{port}.log"));
        let child = Command::new(server)
            .args(["-m", model.to_str().unwrap(), "--host", "127.0.0.1", "--port", &port.to_string()])
            // One thread: llama.cpp's threads meet at spinning barriers, and nextest runs other
            // tests beside this one on a two-core machine. With one core busy compiling, `-t 2`
            // generated 13 tokens/s here and `-t 1` 35; at 13 a batch item hit the 60 s timeout.
            .args(["-c", &(2 * ctx_per_slot).to_string(), "-np", "2", "-t", "1", "--metrics", "--seed", "7"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("llama-server starts");
        let mut me = LlamaServer { child, base: format!("http://127.0.0.1:{port}"), log };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = client.get(format!("{}/health", me.base)).send().await
                && r.status() == 200
            {
                return me;
            }
            // A server that died (a build for instructions this CPU cannot run dies of SIGILL
            // in its warm-up) fails at once, with how it ended, not after the whole wait.
            if let Some(status) = me.child.try_wait().unwrap() {
                panic!(
                    "llama-server exited before it was healthy ({status}):\n{}",
                    std::fs::read_to_string(&me.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "llama-server did not become healthy in 120 s:\n{}",
                std::fs::read_to_string(&me.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server's own count of generated tokens (`llamacpp:tokens_predicted_total`).
    async fn tokens_predicted(&self) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.base)).await.unwrap().text().await.unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("llamacpp:tokens_predicted_total"))
            .unwrap_or_else(|| panic!("no tokens_predicted_total in /metrics:\n{text}"));
        line.split_whitespace().last().unwrap().parse::<f64>().unwrap() as u64
    }
}

/// An engine on `memory://` whose provider is the compatible one at `base_url`, priced by
/// [`PRICES`], with a $5 budget.
async fn engine(base_url: &str) -> ContentEngine {
    let config = Config::from_vars([
        ("SPLANTS_PROVIDER", "llamacpp"),
        ("OPENAI_BASE_URL", base_url),
        ("SPLANTS_MODEL", MODEL),
        ("SPLANTS_PRICES", PRICES),
        ("DATABASE_URL", "memory://"),
        ("MONTHLY_AI_BUDGET", "5"),
        ("SPLANTS_PROVIDER_MAX_ATTEMPTS", "1"),
    ])
    .unwrap();
    ContentEngine::builder().config(config).build().await.unwrap()
}

fn brief(topic: &str) -> ContentRequest {
    ContentRequest::new(ContentType::SocialMedia, topic).platform(Platform::Linkedin).keywords(["budget"]).length(40)
}

/// What `usage` costs at [`PRICES`]: every prompt token (cached or not) at $1/M, every output
/// token at $2/M.
fn priced(usage: &Usage) -> Usd {
    Usd::from_nanos(i64::try_from(usage.prompt_tokens() * 1_000 + usage.output_tokens * 2_000).unwrap())
}

async fn spent(engine: &ContentEngine) -> (Usd, Usd) {
    let global = engine.budget_status(&RequestContext::anonymous()).await.unwrap().remove(0);
    (global.spent, global.reserved)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generation_streaming_and_batch_are_counted_as_the_server_reports_them() {
    let Some((server, model)) = installed() else { return };
    let llama = LlamaServer::start(&server, &model, 2048).await;
    let engine = engine(&format!("{}/v1", llama.base)).await;
    let ctx = RequestContext::anonymous();
    let mut expected = Usd::ZERO;
    let mut output_tokens = 0;

    // One generation.
    let piece = engine.generate(brief("A weekly budget review for marketing teams"), &ctx).await.unwrap();
    assert!(!piece.content.trim().is_empty(), "{piece:?}");
    assert!(piece.usage.input_tokens > 0 && piece.usage.output_tokens > 0, "{:?}", piece.usage);
    assert_eq!(piece.cost_usd, priced(&piece.usage));
    assert!(piece.stored && !piece.cached);
    // llama-server answers with the path of its GGUF file as the model: the requested name stays.
    assert_eq!(piece.model, MODEL);
    assert!((0.0..=1.0).contains(&piece.quality_score) && !piece.metadata.assessments.is_empty());
    expected = expected.saturating_add(piece.cost_usd);
    output_tokens += piece.usage.output_tokens;
    assert_eq!(spent(&engine).await, (expected, Usd::ZERO), "the budget holds what the server reported");

    // The same as a stream: text arrives in deltas, then the finished piece.
    let mut stream = engine.generate_stream(brief("Three ways to cut ad spend waste"), &ctx).await.unwrap();
    let (mut deltas, mut text, mut done) = (0, String::new(), None);
    while let Some(event) = stream.next().await {
        match event.unwrap() {
            GenerationEvent::Delta(t) => {
                deltas += 1;
                text.push_str(&t);
            }
            GenerationEvent::Done(p) => done = Some(p),
        }
    }
    let done = done.expect("a streamed generation ends with its piece");
    assert!(deltas > 1 && !text.trim().is_empty(), "{deltas} deltas: {text:?}");
    assert!(done.usage.input_tokens > 0 && done.usage.output_tokens > 0, "{:?}", done.usage);
    assert_eq!(done.cost_usd, priced(&done.usage));
    assert_eq!(done.model, MODEL);
    expected = expected.saturating_add(done.cost_usd);
    output_tokens += done.usage.output_tokens;
    assert_eq!(spent(&engine).await, (expected, Usd::ZERO));

    // A batch of two, on the server's two slots.
    let batch = engine
        .generate_batch(vec![brief("Spring sale for a bakery"), brief("Hiring a part-time designer")], &ctx)
        .await
        .unwrap();
    assert_eq!((batch.total, batch.successful, batch.failed), (2, 2, 0), "{batch:?}");
    for item in &batch.results {
        let p = item.data.as_ref().unwrap();
        assert_eq!(p.cost_usd, priced(&p.usage));
        expected = expected.saturating_add(p.cost_usd);
        output_tokens += p.usage.output_tokens;
    }
    assert_eq!(spent(&engine).await, (expected, Usd::ZERO));

    // Every generated token the server counted is one splants billed, and no more.
    assert_eq!(llama.tokens_predicted().await, output_tokens, "server's count against the pieces' usage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_error_answers_are_typed_provider_errors_that_charge_nothing() {
    let Some((server, model)) = installed() else { return };
    // Two slots of 256 tokens (llama-server's smallest), and a brief whose prompt is longer:
    // llama-server refuses it with 400 `exceed_context_size_error`.
    let llama = LlamaServer::start(&server, &model, 128).await;
    let ctx = RequestContext::anonymous();

    let too_long = engine(&format!("{}/v1", llama.base)).await;
    let long = brief(&"A weekly budget review for marketing teams, with owners and deadlines. ".repeat(7))
        .target_audience(
            "marketing managers at small and medium businesses who run paid campaigns on several platforms",
        )
        .call_to_action("Download the free budget review checklist and share it with your team this week");
    let e = too_long.generate(long, &ctx).await.unwrap_err();
    let Error::Provider(failure) = &e else { panic!("a request over the context window: {e:?}") };
    assert_eq!(failure.status, Some(400), "{failure:?}");
    assert!(!failure.retryable, "{failure:?}");
    assert_eq!(spent(&too_long).await, (Usd::ZERO, Usd::ZERO), "a refused request costs nothing");

    // An unknown route: llama-server's 404.
    let lost = engine(&format!("{}/no/such/v1", llama.base)).await;
    let e = lost.generate(brief("A weekly budget review for marketing teams"), &ctx).await.unwrap_err();
    let Error::Provider(failure) = &e else { panic!("an unknown route: {e:?}") };
    assert_eq!(failure.status, Some(404), "{failure:?}");
    assert!(!failure.retryable, "{failure:?}");
    assert_eq!(spent(&lost).await, (Usd::ZERO, Usd::ZERO));
    // The message is the server's, with nothing of the URL's host or path.
    assert!(!e.to_string().contains("127.0.0.1"), "{e}");
}
