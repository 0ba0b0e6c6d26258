//! `generate_stream`: events, money on every path (the end, an error mid-stream, a drop at any
//! point), the shared budget under concurrency, and cached pieces.

use super::*;
use crate::budget::{Scope, ScopeUsage};
use crate::content::{ContentType, Usage};
use crate::money::Usd;
use crate::provider::{Completion, CompletionRequest, CompletionStream, FinishReason, PriceCard, StreamEvent};
use async_trait::async_trait;
use futures::StreamExt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

const WORDS: usize = 40;

/// Streams forty words with a pause before each; bills 300 input tokens plus one output token
/// per word sent (what an upstream cut off would bill), and counts what it billed.
#[derive(Debug, Default)]
struct Words {
    /// Nanodollars billed for the tokens sent so far, over all calls.
    billed: Arc<AtomicU64>,
    calls: AtomicUsize,
    fail_after: Option<usize>,
}

fn card() -> PriceCard {
    PriceCard::new(1.0, 5.0).unwrap()
}

fn cost(output_tokens: u64) -> Usd {
    let mut c = whole();
    c.usage.output_tokens = output_tokens;
    prices().completion_cost(&c).unwrap()
}

fn prices() -> PriceTable {
    let mut p = PriceTable::empty();
    p.insert("test-model", card());
    p
}

#[async_trait]
impl Provider for Words {
    fn name(&self) -> &str {
        "words"
    }
    fn default_model(&self) -> &str {
        "test-model"
    }
    async fn complete(&self, _: &CompletionRequest) -> crate::Result<Completion> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(8)).await;
        self.billed.fetch_add(cost(WORDS as u64).nanos() as u64, Ordering::SeqCst);
        Ok(whole())
    }
    async fn stream(&self, _: &CompletionRequest) -> crate::Result<CompletionStream> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let billed = Arc::clone(&self.billed);
        billed.fetch_add(cost(0).nanos() as u64, Ordering::SeqCst);
        let fail_after = self.fail_after;
        let per_token = (cost(1) - cost(0)).nanos() as u64;
        let s = futures::stream::unfold(0usize, move |i| {
            let billed = Arc::clone(&billed);
            async move {
                if i > WORDS {
                    return None;
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
                if fail_after == Some(i) {
                    return Some((
                        Err(Error::Provider(Box::new(crate::error::ProviderFailure {
                            provider: "words".into(),
                            status: Some(200),
                            kind: Some("overloaded_error".into()),
                            message: "Overloaded".into(),
                            retryable: true,
                            retry_after: None,
                            source: None,
                        }))),
                        WORDS + 1,
                    ));
                }
                if i == WORDS {
                    return Some((Ok(StreamEvent::Done(whole())), i + 1));
                }
                billed.fetch_add(per_token, Ordering::SeqCst);
                Some((Ok(StreamEvent::Delta(format!("word{i} "))), i + 1))
            }
        });
        Ok(Box::pin(s))
    }
}

/// The whole answer: every word, billed at 300 input and one output token per word.
fn whole() -> Completion {
    Completion {
        text: (0..WORDS).map(|w| format!("word{w} ")).collect(),
        usage: Usage { input_tokens: 300, output_tokens: WORDS as u64, ..Usage::default() },
        finish_reason: FinishReason::Stop,
        model: "test-model".into(),
        provider: "words".into(),
        service_tier: None,
        inference_geo: None,
        latency: Duration::ZERO,
    }
}

async fn engine(provider: Arc<Words>, budget: f64) -> ContentEngine {
    let mut config = Config::default();
    config.budget.global_limit = Usd::from_dollars(budget);
    config.cache.enabled = false;
    ContentEngine::builder().config(config).provider(provider).prices(prices()).in_memory().build().await.unwrap()
}

fn brief(i: usize) -> ContentRequest {
    ContentRequest::new(ContentType::SocialMedia, format!("Spring sale number {i}")).length(50)
}

async fn global(engine: &ContentEngine) -> ScopeUsage {
    let w = engine.budget().window();
    engine.budget().ledger().usage(&Scope::Global, &w).await.unwrap()
}

