//! `Config`: every setting, from code, from the environment or from a binding's options.
//!
//! A `Config` is made of sections, each defined beside the module that uses it
//! ([`ProviderConfig`], [`BudgetConfig`], [`RateLimitConfig`], [`CacheConfig`],
//! [`StorageConfig`], …). The sections of the modules that sit above `config` — the engine's
//! [`CallsConfig`] and [`BatchConfig`], the server's [`ServerConfig`] — are defined here, in
//! `config/engine.rs` and `config/server.rs`, so no module imports one that imports it. Each section deserializes (unknown fields refused) and has its own
//! `validate()`, whose errors name the setting by its path (`provider.max_attempts`).
//!
//! Three ways in, one way through:
//! - **code**: build the sections (`Config { budget: BudgetConfig { … }, ..Config::default() }`);
//!   the engine builder calls [`Config::validate`];
//! - **the environment**: [`Config::from_env`] reads the original app's variables unchanged
//!   (`API_KEY`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `MONTHLY_AI_BUDGET`, `DATABASE_URL`,
//!   `REDIS_URL`, `CACHE_ENABLED`, `ALLOWED_ORIGINS`, `WEBHOOK_*_URL`, `LOG_LEVEL`, `DEBUG`), a
//!   `.env` file in the working directory (real environment variables win), the SDKs'
//!   `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`, `HOST` / `PORT`, and `SPLANTS_*` for everything
//!   new;
//! - **options** by name, as the Python keyword arguments and the Node options object give
//!   them: [`Config::from_options`].
//!
//! The last two go through the one table of [`settings`] (variable, option name, section field,
//! type), then the same deserialization and the same `validate()`, so the same bad value gets
//! the same error everywhere; the error names the variable or the option the user wrote. The
//! full list with defaults is in `docs/configuration.md` (a test checks the two agree). Empty
//! values count as unset. Nothing else in splants reads the environment.

mod engine;
mod env;
pub mod profiles;
#[cfg(feature = "server")]
mod server;

pub use crate::analytics::AnalyticsConfig;
pub use crate::auth::{AuthConfig, CallerLeftPolicy, PLACEHOLDER_API_KEY};
pub use crate::budget::{BudgetConfig, DegradePolicy};
pub use crate::cache::{CacheConfig, RedisConfig};
pub use crate::provider::{ProviderConfig, ProviderKind};
pub use crate::publish::PublishConfig;
pub use crate::ratelimit::RateLimitConfig;
pub use crate::schedule::ScheduleConfig;
pub use crate::storage::{PoolConfig, StorageConfig};
pub use crate::template::TemplatesConfig;
#[cfg(feature = "webhooks")]
pub use crate::webhook::WebhookConfig;
pub use engine::{BatchConfig, CallsConfig};
pub use env::{Setting, SettingType, engine_options, settings};
#[cfg(feature = "server")]
pub use server::{LogFormat, ServerConfig};

use crate::error::Result;
use serde::Deserialize;
use std::collections::HashMap;

/// Every setting of the engine (and, with the `server` feature, the server), by section.
/// `Debug` shows no secret: keys are [`crate::Secret`]s and URLs have passwords and key
/// parameters removed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Which provider writes, with which key and model, and its limits.
    pub provider: ProviderConfig,
    /// The dollar budget.
    pub budget: BudgetConfig,
    /// Generations whose caller left, and shutdown.
    pub calls: CallsConfig,
    /// Rate limits per tier and per minute.
    pub rate_limits: RateLimitConfig,
    /// The content cache.
    pub cache: CacheConfig,
    /// The Redis shared by several instances.
    pub redis: RedisConfig,
    /// The database and its pool.
    pub storage: StorageConfig,
    /// The bootstrap API key.
    pub auth: AuthConfig,
    /// Signed webhooks (feature `webhooks`).
    #[cfg(feature = "webhooks")]
    pub webhooks: WebhookConfig,
    /// Batches.
    pub batch: BatchConfig,
    /// Extra templates.
    pub templates: TemplatesConfig,
    /// What analytics compare against.
    pub analytics: AnalyticsConfig,
    /// The platform accounts posts are published to.
    pub publish: PublishConfig,
    /// How the publishing worker claims and retries.
    pub schedule: ScheduleConfig,
    /// The HTTP server (feature `server`).
    #[cfg(feature = "server")]
    pub server: ServerConfig,
}

impl Config {
    /// Checks every section; the first bad setting is a config error naming its path
    /// (`budget.alert_thresholds`).
    pub fn validate(&self) -> Result<()> {
        self.provider.validate()?;
        self.budget.validate()?;
        self.calls.validate()?;
        self.rate_limits.validate()?;
        self.cache.validate()?;
        self.redis.validate()?;
        self.storage.validate()?;
        #[cfg(feature = "webhooks")]
        self.webhooks.validate()?;
        self.batch.validate()?;
        self.publish.validate()?;
        self.schedule.validate()?;
        #[cfg(feature = "server")]
        self.server.validate()?;
        Ok(())
    }

    /// Reads the process environment, with files in the working directory filling in variables
    /// that are not set: the profile `.env.<name>` named by `SPLANTS_ENV` (or the file
    /// `SPLANTS_ENV_FILE` names), then `.env` (order and errors in [`profiles`]).
    pub fn from_env() -> Result<Self> {
        let process: HashMap<String, String> = std::env::vars().collect();
        Config::from_vars(profiles::layered(process, std::path::Path::new("."))?)
    }

    /// Reads settings from the given variables only (for tests and embedding); errors name
    /// the variable.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        env::from_vars(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// A config from options by name (`{"monthly_budget": 5, "cache": true}`), as the bindings
    /// pass them: every other setting keeps its default. Names are the `option` column of
    /// [`settings`]; an unknown name, a value of the wrong type or out of range is a config
    /// error naming the option. `null` leaves a setting at its default, except
    /// `monthly_budget: null`, which means no global limit.
    pub fn from_options(options: serde_json::Map<String, serde_json::Value>) -> Result<Self> {
        env::from_options(options)
    }

    /// Whether a real (non-placeholder) `API_KEY` is configured.
    pub fn api_key_configured(&self) -> bool {
        self.auth.api_key_configured()
    }
}
