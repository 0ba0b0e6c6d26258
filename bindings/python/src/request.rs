//! Inputs: the brief (`ContentRequest`) and the caller (`RequestContext`).

use crate::convert::{keyword_object, to_json};
use crate::errors::IntoPyResult;
use crate::records::repr;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;
use splants::Usd;
use splants::shapes::CallerContext;

/// A content brief, validated when it is made (the engine validates dicts the same way).
#[pyclass(frozen, module = "splants._splants")]
#[derive(Clone, Debug)]
pub(crate) struct ContentRequest(pub(crate) splants::ContentRequest);

impl ContentRequest {
    fn parse(value: Value) -> splants::Result<Self> {
        let request = splants::ContentRequest::from_value(value)?;
        request.validate()?;
        Ok(ContentRequest(request))
    }
}

/// A request argument: a `ContentRequest` or anything dict-like, as the engine's brief.
pub(crate) fn request_from_py(obj: &Bound<'_, PyAny>) -> PyResult<splants::ContentRequest> {
    if let Ok(req) = obj.cast::<ContentRequest>() {
        return Ok(req.get().0.clone());
    }
    let py = obj.py();
    let value = to_json(obj, "").py_err(py)?;
    splants::ContentRequest::from_value(value).py_err(py)
}

#[pymethods]
impl ContentRequest {
    #[new]
    #[pyo3(signature = (
        content_type, topic, *, keywords = None, tone = None, target_audience = None, platform = None,
        length = None, seo_optimize = None, include_hashtags = None, language = None, call_to_action = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        content_type: &Bound<'_, PyAny>,
        topic: &Bound<'_, PyAny>,
        keywords: Option<&Bound<'_, PyAny>>,
        tone: Option<&Bound<'_, PyAny>>,
        target_audience: Option<&Bound<'_, PyAny>>,
        platform: Option<&Bound<'_, PyAny>>,
        length: Option<&Bound<'_, PyAny>>,
        seo_optimize: Option<&Bound<'_, PyAny>>,
        include_hashtags: Option<&Bound<'_, PyAny>>,
        language: Option<&Bound<'_, PyAny>>,
        call_to_action: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let fields = [
            ("content_type", Some(content_type)),
            ("topic", Some(topic)),
            ("keywords", keywords),
            ("tone", tone),
            ("target_audience", target_audience),
            ("platform", platform),
            ("length", length),
            ("seo_optimize", seo_optimize),
            ("include_hashtags", include_hashtags),
            ("language", language),
            ("call_to_action", call_to_action),
        ];
        ContentRequest::parse(keyword_object(&fields).py_err(py)?).py_err(py)
    }

    /// Makes a brief from a dict in the original app's JSON shape (e.g. a pydantic
    /// `model_dump()`); errors name the field.
    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        ContentRequest::parse(to_json(data, "").py_err(py)?).py_err(py)
    }

    #[getter]
    fn content_type(&self) -> &'static str {
        self.0.content_type.as_str()
    }
    #[getter]
    fn topic(&self) -> String {
        self.0.topic.clone()
    }
    #[getter]
    fn keywords(&self) -> Vec<String> {
        self.0.keywords.clone()
    }
    #[getter]
    fn tone(&self) -> &'static str {
        self.0.tone.as_str()
    }
    #[getter]
    fn target_audience(&self) -> Option<String> {
        self.0.target_audience.clone()
    }
    #[getter]
    fn platform(&self) -> Option<&'static str> {
        self.0.platform.map(|p| p.as_str())
    }
    #[getter]
    fn length(&self) -> Option<u32> {
        self.0.length
    }
    #[getter]
    fn seo_optimize(&self) -> bool {
        self.0.seo_optimize
    }
    #[getter]
    fn include_hashtags(&self) -> Option<bool> {
        self.0.include_hashtags
    }
    #[getter]
    fn language(&self) -> Option<String> {
        self.0.language.clone()
    }
    #[getter]
    fn call_to_action(&self) -> Option<String> {
        self.0.call_to_action.clone()
    }

    /// The brief in its JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::to_py(py, &self.0)
    }

    fn __repr__(&self) -> String {
        repr("ContentRequest", &self.0)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<ContentRequest>().is_ok_and(|o| o.get().0 == self.0)
    }
}

/// Who is asking: API key id, tier, budgets, tenant. With no key the call is not rate limited.
/// The keyword arguments are the fields of the core's [`CallerContext`], which checks them.
#[pyclass(frozen, module = "splants._splants")]
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestContext(pub(crate) splants::RequestContext);

#[pymethods]
impl RequestContext {
    #[new]
    #[pyo3(signature = (
        *, key_id = None, tier = None, tenant = None, key_budget = None, tenant_budget = None,
        request_id = None, quota = None, rate_limit_per_hour = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        key_id: Option<String>,
        tier: Option<String>,
        tenant: Option<String>,
        key_budget: Option<f64>,
        tenant_budget: Option<f64>,
        request_id: Option<String>,
        quota: Option<(f64, f64)>,
        rate_limit_per_hour: Option<f64>,
    ) -> PyResult<Self> {
        let caller =
            CallerContext { key_id, tier, quota, rate_limit_per_hour, key_budget, tenant, tenant_budget, request_id };
        caller.into_context().map(RequestContext).py_err(py)
    }

    #[getter]
    fn key_id(&self) -> Option<String> {
        self.0.key_id.clone()
    }
    #[getter]
    fn tier(&self) -> Option<String> {
        self.0.tier.clone()
    }
    #[getter]
    fn tenant(&self) -> Option<String> {
        self.0.tenant.clone()
    }
    #[getter]
    fn key_budget(&self) -> Option<f64> {
        self.0.key_budget.map(Usd::dollars)
    }
    #[getter]
    fn tenant_budget(&self) -> Option<f64> {
        self.0.tenant_budget.map(Usd::dollars)
    }
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.0.request_id.clone()
    }
    #[getter]
    fn quota(&self) -> Option<(u32, f64)> {
        self.0.quota.map(|q| (q.limit(), q.period().as_secs_f64()))
    }
    /// Who owns what this caller generates: the tenant, else the key.
    #[getter]
    fn owner(&self) -> Option<String> {
        self.0.owner().map(str::to_owned)
    }

    /// The context's fields as a dict (every field the context is written back with, `None`
    /// when unset), accepted again as keyword arguments.
    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(slf.py());
        for name in CallerContext::FIELDS {
            d.set_item(*name, slf.getattr(*name)?)?;
        }
        Ok(d)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let d = Self::to_dict(slf)?;
        Ok(format!("RequestContext({})", d.repr()?))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<RequestContext>().is_ok_and(|o| o.get().0 == self.0)
    }
}

/// The context argument: a `RequestContext`, or the anonymous caller when `None`.
pub(crate) fn context_from_py(ctx: Option<&Bound<'_, RequestContext>>) -> splants::RequestContext {
    ctx.map(|c| c.get().0.clone()).unwrap_or_default()
}

impl crate::inflight::ToPython for splants::RequestContext {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, RequestContext(self))?.into_any())
    }
}
