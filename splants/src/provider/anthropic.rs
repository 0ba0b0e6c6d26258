//! Anthropic messages API (`POST {base}/v1/messages`).
//!
//! Anthropic's `input_tokens` already excludes cache reads and writes, which is [`Usage`]'s
//! convention, so it is taken as is; `cache_creation_input_tokens` is split by retention when
//! the `cache_creation` breakdown is present. Mixing this with OpenAI's inclusive convention
//! would double-count the cache writes (see `PRICING.md`).

use super::http::{HttpOptions, Transport, check_base_url, check_request, request_model, require, secret_header};
use super::{BillingTarget, Completion, CompletionRequest, FinishReason, Message, Provider, Role, Usage, tokens};
use crate::error::{Error, Result};
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The official API; the SDKs' `ANTHROPIC_BASE_URL` has no `/v1`.
const OFFICIAL_BASE_URL: &str = "https://api.anthropic.com";
/// The API version this adapter speaks.
const API_VERSION: &str = "2023-06-01";

/// An Anthropic messages-API provider (name `anthropic`).
#[derive(Debug)]
pub struct AnthropicProvider {
    model: String,
    /// `x-api-key`, marked sensitive.
    api_key: HeaderValue,
    transport: Transport,
}

impl AnthropicProvider {
    /// The official Anthropic API with `api_key` and `model`.
    pub fn new(api_key: impl Into<String>, model: impl Into<String>) -> Result<Self> {
        Self::with_options(model, HttpOptions { api_key: Some(api_key.into()), ..HttpOptions::default() })
    }

    /// Full control: `options.api_key` is required; `options.base_url` (with or without a
    /// trailing `/v1`) points at a proxy or gateway speaking the same API.
    pub fn with_options(model: impl Into<String>, options: HttpOptions) -> Result<Self> {
        let model = require(&model.into(), "SPLANTS_MODEL", "the model")?;
        let key = options.api_key.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
        let Some(key) = key else {
            return Err(Error::config("ANTHROPIC_API_KEY", "an API key is required for the Anthropic API"));
        };
        let base_url = match options.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => strip_v1(check_base_url(url, "ANTHROPIC_BASE_URL")?),
            None => OFFICIAL_BASE_URL.to_owned(),
        };
        let api_key = secret_header(&key, "ANTHROPIC_API_KEY")?;
        let transport = Transport::new("anthropic", base_url, &HttpOptions { api_key: Some(key), ..options })?;
        Ok(AnthropicProvider { model, api_key, transport })
    }

    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static("x-api-key"), self.api_key.clone());
        headers.insert(HeaderName::from_static("anthropic-version"), HeaderValue::from_static(API_VERSION));
        headers
    }
}

/// The base without a trailing `/v1` path segment, since the paths used add it.
fn strip_v1(url: String) -> String {
    let has_v1_path = reqwest::Url::parse(&url).is_ok_and(|u| u.path().ends_with("/v1"));
    match url.strip_suffix("/v1") {
        Some(base) if has_v1_path => base.to_owned(),
        _ => url,
    }
}

#[derive(Serialize)]
struct MessagesRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    messages: Vec<&'a Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
}

#[derive(Deserialize)]
struct MessagesResponse {
    #[serde(default)]
    model: Option<String>,
    content: Vec<Block>,
    #[serde(default)]
    stop_reason: Option<String>,
    usage: WireUsage,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    input_tokens: u64,
    output_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation: Option<CacheCreation>,
    #[serde(default)]
    service_tier: Option<String>,
    #[serde(default)]
    inference_geo: Option<String>,
}

#[derive(Deserialize)]
struct CacheCreation {
    #[serde(default)]
    ephemeral_5m_input_tokens: Option<u64>,
    #[serde(default)]
    ephemeral_1h_input_tokens: Option<u64>,
}

/// Anthropic's exclusive counts into [`Usage`]. With the `cache_creation` breakdown, 5-minute
/// writes go to `cache_write_tokens` and 1-hour writes to `cache_write_long_tokens`; any part of
/// `cache_creation_input_tokens` the breakdown does not explain is priced as a 1-hour write
/// (the dearer one). Without the breakdown every write is a 5-minute write (the API default).
fn normalise(u: &WireUsage) -> Usage {
    let created = u.cache_creation_input_tokens.unwrap_or(0);
    let (short, long) = match &u.cache_creation {
        Some(c) => {
            let (w5, w1) = (c.ephemeral_5m_input_tokens.unwrap_or(0), c.ephemeral_1h_input_tokens.unwrap_or(0));
            (w5, w1.saturating_add(created.saturating_sub(w5.saturating_add(w1))))
        }
        None => (created, 0),
    };
    Usage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cached_tokens: u.cache_read_input_tokens.unwrap_or(0),
        cache_write_tokens: short,
        cache_write_long_tokens: long,
        reasoning_tokens: 0,
    }
}

fn finish_reason(reason: Option<&str>) -> FinishReason {
    match reason {
        Some("end_turn" | "stop_sequence") => FinishReason::Stop,
        Some("max_tokens") => FinishReason::Length,
        Some("refusal") => FinishReason::ContentFilter,
        Some(other) => FinishReason::Other(other.to_owned()),
        None => FinishReason::Other("unknown".to_owned()),
    }
}

