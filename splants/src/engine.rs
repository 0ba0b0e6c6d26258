//! `ContentEngine`: the pipeline that ties the parts together.
//!
//! ```text
//! request → validate → rate limit (key, tier) → cache lookup (single-flight)
//!         → prompt (template or brief) → quote → budget reserve
//!         → provider (timeout, retries with backoff + Retry-After, fallback chain)
//!         → analyse (scores, hashtags, metadata, platform fit) → settle with real usage
//!         → store piece + usage → cache fill → event → GeneratedContent
//! ```
//! The engine is built once and is cheap to clone (one `Arc` inside).

mod batch;
mod builder;
mod context;
mod pipeline;

pub use batch::{BatchError, BatchItem, BatchResult, BatchStatus};
pub use builder::ContentEngineBuilder;
pub use context::RequestContext;
pub use pipeline::{Quote, QuoteTarget};

use crate::budget::{BudgetGuard, BudgetStatus, Scope};
use crate::cache::ContentCache;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::content::{ContentRequest, GeneratedContent, TemplateRef};
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventSink};
use crate::provider::{PriceTable, Provider};
use crate::ratelimit::RateLimiter;
use crate::storage::{ContentPage, ContentQuery, Storage};
use crate::template::{TemplateOverrides, TemplateRegistry};
use pipeline::Job;
use std::sync::Arc;
use tokio::sync::broadcast;

#[derive(Debug)]
pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) provider: Arc<dyn Provider>,
    pub(crate) prices: PriceTable,
    pub(crate) budget: BudgetGuard,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) cache: Option<ContentCache>,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) templates: TemplateRegistry,
    pub(crate) clock: SharedClock,
    pub(crate) events: EventSink,
}

/// Turns briefs into finished, scored, stored copy within budget and rate limits.
///
/// ```no_run
/// # async fn demo() -> splants::Result<()> {
/// use splants::{ContentEngine, ContentRequest, ContentType, RequestContext};
/// let engine = ContentEngine::builder().in_memory().build().await?;
/// let piece = engine
///     .generate(ContentRequest::new(ContentType::Blog, "AI marketing tips"), &RequestContext::anonymous())
///     .await?;
/// println!("{} (quality {:.2})", piece.content, piece.quality_score);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ContentEngine {
    inner: Arc<EngineInner>,
}

impl ContentEngine {
    /// A builder with every part at its default.
    pub fn builder() -> ContentEngineBuilder {
        ContentEngineBuilder::default()
    }

    /// An engine configured from the environment (see [`Config::from_env`]).
    pub async fn from_env() -> Result<Self> {
        ContentEngine::builder().config(Config::from_env()?).build().await
    }

    /// Generates one piece for `request`.
    pub async fn generate(&self, request: ContentRequest, ctx: &RequestContext) -> Result<GeneratedContent> {
        self.inner.run(Job { request, template_prompt: None, template: None }, ctx).await
    }

    /// Generates from a named template: renders it with `variables`, builds the brief from the
    /// template's defaults and `overrides`, and runs the same pipeline.
    pub async fn generate_from_template(
        &self,
        name: &str,
        variables: &serde_json::Map<String, serde_json::Value>,
        overrides: &TemplateOverrides,
        ctx: &RequestContext,
    ) -> Result<GeneratedContent> {
        let rendered = self.inner.templates.render(name, variables)?;
        let request = rendered.to_request(overrides);
        let template = TemplateRef { name: rendered.template.name.clone(), version: rendered.template.version.clone() };
        self.inner.run(Job { request, template_prompt: Some(rendered.prompt), template: Some(template) }, ctx).await
    }

    /// Generates many pieces with bounded concurrency; one failure never fails the others.
    /// At most `SPLANTS_BATCH_MAX` (10) requests per batch.
    pub async fn generate_batch(&self, requests: Vec<ContentRequest>, ctx: &RequestContext) -> Result<BatchResult> {
        batch::run(self, requests.into_iter().map(Ok).collect(), ctx).await
    }

    /// Like [`ContentEngine::generate_batch`] for JSON briefs (HTTP bodies, Python dicts): an
    /// item that does not parse fails alone, with a validation error naming its field.
    pub async fn generate_batch_json(
        &self,
        requests: Vec<serde_json::Value>,
        ctx: &RequestContext,
    ) -> Result<BatchResult> {
        batch::run(self, requests.into_iter().map(ContentRequest::from_value).collect(), ctx).await
    }

    /// The worst-case cost of `request` (what a generation would reserve); calls nobody.
    pub fn quote(&self, request: &ContentRequest) -> Result<Quote> {
        request.validate()?;
        let creq =
            self.inner.completion_request(&Job { request: request.clone(), template_prompt: None, template: None });
        self.inner.quote_completion(&creq)
    }

    /// Budget figures for the current period: the global scope, and the caller's key and
    /// tenant scopes when they have limits.
    pub async fn budget_status(&self, ctx: &RequestContext) -> Result<Vec<BudgetStatus>> {
        let mut out = vec![self.inner.budget.status(&Scope::Global, None).await?];
        if let (Some(key), Some(limit)) = (&ctx.key_id, ctx.key_budget) {
            out.push(self.inner.budget.status(&Scope::Key(key.clone()), Some(limit)).await?);
        }
        if let (Some(t), Some(limit)) = (&ctx.tenant, ctx.tenant_budget) {
            out.push(self.inner.budget.status(&Scope::Tenant(t.clone()), Some(limit)).await?);
        }
        Ok(out)
    }

    /// A stored piece by id, limited to the caller's own pieces when the caller has an owner.
    pub async fn get_content(&self, id: &str, ctx: &RequestContext) -> Result<GeneratedContent> {
        self.inner.storage.get_content(id, ctx.owner()).await?.ok_or_else(|| Error::not_found("content", id))
    }

    /// A page of the library; the caller's owner (if any) always restricts the query.
    pub async fn list_content(&self, mut query: ContentQuery, ctx: &RequestContext) -> Result<ContentPage> {
        if let Some(owner) = ctx.owner() {
            query.owner = Some(owner.to_owned());
        }
        self.inner.storage.list_content(&query).await
    }

    /// Deletes a stored piece (the caller's own, when the caller has an owner).
    pub async fn delete_content(&self, id: &str, ctx: &RequestContext) -> Result<()> {
        if self.inner.storage.delete_content(id, ctx.owner()).await? {
            Ok(())
        } else {
            Err(Error::not_found("content", id))
        }
    }

    /// The template registry (list, get, register at runtime).
    pub fn templates(&self) -> &TemplateRegistry {
        &self.inner.templates
    }

    /// A subscription to engine events (generated pieces, budget alerts, overshoot, rate limits).
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    /// The configuration the engine was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The storage backend.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.inner.storage
    }

    /// The provider (or provider chain).
    pub fn provider(&self) -> &Arc<dyn Provider> {
        &self.inner.provider
    }

    /// The budget guard.
    pub fn budget(&self) -> &BudgetGuard {
        &self.inner.budget
    }

    /// The price table in use.
    pub fn prices(&self) -> &PriceTable {
        &self.inner.prices
    }

    /// The engine's clock.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }
}

#[cfg(test)]
mod tests;
