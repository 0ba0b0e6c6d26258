//! Retries with exponential backoff, full jitter and `Retry-After`, for any [`Provider`].
//!
//! Only failures that [`Error::is_retryable`] are retried (408/409/429/5xx/529, connection
//! errors, timeouts); a 400/401/403/404/422 or an unreadable answer is returned at once. Before
//! re-sending after an attempt that [`Error::may_have_billed`], the request's
//! [`AttemptObserver`](super::AttemptObserver) is asked first, so the budget can cover it.

use super::{BillingTarget, Completion, CompletionRequest, CompletionStream, Provider, open_until_first};
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// When and how often to retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (0 is treated as 1).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles for each further retry.
    pub base_delay: Duration,
    /// Cap on one backoff (a longer `Retry-After` still wins, within `max_total_wait`).
    pub max_delay: Duration,
    /// Cap on the sum of all waits; a retry whose wait would pass it is not made.
    pub max_total_wait: Duration,
    /// Full jitter: wait a uniform random time in `[0, backoff]`, so clients spread out.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The backoff before retry number `retry` (0 = the first retry), without jitter:
    /// `base_delay · 2^retry`, capped at `max_delay`.
    pub fn backoff(&self, retry: u32) -> Duration {
        2_u32
            .checked_pow(retry)
            .and_then(|factor| self.base_delay.checked_mul(factor))
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// The wait before retry number `retry`: the (jittered) backoff, or the provider's
    /// `retry_after` when that is longer.
    pub fn wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self.backoff(retry);
        let backoff = if self.jitter {
            let max = u64::try_from(backoff.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(fastrand::u64(0..=max))
        } else {
            backoff
        };
        retry_after.map_or(backoff, |ra| ra.max(backoff))
    }
}

/// Wraps a provider and retries its retryable failures according to a [`RetryPolicy`].
#[derive(Debug)]
pub struct RetryingProvider {
    inner: Arc<dyn Provider>,
    policy: RetryPolicy,
}

impl RetryingProvider {
    /// Retries `inner` under `policy`.
    pub fn new(inner: Arc<dyn Provider>, policy: RetryPolicy) -> Self {
        RetryingProvider { inner, policy }
    }

    /// The policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Runs `attempt` until it succeeds, fails for good, or the policy says stop.
    async fn with_retries<T, F, Fut>(&self, request: &CompletionRequest, mut attempt_once: F) -> Result<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: std::future::Future<Output = Result<T>> + Send,
        T: Send,
    {
        let max_attempts = self.policy.max_attempts.max(1);
        let mut waited = Duration::ZERO;
        let mut attempt = 1_u32;
        loop {
            let err = match attempt_once().await {
                Ok(done) => return Ok(done),
                Err(err) => err,
            };
            if !err.is_retryable() || attempt >= max_attempts {
                return Err(err);
            }
            let wait = self.policy.wait(attempt - 1, err.retry_after());
            match waited.checked_add(wait) {
                Some(total) if total <= self.policy.max_total_wait => waited = total,
                _ => {
                    tracing::warn!(
                        provider = self.inner.name(),
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "not retrying: the wait would pass max_total_wait"
                    );
                    return Err(err);
                }
            }
            if !may_resend(request, &err, self.inner.name()).await {
                return Err(err);
            }
            tracing::warn!(
                provider = self.inner.name(),
                status = ?status_of(&err),
                code = err.code().as_str(),
                attempt,
                wait_ms = wait.as_millis() as u64,
                "provider attempt failed; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

/// Asks the request's observer before re-sending after `failure`; `false` means stop.
pub(crate) async fn may_resend(request: &CompletionRequest, failure: &Error, provider: &str) -> bool {
    if !failure.may_have_billed() {
        return true;
    }
    let Some(observer) = &request.observer else { return true };
    match observer.before_resend(failure).await {
        Ok(()) => true,
        Err(refusal) => {
            tracing::warn!(provider, error = %refusal, "not re-sending: the attempt observer refused");
            false
        }
    }
}

#[async_trait]
impl Provider for RetryingProvider {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn default_model(&self) -> &str {
        self.inner.default_model()
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        self.with_retries(request, || self.inner.complete(request)).await
    }

    /// Retries until the stream's first event (text or the end); a failure after it ends the
    /// stream, since text already given cannot be taken back.
    async fn stream(&self, request: &CompletionRequest) -> Result<CompletionStream> {
        self.with_retries(request, || open_until_first(&*self.inner, request)).await
    }

    fn billing_targets(&self, request: &CompletionRequest) -> Vec<BillingTarget> {
        self.inner.billing_targets(request)
    }

    fn is_free(&self) -> bool {
        self.inner.is_free()
    }

    async fn health(&self) -> Result<()> {
        self.inner.health().await
    }
}

fn status_of(err: &Error) -> Option<u16> {
    match err {
        Error::Provider(p) => p.status,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_total_wait: Duration::from_secs(10),
            jitter: false,
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = policy();
        let ms: Vec<u128> = (0..6).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.backoff(40), Duration::from_millis(1000), "2^40 overflows u32: capped, no panic");
        assert_eq!(p.backoff(u32::MAX), Duration::from_millis(1000));
        assert_eq!(p.wait(2, None), Duration::from_millis(400));
    }

    #[test]
    fn retry_after_wins_only_when_longer() {
        let p = policy();
        assert_eq!(p.wait(0, Some(Duration::from_secs(3))), Duration::from_secs(3));
        assert_eq!(p.wait(3, Some(Duration::from_millis(5))), Duration::from_millis(800));
    }

    #[test]
    fn full_jitter_stays_within_the_backoff() {
        let p = RetryPolicy { jitter: true, ..policy() };
        let waits: Vec<Duration> = (0..200).map(|_| p.wait(3, None)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(800)));
        assert!(waits.iter().any(|w| *w < Duration::from_millis(800)), "jitter actually varies the wait");
        assert_eq!(p.wait(0, Some(Duration::from_secs(2))), Duration::from_secs(2), "Retry-After is not jittered");
        let zero = RetryPolicy { base_delay: Duration::ZERO, ..p };
        assert_eq!(zero.wait(5, None), Duration::ZERO);
    }

    #[test]
    fn defaults_match_the_documented_policy() {
        let d = RetryPolicy::default();
        assert_eq!(
            (d.max_attempts, d.base_delay, d.max_delay, d.max_total_wait, d.jitter),
            (3, Duration::from_millis(500), Duration::from_secs(8), Duration::from_secs(30), true)
        );
        assert_eq!(RetryPolicy::none().max_attempts, 1);
    }
}