#[tokio::test]
async fn a_stream_gives_every_word_then_the_stored_piece_settled_at_its_usage() {
    let words = Arc::new(Words::default());
    let engine = engine(Arc::clone(&words), 10.0).await;
    let ctx = RequestContext::anonymous();
    let mut s = engine.generate_stream(brief(0), &ctx).await.unwrap();
    let mut text = String::new();
    let mut done = None;
    while let Some(e) = s.next().await {
        match e.unwrap() {
            GenerationEvent::Delta(d) => text.push_str(&d),
            GenerationEvent::Done(c) => done = Some(c),
        }
    }
    let piece = done.expect("a final piece");
    assert_eq!(text.split_whitespace().count(), WORDS);
    assert_eq!(piece.cost_usd, cost(WORDS as u64));
    assert!(engine.get_content(&piece.id, &ctx).await.is_ok(), "stored");
    let g = global(&engine).await;
    assert_eq!((g.spent, g.reserved, g.in_flight), (cost(WORDS as u64), Usd::ZERO, 0));
}

#[tokio::test]
async fn two_hundred_streams_dropped_anywhere_leave_no_hold_and_count_at_least_what_was_billed() {
    let words = Arc::new(Words::default());
    let engine = engine(Arc::clone(&words), 1000.0).await;
    let ctx = RequestContext::anonymous();
    let mut completed = 0;
    // What each stream should count: its usage at the end, its whole hold when dropped after
    // the request went out (the hold differs with the topic's length).
    let mut expected = Usd::ZERO;
    for i in 0..200 {
        let estimate = engine.quote(&brief(i)).unwrap().estimate;
        let mut s = engine.generate_stream(brief(i), &ctx).await.unwrap();
        // 0: dropped before the request went out; WORDS + 1: read to the end.
        let take = fastrand::usize(0..=WORDS + 1);
        let mut finished = false;
        for _ in 0..take {
            match s.next().await {
                Some(Ok(GenerationEvent::Done(_))) => finished = true,
                Some(Ok(GenerationEvent::Delta(_))) => {}
                other => panic!("{other:?}"),
            }
        }
        completed += usize::from(finished);
        if finished {
            expected += cost(WORDS as u64);
        } else if take > 0 {
            expected += estimate;
        }
        drop(s);
    }
    assert_eq!(engine.budget().flush(Duration::from_secs(10)).await, 0, "every drop settled");
    let g = global(&engine).await;
    assert_eq!((g.reserved, g.in_flight), (Usd::ZERO, 0), "no hold is left");
    let billed = Usd::from_nanos(words.billed.load(Ordering::SeqCst) as i64);
    assert!(g.spent >= billed, "ledger {} < billed {billed}", g.spent);
    let sent = words.calls.load(Ordering::SeqCst);
    let dropped_after_send = sent - completed;
    assert_eq!(g.spent, expected, "{completed} completed, {dropped_after_send} dropped after sending");
    assert!(sent < 200, "some streams were dropped before sending (and released)");
}

#[tokio::test]
async fn an_error_after_text_ends_the_stream_and_settles_the_hold() {
    let words = Arc::new(Words { fail_after: Some(5), ..Words::default() });
    let engine = engine(Arc::clone(&words), 10.0).await;
    let estimate = engine.quote(&brief(0)).unwrap().estimate;
    let events: Vec<_> = engine.generate_stream(brief(0), &RequestContext::anonymous()).await.unwrap().collect().await;
    assert_eq!(events.len(), 6);
    assert!(events[..5].iter().all(|e| matches!(e, Ok(GenerationEvent::Delta(_)))));
    assert!(events[5].as_ref().unwrap_err().to_string().contains("Overloaded"));
    let g = global(&engine).await;
    assert_eq!((g.spent, g.reserved), (estimate, Usd::ZERO), "may have been billed: counted at the hold");
}

