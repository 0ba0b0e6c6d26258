//! `RetryingProvider` and `FallbackProvider` against scripted providers, in paused time.

use crate::support::*;
use splants::provider::{FallbackProvider, Provider, RetryPolicy, RetryingProvider, tokens};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn retry_retries_retryable_failures_then_succeeds() {
    let inner = Scripted::new(vec![Err(failure(503, None)), Err(failure(429, None)), ok("done")]);
    let p = RetryingProvider::new(inner.clone(), fast_policy(3));
    let start = Instant::now();
    assert_eq!(p.complete(&request()).await.unwrap().text, "done");
    assert_eq!(inner.calls(), 3);
    assert_eq!(start.elapsed(), Duration::from_millis(30), "10 ms then 20 ms of backoff");
}

#[tokio::test(start_paused = true)]
async fn retry_honours_a_longer_retry_after() {
    let inner = Scripted::new(vec![Err(failure(429, Some(Duration::from_millis(1500)))), ok("done")]);
    let start = Instant::now();
    RetryingProvider::new(inner.clone(), fast_policy(3)).complete(&request()).await.unwrap();
    assert_eq!((inner.calls(), start.elapsed()), (2, Duration::from_millis(1500)));
}

#[tokio::test(start_paused = true)]
async fn retry_never_retries_client_errors_or_invalid_answers() {
    for err in [400, 401, 403, 404, 422].map(|s| failure(s, None)).into_iter().chain([invalid_response()]) {
        let expected = (status_of(&err), kind_of(&err));
        let inner = Scripted::new(vec![Err(err), ok("unreachable")]);
        let got = RetryingProvider::new(inner.clone(), fast_policy(5)).complete(&request()).await.unwrap_err();
        assert_eq!(inner.calls(), 1, "{got}");
        assert_eq!((status_of(&got), kind_of(&got)), expected);
    }
}

#[tokio::test(start_paused = true)]
async fn retry_stops_at_max_attempts_with_the_last_error() {
    let inner = Scripted::new(vec![Err(failure(500, None)), Err(failure(502, None)), Err(failure(503, None))]);
    let err = RetryingProvider::new(inner.clone(), fast_policy(2)).complete(&request()).await.unwrap_err();
    assert_eq!((inner.calls(), status_of(&err)), (2, Some(502)));
    let inner = Scripted::new(vec![Err(failure(500, None)), ok("unreachable")]);
    let zero = RetryPolicy { max_attempts: 0, ..fast_policy(0) };
    RetryingProvider::new(inner.clone(), zero).complete(&request()).await.unwrap_err();
    assert_eq!(inner.calls(), 1, "0 attempts means one");
}

