//! Typed result objects: each wraps the Rust value, exposes its fields as read-only
//! attributes (money as float dollars, times as aware `datetime`s, enums as their JSON
//! strings) and `to_dict()` gives the Rust `Serialize` output, i.e. the JSON shape.
//!
//! The analytics reports keep their nested rows as plain dicts (their JSON shape).

use crate::convert::to_py;
use crate::inflight::ToPython;
use crate::request::ContentRequest;
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use std::collections::BTreeMap;

/// Declares a frozen pyclass around a Rust value with one getter per listed field, plus
/// `to_dict()`, `__repr__` and `__eq__`. `Name(Type) [subclass] { … }` lets another pyclass
/// extend it; the others stay final, as the stub declares them.
macro_rules! record {
    (
        $(#[$doc:meta])*
        $name:ident($inner:ty) $([$flag:ident])? {
            $( $field:ident -> $ret:ty = |$v:ident| $body:expr; )*
        }
    ) => {
        $(#[$doc])*
        #[pyclass(frozen, $($flag,)? module = "splants._splants")]
        #[derive(Clone, Debug)]
        pub(crate) struct $name(pub(crate) $inner);

        #[pymethods]
        impl $name {
            $(
                #[getter]
                fn $field(&self) -> $ret {
                    let $v = &self.0;
                    $body
                }
            )*

            /// The value in its JSON shape (the Rust `Serialize` output).
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                to_py(py, &self.0)
            }

            fn __repr__(&self) -> String {
                repr(stringify!($name), &self.0)
            }

            fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
                other.cast::<$name>().is_ok_and(|o| o.get().0 == self.0)
            }
        }

        impl ToPython for $inner {
            fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
                Ok(Bound::new(py, $name(self))?.into_any())
            }
        }
    };
}

/// `Name({json…})`, cut after 300 characters.
pub(crate) fn repr<T: serde::Serialize>(name: &str, value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    let mut shown: String = json.chars().take(300).collect();
    if shown.len() < json.len() {
        shown.push('…');
    }
    format!("{name}({shown})")
}

/// A field in its JSON shape (plain dicts, lists and scalars).
fn json_attr<T: serde::Serialize>(value: &T) -> PyResult<Py<PyAny>> {
    Python::attach(|py| to_py(py, value).map(Bound::unbind))
}

type Json = PyResult<Py<PyAny>>;

record! {
    /// A finished, scored piece of copy.
    GeneratedContent(splants::GeneratedContent) {
        id -> String = |v| v.id.clone();
        content -> String = |v| v.content.clone();
        content_type -> &'static str = |v| v.content_type.as_str();
        platform -> &'static str = |v| v.platform.as_str();
        topic -> String = |v| v.topic.clone();
        quality_score -> f64 = |v| v.quality_score;
        seo_score -> f64 = |v| v.seo_score;
        metadata -> ContentMetadata = |v| ContentMetadata(v.metadata.clone());
        cost_usd -> f64 = |v| v.cost_usd.dollars();
        usage -> Usage = |v| Usage(v.usage);
        provider -> String = |v| v.provider.clone();
        model -> String = |v| v.model.clone();
        cached -> bool = |v| v.cached;
        stored -> bool = |v| v.stored;
        caller_left -> bool = |v| v.caller_left;
        created_at -> DateTime<Utc> = |v| v.created_at;
        request -> ContentRequest = |v| ContentRequest(v.request.clone());
        owner -> Option<String> = |v| v.owner.clone();
        template -> Option<TemplateRef> = |v| v.template.clone().map(TemplateRef);
    }
}

record! {
    /// What the analysis measured in a piece.
    ContentMetadata(splants::ContentMetadata) {
        word_count -> usize = |v| v.word_count;
        char_count -> usize = |v| v.char_count;
        reading_time -> u32 = |v| v.reading_time;
        platform_optimized -> String = |v| v.platform_optimized.clone();
        fits_platform -> bool = |v| v.fits_platform;
        hashtags -> Vec<String> = |v| v.hashtags.clone();
        keywords_used -> Vec<String> = |v| v.keywords_used.clone();
        keywords_missing -> Vec<String> = |v| v.keywords_missing.clone();
        keyword_density -> f64 = |v| v.keyword_density;
        readability -> Readability = |v| Readability(v.readability.clone());
        title -> Option<String> = |v| v.title.clone();
        subject_line -> Option<String> = |v| v.subject_line.clone();
        meta_description -> Option<String> = |v| v.meta_description.clone();
        has_call_to_action -> bool = |v| v.has_call_to_action;
        thread -> Vec<String> = |v| v.thread.clone();
        quality_breakdown -> BTreeMap<String, f64> = |v| v.quality_breakdown.clone();
        seo_breakdown -> BTreeMap<String, f64> = |v| v.seo_breakdown.clone();
        assessments -> Vec<Assessment> = |v| v.assessments.iter().cloned().map(Assessment).collect();
        repairs -> Vec<RepairNote> = |v| v.repairs.iter().cloned().map(RepairNote).collect();
        notice -> Option<String> = |v| v.notice.clone();
    }
}

