//! LLM providers: one trait, real wire formats, pricing, retries and fallback.
//!
//! A [`Provider`] turns a [`CompletionRequest`] (messages, model, `max_tokens`, temperature)
//! into a [`Completion`] (text, [`Usage`], finish reason). The implementations speak the real
//! HTTP formats: [`OpenAiProvider`] (chat completions, also any OpenAI-compatible server such as
//! Ollama, vLLM or llama.cpp), [`AnthropicProvider`] (messages API), and [`OfflineProvider`], the
//! embedded default that drafts without a network (and says so). [`RetryingProvider`] and
//! [`FallbackProvider`] wrap any of them.

use crate::content::{ContentRequest, Usage};
use crate::error::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "anthropic")]
mod anthropic;
mod config;
mod fallback;
#[cfg(any(feature = "openai", feature = "anthropic"))]
mod http;
mod offline;
#[cfg(feature = "openai")]
mod openai;
pub mod pricing;
mod retry;
#[cfg(any(feature = "openai", feature = "anthropic"))]
mod sse;
pub mod tokens;

#[cfg(feature = "anthropic")]
pub use anthropic::AnthropicProvider;
pub use config::{ProviderConfig, ProviderKind};
pub use fallback::FallbackProvider;
#[cfg(any(feature = "openai", feature = "anthropic"))]
pub use http::HttpOptions;
pub use offline::OfflineProvider;
#[cfg(feature = "openai")]
pub use openai::OpenAiProvider;
pub use pricing::{PriceCard, PriceTable};
pub use retry::{RetryPolicy, RetryingProvider};

/// Who speaks a message.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that frame the conversation.
    System,
    /// The caller's message.
    User,
    /// A previous model answer.
    Assistant,
}

/// One chat message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: String,
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Message { role: Role::System, content: content.into() }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Message { role: Role::User, content: content.into() }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Message { role: Role::Assistant, content: content.into() }
    }
}

/// One completion call.
#[derive(Clone, Debug)]
pub struct CompletionRequest {
    /// Model to use; `None` means the provider's configured model.
    pub model: Option<String>,
    /// The conversation.
    pub messages: Vec<Message>,
    /// Most tokens the answer may have (reasoning/thinking tokens included).
    pub max_tokens: u32,
    /// Sampling temperature; the provider's default when `None`.
    pub temperature: Option<f32>,
    /// The structured brief behind the messages, for providers that draft without a model.
    pub brief: Option<Arc<ContentRequest>>,
    /// Told before a retry or fallback re-sends after an attempt that may have been billed.
    pub observer: Option<Arc<dyn AttemptObserver>>,
}

/// Accounts for attempts that failed but may still have been billed.
///
/// A timeout after the request was sent, or an unreadable `200` answer, may have cost money
/// even though no usage came back. Before [`RetryingProvider`] or [`FallbackProvider`] send
/// again after such an attempt they call [`AttemptObserver::before_resend`]; the engine uses it
/// to reserve budget for the extra attempt, so retries can never overspend. An error from
/// the observer stops the retries and the original failure is returned.
#[async_trait]
pub trait AttemptObserver: Send + Sync + Debug {
    /// Called before re-sending after `failure`, which [`crate::Error::may_have_billed`].
    async fn before_resend(&self, failure: &crate::Error) -> Result<()>;
}

impl CompletionRequest {
    /// A request for `messages` with at most `max_tokens` output tokens.
    pub fn new(messages: Vec<Message>, max_tokens: u32) -> Self {
        CompletionRequest { model: None, messages, max_tokens, temperature: None, brief: None, observer: None }
    }
}

/// Why the model stopped.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// Natural end of the answer.
    Stop,
    /// `max_tokens` was reached.
    Length,
    /// The provider's content filter or a refusal stopped it.
    ContentFilter,
    /// Anything else the provider reported.
    Other(String),
}

/// A provider's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// The generated text.
    pub text: String,
    /// Tokens used.
    pub usage: Usage,
    /// Why it stopped.
    pub finish_reason: FinishReason,
    /// The model that answered, as reported (price by this one).
    pub model: String,
    /// Provider name.
    pub provider: String,
    /// The service tier that billed the call, if reported (`priority`, `flex`, `batch`).
    pub service_tier: Option<String>,
    /// Where inference ran, if reported (Anthropic `inference_geo`).
    pub inference_geo: Option<String>,
    /// Wall time of the successful call.
    pub latency: Duration,
}

#[cfg(test)]
impl Completion {
    /// The engine tests' scripted providers' answer to `req`: `text` billed at `usage`, from
    /// provider `test`, the requested model (or `test-model`), finished, no latency.
    pub(crate) fn test_answer(req: &CompletionRequest, text: String, usage: Usage) -> Completion {
        Completion {
            text,
            usage,
            finish_reason: FinishReason::Stop,
            model: req.model.clone().unwrap_or_else(|| "test-model".into()),
            provider: "test".into(),
            service_tier: None,
            inference_geo: None,
            latency: std::time::Duration::ZERO,
        }
    }
}

