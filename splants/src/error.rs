//! One error type for the whole crate, with stable machine-readable codes.
//!
//! Every variant names what was wrong and with which field or value, so a caller can fix it
//! without reading the source. [`Error::code`], [`Error::status_code`], [`Error::type_name`]
//! and [`Error::details`] are the single mapping used by the HTTP server and the bindings.
//!
//! An error that wraps a lower one (a database, Redis or HTTP client failure) keeps it as its
//! [`source`](std::error::Error::source), so a caller can walk the chain or downcast it; the
//! message stays free of credentials. HTTP-only refusals (body too large, method not allowed)
//! are the server's own (`server::ApiError`), not variants here.

use crate::money::Usd;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The lower error an [`Error`] was caused by, shared so that `Error` stays `Clone`.
pub type ErrorSource = Arc<dyn std::error::Error + Send + Sync>;

/// Stable error codes; the string form is part of the public API (HTTP `code`, Node `code`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum ErrorCode {
    /// A field is missing, malformed or out of range.
    ValidationError,
    /// Missing, invalid, expired or revoked API key, or a key without the needed role.
    Unauthorized,
    /// The content, template, key or schedule does not exist.
    NotFound,
    /// The thing exists but is in a state that does not allow the change (a published post
    /// cannot be cancelled).
    Conflict,
    /// The request would take a budget scope over its limit.
    BudgetExceeded,
    /// The caller's rate-limit quota is used up.
    RateLimited,
    /// The LLM provider failed after retries.
    ProviderError,
    /// The LLM provider did not answer in time.
    ProviderTimeout,
    /// The provider answered, but with nothing usable.
    ContentGenerationError,
    /// A template is unknown, has a syntax error, or a variable is missing or unknown.
    TemplateError,
    /// The configuration is incomplete or contradictory.
    ConfigError,
    /// The database or cache failed.
    StorageError,
    /// The request took longer than the server allows.
    Timeout,
    /// A bug or an unexpected state.
    Internal,
}

impl ErrorCode {
    /// The code as it appears in JSON (`"budget_exceeded"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationError => "validation_error",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::BudgetExceeded => "budget_exceeded",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ProviderError => "provider_error",
            ErrorCode::ProviderTimeout => "provider_timeout",
            ErrorCode::ContentGenerationError => "content_generation_error",
            ErrorCode::TemplateError => "template_error",
            ErrorCode::ConfigError => "config_error",
            ErrorCode::StorageError => "storage_error",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status the server answers with.
    pub const fn status_code(self) -> u16 {
        match self {
            ErrorCode::ValidationError | ErrorCode::TemplateError => 422,
            ErrorCode::Unauthorized => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::BudgetExceeded => 402,
            ErrorCode::RateLimited => 429,
            ErrorCode::ProviderError | ErrorCode::ContentGenerationError => 502,
            ErrorCode::ProviderTimeout | ErrorCode::Timeout => 504,
            ErrorCode::ConfigError | ErrorCode::StorageError | ErrorCode::Internal => 500,
        }
    }

    /// The exception class name of the original app (HTTP `type`, Python exception).
    pub const fn type_name(self) -> &'static str {
        match self {
            ErrorCode::ValidationError => "ValidationError",
            ErrorCode::Unauthorized => "AuthenticationError",
            ErrorCode::NotFound => "NotFoundError",
            ErrorCode::Conflict => "ConflictError",
            ErrorCode::BudgetExceeded => "BudgetExceededError",
            ErrorCode::RateLimited => "RateLimitError",
            ErrorCode::ProviderError => "AIProviderError",
            ErrorCode::ProviderTimeout => "AIProviderTimeoutError",
            ErrorCode::ContentGenerationError => "ContentGenerationError",
            ErrorCode::TemplateError => "TemplateError",
            ErrorCode::ConfigError => "ConfigError",
            ErrorCode::StorageError => "StorageError",
            ErrorCode::Timeout => "TimeoutError",
            ErrorCode::Internal => "InternalServerError",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a budget reservation was refused.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BudgetExceeded {
    /// The scope that would go over (`"global"`, `"key:<id>"`, `"tenant:<id>"`).
    pub scope: String,
    /// The scope's limit for the period.
    pub limit: Usd,
    /// Settled spend in the period.
    pub spent: Usd,
    /// Held by reservations still in flight.
    pub reserved: Usd,
    /// What this request asked to reserve (its worst-case cost).
    pub requested: Usd,
    /// Start of the budget period (inclusive).
    pub period_start: DateTime<Utc>,
    /// End of the budget period (exclusive); the budget resets then.
    pub period_end: DateTime<Utc>,
    /// Whole days until the period ends (rounded up).
    pub remaining_days: i64,
}

impl BudgetExceeded {
    /// Whether the budget is spent, or only held by calls in flight (see [`ExceededBy`]).
    pub fn cause(&self) -> ExceededBy {
        if self.spent + self.requested > self.limit { ExceededBy::Spent } else { ExceededBy::Held }
    }
}

/// What stood in the way of a budget reservation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceededBy {
    /// Settled spend leaves no room for the request: it cannot fit in this period.
    Spent,
    /// Only holds of calls in flight stand in the way: the request fits once they settle below
    /// their worst case (the engine waits for that up to its admission deadline first).
    Held,
}

impl ExceededBy {
    /// The stable string form (`spent`, `held`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExceededBy::Spent => "spent",
            ExceededBy::Held => "held",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            ExceededBy::Spent => "spent",
            ExceededBy::Held => "held by calls in flight",
        }
    }
}

