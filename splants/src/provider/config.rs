//! `ProviderConfig`: which provider writes, with which key, model, limits and prices.

use crate::error::{Error, Result, redact};
use crate::secret::Secret;
use crate::setting::{self, check_range, check_seconds, check_url};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Which provider writes the copy.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenAI if `OPENAI_API_KEY` is set (with Anthropic as fallback when its key is set too),
    /// else Anthropic, else an OpenAI-compatible server if `OPENAI_BASE_URL` is set, else offline.
    #[default]
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
                "provider.kind",
                format!("unknown provider `{other}`; expected one of: auto, openai, anthropic, compatible, offline"),
            )),
        }
    }
}

impl<'de> Deserialize<'de> for ProviderKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|e: Error| serde::de::Error::custom(setting::reason_of(e)))
    }
}

/// The provider section of [`crate::config::Config`].
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// Which provider writes (`SPLANTS_PROVIDER`, default auto).
    pub kind: ProviderKind,
    /// `OPENAI_API_KEY`.
    #[serde(deserialize_with = "setting::secret")]
    pub openai_api_key: Option<Secret>,
    /// `OPENAI_BASE_URL`: an OpenAI-compatible server or gateway (`http(s)://…`).
    #[serde(deserialize_with = "setting::text")]
    pub openai_base_url: Option<String>,
    /// `ANTHROPIC_API_KEY`.
    #[serde(deserialize_with = "setting::secret")]
    pub anthropic_api_key: Option<Secret>,
    /// `ANTHROPIC_BASE_URL`.
    #[serde(deserialize_with = "setting::text")]
    pub anthropic_base_url: Option<String>,
    /// `SPLANTS_MODEL`: the primary provider's model (defaults: OpenAI `gpt-6-luna`,
    /// Anthropic `claude-haiku-5-5`; required for compatible servers).
    #[serde(deserialize_with = "setting::text")]
    pub model: Option<String>,
    /// `SPLANTS_FALLBACK_MODEL`: the fallback provider's model.
    #[serde(deserialize_with = "setting::text")]
    pub fallback_model: Option<String>,
    /// `SPLANTS_PROVIDER_TIMEOUT_SECS` (60): per attempt, at least 1 ms.
    #[serde(deserialize_with = "setting::seconds")]
    pub timeout: Duration,
    /// `SPLANTS_PROVIDER_MAX_ATTEMPTS` (3): attempts per provider, first one included (1..=10).
    pub max_attempts: u32,
    /// `SPLANTS_MAX_OUTPUT_TOKENS` (8192): cap on `max_tokens` (64..=1,000,000).
    pub max_output_tokens: u32,
    /// `SPLANTS_REASONING_TOKENS` (0): extra output tokens allowed for reasoning models.
    pub reasoning_tokens: u32,
    /// `SPLANTS_TEMPERATURE`: sampling temperature in 0..=2 (provider default when unset).
    pub temperature: Option<f32>,
    /// `SPLANTS_PRICES`: price overrides as JSON text (given as an object or its text), see
    /// [`crate::provider::PriceTable::apply_overrides_json`].
    #[serde(deserialize_with = "prices")]
    pub prices: Option<String>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig {
            kind: ProviderKind::Auto,
            openai_api_key: None,
            openai_base_url: None,
            anthropic_api_key: None,
            anthropic_base_url: None,
            model: None,
            fallback_model: None,
            timeout: Duration::from_secs(60),
            max_attempts: 3,
            max_output_tokens: 8192,
            reasoning_tokens: 0,
            temperature: None,
            prices: None,
        }
    }
}

impl ProviderConfig {
    /// Checks every setting; the error names it (`provider.max_attempts`). Prices are checked
    /// when the engine applies them (their errors name the model).
    pub fn validate(&self) -> Result<()> {
        check_url("provider.openai_base_url", self.openai_base_url.as_deref(), &["http", "https"])?;
        check_url("provider.anthropic_base_url", self.anthropic_base_url.as_deref(), &["http", "https"])?;
        check_seconds("provider.timeout", self.timeout, 0.001, 365.0 * 86_400.0)?;
        check_range("provider.max_attempts", self.max_attempts, 1, 10)?;
        check_range("provider.max_output_tokens", self.max_output_tokens, 64, 1_000_000)?;
        if let Some(t) = self.temperature {
            if !t.is_finite() {
                return Err(Error::config("provider.temperature", format!("{t} is not a number")));
            }
            check_range("provider.temperature", t, 0.0, 2.0)?;
        }
        Ok(())
    }
}

/// Prices as an object of model cards or as its JSON text; kept as JSON text.
fn prices<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text)),
        Some(v @ serde_json::Value::Object(_)) => Ok(Some(v.to_string())),
        Some(_) => Err(serde::de::Error::custom("must be an object of model prices or its JSON text")),
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("kind", &self.kind)
            .field("openai_api_key", &self.openai_api_key)
            .field("openai_base_url", &self.openai_base_url.as_deref().map(redact))
            .field("anthropic_api_key", &self.anthropic_api_key)
            .field("anthropic_base_url", &self.anthropic_base_url.as_deref().map(redact))
            .field("model", &self.model)
            .field("fallback_model", &self.fallback_model)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("max_output_tokens", &self.max_output_tokens)
            .field("reasoning_tokens", &self.reasoning_tokens)
            .field("temperature", &self.temperature)
            .field("prices", &self.prices)
            .finish()
    }
}
