use super::*;
use crate::budget::ScopeUsage;
use crate::clock::FakeClock;
use crate::config::DegradePolicy;
use crate::content::Usage;
use crate::content::{ContentType, Platform, Tone};
use crate::error::ErrorCode;
use crate::money::Usd;
use crate::provider::{Completion, CompletionRequest, PriceCard, RetryPolicy, RetryingProvider};
use crate::ratelimit::Quota;
use async_trait::async_trait;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const GOOD_BLOG: &str = "# AI Marketing Tips for Small Business\n\n\
AI marketing helps a small business reach the right people. Automation saves hours every week. \
This guide shows simple steps you can start today.\n\n\
## Start with automation\n\n\
Automation handles the repetitive work. Schedule your posts and emails once. \
Then focus on the conversations that matter. Good automation frees your team.\n\n\
## Use AI to know your audience\n\n\
AI tools read your data and find patterns. They show which messages work best. \
You can test two versions and keep the winner. Small changes add up fast.\n\n\
## Measure what matters\n\n\
Track clicks, sign-ups and sales. Compare each channel every month. \
Drop what does not work and invest in what does.\n\n\
## Conclusion\n\n\
AI marketing and automation give a small business the reach of a big one. \
Start small, measure, and grow. Sign up for our free newsletter to get more tips.";

/// A provider answering from memory, billing a fixed usage (or a random one below the bound).
#[derive(Debug)]
struct TestProvider {
    text: String,
    usage: Option<Usage>,
    delay: Duration,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    failures: parking_lot::Mutex<Vec<Error>>,
}

impl TestProvider {
    fn new(text: &str) -> Self {
        TestProvider {
            text: text.to_owned(),
            usage: Some(Usage { input_tokens: 300, output_tokens: 700, ..Usage::default() }),
            delay: Duration::ZERO,
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            failures: parking_lot::Mutex::new(Vec::new()),
        }
    }

    fn random_usage(mut self) -> Self {
        self.usage = None;
        self
    }

    fn delay(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }

    fn fail_first(self, errors: Vec<Error>) -> Self {
        *self.failures.lock() = errors.into_iter().rev().collect();
        self
    }
}

#[async_trait]
impl Provider for TestProvider {
    fn name(&self) -> &str {
        "test"
    }
    fn default_model(&self) -> &str {
        "test-model"
    }
    async fn complete(&self, req: &CompletionRequest) -> crate::Result<Completion> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(e) = self.failures.lock().pop() {
            return Err(e);
        }
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let bound = self.billing_targets(req)[0].input_tokens;
        let usage = self.usage.unwrap_or_else(|| Usage {
            input_tokens: fastrand::u64(1..=bound),
            output_tokens: fastrand::u64(0..=u64::from(req.max_tokens)),
            ..Usage::default()
        });
        Ok(Completion { latency: self.delay, ..Completion::test_answer(req, self.text.clone(), usage) })
    }
}

fn prices() -> PriceTable {
    let mut p = PriceTable::empty();
    p.insert("test-model", PriceCard::new(1.0, 5.0).unwrap());
    p.insert("cheap-model", PriceCard::new(0.1, 0.5).unwrap());
    p
}

fn config(budget: f64) -> Config {
    let mut config = Config::default();
    config.budget.global_limit = Usd::from_dollars(budget);
    config
}

async fn engine_with(provider: Arc<dyn Provider>, config: Config) -> ContentEngine {
    ContentEngine::builder()
        .config(config)
        .provider(provider)
        .prices(prices())
        .clock(Arc::new(FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0)))
        .in_memory()
        .build()
        .await
        .unwrap()
}

fn blog() -> ContentRequest {
    ContentRequest::new(ContentType::Blog, "AI Marketing Tips")
        .keywords(["AI", "marketing", "automation"])
        .tone(Tone::Professional)
        .length(200)
}

async fn global(engine: &ContentEngine) -> ScopeUsage {
    let w = engine.budget().window();
    engine.budget().ledger().usage(&crate::budget::Scope::Global, &w).await.unwrap()
}

