//! The one table of settings: environment variable → option name → section field, and the
//! readers of variables and options that go through it.
//!
//! Both readers turn what they are given into one JSON object shaped like [`Config`]
//! (`{"budget": {"global_limit": 5}}`), deserialize it (each section refuses unknown fields)
//! and call [`Config::validate`]. Errors from either step name a section path; they are renamed
//! here to the variable or option the user wrote, by the same table.

use super::Config;
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::LazyLock;

/// How a setting is written: the text of its environment variable, and the JSON value of its
/// option (what the Python and TypeScript declarations say).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SettingType {
    /// Text.
    Text,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A secret text (API key, password): never shown.
    Secret,
    /// A URL (`http(s)://`, `redis://`, `sqlite://`, …).
    Url,
    /// A filesystem path.
    Path,
    /// A number of seconds (fractions allowed), at least 0.
    Seconds,
    /// A number.
    Number,
    /// A dollar amount; as an option, `null` means no limit.
    Dollars,
    /// A whole number, at least 0.
    Whole,
    /// `true`/`false` (variables also take `1`/`0`, `yes`/`no`, `on`/`off`).
    Flag,
    /// Percentages 1..=100 (a variable lists them comma-separated).
    Percentages,
    /// Texts (a variable lists them comma-separated).
    Words,
    /// Requests per hour by tier name (an object; variables set one tier each).
    Tiers,
    /// Price overrides by model: an object `{model: {input, output, …}}` or its JSON text.
    Prices,
    /// Publishing accounts by name: an object `{name: {kind, …}}` or its JSON text.
    Accounts,
    /// A UTC offset: `+02:00`, `-05:30`, or whole minutes.
    Offset,
    /// Accepted and not used (a warning says so).
    Unused,
}

/// One setting: where it lives in [`Config`], and how the environment and the bindings name it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The environment variable, if the setting has one.
    pub env: Option<&'static str>,
    /// The option name of the bindings (Python keyword argument; camelCase in Node), if the
    /// setting has one.
    pub option: Option<&'static str>,
    /// The section field: `budget.global_limit`.
    pub path: &'static str,
    /// How it is written.
    pub ty: SettingType,
    /// What it means, with its default.
    pub doc: &'static str,
}

const fn row(
    env: Option<&'static str>,
    option: Option<&'static str>,
    path: &'static str,
    ty: SettingType,
    doc: &'static str,
) -> Setting {
    Setting { env, option, path, ty, doc }
}

use SettingType as T;

