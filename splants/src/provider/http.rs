//! The HTTP plumbing shared by the OpenAI and Anthropic adapters: client settings, URL
//! checks, bounded body reads and one mapping from transport and status failures to [`Error`].
//!
//! | what happened | error | retryable | may have billed |
//! |---|---|---|---|
//! | connection refused, DNS, connect timeout | `Provider { status: None, kind: "connection_error" }` | yes | no |
//! | whole-request timeout | `ProviderTimeout` | yes | yes |
//! | status 408, 409, 429, 5xx | `Provider { status, kind: provider's type }` | yes | no |
//! | other 4xx | `Provider { status, kind }` | no | no |
//! | 200 with a body that is not the expected JSON | `Provider { status: 200, kind: "invalid_response" }` | no | yes |
//! | 200 whose body broke off mid-read | `Provider { status: 200, kind: "incomplete_response" }` | yes | yes |
//! | connection lost after connecting, no answer | `Provider { status: None, kind: "transport_error" }` | yes | no |

use super::CompletionRequest;
use crate::error::{Error, ProviderFailure, Result, redact};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, RequestBuilder, Response, StatusCode, Url};
use std::time::{Duration, SystemTime};

/// Largest response body read into memory; a larger answer is treated as invalid.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Longest provider error text kept in an error message.
const SNIPPET_CHARS: usize = 300;
/// Upper limit on the `health()` timeout.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// Connection settings of an HTTP provider.
#[derive(Clone)]
pub struct HttpOptions {
    /// Base URL of the API; `None` uses the provider's official URL.
    pub base_url: Option<String>,
    /// The API key; never shown by `Debug`, in errors or in logs.
    pub api_key: Option<String>,
    /// Limit on one whole attempt (connect, send, read the answer); default 60 s.
    pub timeout: Duration,
    /// Limit on establishing the connection; default 10 s.
    pub connect_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            base_url: None,
            api_key: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("base_url", &self.base_url.as_deref().map(redact))
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// One provider's HTTP client: a pooled `reqwest::Client` plus what error mapping needs.
pub(crate) struct Transport {
    client: Client,
    provider: String,
    base_url: String,
    timeout: Duration,
    /// Scrubbed from every provider message, in case the server echoes it.
    secret: Option<String>,
    /// Endpoints parsed once (URL parsing with IDNA costs more than the rest of a request).
    endpoints: parking_lot::Mutex<Vec<(&'static str, reqwest::Url)>>,
}

impl Transport {
    /// A client for `provider` at `base_url` (already checked by [`check_base_url`]).
    pub(crate) fn new(provider: &str, base_url: String, options: &HttpOptions) -> Result<Self> {
        if options.timeout.is_zero() {
            return Err(Error::config("HttpOptions.timeout", "must be greater than zero"));
        }
        if options.connect_timeout.is_zero() {
            return Err(Error::config("HttpOptions.connect_timeout", "must be greater than zero"));
        }
        let client = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("splants/", env!("CARGO_PKG_VERSION")))
            // An API endpoint that redirects is misconfigured: a followed 301/302 turns the
            // POST into a bodiless GET, and the key would follow it. The 3xx is the error.
            // (Not following also skips the redirect policy's work on every request.)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config("HttpOptions", format!("cannot build the HTTP client: {}", chain(&e))))?;
        Ok(Transport {
            client,
            provider: provider.to_owned(),
            base_url,
            timeout: options.timeout,
            secret: options.api_key.clone().filter(|k| !k.is_empty()),
            endpoints: parking_lot::Mutex::new(Vec::new()),
        })
    }

    /// `base_url` joined with `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A POST request to `path`.
    pub(crate) fn post(&self, path: &'static str) -> RequestBuilder {
        let cached = self.endpoints.lock().iter().find(|(p, _)| *p == path).map(|(_, u)| u.clone());
        match cached {
            Some(url) => self.client.post(url),
            None => match reqwest::Url::parse(&self.url(path)) {
                Ok(url) => {
                    self.endpoints.lock().push((path, url.clone()));
                    self.client.post(url)
                }
                // Let reqwest report the bad URL on send, as before.
                Err(_) => self.client.post(self.url(path)),
            },
        }
    }

