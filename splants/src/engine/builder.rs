//! Building an engine from a `Config` and optional parts.

use super::{ContentEngine, EngineInner};
use crate::auth::KeyManager;
use crate::budget::{BudgetConfig, BudgetGuard};
use crate::cache::ContentCache;
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::EventSink;
use crate::provider::{
    CompletionRequest, FallbackProvider, OfflineProvider, PriceTable, Provider, RetryPolicy, RetryingProvider,
};
use crate::provider::{ProviderConfig, ProviderKind};
use crate::ratelimit::{MemoryRateLimiter, RateLimiter};
use crate::storage::Stores;
use crate::template::TemplateRegistry;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`ContentEngine`]; every part not given is made from the [`Config`].
#[derive(Default)]
#[must_use]
pub struct ContentEngineBuilder {
    config: Option<Config>,
    provider: Option<Arc<dyn Provider>>,
    stores: Option<Stores>,
    limiter: Option<Arc<dyn RateLimiter>>,
    clock: Option<SharedClock>,
    templates: Option<TemplateRegistry>,
    prices: Option<PriceTable>,
    events: Option<EventSink>,
    publishers: Option<crate::schedule::Publishers>,
    scheduler: Option<bool>,
    #[cfg(feature = "redis")]
    redis: Option<crate::redis_conn::RedisConnection>,
    #[cfg(feature = "webhooks")]
    webhook_resolver: Option<Arc<dyn crate::webhook::HostResolver>>,
}

impl std::fmt::Debug for ContentEngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentEngineBuilder").field("config", &self.config).finish_non_exhaustive()
    }
}

