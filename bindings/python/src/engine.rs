//! `ContentEngine`: every engine operation as an asyncio awaitable.
//!
//! Each method converts its arguments while it holds the GIL (cheap), then runs the engine
//! call on the tokio runtime without the GIL; the result is converted on delivery.

use crate::config::prices_json;
use crate::convert::{from_json, from_py, to_json};
use crate::errors::IntoPyResult;
use crate::inflight::{block_on, spawn};
use crate::request::{RequestContext, context_from_py, request_from_py};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PySequence;
use serde_json::{Map, Value};
use splants::analytics::{NewEvent, RoiPeriod};
use splants::config::{Config, Settings};
use splants::content::Platform;
use splants::storage::ContentQuery;
use splants::template::TemplateOverrides;
use splants::{Error, Template};
use std::path::PathBuf;

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

/// An optional datetime argument (aware `datetime` or ISO 8601 text).
fn instant(obj: Option<&Bound<'_, PyAny>>, field: &str) -> Result<Option<DateTime<Utc>>, Error> {
    match obj.filter(|o| !o.is_none()) {
        None => Ok(None),
        Some(o) => from_json(to_json(o, field)?, field).map(Some),
    }
}

#[pymethods]
impl ContentEngine {
    /// Builds an engine from keyword arguments. Blocks (without the GIL) while the engine is
    /// built; `await splants.ContentEngine.create(...)` does the same off the event loop.
    #[new]
    #[pyo3(signature = (
        *, provider = None, openai_api_key = None, openai_base_url = None, anthropic_api_key = None,
        anthropic_base_url = None, model = None, fallback_model = None, prices = None,
        provider_timeout = None, max_attempts = None, max_output_tokens = None, temperature = None,
        database_url = "memory://", monthly_budget = Some(100.0), budget_period = None,
        budget_reset_day = None, budget_alerts = None, degrade = None, rate_limits = None,
        rate_per_minute = None, default_tier = None, cache = false, cache_ttl = None,
        cache_capacity = None, templates_dir = None, api_key = None, batch_max = None,
        batch_concurrency = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        provider: Option<String>,
        openai_api_key: Option<String>,
        openai_base_url: Option<String>,
        anthropic_api_key: Option<String>,
        anthropic_base_url: Option<String>,
        model: Option<String>,
        fallback_model: Option<String>,
        prices: Option<&Bound<'_, PyAny>>,
        provider_timeout: Option<f64>,
        max_attempts: Option<u32>,
        max_output_tokens: Option<u32>,
        temperature: Option<f32>,
        database_url: &str,
        monthly_budget: Option<f64>,
        budget_period: Option<String>,
        budget_reset_day: Option<u32>,
        budget_alerts: Option<Vec<u8>>,
        degrade: Option<String>,
        rate_limits: Option<std::collections::BTreeMap<String, u32>>,
        rate_per_minute: Option<u32>,
        default_tier: Option<String>,
        cache: bool,
        cache_ttl: Option<f64>,
        cache_capacity: Option<u64>,
        templates_dir: Option<PathBuf>,
        api_key: Option<String>,
        batch_max: Option<usize>,
        batch_concurrency: Option<usize>,
    ) -> PyResult<Self> {
        // The keyword names are the core's `Settings` names: the core checks every value, and its
        // errors name the keyword.
        let settings = Settings {
            provider,
            openai_api_key,
            openai_base_url,
            anthropic_api_key,
            anthropic_base_url,
            model,
            fallback_model,
            prices: prices_json(prices).py_err(py)?,
            provider_timeout,
            max_attempts,
            max_output_tokens,
            temperature,
            database_url: Some(database_url.to_owned()),
            monthly_budget: Some(monthly_budget),
            budget_period,
            budget_reset_day,
            budget_alerts,
            degrade,
            rate_limits,
            rate_per_minute,
            default_tier,
            cache: Some(cache),
            cache_ttl,
            cache_capacity,
            templates_dir: templates_dir.map(|d| d.to_string_lossy().into_owned()),
            api_key,
            batch_max,
            batch_concurrency,
            ..Settings::default()
        };
        let config = Config::from_settings(settings).py_err(py)?;
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
        *, content_type = None, platform = None, since = None, until = None, text = None,
        min_quality = None, caller_left = None, limit = None, cursor = None, context = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn list_content<'py>(
        &self,
        py: Python<'py>,
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
        let mut map = Map::new();
        let fields = [
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
        for (name, value) in fields {
            if let Some(v) = value.filter(|v| !v.is_none()) {
                map.insert(name.to_owned(), to_json(v, name).py_err(py)?);
            }
        }
        let query: ContentQuery = from_json(Value::Object(map), "").py_err(py)?;
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
        let since = instant(since, "since").py_err(py)?;
        let until = instant(until, "until").py_err(py)?;
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.analytics_overview(since, until, &ctx).await })
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
        let since = instant(since, "since").py_err(py)?;
        let until = instant(until, "until").py_err(py)?;
        let platform: Option<Platform> = match platform.filter(|p| !p.is_none()) {
            None => None,
            Some(p) => Some(from_py(p, "platform").py_err(py)?),
        };
        let ctx = context_from_py(context);
        let engine = self.0.clone();
        spawn(py, async move { engine.engagement(since, until, platform, &ctx).await })
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
            Err(_) => from_py(template, "").py_err(py)?,
        };
        let engine = self.0.clone();
        spawn(py, async move {
            engine.templates().register(template.clone())?;
            Ok(template)
        })
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