    /// Sends a prepared request and returns the status and body of a successful answer.
    pub(crate) async fn send(&self, request: RequestBuilder) -> Result<(StatusCode, Vec<u8>)> {
        let response = request.send().await.map_err(|e| self.transport_error(e, self.timeout))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.status_error(response).await);
        }
        let body = read_body(response).await.map_err(|e| match e {
            BodyError::TooLarge => self.invalid_response(status, "the answer is larger than 8 MiB"),
            BodyError::Transport(e) if e.is_timeout() => self.timeout_error(self.timeout).with_source(e.without_url()),
            BodyError::Transport(e) => self
                .failure(
                    Some(status.as_u16()),
                    Some("incomplete_response".into()),
                    format!("the answer broke off while being read: {}", chain(&e)),
                    true,
                    None,
                )
                .with_source(e.without_url()),
        })?;
        Ok((status, body))
    }

    /// Sends a prepared streaming request: a non-2xx answer is the same error as
    /// [`Transport::send`]'s; a 2xx one is read as server-sent events, each read waiting at most
    /// the attempt timeout (the whole stream may take up to [`STREAM_MAX`]).
    pub(crate) async fn open_stream(&self, request: RequestBuilder) -> Result<SseBody> {
        let request = request.timeout(STREAM_MAX).header(reqwest::header::ACCEPT, "text/event-stream");
        let response = tokio::time::timeout(self.timeout, request.send())
            .await
            .map_err(|_| self.timeout_error(self.timeout))?
            .map_err(|e| self.transport_error(e, self.timeout))?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.status_error(response).await);
        }
        Ok(SseBody {
            response,
            parser: super::sse::SseParser::default(),
            pending: std::collections::VecDeque::new(),
            ended: false,
            idle: self.timeout,
        })
    }

    /// The error for a stream that broke off or timed out between events (after the request
    /// was accepted: it may have been billed).
    pub(crate) fn broken_stream(&self, detail: &str) -> Error {
        self.failure(
            Some(200),
            Some("incomplete_response".into()),
            format!("the stream broke off: {detail}"),
            true,
            None,
        )
    }

    /// The error for an `error` event the provider sent inside a stream.
    pub(crate) fn stream_error_event(&self, kind: Option<String>, message: &str) -> Error {
        let message = snippet(&self.scrub(&message.split_whitespace().collect::<Vec<_>>().join(" ")));
        let retryable = matches!(
            kind.as_deref(),
            Some("overloaded_error" | "api_error" | "rate_limit_error" | "server_error" | "timeout")
        );
        self.failure(Some(200), kind, if message.is_empty() { "error event".into() } else { message }, retryable, None)
    }

    /// `GET path` with a short timeout; `Ok` on any 2xx answer.
    pub(crate) async fn health(&self, path: &str, headers: HeaderMap) -> Result<()> {
        let timeout = self.timeout.min(HEALTH_TIMEOUT);
        let request = self.client.get(self.url(path)).headers(headers).timeout(timeout);
        let response = request.send().await.map_err(|e| self.transport_error(e, timeout))?;
        if response.status().is_success() { Ok(()) } else { Err(self.status_error(response).await) }
    }

    /// The error for a 2xx answer whose body is not what the API documents.
    pub(crate) fn invalid_response(&self, status: StatusCode, detail: &str) -> Error {
        self.failure(
            Some(status.as_u16()),
            Some("invalid_response".into()),
            format!("unexpected answer: {detail}"),
            false,
            None,
        )
    }

    fn timeout_error(&self, timeout: Duration) -> Error {
        Error::provider_timeout(self.provider.clone(), timeout)
    }

    /// The error for a request that got no answer; the reqwest error (without its URL) is the
    /// source.
    fn transport_error(&self, e: reqwest::Error, timeout: Duration) -> Error {
        let failure = self.transport_failure(&e, timeout);
        failure.with_source(e.without_url())
    }

    fn transport_failure(&self, e: &reqwest::Error, timeout: Duration) -> Error {
        if e.is_builder() {
            self.failure(
                None,
                Some("request_error".into()),
                format!("cannot build the request: {}", chain(e)),
                false,
                None,
            )
        } else if e.is_connect() {
            // Nothing reached the provider: safe to retry, nothing billed.
            self.failure(None, Some("connection_error".into()), format!("cannot connect: {}", chain(e)), true, None)
        } else if e.is_timeout() {
            self.timeout_error(timeout)
        } else {
            self.failure(None, Some("transport_error".into()), format!("request failed: {}", chain(e)), true, None)
        }
    }

    async fn status_error(&self, response: Response) -> Error {
        let status = response.status();
        let retry_after = retry_after(response.headers(), SystemTime::now());
        let body = read_body(response).await.unwrap_or_default();
        let (kind, message) = match parse_error_body(&body) {
            Some((kind, message)) => (kind, message),
            None => (None, String::from_utf8_lossy(&body).into_owned()),
        };
        // Scrub before cutting, so a key cut in half cannot slip through.
        let message = snippet(&self.scrub(&message.split_whitespace().collect::<Vec<_>>().join(" ")));
        let message =
            if message.is_empty() { status.canonical_reason().unwrap_or("no message").to_owned() } else { message };
        self.failure(Some(status.as_u16()), kind, message, is_retryable_status(status.as_u16()), retry_after)
    }

    /// `text` without anything that looks like a credential, nor this provider's key.
    fn scrub(&self, text: &str) -> String {
        let text = redact(text);
        match &self.secret {
            Some(secret) => text.replace(secret.as_str(), "[redacted]"),
            None => text,
        }
    }

    fn failure(
        &self,
        status: Option<u16>,
        kind: Option<String>,
        message: String,
        retryable: bool,
        retry_after: Option<Duration>,
    ) -> Error {
        Error::Provider(Box::new(ProviderFailure {
            provider: self.provider.clone(),
            status,
            kind,
            message: self.scrub(&message),
            retryable,
            retry_after,
            source: None,
        }))
    }
}

