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

mod background;
mod batch;
mod builder;
mod health;
mod pipeline;
mod publishing;
#[cfg(feature = "webhooks")]
mod reports;
mod streaming;

pub use crate::config::{BatchConfig, CallsConfig};
pub use background::ShutdownReport;

/// [`ContentEngine::shutdown_grace`] before an engine exists (a binding that builds its engine
/// on first use checks a shutdown's argument the same way): `None` is `config`'s grace.
pub fn shutdown_grace(config: &Config, field: &str, seconds: Option<f64>) -> Result<std::time::Duration> {
    const MAX_SECS: f64 = 3600.0;
    match seconds {
        None => Ok(config.calls.shutdown_grace),
        Some(s) if s.is_finite() && (0.0..=MAX_SECS).contains(&s) => Ok(std::time::Duration::from_secs_f64(s)),
        Some(s) => Err(Error::validation(field, format!("{s} is not a number of seconds in 0..=3600"))),
    }
}
pub use batch::{BatchError, BatchItem, BatchResult, BatchStatus};
pub use builder::{ContentEngineBuilder, DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_MODEL, provider_from_config};
pub use health::{ComponentHealth, ComponentStatus, HEALTH_CHECK_TIMEOUT, Health, PROVIDER_HEALTH_TTL, SystemHealth};
pub use pipeline::{Quote, QuoteTarget};
pub use publishing::{AccountInfo, MAX_TARGETS, PublishRequest, parts_for};
pub use streaming::{GenerationEvent, GenerationStream, ReadAhead};

use crate::analytics::{EngagementReport, NewEvent, Overview, RoiPeriod, RoiReport, StatsQuery};
use crate::auth::{KeyManager, RequestContext};
use crate::budget::{BudgetGuard, BudgetStatus, Scope};
use crate::cache::ContentCache;
use crate::clock::{SharedClock, check_time, earliest_time};
use crate::config::Config;
use crate::content::{ContentRequest, GeneratedContent, TemplateRef};
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventSink};
use crate::provider::{PriceTable, Provider};
use crate::ratelimit::RateLimiter;
use crate::storage::{ContentPage, ContentQuery, Stores};
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
    pub(crate) stores: Stores,
    pub(crate) templates: TemplateRegistry,
    pub(crate) clock: SharedClock,
    pub(crate) events: EventSink,
    pub(crate) keys: KeyManager,
    /// Generations running in tasks of their own (they go on when their caller leaves).
    pub(crate) calls: Arc<background::BackgroundCalls>,
    /// The Redis the limiter and cache use, when the builder connected one (for health).
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<crate::redis_conn::RedisConnection>,
    /// Publishers by account name.
    pub(crate) publishers: Arc<crate::schedule::Publishers>,
    /// The publishing worker, once started.
    pub(crate) scheduler: parking_lot::Mutex<Option<crate::schedule::WorkerHandle>>,
    /// Wakes the worker when a post is due now.
    pub(crate) scheduler_wake: Arc<tokio::sync::Notify>,
    /// The webhook tasks, when a webhook URL is configured (stopped by `shutdown`).
    #[cfg(feature = "webhooks")]
    pub(crate) webhooks: Option<crate::webhook::WebhookHandle>,
    /// When the engine was built (health's uptime).
    pub(crate) started: std::time::Instant,
    /// The last provider health check and when it ran (reused for `PROVIDER_HEALTH_TTL`).
    pub(crate) provider_health: parking_lot::Mutex<Option<(std::time::Instant, ComponentHealth)>>,
    /// When health last read the process's CPU time, and what it read (for `cpu_percent`).
    pub(crate) cpu_sample: parking_lot::Mutex<Option<health::CpuSample>>,
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

