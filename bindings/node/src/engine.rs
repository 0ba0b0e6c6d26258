//! `ContentEngine`: the JavaScript class over `splants::ContentEngine`.
//!
//! Each method converts its arguments (plain objects, camelCase or snake_case), runs the
//! Rust engine's method of the same name on the runtime and resolves with its `Serialize`
//! output. Argument errors reject the Promise like engine errors do.

use crate::bridge::{JsonArg, Promise, promise, promise_void, settle, to_js_error};
use crate::keys::snake_case_keys;
use crate::options::{caller_context, config_from_options, context_object, object_or_empty};
use crate::stream::{GenerationStream, Start};
use napi::bindgen_prelude::{ClassInstance, JavaScriptClassExt, PromiseRaw};
use napi::{Env, JsValue, Unknown, ValueType};
use napi_derive::napi;
use serde::Serialize;
use serde_json::Value;
use splants::analytics::{NewEvent, ReportRange, RoiPeriod};
use splants::auth::NewKey;
use splants::config::Config;
use splants::engine::PublishRequest;
use splants::schedule::ScheduleQuery;
use splants::shapes::{from_value, from_value_in};
use splants::storage::ContentQuery;
use splants::template::TemplateOverrides;
use splants::{ContentRequest, Error, Result, Template};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::sync::OnceCell;

/// How long the last `generate` spent inside the Rust engine's own `generate`, in nanoseconds:
/// what `bench/overhead.mjs` subtracts from the time the JavaScript caller saw, to tell what the
/// binding adds in the same process. Two clock reads a call.
static ENGINE_NANOS: AtomicU64 = AtomicU64::new(0);

/// Microseconds the last `generate` (of any engine, on any thread) spent inside the Rust
/// engine, without the binding's conversions. For the package's own benchmark only.
#[napi(js_name = "__lastEngineMicros")]
pub fn last_engine_micros() -> f64 {
    // Nanoseconds as a double: exact below 2^53 ns (104 days).
    let nanos = ENGINE_NANOS.load(Ordering::Relaxed) as f64;
    nanos / 1000.0
}

/// The engine, built on first use from its `Config` (building may open a database, so it
/// never runs on the JavaScript thread).
pub(crate) struct Lazy {
    config: Config,
    engine: OnceCell<splants::ContentEngine>,
}

impl Lazy {
    pub(crate) async fn get(&self) -> Result<splants::ContentEngine> {
        if let Some(engine) = self.engine.get() {
            return Ok(engine.clone());
        }
        // Boxed: the builder's future is about 20 KB, and every call's future would otherwise
        // carry it (and copy it) although only the first call builds.
        Box::pin(self.engine.get_or_try_init(|| splants::ContentEngine::builder().config(self.config.clone()).build()))
            .await
            .cloned()
    }
}

/// A number argument (`undefined` and `null` are absent); anything else is a validation error
/// naming it, checked before it could be coerced (`'30'` is not 30 seconds).
fn seconds_arg(value: Option<Unknown>, name: &str) -> Result<Option<f64>> {
    let not_a_number = |what: &str| Error::validation(name, format!("must be a number of seconds, not {what}"));
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => Ok(None),
        Ok(ValueType::Number) => {
            value.coerce_to_number().and_then(|n| n.get_double()).map(Some).map_err(|_| not_a_number("a number"))
        }
        Ok(other) => Err(not_a_number(&format!("a value of type {}", other.to_string().to_lowercase()))),
        Err(_) => Err(not_a_number("an unreadable value")),
    }
}

/// A required argument, or a validation error naming it.
fn required(value: Option<Value>, name: &str) -> Result<Value> {
    value.ok_or_else(|| Error::validation(name, "is required"))
}

/// A brief (camelCase or snake_case keys) as the crate's `ContentRequest`.
pub(crate) fn request(value: Option<Value>) -> Result<ContentRequest> {
    ContentRequest::from_value(snake_case_keys(required(value, "request")?, &[])?)
}