#[rustfmt::skip]
const CORE: &[Setting] = &[
    row(Some("SPLANTS_PROVIDER"), Some("provider"), "provider.kind", T::Choice(&["auto", "openai", "anthropic", "compatible", "offline", "ollama", "vllm", "llamacpp"]), "which provider writes: auto (default), openai, anthropic, compatible (also ollama, vllm, llamacpp) or offline"),
    row(Some("OPENAI_API_KEY"), Some("openai_api_key"), "provider.openai_api_key", T::Secret, "OpenAI API key"),
    row(Some("OPENAI_BASE_URL"), Some("openai_base_url"), "provider.openai_base_url", T::Url, "an OpenAI-compatible server or gateway, e.g. http://localhost:11434/v1"),
    row(Some("ANTHROPIC_API_KEY"), Some("anthropic_api_key"), "provider.anthropic_api_key", T::Secret, "Anthropic API key"),
    row(Some("ANTHROPIC_BASE_URL"), Some("anthropic_base_url"), "provider.anthropic_base_url", T::Url, "Anthropic base URL"),
    row(Some("SPLANTS_MODEL"), Some("model"), "provider.model", T::Text, "the primary provider's model (required for compatible servers)"),
    row(Some("SPLANTS_FALLBACK_MODEL"), Some("fallback_model"), "provider.fallback_model", T::Text, "the fallback provider's model"),
    row(Some("SPLANTS_PRICES"), Some("prices"), "provider.prices", T::Prices, "price overrides in dollars per million tokens, by model id"),
    row(Some("SPLANTS_PROVIDER_TIMEOUT_SECS"), Some("provider_timeout"), "provider.timeout", T::Seconds, "seconds per provider attempt (default 60)"),
    row(Some("SPLANTS_PROVIDER_MAX_ATTEMPTS"), Some("max_attempts"), "provider.max_attempts", T::Whole, "attempts per provider, 1..=10 (default 3)"),
    row(Some("SPLANTS_MAX_OUTPUT_TOKENS"), Some("max_output_tokens"), "provider.max_output_tokens", T::Whole, "cap on max_tokens, 64..=1000000 (default 8192)"),
    row(Some("SPLANTS_REASONING_TOKENS"), Some("reasoning_tokens"), "provider.reasoning_tokens", T::Whole, "extra output tokens for reasoning models (default 0)"),
    row(Some("SPLANTS_TEMPERATURE"), Some("temperature"), "provider.temperature", T::Number, "sampling temperature, 0..=2 (provider default when unset)"),
    row(Some("MONTHLY_AI_BUDGET"), Some("monthly_budget"), "budget.global_limit", T::Dollars, "dollars per budget period (default 100); null for no global limit"),
    row(Some("SPLANTS_BUDGET_PERIOD"), Some("budget_period"), "budget.period.kind", T::Choice(&["day", "week", "month"]), "day, week or month (default month)"),
    row(Some("SPLANTS_BUDGET_RESET_DAY"), Some("budget_reset_day"), "budget.period.reset_day", T::Whole, "day of month 1..=28, or ISO weekday 1..=7 for weeks (default 1)"),
    row(Some("SPLANTS_BUDGET_UTC_OFFSET"), Some("budget_utc_offset"), "budget.period.utc_offset", T::Offset, "offset of the period's midnight, e.g. +02:00 (default +00:00)"),
    row(Some("SPLANTS_BUDGET_ALERTS"), Some("budget_alerts"), "budget.alert_thresholds", T::Percentages, "alert thresholds in percent (default 50,80,95,100)"),
    row(Some("SPLANTS_BUDGET_WAIT_SECS"), Some("budget_wait"), "budget.admission_wait", T::Seconds, "seconds a call held up only by calls in flight waits for room, 0..=600 (default 15)"),
    row(Some("SPLANTS_BUDGET_DEGRADE"), Some("degrade"), "budget.degrade", T::Text, "off (default), shrink, shrink:<min tokens> or model:<model id>"),
    row(Some("SPLANTS_ON_CALLER_LEFT"), Some("on_caller_left"), "calls.on_caller_left", T::Choice(&["complete", "abort"]), "complete (default) or abort: a generation whose caller left after the request was sent"),
    row(Some("SPLANTS_SHUTDOWN_GRACE_SECS"), Some("shutdown_grace"), "calls.shutdown_grace", T::Seconds, "seconds shutdown waits for generations finishing in the background, 0..=3600 (default 30)"),
    row(None, Some("rate_limits"), "rate_limits.tiers", T::Tiers, "requests per hour by tier, added to free 10, standard 60, premium 300"),
    row(Some("SPLANTS_RATE_FREE_PER_HOUR"), None, "rate_limits.tiers.free", T::Whole, "requests per hour of the free tier (default 10)"),
    row(Some("SPLANTS_RATE_STANDARD_PER_HOUR"), None, "rate_limits.tiers.standard", T::Whole, "requests per hour of the standard tier (default 60)"),
    row(Some("SPLANTS_RATE_PREMIUM_PER_HOUR"), None, "rate_limits.tiers.premium", T::Whole, "requests per hour of the premium tier (default 300)"),
    row(Some("SPLANTS_RATE_PER_MINUTE"), Some("rate_per_minute"), "rate_limits.per_minute", T::Whole, "requests per minute for every key, 0 turns it off (default 60)"),
    row(Some("SPLANTS_DEFAULT_TIER"), Some("default_tier"), "rate_limits.default_tier", T::Text, "tier of keys that name none (default standard)"),
    row(Some("CACHE_ENABLED"), Some("cache"), "cache.enabled", T::Flag, "answer identical briefs from the cache (default false)"),
    row(Some("SPLANTS_CACHE_TTL_SECS"), Some("cache_ttl"), "cache.ttl", T::Seconds, "seconds a cached piece lives (default 3600)"),
    row(Some("SPLANTS_CACHE_CAPACITY"), Some("cache_capacity"), "cache.capacity", T::Whole, "pieces the cache holds (default 10000)"),
    row(Some("REDIS_URL"), Some("redis_url"), "redis.url", T::Url, "redis:// or rediss:// URL shared by instances for rate limits and the cache"),
    row(Some("DATABASE_URL"), Some("database_url"), "storage.url", T::Url, "sqlite://path (default sqlite://splants.db), postgres://…, postgresql://… or memory://"),
    row(Some("SPLANTS_DB_MIN_CONNECTIONS"), Some("db_min_connections"), "storage.pool.min_connections", T::Whole, "connections a Postgres pool keeps open (default 5)"),
    row(Some("SPLANTS_DB_MAX_CONNECTIONS"), Some("db_max_connections"), "storage.pool.max_connections", T::Whole, "most connections per pool, 1..=1000 (default 20)"),
    row(Some("SPLANTS_DB_ACQUIRE_TIMEOUT_SECS"), Some("db_acquire_timeout"), "storage.pool.acquire_timeout", T::Seconds, "seconds to wait for a connection, 1..=3600 (default 30)"),
    row(Some("SPLANTS_DB_STATEMENT_TIMEOUT_SECS"), Some("db_statement_timeout"), "storage.pool.statement_timeout", T::Seconds, "Postgres statement_timeout in seconds, 0 for none (default 60)"),
    row(Some("SPLANTS_DB_IDLE_TIMEOUT_SECS"), Some("db_idle_timeout"), "storage.pool.idle_timeout", T::Seconds, "seconds before an idle connection is closed, 0 for never (default 300)"),
    row(Some("API_KEY"), Some("api_key"), "auth.api_key", T::Secret, "the bootstrap admin key"),
    row(Some("SPLANTS_BATCH_MAX"), Some("batch_max"), "batch.max", T::Whole, "requests per batch, 1..=1000 (default 10)"),
    row(Some("SPLANTS_BATCH_CONCURRENCY"), Some("batch_concurrency"), "batch.concurrency", T::Whole, "items of a batch generated at once, 1..=256 (default 4)"),
    row(Some("SPLANTS_TEMPLATES_DIR"), Some("templates_dir"), "templates.dir", T::Path, "a directory of extra templates (TOML/YAML)"),
    row(Some("SPLANTS_FREELANCE_RATES"), Some("freelance_rates"), "analytics.freelance_rates", T::Text, "what ROI compares against: type=price[:hours],…"),
    row(Some("SPLANTS_PUBLISH_ACCOUNTS"), Some("publish_accounts"), "publish.accounts", T::Accounts, "platform accounts posts are published to, by name: a JSON object (see docs/publishing.md)"),
    row(Some("SPLANTS_SCHEDULER"), Some("scheduler"), "schedule.enabled", T::Flag, "run the publishing worker wherever an engine with accounts starts (default true)"),
    row(Some("SPLANTS_SCHEDULE_POLL_SECS"), Some("schedule_poll"), "schedule.poll_interval", T::Seconds, "seconds between an idle worker's looks for due posts, 0.05..=3600 (default 1)"),
    row(Some("SPLANTS_SCHEDULE_LEASE_SECS"), Some("schedule_lease"), "schedule.lease", T::Seconds, "seconds a worker's claim on a post holds, 1..=3600 (default 60)"),
    row(Some("SPLANTS_SCHEDULE_CONCURRENCY"), Some("schedule_concurrency"), "schedule.concurrency", T::Whole, "posts one worker publishes at once, 1..=1024 (default 16)"),
    row(Some("SPLANTS_SCHEDULE_MAX_ATTEMPTS"), Some("schedule_max_attempts"), "schedule.max_attempts", T::Whole, "attempts per post before it fails, 1..=100 (default 5)"),
    row(Some("SPLANTS_SCHEDULE_RETRY_SECS"), Some("schedule_retry"), "schedule.retry_base", T::Seconds, "first retry delay in seconds, doubled each time, 0..=86400 (default 30)"),
    row(Some("SPLANTS_SCHEDULE_RETRY_MAX_SECS"), Some("schedule_retry_max"), "schedule.retry_max", T::Seconds, "longest delay between attempts, 1..=604800 (default 3600)"),
    row(Some("SPLANTS_PUBLISH_TIMEOUT_SECS"), Some("publish_timeout"), "schedule.request_timeout", T::Seconds, "seconds per platform request, 1..=600 (default 30)"),
    row(Some("SENTRY_DSN"), None, "", T::Unused, "accepted, not used (a warning says so): errors go to the log"),
];