/// All system messages joined by a blank line (Anthropic takes them as one top-level field).
fn system_prompt(messages: &[Message]) -> Option<String> {
    let parts: Vec<&str> = messages
        .iter()
        .filter(|m| m.role == Role::System && !m.content.trim().is_empty())
        .map(|m| m.content.as_str())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

#[async_trait]
impl Provider for AnthropicProvider {
    fn name(&self) -> &str {
        "anthropic"
    }

    fn default_model(&self) -> &str {
        &self.model
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        check_request(request)?;
        let messages: Vec<&Message> = request.messages.iter().filter(|m| m.role != Role::System).collect();
        if messages.is_empty() {
            return Err(Error::validation("messages", "Anthropic needs at least one user or assistant message"));
        }
        let model = request_model(request, &self.model);
        let body = MessagesRequest {
            model,
            max_tokens: request.max_tokens,
            system: system_prompt(&request.messages),
            messages,
            temperature: request.temperature,
        };
        let started = Instant::now();
        let http = self.transport.post("/v1/messages").headers(self.headers()).json(&body);
        let (status, bytes) = self.transport.send(http).await?;
        let parsed: MessagesResponse = serde_json::from_slice(&bytes)
            .map_err(|e| self.transport.invalid_response(status, &format!("not a messages response ({e})")))?;
        let text: String =
            parsed.content.iter().filter(|b| b.kind == "text").filter_map(|b| b.text.as_deref()).collect();
        Ok(Completion {
            text,
            usage: normalise(&parsed.usage),
            finish_reason: finish_reason(parsed.stop_reason.as_deref()),
            model: parsed.model.filter(|m| !m.is_empty()).unwrap_or_else(|| model.to_owned()),
            provider: "anthropic".to_owned(),
            service_tier: parsed.usage.service_tier,
            inference_geo: parsed.usage.inference_geo,
            latency: started.elapsed(),
        })
    }

    fn billing_targets(&self, request: &CompletionRequest) -> Vec<BillingTarget> {
        let model = request_model(request, &self.model);
        vec![BillingTarget {
            provider: "anthropic".to_owned(),
            model: model.to_owned(),
            input_tokens: tokens::estimate(model, &request.messages),
        }]
    }

    async fn health(&self) -> Result<()> {
        self.transport.health("/v1/models", self.headers()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(json: &str) -> Usage {
        normalise(&serde_json::from_str::<WireUsage>(json).unwrap())
    }

    #[test]
    fn usage_is_exclusive_and_split_by_retention() {
        let u = usage(
            r#"{"input_tokens":50,"output_tokens":400,"cache_read_input_tokens":3000,
                "cache_creation_input_tokens":1500,
                "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":500}}"#,
        );
        let expected = Usage {
            input_tokens: 50,
            output_tokens: 400,
            cached_tokens: 3000,
            cache_write_tokens: 1000,
            cache_write_long_tokens: 500,
            reasoning_tokens: 0,
        };
        assert_eq!(u, expected);
        assert_eq!(u.prompt_tokens(), 4550, "input + writes + reads, each counted once");
    }

    #[test]
    fn usage_without_breakdown_or_with_nulls() {
        let u = usage(
            r#"{"input_tokens":7,"output_tokens":2,"cache_creation_input_tokens":90,"cache_read_input_tokens":null}"#,
        );
        assert_eq!(u, Usage { input_tokens: 7, output_tokens: 2, cache_write_tokens: 90, ..Usage::default() });
        let short = usage(
            r#"{"input_tokens":1,"output_tokens":1,"cache_creation_input_tokens":100,
                "cache_creation":{"ephemeral_5m_input_tokens":60,"ephemeral_1h_input_tokens":10}}"#,
        );
        assert_eq!(
            (short.cache_write_tokens, short.cache_write_long_tokens),
            (60, 40),
            "unexplained part priced as 1h"
        );
    }

    #[test]
    fn stop_reasons_and_system_prompt() {
        assert_eq!(finish_reason(Some("end_turn")), FinishReason::Stop);
        assert_eq!(finish_reason(Some("stop_sequence")), FinishReason::Stop);
        assert_eq!(finish_reason(Some("max_tokens")), FinishReason::Length);
        assert_eq!(finish_reason(Some("refusal")), FinishReason::ContentFilter);
        assert_eq!(finish_reason(Some("pause_turn")), FinishReason::Other("pause_turn".into()));
        let msgs = vec![Message::system("a"), Message::user("u"), Message::system("b"), Message::system(" ")];
        assert_eq!(system_prompt(&msgs).as_deref(), Some("a\n\nb"));
        assert_eq!(system_prompt(&[Message::user("u")]), None);
    }

    #[test]
    fn constructors_validate_settings() {
        let field = |r: Result<AnthropicProvider>| match r.unwrap_err() {
            Error::Config { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(field(AnthropicProvider::new(" ", "claude-sonnet-4-5")), "ANTHROPIC_API_KEY");
        assert_eq!(field(AnthropicProvider::new("k", "")), "SPLANTS_MODEL");
        let bad_url =
            HttpOptions { base_url: Some("api.anthropic.com".into()), api_key: Some("k".into()), ..Default::default() };
        assert_eq!(field(AnthropicProvider::with_options("m", bad_url)), "ANTHROPIC_BASE_URL");
        let v1 = HttpOptions {
            base_url: Some("http://127.0.0.1:9/v1/".into()),
            api_key: Some("k".into()),
            ..Default::default()
        };
        let p = AnthropicProvider::with_options("m", v1).unwrap();
        assert_eq!(p.transport.url("/v1/messages"), "http://127.0.0.1:9/v1/messages");
        assert_eq!(strip_v1("https://gw.example/anthropic/v1".into()), "https://gw.example/anthropic");
        assert_eq!(strip_v1("http://v1".into()), "http://v1", "a host named v1 is not a path");
        assert_eq!(strip_v1("http://h/api/v10".into()), "http://h/api/v10");
    }
}
