//! Anthropic messages API (`POST {base}/v1/messages`).
//!
//! Anthropic's `input_tokens` already excludes cache reads and writes, which is [`Usage`]'s
//! convention, so it is taken as is; `cache_creation_input_tokens` is split by retention when
//! the `cache_creation` breakdown is present. Mixing this with OpenAI's inclusive convention
//! would double-count the cache writes (see `PRICING.md`).

use super::http::{HttpOptions, Transport, check_base_url, check_request, request_model, require, secret_header};
use super::http::{SseBody, SseError};
use super::{
    BillingTarget, Completion, CompletionRequest, CompletionStream, FinishReason, Message, Provider, Role, StreamEvent,
    Usage, tokens,
};
use crate::error::{Error, Result};
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
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
    transport: Arc<Transport>,
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
        let transport =
            Arc::new(Transport::new("anthropic", base_url, &HttpOptions { api_key: Some(key), ..options })?);
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
        estimated: false,
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

/// The request body; refuses a conversation with only system messages before sending.
fn messages_request<'a>(request: &'a CompletionRequest, default_model: &'a str) -> Result<MessagesRequest<'a>> {
    check_request(request)?;
    let messages: Vec<&Message> = request.messages.iter().filter(|m| m.role != Role::System).collect();
    if messages.is_empty() {
        return Err(Error::validation("messages", "Anthropic needs at least one user or assistant message"));
    }
    Ok(MessagesRequest {
        model: request_model(request, default_model),
        max_tokens: request.max_tokens,
        system: system_prompt(&request.messages),
        messages,
        temperature: request.temperature,
    })
}

/// A streamed message being read: `message_start` (the model and the input usage, cache reads
/// and writes included), `content_block_delta` text, `message_delta` (the stop reason and the
/// cumulative output usage), `message_stop`; `ping` is skipped and `error` ends the stream.
struct MessageStream {
    sse: SseBody,
    transport: Arc<Transport>,
    requested_model: String,
    text: String,
    model: Option<String>,
    usage: Option<WireUsage>,
    stop_reason: Option<String>,
    service_tier: Option<String>,
    inference_geo: Option<String>,
    started: Instant,
}

/// `message_delta`'s usage: cumulative counts, each present only when it changed.
#[derive(Deserialize, Default)]
struct DeltaUsage {
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
}

impl super::Steps for MessageStream {
    type Item = StreamEvent;

    fn more(item: &StreamEvent) -> bool {
        matches!(item, StreamEvent::Delta(_))
    }

    async fn read(&mut self) -> Result<StreamEvent> {
        let bad = |t: &Transport, e: serde_json::Error| {
            t.invalid_response(reqwest::StatusCode::OK, &format!("not a messages stream event ({e})"))
        };
        loop {
            let event = match self.sse.next_event().await {
                Ok(Some(e)) => e,
                Ok(None) => return Err(self.transport.broken_stream("it ended before message_stop")),
                Err(SseError::Broken(detail)) => return Err(self.transport.broken_stream(&detail)),
            };
            let v: serde_json::Value = serde_json::from_str(&event.data).map_err(|e| bad(&self.transport, e))?;
            let kind = v["type"].as_str().unwrap_or(event.event.as_str());
            match kind {
                "message_start" => {
                    let m = &v["message"];
                    self.model = m["model"].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
                    let usage: WireUsage =
                        serde_json::from_value(m["usage"].clone()).map_err(|e| bad(&self.transport, e))?;
                    self.service_tier = usage.service_tier.clone();
                    self.inference_geo = usage.inference_geo.clone();
                    self.usage = Some(usage);
                }
                "content_block_delta" => {
                    let d = &v["delta"];
                    if d["type"] == "text_delta"
                        && let Some(text) = d["text"].as_str().filter(|t| !t.is_empty())
                    {
                        self.text.push_str(text);
                        return Ok(StreamEvent::Delta(text.to_owned()));
                    }
                }
                "message_delta" => {
                    if let Some(r) = v["delta"]["stop_reason"].as_str() {
                        self.stop_reason = Some(r.to_owned());
                    }
                    let d: DeltaUsage = serde_json::from_value(v["usage"].clone()).unwrap_or_default();
                    if let Some(u) = self.usage.as_mut() {
                        u.output_tokens = d.output_tokens.unwrap_or(u.output_tokens);
                        u.input_tokens = d.input_tokens.unwrap_or(u.input_tokens);
                        u.cache_read_input_tokens = d.cache_read_input_tokens.or(u.cache_read_input_tokens);
                        u.cache_creation_input_tokens = d.cache_creation_input_tokens.or(u.cache_creation_input_tokens);
                    }
                }
                "message_stop" => return self.finished(),
                "error" => {
                    let e = &v["error"];
                    let kind = e["type"].as_str().map(str::to_owned);
                    return Err(self.transport.stream_error_event(kind, e["message"].as_str().unwrap_or("")));
                }
                // ping, content_block_start/stop, and event types added later.
                _ => {}
            }
        }
    }
}

impl MessageStream {
    fn finished(&mut self) -> Result<StreamEvent> {
        let Some(usage) = &self.usage else {
            return Err(self.transport.invalid_response(reqwest::StatusCode::OK, "message_stop without message_start"));
        };
        Ok(StreamEvent::Done(Completion {
            text: std::mem::take(&mut self.text),
            usage: normalise(usage),
            finish_reason: finish_reason(self.stop_reason.as_deref()),
            model: self.model.clone().unwrap_or_else(|| self.requested_model.clone()),
            provider: "anthropic".to_owned(),
            service_tier: self.service_tier.take(),
            inference_geo: self.inference_geo.take(),
            latency: self.started.elapsed(),
        }))
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
        let body = messages_request(request, &self.model)?;
        let model = body.model;
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

    async fn stream(&self, request: &CompletionRequest) -> Result<CompletionStream> {
        let body = messages_request(request, &self.model)?;
        let started = Instant::now();
        let mut json =
            serde_json::to_value(&body).map_err(|e| Error::internal(format!("cannot encode the request: {e}")))?;
        json["stream"] = serde_json::Value::Bool(true);
        let http = self.transport.post("/v1/messages").headers(self.headers()).json(&json);
        let sse = self.transport.open_stream(http).await?;
        let state = MessageStream {
            sse,
            transport: Arc::clone(&self.transport),
            requested_model: body.model.to_owned(),
            text: String::new(),
            model: None,
            usage: None,
            stop_reason: None,
            service_tier: None,
            inference_geo: None,
            started,
        };
        Ok(Box::pin(super::steps(state)))
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
            estimated: false,
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