#[cfg(feature = "webhooks")]
#[rustfmt::skip]
const WEBHOOKS: &[Setting] = &[
    row(Some("WEBHOOK_CONTENT_GENERATED_URL"), Some("webhook_content_generated_url"), "webhooks.content_generated_url", T::Url, "receives content.generated"),
    row(Some("WEBHOOK_CONTENT_PUBLISHED_URL"), Some("webhook_content_published_url"), "webhooks.content_published_url", T::Url, "receives content.published"),
    row(Some("WEBHOOK_DAILY_REPORT_URL"), Some("webhook_daily_report_url"), "webhooks.daily_report_url", T::Url, "receives daily.report"),
    row(Some("SPLANTS_WEBHOOK_SECRET"), Some("webhook_secret"), "webhooks.secret", T::Secret, "HMAC key of webhook signatures"),
    row(Some("SPLANTS_WEBHOOK_ALLOW_PRIVATE"), Some("webhook_allow_private"), "webhooks.allow_private", T::Flag, "allow webhook URLs on loopback or private networks (default false)"),
];
#[cfg(not(feature = "webhooks"))]
const WEBHOOKS: &[Setting] = &[];

#[cfg(feature = "server")]
#[rustfmt::skip]
const SERVER: &[Setting] = &[
    row(Some("HOST"), Some("host"), "server.host", T::Text, "address the server listens on (default 127.0.0.1)"),
    row(Some("PORT"), Some("port"), "server.port", T::Whole, "port the server listens on (default 8080)"),
    row(Some("ALLOWED_ORIGINS"), Some("allowed_origins"), "server.allowed_origins", T::Words, "CORS origins (default http://localhost:3000); * for any"),
    row(Some("SPLANTS_BODY_LIMIT_BYTES"), Some("body_limit_bytes"), "server.body_limit_bytes", T::Whole, "largest request body, 1024..=67108864 bytes (default 1 MiB)"),
    row(Some("SPLANTS_REQUEST_TIMEOUT_SECS"), Some("request_timeout"), "server.request_timeout", T::Seconds, "longest a request may take, at least 1 s (default 300)"),
    row(Some("SPLANTS_WORKER_THREADS"), Some("worker_threads"), "server.worker_threads", T::Whole, "async worker threads, 1..=1024 (default one per CPU)"),
    row(Some("LOG_LEVEL"), Some("log_level"), "server.log_level", T::Choice(&["trace", "debug", "info", "warning", "warn", "error", "critical"]), "trace, debug, info (default; debug with DEBUG), warning or error"),
    row(Some("RUST_LOG"), Some("log_filter"), "server.log_filter", T::Text, "a tracing filter; wins over LOG_LEVEL"),
    row(Some("LOG_FORMAT"), Some("log_format"), "server.log_format", T::Choice(&["text", "json"]), "text (default) or json"),
    row(Some("DEBUG"), Some("debug"), "server.debug", T::Flag, "debug logging by default (default false)"),
    row(Some("SPLANTS_DASHBOARD"), Some("dashboard"), "server.dashboard", T::Flag, "serve the web dashboard at / (default true)"),
];
#[cfg(not(feature = "server"))]
const SERVER: &[Setting] = &[];