/// Why the rate limiter refused a request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateLimited {
    /// Requests allowed per `period`.
    pub limit: u32,
    /// The quota's period in seconds (3600 for the hourly tiers, 60 per minute).
    pub period_s: u64,
    /// Name of the quota that refused (`"tier:free"`, `"per_minute"`, ...).
    pub quota: String,
    /// How long until one more request is allowed.
    #[serde(serialize_with = "ser_duration_s")]
    pub retry_after: Duration,
}

fn ser_duration_s<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// A provider failure after retries.
#[derive(Clone, Debug, Serialize)]
pub struct ProviderFailure {
    /// Provider name (`openai`, `anthropic`, `compatible`, ...).
    pub provider: String,
    /// HTTP status, when the provider answered.
    pub status: Option<u16>,
    /// The provider's own error type (`rate_limit_error`, `overloaded_error`, ...).
    pub kind: Option<String>,
    /// The provider's message, with anything that looks like a credential removed.
    pub message: String,
    /// Whether trying again later could succeed.
    pub retryable: bool,
    /// The wait the provider asked for, if any.
    #[serde(skip)]
    pub retry_after: Option<Duration>,
    /// The transport error behind the failure, if any (never serialised).
    #[serde(skip)]
    pub source: Option<ErrorSource>,
}

impl PartialEq for ProviderFailure {
    /// Equal when everything but the source is (a source has no equality).
    fn eq(&self, other: &Self) -> bool {
        self.provider == other.provider
            && self.status == other.status
            && self.kind == other.kind
            && self.message == other.message
            && self.retryable == other.retryable
            && self.retry_after == other.retry_after
    }
}