#[tokio::test]
async fn generates_scores_stores_and_records_usage() {
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await;
    let mut events = engine.subscribe();
    let piece = engine.generate(blog(), &RequestContext::anonymous()).await.unwrap();
    assert!(piece.content.len() > 100);
    assert!(piece.quality_score >= 0.7, "quality {}", piece.quality_score);
    assert!(piece.seo_score >= 0.5, "seo {}", piece.seo_score);
    // 300 in × $1/M + 700 out × $5/M = $0.0038
    assert_eq!(piece.cost_usd, Usd::from_nanos(3_800_000));
    assert_eq!(piece.metadata.keywords_used.len(), 3);
    assert_eq!((piece.provider.as_str(), piece.model.as_str()), ("test", "test-model"));
    let stored = engine.get_content(&piece.id, &RequestContext::anonymous()).await.unwrap();
    assert_eq!(stored, piece);
    let u = global(&engine).await;
    assert_eq!((u.spent, u.reserved), (Usd::from_nanos(3_800_000), Usd::ZERO));
    let usage = engine
        .stores()
        .usage
        .list_usage(piece.created_at, piece.created_at + chrono::Duration::seconds(1), None)
        .await
        .unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].content_id.as_deref(), Some(piece.id.as_str()));
    assert!(usage[0].estimate >= usage[0].cost);
    assert!(matches!(events.try_recv().unwrap(), EngineEvent::ContentGenerated { cached: false, .. }));
}

#[tokio::test]
async fn seed_keyword_integration() {
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await;
    let req =
        ContentRequest::new(ContentType::Blog, "Business Automation").keywords(["AI", "automation", "efficiency"]);
    let piece = engine.generate(req, &RequestContext::anonymous()).await.unwrap();
    let lower = piece.content.to_lowercase();
    let present = ["ai", "automation", "efficiency"].iter().filter(|k| lower.contains(*k)).count();
    assert!(present >= 2);
}

#[tokio::test]
async fn seed_budget_enforcement_on_second_request() {
    let provider = TestProvider {
        usage: Some(Usage { input_tokens: 500, output_tokens: 1100, ..Usage::default() }),
        ..TestProvider::new(GOOD_BLOG)
    };
    let engine = engine_with(Arc::new(provider), config(0.01)).await;
    let req = ContentRequest::new(ContentType::Blog, "Test Topic").tone(Tone::Casual);
    let quote = engine.quote(&req).unwrap();
    assert!(quote.estimate <= Usd::from_dollars(0.01).unwrap(), "{quote:?}");
    engine.generate(req.clone(), &RequestContext::anonymous()).await.unwrap();
    let err = engine.generate(req, &RequestContext::anonymous()).await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("budget"), "{err}");
    assert_eq!(err.code(), ErrorCode::BudgetExceeded);
    assert_eq!(err.details()["budget"], 0.01);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_generations_never_overspend() {
    let provider = Arc::new(TestProvider::new(GOOD_BLOG).random_usage());
    let req = ContentRequest::new(ContentType::SocialMedia, "Spring sale").platform(Platform::Linkedin).length(100);
    let probe = engine_with(provider.clone(), config(1000.0)).await;
    let estimate = probe.quote(&req).unwrap().estimate;
    // A budget that fits about 100 worst-case calls.
    let limit = Usd::from_nanos(estimate.nanos() * 100);
    let engine = engine_with(provider.clone(), {
        let mut config = Config::default();
        config.budget.global_limit = Some(limit);
        config
    })
    .await;
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let (engine, req) = (engine.clone(), req.clone());
        tasks.push(tokio::spawn(async move { engine.generate(req, &RequestContext::anonymous()).await }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::BudgetExceeded(_)) => refused += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok + refused, 1000);
    assert!(ok >= 100, "every call fits at its estimate, so at least 100 succeed (got {ok})");
    let u = global(&engine).await;
    assert!(u.spent <= limit, "spent {} > limit {}", u.spent, limit);
    assert_eq!((u.reserved, u.in_flight, u.overshoot_count), (Usd::ZERO, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelled_generations_leave_nothing_reserved() {
    // The engine that aborts a call whose caller left (`SPLANTS_ON_CALLER_LEFT=abort`).
    let provider = Arc::new(TestProvider::new(GOOD_BLOG).delay(Duration::from_secs(30)));
    let abort = {
        let mut config = config(1000.0);
        config.calls.on_caller_left = crate::auth::CallerLeftPolicy::Abort;
        config
    };
    let engine = engine_with(provider.clone(), abort).await;
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move { engine.generate(blog(), &RequestContext::anonymous()).await }));
    }
    while provider.in_flight.load(Ordering::SeqCst) < 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(global(&engine).await.in_flight, 200);
    for t in &tasks {
        t.abort();
    }
    for t in tasks {
        assert!(t.await.unwrap_err().is_cancelled());
    }
    let u = global(&engine).await;
    assert_eq!((u.reserved, u.in_flight), (Usd::ZERO, 0));
    // In-flight calls may still be billed by the provider: they count at their estimate.
    let estimate = engine.quote(&blog()).unwrap().estimate;
    assert_eq!(u.spent, Usd::from_nanos(estimate.nanos() * 200));
}

