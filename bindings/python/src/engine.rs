//! `ContentEngine`: every engine operation as an asyncio awaitable.
//!
//! Each method converts its arguments while it holds the GIL (cheap), then runs the engine
//! call on the tokio runtime without the GIL; the result is converted on delivery.

use crate::config::config_from_kwargs;
use crate::convert::{from_py, keyword_object, to_json};
use crate::errors::IntoPyResult;
use crate::inflight::{block_on, spawn};
use crate::request::{RequestContext, context_from_py, request_from_py};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PySequence};
use serde_json::{Map, Value};
use splants::analytics::{NewEvent, ReportRange, RoiPeriod};
use splants::auth::NewKey;
use splants::engine::PublishRequest;
use splants::schedule::ScheduleQuery;
use splants::shapes::from_value;
use splants::storage::ContentQuery;
use splants::template::TemplateOverrides;
use splants::{Error, Template};

/// Turns briefs into finished, scored, stored copy within budget and rate limits. Safe to
/// share across threads and event loops.
#[pyclass(frozen, module = "splants._splants")]
pub(crate) struct ContentEngine(splants::ContentEngine);

/// Each item of a Python sequence as JSON, named `field[i]` in errors.
fn json_items(obj: &Bound<'_, PyAny>, field: &str) -> Result<Vec<Value>, Error> {
    let seq = obj
        .cast::<PySequence>()
        .map_err(|_| Error::validation(field, "must be a list of requests (ContentRequest objects or dicts)"))?;
    let len = seq.len().map_err(|e| Error::validation(field, e.to_string()))?;
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let item = seq.get_item(i).map_err(|e| Error::validation(field, e.to_string()))?;
        out.push(to_json(&item, &format!("{field}[{i}]"))?);
    }
    Ok(out)
}

