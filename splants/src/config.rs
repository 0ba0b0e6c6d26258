//! `Config`: every setting, from code or from the environment.
//!
//! [`Config::from_env`] reads the original app's variables unchanged (`API_KEY`,
//! `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `MONTHLY_AI_BUDGET`, `DATABASE_URL`, `REDIS_URL`,
//! `CACHE_ENABLED`, `ALLOWED_ORIGINS`, `WEBHOOK_*_URL`, `LOG_LEVEL`, `DEBUG`), a `.env` file in
//! the working directory (real environment variables win), the SDKs' `OPENAI_BASE_URL` /
//! `ANTHROPIC_BASE_URL`, `HOST` / `PORT`, and `SPLANTS_*` for everything new. The full list
//! with defaults is in `docs/configuration.md`. Empty values count as unset.

use crate::auth::CallerLeftPolicy;
use crate::budget::{BudgetPeriod, DEFAULT_ALERT_THRESHOLDS};
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::ratelimit::RateLimitConfig;
use crate::secret::Secret;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

mod settings;

pub use settings::Settings;

/// The original app's placeholder API key; a server configured with it counts as unconfigured.
pub const PLACEHOLDER_API_KEY: &str = "change-this-to-a-secure-password-123";

/// Which provider writes the copy.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenAI if `OPENAI_API_KEY` is set (with Anthropic as fallback when its key is set too),
    /// else Anthropic, else an OpenAI-compatible server if `OPENAI_BASE_URL` is set, else offline.
    Auto,
    /// OpenAI's official API.
    OpenAi,
    /// Anthropic's messages API.
    Anthropic,
    /// An OpenAI-compatible server at `OPENAI_BASE_URL` (Ollama, vLLM, llama.cpp).
    Compatible,
    /// The offline drafter (no AI, no network).
    Offline,
}

impl FromStr for ProviderKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ProviderKind::Auto),
            "openai" => Ok(ProviderKind::OpenAi),
            "anthropic" => Ok(ProviderKind::Anthropic),
            "compatible" | "ollama" | "vllm" | "llamacpp" | "llama.cpp" => Ok(ProviderKind::Compatible),
            "offline" => Ok(ProviderKind::Offline),
            other => Err(Error::config(
                "SPLANTS_PROVIDER",
                format!("unknown provider `{other}`; expected one of: auto, openai, anthropic, compatible, offline"),
            )),
        }
    }
}

/// What to do when a call's worst-case cost does not fit the remaining budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DegradePolicy {
    /// Refuse with `budget_exceeded`.
    Off,
    /// Lower `max_tokens` so the worst case fits, if at least `min_tokens` remain.
    ShrinkMaxTokens {
        /// Smallest output cap worth calling with.
        min_tokens: u32,
    },
    /// Use this cheaper model of the same provider instead.
    CheaperModel(String),
}

impl FromStr for DegradePolicy {
    type Err = Error;
    /// `off`, `shrink`, `shrink:<min_tokens>` or `model:<model id>`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        let bad = || {
            Error::config(
                "SPLANTS_BUDGET_DEGRADE",
                format!("`{s}` is not one of: off, shrink, shrink:<min tokens>, model:<model id>"),
            )
        };
        match s {
            "off" | "" => Ok(DegradePolicy::Off),
            "shrink" => Ok(DegradePolicy::ShrinkMaxTokens { min_tokens: 256 }),
            _ => {
                if let Some(n) = s.strip_prefix("shrink:") {
                    let min_tokens = n.parse().map_err(|_| bad())?;
                    Ok(DegradePolicy::ShrinkMaxTokens { min_tokens })
                } else if let Some(m) = s.strip_prefix("model:").filter(|m| !m.trim().is_empty()) {
                    Ok(DegradePolicy::CheaperModel(m.trim().to_owned()))
                } else {
                    Err(bad())
                }
            }
        }
    }
}