#[tokio::test(start_paused = true)]
async fn retry_respects_max_total_wait() {
    // Waits would be 10, 20, 40, 40 ms: a 35 ms budget allows the first two only.
    let policy = RetryPolicy { max_total_wait: Duration::from_millis(35), ..fast_policy(10) };
    let inner = Scripted::new((0..10).map(|_| Err(failure(503, None))).collect());
    let start = Instant::now();
    RetryingProvider::new(inner.clone(), policy.clone()).complete(&request()).await.unwrap_err();
    assert_eq!((inner.calls(), start.elapsed()), (3, Duration::from_millis(30)));
    // A Retry-After longer than the whole budget ends the retries at once.
    let inner = Scripted::new(vec![Err(failure(429, Some(Duration::from_secs(60)))), ok("late")]);
    let start = Instant::now();
    let err = RetryingProvider::new(inner.clone(), policy).complete(&request()).await.unwrap_err();
    assert_eq!((inner.calls(), err.retry_after()), (1, Some(Duration::from_secs(60))));
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn retry_asks_the_observer_only_after_attempts_that_may_have_billed() {
    let observer = Observer::counting();
    let mut req = request();
    req.observer = Some(observer.clone());
    let inner = Scripted::new(vec![Err(failure(503, None)), Err(timeout()), Err(failure(500, None)), ok("done")]);
    RetryingProvider::new(inner.clone(), fast_policy(4)).complete(&req).await.unwrap();
    assert_eq!((inner.calls(), observer.calls()), (4, 1));
}

#[tokio::test(start_paused = true)]
async fn retry_stops_when_the_observer_refuses() {
    let observer = Observer::refusing();
    let mut req = request();
    req.observer = Some(observer.clone());
    let inner = Scripted::new(vec![Err(timeout()), ok("never")]);
    let err = RetryingProvider::new(inner.clone(), fast_policy(3)).complete(&req).await.unwrap_err();
    assert_eq!((inner.calls(), observer.calls()), (1, 1));
    assert_eq!(err.code().as_str(), "provider_timeout", "the original failure, not the refusal");
}

#[tokio::test(start_paused = true)]
async fn retry_delegates_identity_and_targets() {
    let inner = Scripted::named("openai", "gpt-4o", vec![]);
    let p = RetryingProvider::new(inner, RetryPolicy::default());
    assert_eq!((p.name(), p.default_model()), ("openai", "gpt-4o"));
    let targets = p.billing_targets(&request());
    assert_eq!(targets.len(), 1);
    assert_eq!((targets[0].provider.as_str(), targets[0].model.as_str()), ("openai", "gpt-4o"));
}

#[tokio::test]
async fn fallback_moves_on_after_retryable_failures_with_each_members_own_model() {
    let first = Scripted::named("openai", "gpt-4o", vec![Err(failure(503, None))]);
    let second = Scripted::named("anthropic", "claude-haiku-4-5", vec![Err(timeout())]);
    let third = Scripted::named("compatible", "llama3.1", vec![ok("from llama")]);
    let chain = FallbackProvider::new(vec![first.clone(), second.clone(), third.clone()]).unwrap();
    let mut req = request();
    req.model = Some("gpt-4o-mini".into());
    let observer = Observer::counting();
    req.observer = Some(observer.clone());
    let done = chain.complete(&req).await.unwrap();
    assert_eq!((done.text.as_str(), done.provider.as_str()), ("from llama", "compatible"));
    assert_eq!(*first.models.lock().unwrap(), [Some("gpt-4o-mini".to_owned())]);
    assert_eq!(*second.models.lock().unwrap(), [None]);
    assert_eq!(*third.models.lock().unwrap(), [None]);
    assert_eq!(observer.calls(), 1, "once, after the timeout only");
}

#[tokio::test]
async fn fallback_returns_non_retryable_failures_at_once() {
    for err in [failure(401, None), failure(400, None), invalid_response()] {
        let expected = (status_of(&err), kind_of(&err));
        let first = Scripted::named("openai", "gpt-4o", vec![Err(err)]);
        let second = Scripted::named("anthropic", "claude-haiku-4-5", vec![ok("masked")]);
        let got = FallbackProvider::new(vec![first, second.clone()]).unwrap().complete(&request()).await.unwrap_err();
        assert_eq!((status_of(&got), kind_of(&got)), expected);
        assert_eq!(second.calls(), 0);
    }
}

#[tokio::test]
async fn fallback_returns_the_last_failure_when_all_fail() {
    let first = Scripted::named("openai", "gpt-4o", vec![Err(failure(503, None))]);
    let second = Scripted::named("anthropic", "claude-haiku-4-5", vec![Err(failure(529, None))]);
    let err = FallbackProvider::new(vec![first, second]).unwrap().complete(&request()).await.unwrap_err();
    assert_eq!(status_of(&err), Some(529));
}

#[tokio::test]
async fn fallback_stops_when_the_observer_refuses() {
    let first = Scripted::named("openai", "gpt-4o", vec![Err(timeout())]);
    let second = Scripted::named("anthropic", "claude-haiku-4-5", vec![ok("unpaid")]);
    let mut req = request();
    req.observer = Some(Observer::refusing());
    let err = FallbackProvider::new(vec![first, second.clone()]).unwrap().complete(&req).await.unwrap_err();
    assert_eq!((err.code().as_str(), second.calls()), ("provider_timeout", 0));
}

#[tokio::test]
async fn fallback_identity_targets_health_and_config() {
    let first = Scripted::named("openai", "gpt-4o", vec![]);
    let second = Scripted::named("anthropic", "claude-haiku-4-5", vec![]);
    let chain = FallbackProvider::new(vec![first, second]).unwrap();
    assert_eq!((chain.name(), chain.default_model()), ("openai", "gpt-4o"));
    let mut req = request();
    req.model = Some("gpt-4.1".into());
    let got: Vec<(String, String, u64)> =
        chain.billing_targets(&req).into_iter().map(|t| (t.provider, t.model, t.input_tokens)).collect();
    let bound = tokens::upper_bound(&req.messages);
    assert_eq!(
        got,
        [("openai".into(), "gpt-4.1".into(), bound), ("anthropic".into(), "claude-haiku-4-5".into(), bound)]
    );
    chain.health().await.unwrap();

    let down = Scripted::unhealthy("openai", failure(503, None));
    let up = Scripted::named("anthropic", "m", vec![]);
    FallbackProvider::new(vec![down.clone(), up]).unwrap().health().await.unwrap();
    let also_down = Scripted::unhealthy("anthropic", failure(401, None));
    let err = FallbackProvider::new(vec![down, also_down]).unwrap().health().await.unwrap_err();
    assert_eq!(status_of(&err), Some(401), "the last member's failure");

    let err = FallbackProvider::new(Vec::<Arc<dyn Provider>>::new()).unwrap_err();
    assert_eq!(err.code().as_str(), "config_error");
}