/// The crate's error.
///
/// `Display` is the message shown to callers (never a credential); [`std::error::Error::source`]
/// is the lower error of a storage, provider or internal failure, when there is one.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Error {
    /// A request field is missing, malformed or out of range.
    Validation {
        /// The field's JSON name or path (`keywords[3]`).
        field: String,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// The API key is missing, unknown, expired or revoked.
    Unauthorized {
        /// Why, without echoing the key.
        reason: String,
    },
    /// Something looked up by id or name does not exist.
    NotFound {
        /// What was looked up (`content`, `template`, `api_key`, `schedule`).
        kind: &'static str,
        /// The id or name asked for.
        id: String,
    },
    /// The thing exists, but its state does not allow the change.
    Conflict {
        /// What it is (`schedule`).
        kind: &'static str,
        /// Its id.
        id: String,
        /// Its state now (`published`).
        state: String,
        /// Why the change is refused, and what is possible instead.
        reason: String,
    },
    /// A budget scope would go over its limit.
    BudgetExceeded(Box<BudgetExceeded>),
    /// A rate-limit quota is used up.
    RateLimited(Box<RateLimited>),
    /// The provider failed after retries.
    Provider(Box<ProviderFailure>),
    /// The provider did not answer within the timeout.
    ProviderTimeout {
        /// Provider name.
        provider: String,
        /// The timeout that elapsed.
        timeout_ms: u64,
        /// The transport error that reported the timeout, if any.
        source: Option<ErrorSource>,
    },
    /// The provider answered with nothing usable (empty text, refusal, filter).
    ContentGeneration {
        /// What was wrong with the answer.
        reason: String,
    },
    /// A template problem.
    Template {
        /// Template name.
        template: String,
        /// The variable concerned, if any.
        variable: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// The configuration is incomplete or contradictory.
    Config {
        /// The setting (environment variable or builder method).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The database or cache failed.
    Storage {
        /// What failed; never contains credentials.
        message: String,
        /// The database or Redis error, if any.
        source: Option<ErrorSource>,
    },
    /// The request took longer than allowed.
    Timeout {
        /// The limit that elapsed.
        after_ms: u64,
    },
    /// A bug or an unexpected state.
    Internal {
        /// What happened.
        message: String,
        /// The lower error, if any.
        source: Option<ErrorSource>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation { field, reason } => write!(f, "invalid `{field}`: {reason}"),
            Error::Unauthorized { reason } => write!(f, "unauthorized: {reason}"),
            Error::NotFound { kind, id } => write!(f, "{kind} `{id}` not found"),
            Error::Conflict { kind, id, state, reason } => write!(f, "{kind} `{id}` is {state}: {reason}"),
            Error::BudgetExceeded(b) => write!(
                f,
                "budget of {} for scope `{}` exceeded ({}): spent {}, reserved {}, requested {} (resets {})",
                b.limit,
                b.scope,
                b.cause().explain(),
                b.spent,
                b.reserved,
                b.requested,
                b.period_end.format("%Y-%m-%d %H:%M UTC")
            ),
            Error::RateLimited(r) => write!(
                f,
                "rate limit exceeded: {} requests per {}s ({}); retry after {:.1}s",
                r.limit,
                r.period_s,
                r.quota,
                r.retry_after.as_secs_f64()
            ),
            Error::Provider(p) => {
                write!(f, "{} provider error", p.provider)?;
                if let Some(s) = p.status {
                    write!(f, " (HTTP {s})")?;
                }
                write!(f, ": {}", p.message)
            }
            Error::ProviderTimeout { provider, timeout_ms, .. } => {
                write!(f, "{provider} did not answer within {timeout_ms} ms")
            }
            Error::ContentGeneration { reason } => write!(f, "content generation failed: {reason}"),
            Error::Template { template, reason, .. } => write!(f, "template `{template}`: {reason}"),
            Error::Config { field, reason } => write!(f, "configuration `{field}`: {reason}"),
            Error::Storage { message, .. } => write!(f, "storage error: {message}"),
            Error::Timeout { after_ms } => write!(f, "the request did not finish within {after_ms} ms"),
            Error::Internal { message, .. } => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = match self {
            Error::Storage { source, .. } | Error::Internal { source, .. } | Error::ProviderTimeout { source, .. } => {
                source
            }
            Error::Provider(p) => &p.source,
            _ => return None,
        };
        source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl Error {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation { field: field.into(), reason: reason.into() }
    }

    /// A configuration error for `field`.
    pub fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config { field: field.into(), reason: reason.into() }
    }

    /// A storage error (credentials in `message` are redacted).
    pub fn storage(message: impl Into<String>) -> Self {
        Error::Storage { message: redact(&message.into()), source: None }
    }

    /// An internal error.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal { message: message.into(), source: None }
    }

    /// A provider timeout after `timeout`.
    pub fn provider_timeout(provider: impl Into<String>, timeout: Duration) -> Self {
        Error::ProviderTimeout {
            provider: provider.into(),
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            source: None,
        }
    }

    /// The same error caused by `source`, for the kinds that wrap a lower error (storage,
    /// provider, provider timeout, internal); any other kind is returned unchanged.
    ///
    /// ```
    /// use std::error::Error as _;
    /// let e = splants::Error::storage("reading content").with_source(std::io::Error::other("disk gone"));
    /// assert_eq!(e.to_string(), "storage error: reading content");
    /// assert_eq!(e.source().unwrap().to_string(), "disk gone");
    /// ```
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        let cause: ErrorSource = Arc::new(source);
        match &mut self {
            Error::Storage { source, .. } | Error::Internal { source, .. } | Error::ProviderTimeout { source, .. } => {
                *source = Some(cause);
            }
            Error::Provider(p) => p.source = Some(cause),
            _ => {}
        }
        self
    }

    /// A not-found error.
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { kind, id: id.into() }
    }

    /// A template error.
    pub fn template(template: impl Into<String>, variable: Option<String>, reason: impl Into<String>) -> Self {
        Error::Template { template: template.into(), variable, reason: reason.into() }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation { .. } => ErrorCode::ValidationError,
            Error::Unauthorized { .. } => ErrorCode::Unauthorized,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::BudgetExceeded(_) => ErrorCode::BudgetExceeded,
            Error::RateLimited(_) => ErrorCode::RateLimited,
            Error::Provider(_) => ErrorCode::ProviderError,
            Error::ProviderTimeout { .. } => ErrorCode::ProviderTimeout,
            Error::ContentGeneration { .. } => ErrorCode::ContentGenerationError,
            Error::Template { .. } => ErrorCode::TemplateError,
            Error::Config { .. } => ErrorCode::ConfigError,
            Error::Storage { .. } => ErrorCode::StorageError,
            Error::Timeout { .. } => ErrorCode::Timeout,
            Error::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// The HTTP status for this error.
    pub fn status_code(&self) -> u16 {
        self.code().status_code()
    }

    /// The original app's exception class name.
    pub fn type_name(&self) -> &'static str {
        self.code().type_name()
    }

    /// Whether repeating the same call later could succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Provider(p) => p.retryable,
            Error::ProviderTimeout { .. } | Error::RateLimited(_) | Error::Storage { .. } | Error::Timeout { .. } => {
                true
            }
            _ => false,
        }
    }

    /// Whether a failed provider attempt may still have been billed: a timeout after the
    /// request was sent, a connection lost after sending, or a `200` answer that could not be read. Such attempts are counted
    /// against the budget at their worst-case cost.
    pub fn may_have_billed(&self) -> bool {
        match self {
            Error::ProviderTimeout { .. } => true,
            // A 200 that could not be read, or a connection lost after the request was sent.
            Error::Provider(p) => p.status == Some(200) || p.kind.as_deref() == Some("transport_error"),
            _ => false,
        }
    }

    /// How long to wait before retrying, when the error says.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited(r) => Some(r.retry_after),
            Error::Provider(p) => p.retry_after,
            _ => None,
        }
    }

    /// Structured details for the HTTP body and binding exceptions.
    ///
    /// `budget_exceeded` carries the original app's `current_usage`, `budget` and
    /// `remaining_days` beside `scope`, `limit`, `spent`, `reserved`, `requested`, `period_end`.
    pub fn details(&self) -> Value {
        match self {
            Error::Validation { field, reason } => json!({ "field": field, "reason": reason }),
            Error::Unauthorized { reason } => json!({ "reason": reason }),
            Error::NotFound { kind, id } => json!({ "kind": kind, "id": id }),
            Error::Conflict { kind, id, state, reason } => {
                json!({ "kind": kind, "id": id, "state": state, "reason": reason })
            }
            Error::BudgetExceeded(b) => json!({
                "scope": b.scope,
                "limit": b.limit.dollars(),
                "spent": b.spent.dollars(),
                "reserved": b.reserved.dollars(),
                "requested": b.requested.dollars(),
                "period_start": b.period_start.to_rfc3339(),
                "period_end": b.period_end.to_rfc3339(),
                "remaining_days": b.remaining_days,
                "refused_because": b.cause().as_str(),
                "current_usage": b.spent.dollars(),
                "budget": b.limit.dollars(),
            }),
            Error::RateLimited(r) => json!({
                "limit": r.limit,
                "period_s": r.period_s,
                "quota": r.quota,
                "retry_after_s": r.retry_after.as_secs_f64(),
            }),
            Error::Provider(p) => json!({
                "provider": p.provider,
                "status": p.status,
                "kind": p.kind,
                "retryable": p.retryable,
            }),
            Error::ProviderTimeout { provider, timeout_ms, .. } => {
                json!({ "provider": provider, "timeout_ms": timeout_ms, "retryable": true })
            }
            Error::ContentGeneration { reason } => json!({ "reason": reason }),
            Error::Template { template, variable, reason } => {
                json!({ "template": template, "variable": variable, "reason": reason })
            }
            Error::Config { field, reason } => json!({ "field": field, "reason": reason }),
            Error::Timeout { after_ms } => json!({ "timeout_ms": after_ms }),
            Error::Storage { .. } | Error::Internal { .. } => json!({}),
        }
    }
}