static SETTINGS: LazyLock<Vec<Setting>> =
    LazyLock::new(|| CORE.iter().chain(WEBHOOKS).chain(SERVER).copied().collect());

/// Every setting this build knows (webhook settings need the `webhooks` feature, server
/// settings the `server` feature).
pub fn settings() -> &'static [Setting] {
    &SETTINGS
}

/// The settings a binding offers as engine options: every setting with an option name except
/// the server's (the bindings embed the engine; they run no server).
pub fn engine_options() -> impl Iterator<Item = &'static Setting> {
    settings().iter().filter(|s| s.option.is_some() && !s.path.starts_with("server."))
}

/// Puts `value` at `path` (`a.b.c`) in `root`, merging objects.
fn insert(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut here = root;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            match (here.get_mut(part), value) {
                (Some(Value::Object(old)), Value::Object(new)) => old.extend(new),
                (_, value) => {
                    here.insert(part.to_owned(), value);
                }
            }
            return;
        }
        let next = here.entry(part.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        let Value::Object(map) = next else { return };
        here = map;
    }
}

/// Whether `path` is `prefix` or lies inside it (`rate_limits.tiers.gold` in `rate_limits.tiers`).
fn within(path: &str, prefix: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.'))
}

/// How an error's setting path is shown: by the variable or option the user gave.
struct Names<'a> {
    given: Vec<&'a Setting>,
    name: fn(&Setting) -> Option<&'static str>,
}