/// The key a `verifyApiKey` call found, and the context to pass to the other methods (written
/// in camelCase, as a caller passes it).
#[derive(Serialize)]
struct VerifiedKey {
    key: splants::auth::ApiKeyInfo,
    context: Value,
}

/// Turns marketing briefs into finished, scored copy within a budget that is never overspent.
///
/// `new ContentEngine(options)` checks the options at once and builds the engine on the first
/// call; `await ContentEngine.create(options)` builds it before returning, so a setup problem
/// (a missing key, an unreachable database) surfaces there.
#[napi]
pub struct ContentEngine {
    inner: Arc<Lazy>,
}

#[napi]
impl ContentEngine {
    /// Checks `options` (throws an `Error` with code `config_error` naming the bad option);
    /// the engine itself is built on the first call.
    #[napi(constructor, catch_unwind, ts_args_type = "options?: EngineOptions")]
    pub fn new(env: Env, options: Option<Unknown>) -> napi::Result<Self> {
        let options = JsonArg::new(&env, options, "options");
        let config = options.value().and_then(config_from_options).map_err(|e| to_js_error(&env, &e))?;
        Ok(ContentEngine { inner: Arc::new(Lazy { config, engine: OnceCell::new() }) })
    }

    /// Builds an engine from `options` before resolving.
    #[napi(catch_unwind, ts_args_type = "options?: EngineOptions", ts_return_type = "Promise<ContentEngine>")]
    pub fn create<'env>(
        env: &'env Env,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, ContentEngine>> {
        let options = JsonArg::new(env, options, "options");
        settle(env, move || build(move || options.value().and_then(config_from_options)), |_, engine| Ok(engine))
    }

    /// Builds an engine from the environment (`OPENAI_API_KEY`, `MONTHLY_AI_BUDGET`,
    /// `DATABASE_URL`, `SPLANTS_*`, and a `.env` file in the working directory).
    #[napi(catch_unwind, js_name = "fromEnv", ts_return_type = "Promise<ContentEngine>")]
    pub fn from_env<'env>(env: &'env Env) -> napi::Result<PromiseRaw<'env, ContentEngine>> {
        settle(env, || build(Config::from_env), |_, engine| Ok(engine))
    }

    /// Generates one piece for a brief.
    #[napi(
        catch_unwind,
        ts_args_type = "request: ContentRequest, context?: RequestContext",
        ts_return_type = "Promise<GeneratedContent>"
    )]
    pub fn generate<'env>(
        &self,
        env: &'env Env,
        request: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let request = JsonArg::new(env, request, "request");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let req = self::request(request.value()?)?;
            let ctx = caller_context(context.value()?)?;
            let engine = inner.get().await?;
            let started = Instant::now();
            let piece = engine.generate(req, &ctx).await;
            ENGINE_NANOS.store(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
            piece
        })
    }

    /// Generates one piece as it is written: `for await (const event of
    /// engine.generateStream(brief))` gives `{ kind: 'delta', text }` events, then one
    /// `{ kind: 'done', content }` with the finished, stored piece. The checks (validation,
    /// rate limit, budget) run at the first `next()` and reject it as `generate` would; `break`
    /// aborts the provider request and settles the budget hold.
    #[napi(
        catch_unwind,
        js_name = "generateStream",
        ts_args_type = "request: ContentRequest, context?: RequestContext",
        ts_return_type = "GenerationStream"
    )]
    pub fn generate_stream<'env>(
        &self,
        env: &'env Env,
        request: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<ClassInstance<'env, GenerationStream>> {
        let start = Start {
            inner: Arc::clone(&self.inner),
            request: JsonArg::new(env, request, "request"),
            context: JsonArg::new(env, context, "context"),
        };
        let stream = GenerationStream::new(start).into_instance(env)?;
        GenerationStream::make_iterable(env, stream.as_object(env))?;
        Ok(stream)
    }

    /// Generates up to `SPLANTS_BATCH_MAX` (10) pieces; one failed item never fails the others.
    #[napi(
        catch_unwind,
        ts_args_type = "requests: ContentRequest[], context?: RequestContext",
        ts_return_type = "Promise<BatchResult>"
    )]
    pub fn generate_batch<'env>(
        &self,
        env: &'env Env,
        requests: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let requests = JsonArg::new(env, requests, "requests");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let Value::Array(items) = required(requests.value()?, "requests")? else {
                return Err(Error::validation("requests", "must be an array of requests"));
            };
            let items = items.into_iter().map(|item| snake_case_keys(item, &[])).collect::<Result<Vec<_>>>()?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.generate_batch_json(items, &ctx).await
        })
    }

    /// Renders template `name` with `variables` (names exactly as the template declares them)
    /// and generates from it; `overrides` replace the template's brief defaults.
    #[napi(
        catch_unwind,
        ts_args_type = "name: string, variables?: Record<string, unknown>, overrides?: TemplateOverrides, context?: RequestContext",
        ts_return_type = "Promise<GeneratedContent>"
    )]
    pub fn generate_from_template<'env>(
        &self,
        env: &'env Env,
        name: String,
        variables: Option<Unknown<'env>>,
        overrides: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let variables = JsonArg::new(env, variables, "variables");
        let overrides = JsonArg::new(env, overrides, "overrides");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let variables = match variables.value()? {
                None => serde_json::Map::new(),
                Some(Value::Object(map)) => map,
                Some(_) => return Err(Error::validation("variables", "must be an object of variable values")),
            };
            let overrides: TemplateOverrides = from_value_in(object_or_empty(overrides.value()?, &[])?, "overrides")?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.generate_from_template(&name, &variables, &overrides, &ctx).await
        })
    }

    /// The worst-case cost of a brief (what a generation would reserve); calls no provider.
    #[napi(catch_unwind, ts_args_type = "request: ContentRequest", ts_return_type = "Promise<Quote>")]
    pub fn quote<'env>(&self, env: &'env Env, request: Option<Unknown<'env>>) -> napi::Result<Promise<'env>> {
        let request = JsonArg::new(env, request, "request");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let req = self::request(request.value()?)?;
            inner.get().await?.quote(&req)
        })
    }

    /// A stored piece by id (only the caller's own when the context has an owner).
    #[napi(
        catch_unwind,
        ts_args_type = "id: string, context?: RequestContext",
        ts_return_type = "Promise<GeneratedContent>"
    )]
    pub fn get_content<'env>(
        &self,
        env: &'env Env,
        id: String,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.get_content(&id, &ctx).await
        })
    }

    /// A page of the library, newest first; pass `next_cursor` back as `cursor` for the next.
    #[napi(
        catch_unwind,
        ts_args_type = "query?: ContentQuery, context?: RequestContext",
        ts_return_type = "Promise<ContentPage>"
    )]
    pub fn list_content<'env>(
        &self,
        env: &'env Env,
        query: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let query = JsonArg::new(env, query, "query");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let query: ContentQuery = from_value(object_or_empty(query.value()?, &[])?)?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.list_content(query, &ctx).await
        })
    }

    /// Deletes a stored piece; rejects with `not_found` when there is none.
    #[napi(catch_unwind, ts_args_type = "id: string, context?: RequestContext", ts_return_type = "Promise<void>")]
    pub fn delete_content<'env>(
        &self,
        env: &'env Env,
        id: String,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise_void(env, move || async move {
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.delete_content(&id, &ctx).await
        })
    }

    /// Records engagement events (1 to 1000); resolves with how many were stored.
    #[napi(
        catch_unwind,
        ts_args_type = "events: NewEvent[], context?: RequestContext",
        ts_return_type = "Promise<number>"
    )]
    pub fn record_events<'env>(
        &self,
        env: &'env Env,
        events: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let events = JsonArg::new(env, events, "events");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let events: Vec<NewEvent> =
                from_value_in(snake_case_keys(required(events.value()?, "events")?, &[])?, "events")?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.record_events(events, &ctx).await
        })
    }

    /// What was generated and spent in `[since, until)` (default: the last 30 days).
    #[napi(
        catch_unwind,
        ts_args_type = "range?: DateRange, context?: RequestContext",
        ts_return_type = "Promise<Overview>"
    )]
    pub fn analytics_overview<'env>(
        &self,
        env: &'env Env,
        range: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let range = JsonArg::new(env, range, "range");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let range: ReportRange =
                from_value::<ReportRange>(object_or_empty(range.value()?, &[])?)?.without_platform()?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.analytics_overview(range.since, range.until, &ctx).await
        })
    }

    /// Engagement by platform, content type and posting hour (default: the last 30 days).
    #[napi(
        catch_unwind,
        ts_args_type = "range?: ReportRange, context?: RequestContext",
        ts_return_type = "Promise<EngagementReport>"
    )]
    pub fn engagement<'env>(
        &self,
        env: &'env Env,
        range: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let range = JsonArg::new(env, range, "range");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let range: ReportRange = from_value(object_or_empty(range.value()?, &[])?)?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.engagement(range.since, range.until, range.platform, &ctx).await
        })
    }

    /// AI cost against freelance rates over the last `period` (default `month`).
    #[napi(
        catch_unwind,
        ts_args_type = "period?: RoiPeriod, context?: RequestContext",
        ts_return_type = "Promise<RoiReport>"
    )]
    pub fn roi<'env>(
        &self,
        env: &'env Env,
        period: Option<String>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let period: RoiPeriod = period.as_deref().unwrap_or("month").parse()?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.roi(period, &ctx).await
        })
    }

    /// Budget figures of the current period: global, and the caller's key and tenant scopes
    /// when the context gives them a budget.
    #[napi(catch_unwind, ts_args_type = "context?: RequestContext", ts_return_type = "Promise<BudgetStatus[]>")]
    pub fn budget_status<'env>(&self, env: &'env Env, context: Option<Unknown<'env>>) -> napi::Result<Promise<'env>> {
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.budget_status(&ctx).await
        })
    }

    /// Every registered template, by name.
    #[napi(catch_unwind, ts_return_type = "Promise<Template[]>")]
    pub fn list_templates<'env>(&self, env: &'env Env) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let engine = inner.get().await?;
            Ok(engine.templates().list().iter().map(|t| Template::clone(t)).collect::<Vec<_>>())
        })
    }

    /// One template by name; rejects with `not_found` when there is none.
    #[napi(catch_unwind, ts_args_type = "name: string", ts_return_type = "Promise<Template>")]
    pub fn get_template<'env>(&self, env: &'env Env, name: String) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move { Ok(Template::clone(&*inner.get().await?.templates().get(&name)?)) })
    }

    /// Registers (or replaces) a template; rejects with `template_error` naming what is wrong.
    #[napi(catch_unwind, ts_args_type = "template: TemplateInput", ts_return_type = "Promise<void>")]
    pub fn register_template<'env>(
        &self,
        env: &'env Env,
        template: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, ()>> {
        let template = JsonArg::new(env, template, "template");
        let inner = Arc::clone(&self.inner);
        promise_void(env, move || async move {
            let template: Template =
                from_value(snake_case_keys(required(template.value()?, "template")?, &["default"])?)?;
            inner.get().await?.templates().register(template)
        })
    }

    /// Schedules a piece to accounts (`targets`, names from `accounts()`) at `scheduledTime`
    /// (ISO 8601; now when left out), all or none; rejects with `validation_error` naming the
    /// target (`targets[1]`) when a platform's limits refuse the copy.
    #[napi(
        catch_unwind,
        ts_args_type = "request: PublishRequest, context?: RequestContext",
        ts_return_type = "Promise<ScheduledPost[]>"
    )]
    pub fn publish<'env>(
        &self,
        env: &'env Env,
        request: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let request = JsonArg::new(env, request, "request");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let r: PublishRequest = from_value(snake_case_keys(required(request.value()?, "request")?, &[])?)?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.publish(&r.content_id, &r.targets, r.scheduled_time, &ctx).await
        })
    }

    /// The configured publishing accounts (names and platforms, never credentials).
    #[napi(catch_unwind, ts_return_type = "Promise<AccountInfo[]>")]
    pub fn accounts<'env>(&self, env: &'env Env) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move { Ok(inner.get().await?.accounts()) })
    }

    /// A page of the schedule, earliest first; pass `next_cursor` back as `cursor`.
    #[napi(
        catch_unwind,
        ts_args_type = "query?: ScheduleQuery, context?: RequestContext",
        ts_return_type = "Promise<SchedulePage>"
    )]
    pub fn list_schedule<'env>(
        &self,
        env: &'env Env,
        query: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let query = JsonArg::new(env, query, "query");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let query: ScheduleQuery = from_value(object_or_empty(query.value()?, &[])?)?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.schedule(query, &ctx).await
        })
    }

    /// One schedule entry; rejects with `not_found` when there is none.
    #[napi(
        catch_unwind,
        ts_args_type = "id: string, context?: RequestContext",
        ts_return_type = "Promise<ScheduledPost>"
    )]
    pub fn get_scheduled_post<'env>(
        &self,
        env: &'env Env,
        id: String,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.scheduled_post(&id, &ctx).await
        })
    }

    /// Cancels an entry still `scheduled`; rejects with `conflict` once it is publishing or done.
    #[napi(
        catch_unwind,
        ts_args_type = "id: string, context?: RequestContext",
        ts_return_type = "Promise<ScheduledPost>"
    )]
    pub fn cancel_post<'env>(
        &self,
        env: &'env Env,
        id: String,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.cancel_post(&id, &ctx).await
        })
    }

    /// Moves an entry still `scheduled` to `scheduledTime` (ISO 8601); rejects with `conflict`
    /// once it is publishing or done.
    #[napi(
        catch_unwind,
        ts_args_type = "id: string, scheduledTime: string, context?: RequestContext",
        ts_return_type = "Promise<ScheduledPost>"
    )]
    pub fn reschedule_post<'env>(
        &self,
        env: &'env Env,
        id: String,
        scheduled_time: Option<Unknown<'env>>,
        context: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let at = JsonArg::new(env, scheduled_time, "scheduledTime");
        let context = JsonArg::new(env, context, "context");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let at: chrono::DateTime<chrono::Utc> =
                from_value_in(required(at.value()?, "scheduledTime")?, "scheduledTime")?;
            let ctx = caller_context(context.value()?)?;
            inner.get().await?.reschedule_post(&id, at, &ctx).await
        })
    }

    /// Starts this engine's publishing worker (once; it also starts by itself when accounts
    /// are configured). Several processes on one database share the queue.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn start_scheduler<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let inner = Arc::clone(&self.inner);
        promise_void(env, move || async move { inner.get().await?.start_scheduler() })
    }

    /// Creates an API key; resolves with it and its secret, which is shown this once and cannot
    /// be recovered. Rejects with `validation_error` naming the field (an unknown `tier`, a
    /// `name` that is empty, too long or has control characters, an `expiresAt` in the past).
    #[napi(catch_unwind, ts_args_type = "key: NewKey", ts_return_type = "Promise<IssuedKey>")]
    pub fn create_key<'env>(&self, env: &'env Env, key: Option<Unknown<'env>>) -> napi::Result<Promise<'env>> {
        let key = JsonArg::new(env, key, "key");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let new: NewKey = from_value(snake_case_keys(required(key.value()?, "key")?, &[])?)?;
            inner.get().await?.keys().create(new).await
        })
    }

    /// Every API key, without secrets or hashes (revoked and rotated-out keys included).
    #[napi(catch_unwind, ts_return_type = "Promise<ApiKeyInfo[]>")]
    pub fn list_keys<'env>(&self, env: &'env Env) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move { inner.get().await?.keys().list().await })
    }

    /// One API key (never its secret); rejects with `not_found` when there is none.
    #[napi(catch_unwind, ts_args_type = "id: string", ts_return_type = "Promise<ApiKeyInfo>")]
    pub fn get_key<'env>(&self, env: &'env Env, id: String) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move { inner.get().await?.keys().get(&id).await })
    }

    /// Replaces key `id` with a new secret under the same identity (budget, quota, library);
    /// the old secret keeps working for `graceHours` (24 by default, at most 720). This is the
    /// trusted path: the application calling it decides who may rotate what.
    #[napi(catch_unwind, ts_args_type = "id: string, graceHours?: number", ts_return_type = "Promise<RotatedKey>")]
    pub fn rotate_key<'env>(
        &self,
        env: &'env Env,
        id: String,
        grace_hours: Option<Unknown<'env>>,
    ) -> napi::Result<Promise<'env>> {
        let grace = JsonArg::new(env, grace_hours, "graceHours");
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let hours: Option<u32> = grace.value()?.map(|v| from_value_in(v, "graceHours")).transpose()?;
            let grace = splants::auth::grace_from_hours("graceHours", hours)?;
            inner.get().await?.keys().rotate(&id, grace).await
        })
    }

    /// Revokes key `id`: it stops working at once. Rejects with `not_found` when there is none.
    #[napi(catch_unwind, ts_args_type = "id: string", ts_return_type = "Promise<void>")]
    pub fn revoke_key<'env>(&self, env: &'env Env, id: String) -> napi::Result<PromiseRaw<'env, ()>> {
        let inner = Arc::clone(&self.inner);
        promise_void(env, move || async move { inner.get().await?.keys().revoke(&id).await })
    }

    /// The health of the database, the cache and the providers (`healthy` or `degraded`), with
    /// the process's uptime and memory; never rejects for a failing component.
    #[napi(catch_unwind, ts_return_type = "Promise<Health>")]
    pub fn health<'env>(&self, env: &'env Env) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move { Ok(inner.get().await?.health().await) })
    }

    /// Stops cleanly (call it after the last request, e.g. on `SIGTERM`): stops the publishing
    /// worker, waits up to `graceSeconds` (the configured `shutdownGrace`, 30 s by default, when
    /// left out) for generations still completing in the background because their caller left,
    /// aborts the rest (their holds settle at the estimate, since the provider may bill them),
    /// then waits for the budget writes on their way. Resolves with what happened to them; an
    /// engine never built (no call made) has nothing to stop. A grace outside 0..=3600 seconds
    /// rejects with `validation_error` naming `graceSeconds`.
    #[napi(catch_unwind, ts_args_type = "graceSeconds?: number | null", ts_return_type = "Promise<ShutdownReport>")]
    pub fn shutdown<'env>(&self, env: &'env Env, grace_seconds: Option<Unknown<'env>>) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        let seconds = seconds_arg(grace_seconds, "graceSeconds");
        promise(env, move || async move {
            let grace = splants::engine::shutdown_grace(&inner.config, "graceSeconds", seconds?)?;
            match inner.engine.get() {
                Some(engine) => Ok(engine.shutdown(grace).await),
                None => Ok(splants::engine::ShutdownReport::default()),
            }
        })
    }

    /// Checks an API key's secret (the `X-API-Key` header); resolves with the key (never its
    /// secret) and the `context` to pass to the other methods, or rejects with `unauthorized`.
    #[napi(catch_unwind, ts_args_type = "secret: string", ts_return_type = "Promise<VerifiedKey>")]
    pub fn verify_api_key<'env>(&self, env: &'env Env, secret: String) -> napi::Result<Promise<'env>> {
        let inner = Arc::clone(&self.inner);
        promise(env, move || async move {
            let key = inner.get().await?.keys().verify(&secret).await?;
            let context = context_object(&key.context())?;
            Ok(VerifiedKey { key, context })
        })
    }
}

/// Builds an engine from the config `make` returns, off the JavaScript thread.
async fn build(make: impl FnOnce() -> Result<Config> + Send + 'static) -> Result<ContentEngine> {
    let lazy = Lazy { config: make()?, engine: OnceCell::new() };
    lazy.get().await?;
    Ok(ContentEngine { inner: Arc::new(lazy) })
}