/// Log line format.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Every setting of the engine and the server. `Debug` shows no secret: keys are `Secret`s
/// and URLs have passwords and key parameters removed.
#[derive(Clone)]
pub struct Config {
    /// Which provider writes (`SPLANTS_PROVIDER`, default auto).
    pub provider: ProviderKind,
    /// `OPENAI_API_KEY`.
    pub openai_api_key: Option<Secret>,
    /// `OPENAI_BASE_URL`: an OpenAI-compatible server or gateway.
    pub openai_base_url: Option<String>,
    /// `ANTHROPIC_API_KEY`.
    pub anthropic_api_key: Option<Secret>,
    /// `ANTHROPIC_BASE_URL`.
    pub anthropic_base_url: Option<String>,
    /// `SPLANTS_MODEL`: the primary provider's model (defaults: OpenAI `gpt-6-luna`,
    /// Anthropic `claude-haiku-5-5`; required for compatible servers).
    pub model: Option<String>,
    /// `SPLANTS_FALLBACK_MODEL`: the fallback provider's model.
    pub fallback_model: Option<String>,
    /// `SPLANTS_PROVIDER_TIMEOUT_SECS` (60): per attempt.
    pub provider_timeout: Duration,
    /// `SPLANTS_PROVIDER_MAX_ATTEMPTS` (3): attempts per provider, first one included.
    pub max_attempts: u32,
    /// `SPLANTS_MAX_OUTPUT_TOKENS` (8192): cap on `max_tokens`.
    pub max_output_tokens: u32,
    /// `SPLANTS_REASONING_TOKENS` (0): extra output tokens allowed for reasoning models.
    pub reasoning_tokens: u32,
    /// `SPLANTS_TEMPERATURE`: sampling temperature (provider default when unset).
    pub temperature: Option<f32>,
    /// `SPLANTS_PRICES`: JSON price overrides, see [`crate::provider::PriceTable::apply_overrides_json`].
    pub prices_json: Option<String>,
    /// `MONTHLY_AI_BUDGET` in dollars (100); `SPLANTS_BUDGET_PERIOD` may make it daily/weekly.
    pub monthly_budget: Option<Usd>,
    /// `SPLANTS_BUDGET_PERIOD` (month), `SPLANTS_BUDGET_RESET_DAY` (1), `SPLANTS_BUDGET_UTC_OFFSET` (+00:00).
    pub budget_period: BudgetPeriod,
    /// `SPLANTS_BUDGET_ALERTS` (50,80,95,100).
    pub budget_alerts: Vec<u8>,
    /// `SPLANTS_BUDGET_WAIT_SECS` (15): how long a generation refused only because calls in
    /// flight hold the budget waits for them to settle before it is refused (0: at once).
    pub budget_wait: Duration,
    /// `SPLANTS_BUDGET_DEGRADE` (off).
    pub degrade: DegradePolicy,
    /// `SPLANTS_ON_CALLER_LEFT` (complete): what a generation does when its caller goes away
    /// after the provider request was sent.
    pub on_caller_left: CallerLeftPolicy,
    /// `SPLANTS_SHUTDOWN_GRACE_SECS` (30): how long [`crate::ContentEngine::shutdown`] (and the
    /// server, once it stops taking requests) waits for generations completing in the background.
    pub shutdown_grace: Duration,
    /// `SPLANTS_RATE_FREE_PER_HOUR` (10), `_STANDARD_` (60), `_PREMIUM_` (300),
    /// `SPLANTS_RATE_PER_MINUTE` (60, 0 disables), `SPLANTS_DEFAULT_TIER` (standard).
    pub rate_limits: RateLimitConfig,
    /// `CACHE_ENABLED` (false).
    pub cache_enabled: bool,
    /// `SPLANTS_CACHE_TTL_SECS` (3600).
    pub cache_ttl: Duration,
    /// `SPLANTS_CACHE_CAPACITY` (10000 pieces).
    pub cache_capacity: u64,
    /// `REDIS_URL`: shared cache and rate limits across instances.
    pub redis_url: Option<String>,
    /// `DATABASE_URL` (`sqlite://splants.db`); also `postgres://…`, `postgresql://…`, `memory://`.
    pub database_url: String,
    /// `SPLANTS_DB_MIN_CONNECTIONS` (5): connections a Postgres pool keeps open.
    pub db_min_connections: u32,
    /// `SPLANTS_DB_MAX_CONNECTIONS` (20): most connections per pool (Postgres; SQLite readers).
    pub db_max_connections: u32,
    /// `SPLANTS_DB_ACQUIRE_TIMEOUT_SECS` (30): longest wait to connect at start or for a free
    /// connection per call (SQLite: also its busy timeout).
    pub db_acquire_timeout: Duration,
    /// `SPLANTS_DB_STATEMENT_TIMEOUT_SECS` (60, 0 = none): Postgres `statement_timeout`.
    pub db_statement_timeout: Duration,
    /// `SPLANTS_DB_IDLE_TIMEOUT_SECS` (300, 0 = never): an idle pooled connection is closed after this.
    pub db_idle_timeout: Duration,
    /// `API_KEY`: the bootstrap admin key of the server.
    pub api_key: Option<Secret>,
    /// `ALLOWED_ORIGINS` (http://localhost:3000), comma-separated.
    pub allowed_origins: Vec<String>,
    /// `WEBHOOK_CONTENT_GENERATED_URL`.
    pub webhook_content_generated_url: Option<String>,
    /// `WEBHOOK_CONTENT_PUBLISHED_URL`.
    pub webhook_content_published_url: Option<String>,
    /// `WEBHOOK_DAILY_REPORT_URL`.
    pub webhook_daily_report_url: Option<String>,
    /// `SPLANTS_WEBHOOK_SECRET`: HMAC key for webhook signatures.
    pub webhook_secret: Option<Secret>,
    /// `SPLANTS_WEBHOOK_ALLOW_PRIVATE` (false): allow webhook URLs on loopback or private
    /// networks (off by default as an SSRF guard).
    pub webhook_allow_private: bool,
    /// `LOG_LEVEL` (info; debug when `DEBUG=true`).
    pub log_level: String,
    /// `LOG_FORMAT` (text or json).
    pub log_format: LogFormat,
    /// `DEBUG` (false).
    pub debug: bool,
    /// `HOST` (127.0.0.1).
    pub host: String,
    /// `PORT` (8080).
    pub port: u16,
    /// `SPLANTS_BATCH_MAX` (10, as the original).
    pub batch_max: usize,
    /// `SPLANTS_BATCH_CONCURRENCY` (4).
    pub batch_concurrency: usize,
    /// `SPLANTS_TEMPLATES_DIR`: extra templates (TOML/YAML) to load.
    pub templates_dir: Option<PathBuf>,
    /// `SPLANTS_BODY_LIMIT_BYTES` (1 MiB): largest request body the server accepts.
    pub body_limit_bytes: usize,
    /// `SPLANTS_REQUEST_TIMEOUT_SECS` (300): longest a server request may take.
    pub request_timeout: Duration,
    /// `SPLANTS_FREELANCE_RATES` (`type=price[:hours],…`): what ROI compares against.
    pub freelance_rates: crate::analytics::RoiRates,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            provider: ProviderKind::Auto,
            openai_api_key: None,
            openai_base_url: None,
            anthropic_api_key: None,
            anthropic_base_url: None,
            model: None,
            fallback_model: None,
            provider_timeout: Duration::from_secs(60),
            max_attempts: 3,
            max_output_tokens: 8192,
            reasoning_tokens: 0,
            temperature: None,
            prices_json: None,
            monthly_budget: Usd::from_dollars(100.0),
            budget_period: BudgetPeriod::monthly(),
            budget_alerts: DEFAULT_ALERT_THRESHOLDS.to_vec(),
            budget_wait: Duration::from_secs(15),
            degrade: DegradePolicy::Off,
            on_caller_left: CallerLeftPolicy::Complete,
            shutdown_grace: Duration::from_secs(30),
            rate_limits: RateLimitConfig::default(),
            cache_enabled: false,
            cache_ttl: Duration::from_secs(3600),
            cache_capacity: 10_000,
            redis_url: None,
            database_url: "sqlite://splants.db".to_owned(),
            db_min_connections: 5,
            db_max_connections: 20,
            db_acquire_timeout: Duration::from_secs(30),
            db_statement_timeout: Duration::from_secs(60),
            db_idle_timeout: Duration::from_secs(300),
            api_key: None,
            allowed_origins: vec!["http://localhost:3000".to_owned()],
            webhook_content_generated_url: None,
            webhook_content_published_url: None,
            webhook_daily_report_url: None,
            webhook_secret: None,
            webhook_allow_private: false,
            log_level: "info".to_owned(),
            log_format: LogFormat::Text,
            debug: false,
            host: "127.0.0.1".to_owned(),
            port: 8080,
            batch_max: 10,
            batch_concurrency: 4,
            templates_dir: None,
            freelance_rates: crate::analytics::RoiRates::default(),
            body_limit_bytes: 1 << 20,
            request_timeout: Duration::from_secs(300),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Destructured without `..`: a new field does not compile until it is shown here too.
        let Config {
            provider,
            openai_api_key,
            openai_base_url,
            anthropic_api_key,
            anthropic_base_url,
            model,
            fallback_model,
            provider_timeout,
            max_attempts,
            max_output_tokens,
            reasoning_tokens,
            temperature,
            prices_json,
            monthly_budget,
            budget_period,
            budget_alerts,
            budget_wait,
            degrade,
            on_caller_left,
            shutdown_grace,
            rate_limits,
            cache_enabled,
            cache_ttl,
            cache_capacity,
            redis_url,
            database_url,
            db_min_connections,
            db_max_connections,
            db_acquire_timeout,
            db_statement_timeout,
            db_idle_timeout,
            api_key,
            allowed_origins,
            webhook_content_generated_url,
            webhook_content_published_url,
            webhook_daily_report_url,
            webhook_secret,
            webhook_allow_private,
            log_level,
            log_format,
            debug,
            host,
            port,
            batch_max,
            batch_concurrency,
            templates_dir,
            body_limit_bytes,
            request_timeout,
            freelance_rates,
        } = self;
        f.debug_struct("Config")
            .field("provider", provider)
            .field("openai_api_key", openai_api_key)
            .field("openai_base_url", &openai_base_url.as_deref().map(crate::error::redact))
            .field("anthropic_api_key", anthropic_api_key)
            .field("anthropic_base_url", &anthropic_base_url.as_deref().map(crate::error::redact))
            .field("model", model)
            .field("fallback_model", fallback_model)
            .field("provider_timeout", provider_timeout)
            .field("max_attempts", max_attempts)
            .field("max_output_tokens", max_output_tokens)
            .field("reasoning_tokens", reasoning_tokens)
            .field("temperature", temperature)
            .field("prices_json", prices_json)
            .field("monthly_budget", monthly_budget)
            .field("budget_period", budget_period)
            .field("budget_alerts", budget_alerts)
            .field("budget_wait", budget_wait)
            .field("degrade", degrade)
            .field("on_caller_left", on_caller_left)
            .field("shutdown_grace", shutdown_grace)
            .field("rate_limits", rate_limits)
            .field("cache_enabled", cache_enabled)
            .field("cache_ttl", cache_ttl)
            .field("cache_capacity", cache_capacity)
            .field("redis_url", &redis_url.as_deref().map(crate::error::redact))
            .field("database_url", &crate::error::redact(database_url))
            .field("db_min_connections", db_min_connections)
            .field("db_max_connections", db_max_connections)
            .field("db_acquire_timeout", db_acquire_timeout)
            .field("db_statement_timeout", db_statement_timeout)
            .field("db_idle_timeout", db_idle_timeout)
            .field("api_key", api_key)
            .field("allowed_origins", allowed_origins)
            .field("webhook_content_generated_url", &webhook_content_generated_url.as_deref().map(crate::error::redact))
            .field("webhook_content_published_url", &webhook_content_published_url.as_deref().map(crate::error::redact))
            .field("webhook_daily_report_url", &webhook_daily_report_url.as_deref().map(crate::error::redact))
            .field("webhook_secret", webhook_secret)
            .field("webhook_allow_private", webhook_allow_private)
            .field("log_level", log_level)
            .field("log_format", log_format)
            .field("debug", debug)
            .field("host", host)
            .field("port", port)
            .field("batch_max", batch_max)
            .field("batch_concurrency", batch_concurrency)
            .field("templates_dir", templates_dir)
            .field("body_limit_bytes", body_limit_bytes)
            .field("request_timeout", request_timeout)
            .field("freelance_rates", freelance_rates)
            .finish()
    }
}

