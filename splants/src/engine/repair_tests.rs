//! Hard limits with a repair round (held in the same budget, counted in the piece's cost), the
//! deterministic fit as the last resort, and clean text in and out: HTML in every brief field
//! and template variable never reaches the provider, and HTML in an answer never reaches a piece.

use super::*;
use crate::analysis::limits::{Counting, count};
use crate::budget::ScopeUsage;
use crate::clock::FakeClock;
use crate::content::{ContentType, Platform, RepairMethod, Usage};
use crate::money::Usd;
use crate::provider::{Completion, CompletionRequest, Message, PriceCard, Role};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::time::Duration;

/// Answers from a script, one text (or error) per call, recording every request's messages.
#[derive(Debug, Default)]
struct Scripted {
    answers: Mutex<VecDeque<Result<String>>>,
    seen: Mutex<Vec<Vec<Message>>>,
    /// The call (0-based) that waits this long before answering.
    slow: Option<(usize, Duration)>,
}

impl Scripted {
    fn new(answers: impl IntoIterator<Item = Result<String>>) -> Self {
        Scripted { answers: Mutex::new(answers.into_iter().collect()), ..Scripted::default() }
    }

    fn calls(&self) -> usize {
        self.seen.lock().len()
    }
}

const USAGE: Usage = Usage {
    input_tokens: 100,
    output_tokens: 50,
    cached_tokens: 0,
    cache_write_tokens: 0,
    cache_write_long_tokens: 0,
    reasoning_tokens: 0,
    estimated: false,
};

#[async_trait]
impl Provider for Scripted {
    fn name(&self) -> &str {
        "test"
    }
    fn default_model(&self) -> &str {
        "test-model"
    }
    async fn complete(&self, req: &CompletionRequest) -> Result<Completion> {
        let call = {
            let mut seen = self.seen.lock();
            seen.push(req.messages.clone());
            seen.len() - 1
        };
        if let Some((slow, wait)) = self.slow
            && slow == call
        {
            tokio::time::sleep(wait).await;
        }
        let text = self.answers.lock().pop_front().unwrap_or_else(|| Ok("Spare answer.".to_owned()))?;
        Ok(Completion::test_answer(req, text, USAGE))
    }
}

/// What one scripted call costs at the test price ($1 / $5 per million tokens).
fn call_cost() -> Usd {
    Usd::from_nanos(100 * 1_000 + 50 * 5_000)
}

async fn engine(provider: Arc<Scripted>, budget: f64, abort: bool) -> ContentEngine {
    let mut config = Config::default();
    config.budget.global_limit = Usd::from_dollars(budget);
    if abort {
        config.calls.on_caller_left = crate::auth::CallerLeftPolicy::Abort;
    }
    let mut prices = PriceTable::empty();
    prices.insert("test-model", PriceCard::new(1.0, 5.0).unwrap_or_else(|| panic!("a price")));
    ContentEngine::builder()
        .config(config)
        .provider(provider)
        .prices(prices)
        .clock(Arc::new(FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0)))
        .in_memory()
        .build()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn global(engine: &ContentEngine) -> ScopeUsage {
    let w = engine.budget().window();
    engine.budget().ledger().usage(&crate::budget::Scope::Global, &w).await.unwrap_or_else(|e| panic!("{e}"))
}

fn bluesky() -> ContentRequest {
    ContentRequest::new(ContentType::SocialMedia, "Spring launch for cafe owners").platform(Platform::Bluesky)
}

/// `sentences` sentences of 46 graphemes each (47 characters: the accent is a combining mark).
fn copy_of(sentences: usize) -> String {
    "Cafe\u{301} owners love our spring menu for mornings. ".repeat(sentences).trim_end().to_owned()
}