impl ContentEngineBuilder {
    /// Uses `config` (default: [`Config::default`], which does not read the environment).
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Uses this provider (or chain) instead of the one the config describes.
    pub fn provider(mut self, provider: Arc<dyn Provider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Uses these stores (library, usage, keys, events, budget ledger). Without them every
    /// store is opened from `DATABASE_URL` (see [`crate::storage::open`]).
    pub fn stores(mut self, stores: Stores) -> Self {
        self.stores = Some(stores);
        self
    }

    /// Keeps every store in memory (nothing touches the disk): [`Stores::memory`].
    pub fn in_memory(self) -> Self {
        self.stores(Stores::memory())
    }

    /// Uses this rate limiter (it wins over the Redis limiter a `REDIS_URL` would give).
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Uses this clock (tests use [`crate::clock::FakeClock`]).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses this template registry (default: the built-in pack plus `SPLANTS_TEMPLATES_DIR`).
    pub fn templates(mut self, templates: TemplateRegistry) -> Self {
        self.templates = Some(templates);
        self
    }

    /// Uses this price table (default: the built-in table plus `SPLANTS_PRICES`).
    pub fn prices(mut self, prices: PriceTable) -> Self {
        self.prices = Some(prices);
        self
    }

    /// Uses this Redis connection (e.g. with its own key prefix) instead of connecting to
    /// `REDIS_URL`: for the default rate limiter and, with `CACHE_ENABLED`, the shared cache.
    #[cfg(feature = "redis")]
    pub fn redis(mut self, redis: crate::redis_conn::RedisConnection) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Publishes events on this sink (to share it with other components).
    pub fn events(mut self, events: EventSink) -> Self {
        self.events = Some(events);
        self
    }

    /// Publishes through these publishers (by account name) instead of those
    /// `SPLANTS_PUBLISH_ACCOUNTS` configures: tests, or a platform splants does not have.
    pub fn publishers(mut self, publishers: crate::schedule::Publishers) -> Self {
        self.publishers = Some(publishers);
        self
    }

    /// Whether the publishing worker starts with the engine (as
    /// [`ContentEngine::start_scheduler`] does later). By default it starts when
    /// `schedule.enabled` (`SPLANTS_SCHEDULER`, default true) and at least one account is
    /// configured: an engine with nowhere to publish does not poll.
    pub fn scheduler(mut self, run: bool) -> Self {
        self.scheduler = Some(run);
        self
    }

    /// Resolves webhook hosts with `resolver` instead of the system resolver, at start-up and
    /// on every connection; the SSRF guard still judges every address it answers.
    #[cfg(feature = "webhooks")]
    pub fn webhook_resolver(mut self, resolver: Arc<dyn crate::webhook::HostResolver>) -> Self {
        self.webhook_resolver = Some(resolver);
        self
    }

    /// Builds the engine. Fails with a config error when a part cannot be made, when a paid
    /// model has no price (a budget cannot guard an unpriced model), or when `REDIS_URL` is set
    /// and Redis does not answer; with a storage error when the database `DATABASE_URL` names
    /// cannot be opened.
    ///
    /// With `REDIS_URL` (feature `redis`), rate limits default to `RedisRateLimiter`
    /// and, with `CACHE_ENABLED`, the cache is shared through Redis; Redis is not contacted when
    /// neither needs it (a limiter was given and the cache is off).
    pub async fn build(self) -> Result<ContentEngine> {
        let config = self.config.unwrap_or_default();
        config.validate()?;
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let events = self.events.unwrap_or_default();
        let prices = match self.prices {
            Some(p) => p,
            None => {
                let mut p = PriceTable::builtin();
                if let Some(json) = &config.provider.prices {
                    p.apply_overrides_json(json)?;
                }
                p
            }
        };
        let provider = match self.provider {
            Some(p) => p,
            None => provider_from_config(&config.provider)?,
        };
        if !provider.is_free() {
            // No text to count, so no tokenizer is loaded just to find the models.
            let probe = CompletionRequest::new(Vec::new(), 1);
            for target in provider.billing_targets(&probe) {
                prices.require(&target.model)?;
            }
        }
        let stores = match self.stores {
            Some(stores) => stores,
            None => crate::storage::open(&config.storage).await?,
        };
        let templates = match self.templates {
            Some(t) => t,
            None => {
                let t = TemplateRegistry::with_builtins();
                if let Some(dir) = &config.templates.dir {
                    t.load_dir(dir)?;
                }
                t
            }
        };
        let budget_config =
            BudgetConfig { lease: config.budget.lease.max(lease_for(&config.provider)), ..config.budget.clone() };
        let budget = BudgetGuard::new(Arc::clone(&stores.ledger), Arc::clone(&clock), budget_config, events.clone());
        let cache = config.cache.enabled.then(|| ContentCache::new(config.cache.capacity, config.cache.ttl));
        #[cfg(feature = "redis")]
        let redis = match (self.redis, &config.redis.url) {
            (Some(r), _) => Some(r),
            (None, Some(url)) if self.limiter.is_none() || config.cache.enabled => Some(connect_redis(url).await?),
            _ => None,
        };
        #[cfg(feature = "redis")]
        let (limiter, cache): (Arc<dyn RateLimiter>, _) = match &redis {
            Some(r) => (
                self.limiter.unwrap_or_else(|| {
                    Arc::new(crate::ratelimit::RedisRateLimiter::new(r.clone(), Arc::clone(&clock)))
                }),
                cache.map(|c| c.with_redis(r.clone())),
            ),
            None => (self.limiter.unwrap_or_else(|| Arc::new(MemoryRateLimiter::new(Arc::clone(&clock)))), cache),
        };
        #[cfg(not(feature = "redis"))]
        let limiter = self.limiter.unwrap_or_else(|| Arc::new(MemoryRateLimiter::new(Arc::clone(&clock))));
        #[cfg(not(feature = "redis"))]
        if config.redis.url.is_some() {
            tracing::warn!(
                "REDIS_URL is set but splants was built without the `redis` feature: rate limits and the cache stay in this process"
            );
        }
        let keys =
            KeyManager::new(Arc::clone(&stores.keys), Arc::clone(&clock), config.rate_limits.default_tier.clone())
                .with_rate_limiter(Arc::clone(&limiter))
                .with_tiers(config.rate_limits.tiers.keys().cloned());
        if let Some(secret) = &config.auth.api_key {
            if config.api_key_configured() {
                keys.bootstrap(secret).await?;
            } else {
                tracing::warn!("API_KEY is the original app's placeholder; it is not accepted as a key");
            }
        }
        tracing::info!(
            provider = provider.name(),
            model = provider.default_model(),
            storage = stores.backend.name(),
            budget = ?config.budget.global_limit.map(|b| b.to_string()),
            cache = config.cache.enabled,
            shared_cache = cache.as_ref().is_some_and(ContentCache::is_shared),
            "content engine ready"
        );
        #[cfg(feature = "webhooks")]
        let webhooks = {
            let reports = Arc::new(super::reports::StoredReports(stores.clone()));
            let mut dispatcher =
                crate::webhook::WebhookDispatcher::new(config.webhooks.clone(), reports, Arc::clone(&clock));
            if let Some(resolver) = self.webhook_resolver {
                dispatcher = dispatcher.resolver(resolver);
            }
            dispatcher.start(events.subscribe()).await?
        };
        let publishers = match self.publishers {
            Some(p) => p,
            None => default_publishers(&config)?,
        };
        let engine = ContentEngine {
            inner: Arc::new(EngineInner {
                config,
                provider,
                prices,
                budget,
                limiter,
                cache,
                stores,
                templates,
                clock,
                events,
                keys,
                calls: Arc::default(),
                publishers: Arc::new(publishers),
                scheduler: parking_lot::Mutex::new(None),
                scheduler_wake: Arc::default(),
                #[cfg(feature = "redis")]
                redis,
                #[cfg(feature = "webhooks")]
                webhooks,
                started: std::time::Instant::now(),
                provider_health: parking_lot::Mutex::new(None),
                cpu_sample: parking_lot::Mutex::new(super::health::CpuSample::now()),
            }),
        };
        let run = self.scheduler.unwrap_or(engine.inner.config.schedule.enabled && !engine.inner.publishers.is_empty());
        if run {
            engine.start_scheduler()?;
        }
        Ok(engine)
    }
}

/// The publishers of the configured accounts.
#[cfg(feature = "publish")]
fn default_publishers(config: &Config) -> Result<crate::schedule::Publishers> {
    crate::publish::build_all(&config.publish, config.schedule.request_timeout)
}

/// Without the `publish` feature there are no platform publishers: configured accounts are an
/// error rather than posts that could never go out.
#[cfg(not(feature = "publish"))]
fn default_publishers(config: &Config) -> Result<crate::schedule::Publishers> {
    if config.publish.accounts.is_empty() {
        Ok(crate::schedule::Publishers::new())
    } else {
        Err(Error::config("publish.accounts", "publishing to platforms needs the `publish` feature"))
    }
}

/// Connects to `REDIS_URL`; any failure is a config error naming it (never the password).
#[cfg(feature = "redis")]
async fn connect_redis(url: &str) -> Result<crate::redis_conn::RedisConnection> {
    crate::redis_conn::RedisConnection::connect(url).await.map_err(|e| match e {
        Error::Config { reason, .. } => Error::config("REDIS_URL", reason),
        Error::Storage { message, .. } => Error::config("REDIS_URL", format!("{message} (is Redis running?)")),
        other => other,
    })
}

/// A hold must outlive the slowest legitimate call: every attempt timing out plus the waits.
fn lease_for(config: &ProviderConfig) -> Duration {
    let attempts = config.max_attempts.max(1) * 2; // primary and fallback
    (config.timeout * attempts + Duration::from_secs(120)).max(Duration::from_secs(15 * 60))
}

/// The default model of each provider when `SPLANTS_MODEL` is unset.
pub const DEFAULT_OPENAI_MODEL: &str = "gpt-6-luna";
/// The default Anthropic model.
pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-haiku-5-5";

/// Builds the provider chain the config describes, each member with retries.
pub fn provider_from_config(c: &ProviderConfig) -> Result<Arc<dyn Provider>> {
    let kind = match c.kind {
        ProviderKind::Auto if c.openai_api_key.is_some() => ProviderKind::OpenAi,
        ProviderKind::Auto if c.anthropic_api_key.is_some() => ProviderKind::Anthropic,
        ProviderKind::Auto if c.openai_base_url.is_some() => ProviderKind::Compatible,
        ProviderKind::Auto => ProviderKind::Offline,
        k => k,
    };
    let policy = RetryPolicy { max_attempts: c.max_attempts, ..RetryPolicy::default() };
    let retrying = |p: Arc<dyn Provider>| -> Arc<dyn Provider> { Arc::new(RetryingProvider::new(p, policy.clone())) };
    let primary = match kind {
        ProviderKind::Offline => return Ok(Arc::new(OfflineProvider::new())),
        k => retrying(single(k, c, c.model.as_deref())?),
    };
    // With both keys, the other vendor is the fallback (the original used GPT and optionally Claude).
    let fallback_kind = match kind {
        ProviderKind::OpenAi | ProviderKind::Compatible if c.anthropic_api_key.is_some() => {
            Some(ProviderKind::Anthropic)
        }
        ProviderKind::Anthropic if c.openai_api_key.is_some() => Some(ProviderKind::OpenAi),
        _ => None,
    };
    match fallback_kind {
        None => Ok(primary),
        Some(fk) => {
            let secondary = retrying(single(fk, c, c.fallback_model.as_deref())?);
            Ok(Arc::new(FallbackProvider::new(vec![primary, secondary])?))
        }
    }
}

#[allow(unused_variables)]
fn single(kind: ProviderKind, c: &ProviderConfig, model: Option<&str>) -> Result<Arc<dyn Provider>> {
    #[cfg(any(feature = "openai", feature = "anthropic"))]
    let options = |key: Option<&crate::secret::Secret>, base: Option<&String>| crate::provider::HttpOptions {
        base_url: base.cloned(),
        api_key: key.map(|k| k.expose().to_owned()),
        timeout: c.timeout,
        ..crate::provider::HttpOptions::default()
    };
    match kind {
        #[cfg(feature = "openai")]
        ProviderKind::OpenAi => {
            if c.openai_api_key.is_none() {
                return Err(Error::config("OPENAI_API_KEY", "is required for SPLANTS_PROVIDER=openai"));
            }
            let model = model.unwrap_or(DEFAULT_OPENAI_MODEL);
            Ok(Arc::new(crate::provider::OpenAiProvider::with_options(
                "openai",
                model,
                options(c.openai_api_key.as_ref(), c.openai_base_url.as_ref()),
            )?))
        }
        #[cfg(feature = "openai")]
        ProviderKind::Compatible => {
            let base = c.openai_base_url.as_ref().ok_or_else(|| {
                Error::config(
                    "OPENAI_BASE_URL",
                    "is required for an OpenAI-compatible server (e.g. http://localhost:11434/v1)",
                )
            })?;
            let model = model.ok_or_else(|| {
                Error::config("SPLANTS_MODEL", "is required for an OpenAI-compatible server (e.g. llama3.1)")
            })?;
            Ok(Arc::new(crate::provider::OpenAiProvider::with_options(
                "compatible",
                model,
                options(c.openai_api_key.as_ref(), Some(base)),
            )?))
        }
        #[cfg(feature = "anthropic")]
        ProviderKind::Anthropic => {
            if c.anthropic_api_key.is_none() {
                return Err(Error::config("ANTHROPIC_API_KEY", "is required for SPLANTS_PROVIDER=anthropic"));
            }
            let model = model.unwrap_or(DEFAULT_ANTHROPIC_MODEL);
            Ok(Arc::new(crate::provider::AnthropicProvider::with_options(
                model,
                options(c.anthropic_api_key.as_ref(), c.anthropic_base_url.as_ref()),
            )?))
        }
        ProviderKind::Offline => Ok(Arc::new(OfflineProvider::new())),
        #[allow(unreachable_patterns)]
        other => Err(Error::config(
            "SPLANTS_PROVIDER",
            format!("{other:?} needs splants built with the `openai`/`anthropic` feature"),
        )),
    }
}