/// Reads typed values out of a variable map, naming the variable in every error.
struct Vars(HashMap<String, String>);

impl Vars {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    fn parse<T: FromStr>(&self, name: &str, what: &str) -> Result<Option<T>> {
        self.get(name)
            .map(|v| v.parse::<T>().map_err(|_| Error::config(name, format!("`{v}` is not {what}"))))
            .transpose()
    }

    fn bool(&self, name: &str) -> Result<Option<bool>> {
        self.get(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(Error::config(name, format!("`{v}` is not a boolean (true/false)"))),
            })
            .transpose()
    }

    fn secs(&self, name: &str) -> Result<Option<Duration>> {
        Ok(self.parse::<u64>(name, "a whole number of seconds")?.map(Duration::from_secs))
    }
}

/// How an environment variable's text becomes a setting's value.
#[derive(Copy, Clone)]
enum Kind {
    Text,
    Number(&'static str),
    Whole(&'static str),
    Flag,
    Numbers,
    Words,
}

/// Every variable that maps to a [`Settings`] field (`rate_limits.<tier>` for tier quotas).
const ENV: &[(&str, &str, Kind)] = &[
    ("SPLANTS_PROVIDER", "provider", Kind::Text),
    ("OPENAI_API_KEY", "openai_api_key", Kind::Text),
    ("OPENAI_BASE_URL", "openai_base_url", Kind::Text),
    ("ANTHROPIC_API_KEY", "anthropic_api_key", Kind::Text),
    ("ANTHROPIC_BASE_URL", "anthropic_base_url", Kind::Text),
    ("SPLANTS_MODEL", "model", Kind::Text),
    ("SPLANTS_FALLBACK_MODEL", "fallback_model", Kind::Text),
    ("SPLANTS_PRICES", "prices", Kind::Text),
    ("SPLANTS_PROVIDER_TIMEOUT_SECS", "provider_timeout", Kind::Number("a number of seconds")),
    ("SPLANTS_PROVIDER_MAX_ATTEMPTS", "max_attempts", Kind::Whole("a whole number")),
    ("SPLANTS_MAX_OUTPUT_TOKENS", "max_output_tokens", Kind::Whole("a whole number")),
    ("SPLANTS_REASONING_TOKENS", "reasoning_tokens", Kind::Whole("a whole number")),
    ("SPLANTS_TEMPERATURE", "temperature", Kind::Number("a number")),
    ("MONTHLY_AI_BUDGET", "monthly_budget", Kind::Number("a number of dollars")),
    ("SPLANTS_BUDGET_PERIOD", "budget_period", Kind::Text),
    ("SPLANTS_BUDGET_RESET_DAY", "budget_reset_day", Kind::Whole("a day number")),
    ("SPLANTS_BUDGET_UTC_OFFSET", "budget_utc_offset", Kind::Text),
    ("SPLANTS_BUDGET_ALERTS", "budget_alerts", Kind::Numbers),
    ("SPLANTS_BUDGET_WAIT_SECS", "budget_wait", Kind::Number("a number of seconds")),
    ("SPLANTS_BUDGET_DEGRADE", "degrade", Kind::Text),
    ("SPLANTS_ON_CALLER_LEFT", "on_caller_left", Kind::Text),
    ("SPLANTS_SHUTDOWN_GRACE_SECS", "shutdown_grace", Kind::Number("a number of seconds")),
    ("SPLANTS_RATE_FREE_PER_HOUR", "rate_limits.free", Kind::Whole("a whole number of requests")),
    ("SPLANTS_RATE_STANDARD_PER_HOUR", "rate_limits.standard", Kind::Whole("a whole number of requests")),
    ("SPLANTS_RATE_PREMIUM_PER_HOUR", "rate_limits.premium", Kind::Whole("a whole number of requests")),
    ("SPLANTS_RATE_PER_MINUTE", "rate_per_minute", Kind::Whole("a whole number of requests")),
    ("SPLANTS_DEFAULT_TIER", "default_tier", Kind::Text),
    ("CACHE_ENABLED", "cache", Kind::Flag),
    ("SPLANTS_CACHE_TTL_SECS", "cache_ttl", Kind::Number("a number of seconds")),
    ("SPLANTS_CACHE_CAPACITY", "cache_capacity", Kind::Whole("a whole number")),
    ("REDIS_URL", "redis_url", Kind::Text),
    ("DATABASE_URL", "database_url", Kind::Text),
    ("API_KEY", "api_key", Kind::Text),
    ("ALLOWED_ORIGINS", "allowed_origins", Kind::Words),
    ("WEBHOOK_CONTENT_GENERATED_URL", "webhook_content_generated_url", Kind::Text),
    ("WEBHOOK_CONTENT_PUBLISHED_URL", "webhook_content_published_url", Kind::Text),
    ("WEBHOOK_DAILY_REPORT_URL", "webhook_daily_report_url", Kind::Text),
    ("SPLANTS_WEBHOOK_SECRET", "webhook_secret", Kind::Text),
    ("SPLANTS_WEBHOOK_ALLOW_PRIVATE", "webhook_allow_private", Kind::Flag),
    ("SPLANTS_BATCH_MAX", "batch_max", Kind::Whole("a whole number")),
    ("SPLANTS_BATCH_CONCURRENCY", "batch_concurrency", Kind::Whole("a whole number")),
    ("SPLANTS_TEMPLATES_DIR", "templates_dir", Kind::Text),
    ("SPLANTS_FREELANCE_RATES", "freelance_rates", Kind::Text),
];

/// The [`Settings`] the variables describe; a value of the wrong shape names its variable.
fn settings_from_env(v: &Vars) -> Result<Settings> {
    use serde_json::Value;
    let mut map = serde_json::Map::new();
    let mut tiers = serde_json::Map::new();
    for &(var, field, kind) in ENV {
        let Some(raw) = v.get(var) else { continue };
        let not = |what: &str| Error::config(var, format!("`{raw}` is not {what}"));
        let value = match kind {
            Kind::Text => Value::String(raw.to_owned()),
            Kind::Number(what) => serde_json::Number::from_f64(raw.parse::<f64>().map_err(|_| not(what))?)
                .map(Value::Number)
                .ok_or_else(|| not(what))?,
            Kind::Whole(what) => Value::from(raw.parse::<u64>().map_err(|_| not(what))?),
            Kind::Flag => Value::Bool(v.bool(var)?.unwrap_or(false)),
            Kind::Numbers => Value::Array(
                raw.split(',')
                    .map(|p| {
                        p.trim()
                            .parse::<u8>()
                            .map(Value::from)
                            .map_err(|_| Error::config(var, format!("`{}` is not a percentage in 1..=100", p.trim())))
                    })
                    .collect::<Result<_>>()?,
            ),
            Kind::Words => Value::Array(raw.split(',').map(|w| Value::String(w.trim().to_owned())).collect()),
        };
        match field.strip_prefix("rate_limits.") {
            Some(tier) => {
                tiers.insert(tier.to_owned(), value);
            }
            None => {
                map.insert(field.to_owned(), value);
            }
        }
    }
    if !tiers.is_empty() {
        map.insert("rate_limits".to_owned(), Value::Object(tiers));
    }
    let de = serde_json::Value::Object(map);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let var = ENV.iter().find(|(_, f, _)| *f == field).map_or(field, |(var, _, _)| (*var).to_owned());
        Error::config(var, format!("is out of range: {}", e.inner()))
    })
}