#[tokio::test]
async fn copy_within_its_limit_is_sent_once_and_notes_nothing() {
    let provider = Arc::new(Scripted::new([Ok(copy_of(4))]));
    let engine = engine(provider.clone(), 10.0, false).await;
    let piece = engine.generate(bluesky(), &RequestContext::anonymous()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(provider.calls(), 1);
    assert!(piece.metadata.repairs.is_empty());
    assert_eq!(piece.cost_usd, call_cost());
}

#[tokio::test]
async fn a_post_over_its_limit_gets_one_paid_repair_round() {
    let first = copy_of(8); // 375 graphemes, 383 characters
    let fixed = copy_of(5);
    let provider = Arc::new(Scripted::new([Ok(first.clone()), Ok(fixed.clone())]));
    let engine = engine(provider.clone(), 10.0, false).await;
    let piece = engine.generate(bluesky(), &RequestContext::anonymous()).await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(provider.calls(), 2);
    let seen = provider.seen.lock().clone();
    let repair = &seen[1];
    assert_eq!(repair[..repair.len() - 2], seen[0][..], "the repair round continues the same conversation");
    assert_eq!(
        (repair[repair.len() - 2].role, repair[repair.len() - 2].content.as_str()),
        (Role::Assistant, first.as_str())
    );
    let ask = &repair[repair.len() - 1].content;
    assert!(ask.contains("It is 375 graphemes; bluesky accepts at most 300 graphemes in one post."), "{ask}");

    assert_eq!(piece.content, fixed);
    assert_eq!(piece.metadata.repairs.len(), 1, "{:?}", piece.metadata.repairs);
    let note = &piece.metadata.repairs[0];
    assert_eq!(
        (note.limit.as_str(), note.method, note.found, note.after),
        ("bluesky_post_graphemes", RepairMethod::Provider, 375, 234)
    );
    // Both calls are the piece's cost, and exactly what the ledger counts; nothing stays held.
    assert_eq!(piece.cost_usd, call_cost() + call_cost());
    assert_eq!((piece.usage.input_tokens, piece.usage.output_tokens), (200, 100));
    let u = global(&engine).await;
    assert_eq!((u.spent, u.reserved, u.in_flight), (piece.cost_usd, Usd::ZERO, 0));
}

#[tokio::test]
async fn a_rewrite_still_over_the_limit_is_cut_and_both_steps_are_noted() {
    let provider = Arc::new(Scripted::new([Ok(copy_of(8)), Ok(copy_of(7))]));
    let engine = engine(provider.clone(), 10.0, false).await;
    let piece = engine.generate(bluesky(), &RequestContext::anonymous()).await.unwrap_or_else(|e| panic!("{e}"));
    let notes = &piece.metadata.repairs;
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!((notes[0].method, notes[0].found, notes[0].after), (RepairMethod::Provider, 375, 328));
    assert!(notes[0].message.contains("still over"), "{}", notes[0].message);
    assert_eq!((notes[1].method, notes[1].found), (RepairMethod::Cut, 328));
    assert!(notes[1].after <= 300 && notes[1].after == count(&piece.content, Counting::Graphemes));
    assert!(piece.content.ends_with('.'), "cut at a sentence end: {}", piece.content);
    assert!(piece.metadata.fits_platform);
    assert_eq!(piece.cost_usd, call_cost() + call_cost());
}

#[tokio::test]
async fn without_budget_for_the_repair_round_the_copy_is_cut_and_says_why() {
    // Room for one call's worst case but not for a second one held beside it.
    let probe = engine(Arc::new(Scripted::default()), 10.0, false).await;
    let estimate = probe.quote(&bluesky()).unwrap_or_else(|e| panic!("{e}")).estimate;
    let limit = estimate.dollars() * 1.5;
    let provider = Arc::new(Scripted::new([Ok(copy_of(8))]));
    let engine = engine(provider.clone(), limit, false).await;
    let piece = engine.generate(bluesky(), &RequestContext::anonymous()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(provider.calls(), 1, "nothing is sent that the budget cannot hold");
    let [note] = &piece.metadata.repairs[..] else { panic!("{:?}", piece.metadata.repairs) };
    assert_eq!((note.method, note.found), (RepairMethod::Cut, 375));
    assert!(note.message.contains("No repair round: the budget cannot hold another call"), "{}", note.message);
    assert!(count(&piece.content, Counting::Graphemes) <= 300);
    let u = global(&engine).await;
    assert_eq!((u.spent, u.reserved), (call_cost(), Usd::ZERO));
    assert!(Some(u.spent) <= Usd::from_dollars(limit));
}

#[tokio::test]
async fn a_failed_repair_round_releases_its_hold_and_the_copy_is_cut() {
    let refused = Error::Provider(Box::new(crate::error::ProviderFailure {
        provider: "test".into(),
        status: Some(400),
        kind: Some("invalid_request_error".into()),
        message: "bad request".into(),
        retryable: false,
        retry_after: None,
        source: None,
    }));
    let provider = Arc::new(Scripted::new([Ok(copy_of(8)), Err(refused)]));
    let engine = engine(provider.clone(), 10.0, false).await;
    let piece = engine.generate(bluesky(), &RequestContext::anonymous()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(provider.calls(), 2);
    let [note] = &piece.metadata.repairs[..] else { panic!("{:?}", piece.metadata.repairs) };
    assert_eq!(note.method, RepairMethod::Cut);
    assert!(note.message.contains("repair round failed (provider_error)"), "{}", note.message);
    assert_eq!(piece.cost_usd, call_cost(), "a refused request is not billed");
    let u = global(&engine).await;
    assert_eq!((u.spent, u.reserved, u.in_flight), (call_cost(), Usd::ZERO, 0));
}

#[tokio::test]
async fn a_caller_leaving_during_the_repair_round_leaves_nothing_held() {
    let provider = Arc::new(Scripted {
        slow: Some((1, Duration::from_secs(30))),
        ..Scripted::new([Ok(copy_of(8)), Ok(copy_of(5))])
    });
    let engine = engine(provider.clone(), 10.0, true).await;
    let task = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.generate(bluesky(), &RequestContext::anonymous()).await })
    };
    while provider.calls() < 2 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(global(&engine).await.in_flight, 2, "the call and its repair round are both held");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let u = global(&engine).await;
    assert_eq!((u.reserved, u.in_flight), (Usd::ZERO, 0));
    // Both requests were sent and may be billed: each counts at its estimate, never less.
    assert!(u.spent > call_cost() + call_cost(), "{}", u.spent);
}