/// Rejects requests no provider could answer, before anything is sent (and billed).
pub(crate) fn check_request(request: &CompletionRequest) -> Result<()> {
    if request.messages.is_empty() {
        return Err(Error::validation("messages", "at least one message is required"));
    }
    if request.max_tokens == 0 {
        return Err(Error::validation("max_tokens", "must be at least 1"));
    }
    if let Some(t) = request.temperature
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(Error::validation("temperature", format!("{t} is not a number >= 0")));
    }
    Ok(())
}

/// The model a request runs on: its own when set and non-blank, else the provider's.
pub(crate) fn request_model<'a>(request: &'a CompletionRequest, default: &'a str) -> &'a str {
    request.model.as_deref().map(str::trim).filter(|m| !m.is_empty()).unwrap_or(default)
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.provider)
            .field("base_url", &redact(&self.base_url))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Checks a base URL (`field` names the setting) and returns it without a trailing `/`.
pub(crate) fn check_base_url(url: &str, field: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed =
        Url::parse(trimmed).map_err(|e| Error::config(field, format!("`{}` is not a URL: {e}", redact(url))))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(field, format!("`{}` must start with http:// or https://", redact(url))));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(field, format!("`{}` has no host", redact(url))));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::config(field, format!("`{}` must not have a query or fragment", redact(url))));
    }
    Ok(trimmed.to_owned())
}

/// Checks a required, non-blank setting and returns it trimmed.
pub(crate) fn require(value: &str, field: &str, what: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::config(field, format!("{what} must not be empty")));
    }
    Ok(value.to_owned())
}

/// A header value marked sensitive, so HTTP debug output never shows it.
pub(crate) fn secret_header(value: &str, field: &str) -> Result<HeaderValue> {
    let mut header = HeaderValue::from_str(value)
        .map_err(|_| Error::config(field, "contains characters not allowed in an HTTP header"))?;
    header.set_sensitive(true);
    Ok(header)
}

/// Statuses worth retrying: timeouts, conflicts, rate limits, server errors and 529 (overloaded).
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 409 | 429 | 500..=599)
}

/// The wait a response asks for: OpenAI's `retry-after-ms`, else `Retry-After` as
/// delta-seconds or an HTTP date (relative to `now`; a past date means no wait).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = header(RETRY_AFTER.as_str())?;
    if let Ok(secs) = value.parse::<f64>() {
        return if secs.is_finite() && secs >= 0.0 { Duration::try_from_secs_f64(secs).ok() } else { None };
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `(kind, message)` from the error bodies in use: OpenAI `{"error":{"message","type","code"}}`,
/// Anthropic `{"type":"error","error":{"type","message"}}`, vLLM's top-level `message`/`type`
/// and Ollama's `{"error":"text"}`. `None` when the body is none of these.
pub(crate) fn parse_error_body(body: &[u8]) -> Option<(Option<String>, String)> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_str).map(str::to_owned);
    match value.get("error") {
        Some(serde_json::Value::String(message)) => Some((None, message.clone())),
        Some(err @ serde_json::Value::Object(_)) => {
            let kind = text(err.get("code")).or_else(|| text(err.get("type")));
            Some((kind, text(err.get("message")).unwrap_or_default()))
        }
        _ => {
            let message = text(value.get("message"))?;
            Some((text(value.get("type")), message))
        }
    }
}

