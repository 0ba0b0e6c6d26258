//! Hot-path benchmarks: engine overhead, rate-limit check, budget reserve+settle, analysis of
//! a 1,500-word post, template render. Run with `make bench` (release); medians are printed
//! and kept in `target/criterion`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use criterion::{Criterion, criterion_group, criterion_main};
use splants::Usage;
use splants::budget::{BudgetConfig, BudgetGuard, MemoryLedger};
use splants::clock::SystemClock;
use splants::events::EventSink;
use splants::provider::{Completion, CompletionRequest, FinishReason, PriceCard, PriceTable, Provider};
use splants::ratelimit::{MemoryRateLimiter, RateLimitConfig, RateLimiter};
use splants::{ContentEngine, ContentRequest, ContentType, Platform, RequestContext, TemplateRegistry, Usd};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const POST: &str = "Spring is here and so is our biggest sale of the year. Save 30% on every plan \
when you switch before Friday. Small teams tell us the scheduling tools alone save them five \
hours a week. Ready to grow? Start your free trial today. #SpringSale #Marketing";

/// Answers at once with a fixed post and usage, like a provider with zero latency.
#[derive(Debug)]
struct InstantProvider;

#[async_trait]
impl Provider for InstantProvider {
    fn name(&self) -> &str {
        "instant"
    }
    fn default_model(&self) -> &str {
        "instant-model"
    }
    async fn complete(&self, _req: &CompletionRequest) -> splants::Result<Completion> {
        Ok(Completion {
            text: POST.to_owned(),
            usage: Usage { input_tokens: 200, output_tokens: 60, ..Usage::default() },
            finish_reason: FinishReason::Stop,
            model: "instant-model".to_owned(),
            provider: "instant".to_owned(),
            service_tier: None,
            inference_geo: None,
            latency: Duration::ZERO,
        })
    }
}

fn long_post(words: usize) -> String {
    let sentences = [
        "Marketing automation helps small teams reach the right customers at the right time.",
        "Start with one channel, measure every campaign, and keep what works.",
        "Our customers saved hours each week by scheduling posts in advance.",
        "Personal emails still convert better than generic blasts.",
        "Try the free plan today and see the difference for yourself.",
    ];
    let mut out = String::from("# Marketing automation for small business\n\n");
    let mut n = 0;
    let mut i = 0;
    while n < words {
        if i % 12 == 11 {
            out.push_str("\n\n## Another section\n\n");
        }
        let s = sentences[i % sentences.len()];
        out.push_str(s);
        out.push(' ');
        n += s.split_whitespace().count();
        i += 1;
    }
    out
}

fn engine_overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut prices = PriceTable::empty();
    prices.insert("instant-model", PriceCard::new(1.0, 5.0).unwrap());
    let engine = rt.block_on(async {
        ContentEngine::builder()
            .config({
                let mut cfg = {
                    let mut config = splants::Config::default();
                    config.budget.global_limit = Usd::from_dollars(1e9);
                    config
                };
                cfg.rate_limits.per_minute = None;
                cfg
            })
            .provider(Arc::new(InstantProvider))
            .prices(prices)
            .in_memory()
            .build()
            .await
            .unwrap()
    });
    let req = ContentRequest::new(ContentType::SocialMedia, "Spring sale")
        .platform(Platform::Linkedin)
        .keywords(["sale", "marketing"])
        .length(60);
    let ctx = RequestContext::anonymous();
    c.bench_function("engine_generate_instant_provider_memory_store", |b| {
        b.to_async(&rt).iter(|| async { black_box(engine.generate(req.clone(), &ctx).await.unwrap()) })
    });
    // The same call run inline (`SPLANTS_ON_CALLER_LEFT=abort`): what the task of its own that
    // lets a sent call outlive its caller costs, side by side.
    let inline = ctx.clone().on_caller_left(splants::auth::CallerLeftPolicy::Abort);
    c.bench_function("engine_generate_instant_provider_memory_store_inline", |b| {
        b.to_async(&rt).iter(|| async { black_box(engine.generate(req.clone(), &inline).await.unwrap()) })
    });
    let keyed = RequestContext::for_key("bench")
        .tier("premium")
        .quota(splants::ratelimit::Quota::new(u32::MAX, Duration::from_secs(1)).unwrap());
    c.bench_function("engine_generate_with_key_and_rate_limit", |b| {
        b.to_async(&rt).iter(|| async { black_box(engine.generate(req.clone(), &keyed).await.unwrap()) })
    });
}

/// The Rust side of the binding overhead benchmarks: the same call, engine and briefs as
/// `bindings/python/bench/overhead.py` and `bindings/node/bench/overhead.mjs` (offline drafter,
/// memory store, no key), so the binding's cost is their median minus this one.
fn binding_baselines(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let engine = rt.block_on(async { ContentEngine::builder().in_memory().build().await.unwrap() });
    assert_eq!(engine.provider().name(), "offline");
    let ctx = RequestContext::anonymous();
    let python: ContentRequest = serde_json::from_value(serde_json::json!({
        "content_type": "social_media", "topic": "Quick marketing tip of the day",
        "keywords": ["marketing", "growth"], "tone": "casual", "platform": "twitter", "length": 40
    }))
    .unwrap();
    let node: ContentRequest = serde_json::from_value(serde_json::json!({
        "content_type": "social_media", "topic": "Three ways to keep an AI budget in check",
        "keywords": ["AI budget", "marketing"], "platform": "linkedin", "tone": "friendly"
    }))
    .unwrap();
    for (name, req) in [("python", python), ("node", node)] {
        c.bench_function(&format!("engine_generate_offline_{name}_brief"), |b| {
            b.to_async(&rt).iter(|| async { black_box(engine.generate(req.clone(), &ctx).await.unwrap()) })
        });
    }
}