const HOSTILE: [&str; 5] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[x](JavaScript:alert(1))",
    "<svg onload=alert(1)>",
];

fn assert_clean(text: &str, what: &str) {
    let lower = text.to_lowercase();
    for bad in ["<script", "onerror", "onload", "javascript:", "<img", "<svg", "<a "] {
        assert!(!lower.contains(bad), "{what} still holds {bad:?}: {text}");
    }
}

#[tokio::test]
async fn html_in_every_brief_field_never_reaches_the_provider_or_the_piece() {
    let answer = format!("Fresh spring menu for cafe owners. {} Visit us today.", HOSTILE.join(" "));
    let provider = Arc::new(Scripted::new([Ok(answer)]));
    let engine = engine(provider.clone(), 10.0, false).await;
    let dirty = |s: &str| format!("{s} {}", HOSTILE.join(" "));
    let mut brief = ContentRequest::new(ContentType::SocialMedia, dirty("Spring menu")).platform(Platform::Linkedin);
    brief.keywords = vec![dirty("cafe"), dirty("spring")];
    brief.target_audience = Some(dirty("cafe owners"));
    brief.call_to_action = Some(dirty("Visit us"));
    let piece = engine.generate(brief, &RequestContext::anonymous()).await.unwrap_or_else(|e| panic!("{e}"));
    for message in &provider.seen.lock()[0] {
        assert_clean(&message.content, "the prompt");
    }
    assert_clean(&piece.content, "the piece");
    assert_eq!(piece.content, "Fresh spring menu for cafe owners. x [x](alert(1)) Visit us today.");
    assert_clean(&serde_json::to_string(&piece.request).unwrap_or_default(), "the stored brief");
    assert_eq!(piece.topic, "Spring menu x [x](alert(1))");
    assert_eq!(piece.request.keywords[0], "cafe x [x](alert(1))");
}

#[tokio::test]
async fn html_in_template_variables_never_reaches_the_provider() {
    let provider = Arc::new(Scripted::new([Ok("Fresh spring menu for cafe owners.".to_owned())]));
    let engine = engine(provider.clone(), 10.0, false).await;
    let vars = serde_json::json!({
        "product_name": HOSTILE.join(" ") + " Menu",
        "features": HOSTILE.join(", "),
        "audience": HOSTILE[1],
        "launch_date": "2026-12-01",
    });
    let vars = vars.as_object().cloned().unwrap_or_default();
    let piece = engine
        .generate_from_template("product_launch", &vars, &Default::default(), &RequestContext::anonymous())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for message in &provider.seen.lock()[0] {
        assert_clean(&message.content, "the prompt");
    }
    assert_clean(&piece.topic, "the topic");
}