/// The first [`SNIPPET_CHARS`] characters of `text`.
fn snippet(text: &str) -> String {
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// An error and its sources, joined with `: ` (reqwest hides the cause in the chain).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Longest a whole stream may take (each read still waits at most the attempt timeout).
const STREAM_MAX: Duration = Duration::from_secs(30 * 60);

/// The events of a streaming answer, read as they arrive.
pub(crate) struct SseBody {
    response: Response,
    parser: super::sse::SseParser,
    pending: std::collections::VecDeque<super::sse::SseEvent>,
    ended: bool,
    idle: Duration,
}

/// Why a stream stopped giving events.
pub(crate) enum SseError {
    /// The connection broke, a read timed out, or a line was absurdly long.
    Broken(String),
}

impl SseBody {
    /// The next event; `None` once the body has ended.
    pub(crate) async fn next_event(&mut self) -> Result<Option<super::sse::SseEvent>, SseError> {
        let mut out = Vec::new();
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Ok(Some(e));
            }
            if self.ended {
                return Ok(None);
            }
            let chunk = match tokio::time::timeout(self.idle, self.response.chunk()).await {
                Err(_) => return Err(SseError::Broken(format!("no data for {} s", self.idle.as_secs()))),
                Ok(Err(e)) => return Err(SseError::Broken(chain(&e))),
                Ok(Ok(None)) => {
                    self.ended = true;
                    continue;
                }
                Ok(Ok(Some(chunk))) => chunk,
            };
            self.parser
                .push(&chunk, &mut out)
                .map_err(|_| SseError::Broken("a line of the stream is longer than 4 MiB".into()))?;
            self.pending.extend(out.drain(..));
        }
    }
}

enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads the body, refusing more than [`MAX_BODY_BYTES`].
async fn read_body(mut response: Response) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(&headers(&[("retry-after", "7")]), now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers(&[("retry-after", "0.5")]), now), Some(Duration::from_millis(500)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&[("retry-after", &date)]), now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(retry_after(&headers(&[("retry-after", &past)]), now), Some(Duration::ZERO));
        let both = headers(&[("retry-after", "2"), ("retry-after-ms", "250")]);
        assert_eq!(retry_after(&both, now), Some(Duration::from_millis(250)));
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn error_bodies_of_each_format() {
        let openai = br#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
        assert_eq!(parse_error_body(openai), Some((Some("rate_limit_exceeded".into()), "Rate limit reached".into())));
        let openai_null_code = br#"{"error":{"message":"bad","type":"invalid_request_error","code":null}}"#;
        assert_eq!(parse_error_body(openai_null_code), Some((Some("invalid_request_error".into()), "bad".into())));
        let anthropic = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert_eq!(parse_error_body(anthropic), Some((Some("overloaded_error".into()), "Overloaded".into())));
        assert_eq!(parse_error_body(br#"{"error":"model 'x' not found"}"#), Some((None, "model 'x' not found".into())));
        let vllm = br#"{"object":"error","message":"too long","type":"BadRequestError","code":400}"#;
        assert_eq!(parse_error_body(vllm), Some((Some("BadRequestError".into()), "too long".into())));
        assert_eq!(parse_error_body(b"<html>502 Bad Gateway</html>"), None);
        assert_eq!(parse_error_body(b"[1,2]"), None);
    }

    #[test]
    fn snippets_are_short_and_cut_on_char_boundaries() {
        let long = "é".repeat(1000);
        let s = snippet(&long);
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet("short"), "short");
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(check_base_url("http://127.0.0.1:8080/v1/", "X").unwrap(), "http://127.0.0.1:8080/v1");
        assert_eq!(check_base_url(" https://api.openai.com/v1 ", "X").unwrap(), "https://api.openai.com/v1");
        for bad in ["ftp://host/v1", "localhost:11434", "", "https://", "http://h/v1?key=abc"] {
            let err = check_base_url(bad, "OPENAI_BASE_URL").unwrap_err();
            assert_eq!(err.code().as_str(), "config_error", "{bad}");
            assert!(err.to_string().contains("OPENAI_BASE_URL"), "{err}");
        }
        let err = check_base_url("http://h/v1?key=secret123", "X").unwrap_err();
        assert!(!err.to_string().contains("secret123"), "{err}");
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 413, 422] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn options_debug_hides_the_key() {
        let o = HttpOptions { api_key: Some("sk-secret-value-123456".into()), ..HttpOptions::default() };
        let shown = format!("{o:?}");
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(o.timeout, Duration::from_secs(60));
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
    }
}