record! {
    /// One check of a piece: id, score (0..=1), traffic light and a message for the writer.
    Assessment(splants::content::Assessment) {
        id -> String = |v| v.id.clone();
        score -> f64 = |v| v.score;
        light -> &'static str = |v| v.light.as_str();
        message -> String = |v| v.message.clone();
    }
}

record! {
    /// One hard limit of the platform the copy broke as first written, and how it was repaired.
    RepairNote(splants::content::RepairNote) {
        limit -> String = |v| v.limit.clone();
        field -> String = |v| v.field.clone();
        max -> usize = |v| v.max;
        found -> usize = |v| v.found;
        after -> usize = |v| v.after;
        method -> &'static str = |v| v.method.as_str();
        message -> String = |v| v.message.clone();
    }
}

record! {
    /// Readability figures of a text.
    Readability(splants::content::Readability) {
        flesch_reading_ease -> f64 = |v| v.flesch_reading_ease;
        flesch_kincaid_grade -> f64 = |v| v.flesch_kincaid_grade;
        sentences -> usize = |v| v.sentences;
        avg_words_per_sentence -> f64 = |v| v.avg_words_per_sentence;
        avg_syllables_per_word -> f64 = |v| v.avg_syllables_per_word;
    }
}

record! {
    /// Tokens used by a provider call.
    Usage(splants::Usage) {
        input_tokens -> u64 = |v| v.input_tokens;
        output_tokens -> u64 = |v| v.output_tokens;
        cached_tokens -> u64 = |v| v.cached_tokens;
        cache_write_tokens -> u64 = |v| v.cache_write_tokens;
        cache_write_long_tokens -> u64 = |v| v.cache_write_long_tokens;
        reasoning_tokens -> u64 = |v| v.reasoning_tokens;
        estimated -> bool = |v| v.estimated;
    }
}

record! {
    /// The template a piece was generated from.
    TemplateRef(splants::content::TemplateRef) {
        name -> String = |v| v.name.clone();
        version -> String = |v| v.version.clone();
    }
}

record! {
    /// A batch's outcome (the original app's response shape).
    BatchResult(splants::BatchResult) {
        batch_id -> String = |v| v.batch_id.clone();
        total -> usize = |v| v.total;
        successful -> usize = |v| v.successful;
        failed -> usize = |v| v.failed;
        results -> Vec<BatchItem> = |v| v.results.iter().cloned().map(BatchItem).collect();
    }
}

record! {
    /// One item of a batch, in request order.
    BatchItem(splants::engine::BatchItem) {
        index -> usize = |v| v.index;
        status -> &'static str = |v| match v.status {
            splants::engine::BatchStatus::Success => "success",
            splants::engine::BatchStatus::Error => "error",
        };
        data -> Option<GeneratedContent> = |v| v.data.clone().map(GeneratedContent);
        error -> Option<BatchError> = |v| v.error.clone().map(BatchError);
    }
}

record! {
    /// A failed batch item's error, in the HTTP error body's shape.
    BatchError(splants::engine::BatchError) {
        error -> String = |v| v.error.clone();
        r#type -> String = |v| v.type_name.clone();
        code -> &'static str = |v| v.code.as_str();
        details -> Json = |v| json_attr(&v.details);
    }
}

record! {
    /// The worst-case cost of a brief, computed without calling anyone.
    Quote(splants::Quote) {
        estimate -> f64 = |v| v.estimate.dollars();
        max_tokens -> u32 = |v| v.max_tokens;
        targets -> Vec<QuoteTarget> = |v| v.targets.iter().cloned().map(QuoteTarget).collect();
        free -> bool = |v| v.free;
    }
}

record! {
    /// One (provider, model) a quoted call may be billed under.
    QuoteTarget(splants::engine::QuoteTarget) {
        provider -> String = |v| v.provider.clone();
        model -> String = |v| v.model.clone();
        input_tokens -> u64 = |v| v.input_tokens;
        worst_case -> f64 = |v| v.worst_case.dollars();
    }
}

