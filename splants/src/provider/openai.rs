//! OpenAI chat completions (`POST {base}/chat/completions`), for the official API and any
//! OpenAI-compatible server (Ollama, vLLM, llama.cpp server, gateways).
//!
//! Usage is normalised to [`Usage`]'s convention: OpenAI's `prompt_tokens` includes the cached
//! and cache-write tokens, so both are subtracted to get the plain input; `completion_tokens`
//! already includes the reasoning tokens, which are kept only as a breakdown.

use super::http::SseBody;
use super::http::{HttpOptions, Transport, check_base_url, check_request, request_model, require, secret_header};
use super::{
    BillingTarget, Completion, CompletionRequest, CompletionStream, FinishReason, Message, Provider, StreamEvent,
    Usage, tokens,
};
use crate::error::{Error, Result};
use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;

/// The official API; `OPENAI_BASE_URL` by convention includes the `/v1`.
const OFFICIAL_BASE_URL: &str = "https://api.openai.com/v1";
/// The provider name that means the official API (key required, default URL).
const OFFICIAL_NAME: &str = "openai";
/// The host whose API takes `max_completion_tokens`; every other host gets `max_tokens`.
const OFFICIAL_HOST: &str = "api.openai.com";

/// An OpenAI chat-completions provider (official API or a compatible server).
#[derive(Debug)]
pub struct OpenAiProvider {
    name: String,
    model: String,
    /// The base URL is `https://api.openai.com`, which takes `max_completion_tokens`; any other
    /// host (a gateway, vLLM, Ollama, also with `OPENAI_API_KEY`) gets `max_tokens`.
    official_host: bool,
    /// `Bearer <key>`, marked sensitive; `None` for a compatible server without a key.
    auth: Option<HeaderValue>,
    transport: Arc<Transport>,
}

impl OpenAiProvider {
    /// The official OpenAI API with `api_key` and `model` (provider name `openai`).
    pub fn new(api_key: impl Into<String>, model: impl Into<String>) -> Result<Self> {
        let options = HttpOptions { api_key: Some(api_key.into()), ..HttpOptions::default() };
        Self::with_options(OFFICIAL_NAME, model, options)
    }

    /// An OpenAI-compatible server (Ollama, vLLM, llama.cpp) at `base_url` such as
    /// `http://localhost:11434/v1`: provider name `compatible`, the key is optional.
    pub fn compatible(base_url: impl Into<String>, api_key: Option<String>, model: impl Into<String>) -> Result<Self> {
        let options = HttpOptions { base_url: Some(base_url.into()), api_key, ..HttpOptions::default() };
        Self::with_options("compatible", model, options)
    }

    /// Full control. The name `openai` means the official API (key required, default URL);
    /// any other name is a compatible server, which needs `options.base_url`. The output cap
    /// goes in `max_completion_tokens` only when the base URL is `https://api.openai.com`,
    /// in `max_tokens` for every other host (servers that read only `max_tokens` would
    /// otherwise ignore it), whatever the name.
    pub fn with_options(name: impl Into<String>, model: impl Into<String>, options: HttpOptions) -> Result<Self> {
        let name = require(&name.into(), "provider", "the provider name")?;
        let model = require(&model.into(), "SPLANTS_MODEL", "the model")?;
        let official = name == OFFICIAL_NAME;
        let api_key = options.api_key.as_deref().map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned);
        if official && api_key.is_none() {
            return Err(Error::config("OPENAI_API_KEY", "an API key is required for the OpenAI API"));
        }
        let base_url = match options.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => check_base_url(url, "OPENAI_BASE_URL")?,
            None if official => OFFICIAL_BASE_URL.to_owned(),
            None => {
                return Err(Error::config(
                    "OPENAI_BASE_URL",
                    format!(
                        "provider `{name}` is an OpenAI-compatible server and needs its URL, e.g. http://localhost:11434/v1"
                    ),
                ));
            }
        };
        let auth = api_key.as_deref().map(|k| secret_header(&format!("Bearer {k}"), "OPENAI_API_KEY")).transpose()?;
        let options = HttpOptions { api_key, ..options };
        let official_host = is_official_host(&base_url);
        let transport = Arc::new(Transport::new(&name, base_url, &options)?);
        Ok(OpenAiProvider { name, model, official_host, auth, transport })
    }

    /// The request body, the output cap in the field the host reads.
    fn chat_request<'a>(&self, model: &'a str, request: &'a CompletionRequest) -> ChatRequest<'a> {
        let (max_completion_tokens, max_tokens) =
            if self.official_host { (Some(request.max_tokens), None) } else { (None, Some(request.max_tokens)) };
        ChatRequest {
            model,
            messages: &request.messages,
            max_completion_tokens,
            max_tokens,
            temperature: request.temperature,
        }
    }

    fn auth_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(auth) = &self.auth {
            headers.insert(AUTHORIZATION, auth.clone());
        }
        headers
    }
}