/// The HTTP API in process (no sockets): auth, rate limit, JSON in and out, the engine with
/// the instant provider, metrics — what a request costs on top of the network.
fn server_in_process(c: &mut Criterion) {
    use tower::ServiceExt;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut prices = PriceTable::empty();
    prices.insert("instant-model", PriceCard::new(1.0, 5.0).unwrap());
    let mut cfg = {
        let mut config = splants::Config::default();
        config.budget.global_limit = Usd::from_dollars(1e9);
        config.auth.api_key = Some(splants::Secret::new("bench-admin-key-0001"));
        config
    };
    cfg.rate_limits.per_minute = None;
    cfg.rate_limits
        .tiers
        .insert("standard".into(), splants::ratelimit::Quota::new(u32::MAX, Duration::from_secs(1)).unwrap());
    let options = cfg.server.clone();
    let app = rt.block_on(async {
        let engine = ContentEngine::builder()
            .config(cfg)
            .provider(Arc::new(InstantProvider))
            .prices(prices)
            .in_memory()
            .build()
            .await
            .unwrap();
        splants::server::router(engine, options)
    });
    let body = r#"{"content_type":"social_media","topic":"Spring sale","platform":"linkedin","length":60,"keywords":["sale","marketing"]}"#;
    c.bench_function("server_generate_in_process", |b| {
        b.to_async(&rt).iter(|| async {
            let req = axum::http::Request::post("/v1/content/generate")
                .header("x-api-key", "bench-admin-key-0001")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), 200);
            black_box(axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap())
        })
    });
}

fn rate_limit_check(c: &mut Criterion) {
    let rl = MemoryRateLimiter::new(Arc::new(SystemClock));
    let mut cfg = RateLimitConfig::default();
    cfg.tiers.insert("bench".into(), splants::ratelimit::Quota::new(u32::MAX, Duration::from_secs(1)).unwrap());
    cfg.per_minute = None;
    let quotas = cfg.quotas_for(Some("bench"), None).unwrap();
    c.bench_function("rate_limit_check", |b| {
        b.iter(|| black_box(futures::executor::block_on(rl.check("key_bench", &quotas, 1)).unwrap()))
    });
}

fn reserve_settle(c: &mut Criterion) {
    let guard = BudgetGuard::new(
        Arc::new(MemoryLedger::new()),
        Arc::new(SystemClock),
        BudgetConfig { global_limit: Usd::from_dollars(1e9), alert_thresholds: vec![], ..BudgetConfig::default() },
        EventSink::default(),
    );
    let scopes: Arc<[splants::budget::ScopeLimit]> =
        guard.scopes(Some(("key_bench", Some(Usd::from_dollars(1e9).unwrap()))), None).into();
    let amount = Usd::from_nanos(1_000_000);
    c.bench_function("budget_reserve_settle_two_scopes", |b| {
        b.iter(|| {
            futures::executor::block_on(async {
                let r = guard.reserve(Arc::clone(&scopes), amount).await.unwrap();
                black_box(r.settle(Usd::from_nanos(500_000), "m").await.unwrap());
            })
        })
    });
}

fn analysis(c: &mut Criterion) {
    let text = long_post(1500);
    let req = ContentRequest::new(ContentType::Blog, "Marketing automation for small business")
        .keywords(["marketing automation", "small business", "customers"])
        .length(1500);
    assert!(splants::analysis::word_count(&text) >= 1500);
    c.bench_function("analysis_1500_word_post", |b| b.iter(|| black_box(splants::analysis::analyze(&text, &req))));
}

fn template_render(c: &mut Criterion) {
    let reg = TemplateRegistry::with_builtins();
    let vars = serde_json::json!({
        "product_name": "Splants Pro",
        "features": "scheduling, analytics, A/B tests",
        "audience": "marketing teams",
        "launch_date": "2026-12-01"
    });
    let vars = vars.as_object().unwrap().clone();
    c.bench_function("template_render_product_launch", |b| {
        b.iter(|| black_box(reg.render("product_launch", &vars).unwrap()))
    });
}

fn token_estimate(c: &mut Criterion) {
    let req = ContentRequest::new(ContentType::SocialMedia, "Spring sale")
        .platform(Platform::Linkedin)
        .keywords(["sale", "marketing"])
        .length(60);
    let prompt = splants::prompt::build(&req, None, 8192, 0);
    let bytes: usize = prompt.messages.iter().map(|m| m.content.len()).sum();
    let _ = splants::provider::tokens::estimate("gpt-4o-mini", &prompt.messages);
    c.bench_function(&format!("tokens_estimate_gpt4o_mini_{bytes}_byte_prompt_repeated"), |b| {
        b.iter(|| black_box(splants::provider::tokens::estimate("gpt-4o-mini", &prompt.messages)))
    });
    // A new topic every time: the topic line is counted fresh, the rest comes from the memo.
    let mut i = 0_u64;
    c.bench_function("tokens_estimate_gpt4o_mini_new_topic_each_call", |b| {
        b.iter(|| {
            i += 1;
            let mut msgs = prompt.messages.clone();
            msgs[1].content = msgs[1].content.replace("Spring sale", &format!("Spring sale number {i}"));
            black_box(splants::provider::tokens::estimate("gpt-4o-mini", &msgs))
        })
    });
}

criterion_group!(
    benches,
    token_estimate,
    engine_overhead,
    server_in_process,
    binding_baselines,
    rate_limit_check,
    reserve_settle,
    analysis,
    template_render
);
criterion_main!(benches);