record! {
    /// One budget scope's figures in the current period.
    BudgetStatus(splants::budget::BudgetStatus) {
        scope -> String = |v| v.scope.clone();
        limit -> Option<f64> = |v| v.limit.map(splants::Usd::dollars);
        spent -> f64 = |v| v.spent.dollars();
        reserved -> f64 = |v| v.reserved.dollars();
        remaining -> Option<f64> = |v| v.remaining.map(splants::Usd::dollars);
        in_flight -> u64 = |v| v.in_flight;
        overshoot -> f64 = |v| v.overshoot.dollars();
        overshoot_count -> u64 = |v| v.overshoot_count;
        percent_used -> Option<f64> = |v| v.percent_used;
        period_start -> DateTime<Utc> = |v| v.period_start;
        period_end -> DateTime<Utc> = |v| v.period_end;
        remaining_days -> i64 = |v| v.remaining_days;
    }
}

record! {
    /// One page of the content library.
    ContentPage(splants::storage::ContentPage) {
        items -> Vec<GeneratedContent> = |v| v.items.iter().cloned().map(GeneratedContent).collect();
        next_cursor -> Option<String> = |v| v.next_cursor.clone();
    }
}

record! {
    /// What was generated and spent in a range; nested rows are dicts.
    Overview(splants::analytics::Overview) {
        total_content -> u64 = |v| v.total_content;
        total_cost -> f64 = |v| v.total_cost.dollars();
        avg_quality -> f64 = |v| v.avg_quality;
        top_platforms -> Json = |v| json_attr(&v.top_platforms);
        by_content_type -> Json = |v| json_attr(&v.by_content_type);
        cost_per_day -> Json = |v| json_attr(&v.cost_per_day);
        ai_usage -> Json = |v| json_attr(&v.ai_usage);
        since -> DateTime<Utc> = |v| v.since;
        until -> DateTime<Utc> = |v| v.until;
    }
}

record! {
    /// Engagement by platform, content type and posting hour; nested rows are dicts.
    EngagementReport(splants::analytics::EngagementReport) {
        totals -> Json = |v| json_attr(&v.totals);
        engagement_rate -> f64 = |v| v.engagement_rate;
        by_platform -> Json = |v| json_attr(&v.by_platform);
        best_content_types -> Json = |v| json_attr(&v.best_content_types);
        best_posting_hours -> Json = |v| json_attr(&v.best_posting_hours);
        since -> DateTime<Utc> = |v| v.since;
        until -> DateTime<Utc> = |v| v.until;
    }
}

record! {
    /// AI cost against freelance rates over a period; nested rows are dicts.
    RoiReport(splants::analytics::RoiReport) {
        time_period -> Json = |v| json_attr(&v.time_period);
        pieces -> u64 = |v| v.pieces;
        ai_cost -> f64 = |v| v.ai_cost.dollars();
        freelance_cost -> f64 = |v| v.freelance_cost.dollars();
        savings -> f64 = |v| v.savings.dollars();
        roi -> Option<f64> = |v| v.roi;
        cost_per_piece -> Option<f64> = |v| v.cost_per_piece.map(splants::Usd::dollars);
        hours_saved -> f64 = |v| v.hours_saved;
        attributed_revenue -> f64 = |v| v.attributed_revenue.dollars();
        by_content_type -> Json = |v| json_attr(&v.by_content_type);
        since -> DateTime<Utc> = |v| v.since;
        until -> DateTime<Utc> = |v| v.until;
    }
}

record! {
    /// A reusable brief with typed variables.
    Template(splants::Template) {
        name -> String = |v| v.name.clone();
        version -> String = |v| v.version.clone();
        description -> String = |v| v.description.clone();
        content_type -> &'static str = |v| v.content_type.as_str();
        default_tone -> &'static str = |v| v.default_tone.as_str();
        default_length -> Option<u32> = |v| v.default_length;
        default_platform -> Option<&'static str> = |v| v.default_platform.map(|p| p.as_str());
        variables -> Vec<TemplateVariable> = |v| v.variables.iter().cloned().map(TemplateVariable).collect();
        keywords -> Vec<String> = |v| v.keywords.clone();
        topic -> String = |v| v.topic.clone();
        prompt -> String = |v| v.prompt.clone();
    }
}