#[tokio::test]
async fn rate_limited_per_key_not_for_anonymous() {
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(100.0)).await;
    let free = RequestContext::for_key("k1").tier("free");
    for _ in 0..10 {
        engine.generate(blog(), &free).await.unwrap();
    }
    let err = engine.generate(blog(), &free).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(360)));
    let own = RequestContext::for_key("k2").quota(Quota::new(1, Duration::from_secs(60)).unwrap());
    engine.generate(blog(), &own).await.unwrap();
    assert_eq!(engine.generate(blog(), &own).await.unwrap_err().code(), ErrorCode::RateLimited);
    for _ in 0..12 {
        engine.generate(blog(), &RequestContext::anonymous()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cache_single_flight_pays_once() {
    let provider = Arc::new(TestProvider::new(GOOD_BLOG).delay(Duration::from_millis(50)));
    let engine = engine_with(provider.clone(), {
        let mut config = config(10.0);
        config.cache.enabled = true;
        config
    })
    .await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move { engine.generate(blog(), &RequestContext::anonymous()).await.unwrap() }));
    }
    let mut pieces = Vec::new();
    for t in tasks {
        pieces.push(t.await.unwrap());
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
    assert_eq!(pieces.iter().filter(|p| !p.cached).count(), 1);
    assert!(pieces.iter().filter(|p| p.cached).all(|p| p.cost_usd == Usd::ZERO));
    assert!(pieces.iter().all(|p| p.id == pieces[0].id));
    assert_eq!(global(&engine).await.spent, Usd::from_nanos(3_800_000));
    // Another owner does not get this owner's piece.
    let other = engine.generate(blog(), &RequestContext::anonymous().tenant("t2")).await.unwrap();
    assert!(!other.cached);
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn maybe_billed_attempts_are_reserved_and_counted() {
    let timeout = Error::provider_timeout("test", Duration::from_millis(10));
    let inner = Arc::new(TestProvider::new(GOOD_BLOG).fail_first(vec![timeout]));
    let policy =
        RetryPolicy { max_attempts: 2, base_delay: Duration::from_millis(1), jitter: false, ..RetryPolicy::default() };
    let provider = Arc::new(RetryingProvider::new(inner.clone(), policy));
    let engine = engine_with(provider, config(10.0)).await;
    let estimate = engine.quote(&blog()).unwrap().estimate;
    let piece = engine.generate(blog(), &RequestContext::anonymous()).await.unwrap();
    assert_eq!(inner.calls.load(Ordering::SeqCst), 2);
    let u = global(&engine).await;
    assert_eq!(u.spent, piece.cost_usd + estimate, "the timed-out attempt counts at its estimate");
    assert_eq!(u.reserved, Usd::ZERO);
}

#[tokio::test]
async fn unbilled_failures_release_the_hold() {
    let failure = Error::Provider(Box::new(crate::error::ProviderFailure {
        provider: "test".into(),
        status: Some(400),
        kind: Some("invalid_request_error".into()),
        message: "bad".into(),
        retryable: false,
        retry_after: None,
        source: None,
    }));
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG).fail_first(vec![failure])), config(10.0)).await;
    let err = engine.generate(blog(), &RequestContext::anonymous()).await.unwrap_err();
    assert_eq!(err.status_code(), 502);
    let u = global(&engine).await;
    assert_eq!((u.spent, u.reserved), (Usd::ZERO, Usd::ZERO));
}

#[tokio::test]
async fn empty_answer_is_a_generation_error_but_still_paid() {
    let engine = engine_with(Arc::new(TestProvider::new("   ")), config(10.0)).await;
    let err = engine.generate(blog(), &RequestContext::anonymous()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ContentGenerationError);
    assert_eq!(global(&engine).await.spent, Usd::from_nanos(3_800_000));
}

