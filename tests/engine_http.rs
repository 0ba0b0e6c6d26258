//! The engine end to end against local servers speaking the OpenAI and Anthropic wire formats
//! (real HTTP on 127.0.0.1): the original app's tests, budget under concurrency, fallback.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use splants::Secret;
use splants::config::{Config, ProviderKind};
use splants::{ContentEngine, ContentRequest, ContentType, Error, ErrorCode, Platform, RequestContext, Tone, Usd};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const GOOD_BLOG: &str = "# AI Marketing Tips for Small Business Owners\n\n\
AI marketing helps a small business reach the right people. Automation saves hours every week, \
and this guide shows simple steps you can start today.\n\n\
## Start with automation\n\n\
Automation handles the repetitive work. Schedule your posts and emails once, then focus on the \
conversations that matter. Good automation frees your team for creative work.\n\n\
## Use AI to know your audience\n\n\
AI tools read your data and find patterns. They show which messages work best, so you can test \
two versions and keep the winner. Small changes add up fast.\n\n\
## Measure what matters\n\n\
Track clicks, sign-ups and sales. Compare each channel every month, drop what does not work and \
invest in what does.\n\n\
## Conclusion\n\n\
AI marketing and automation give a small business the reach of a big one. Start small, measure, \
and grow. Sign up for our free newsletter to get more tips.";

/// Answers chat completions with `text` and a usage that never exceeds what the request
/// allows: completion tokens ≤ its `max_completion_tokens`, prompt tokens ≤ chars / 6 (below
/// any tokenizer's count for English, so below the engine's estimate).
struct OpenAiResponder {
    text: String,
    random: bool,
    calls: Arc<AtomicUsize>,
}

impl Respond for OpenAiResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let max = body["max_completion_tokens"].as_u64().or(body["max_tokens"].as_u64()).unwrap();
        let chars: u64 =
            body["messages"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap().len() as u64).sum();
        let (prompt, completion, cached) = if self.random {
            let prompt = fastrand::u64(1..=chars / 6);
            (prompt, fastrand::u64(0..=max), fastrand::u64(0..=prompt))
        } else {
            (400, 600, 100)
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.text}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached}
            }
        }))
    }
}

async fn openai_server(text: &str, random: bool) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-test"))
        .respond_with(OpenAiResponder { text: text.to_owned(), random, calls: Arc::clone(&calls) })
        .mount(&server)
        .await;
    (server, calls)
}

fn openai_config(server: &MockServer, budget: f64) -> Config {
    {
        let mut config = Config::default();
        config.provider.kind = ProviderKind::OpenAi;
        config.provider.openai_api_key = Some(Secret::new("sk-test"));
        config.provider.openai_base_url = Some(format!("{}/v1", server.uri()));
        config.provider.model = Some("gpt-4o-mini".into());
        config.budget.global_limit = Usd::from_dollars(budget);
        config.provider.max_attempts = 1;
        config
    }
}

async fn engine(config: Config) -> ContentEngine {
    ContentEngine::builder().config(config).in_memory().build().await.unwrap()
}

#[tokio::test]
async fn seed_test_generate_blog_post() {
    let (server, _) = openai_server(GOOD_BLOG, false).await;
    let engine = engine(openai_config(&server, 10.0)).await;
    let req = ContentRequest::new(ContentType::Blog, "AI Marketing Tips")
        .keywords(["AI", "marketing", "automation"])
        .tone(Tone::Professional)
        .length(500);
    let result = engine.generate(req, &RequestContext::anonymous()).await.unwrap();
    assert!(result.content.len() > 100);
    assert!(result.quality_score >= 0.7, "quality {}", result.quality_score);
    assert!(result.seo_score >= 0.5, "seo {}", result.seo_score);
    // gpt-4o-mini: 300 plain × $0.15 + 100 cached × $0.075 + 600 out × $0.60 per 1M
    assert_eq!(result.cost_usd, Usd::from_nanos(45_000 + 7_500 + 360_000));
    assert_eq!((result.usage.input_tokens, result.usage.cached_tokens, result.usage.output_tokens), (300, 100, 600));
    assert_eq!((result.provider.as_str(), result.model.as_str()), ("openai", "gpt-4o-mini"));
}

