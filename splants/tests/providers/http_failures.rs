//! Failure handling of the HTTP adapters: statuses, Retry-After, timeouts, refused
//! connections, unreadable answers, and the retry/fallback wrappers around them.

use crate::http_anthropic::{anthropic, message_body};
use crate::http_openai::{chat_body, official};
use crate::support::{Counting, Observer, fast_policy, kind_of, request, status_of};
use serde_json::json;
use splants::Error;
use splants::provider::{FallbackProvider, HttpOptions, OpenAiProvider, Provider, RetryingProvider};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CHAT: &str = "/v1/chat/completions";

fn success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(chat_body(
        "gpt-4o",
        "ok",
        "stop",
        json!({"prompt_tokens": 10, "completion_tokens": 2}),
    ))
}

/// `first` once, then success; returns the server.
async fn once_then_ok(first: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path(CHAT)).respond_with(first).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).and(path(CHAT)).respond_with(success()).mount(&server).await;
    server
}

fn retrying(provider: impl Provider + 'static, attempts: u32) -> RetryingProvider {
    RetryingProvider::new(Arc::new(provider), fast_policy(attempts))
}

fn rate_limited() -> ResponseTemplate {
    ResponseTemplate::new(429).set_body_json(json!({"error": {
        "message": "Rate limit reached for gpt-4o", "type": "requests", "code": "rate_limit_exceeded"}}))
}

#[tokio::test]
async fn rate_limit_with_retry_after_seconds_then_success() {
    let server = once_then_ok(rate_limited().insert_header("retry-after", "1")).await;
    // Without retries the failure carries the parsed wait.
    let err = official(&server, "gpt-4o").complete(&request()).await.unwrap_err();
    assert_eq!((status_of(&err), kind_of(&err)), (Some(429), Some("rate_limit_exceeded".into())));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert!(err.is_retryable() && !err.may_have_billed());

    let server = once_then_ok(rate_limited().insert_header("retry-after", "1")).await;
    let done = retrying(official(&server, "gpt-4o"), 3).complete(&request()).await.unwrap();
    assert_eq!(done.text, "ok");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn rate_limit_with_retry_after_http_date_then_success() {
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1));
    let server = once_then_ok(rate_limited().insert_header("retry-after", date.as_str())).await;
    let done = retrying(official(&server, "gpt-4o"), 2).complete(&request()).await.unwrap();
    assert_eq!(done.text, "ok");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn rate_limit_with_retry_after_ms_then_success() {
    let first = rate_limited().insert_header("retry-after-ms", "120").insert_header("retry-after", "30");
    let server = once_then_ok(first.clone()).await;
    let err = official(&server, "gpt-4o").complete(&request()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_millis(120)), "the precise header wins");
    let server = once_then_ok(first).await;
    retrying(official(&server, "gpt-4o"), 2).complete(&request()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn repeated_503_falls_back_to_the_second_provider() {
    let down = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHAT))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>upstream unavailable</html>"))
        .expect(2)
        .mount(&down)
        .await;
    let up = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_body(
            "claude-haiku-4-5",
            "end_turn",
            json!({"input_tokens": 9, "output_tokens": 4}),
        )))
        .expect(1)
        .mount(&up)
        .await;
    let first = retrying(official(&down, "gpt-4o"), 2);
    let chain =
        FallbackProvider::new(vec![Arc::new(first), Arc::new(anthropic(up.uri(), "claude-haiku-4-5"))]).unwrap();
    let mut req = request();
    req.model = Some("gpt-4o-mini".into());
    let done = chain.complete(&req).await.unwrap();
    assert_eq!((done.provider.as_str(), done.text.as_str()), ("anthropic", "Fresh bread, zero waste."));
    let sent: serde_json::Value = up.received_requests().await.unwrap()[0].body_json().unwrap();
    assert_eq!(sent["model"], "claude-haiku-4-5", "the fallback uses its own model");
}

#[tokio::test]
async fn unauthorized_is_sent_once_not_retried_not_masked_and_hides_the_key() {
    let key = "custom-key-0123456789abcdef";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CHAT))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": format!("Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys."),
            "type": "invalid_request_error", "code": "invalid_api_key"}})))
        .expect(1)
        .mount(&server)
        .await;
    let backup = MockServer::start().await;
    Mock::given(method("POST")).respond_with(success()).expect(0).mount(&backup).await;
    let options = HttpOptions { base_url: Some(server.uri() + "/v1"), api_key: Some(key.into()), ..Default::default() };
    let first = retrying(OpenAiProvider::with_options("openai", "gpt-4o", options).unwrap(), 3);
    let second = OpenAiProvider::compatible(backup.uri() + "/v1", None, "llama3.1").unwrap();
    let chain = FallbackProvider::new(vec![Arc::new(first), Arc::new(second)]).unwrap();
    let err = chain.complete(&request()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "provider_error");
    assert_eq!((status_of(&err), kind_of(&err)), (Some(401), Some("invalid_api_key".into())));
    assert!(!err.is_retryable());
    let shown = err.to_string();
    assert!(!shown.contains(key) && !format!("{err:?}").contains(key), "{shown}");
    assert!(shown.contains("Incorrect API key provided: [redacted]"), "{shown}");
}

