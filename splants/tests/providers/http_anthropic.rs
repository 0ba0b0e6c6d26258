//! `AnthropicProvider` against a local server speaking the messages API.

use serde_json::{Value, json};
use splants::Usage;
use splants::Usd;
use splants::provider::{AnthropicProvider, FinishReason, HttpOptions, Message, PriceTable, Provider};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-ant-test-0123456789";

pub fn anthropic(base_url: String, model: &str) -> AnthropicProvider {
    let options = HttpOptions {
        base_url: Some(base_url),
        api_key: Some(KEY.into()),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
    };
    AnthropicProvider::with_options(model, options).unwrap()
}

pub fn message_body(model: &str, stop: &str, usage: Value) -> Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": model,
        "content": [
            {"type": "thinking", "thinking": "plan the copy", "signature": "sig"},
            {"type": "text", "text": "Fresh bread, "},
            {"type": "text", "text": "zero waste."}
        ],
        "stop_reason": stop, "stop_sequence": null, "usage": usage
    })
}

async fn answer(server: &MockServer, body: Value) {
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn anthropic_success_with_5m_and_1h_writes_and_reads_is_normalised_and_priced() {
    let server = MockServer::start().await;
    let usage = json!({
        "input_tokens": 100, "output_tokens": 300,
        "cache_read_input_tokens": 5000, "cache_creation_input_tokens": 3000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
        "service_tier": "standard", "inference_geo": "us"
    });
    answer(&server, message_body("claude-sonnet-4-5-20250929", "end_turn", usage)).await;
    let done = anthropic(server.uri(), "claude-sonnet-4-5").complete(&crate::support::request()).await.unwrap();
    assert_eq!(done.text, "Fresh bread, zero waste.");
    assert_eq!(done.finish_reason, FinishReason::Stop);
    assert_eq!((done.model.as_str(), done.provider.as_str()), ("claude-sonnet-4-5-20250929", "anthropic"));
    assert_eq!((done.service_tier.as_deref(), done.inference_geo.as_deref()), (Some("standard"), Some("us")));
    let expected = Usage {
        input_tokens: 100,
        output_tokens: 300,
        cached_tokens: 5000,
        cache_write_tokens: 1000,
        cache_write_long_tokens: 2000,
        reasoning_tokens: 0,
        estimated: false,
    };
    assert_eq!(done.usage, expected);
    // 100 × $3 + 1000 × $3.75 + 2000 × $6 + 5000 × $0.30 + 300 × $15 = 22 050 µ$, × 1.1 for "us"
    assert_eq!(PriceTable::builtin().completion_cost(&done).unwrap(), Usd::from_nanos(24_255_000));
}

#[tokio::test]
async fn anthropic_writes_without_breakdown_are_5_minute_writes() {
    let server = MockServer::start().await;
    let usage = json!({"input_tokens": 200, "output_tokens": 100,
                       "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 800});
    answer(&server, message_body("claude-haiku-4-5-20251001", "max_tokens", usage)).await;
    let done = anthropic(server.uri(), "claude-haiku-4-5").complete(&crate::support::request()).await.unwrap();
    assert_eq!(done.finish_reason, FinishReason::Length);
    let expected = Usage {
        input_tokens: 200,
        output_tokens: 100,
        cached_tokens: 1000,
        cache_write_tokens: 800,
        ..Usage::default()
    };
    assert_eq!(done.usage, expected);
    // 200 × $1 + 800 × $1.25 + 1000 × $0.10 + 100 × $5 = 200 + 1000 + 100 + 500 µ$
    assert_eq!(PriceTable::builtin().completion_cost(&done).unwrap(), Usd::from_nanos(1_800_000));
}

#[tokio::test]
async fn anthropic_request_shape_headers_and_system_placement() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(message_body(
            "claude-haiku-4-5",
            "refusal",
            json!({"input_tokens": 1, "output_tokens": 1}),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut req = crate::support::request();
    req.messages.insert(1, Message::system("Use British spelling."));
    req.messages.push(Message::assistant("Sure:"));
    req.temperature = Some(0.25);
    // A base URL that already ends in /v1 is accepted too.
    let done = anthropic(format!("{}/v1", server.uri()), "claude-haiku-4-5").complete(&req).await.unwrap();
    assert_eq!(done.finish_reason, FinishReason::ContentFilter);
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("authorization").is_none(), "the key goes in x-api-key only");
    let sent: Value = received[0].body_json().unwrap();
    assert_eq!(
        sent,
        json!({"model": "claude-haiku-4-5", "max_tokens": 64, "temperature": 0.25,
               "system": "Be brief.\n\nUse British spelling.",
               "messages": [{"role": "user", "content": "Write a tagline."},
                            {"role": "assistant", "content": "Sure:"}]})
    );
}

#[tokio::test]
async fn anthropic_health_and_billing_targets_use_the_byte_bound() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .expect(1)
        .mount(&server)
        .await;
    let p = anthropic(server.uri(), "claude-haiku-4-5");
    p.health().await.unwrap();
    let req = crate::support::request();
    let targets = p.billing_targets(&req);
    assert_eq!(targets.len(), 1);
    assert_eq!((targets[0].provider.as_str(), targets[0].model.as_str()), ("anthropic", "claude-haiku-4-5"));
    assert_eq!(targets[0].input_tokens, splants::provider::tokens::upper_bound(&req.messages));
}

#[tokio::test]
async fn anthropic_needs_a_user_or_assistant_message() {
    let server = MockServer::start().await;
    let p = anthropic(server.uri(), "claude-haiku-4-5");
    let req = splants::provider::CompletionRequest::new(vec![Message::system("only rules")], 10);
    let err = p.complete(&req).await.unwrap_err();
    assert_eq!(err.code().as_str(), "validation_error");
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing sent, nothing billed");
}