#[tokio::test]
async fn seed_test_keyword_integration() {
    let (server, _) = openai_server(GOOD_BLOG, false).await;
    let engine = engine(openai_config(&server, 10.0)).await;
    let keywords = ["AI", "automation", "efficiency"];
    let req = ContentRequest::new(ContentType::Blog, "Business Automation").keywords(keywords).tone(Tone::Professional);
    let result = engine.generate(req, &RequestContext::anonymous()).await.unwrap();
    let lower = result.content.to_lowercase();
    let found = keywords.iter().filter(|k| lower.contains(&k.to_lowercase())).count();
    assert!(found >= 2);
}

#[tokio::test]
async fn seed_test_budget_enforcement() {
    let (server, calls) = openai_server(GOOD_BLOG, false).await;
    // gpt-4o. The budget fits the first call's worst case plus half its real cost ($0.006875),
    // so once the first is paid the second's worst case no longer fits.
    let mut config = openai_config(&server, 1000.0);
    config.provider.model = Some("gpt-4o".into());
    let estimate = engine(config.clone())
        .await
        .quote(&ContentRequest::new(ContentType::Blog, "Test Topic").tone(Tone::Casual))
        .unwrap()
        .estimate;
    config.budget.global_limit = Some(estimate + Usd::from_nanos(6_875_000 / 2));
    let engine = engine(config).await;
    let req = ContentRequest::new(ContentType::Blog, "Test Topic").tone(Tone::Casual);
    engine.generate(req.clone(), &RequestContext::anonymous()).await.unwrap();
    let err = engine.generate(req, &RequestContext::anonymous()).await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("budget"), "{err}");
    assert_eq!(err.code(), ErrorCode::BudgetExceeded);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the refused request never reached the provider");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_generations_over_http_never_overspend() {
    let (server, calls) =
        openai_server("Spring is here. Save 30% on every plan this week. Start your free trial.", true).await;
    let req = ContentRequest::new(ContentType::SocialMedia, "Spring sale").platform(Platform::Linkedin).length(60);
    let probe = engine(openai_config(&server, 1000.0)).await;
    let estimate = probe.quote(&req).unwrap().estimate;
    let limit = Usd::from_nanos(estimate.nanos() * 100);
    let engine = engine({
        let mut config = openai_config(&server, 0.0);
        config.budget.global_limit = Some(limit);
        config
    })
    .await;
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (engine, req) = (engine.clone(), req.clone());
            tokio::spawn(async move {
                tokio::time::timeout(
                    std::time::Duration::from_secs(120),
                    engine.generate(req, &RequestContext::anonymous()),
                )
                .await
                .expect("a generation hung for 120 s")
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::BudgetExceeded(_)) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(ok + refused, 1000);
    assert_eq!(calls.load(Ordering::SeqCst), ok);
    let status = &engine.budget_status(&RequestContext::anonymous()).await.unwrap()[0];
    assert!(status.spent <= limit, "spent {} over {}", status.spent, limit);
    assert_eq!((status.reserved, status.in_flight, status.overshoot_count), (Usd::ZERO, 0, 0));
    assert!(ok >= 100);
}

#[tokio::test]
async fn anthropic_over_http_with_cache_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-test"))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5-20251001",
            "content": [{"type": "text", "text": GOOD_BLOG}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 500, "output_tokens": 700, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200}
        })))
        .mount(&server)
        .await;
    let config = {
        let mut config = Config::default();
        config.provider.kind = ProviderKind::Anthropic;
        config.provider.anthropic_api_key = Some(Secret::new("sk-ant-test"));
        config.provider.anthropic_base_url = Some(server.uri());
        config.provider.model = Some("claude-haiku-4-5".into());
        config.provider.max_attempts = 1;
        config
    };
    let engine = engine(config).await;
    let piece =
        engine.generate(ContentRequest::new(ContentType::Blog, "AI tips"), &RequestContext::anonymous()).await.unwrap();
    // haiku 4.5: 500 × $1 + 200 × $1.25 (5 min write) + 1000 × $0.10 + 700 × $5 per 1M = $0.00435
    assert_eq!(piece.cost_usd, Usd::from_nanos(4_350_000));
    assert_eq!(piece.provider, "anthropic");
}

