//! splants for Kotlin and Swift: the engine's async API through uniffi proc-macros.
//!
//! One interface for both languages: [`ContentEngine`] is an object whose methods are `suspend`
//! functions in Kotlin and `async` methods in Swift; the shapes are the records of
//! [`records`], typed views of the core's types; every failure is a [`SplantsError`], a Kotlin
//! `SplantsException` / Swift `SplantsError` with one case per core error code
//! (`BudgetExceeded`, `RateLimited`, `ValidationError`, …) carrying the same `code`, HTTP
//! `status`, `retryable` flag and `details` as the HTTP API and the other bindings.
//!
//! Every call runs on the binding's own multi-threaded tokio runtime. The foreign side awaits a
//! handle to it; cancelling the coroutine (or Swift task) drops the handle, which aborts the
//! call on the runtime, so the engine sees the same drop a Rust caller's would: the budget hold
//! is settled as the core documents (`on_caller_left`).

#![allow(clippy::needless_pass_by_value)] // uniffi passes arguments by value.

uniffi::setup_scaffolding!();

pub mod records;

use records::{
    AccountInfo, ApiKeyInfo, BatchResult, BudgetStatus, ContentPage, ContentQuery, ContentRequest, EngagementReport,
    GeneratedContent, Health, IssuedKey, NewEvent, NewKey, Overview, PublishRequest, Quote, ReportRange,
    RequestContext, RoiPeriod, RoiReport, RotatedKey, SchedulePage, ScheduleQuery, ScheduledPost, ShutdownReport,
    Template, TemplateInput, TemplateOverrides, TemplateValue, VerifiedKey, from_core, to_core,
};
use splants::{Config, ErrorCode};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};

