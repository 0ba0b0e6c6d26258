//! Scripted providers and observers shared by the tests.

use async_trait::async_trait;
use splants::Usage;
use splants::error::ProviderFailure;
use splants::provider::{
    AttemptObserver, BillingTarget, Completion, CompletionRequest, FinishReason, Message, Provider, RetryPolicy,
};
use splants::{Error, Result};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A provider that answers from a script and records what it was asked.
#[derive(Debug)]
pub struct Scripted {
    name: String,
    model: String,
    script: Mutex<VecDeque<Result<Completion>>>,
    calls: AtomicUsize,
    /// The `model` field of every request received.
    pub models: Mutex<Vec<Option<String>>>,
    pub health: Option<Error>,
}

impl Scripted {
    pub fn new(script: Vec<Result<Completion>>) -> Arc<Self> {
        Self::named("mock", "mock-model", script)
    }

    pub fn named(name: &str, model: &str, script: Vec<Result<Completion>>) -> Arc<Self> {
        Arc::new(Scripted {
            name: name.into(),
            model: model.into(),
            script: Mutex::new(script.into()),
            calls: AtomicUsize::new(0),
            models: Mutex::new(Vec::new()),
            health: None,
        })
    }

    /// A provider whose `health()` fails with `err`.
    pub fn unhealthy(name: &str, err: Error) -> Arc<Self> {
        Arc::new(Scripted {
            name: name.into(),
            model: "mock-model".into(),
            script: Mutex::new(VecDeque::new()),
            calls: AtomicUsize::new(0),
            models: Mutex::new(Vec::new()),
            health: Some(err),
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Provider for Scripted {
    fn name(&self) -> &str {
        &self.name
    }

    fn default_model(&self) -> &str {
        &self.model
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.models.lock().unwrap().push(request.model.clone());
        let next = self.script.lock().unwrap().pop_front();
        let mut answer = next.unwrap_or_else(|| Err(Error::internal("script exhausted")));
        if let Ok(c) = &mut answer {
            c.provider = self.name.clone();
        }
        answer
    }

    async fn health(&self) -> Result<()> {
        self.health.clone().map_or(Ok(()), Err)
    }
}

/// Counts the calls of any provider it wraps.
#[derive(Debug)]
pub struct Counting {
    pub inner: Arc<dyn Provider>,
    pub calls: AtomicUsize,
}

#[async_trait]
impl Provider for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn default_model(&self) -> &str {
        self.inner.default_model()
    }
    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.complete(request).await
    }
    fn billing_targets(&self, request: &CompletionRequest) -> Vec<BillingTarget> {
        self.inner.billing_targets(request)
    }
}

pub fn ok(text: &str) -> Result<Completion> {
    Ok(Completion {
        text: text.into(),
        usage: Usage { input_tokens: 1, output_tokens: 1, ..Usage::default() },
        finish_reason: FinishReason::Stop,
        model: "mock-model".into(),
        provider: String::new(),
        service_tier: None,
        inference_geo: None,
        latency: Duration::ZERO,
    })
}

pub fn failure(status: u16, retry_after: Option<Duration>) -> Error {
    Error::Provider(Box::new(ProviderFailure {
        provider: "mock".into(),
        status: Some(status),
        kind: None,
        message: format!("HTTP {status}"),
        retryable: matches!(status, 408 | 409 | 429 | 500..=599),
        retry_after,
        source: None,
    }))
}

pub fn timeout() -> Error {
    Error::provider_timeout("mock", std::time::Duration::from_millis(10))
}

pub fn invalid_response() -> Error {
    Error::Provider(Box::new(ProviderFailure {
        provider: "mock".into(),
        status: Some(200),
        kind: Some("invalid_response".into()),
        message: "not JSON".into(),
        retryable: false,
        retry_after: None,
        source: None,
    }))
}

pub fn status_of(err: &Error) -> Option<u16> {
    match err {
        Error::Provider(p) => p.status,
        _ => None,
    }
}

pub fn kind_of(err: &Error) -> Option<String> {
    match err {
        Error::Provider(p) => p.kind.clone(),
        _ => None,
    }
}

pub fn request() -> CompletionRequest {
    CompletionRequest::new(vec![Message::system("Be brief."), Message::user("Write a tagline.")], 64)
}

/// Short waits, no jitter: the waits are exactly 10, 20, 40 ... ms.
pub fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_total_wait: Duration::from_secs(5),
        jitter: false,
    }
}

/// An observer counting `before_resend` calls; it refuses when `refuse` is set.
#[derive(Debug, Default)]
pub struct Observer {
    pub calls: AtomicUsize,
    pub refuse: bool,
}

impl Observer {
    pub fn counting() -> Arc<Self> {
        Arc::new(Observer::default())
    }

    pub fn refusing() -> Arc<Self> {
        Arc::new(Observer { refuse: true, ..Observer::default() })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl AttemptObserver for Observer {
    async fn before_resend(&self, failure: &Error) -> Result<()> {
        assert!(failure.may_have_billed(), "asked about a failure that cannot have billed: {failure}");
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.refuse { Err(Error::validation("budget", "no room for another attempt")) } else { Ok(()) }
    }
}