#[tokio::test]
async fn invalid_requests_change_nothing() {
    let provider = Arc::new(TestProvider::new(GOOD_BLOG));
    let engine = engine_with(provider.clone(), config(10.0)).await;
    let err =
        engine.generate(ContentRequest::new(ContentType::Blog, " "), &RequestContext::for_key("k")).await.unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if field == "topic"));
    assert_eq!(provider.calls.load(Ordering::SeqCst), 0);
    assert_eq!(global(&engine).await, ScopeUsage::default());
    let page = engine.list_content(ContentQuery::default(), &RequestContext::anonymous()).await.unwrap();
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn unpriced_model_is_a_config_error_at_build() {
    let err = ContentEngine::builder()
        .provider(Arc::new(TestProvider::new("x")))
        .prices(PriceTable::empty())
        .in_memory()
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ConfigError);
    assert!(err.to_string().contains("test-model"));
}

#[tokio::test]
async fn degrade_policies() {
    let provider = Arc::new(TestProvider::new(GOOD_BLOG));
    let req = blog().length(1000);
    let full = engine_with(provider.clone(), config(100.0)).await.quote(&req).unwrap().estimate;
    let tight = Usd::from_nanos(full.nanos() / 2);
    let off = engine_with(provider.clone(), {
        let mut config = Config::default();
        config.budget.global_limit = Some(tight);
        config
    })
    .await;
    assert_eq!(
        off.generate(req.clone(), &RequestContext::anonymous()).await.unwrap_err().code(),
        ErrorCode::BudgetExceeded
    );
    let shrink = engine_with(provider.clone(), {
        let mut config = Config::default();
        config.budget.global_limit = Some(tight);
        config.budget.degrade = DegradePolicy::ShrinkMaxTokens { min_tokens: 64 };
        config
    })
    .await;
    shrink.generate(req.clone(), &RequestContext::anonymous()).await.unwrap();
    let cheaper = engine_with(provider, {
        let mut config = Config::default();
        config.budget.global_limit = Some(tight);
        config.budget.degrade = DegradePolicy::CheaperModel("cheap-model".into());
        config
    })
    .await;
    let piece = cheaper.generate(req, &RequestContext::anonymous()).await.unwrap();
    assert_eq!(piece.model, "cheap-model");
}

#[tokio::test]
async fn batch_reports_each_item() {
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await;
    let items = vec![
        serde_json::json!({"content_type": "blog", "topic": "One"}),
        serde_json::json!({"content_type": "blog", "topic": "Two", "tone": "snarky"}),
        serde_json::json!({"content_type": "blog", "topic": ""}),
        serde_json::json!({"content_type": "email", "topic": "Three"}),
    ];
    let out = engine.generate_batch_json(items, &RequestContext::anonymous()).await.unwrap();
    assert_eq!((out.total, out.successful, out.failed), (4, 2, 2));
    assert_eq!(out.results.iter().map(|r| r.index).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
    let e1 = out.results[1].error.as_ref().unwrap();
    assert_eq!((e1.code, e1.details["field"].as_str()), (ErrorCode::ValidationError, Some("tone")));
    assert_eq!(out.results[2].error.as_ref().unwrap().details["field"], "topic");
    let too_many = vec![blog(); 11];
    let err = engine.generate_batch(too_many, &RequestContext::anonymous()).await.unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if field == "requests"), "{err}");
}