#[pymethods]
impl ContentEngine {
    /// Builds an engine from keyword arguments: the core's engine options
    /// (`splants::config::settings`), checked by the core, whose errors name the keyword.
    /// `database_url` defaults to `memory://` here (nothing on disk unless asked). Blocks
    /// (without the GIL) while the engine is built; `await splants.ContentEngine.create(...)`
    /// does the same off the event loop.
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let config = config_from_kwargs(options).py_err(py)?;
        let engine = block_on(py, splants::ContentEngine::builder().config(config).build()).py_err(py)?;
        Ok(ContentEngine(engine))
    }

    /// An engine configured from the environment and `.env` (the original app's variables:
    /// `OPENAI_API_KEY`, `MONTHLY_AI_BUDGET`, `DATABASE_URL`, ...).
    #[staticmethod]
    fn from_env(py: Python<'_>) -> PyResult<Self> {
        let engine = block_on(py, splants::ContentEngine::from_env()).py_err(py)?;
        Ok(ContentEngine(engine))
    }

    /// Name of the provider (or chain) that writes: `offline`, `openai`, `compatible`, ...
    #[getter]
    fn provider_name(&self) -> String {
        self.0.provider().name().to_owned()
    }

    /// The provider's default model.
    #[getter]
    fn default_model(&self) -> String {
        self.0.provider().default_model().to_owned()
    }

    /// The storage backend (`memory`, `sqlite`, `postgres`).
    #[getter]
    fn storage_backend(&self) -> &'static str {
        self.0.stores().backend.name()
    }

    /// Checks an API key (as sent in `X-API-Key`) against the engine's key store and returns
    /// the caller's context (key id, tier, budget, tenant); `api_key=` registers one at start.
    fn verify_api_key<'py>(&self, py: Python<'py>, secret: String) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { engine.keys().verify(&secret).await.map(|info| info.context()) })
    }

    #[pyo3(signature = (request, context = None))]
    fn generate<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = request_from_py(request)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.generate(request, &ctx).await })
    }

    /// Starts a streamed generation; resolves to a `GenerationStream` once the brief passed
    /// validation, the rate limit and the budget reservation (those errors are raised here).
    #[pyo3(signature = (request, context = None))]
    fn generate_stream<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = request_from_py(request)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.generate_stream(request, &ctx).await.map(|s| s.read_ahead()) })
    }

    #[pyo3(signature = (requests, context = None))]
    fn generate_batch<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let items = json_items(requests, "requests").py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.generate_batch_json(items, &ctx).await })
    }

    #[pyo3(signature = (template_name, variables = None, overrides = None, context = None))]
    fn generate_from_template<'py>(
        &self,
        py: Python<'py>,
        template_name: String,
        variables: Option<&Bound<'py, PyAny>>,
        overrides: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let variables = match variables.filter(|v| !v.is_none()) {
            None => Map::new(),
            Some(v) => match to_json(v, "variables").py_err(py)? {
                Value::Object(map) => map,
                _ => return Err(crate::errors::validation(py, "variables", "must be a dict of variable values")),
            },
        };
        let overrides: TemplateOverrides = match overrides.filter(|o| !o.is_none()) {
            None => TemplateOverrides::default(),
            Some(o) => from_py(o, "overrides").py_err(py)?,
        };
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.generate_from_template(&template_name, &variables, &overrides, &ctx).await })
    }

    fn quote<'py>(&self, py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let request = request_from_py(request)?;
        let engine = self.0.clone();
        spawn(py, async move { engine.quote(&request) })
    }

    #[pyo3(signature = (content_id, context = None))]
    fn get_content<'py>(
        &self,
        py: Python<'py>,
        content_id: String,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.get_content(&content_id, &ctx).await })
    }

    #[pyo3(signature = (
        *, owner = None, content_type = None, platform = None, since = None, until = None, text = None,
        min_quality = None, caller_left = None, limit = None, cursor = None, context = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn list_content<'py>(
        &self,
        py: Python<'py>,
        owner: Option<&Bound<'py, PyAny>>,
        content_type: Option<&Bound<'py, PyAny>>,
        platform: Option<&Bound<'py, PyAny>>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
        text: Option<&Bound<'py, PyAny>>,
        min_quality: Option<&Bound<'py, PyAny>>,
        caller_left: Option<&Bound<'py, PyAny>>,
        limit: Option<&Bound<'py, PyAny>>,
        cursor: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fields = [
            ("owner", owner),
            ("content_type", content_type),
            ("platform", platform),
            ("since", since),
            ("until", until),
            ("text", text),
            ("min_quality", min_quality),
            ("caller_left", caller_left),
            ("limit", limit),
            ("cursor", cursor),
        ];
        let query: ContentQuery = keyword_object(&fields).and_then(from_value).py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.list_content(query, &ctx).await })
    }

    #[pyo3(signature = (content_id, context = None))]
    fn delete_content<'py>(
        &self,
        py: Python<'py>,
        content_id: String,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.delete_content(&content_id, &ctx).await })
    }

    #[pyo3(signature = (events, context = None))]
    fn record_events<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let events: Vec<NewEvent> = from_py(events, "events").py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.record_events(events, &ctx).await })
    }

    #[pyo3(signature = (since = None, until = None, context = None))]
    fn analytics_overview<'py>(
        &self,
        py: Python<'py>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let range: ReportRange =
            keyword_object(&[("since", since), ("until", until)]).and_then(from_value).py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.analytics_overview(range.since, range.until, &ctx).await })
    }

    #[pyo3(signature = (since = None, until = None, platform = None, context = None))]
    fn engagement<'py>(
        &self,
        py: Python<'py>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
        platform: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let range: ReportRange = keyword_object(&[("since", since), ("until", until), ("platform", platform)])
            .and_then(from_value)
            .py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.engagement(range.since, range.until, range.platform, &ctx).await })
    }

    #[pyo3(signature = (period = "month", context = None))]
    fn roi<'py>(
        &self,
        py: Python<'py>,
        period: &str,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let period: RoiPeriod = period.parse().py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.roi(period, &ctx).await })
    }

    #[pyo3(signature = (context = None))]
    fn budget_status<'py>(
        &self,
        py: Python<'py>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.budget_status(&ctx).await })
    }

    fn list_templates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { Ok(engine.templates().list()) })
    }

    fn get_template<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { engine.templates().get(&name) })
    }

    fn register_template<'py>(&self, py: Python<'py>, template: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let template: Template = match template.cast::<crate::records::Template>() {
            Ok(t) => t.get().0.clone(),
            Err(_) => to_json(template, "").and_then(from_value).py_err(py)?,
        };
        let engine = self.0.clone();
        spawn(py, async move {
            engine.templates().register(template.clone())?;
            Ok(template)
        })
    }

    #[pyo3(signature = (content_id, targets, scheduled_time = None, context = None))]
    fn publish<'py>(
        &self,
        py: Python<'py>,
        content_id: &Bound<'py, PyAny>,
        targets: &Bound<'py, PyAny>,
        scheduled_time: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fields = [("content_id", Some(content_id)), ("targets", Some(targets)), ("scheduled_time", scheduled_time)];
        let request: PublishRequest = keyword_object(&fields).and_then(from_value).py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(
            py,
            async move { engine.publish(&request.content_id, &request.targets, request.scheduled_time, &ctx).await },
        )
    }

    fn accounts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { Ok(engine.accounts()) })
    }

    #[pyo3(signature = (
        *, owner = None, status = None, account = None, content_id = None, since = None, until = None, limit = None,
        cursor = None, context = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn list_schedule<'py>(
        &self,
        py: Python<'py>,
        owner: Option<&Bound<'py, PyAny>>,
        status: Option<&Bound<'py, PyAny>>,
        account: Option<&Bound<'py, PyAny>>,
        content_id: Option<&Bound<'py, PyAny>>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
        limit: Option<&Bound<'py, PyAny>>,
        cursor: Option<&Bound<'py, PyAny>>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fields = [
            ("owner", owner),
            ("status", status),
            ("account", account),
            ("content_id", content_id),
            ("since", since),
            ("until", until),
            ("limit", limit),
            ("cursor", cursor),
        ];
        let query: ScheduleQuery = keyword_object(&fields).and_then(from_value).py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.schedule(query, &ctx).await })
    }

    #[pyo3(signature = (schedule_id, context = None))]
    fn get_scheduled_post<'py>(
        &self,
        py: Python<'py>,
        schedule_id: String,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.scheduled_post(&schedule_id, &ctx).await })
    }

    #[pyo3(signature = (schedule_id, context = None))]
    fn cancel_post<'py>(
        &self,
        py: Python<'py>,
        schedule_id: String,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.cancel_post(&schedule_id, &ctx).await })
    }

    #[pyo3(signature = (schedule_id, scheduled_time, context = None))]
    fn reschedule_post<'py>(
        &self,
        py: Python<'py>,
        schedule_id: String,
        scheduled_time: &Bound<'py, PyAny>,
        context: Option<&Bound<'py, RequestContext>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        #[derive(serde::Deserialize)]
        struct At {
            scheduled_time: chrono::DateTime<chrono::Utc>,
        }
        let At { scheduled_time: at } =
            keyword_object(&[("scheduled_time", Some(scheduled_time))]).and_then(from_value).py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.reschedule_post(&schedule_id, at, &ctx).await })
    }

    /// Starts the publishing worker on the binding's runtime (once; later calls do nothing).
    fn start_scheduler(&self, py: Python<'_>) -> PyResult<()> {
        let engine = self.0.clone();
        py.detach(|| {
            let _runtime = pyo3_async_runtimes::tokio::get_runtime().enter();
            engine.start_scheduler()
        })
        .py_err(py)
    }

    /// Creates an API key; the answer carries its secret this once.
    #[pyo3(signature = (
        name, *, role = None, tier = None, rate_limit_per_hour = None, budget = None, tenant = None, expires_at = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn create_key<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyAny>,
        role: Option<&Bound<'py, PyAny>>,
        tier: Option<&Bound<'py, PyAny>>,
        rate_limit_per_hour: Option<&Bound<'py, PyAny>>,
        budget: Option<&Bound<'py, PyAny>>,
        tenant: Option<&Bound<'py, PyAny>>,
        expires_at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let fields = [
            ("name", Some(name)),
            ("role", role),
            ("tier", tier),
            ("rate_limit_per_hour", rate_limit_per_hour),
            ("budget", budget),
            ("tenant", tenant),
            ("expires_at", expires_at),
        ];
        let new: NewKey = keyword_object(&fields).and_then(from_value).py_err(py)?;
        let engine = self.0.clone();
        spawn(py, async move { engine.keys().create(new).await })
    }

    /// Every API key, without secrets or hashes.
    fn list_keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { engine.keys().list().await })
    }

    /// One API key (never its secret).
    fn get_key<'py>(&self, py: Python<'py>, key_id: String) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { engine.keys().get(&key_id).await })
    }

    /// Replaces a key's secret; the old one works for `grace_hours` more (24 by default).
    #[pyo3(signature = (key_id, grace_hours = None))]
    fn rotate_key<'py>(
        &self,
        py: Python<'py>,
        key_id: String,
        grace_hours: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let hours: Option<u32> =
            grace_hours.filter(|h| !h.is_none()).map(|h| from_py(h, "grace_hours")).transpose().py_err(py)?;
        let grace = splants::auth::grace_from_hours("grace_hours", hours).py_err(py)?;
        let engine = self.0.clone();
        spawn(py, async move { engine.keys().rotate(&key_id, grace).await })
    }

    /// Revokes a key at once.
    fn revoke_key<'py>(&self, py: Python<'py>, key_id: String) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { engine.keys().revoke(&key_id).await })
    }

    /// Stops cleanly (see `ContentEngine::shutdown`): `grace_seconds` (the configured grace when
    /// `None`) for background generations, then the budget writes on their way.
    #[pyo3(signature = (grace_seconds = None))]
    fn shutdown<'py>(&self, py: Python<'py>, grace_seconds: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let seconds: Option<f64> =
            grace_seconds.filter(|s| !s.is_none()).map(|s| from_py(&s, "grace_seconds")).transpose().py_err(py)?;
        let grace = self.0.shutdown_grace("grace_seconds", seconds).py_err(py)?;
        let engine = self.0.clone();
        spawn(py, async move { Ok(engine.shutdown(grace).await) })
    }

    /// The health of the database, cache and providers.
    fn health<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.0.clone();
        spawn(py, async move { Ok(engine.health().await) })
    }

    fn __repr__(&self) -> String {
        format!(
            "ContentEngine(provider={:?}, model={:?}, storage={:?})",
            self.0.provider().name(),
            self.0.provider().default_model(),
            self.0.stores().backend.name()
        )
    }
}