#[tokio::test]
async fn streamed_and_whole_generations_share_one_budget_without_overspending() {
    let words = Arc::new(Words::default());
    let estimate = engine(Arc::new(Words::default()), 1.0).await.quote(&brief(10)).unwrap().estimate;
    // Room for one hold plus fifteen calls' real cost: forty calls, half streamed, half whole,
    // must run into the limit.
    let limit = (estimate.nanos() + cost(WORDS as u64).nanos() * 15) as f64 / 1e9;
    let engine = engine(Arc::clone(&words), limit).await;
    let limit_usd = Usd::from_dollars(limit).unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let engine = engine.clone();
            tokio::spawn(async move {
                let ctx = RequestContext::anonymous();
                if i % 2 == 0 {
                    return engine.generate(brief(i), &ctx).await.map(|_| ());
                }
                let s = engine.generate_stream(brief(i), &ctx).await?;
                let events: Vec<_> = s.collect().await;
                match events.into_iter().last() {
                    Some(Ok(GenerationEvent::Done(_))) => Ok(()),
                    Some(Err(e)) => Err(e),
                    other => panic!("{other:?}"),
                }
            })
        })
        .collect();
    let mut refused = 0;
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            assert_eq!(e.code(), crate::error::ErrorCode::BudgetExceeded, "{e}");
            refused += 1;
        }
    }
    let g = global(&engine).await;
    assert!(refused > 0);
    assert!(g.spent <= limit_usd, "spent {} over {limit}", g.spent);
    assert_eq!(g.reserved, Usd::ZERO);
}

#[tokio::test]
async fn a_cached_piece_streams_at_once_and_costs_nothing() {
    let words = Arc::new(Words::default());
    let mut config = Config::default();
    config.budget.global_limit = Usd::from_dollars(10.0);
    config.cache.enabled = true;
    let engine = ContentEngine::builder()
        .config(config)
        .provider(Arc::clone(&words) as Arc<dyn Provider>)
        .prices(prices())
        .in_memory()
        .build()
        .await
        .unwrap();
    let ctx = RequestContext::anonymous();
    let first: Vec<_> = engine.generate_stream(brief(1), &ctx).await.unwrap().collect().await;
    let Some(Ok(GenerationEvent::Done(original))) = first.last() else { panic!("{first:?}") };
    let again: Vec<_> = engine.generate_stream(brief(1), &ctx).await.unwrap().collect().await;
    assert_eq!(again.len(), 2);
    let Ok(GenerationEvent::Done(cached)) = &again[1] else { panic!("{again:?}") };
    assert!(cached.cached && cached.cost_usd == Usd::ZERO);
    assert_eq!(cached.id, original.id);
    assert_eq!(again[0].as_ref().unwrap(), &GenerationEvent::Delta(original.content.clone()));
    assert_eq!(words.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_offline_drafter_streams_with_no_key() {
    let engine = ContentEngine::builder().in_memory().build().await.unwrap();
    let events: Vec<_> = engine.generate_stream(brief(2), &RequestContext::anonymous()).await.unwrap().collect().await;
    assert!(events.len() > 3, "word by word");
    let Some(Ok(GenerationEvent::Done(piece))) = events.last() else { panic!("{events:?}") };
    assert_eq!(piece.provider, "offline");
}

#[tokio::test]
async fn a_stream_read_ahead_merges_waiting_deltas_loses_no_text_and_settles_when_closed() {
    let words = Arc::new(Words::default());
    let engine = engine(Arc::clone(&words), 10.0).await;
    let ctx = RequestContext::anonymous();
    let ahead = engine.generate_stream(brief(0), &ctx).await.unwrap().read_ahead();
    // A busy reader: by the time it asks, many words have arrived and come as one delta.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (mut text, mut deltas, mut done) = (String::new(), 0, None);
    while let Some(e) = ahead.next().await {
        match e.unwrap() {
            GenerationEvent::Delta(d) => {
                deltas += 1;
                text.push_str(&d);
            }
            GenerationEvent::Done(c) => done = Some(c),
        }
    }
    assert_eq!(text, whole().text, "every word, in order");
    assert!(deltas < WORDS, "{deltas} deltas for {WORDS} words: nothing was merged");
    assert_eq!(done.expect("the piece").cost_usd, cost(WORDS as u64));

    let ahead = engine.generate_stream(brief(1), &ctx).await.unwrap().read_ahead();
    assert!(matches!(ahead.next().await, Some(Ok(GenerationEvent::Delta(_)))));
    ahead.close();
    assert!(ahead.next().await.is_none(), "closed");
    for _ in 0..200 {
        if global(&engine).await.in_flight == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let g = global(&engine).await;
    assert_eq!((g.reserved, g.in_flight), (Usd::ZERO, 0), "closing settled the hold");
}