#[tokio::test]
async fn template_generation_runs_the_pipeline() {
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await;
    let vars = serde_json::json!({
        "product_name": "Splants Pro",
        "features": "scheduling, analytics",
        "audience": "marketers",
        "launch_date": "2026-12-01"
    });
    let piece = engine
        .generate_from_template(
            "product_launch",
            vars.as_object().unwrap(),
            &TemplateOverrides::default(),
            &RequestContext::anonymous(),
        )
        .await
        .unwrap();
    assert_eq!(piece.template.as_ref().map(|t| t.name.as_str()), Some("product_launch"));
    assert_eq!(piece.content_type, ContentType::SocialMedia);
    let missing = engine
        .generate_from_template(
            "product_launch",
            &serde_json::Map::new(),
            &TemplateOverrides::default(),
            &RequestContext::anonymous(),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::TemplateError);
    let unknown = engine
        .generate_from_template(
            "nope",
            &serde_json::Map::new(),
            &TemplateOverrides::default(),
            &RequestContext::anonymous(),
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn library_is_scoped_to_owner() {
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await;
    let a = RequestContext::anonymous().tenant("a");
    let b = RequestContext::anonymous().tenant("b");
    let pa = engine.generate(blog(), &a).await.unwrap();
    engine.generate(blog(), &b).await.unwrap();
    assert_eq!(engine.list_content(ContentQuery::default(), &a).await.unwrap().items.len(), 1);
    assert_eq!(engine.get_content(&pa.id, &b).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(engine.delete_content(&pa.id, &b).await.unwrap_err().code(), ErrorCode::NotFound);
    engine.delete_content(&pa.id, &a).await.unwrap();
    assert_eq!(
        engine.list_content(ContentQuery::default(), &RequestContext::anonymous()).await.unwrap().items.len(),
        1
    );
}

#[tokio::test]
async fn offline_provider_is_the_default_and_says_so() {
    let engine = ContentEngine::builder().in_memory().build().await.unwrap();
    assert_eq!(engine.provider().name(), "offline");
    let piece = engine.generate(blog(), &RequestContext::anonymous()).await.unwrap();
    assert_eq!((piece.provider.as_str(), piece.cost_usd), ("offline", Usd::ZERO));
    assert!(piece.metadata.notice.as_deref().unwrap_or_default().contains("OPENAI_API_KEY"));
}

#[tokio::test]
async fn analytics_dates_at_chronos_limits_are_validation_errors() {
    use crate::analytics::{EventKind, NewEvent};
    use chrono::{DateTime, Utc};
    let engine = ContentEngine::builder().in_memory().build().await.unwrap();
    let ctx = RequestContext::anonymous();
    let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let field = |r: Result<()>| match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    for far in [t("-262143-01-10T00:00:00Z"), DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        assert_eq!(field(engine.analytics_overview(None, Some(far), &ctx).await.map(drop)), "end_date");
        assert_eq!(field(engine.analytics_overview(Some(far), None, &ctx).await.map(drop)), "start_date");
        assert_eq!(field(engine.engagement(None, Some(far), None, &ctx).await.map(drop)), "end_date");
        assert_eq!(field(engine.engagement(Some(far), None, None, &ctx).await.map(drop)), "start_date");
        let event = NewEvent { occurred_at: Some(far), ..NewEvent::new(EventKind::Click) };
        assert_eq!(field(engine.record_events(vec![event], &ctx).await.map(drop)), "events[0].occurred_at");
    }
    // The edges of the accepted span work, and a default window near the start is clamped.
    let (first, last) = (crate::clock::earliest_time(), crate::clock::latest_time());
    engine.analytics_overview(Some(first), Some(last), &ctx).await.unwrap();
    let ov = engine.engagement(None, Some(t("0001-01-10T00:00:00Z")), None, &ctx).await.unwrap();
    assert_eq!(ov.since, first);
    let big =
        NewEvent { value: Some(Usd::from_dollars(1_000_000.01).unwrap()), ..NewEvent::new(EventKind::Conversion) };
    assert_eq!(field(engine.record_events(vec![big], &ctx).await.map(drop)), "events[0].value");
}

#[tokio::test]
async fn analytics_overview_engagement_and_roi() {
    use crate::analytics::{EventKind, NewEvent, RoiPeriod};
    let engine = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await;
    let ctx = RequestContext::anonymous().tenant("acme");
    let a = engine.generate(blog(), &ctx).await.unwrap();
    let b = engine
        .generate(ContentRequest::new(ContentType::SocialMedia, "Launch").platform(Platform::Twitter), &ctx)
        .await
        .unwrap();
    engine.generate(blog(), &RequestContext::anonymous().tenant("other")).await.unwrap();
    let ov = engine.analytics_overview(None, None, &ctx).await.unwrap();
    assert_eq!(ov.total_content, 2);
    assert_eq!(ov.total_cost, Usd::from_nanos(2 * 3_800_000));
    assert_eq!(ov.ai_usage.calls, 2);
    assert_eq!(ov.top_platforms.len(), 2);
    let ev = |kind, id: &str, n| NewEvent { content_id: Some(id.to_owned()), count: Some(n), ..NewEvent::new(kind) };
    let stored = engine
        .record_events(
            vec![
                ev(EventKind::Impression, &a.id, 100),
                ev(EventKind::Click, &a.id, 5),
                ev(EventKind::Impression, &b.id, 50),
                ev(EventKind::Like, &b.id, 10),
            ],
            &ctx,
        )
        .await
        .unwrap();
    assert_eq!(stored, 4);
    let bad = engine.record_events(vec![ev(EventKind::Click, "nope", 1)], &ctx).await.unwrap_err();
    assert!(matches!(&bad, Error::Validation { field, .. } if field == "events[0].content_id"), "{bad}");
    let foreign =
        engine.record_events(vec![ev(EventKind::Click, &a.id, 1)], &RequestContext::anonymous().tenant("other")).await;
    assert!(foreign.is_err(), "another tenant's piece is not visible");
    let rep = engine.engagement(None, None, None, &ctx).await.unwrap();
    assert_eq!((rep.totals.impressions, rep.totals.clicks, rep.totals.likes), (150, 5, 10));
    assert_eq!(rep.best_content_types[0].content_type, ContentType::SocialMedia); // 10/50 > 5/100
    let twitter = engine.engagement(None, None, Some(Platform::Twitter), &ctx).await.unwrap();
    assert_eq!(twitter.totals.impressions, 50);
    let roi = engine.roi(RoiPeriod::Month, &ctx).await.unwrap();
    assert_eq!(roi.pieces, 2);
    assert_eq!(roi.freelance_cost, Usd::from_dollars(175.0).unwrap());
    assert_eq!(roi.ai_cost, Usd::from_nanos(2 * 3_800_000));
}

/// Waits (real time, at most 10 s) until no generation runs in the background.
async fn background_done(engine: &ContentEngine) {
    for _ in 0..1000 {
        if engine.background_calls() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(engine.background_calls(), 0, "background generations did not finish");
    engine.budget().flush(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_whose_caller_left_is_stored_and_settled_at_its_real_cost() {
    let provider = Arc::new(TestProvider::new(GOOD_BLOG).random_usage().delay(Duration::from_millis(200)));
    let engine = engine_with(provider.clone(), config(1000.0)).await;
    let mut rx = engine.subscribe();
    let ctx = RequestContext::for_key("k1");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (engine, ctx) = (engine.clone(), ctx.clone());
        tasks.push(tokio::spawn(async move { engine.generate(blog(), &ctx).await }));
    }
    // Every request is sent; then every caller goes away.
    while provider.in_flight.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for t in &tasks {
        t.abort();
    }
    for t in tasks {
        assert!(t.await.unwrap_err().is_cancelled());
    }
    background_done(&engine).await;
    // Every answered call has its piece in the library, with the owner of the request…
    let page = engine.list_content(ContentQuery { limit: Some(100), ..ContentQuery::default() }, &ctx).await.unwrap();
    assert_eq!(page.items.len(), 20);
    assert_eq!(provider.calls.load(Ordering::SeqCst), 20);
    // …and the ledger counts their real costs, not their worst cases.
    let real: i64 = page.items.iter().map(|p| p.cost_usd.nanos()).sum();
    let u = global(&engine).await;
    assert_eq!((u.spent, u.reserved, u.in_flight), (Usd::from_nanos(real), Usd::ZERO, 0));
    let estimate = engine.quote(&blog()).unwrap().estimate;
    assert!(u.spent < Usd::from_nanos(estimate.nanos() * 20), "settled at the real usage");
    assert!(page.items.iter().all(|p| p.caller_left && p.owner.as_deref() == Some("k1")), "marked, owned");
    let marked = ContentQuery { caller_left: Some(true), limit: Some(100), ..ContentQuery::default() };
    assert_eq!(engine.list_content(marked, &ctx).await.unwrap().items.len(), 20, "findable in the library");
    let left = std::iter::from_fn(|| rx.try_recv().ok())
        .filter(|e| matches!(e, EngineEvent::CompletedAfterCallerLeft { owner: Some(o), .. } if o == "k1"))
        .count();
    assert_eq!(left, 20, "each is announced as completed after its caller left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_leaves_before_the_request_is_sent_releases_the_hold_at_once() {
    // Room for one worst case and a half: the second call waits for the first one's hold.
    let provider = Arc::new(TestProvider::new(GOOD_BLOG).delay(Duration::from_millis(300)));
    let probe = engine_with(provider.clone(), config(1000.0)).await;
    let estimate = probe.quote(&blog()).unwrap().estimate;
    let limit = Usd::from_nanos(estimate.nanos() * 3 / 2);
    let engine = engine_with(provider.clone(), {
        let mut config = config(1000.0);
        config.budget.global_limit = Some(limit);
        config
    })
    .await;
    let first = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.generate(blog(), &RequestContext::anonymous()).await })
    };
    while provider.in_flight.load(Ordering::SeqCst) < 1 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // The second caller gives up while its call waits for budget: nothing was sent for it.
    let anonymous = RequestContext::anonymous();
    let waited = tokio::time::timeout(Duration::from_millis(50), engine.generate(blog(), &anonymous));
    assert!(waited.await.is_err(), "the second call was still waiting for room");
    assert_eq!(global(&engine).await.reserved, estimate, "only the first call holds budget");
    let piece = first.await.unwrap().unwrap();
    background_done(&engine).await;
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1, "nothing was sent for the caller that left");
    let u = global(&engine).await;
    assert_eq!(
        (u.spent, u.reserved, u.in_flight),
        (piece.cost_usd, Usd::ZERO, 0),
        "nothing spent for it, nothing held"
    );
}

/// Starts `n` generations, waits until each request is with the provider, then drops every caller.
async fn abandon_in_flight(engine: &ContentEngine, provider: &TestProvider, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.generate(blog(), &RequestContext::anonymous()).await })
        })
        .collect();
    while provider.in_flight.load(Ordering::SeqCst) < n {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for t in &tasks {
        t.abort();
    }
    // Each caller's future is dropped by the time its task reports the cancellation.
    for t in tasks {
        assert!(t.await.unwrap_err().is_cancelled());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_abandoned_calls_then_settles_the_rest_at_the_estimate() {
    let provider = Arc::new(TestProvider::new(GOOD_BLOG).delay(Duration::from_millis(300)));
    let engine = engine_with(provider.clone(), config(1000.0)).await;
    // 50 abandoned calls, a grace period longer than the provider takes: none is lost.
    let sent = provider.calls.load(Ordering::SeqCst);
    abandon_in_flight(&engine, &provider, 50).await;
    let report = engine.shutdown(Duration::from_secs(10)).await;
    assert_eq!(report, ShutdownReport { completed: 50, aborted: 0, unsettled: 0, unpublished: 0 });
    assert_eq!(provider.calls.load(Ordering::SeqCst) - sent, 50);
    let page = engine
        .list_content(ContentQuery { limit: Some(100), ..ContentQuery::default() }, &RequestContext::anonymous())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 50, "every answered call is in the library");
    let real: i64 = page.items.iter().map(|p| p.cost_usd.nanos()).sum();
    assert_eq!(global(&engine).await.spent, Usd::from_nanos(real));
    // A grace period shorter than the provider: what is left is aborted and counted at its estimate.
    let before = global(&engine).await.spent;
    abandon_in_flight(&engine, &provider, 5).await;
    let report = engine.shutdown(Duration::from_millis(20)).await;
    assert_eq!((report.completed, report.aborted, report.unsettled), (0, 5, 0));
    let estimate = engine.quote(&blog()).unwrap().estimate;
    let u = global(&engine).await;
    assert_eq!((u.spent - before, u.reserved, u.in_flight), (Usd::from_nanos(estimate.nanos() * 5), Usd::ZERO, 0));
}

/// A provider whose health check fails, counting its checks.
#[derive(Debug, Default)]
struct SickProvider {
    checks: AtomicUsize,
}

#[async_trait]
impl Provider for SickProvider {
    fn name(&self) -> &str {
        "sick"
    }
    fn default_model(&self) -> &str {
        "test-model"
    }
    async fn complete(&self, _req: &CompletionRequest) -> crate::Result<Completion> {
        Err(Error::internal("down"))
    }
    async fn health(&self) -> crate::Result<()> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        Err(Error::storage("connect to 10.1.2.3:443 refused"))
    }
}