record! {
    /// One input a template declares.
    TemplateVariable(splants::template::TemplateVariable) {
        name -> String = |v| v.name.clone();
        description -> String = |v| v.description.clone();
        kind -> &'static str = |v| v.kind.as_str();
        required -> bool = |v| v.required;
        default -> Json = |v| json_attr(&v.default);
    }
}

record! {
    /// One piece, one account, one time: a schedule entry and where it is.
    ScheduledPost(splants::schedule::ScheduledPost) {
        id -> String = |v| v.id.clone();
        content_id -> String = |v| v.content_id.clone();
        owner -> Option<String> = |v| v.owner.clone();
        account -> String = |v| v.account.clone();
        platform -> &'static str = |v| v.platform.as_str();
        parts -> Vec<String> = |v| v.parts.clone();
        scheduled_time -> DateTime<Utc> = |v| v.scheduled_time;
        status -> &'static str = |v| v.status.as_str();
        attempts -> u32 = |v| v.attempts;
        next_attempt_at -> DateTime<Utc> = |v| v.next_attempt_at;
        last_error -> Option<String> = |v| v.last_error.clone();
        post_id -> Option<String> = |v| v.post_id.clone();
        post_url -> Option<String> = |v| v.post_url.clone();
        posted -> Json = |v| json_attr(&v.posted);
        idempotent -> bool = |v| v.idempotent;
        published_at -> Option<DateTime<Utc>> = |v| v.published_at;
        lease_owner -> Option<String> = |v| v.lease_owner.clone();
        lease_until -> Option<DateTime<Utc>> = |v| v.lease_until;
        created_at -> DateTime<Utc> = |v| v.created_at;
        updated_at -> DateTime<Utc> = |v| v.updated_at;
    }
}

record! {
    /// One page of the schedule, earliest first.
    SchedulePage(splants::schedule::SchedulePage) {
        items -> Vec<ScheduledPost> = |v| v.items.iter().cloned().map(ScheduledPost).collect();
        next_cursor -> Option<String> = |v| v.next_cursor.clone();
    }
}

record! {
    /// A configured publishing account (no credentials).
    AccountInfo(splants::engine::AccountInfo) {
        name -> String = |v| v.name.clone();
        platform -> &'static str = |v| v.platform.as_str();
        idempotent -> bool = |v| v.idempotent;
        threads -> bool = |v| v.threads;
    }
}

record! {
    /// An API key as shown to people: everything but the secret and its hash (`IssuedKey`
    /// extends it).
    ApiKeyInfo(splants::auth::ApiKeyInfo) [subclass] {
        id -> String = |v| v.id.clone();
        identity -> String = |v| v.identity.clone();
        name -> String = |v| v.name.clone();
        prefix -> String = |v| v.prefix.clone();
        role -> &'static str = |v| v.role.as_str();
        tier -> String = |v| v.tier.clone();
        rate_limit_per_hour -> Option<u32> = |v| v.rate_limit_per_hour;
        budget -> Option<f64> = |v| v.budget.map(|b| b.dollars());
        tenant -> Option<String> = |v| v.tenant.clone();
        status -> &'static str = |v| v.status.as_str();
        created_at -> DateTime<Utc> = |v| v.created_at;
        expires_at -> Option<DateTime<Utc>> = |v| v.expires_at;
        last_used_at -> Option<DateTime<Utc>> = |v| v.last_used_at;
    }
}

/// A new key with its secret: an [`ApiKeyInfo`] (every field of it) plus `secret`, shown this
/// once. Its `repr` leaves the secret out, so logging the object does not leak it.
#[pyclass(frozen, extends = ApiKeyInfo, module = "splants._splants")]
#[derive(Debug)]
pub(crate) struct IssuedKey(splants::auth::IssuedKey);

#[pymethods]
impl IssuedKey {
    /// The secret: give it to its owner once; it cannot be recovered.
    #[getter]
    fn secret(&self) -> String {
        self.0.secret.expose().to_owned()
    }

    /// The value in its JSON shape, secret included.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }

    fn __repr__(&self) -> String {
        repr("IssuedKey", &self.0.info).replacen('{', "{\"secret\":\"…\",", 1)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<IssuedKey>().is_ok_and(|o| {
            let o = &o.get().0;
            o.info == self.0.info && o.secret.expose() == self.0.secret.expose()
        })
    }
}

impl ToPython for splants::auth::IssuedKey {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let init = PyClassInitializer::from(ApiKeyInfo(self.info.clone())).add_subclass(IssuedKey(self));
        Ok(Bound::new(py, init)?.into_any())
    }
}