/// Whether `base_url` is the official API: `https`, host exactly `api.openai.com`, port 443.
fn is_official_host(base_url: &str) -> bool {
    reqwest::Url::parse(base_url).is_ok_and(|u| {
        u.scheme() == "https" && u.host_str() == Some(OFFICIAL_HOST) && u.port_or_known_default() == Some(443)
    })
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
}

#[derive(Deserialize)]
struct ChatResponse {
    #[serde(default)]
    model: Option<String>,
    choices: Vec<Choice>,
    usage: WireUsage,
    #[serde(default)]
    service_tier: Option<String>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
    #[serde(default)]
    cache_write_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

/// A streamed chat completion being read: `data:` chunks with `choices[0].delta`, a last chunk
/// with `choices: []` and the usage (asked for with `stream_options.include_usage`), then
/// `data: [DONE]`. An `{"error": …}` chunk ends it with that error.
struct ChatStream {
    sse: SseBody,
    transport: Arc<Transport>,
    prompt_estimate: u64,
    provider: String,
    requested_model: String,
    text: String,
    reported_model: Option<String>,
    service_tier: Option<String>,
    usage: Option<Usage>,
    finish: Option<String>,
    refused: bool,
    started: Instant,
}

#[derive(Deserialize)]
struct StreamChunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<StreamChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    service_tier: Option<String>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct StreamChoice {
    #[serde(default)]
    delta: Option<StreamDelta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct StreamDelta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

impl super::Steps for ChatStream {
    type Item = StreamEvent;

    fn more(item: &StreamEvent) -> bool {
        matches!(item, StreamEvent::Delta(_))
    }