#[tokio::test]
async fn health_reports_each_component_without_detail_and_checks_the_provider_at_most_every_30_s() {
    let healthy = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await.health().await;
    assert!(healthy.is_healthy(), "{healthy:?}");
    assert_eq!(healthy.components["database"].status, ComponentStatus::Healthy);
    assert_eq!(healthy.components["providers"].status, ComponentStatus::Healthy);
    assert_eq!(healthy.components["cache"].status, ComponentStatus::Disabled, "no cache and no Redis configured");
    assert!(healthy.system.uptime_s >= 0.0);

    let sick = Arc::new(SickProvider::default());
    let engine = engine_with(sick.clone(), config(10.0)).await;
    let h = engine.health().await;
    assert_eq!(h.status, "degraded");
    let providers = &h.components["providers"];
    assert_eq!(providers.status, ComponentStatus::Unhealthy);
    let error = providers.error.as_deref().unwrap();
    assert_eq!(error, "the check failed (storage_error)");
    assert!(!serde_json::to_string(&h).unwrap().contains("10.1.2.3"));
    for _ in 0..5 {
        assert_eq!(engine.health().await.components["providers"], *providers);
    }
    assert_eq!(sick.checks.load(Ordering::SeqCst), 1, "the provider's answer is reused for PROVIDER_HEALTH_TTL");
}