#[tokio::test]
async fn failing_openai_falls_back_to_anthropic() {
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"error": {"message": "overloaded", "type": "server_error"}})),
        )
        .mount(&openai)
        .await;
    let anthropic = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-haiku-5-5",
            "content": [{"type": "text", "text": "Fallback copy. Start your free trial today."}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 50, "output_tokens": 20}
        })))
        .expect(1)
        .mount(&anthropic)
        .await;
    let config = {
        let mut config = openai_config(&openai, 10.0);
        config.provider.anthropic_api_key = Some(Secret::new("sk-ant-test"));
        config.provider.anthropic_base_url = Some(anthropic.uri());
        config
    };
    let engine = engine(config).await;
    assert_eq!(engine.provider().billing_targets(&splants::provider::CompletionRequest::new(vec![], 1)).len(), 2);
    let piece = engine
        .generate(ContentRequest::new(ContentType::AdCopy, "Winter boots"), &RequestContext::anonymous())
        .await
        .unwrap();
    assert_eq!((piece.provider.as_str(), piece.model.as_str()), ("anthropic", "claude-haiku-5-5"));
    let status = &engine.budget_status(&RequestContext::anonymous()).await.unwrap()[0];
    assert_eq!(status.spent, piece.cost_usd, "the failed 503 attempt was not billed");
}

#[tokio::test]
async fn unauthorized_provider_is_a_clear_error_without_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "Incorrect API key provided: sk-test", "type": "invalid_request_error", "code": "invalid_api_key"}})))
        .expect(1)
        .mount(&server)
        .await;
    let engine = engine({
        let mut config = openai_config(&server, 10.0);
        config.provider.max_attempts = 3;
        config
    })
    .await;
    let err = engine
        .generate(ContentRequest::new(ContentType::Email, "Welcome"), &RequestContext::anonymous())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError);
    assert_eq!(err.details()["status"], 401);
    assert!(!err.to_string().contains("sk-test"), "{err}");
    let status = &engine.budget_status(&RequestContext::anonymous()).await.unwrap()[0];
    assert_eq!((status.spent, status.reserved), (Usd::ZERO, Usd::ZERO));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancelling_200_calls_in_flight_leaves_nothing_reserved() {
    struct Slow(Arc<AtomicUsize>);
    impl Respond for Slow {
        fn respond(&self, _req: &Request) -> ResponseTemplate {
            self.0.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30))
        }
    }
    let server = MockServer::start().await;
    let arrived = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST")).respond_with(Slow(Arc::clone(&arrived))).mount(&server).await;
    // The engine that aborts a call whose caller left (`SPLANTS_ON_CALLER_LEFT=abort`).
    let abort = {
        let mut config = openai_config(&server, 100.0);
        config.calls.on_caller_left = splants::auth::CallerLeftPolicy::Abort;
        config
    };
    let engine = engine(abort).await;
    let req = ContentRequest::new(ContentType::AdCopy, "Boots");
    let estimate = engine.quote(&req).unwrap().estimate;
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (engine, req) = (engine.clone(), req.clone());
            tokio::spawn(async move { engine.generate(req, &RequestContext::anonymous()).await })
        })
        .collect();
    for _ in 0..2000 {
        if arrived.load(Ordering::SeqCst) >= 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(arrived.load(Ordering::SeqCst), 200, "every call reached the provider");
    assert_eq!(engine.budget_status(&RequestContext::anonymous()).await.unwrap()[0].in_flight, 200);
    for t in &tasks {
        t.abort();
    }
    for t in tasks {
        assert!(t.await.unwrap_err().is_cancelled());
    }
    let status = &engine.budget_status(&RequestContext::anonymous()).await.unwrap()[0];
    assert_eq!((status.reserved, status.in_flight), (Usd::ZERO, 0));
    // The provider may still bill a request it received, so each counts at its estimate.
    assert_eq!(status.spent, Usd::from_nanos(estimate.nanos() * 200));
}