#[tokio::test]
async fn non_json_error_bodies_keep_the_status_and_a_short_redacted_snippet() {
    let server = MockServer::start().await;
    let page = format!("<html>Bad gateway token=abc123 {}</html>", "x".repeat(5000));
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(502).set_body_string(page)).mount(&server).await;
    let err = official(&server, "gpt-4o").complete(&request()).await.unwrap_err();
    let Error::Provider(f) = &err else { panic!("{err}") };
    assert_eq!((f.status, f.kind.as_deref(), f.retryable), (Some(502), None, true));
    assert!(f.message.starts_with("<html>Bad gateway token=[redacted] xxx"), "{}", f.message);
    assert_eq!(f.message.chars().count(), 301, "cut to 300 characters and an ellipsis: {}", f.message);
}

#[tokio::test]
async fn malformed_200_is_invalid_response_not_retried_and_may_have_billed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"choices\": [tru"))
        .expect(1)
        .mount(&server)
        .await;
    let err = retrying(official(&server, "gpt-4o"), 3).complete(&request()).await.unwrap_err();
    assert_eq!((err.code().as_str(), status_of(&err)), ("provider_error", Some(200)));
    assert_eq!(kind_of(&err).as_deref(), Some("invalid_response"));
    assert!(!err.is_retryable() && err.may_have_billed());

    let server = MockServer::start().await;
    let no_usage = json!({"type": "message", "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn"});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(no_usage))
        .expect(1)
        .mount(&server)
        .await;
    let err = retrying(anthropic(server.uri(), "claude-haiku-4-5"), 3).complete(&request()).await.unwrap_err();
    assert_eq!(kind_of(&err).as_deref(), Some("invalid_response"), "{err}");
    assert!(err.may_have_billed());
}

fn with_timeout(server: &MockServer, timeout_ms: u64) -> OpenAiProvider {
    let options = HttpOptions {
        base_url: Some(server.uri() + "/v1"),
        api_key: Some("sk-test-timeout-key".into()),
        timeout: Duration::from_millis(timeout_ms),
        connect_timeout: Duration::from_millis(timeout_ms),
    };
    OpenAiProvider::with_options("openai", "gpt-4o", options).unwrap()
}

#[tokio::test]
async fn slow_server_is_a_provider_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(success().set_delay(Duration::from_secs(3))).mount(&server).await;
    let err = with_timeout(&server, 150).complete(&request()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "provider_timeout");
    assert!(
        matches!(&err, Error::ProviderTimeout { provider, timeout_ms: 150, .. } if provider == "openai"),
        "{err:?}"
    );
    assert!(err.is_retryable() && err.may_have_billed());
}

#[tokio::test]
async fn timeout_then_success_asks_the_observer_once() {
    let server = once_then_ok(success().set_delay(Duration::from_secs(3))).await;
    let observer = Observer::counting();
    let mut req = request();
    req.observer = Some(observer.clone());
    let done = retrying(with_timeout(&server, 150), 3).complete(&req).await.unwrap();
    assert_eq!(done.text, "ok");
    assert_eq!(observer.calls(), 1);
}

#[tokio::test]
async fn refusing_observer_stops_retries_with_the_original_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(success().set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(success()).expect(0).mount(&server).await;
    let observer = Observer::refusing();
    let mut req = request();
    req.observer = Some(observer.clone());
    let err = retrying(with_timeout(&server, 150), 3).complete(&req).await.unwrap_err();
    assert_eq!((err.code().as_str(), observer.calls()), ("provider_timeout", 1));
}

#[tokio::test]
async fn connection_refused_is_a_retried_connection_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let provider = OpenAiProvider::compatible(format!("http://127.0.0.1:{port}/v1"), None, "llama3.1").unwrap();
    let counting = Arc::new(Counting { inner: Arc::new(provider), calls: AtomicUsize::new(0) });
    let err = RetryingProvider::new(counting.clone(), fast_policy(3)).complete(&request()).await.unwrap_err();
    assert_eq!(counting.calls.load(Ordering::SeqCst), 3);
    assert_eq!((err.code().as_str(), status_of(&err)), ("provider_error", None));
    assert_eq!(kind_of(&err).as_deref(), Some("connection_error"));
    assert!(err.is_retryable() && !err.may_have_billed());
    let health = counting.inner.health().await.unwrap_err();
    assert_eq!(kind_of(&health).as_deref(), Some("connection_error"));
}

#[tokio::test]
async fn health_maps_error_statuses() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"type": "error", "error": {
            "type": "authentication_error", "message": "invalid x-api-key"}})))
        .mount(&server)
        .await;
    let err = anthropic(server.uri(), "claude-haiku-4-5").health().await.unwrap_err();
    assert_eq!((status_of(&err), kind_of(&err)), (Some(401), Some("authentication_error".into())));
    assert_eq!(err.to_string(), "anthropic provider error (HTTP 401): invalid x-api-key");
}

/// A provider endpoint that redirects is an error with the redirect's status: the request is
/// not followed (a followed 301/302 turns the POST into a GET without its body, and the key
/// would go wherever the redirect points).
#[tokio::test]
async fn a_redirect_is_not_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST")).and(path(CHAT)).respond_with(success()).mount(&elsewhere).await;
    let server = MockServer::start().await;
    for status in [301, 302, 307, 308] {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path(CHAT))
            .respond_with(ResponseTemplate::new(status).insert_header("location", format!("{}{CHAT}", elsewhere.uri())))
            .mount(&server)
            .await;
        let err = official(&server, "gpt-4o").complete(&request()).await.unwrap_err();
        assert_eq!(status_of(&err), Some(status), "{err:?}");
        assert!(!err.is_retryable(), "{status}: {err:?}");
    }
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "no request reached the redirect's target");
}