    async fn read(&mut self) -> Result<StreamEvent> {
        loop {
            let event = match self.sse.next_event().await {
                Ok(Some(e)) => e,
                // Some servers close without `[DONE]` after the finishing chunk.
                Ok(None) if self.finish.is_some() => return Ok(StreamEvent::Done(self.finished())),
                Ok(None) => return Err(self.transport.broken_stream("it ended before the answer finished")),
                Err(super::http::SseError::Broken(detail)) => return Err(self.transport.broken_stream(&detail)),
            };
            let data = event.data.trim();
            if data == "[DONE]" {
                return Ok(StreamEvent::Done(self.finished()));
            }
            if event.event == "error" {
                return Err(error_event(&self.transport, data));
            }
            let chunk: StreamChunk = serde_json::from_str(data).map_err(|e| {
                self.transport.invalid_response(reqwest::StatusCode::OK, &format!("not a chat completion chunk ({e})"))
            })?;
            if chunk.error.is_some() {
                return Err(error_event(&self.transport, data));
            }
            if let Some(m) = reported_model(chunk.model) {
                self.reported_model = Some(m);
            }
            if chunk.service_tier.is_some() {
                self.service_tier = chunk.service_tier;
            }
            if let Some(u) = &chunk.usage {
                self.usage = Some(normalise(u));
            }
            let mut delta = String::new();
            for choice in chunk.choices {
                if let Some(d) = choice.delta {
                    if let Some(text) = d.content {
                        delta.push_str(&text);
                    }
                    if d.refusal.as_deref().is_some_and(|r| !r.trim().is_empty()) {
                        self.refused = true;
                    }
                }
                if choice.finish_reason.is_some() {
                    self.finish = choice.finish_reason;
                }
            }
            if !delta.is_empty() {
                self.text.push_str(&delta);
                return Ok(StreamEvent::Delta(delta));
            }
        }
    }
}

impl ChatStream {
    /// The whole answer. Without a usage chunk (some compatible servers send none) the usage is
    /// counted here: the prompt estimate plus the tokens of the text received, never zero.
    fn finished(&mut self) -> Completion {
        let model = self.reported_model.clone().unwrap_or_else(|| self.requested_model.clone());
        let usage = self.usage.unwrap_or_else(|| Usage {
            input_tokens: self.prompt_estimate.max(1),
            output_tokens: tokens::count_output(&model, &self.text),
            estimated: true,
            ..Usage::default()
        });
        Completion {
            text: std::mem::take(&mut self.text),
            usage,
            finish_reason: finish_reason(self.finish.as_deref(), self.refused),
            model,
            provider: self.provider.clone(),
            service_tier: self.service_tier.take(),
            inference_geo: None,
            latency: self.started.elapsed(),
        }
    }
}

/// An `error` inside a stream: OpenAI's `{"error": {"message", "type", "code"}}`, or a
/// compatible server's own shape.
fn error_event(transport: &Transport, data: &str) -> Error {
    let v: serde_json::Value = serde_json::from_str(data).unwrap_or(serde_json::Value::Null);
    let e = if v["error"].is_object() { &v["error"] } else { &v };
    let kind = e["type"].as_str().or(e["code"].as_str()).map(str::to_owned);
    let message = e["message"].as_str().or(v["error"].as_str()).unwrap_or(data);
    transport.stream_error_event(kind, message)
}

/// The model name a server reported, unless it is empty or a file path. llama.cpp's
/// `llama-server` answers with the GGUF file it loaded (`/models/smollm2.gguf`) whatever model
/// the request named: a path on the server's disk names no model anyone can price, and it would
/// reach every caller in the piece's `model`. The requested name is kept instead.
fn reported_model(model: Option<String>) -> Option<String> {
    let path = |m: &str| {
        m.starts_with(['/', '\\', '.', '~'])
            || m.as_bytes().get(1..3).is_some_and(|b| b == b":\\" || b == b":/")
            || m.to_ascii_lowercase().ends_with(".gguf")
    };
    model.filter(|m| !m.is_empty() && !path(m))
}

/// OpenAI's inclusive counts into [`Usage`]. Cache writes are priced at the 12-hour rate
/// (`cache_write_long_tokens`) because the response does not say which retention was used.
fn normalise(u: &WireUsage) -> Usage {
    let details = u.prompt_tokens_details.as_ref();
    let cached = details.and_then(|d| d.cached_tokens).unwrap_or(0);
    let written = details.and_then(|d| d.cache_write_tokens).unwrap_or(0);
    Usage {
        input_tokens: u.prompt_tokens.saturating_sub(cached).saturating_sub(written),
        output_tokens: u.completion_tokens,
        cached_tokens: cached,
        cache_write_tokens: 0,
        cache_write_long_tokens: written,
        reasoning_tokens: u.completion_tokens_details.as_ref().and_then(|d| d.reasoning_tokens).unwrap_or(0),
        estimated: false,
    }
}

fn finish_reason(reason: Option<&str>, refused: bool) -> FinishReason {
    match reason {
        _ if refused => FinishReason::ContentFilter,
        Some("stop") => FinishReason::Stop,
        Some("length") => FinishReason::Length,
        Some("content_filter") => FinishReason::ContentFilter,
        Some(other) => FinishReason::Other(other.to_owned()),
        None => FinishReason::Other("unknown".to_owned()),
    }
}

#[async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn default_model(&self) -> &str {
        &self.model
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        check_request(request)?;
        let model = request_model(request, &self.model);
        let body = self.chat_request(model, request);
        let started = Instant::now();
        let http = self.transport.post("/chat/completions").headers(self.auth_headers()).json(&body);
        let (status, bytes) = self.transport.send(http).await?;
        let parsed: ChatResponse = serde_json::from_slice(&bytes)
            .map_err(|e| self.transport.invalid_response(status, &format!("not a chat completion ({e})")))?;
        let Some(choice) = parsed.choices.into_iter().next() else {
            return Err(self.transport.invalid_response(status, "`choices` is empty"));
        };
        let refused = choice.message.refusal.as_deref().is_some_and(|r| !r.trim().is_empty());
        Ok(Completion {
            text: choice.message.content.unwrap_or_default(),
            usage: normalise(&parsed.usage),
            finish_reason: finish_reason(choice.finish_reason.as_deref(), refused),
            model: reported_model(parsed.model).unwrap_or_else(|| model.to_owned()),
            provider: self.name.clone(),
            service_tier: parsed.service_tier,
            inference_geo: None,
            latency: started.elapsed(),
        })
    }