/// A database failure as a storage error: the reason (explained for a pool that gave no
/// connection in time), the sqlx error kept as the source.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::storage(sqlx_reason(&e)).with_source(e)
    }
}

/// What a sqlx error means, in words a reader can act on (no credentials: the caller redacts).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn sqlx_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::PoolTimedOut => {
            "no database connection became free in time (SPLANTS_DB_ACQUIRE_TIMEOUT_SECS); is the database up?"
                .to_owned()
        }
        sqlx::Error::PoolClosed => "the connection pool was closed".to_owned(),
        other => other.to_string(),
    }
}

/// A Redis failure as a storage error, the Redis error kept as the source.
#[cfg(feature = "redis")]
impl From<redis::RedisError> for Error {
    fn from(e: redis::RedisError) -> Self {
        Error::storage(format!("Redis failed: {e}")).with_source(e)
    }
}

/// An HTTP client failure (outside a provider call, which says more) as an internal error; the
/// source is the reqwest error without its URL, which may carry a token.
#[cfg(any(feature = "openai", feature = "anthropic", feature = "webhooks"))]
impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        let e = e.without_url();
        Error::internal(redact(&format!("HTTP client: {e}"))).with_source(e)
    }
}

/// Removes things that look like credentials from a message before it is shown or logged:
/// bearer tokens, `sk-...` keys, `key=...` query parameters and passwords in URLs.
pub fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&redact_word(word));
    }
    out
}