/// One event of a streamed completion.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// More text, in order; never empty.
    Delta(String),
    /// The end: the whole answer (its `text` is every delta joined) with its usage.
    Done(Completion),
}

/// A streamed completion: deltas, then exactly one [`StreamEvent::Done`], or an error that ends
/// it. Dropping it aborts the request.
pub type CompletionStream = std::pin::Pin<Box<dyn futures::Stream<Item = Result<StreamEvent>> + Send>>;

/// The stream of a finished completion: its text as one delta, then its end (what providers
/// that cannot stream answer with).
pub fn stream_of(completion: Completion) -> CompletionStream {
    let delta = (!completion.text.is_empty()).then(|| Ok(StreamEvent::Delta(completion.text.clone())));
    Box::pin(futures::stream::iter(delta.into_iter().chain(std::iter::once(Ok(StreamEvent::Done(completion))))))
}

/// A stream read one item at a time until its end: `read` gives the next item, and the stream
/// ends after the first item that is not [`Steps::more`] (the end, or an error).
pub(crate) trait Steps: Send + 'static {
    /// What the stream gives.
    type Item: Send;
    /// The next item.
    fn read(&mut self) -> impl std::future::Future<Output = Result<Self::Item>> + Send;
    /// Whether more items follow `item`.
    fn more(item: &Self::Item) -> bool;
}

/// The stream of `state`'s items; the state is dropped right after the last one.
pub(crate) fn steps<S: Steps>(state: S) -> impl futures::Stream<Item = Result<S::Item>> + Send {
    futures::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        let item = state.read().await;
        let more = matches!(&item, Ok(i) if S::more(i));
        Some((item, more.then_some(state)))
    })
}

/// Opens `provider`'s stream and waits for its first event, so that a failure before any text
/// (a refused request, an `error` event first) is an `Err` here, which retries and fallback
/// may act on; the event is then given again as the stream's first.
pub(crate) async fn open_until_first<P: Provider + ?Sized>(
    provider: &P,
    request: &CompletionRequest,
) -> Result<CompletionStream> {
    use futures::StreamExt;
    let mut stream = provider.stream(request).await?;
    match stream.next().await {
        Some(Ok(first)) => Ok(Box::pin(futures::stream::once(async move { Ok(first) }).chain(stream))),
        Some(Err(e)) => Err(e),
        None => Err(crate::Error::internal(format!("{}'s stream ended without an answer", provider.name()))),
    }
}

/// A (provider, model) pair a request may end up billed under, with its prompt estimate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillingTarget {
    /// Provider name (key into the price table together with the model).
    pub provider: String,
    /// Model id.
    pub model: String,
    /// Upper bound on the prompt's tokens for this model's tokenizer.
    pub input_tokens: u64,
}

/// An LLM (or a drafter) that completes a conversation.
#[async_trait]
pub trait Provider: Send + Sync + Debug {
    /// Short provider name (`openai`, `anthropic`, `compatible`, `offline`).
    fn name(&self) -> &str;

    /// The model used when a request names none.
    fn default_model(&self) -> &str;

    /// Sends the request and returns the answer with its usage.
    async fn complete(&self, request: &CompletionRequest) -> Result<Completion>;

    /// Sends the request and streams the answer as it is written. An error returned here (or
    /// as the stream's first item) came before any text; the default completes the request and
    /// streams the whole answer at once.
    async fn stream(&self, request: &CompletionRequest) -> Result<CompletionStream> {
        Ok(stream_of(self.complete(request).await?))
    }

    /// Every (provider, model) the request may be billed under, with an upper bound on its
    /// prompt tokens. Fallback chains return one entry per member so quotes cover the worst.
    fn billing_targets(&self, request: &CompletionRequest) -> Vec<BillingTarget> {
        vec![BillingTarget {
            provider: self.name().to_owned(),
            model: request.model.clone().unwrap_or_else(|| self.default_model().to_owned()),
            input_tokens: tokens::upper_bound(&request.messages),
        }]
    }

    /// Whether calls cost nothing (no price lookup needed).
    fn is_free(&self) -> bool {
        false
    }

    /// A cheap reachability check for health endpoints; `Ok` when configured.
    async fn health(&self) -> Result<()> {
        Ok(())
    }
}

#[async_trait]
impl<P: Provider + ?Sized> Provider for Arc<P> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn default_model(&self) -> &str {
        (**self).default_model()
    }
    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        (**self).complete(request).await
    }
    async fn stream(&self, request: &CompletionRequest) -> Result<CompletionStream> {
        (**self).stream(request).await
    }
    fn billing_targets(&self, request: &CompletionRequest) -> Vec<BillingTarget> {
        (**self).billing_targets(request)
    }
    fn is_free(&self) -> bool {
        (**self).is_free()
    }
    async fn health(&self) -> Result<()> {
        (**self).health().await
    }
}