impl Config {
    /// Reads the process environment, with a `.env` file in the working directory filling in
    /// variables that are not set.
    pub fn from_env() -> Result<Self> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(iter) = dotenvy::from_path_iter(".env") {
            for (k, v) in iter.flatten() {
                vars.insert(k, v);
            }
        }
        vars.extend(std::env::vars());
        Config::from_vars(vars)
    }

    /// Reads settings from the given variables only (for tests and embedding).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let v = Vars(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        let mut c = Config::default();
        // Everything a binding can set too goes through `Config::apply`, so it is checked the
        // same way; errors are renamed from the setting to its variable.
        c.apply(settings_from_env(&v)?).map_err(|e| match e {
            Error::Config { field, reason } => {
                let var = ENV.iter().find(|(_, f, _)| *f == field).map_or(field, |(var, _, _)| (*var).to_owned());
                Error::config(var, reason)
            }
            other => other,
        })?;
        c.read_db_pool(&v)?;
        c.debug = v.bool("DEBUG")?.unwrap_or(false);
        c.log_level = match v.get("LOG_LEVEL") {
            Some(l) => {
                let l = l.to_ascii_lowercase();
                let l = if l == "warning" {
                    "warn".to_owned()
                } else if l == "critical" {
                    "error".to_owned()
                } else {
                    l
                };
                if !["trace", "debug", "info", "warn", "error"].contains(&l.as_str()) {
                    return Err(Error::config(
                        "LOG_LEVEL",
                        format!("`{l}` is not one of: trace, debug, info, warning, error"),
                    ));
                }
                l
            }
            None if c.debug => "debug".to_owned(),
            None => "info".to_owned(),
        };
        c.log_format = match v.get("LOG_FORMAT").map(str::to_ascii_lowercase).as_deref() {
            None | Some("text" | "human" | "pretty") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(Error::config("LOG_FORMAT", format!("`{other}` is not one of: text, json"))),
        };
        if let Some(h) = v.string("HOST") {
            c.host = h;
        }
        if let Some(p) = v.parse::<u16>("PORT", "a TCP port number")? {
            c.port = p;
        }
        if let Some(n) = v.parse::<usize>("SPLANTS_BODY_LIMIT_BYTES", "a whole number of bytes")? {
            if !(1024..=64 << 20).contains(&n) {
                return Err(Error::config("SPLANTS_BODY_LIMIT_BYTES", format!("{n} is out of range 1024..=67108864")));
            }
            c.body_limit_bytes = n;
        }
        if let Some(t) = v.secs("SPLANTS_REQUEST_TIMEOUT_SECS")? {
            if t.is_zero() {
                return Err(Error::config("SPLANTS_REQUEST_TIMEOUT_SECS", "must be at least 1 second"));
            }
            c.request_timeout = t;
        }
        if v.get("SENTRY_DSN").is_some() {
            tracing::warn!("SENTRY_DSN is set but splants does not report to Sentry; errors go to the log");
        }
        Ok(c)
    }

    /// The `SPLANTS_DB_*` pool settings (the original app's asyncpg pool: 5..20 connections,
    /// 30 s to connect, 60 s per statement, idle connections closed after 300 s).
    fn read_db_pool(&mut self, v: &Vars) -> Result<()> {
        if let Some(n) = v.parse::<u32>("SPLANTS_DB_MAX_CONNECTIONS", "a whole number")? {
            if !(1..=1000).contains(&n) {
                return Err(Error::config("SPLANTS_DB_MAX_CONNECTIONS", format!("{n} is out of range 1..=1000")));
            }
            self.db_max_connections = n;
        }
        if let Some(n) = v.parse::<u32>("SPLANTS_DB_MIN_CONNECTIONS", "a whole number")? {
            self.db_min_connections = n;
        }
        if self.db_min_connections > self.db_max_connections {
            return Err(Error::config(
                "SPLANTS_DB_MIN_CONNECTIONS",
                format!(
                    "{} is more than SPLANTS_DB_MAX_CONNECTIONS ({})",
                    self.db_min_connections, self.db_max_connections
                ),
            ));
        }
        if let Some(t) = v.secs("SPLANTS_DB_ACQUIRE_TIMEOUT_SECS")? {
            if t.is_zero() || t > Duration::from_secs(3600) {
                return Err(Error::config("SPLANTS_DB_ACQUIRE_TIMEOUT_SECS", "must be 1..=3600 seconds"));
            }
            self.db_acquire_timeout = t;
        }
        if let Some(t) = v.secs("SPLANTS_DB_STATEMENT_TIMEOUT_SECS")? {
            self.db_statement_timeout = t;
        }
        if let Some(t) = v.secs("SPLANTS_DB_IDLE_TIMEOUT_SECS")? {
            self.db_idle_timeout = t;
        }
        Ok(())
    }

    /// Whether a real (non-placeholder) `API_KEY` is configured.
    pub fn api_key_configured(&self) -> bool {
        self.api_key.as_ref().is_some_and(|k| k.expose() != PLACEHOLDER_API_KEY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_env_names_work() {
        let c = Config::from_vars([
            ("API_KEY", "k-123"),
            ("OPENAI_API_KEY", "sk-test"),
            ("ANTHROPIC_API_KEY", "sk-ant"),
            ("MONTHLY_AI_BUDGET", "500"),
            ("DATABASE_URL", "postgresql://u:p@localhost:5432/splants"),
            ("REDIS_URL", "redis://localhost:6379"),
            ("CACHE_ENABLED", "true"),
            ("ALLOWED_ORIGINS", "http://localhost:3000, https://yourdomain.com"),
            ("WEBHOOK_CONTENT_GENERATED_URL", "https://hooks.example.com/gen"),
            ("LOG_LEVEL", "WARNING"),
            ("DEBUG", "false"),
            ("SPLANTS_BUDGET_UTC_OFFSET", "+02:00"),
        ])
        .unwrap();
        assert_eq!(c.monthly_budget, Usd::from_dollars(500.0));
        assert!(c.cache_enabled);
        assert_eq!(c.allowed_origins, vec!["http://localhost:3000", "https://yourdomain.com"]);
        assert_eq!(c.log_level, "warn");
        assert_eq!(c.budget_period.utc_offset_minutes(), 120);
        assert!(c.api_key_configured());
        assert_eq!(format!("{:?}", c.openai_api_key), "Some(Secret([redacted]))");
        assert!(!format!("{c:?}").contains("sk-test"));
        let c = Config::from_vars([
            ("DATABASE_URL", "postgresql://app:hunter2@db:5432/x"),
            ("REDIS_URL", "redis://:s3cret@cache:6379"),
            ("WEBHOOK_CONTENT_GENERATED_URL", "https://hooks.example.com/x?token=abc123"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        for secret in ["hunter2", "s3cret", "abc123"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("postgresql://app:[redacted]@db:5432/x"), "{shown}");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("MONTHLY_AI_BUDGET", "lots"),
            ("MONTHLY_AI_BUDGET", "-5"),
            ("CACHE_ENABLED", "maybe"),
            ("PORT", "99999"),
            ("DATABASE_URL", "mysql://x"),
            ("SPLANTS_PROVIDER", "gemini"),
            ("SPLANTS_BUDGET_PERIOD", "fortnight"),
            ("SPLANTS_BUDGET_RESET_DAY", "31"),
            ("SPLANTS_BUDGET_ALERTS", "50,150"),
            ("SPLANTS_BUDGET_DEGRADE", "sometimes"),
            ("LOG_FORMAT", "xml"),
            ("SPLANTS_RATE_FREE_PER_HOUR", "0"),
            ("SPLANTS_DEFAULT_TIER", "gold"),
            ("SPLANTS_DB_MAX_CONNECTIONS", "0"),
            ("SPLANTS_DB_MAX_CONNECTIONS", "many"),
            ("SPLANTS_DB_MIN_CONNECTIONS", "50"),
            ("SPLANTS_DB_ACQUIRE_TIMEOUT_SECS", "0"),
            ("SPLANTS_DB_STATEMENT_TIMEOUT_SECS", "1m"),
            ("SPLANTS_DB_IDLE_TIMEOUT_SECS", "-1"),
        ];
        for (name, value) in cases {
            let err = Config::from_vars([(name, value)]).unwrap_err();
            match &err {
                Error::Config { field, .. } => assert_eq!(field, name, "{err}"),
                other => panic!("{name}: {other:?}"),
            }
        }
        let err = Config::from_vars([("OPENAI_BASE_URL", "ftp://user:pw@host")]).unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }

    #[test]
    fn defaults_and_placeholder() {
        let c = Config::from_vars(Vec::<(String, String)>::new()).unwrap();
        assert_eq!(c.database_url, "sqlite://splants.db");
        assert_eq!((c.db_min_connections, c.db_max_connections), (5, 20));
        assert_eq!(c.db_acquire_timeout, Duration::from_secs(30));
        assert_eq!(c.db_statement_timeout, Duration::from_secs(60));
        assert_eq!(c.db_idle_timeout, Duration::from_secs(300));
        let c = Config::from_vars([
            ("SPLANTS_DB_MIN_CONNECTIONS", "1"),
            ("SPLANTS_DB_MAX_CONNECTIONS", "4"),
            ("SPLANTS_DB_ACQUIRE_TIMEOUT_SECS", "2"),
            ("SPLANTS_DB_STATEMENT_TIMEOUT_SECS", "0"),
            ("SPLANTS_DB_IDLE_TIMEOUT_SECS", "30"),
        ])
        .unwrap();
        assert_eq!((c.db_min_connections, c.db_max_connections), (1, 4));
        assert_eq!(c.db_acquire_timeout, Duration::from_secs(2));
        assert_eq!((c.db_statement_timeout, c.db_idle_timeout), (Duration::ZERO, Duration::from_secs(30)));
        assert_eq!(c.batch_max, 10);
        assert!(!c.cache_enabled);
        assert!(!c.api_key_configured());
        let c = Config::from_vars([("API_KEY", PLACEHOLDER_API_KEY), ("DEBUG", "true"), ("MONTHLY_AI_BUDGET", "")])
            .unwrap();
        assert!(!c.api_key_configured());
        assert_eq!(c.log_level, "debug");
        assert_eq!(c.monthly_budget, Usd::from_dollars(100.0));
        assert_eq!(
            "model:gpt-6-luna".parse::<DegradePolicy>().unwrap(),
            DegradePolicy::CheaperModel("gpt-6-luna".into())
        );
        assert_eq!("shrink:128".parse::<DegradePolicy>().unwrap(), DegradePolicy::ShrinkMaxTokens { min_tokens: 128 });
    }
}