fn redact_word(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let secretish_prefixes = ["sk-", "sk_", "spl_", "xoxb-", "ghp_", "bearer:"];
    if secretish_prefixes.iter().any(|p| lower.trim_start_matches(['"', '\'', '(']).starts_with(p)) && word.len() > 12 {
        return "[redacted]".to_owned();
    }
    // user:password@host in URLs
    let mut word = word.to_owned();
    if let Some(scheme_end) = word.find("://") {
        let rest = &word[scheme_end + 3..];
        if let Some(at) = rest.find('@')
            && rest[..at].contains(':')
        {
            let user = rest[..at].split(':').next().unwrap_or_default();
            word = format!("{}://{}:[redacted]@{}", &word[..scheme_end], user, &rest[at + 1..]);
        }
    }
    // Every `key=...` style parameter, up to the next `&`.
    let mut out = String::with_capacity(word.len());
    let mut rest = word.as_str();
    loop {
        let lower = rest.to_ascii_lowercase();
        let hit = ["key=", "api_key=", "apikey=", "token=", "password="]
            .iter()
            .filter_map(|k| lower.find(k).map(|p| p + k.len()))
            .min();
        let Some(start) = hit else {
            out.push_str(rest);
            return out;
        };
        let end = rest[start..].find('&').map_or(rest.len(), |e| start + e);
        out.push_str(&rest[..start]);
        out.push_str("[redacted]");
        rest = &rest[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_original_statuses() {
        assert_eq!(Error::validation("topic", "empty").status_code(), 422);
        assert_eq!(Error::Unauthorized { reason: "missing".into() }.status_code(), 403);
        assert_eq!(Error::not_found("content", "x").status_code(), 404);
        assert_eq!(Error::config("x", "y").code().as_str(), "config_error");
    }

    #[test]
    fn validation_message_names_field() {
        let e = Error::validation("keywords[2]", "must not be empty");
        assert_eq!(e.to_string(), "invalid `keywords[2]`: must not be empty");
        assert_eq!(e.details()["field"], "keywords[2]");
    }

    #[test]
    fn redaction_removes_keys() {
        let msg = "Incorrect API key provided: sk-proj-abcdefghijklmnop. See docs";
        assert_eq!(redact(msg), "Incorrect API key provided: [redacted] See docs");
        assert_eq!(redact("postgres://app:hunter2@db:5432/x failed"), "postgres://app:[redacted]@db:5432/x failed");
        assert_eq!(redact("GET /v1?key=abc&x=1"), "GET /v1?key=[redacted]&x=1");
        assert_eq!(
            redact("https://u:pw@h/x?token=t1&a=1&api_key=k2"),
            "https://u:[redacted]@h/x?token=[redacted]&a=1&api_key=[redacted]"
        );
        assert_eq!(redact("plain words stay"), "plain words stay");
    }
}
