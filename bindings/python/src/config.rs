//! Keyword arguments of `ContentEngine(...)` → [`splants::config::Config`], starting from
//! `Config::default()` and checked by the core's `Config::apply`; errors name the keyword.

use crate::convert::to_json;
use pyo3::prelude::*;
use splants::Error;
use splants::config::{Config, Settings};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The constructor's keyword arguments (all optional; see `docs/python.md`).
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub provider: Option<String>,
    pub openai_api_key: Option<String>,
    pub openai_base_url: Option<String>,
    pub anthropic_api_key: Option<String>,
    pub anthropic_base_url: Option<String>,
    pub model: Option<String>,
    pub fallback_model: Option<String>,
    pub prices: Option<String>,
    pub provider_timeout: Option<f64>,
    pub max_attempts: Option<u32>,
    pub max_output_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub database_url: String,
    pub monthly_budget: Option<f64>,
    pub budget_period: Option<String>,
    pub budget_reset_day: Option<u32>,
    pub budget_alerts: Option<Vec<u8>>,
    pub degrade: Option<String>,
    pub rate_limits: Option<BTreeMap<String, u32>>,
    pub rate_per_minute: Option<u32>,
    pub default_tier: Option<String>,
    pub cache: bool,
    pub cache_ttl: Option<f64>,
    pub cache_capacity: Option<u64>,
    pub templates_dir: Option<PathBuf>,
    pub api_key: Option<String>,
    pub batch_max: Option<usize>,
    pub batch_concurrency: Option<usize>,
}

/// `prices` may be a dict (`{"model": {"input": 2.5, "output": 10}}`) or its JSON text.
pub(crate) fn prices_json(prices: Option<&Bound<'_, PyAny>>) -> Result<Option<String>, Error> {
    let Some(p) = prices.filter(|p| !p.is_none()) else { return Ok(None) };
    if let Ok(s) = p.extract::<String>() {
        return Ok(Some(s));
    }
    Ok(Some(to_json(p, "prices")?.to_string()))
}

impl Options {
    /// The engine configuration these options describe. The keyword names are the core's
    /// [`Settings`] names, so the core checks every value and its errors name the keyword.
    pub(crate) fn into_config(self) -> Result<Config, Error> {
        let settings = Settings {
            provider: self.provider,
            openai_api_key: self.openai_api_key,
            openai_base_url: self.openai_base_url,
            anthropic_api_key: self.anthropic_api_key,
            anthropic_base_url: self.anthropic_base_url,
            model: self.model,
            fallback_model: self.fallback_model,
            prices: self.prices.map(serde_json::Value::String),
            provider_timeout: self.provider_timeout,
            max_attempts: self.max_attempts,
            max_output_tokens: self.max_output_tokens,
            temperature: self.temperature,
            database_url: Some(self.database_url),
            monthly_budget: Some(self.monthly_budget),
            budget_period: self.budget_period,
            budget_reset_day: self.budget_reset_day,
            budget_alerts: self.budget_alerts,
            degrade: self.degrade,
            rate_limits: self.rate_limits,
            rate_per_minute: self.rate_per_minute,
            default_tier: self.default_tier,
            cache: Some(self.cache),
            cache_ttl: self.cache_ttl,
            cache_capacity: self.cache_capacity,
            templates_dir: self.templates_dir.map(|d| d.to_string_lossy().into_owned()),
            api_key: self.api_key,
            batch_max: self.batch_max,
            batch_concurrency: self.batch_concurrency,
            ..Settings::default()
        };
        Config::from_settings(settings)
    }
}