/// The original's `system` block: the process's CPU and memory share, and how full the SQLite
/// file's volume is, without the file's path.
#[cfg(all(feature = "sqlite", target_os = "linux"))]
#[tokio::test]
async fn health_reports_the_process_and_the_sqlite_volume_without_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(10.0);
    cfg.storage.url = format!("sqlite://{}", dir.path().join("health.db").display());
    let engine = ContentEngine::builder()
        .config(cfg)
        .provider(Arc::new(TestProvider::new(GOOD_BLOG)))
        .prices(prices())
        .build()
        .await
        .unwrap();
    let first = engine.health().await.system;
    // Busy for a moment, so the second reading has CPU time to report.
    let spin = std::time::Instant::now();
    while spin.elapsed() < Duration::from_millis(30) {
        std::hint::black_box(crate::analysis::word_count("busy work for the cpu reading"));
    }
    let h = engine.health().await;
    let s = &h.system;
    for (name, v) in [("memory", s.memory_percent), ("disk", s.disk_percent), ("cpu", s.cpu_percent)] {
        let v = v.unwrap_or_else(|| panic!("{name}_percent missing: {s:?}"));
        assert!((0.0..=100.0).contains(&v), "{name}_percent {v}");
    }
    assert!(s.cpu_percent.unwrap() > 0.0, "30 ms of work shows: {s:?} after {first:?}");
    assert!(s.memory_percent.unwrap() > 0.0 && s.rss_bytes.unwrap() > 1_000_000);
    let json = serde_json::to_string(&h).unwrap();
    assert!(!json.contains(dir.path().to_str().unwrap()) && !json.contains("health.db"), "{json}");

    // No file, no volume.
    let memory = engine_with(Arc::new(TestProvider::new(GOOD_BLOG)), config(10.0)).await.health().await;
    assert_eq!(memory.system.disk_percent, None);
    assert!(memory.system.memory_percent.is_some());
}