/// Whether `id` could name a stored row: ids are generated, so one with control characters
/// (NUL, which Postgres cannot bind, included) names none and is not looked up.
pub(crate) fn lookup_id(id: &str) -> bool {
    crate::content::check_no_control("id", id).is_ok()
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

    /// Counts `cells` requests against the caller's rate-limit quotas (for servers that limit
    /// every request and report `X-RateLimit-*` headers); `None` for callers without a key.
    /// Mark the context with `rate_limit_counted` afterwards so generation does not count again.
    pub async fn check_rate_limit(
        &self,
        ctx: &RequestContext,
        cells: u32,
    ) -> Result<Option<crate::ratelimit::RateDecision>> {
        self.inner.check_rate_limit(ctx, cells).await
    }

    /// The worst-case cost of `request` (what a generation would reserve); calls nobody.
    pub fn quote(&self, request: &ContentRequest) -> Result<Quote> {
        request.validate()?;
        let job = Job { request: request.clone(), template_prompt: None, template: None }.sanitized();
        let creq = self.inner.completion_request(&job);
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
    /// An id with control characters names no piece (ids are generated) and is not looked up:
    /// Postgres cannot even bind a NUL.
    pub async fn get_content(&self, id: &str, ctx: &RequestContext) -> Result<GeneratedContent> {
        if !lookup_id(id) {
            return Err(Error::not_found("content", id));
        }
        self.inner.stores.content.get_content(id, ctx.owner()).await?.ok_or_else(|| Error::not_found("content", id))
    }

    /// A page of the library; the caller's owner (if any) always restricts the query.
    pub async fn list_content(&self, mut query: ContentQuery, ctx: &RequestContext) -> Result<ContentPage> {
        if let Some(owner) = ctx.owner() {
            query.owner = Some(owner.to_owned());
        }
        self.inner.stores.content.list_content(&query).await
    }

    /// Deletes a stored piece (the caller's own, when the caller has an owner); an id with
    /// control characters is not found, as in [`ContentEngine::get_content`].
    ///
    /// Its posts still scheduled are cancelled first, so none goes out after the piece is gone
    /// (the SQL stores then delete its schedule entries with it).
    pub async fn delete_content(&self, id: &str, ctx: &RequestContext) -> Result<()> {
        if lookup_id(id) && self.inner.stores.content.get_content(id, ctx.owner()).await?.is_some() {
            self.cancel_pending_posts(id).await?;
        }
        if lookup_id(id) && self.inner.stores.content.delete_content(id, ctx.owner()).await? {
            Ok(())
        } else {
            Err(Error::not_found("content", id))
        }
    }

    /// Records engagement events for pieces (impressions, clicks, shares, likes, comments,
    /// conversions). A referenced piece must exist and belong to the caller; nothing is
    /// stored if any event is invalid. Returns how many were stored.
    pub async fn record_events(&self, events: Vec<NewEvent>, ctx: &RequestContext) -> Result<usize> {
        if events.is_empty() || events.len() > 1000 {
            return Err(Error::validation("events", format!("{} events; send 1..=1000", events.len())));
        }
        let now = self.inner.clock.now();
        let mut known = std::collections::HashMap::new();
        let mut rows = Vec::with_capacity(events.len());
        for (i, e) in events.into_iter().enumerate() {
            e.validate().map_err(|err| match err {
                Error::Validation { field, reason } => Error::validation(format!("events[{i}].{field}"), reason),
                other => other,
            })?;
            let mut platform = e.platform;
            if let Some(id) = &e.content_id {
                if !known.contains_key(id) {
                    let piece = self.inner.stores.content.get_content(id, ctx.owner()).await?;
                    known.insert(id.clone(), piece.map(|p| p.platform));
                }
                match known.get(id) {
                    Some(Some(p)) => platform = platform.or(Some(*p)),
                    _ => {
                        return Err(Error::validation(format!("events[{i}].content_id"), format!("no content `{id}`")));
                    }
                }
            }
            rows.push(crate::analytics::AnalyticsEvent {
                id: uuid::Uuid::now_v7().to_string(),
                event_name: e.event_name,
                content_id: e.content_id,
                platform,
                count: e.count.unwrap_or(1),
                value: e.value,
                owner: ctx.owner().map(str::to_owned),
                occurred_at: crate::storage::truncate_micros(e.occurred_at.unwrap_or(now)),
                created_at: crate::storage::truncate_micros(now),
            });
        }
        self.inner.stores.events.record_events(&rows).await?;
        Ok(rows.len())
    }

    fn stats_query(
        &self,
        since: Option<chrono::DateTime<chrono::Utc>>,
        until: Option<chrono::DateTime<chrono::Utc>>,
        ctx: &RequestContext,
    ) -> Result<StatsQuery> {
        // Callers' dates are checked first, so the arithmetic below cannot overflow.
        let since = since.map(|t| check_time("start_date", t)).transpose()?;
        let until = until.map(|t| check_time("end_date", t)).transpose()?;
        // "Until now" includes what was stored this very microsecond.
        let until = until.unwrap_or_else(|| self.until_now());
        let since = since.unwrap_or_else(|| {
            until.checked_sub_signed(chrono::Duration::days(30)).unwrap_or(earliest_time()).max(earliest_time())
        });
        if since >= until {
            return Err(Error::validation("start_date", "must be before `end_date`"));
        }
        Ok(StatsQuery { owner: ctx.owner().map(str::to_owned), since, until, platform: None })
    }

    /// Now plus one microsecond (an exclusive bound that includes this very microsecond).
    fn until_now(&self) -> chrono::DateTime<chrono::Utc> {
        let now = self.inner.clock.now();
        now.checked_add_signed(chrono::Duration::microseconds(1)).unwrap_or(now)
    }

    /// What was generated and spent in `[since, until)` (default: the last 30 days).
    ///
    /// A date outside years 1..=9999 ([`crate::clock::check_time`]) is a validation error
    /// naming `start_date` or `end_date`, as is `since >= until`.
    pub async fn analytics_overview(
        &self,
        since: Option<chrono::DateTime<chrono::Utc>>,
        until: Option<chrono::DateTime<chrono::Utc>>,
        ctx: &RequestContext,
    ) -> Result<Overview> {
        let q = self.stats_query(since, until, ctx)?;
        let stats = self.inner.stores.content.content_stats(&q).await?;
        let usage = self.inner.stores.usage.usage_totals(&q).await?;
        Ok(Overview::new(stats, usage, q.since, q.until))
    }

    /// Engagement by platform, content type and posting hour (default: the last 30 days).
    ///
    /// Dates are checked as in [`ContentEngine::analytics_overview`].
    pub async fn engagement(
        &self,
        since: Option<chrono::DateTime<chrono::Utc>>,
        until: Option<chrono::DateTime<chrono::Utc>>,
        platform: Option<crate::content::Platform>,
        ctx: &RequestContext,
    ) -> Result<EngagementReport> {
        let mut q = self.stats_query(since, until, ctx)?;
        q.platform = platform;
        let stats = self.inner.stores.events.engagement_stats(&q).await?;
        Ok(EngagementReport::new(stats, q.since, q.until))
    }

    /// AI cost against freelance rates over the last week/month/quarter/year.
    pub async fn roi(&self, period: RoiPeriod, ctx: &RequestContext) -> Result<RoiReport> {
        let until = self.until_now();
        let since = until.checked_sub_signed(chrono::Duration::days(period.days())).unwrap_or(earliest_time());
        let q = self.stats_query(Some(since.max(earliest_time())), Some(until), ctx)?;
        let stats = self.inner.stores.content.content_stats(&q).await?;
        let usage = self.inner.stores.usage.usage_totals(&q).await?;
        let revenue = self.inner.stores.events.engagement_stats(&q).await?.totals.revenue;
        Ok(RoiReport::new(
            period,
            &stats,
            &usage,
            revenue,
            &self.inner.config.analytics.freelance_rates,
            q.since,
            q.until,
        ))
    }

    /// API key management (create, verify, rotate, revoke, list).
    pub fn keys(&self) -> &KeyManager {
        &self.inner.keys
    }

    /// The template registry (list, get, register at runtime).
    pub fn templates(&self) -> &TemplateRegistry {
        &self.inner.templates
    }

    /// A subscription to engine events (generated pieces, budget alerts, overshoot, rate limits).
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    /// Calls `listener` inline for every engine event (it must be quick and must not block);
    /// cheaper than [`ContentEngine::subscribe`] for counters.
    pub fn listen(&self, listener: crate::events::EventListener) {
        self.inner.events.listen(listener);
    }

    /// The configuration the engine was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The stores the engine was built with (library, usage, keys, events, budget ledger, and
    /// the backend behind them for health checks).
    pub fn stores(&self) -> &Stores {
        &self.inner.stores
    }

    /// The provider (or provider chain).
    pub fn provider(&self) -> &Arc<dyn Provider> {
        &self.inner.provider
    }

    /// The grace period for [`ContentEngine::shutdown`] as a binding's caller gives it:
    /// `None` is the configured one (`SPLANTS_SHUTDOWN_GRACE_SECS`, 30 s by default); seconds
    /// must be a number in 0..=3600, or it is a validation error naming `field`.
    pub fn shutdown_grace(&self, field: &str, seconds: Option<f64>) -> Result<std::time::Duration> {
        shutdown_grace(&self.inner.config, field, seconds)
    }

    /// Stops cleanly: stops the publishing worker (waiting up to `grace` for posts it is
    /// publishing), waits up to `grace` for generations still completing in the background
    /// (their callers left after the request was sent), aborts the rest — their holds settle
    /// at the estimate, since the provider may bill them — then waits (as long again, at least
    /// a second) for the budget writes still on their way, and as long for the webhook
    /// deliveries already queued (no new ones are sent after it). Call it after the last request.
    pub async fn shutdown(&self, grace: std::time::Duration) -> ShutdownReport {
        let unpublished = self.stop_scheduler(grace).await;
        let (completed, aborted) = self.inner.calls.drain(grace).await;
        let unsettled = self.inner.budget.flush(grace.max(std::time::Duration::from_secs(1))).await;
        #[cfg(feature = "webhooks")]
        if let Some(webhooks) = &self.inner.webhooks {
            webhooks.shutdown(grace.max(std::time::Duration::from_secs(1))).await;
        }
        if aborted > 0 || unsettled > 0 {
            tracing::warn!(completed, aborted, unsettled, "shutdown: generations aborted or budget writes unfinished");
        } else if completed > 0 {
            tracing::info!(completed, "shutdown: background generations finished");
        }
        ShutdownReport { completed, aborted, unsettled, unpublished }
    }

    /// Generations running in the background right now (callers that left, or still waiting).
    pub fn background_calls(&self) -> usize {
        self.inner.calls.len()
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

    /// Health of the cache for `/health`: `None` when there is no cache and no Redis; with
    /// Redis (for the cache or the rate limits) whether it answers `PING`; else `Ok`.
    pub async fn cache_health(&self) -> Option<Result<()>> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.inner.redis {
            return Some(redis.ping().await);
        }
        match &self.inner.cache {
            Some(cache) => Some(cache.ping().await),
            None => None,
        }
    }

    /// Whether the engine has a cache or a Redis connection (what `health` checks as `cache`).
    fn cache_in_use(&self) -> bool {
        #[cfg(feature = "redis")]
        if self.inner.redis.is_some() {
            return true;
        }
        self.inner.cache.is_some()
    }
}

#[cfg(test)]
mod publishing_tests;
#[cfg(test)]
#[cfg(feature = "redis")]
mod redis_tests;
#[cfg(test)]
mod repair_tests;
#[cfg(test)]
mod streaming_tests;
#[cfg(test)]
mod tests;