impl Names<'_> {
    /// The name of the setting at `path`: the given row at or above it (with what lies below it
    /// appended: `rate_limits.gold`), else the one given row inside it (`budget.period` →
    /// `budget_reset_day`), else any row at it; the path itself when no row matches.
    fn of(&self, path: &str) -> String {
        let shown = |s: &Setting, rest: &str| (self.name)(s).map(|n| format!("{n}{rest}"));
        let above = self
            .given
            .iter()
            .filter(|s| within(path, s.path))
            .max_by_key(|s| s.path.len())
            .and_then(|s| shown(s, &path[s.path.len()..]));
        let inside = || {
            let mut rows = self.given.iter().filter(|s| within(s.path, path));
            match (rows.next(), rows.next()) {
                (Some(s), None) => shown(s, ""),
                _ => None,
            }
        };
        let any = || settings().iter().find(|s| s.path == path).and_then(|s| shown(s, ""));
        above.or_else(inside).or_else(any).unwrap_or_else(|| path.to_owned())
    }

    fn rename(&self, e: Error) -> Error {
        match e {
            Error::Config { field, reason } => Error::config(self.of(&field), reason),
            other => other,
        }
    }
}

/// Deserializes the nested object into a [`Config`] and validates it; errors by setting path.
fn build(nested: Map<String, Value>) -> Result<Config> {
    let config: Config = serde_path_to_error::deserialize(Value::Object(nested)).map_err(|e| {
        let path = e.path().to_string();
        Error::config(path, e.into_inner().to_string())
    })?;
    config.validate()?;
    Ok(config)
}

/// Reads `vars` through the table; errors name the variable.
pub(super) fn from_vars(vars: HashMap<String, String>) -> Result<Config> {
    let get = |name: &str| vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut nested = Map::new();
    let mut given = Vec::new();
    for s in settings() {
        let Some(var) = s.env else { continue };
        let Some(raw) = get(var) else { continue };
        if s.ty == T::Unused {
            tracing::warn!("{var} is set but splants does not use it: {}", s.doc);
            continue;
        }
        insert(&mut nested, s.path, env_value(var, raw, s.ty)?);
        given.push(s);
    }
    let names = Names { given, name: |s| s.env };
    build(nested).map_err(|e| names.rename(e))
}

/// The JSON value of a variable's text; a text of the wrong shape names the variable.
fn env_value(var: &str, raw: &str, ty: SettingType) -> Result<Value> {
    let not = |what: &str| Error::config(var, format!("`{raw}` is not {what}"));
    let number = |what: &str| {
        raw.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).ok_or_else(|| not(what))
    };
    Ok(match ty {
        T::Text | T::Choice(_) | T::Secret | T::Url | T::Path | T::Prices | T::Accounts | T::Offset | T::Unused => {
            Value::String(raw.to_owned())
        }
        T::Seconds => match raw.parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => number("a number of seconds")?,
            _ => return Err(not("a number of seconds")),
        },
        T::Number => number("a number")?,
        T::Dollars => number("a number of dollars")?,
        T::Whole => Value::from(raw.parse::<u64>().map_err(|_| not("a whole number"))?),
        T::Flag => Value::Bool(match raw.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(Error::config(var, format!("`{raw}` is not a boolean (true/false)"))),
        }),
        T::Percentages => Value::Array(
            raw.split(',')
                .map(|p| {
                    p.trim()
                        .parse::<u8>()
                        .map(Value::from)
                        .map_err(|_| Error::config(var, format!("`{}` is not a percentage in 1..=100", p.trim())))
                })
                .collect::<Result<_>>()?,
        ),
        T::Words => Value::Array(
            raw.split(',').map(str::trim).filter(|w| !w.is_empty()).map(|w| Value::String(w.to_owned())).collect(),
        ),
        T::Tiers => return Err(not("a set of tiers")),
    })
}

/// Reads options by name through the table; errors name the option.
pub(super) fn from_options(options: Map<String, Value>) -> Result<Config> {
    let mut nested = Map::new();
    let mut given = Vec::new();
    for (name, value) in options {
        let Some(s) = settings().iter().find(|s| s.option == Some(name.as_str())) else {
            return Err(Error::config(name, "is not an option of the engine"));
        };
        if value.is_null() && s.ty != T::Dollars {
            continue;
        }
        insert(&mut nested, s.path, value);
        given.push(s);
    }
    let names = Names { given, name: |s| s.option };
    build(nested).map_err(|e| names.rename(e))
}

#[cfg(test)]
#[path = "env_tests.rs"]
mod tests;