#[tokio::test]
async fn shutdown_grace_from_a_binding_is_checked() {
    let mut cfg = config(10.0);
    cfg.calls.shutdown_grace = Duration::from_secs(7);
    let engine = engine_with(Arc::new(SickProvider::default()), cfg).await;
    assert_eq!(engine.shutdown_grace("grace_seconds", None).unwrap(), Duration::from_secs(7), "the configured grace");
    assert_eq!(engine.shutdown_grace("grace_seconds", Some(2.5)).unwrap(), Duration::from_millis(2500));
    assert_eq!(engine.shutdown_grace("grace_seconds", Some(0.0)).unwrap(), Duration::ZERO);
    for bad in [-1.0, f64::NAN, f64::INFINITY, 3600.5, f64::MAX] {
        let e = engine.shutdown_grace("graceSeconds", Some(bad)).unwrap_err();
        assert!(matches!(e, Error::Validation { ref field, .. } if field == "graceSeconds"), "{bad}: {e:?}");
    }
}

#[tokio::test]
async fn a_bounded_memory_store_keeps_the_newest_and_the_budget_counts_everything() {
    let engine = ContentEngine::builder()
        .config(config(10.0))
        .provider(Arc::new(TestProvider::new(GOOD_BLOG)))
        .prices(prices())
        .stores(crate::storage::Stores::memory_with_capacity(3))
        .build()
        .await
        .unwrap();
    let anon = RequestContext::anonymous();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(engine.generate(blog(), &anon).await.unwrap().id);
    }
    let page = engine.list_content(ContentQuery { limit: Some(100), ..ContentQuery::default() }, &anon).await.unwrap();
    let mut kept: Vec<String> = page.items.iter().map(|p| p.id.clone()).collect();
    kept.sort();
    assert_eq!(kept, ids[2..].to_vec(), "the three newest are kept");
    let gone = engine.get_content(&ids[0], &anon).await.unwrap_err();
    assert_eq!(gone.code(), ErrorCode::NotFound, "the oldest is dropped");
    assert_eq!(engine.get_content(&ids[4], &anon).await.unwrap().id, ids[4]);
    let far = chrono::Duration::days(3650);
    let now = chrono::Utc::now();
    let usage = engine.stores().usage.list_usage(now - far, now + far, None).await.unwrap();
    assert_eq!(usage.len(), 3, "usage records are bounded too");
    // The ledger is not a record that gets trimmed: all five calls stay counted.
    assert_eq!(global(&engine).await.spent, Usd::from_nanos(5 * 3_800_000));
}