/// The outcome of a rotation: the new key with its secret, and when the old one stops working.
#[pyclass(frozen, module = "splants._splants")]
#[derive(Debug)]
pub(crate) struct RotatedKey(splants::auth::RotatedKey);

#[pymethods]
impl RotatedKey {
    /// The replacement key, with its secret.
    #[getter]
    fn new_key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.0.new_key.clone().to_python(py)
    }

    /// When the old key stops working.
    #[getter]
    fn old_key_expires(&self) -> DateTime<Utc> {
        self.0.old_key_expires
    }

    /// A reminder for the caller.
    #[getter]
    fn message(&self) -> String {
        self.0.message.clone()
    }

    /// The value in its JSON shape, the new secret included.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "RotatedKey(new_key={}, old_key_expires={})",
            self.0.new_key.info.id,
            self.0.old_key_expires.to_rfc3339()
        )
    }
}

impl ToPython for splants::auth::RotatedKey {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, RotatedKey(self))?.into_any())
    }
}

record! {
    /// The engine's health: `healthy`, or `degraded` when a component fails.
    Health(splants::engine::Health) {
        status -> String = |v| v.status.clone();
        timestamp -> DateTime<Utc> = |v| v.timestamp;
        components -> BTreeMap<String, ComponentHealth> =
            |v| v.components.iter().map(|(k, c)| (k.clone(), ComponentHealth(c.clone()))).collect();
        system -> SystemHealth = |v| SystemHealth(v.system.clone());
    }
}

record! {
    /// One component's health (`database`, `cache`, `providers`).
    ComponentHealth(splants::engine::ComponentHealth) {
        status -> &'static str = |v| v.status.as_str();
        latency_ms -> f64 = |v| v.latency_ms;
        error -> Option<String> = |v| v.error.clone();
    }
}

record! {
    /// Figures of the process the engine runs in.
    SystemHealth(splants::engine::SystemHealth) {
        uptime_s -> f64 = |v| v.uptime_s;
        rss_bytes -> Option<u64> = |v| v.rss_bytes;
        cpu_percent -> Option<f64> = |v| v.cpu_percent;
        memory_percent -> Option<f64> = |v| v.memory_percent;
        disk_percent -> Option<f64> = |v| v.disk_percent;
    }
}

record! {
    /// How `shutdown()` ended.
    ShutdownReport(splants::engine::ShutdownReport) {
        completed -> usize = |v| v.completed;
        aborted -> usize = |v| v.aborted;
        unsettled -> usize = |v| v.unsettled;
        unpublished -> usize = |v| v.unpublished;
    }
}

/// A list of results converts element by element.
impl<T: ToPython> ToPython for Vec<T> {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let list = pyo3::types::PyList::empty(py);
        for item in self {
            list.append(item.to_python(py)?)?;
        }
        Ok(list.into_any())
    }
}

impl ToPython for std::sync::Arc<splants::Template> {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        splants::Template::clone(&self).to_python(py)
    }
}

impl ToPython for () {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(py.None().into_bound(py))
    }
}

impl ToPython for usize {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

/// Adds every result class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GeneratedContent>()?;
    m.add_class::<ContentMetadata>()?;
    m.add_class::<Readability>()?;
    m.add_class::<Assessment>()?;
    m.add_class::<RepairNote>()?;
    m.add_class::<Usage>()?;
    m.add_class::<TemplateRef>()?;
    m.add_class::<BatchResult>()?;
    m.add_class::<BatchItem>()?;
    m.add_class::<BatchError>()?;
    m.add_class::<Quote>()?;
    m.add_class::<QuoteTarget>()?;
    m.add_class::<BudgetStatus>()?;
    m.add_class::<ContentPage>()?;
    m.add_class::<Overview>()?;
    m.add_class::<EngagementReport>()?;
    m.add_class::<RoiReport>()?;
    m.add_class::<Template>()?;
    m.add_class::<TemplateVariable>()?;
    m.add_class::<ScheduledPost>()?;
    m.add_class::<SchedulePage>()?;
    m.add_class::<AccountInfo>()?;
    m.add_class::<ApiKeyInfo>()?;
    m.add_class::<IssuedKey>()?;
    m.add_class::<RotatedKey>()?;
    m.add_class::<Health>()?;
    m.add_class::<ComponentHealth>()?;
    m.add_class::<SystemHealth>()?;
    m.add_class::<ShutdownReport>()?;
    Ok(())
}