/// Every failure, one case per core error code. `reason` is the message (never a secret or an
/// internal address), `code` the stable code (`budget_exceeded`), `status` the HTTP status the
/// server answers with, `retryable` whether the same call may succeed later, `details` the
/// error's details as JSON text (`{"scope":"global","limit":5.0,…}` for a budget).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[allow(missing_docs)] // the fields are documented once, above
pub enum SplantsError {
    /// A field is missing, malformed or out of range (`details.field` names it).
    #[error("{reason}")]
    ValidationError { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// Missing, invalid, expired or revoked API key.
    #[error("{reason}")]
    Unauthorized { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The content, template, key or post does not exist.
    #[error("{reason}")]
    NotFound { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The thing exists, but its state does not allow the change.
    #[error("{reason}")]
    Conflict { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The call would take a budget scope over its limit.
    #[error("{reason}")]
    BudgetExceeded { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The caller's rate-limit quota is used up (`details.retry_after` in seconds).
    #[error("{reason}")]
    RateLimited { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The LLM provider failed after retries.
    #[error("{reason}")]
    ProviderError { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The LLM provider did not answer in time.
    #[error("{reason}")]
    ProviderTimeout { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The provider answered with nothing usable.
    #[error("{reason}")]
    ContentGenerationError { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// A template is unknown or invalid, or a variable is missing or wrong.
    #[error("{reason}")]
    TemplateError { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The configuration is incomplete or contradictory (`details.field` names the setting).
    #[error("{reason}")]
    ConfigError { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The database or cache failed.
    #[error("{reason}")]
    StorageError { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// The call took longer than allowed.
    #[error("{reason}")]
    Timeout { reason: String, code: String, status: u16, retryable: bool, details: String },
    /// A bug or an unexpected state.
    #[error("{reason}")]
    Internal { reason: String, code: String, status: u16, retryable: bool, details: String },
}

impl From<splants::Error> for SplantsError {
    fn from(e: splants::Error) -> Self {
        let reason = e.to_string();
        let code = e.code();
        let status = e.status_code();
        let retryable = e.is_retryable();
        let details = e.details().to_string();
        let c = code.as_str().to_owned();
        match code {
            ErrorCode::ValidationError => Self::ValidationError { reason, code: c, status, retryable, details },
            ErrorCode::Unauthorized => Self::Unauthorized { reason, code: c, status, retryable, details },
            ErrorCode::NotFound => Self::NotFound { reason, code: c, status, retryable, details },
            ErrorCode::Conflict => Self::Conflict { reason, code: c, status, retryable, details },
            ErrorCode::BudgetExceeded => Self::BudgetExceeded { reason, code: c, status, retryable, details },
            ErrorCode::RateLimited => Self::RateLimited { reason, code: c, status, retryable, details },
            ErrorCode::ProviderError => Self::ProviderError { reason, code: c, status, retryable, details },
            ErrorCode::ProviderTimeout => Self::ProviderTimeout { reason, code: c, status, retryable, details },
            ErrorCode::ContentGenerationError => {
                Self::ContentGenerationError { reason, code: c, status, retryable, details }
            }
            ErrorCode::TemplateError => Self::TemplateError { reason, code: c, status, retryable, details },
            ErrorCode::ConfigError => Self::ConfigError { reason, code: c, status, retryable, details },
            ErrorCode::StorageError => Self::StorageError { reason, code: c, status, retryable, details },
            ErrorCode::Timeout => Self::Timeout { reason, code: c, status, retryable, details },
            _ => Self::Internal { reason, code: c, status, retryable, details },
        }
    }
}

/// What every method returns.
pub type Result<T, E = SplantsError> = std::result::Result<T, E>;

/// The runtime every call runs on (the engine's background tasks live on it too); an error
/// when the process cannot start its threads.
fn runtime() -> splants::Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("splants")
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| splants::Error::internal(format!("cannot start the tokio runtime: {e}")))
}

/// Aborts the task when the foreign caller stops waiting for it.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `call` on the runtime; the foreign side awaits it from any executor.
async fn run<T: Send + 'static>(call: impl Future<Output = splants::Result<T>> + Send + 'static) -> Result<T> {
    let mut task = AbortOnDrop(runtime()?.spawn(call));
    match (&mut task.0).await {
        Ok(result) => result.map_err(SplantsError::from),
        Err(join) => Err(splants::Error::internal(format!("the call did not finish: {join}")).into()),
    }
}

/// An RFC 3339 time from a caller, or a validation error naming `field`.
fn time(field: &str, text: &str) -> splants::Result<chrono::DateTime<chrono::Utc>> {
    splants::shapes::from_value_in(serde_json::Value::String(text.to_owned()), field)
}

/// The caller's context as the engine's, checked by the core.
fn context(ctx: Option<RequestContext>) -> splants::Result<splants::RequestContext> {
    ctx.unwrap_or_default().to_core().into_context()
}

/// Turns marketing briefs into finished, scored copy within a budget that is never overspent.
///
/// Build one with [`ContentEngine::from_settings`] (the settings of the original app's `.env`,
/// by name) or [`ContentEngine::from_env`], and share it: it is cheap to call from many
/// coroutines at once.
#[derive(uniffi::Object)]
pub struct ContentEngine {
    engine: splants::ContentEngine,
}

impl ContentEngine {
    /// A handle on the engine for a task of its own.
    fn engine(&self) -> splants::ContentEngine {
        self.engine.clone()
    }

    async fn build(make: impl FnOnce() -> splants::Result<Config> + Send + 'static) -> Result<Arc<Self>> {
        let engine = run(async move { splants::ContentEngine::builder().config(make()?).build().await }).await?;
        Ok(Arc::new(ContentEngine { engine }))
    }
}

#[uniffi::export]
impl ContentEngine {
    /// Builds an engine from settings by their environment names, written as in a `.env` file
    /// (`mapOf("MONTHLY_AI_BUDGET" to "50", "DATABASE_URL" to "sqlite://splants.db")`); only
    /// these are read, every other setting keeps its default (`docs/configuration.md` lists
    /// them). Throws `ConfigError` naming a bad setting.
    #[uniffi::constructor]
    pub async fn from_settings(settings: HashMap<String, String>) -> Result<Arc<Self>> {
        Self::build(move || Config::from_vars(settings)).await
    }

    /// Builds an engine from the process environment and a `.env` file in the working
    /// directory (`OPENAI_API_KEY`, `MONTHLY_AI_BUDGET`, `DATABASE_URL`, `SPLANTS_*`).
    #[uniffi::constructor]
    pub async fn from_env() -> Result<Arc<Self>> {
        Self::build(Config::from_env).await
    }

    /// Generates one piece for a brief: checks it, counts the caller's rate limit, reserves the
    /// worst case in every budget scope, calls the provider, settles with the real usage and
    /// stores the piece.
    #[uniffi::method(default(context = None))]
    pub async fn generate(&self, request: ContentRequest, context: Option<RequestContext>) -> Result<GeneratedContent> {
        let engine = self.engine();
        run(async move {
            let request = to_core(&request, "request")?;
            let piece = engine.generate(request, &self::context(context)?).await?;
            from_core(&piece)
        })
        .await
    }

    /// Generates one piece as it is written: the checks run (and throw) here, then
    /// [`GenerationStream::next`] gives the text as it arrives and the finished piece last.
    #[uniffi::method(default(context = None))]
    pub async fn generate_stream(
        &self,
        request: ContentRequest,
        context: Option<RequestContext>,
    ) -> Result<Arc<GenerationStream>> {
        let engine = self.engine();
        let events = run(async move {
            let request = to_core(&request, "request")?;
            Ok(engine.generate_stream(request, &self::context(context)?).await?.read_ahead())
        })
        .await?;
        Ok(Arc::new(GenerationStream { events: Arc::new(events) }))
    }

    /// Generates up to `SPLANTS_BATCH_MAX` (10) pieces; one failed item never fails the others.
    #[uniffi::method(default(context = None))]
    pub async fn generate_batch(
        &self,
        requests: Vec<ContentRequest>,
        context: Option<RequestContext>,
    ) -> Result<BatchResult> {
        let engine = self.engine();
        run(async move {
            let items = requests
                .iter()
                .map(|r| serde_json::to_value(r).map_err(|e| splants::Error::validation("requests", e.to_string())))
                .collect::<splants::Result<Vec<_>>>()?;
            from_core(&engine.generate_batch_json(items, &self::context(context)?).await?)
        })
        .await
    }

    /// Renders template `name` with `variables` and generates from it; `overrides` replace the
    /// template's brief defaults.
    #[uniffi::method(default(overrides = None, context = None, variables))]
    pub async fn generate_from_template(
        &self,
        name: String,
        variables: HashMap<String, TemplateValue>,
        overrides: Option<TemplateOverrides>,
        context: Option<RequestContext>,
    ) -> Result<GeneratedContent> {
        let engine = self.engine();
        run(async move {
            let variables = variables
                .into_iter()
                .map(|(k, v)| serde_json::to_value(v).map(|v| (k, v)))
                .collect::<std::result::Result<serde_json::Map<_, _>, _>>()
                .map_err(|e| splants::Error::validation("variables", e.to_string()))?;
            let overrides = to_core(&overrides.unwrap_or_default(), "overrides")?;
            from_core(&engine.generate_from_template(&name, &variables, &overrides, &self::context(context)?).await?)
        })
        .await
    }

    /// The worst-case cost of a brief (what a generation would reserve); calls no provider.
    pub fn quote(&self, request: ContentRequest) -> Result<Quote> {
        let request = to_core(&request, "request")?;
        Ok(from_core(&self.engine.quote(&request)?)?)
    }

    /// A stored piece by id (only the caller's own when the context has an owner).
    #[uniffi::method(default(context = None))]
    pub async fn get_content(&self, id: String, context: Option<RequestContext>) -> Result<GeneratedContent> {
        let engine = self.engine();
        run(async move { from_core(&engine.get_content(&id, &self::context(context)?).await?) }).await
    }

    /// A page of the library, newest first; pass `next_cursor` back as `cursor` for the next.
    #[uniffi::method(default(query = None, context = None))]
    pub async fn list_content(
        &self,
        query: Option<ContentQuery>,
        context: Option<RequestContext>,
    ) -> Result<ContentPage> {
        let engine = self.engine();
        run(async move {
            let query = to_core(&query.unwrap_or_default(), "query")?;
            from_core(&engine.list_content(query, &self::context(context)?).await?)
        })
        .await
    }

    /// Deletes a stored piece; throws `NotFound` when there is none.
    #[uniffi::method(default(context = None))]
    pub async fn delete_content(&self, id: String, context: Option<RequestContext>) -> Result<()> {
        let engine = self.engine();
        run(async move { engine.delete_content(&id, &self::context(context)?).await }).await
    }

    /// Records engagement events (1 to 1000); returns how many were stored.
    #[uniffi::method(default(context = None))]
    pub async fn record_events(&self, events: Vec<NewEvent>, context: Option<RequestContext>) -> Result<u64> {
        let engine = self.engine();
        run(async move {
            let events = to_core(&events, "events")?;
            let stored = engine.record_events(events, &self::context(context)?).await?;
            Ok(u64::try_from(stored).unwrap_or(u64::MAX))
        })
        .await
    }

    /// What was generated and spent in `[since, until)` (default: the last 30 days).
    #[uniffi::method(default(range = None, context = None))]
    pub async fn analytics_overview(
        &self,
        range: Option<ReportRange>,
        context: Option<RequestContext>,
    ) -> Result<Overview> {
        let engine = self.engine();
        run(async move {
            let range: splants::analytics::ReportRange = to_core(&range.unwrap_or_default(), "range")?;
            let range = range.without_platform()?;
            from_core(&engine.analytics_overview(range.since, range.until, &self::context(context)?).await?)
        })
        .await
    }

    /// Engagement by platform, content type and posting hour (default: the last 30 days).
    #[uniffi::method(default(range = None, context = None))]
    pub async fn engagement(
        &self,
        range: Option<ReportRange>,
        context: Option<RequestContext>,
    ) -> Result<EngagementReport> {
        let engine = self.engine();
        run(async move {
            let range: splants::analytics::ReportRange = to_core(&range.unwrap_or_default(), "range")?;
            from_core(&engine.engagement(range.since, range.until, range.platform, &self::context(context)?).await?)
        })
        .await
    }

    /// AI cost against freelance rates over the last `period` (default a month).
    #[uniffi::method(default(period = None, context = None))]
    pub async fn roi(&self, period: Option<RoiPeriod>, context: Option<RequestContext>) -> Result<RoiReport> {
        let engine = self.engine();
        run(async move {
            let period = to_core(&period.unwrap_or(RoiPeriod::Month), "period")?;
            from_core(&engine.roi(period, &self::context(context)?).await?)
        })
        .await
    }

    /// Budget figures of the current period: global, and the caller's key and tenant scopes
    /// when the context gives them a budget.
    #[uniffi::method(default(context = None))]
    pub async fn budget_status(&self, context: Option<RequestContext>) -> Result<Vec<BudgetStatus>> {
        let engine = self.engine();
        run(async move { from_core(&engine.budget_status(&self::context(context)?).await?) }).await
    }

    /// Every registered template, by name.
    pub fn list_templates(&self) -> Result<Vec<Template>> {
        let templates: Vec<splants::Template> =
            self.engine.templates().list().iter().map(|t| splants::Template::clone(t)).collect();
        Ok(from_core(&templates)?)
    }

    /// One template by name; throws `NotFound` when there is none.
    pub fn get_template(&self, name: String) -> Result<Template> {
        Ok(from_core(&*self.engine.templates().get(&name)?)?)
    }

    /// Registers (or replaces) a template; throws `TemplateError` naming what is wrong.
    pub fn register_template(&self, template: TemplateInput) -> Result<()> {
        let template: splants::Template = to_core(&template, "template")?;
        Ok(self.engine.templates().register(template)?)
    }

    /// Schedules a piece to accounts (names from [`ContentEngine::accounts`]) at
    /// `scheduled_time` (now when left out), all or none.
    #[uniffi::method(default(context = None))]
    pub async fn publish(
        &self,
        request: PublishRequest,
        context: Option<RequestContext>,
    ) -> Result<Vec<ScheduledPost>> {
        let engine = self.engine();
        run(async move {
            let r: splants::engine::PublishRequest = to_core(&request, "request")?;
            from_core(&engine.publish(&r.content_id, &r.targets, r.scheduled_time, &self::context(context)?).await?)
        })
        .await
    }

    /// The configured publishing accounts (names and platforms, never credentials).
    pub fn accounts(&self) -> Result<Vec<AccountInfo>> {
        Ok(from_core(&self.engine.accounts())?)
    }

    /// A page of the schedule, earliest first; pass `next_cursor` back as `cursor`.
    #[uniffi::method(default(query = None, context = None))]
    pub async fn list_schedule(
        &self,
        query: Option<ScheduleQuery>,
        context: Option<RequestContext>,
    ) -> Result<SchedulePage> {
        let engine = self.engine();
        run(async move {
            let query = to_core(&query.unwrap_or_default(), "query")?;
            from_core(&engine.schedule(query, &self::context(context)?).await?)
        })
        .await
    }

    /// One schedule entry; throws `NotFound` when there is none.
    #[uniffi::method(default(context = None))]
    pub async fn get_scheduled_post(&self, id: String, context: Option<RequestContext>) -> Result<ScheduledPost> {
        let engine = self.engine();
        run(async move { from_core(&engine.scheduled_post(&id, &self::context(context)?).await?) }).await
    }

    /// Cancels an entry still `scheduled`; throws `Conflict` once it is publishing or done.
    #[uniffi::method(default(context = None))]
    pub async fn cancel_post(&self, id: String, context: Option<RequestContext>) -> Result<ScheduledPost> {
        let engine = self.engine();
        run(async move { from_core(&engine.cancel_post(&id, &self::context(context)?).await?) }).await
    }

    /// Moves an entry still `scheduled` to `scheduled_time` (RFC 3339).
    #[uniffi::method(default(context = None))]
    pub async fn reschedule_post(
        &self,
        id: String,
        scheduled_time: String,
        context: Option<RequestContext>,
    ) -> Result<ScheduledPost> {
        let engine = self.engine();
        run(async move {
            let at = time("scheduled_time", &scheduled_time)?;
            from_core(&engine.reschedule_post(&id, at, &self::context(context)?).await?)
        })
        .await
    }

    /// Starts this engine's publishing worker (once; it also starts by itself when accounts are
    /// configured). Several processes on one database share the queue.
    pub async fn start_scheduler(&self) -> Result<()> {
        let engine = self.engine();
        run(async move { engine.start_scheduler() }).await
    }

    /// Creates an API key; its secret is in the result this once and cannot be recovered.
    pub async fn create_key(&self, key: NewKey) -> Result<IssuedKey> {
        let engine = self.engine();
        run(async move {
            let key = to_core(&key, "key")?;
            from_core(&engine.keys().create(key).await?)
        })
        .await
    }

    /// Every API key, without secrets (revoked and rotated-out keys included).
    pub async fn list_keys(&self) -> Result<Vec<ApiKeyInfo>> {
        let engine = self.engine();
        run(async move { from_core(&engine.keys().list().await?) }).await
    }

    /// One API key (never its secret); throws `NotFound` when there is none.
    pub async fn get_key(&self, id: String) -> Result<ApiKeyInfo> {
        let engine = self.engine();
        run(async move { from_core(&engine.keys().get(&id).await?) }).await
    }

    /// Replaces key `id` with a new secret under the same identity; the old secret keeps
    /// working for `grace_hours` (24 when left out, at most 720).
    #[uniffi::method(default(grace_hours = None))]
    pub async fn rotate_key(&self, id: String, grace_hours: Option<u32>) -> Result<RotatedKey> {
        let engine = self.engine();
        run(async move {
            let grace = splants::auth::grace_from_hours("grace_hours", grace_hours)?;
            from_core(&engine.keys().rotate(&id, grace).await?)
        })
        .await
    }

    /// Revokes key `id`: it stops working at once.
    pub async fn revoke_key(&self, id: String) -> Result<()> {
        let engine = self.engine();
        run(async move { engine.keys().revoke(&id).await }).await
    }

    /// Checks an API key's secret (the `X-API-Key` header): the key and the context to pass to
    /// the other methods, or `Unauthorized`.
    pub async fn verify_api_key(&self, secret: String) -> Result<VerifiedKey> {
        let engine = self.engine();
        run(async move {
            let info = engine.keys().verify(&secret).await?;
            let context = RequestContext::from_core(splants::shapes::CallerContext::from_context(&info.context()));
            Ok(VerifiedKey { key: from_core(&info)?, context })
        })
        .await
    }

    /// The health of the database, the cache and the providers; never throws for a failing
    /// component (it is reported `unhealthy`).
    pub async fn health(&self) -> Result<Health> {
        let engine = self.engine();
        run(async move { from_core(&engine.health().await) }).await
    }

    /// Stops cleanly: stops the publishing worker, waits up to `grace_seconds` (the configured
    /// `SPLANTS_SHUTDOWN_GRACE_SECS`, 30 by default, when `null`; at most 3600) for generations
    /// still completing in the background, aborts the rest (held at their estimate), then waits
    /// for the budget writes on their way. Call it after the last request, before the process
    /// exits.
    #[uniffi::method(default(grace_seconds = None))]
    pub async fn shutdown(&self, grace_seconds: Option<f64>) -> Result<ShutdownReport> {
        let grace = self.engine.shutdown_grace("grace_seconds", grace_seconds)?;
        let engine = self.engine();
        run(async move { Ok(engine.shutdown(grace).await.into()) }).await
    }
}

/// One step of a streamed generation.
#[derive(Clone, Debug, uniffi::Enum)]
#[allow(clippy::large_enum_variant)] // uniffi lowers it into a buffer either way; it cannot box
pub enum StreamEvent {
    /// More copy as the model writes it (raw; the finished piece's `content` is it fitted to
    /// the platform).
    Delta {
        /// The new text.
        text: String,
    },
    /// The finished piece: analysed, fitted, stored and settled. Always last.
    Done {
        /// The piece.
        content: GeneratedContent,
    },
}

/// A streamed generation: call [`GenerationStream::next`] until it returns `null`, or
/// [`GenerationStream::cancel`] to stop early (the provider request is aborted and the budget
/// hold settled). Dropping it ends it too.
#[derive(uniffi::Object)]
pub struct GenerationStream {
    events: Arc<splants::engine::ReadAhead>,
}

#[uniffi::export]
impl GenerationStream {
    /// The next event (deltas that arrived together come as one), or `null` after the last;
    /// a failure throws the same exception `generate` would.
    pub async fn next(&self) -> Result<Option<StreamEvent>> {
        let events = Arc::clone(&self.events);
        run(async move {
            match events.next().await {
                None => Ok(None),
                Some(Err(e)) => Err(e),
                Some(Ok(splants::engine::GenerationEvent::Delta(text))) => Ok(Some(StreamEvent::Delta { text })),
                Some(Ok(splants::engine::GenerationEvent::Done(piece))) => {
                    Ok(Some(StreamEvent::Done { content: from_core(&*piece)? }))
                }
            }
        })
        .await
    }

    /// Ends the stream now: the provider request is aborted and the budget hold settled. Safe to
    /// call more than once. (Freeing the object — Kotlin's `close()` / `use {}`, Swift's
    /// deinit — ends it too.)
    pub fn cancel(&self) {
        self.events.close();
    }
}

impl Drop for GenerationStream {
    fn drop(&mut self) {
        self.events.close();
    }
}