    async fn stream(&self, request: &CompletionRequest) -> Result<CompletionStream> {
        check_request(request)?;
        let model = request_model(request, &self.model).to_owned();
        let mut body = serde_json::to_value(self.chat_request(&model, request))
            .map_err(|e| Error::internal(format!("cannot encode the request: {e}")))?;
        body["stream"] = serde_json::Value::Bool(true);
        body["stream_options"] = serde_json::json!({ "include_usage": true });
        let started = Instant::now();
        let http = self.transport.post("/chat/completions").headers(self.auth_headers()).json(&body);
        let sse = self.transport.open_stream(http).await?;
        let state = ChatStream {
            sse,
            transport: Arc::clone(&self.transport),
            prompt_estimate: tokens::estimate(&model, &request.messages),
            provider: self.name.clone(),
            requested_model: model,
            text: String::new(),
            reported_model: None,
            service_tier: None,
            usage: None,
            finish: None,
            refused: false,
            started,
        };
        Ok(Box::pin(super::steps(state)))
    }

    fn billing_targets(&self, request: &CompletionRequest) -> Vec<BillingTarget> {
        let model = request_model(request, &self.model);
        vec![BillingTarget {
            provider: self.name.clone(),
            model: model.to_owned(),
            input_tokens: tokens::estimate(model, &request.messages),
        }]
    }

    async fn health(&self) -> Result<()> {
        self.transport.health("/models", self.auth_headers()).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_reported_file_path_is_not_taken_as_the_model() {
        use super::reported_model;
        let named = |m: &str| reported_model(Some(m.to_owned()));
        for kept in ["gpt-4o-mini-2024-07-18", "meta-llama/Llama-3.1-8B-Instruct", "llama3.1:8b", "smollm2"] {
            assert_eq!(named(kept).as_deref(), Some(kept));
        }
        for path in ["/root/models/SmolLM2-135M-Instruct.Q4_1.gguf", "./m.gguf", "models/x.GGUF", "C:\\m\\x.bin", "~/x"]
        {
            assert_eq!(named(path), None, "{path}");
        }
        assert_eq!(named(""), None);
        assert_eq!(reported_model(None), None);
    }

    use super::*;

    fn usage(json: &str) -> Usage {
        normalise(&serde_json::from_str::<WireUsage>(json).unwrap())
    }

    #[test]
    fn usage_subtracts_cached_and_written_and_keeps_reasoning_inside_output() {
        let u = usage(
            r#"{"prompt_tokens":2000,"completion_tokens":900,"total_tokens":2900,
                "prompt_tokens_details":{"cached_tokens":1200,"cache_write_tokens":300,"audio_tokens":0},
                "completion_tokens_details":{"reasoning_tokens":640}}"#,
        );
        let expected = Usage {
            input_tokens: 500,
            output_tokens: 900,
            cached_tokens: 1200,
            cache_write_tokens: 0,
            cache_write_long_tokens: 300,
            reasoning_tokens: 640,
            estimated: false,
        };
        assert_eq!(u, expected);
        assert_eq!(u.prompt_tokens(), 2000);
        assert_eq!(u.total_tokens(), 2900);
    }

    #[test]
    fn usage_with_only_totals_and_null_details() {
        let u = usage(r#"{"prompt_tokens":10,"completion_tokens":3,"prompt_tokens_details":null}"#);
        assert_eq!(u, Usage { input_tokens: 10, output_tokens: 3, ..Usage::default() });
        let odd = usage(r#"{"prompt_tokens":5,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":9}}"#);
        assert_eq!(odd.input_tokens, 0, "saturates instead of wrapping");
    }

    #[test]
    fn finish_reasons() {
        assert_eq!(finish_reason(Some("stop"), false), FinishReason::Stop);
        assert_eq!(finish_reason(Some("length"), false), FinishReason::Length);
        assert_eq!(finish_reason(Some("content_filter"), false), FinishReason::ContentFilter);
        assert_eq!(finish_reason(Some("stop"), true), FinishReason::ContentFilter);
        assert_eq!(finish_reason(Some("tool_calls"), false), FinishReason::Other("tool_calls".into()));
    }

    #[test]
    fn constructors_validate_settings() {
        let field = |r: Result<OpenAiProvider>| match r.unwrap_err() {
            Error::Config { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(field(OpenAiProvider::new("", "gpt-4o")), "OPENAI_API_KEY");
        assert_eq!(field(OpenAiProvider::new("sk-x", " ")), "SPLANTS_MODEL");
        assert_eq!(field(OpenAiProvider::compatible("localhost:11434", None, "llama3.1")), "OPENAI_BASE_URL");
        assert_eq!(
            field(OpenAiProvider::with_options("ollama", "llama3.1", HttpOptions::default())),
            "OPENAI_BASE_URL"
        );
        let p = OpenAiProvider::compatible("http://127.0.0.1:11434/v1/", Some(" ".into()), "llama3.1").unwrap();
        assert_eq!(
            (p.name(), p.default_model(), p.official_host, p.auth.is_none()),
            ("compatible", "llama3.1", false, true)
        );
        let p = OpenAiProvider::new("sk-proj-secret-key-123", "gpt-4o").unwrap();
        assert!(p.official_host);
        assert!(!format!("{p:?}").contains("secret-key"));
    }

    fn sent_body(p: &OpenAiProvider) -> serde_json::Value {
        let request = CompletionRequest::new(vec![Message::user("hi")], 77);
        serde_json::to_value(p.chat_request("m", &request)).unwrap()
    }

    #[test]
    fn only_the_official_host_gets_max_completion_tokens() {
        let official = OpenAiProvider::new("sk-x", "gpt-4o").unwrap();
        let body = sent_body(&official);
        assert_eq!((body["max_completion_tokens"].as_u64(), body.get("max_tokens")), (Some(77), None));
        let explicit = HttpOptions { base_url: Some("https://api.openai.com/v1/".into()), ..HttpOptions::default() };
        let p = OpenAiProvider::with_options("compatible", "m", HttpOptions { api_key: None, ..explicit }).unwrap();
        assert_eq!(sent_body(&p)["max_completion_tokens"].as_u64(), Some(77), "decided by the host, not the name");
        for other in [
            "http://api.openai.com/v1",
            "https://api.openai.com.evil.test/v1",
            "https://api.openai.com:8443/v1",
            "https://gateway.example.com/openai/v1",
            "http://127.0.0.1:8000/v1",
        ] {
            let options =
                HttpOptions { base_url: Some(other.into()), api_key: Some("sk-x".into()), ..HttpOptions::default() };
            let p = OpenAiProvider::with_options("openai", "m", options).unwrap();
            let body = sent_body(&p);
            assert_eq!((body["max_tokens"].as_u64(), body.get("max_completion_tokens")), (Some(77), None), "{other}");
        }
    }
}
