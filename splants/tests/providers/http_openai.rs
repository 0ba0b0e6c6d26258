//! `OpenAiProvider` against a local server speaking chat completions.

use serde_json::{Value, json};
use splants::Usage;
use splants::Usd;
use splants::provider::{
    CompletionRequest, FinishReason, HttpOptions, Message, OpenAiProvider, PriceTable, Provider, tokens,
};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-0123456789abcdef";

pub fn official(server: &MockServer, model: &str) -> OpenAiProvider {
    let options = HttpOptions {
        base_url: Some(format!("{}/v1/", server.uri())),
        api_key: Some(KEY.into()),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
    };
    OpenAiProvider::with_options("openai", model, options).unwrap()
}

pub fn chat_body(model: &str, text: &str, finish: &str, usage: Value) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_764_000_000, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": null},
                     "logprobs": null, "finish_reason": finish}],
        "usage": usage, "service_tier": "default", "system_fingerprint": "fp_1"
    })
}

async fn answer(server: &MockServer, body: Value) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn openai_success_with_cached_tokens_is_normalised_and_priced() {
    let server = MockServer::start().await;
    let usage = json!({"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
                       "prompt_tokens_details": {"cached_tokens": 400, "audio_tokens": 0},
                       "completion_tokens_details": {"reasoning_tokens": 0}});
    answer(&server, chat_body("gpt-4o-2024-08-06", "Fresh bread, zero waste.", "stop", usage)).await;
    let done = official(&server, "gpt-4o").complete(&crate::support::request()).await.unwrap();
    assert_eq!(done.text, "Fresh bread, zero waste.");
    assert_eq!(done.finish_reason, FinishReason::Stop);
    assert_eq!((done.model.as_str(), done.provider.as_str()), ("gpt-4o-2024-08-06", "openai"));
    assert_eq!(done.service_tier.as_deref(), Some("default"));
    assert_eq!(done.usage, Usage { input_tokens: 600, cached_tokens: 400, output_tokens: 500, ..Usage::default() });
    // 600 × $2.50 + 400 × $1.25 + 500 × $10.00 per 1M = $0.0015 + $0.0005 + $0.005
    assert_eq!(PriceTable::builtin().completion_cost(&done).unwrap(), Usd::from_nanos(7_000_000));
}

#[tokio::test]
async fn openai_cache_writes_are_priced_at_the_12_hour_rate_and_reasoning_counted_once() {
    let server = MockServer::start().await;
    let usage = json!({"prompt_tokens": 10_000, "completion_tokens": 1_000, "total_tokens": 11_000,
                       "prompt_tokens_details": {"cached_tokens": 4_000, "cache_write_tokens": 2_000},
                       "completion_tokens_details": {"reasoning_tokens": 600}});
    answer(&server, chat_body("gpt-6.1-terra", "", "length", usage)).await;
    let done = official(&server, "gpt-6.1-terra").complete(&crate::support::request()).await.unwrap();
    assert_eq!(done.text, "", "empty text is the engine's to judge");
    assert_eq!(done.finish_reason, FinishReason::Length);
    let expected = Usage {
        input_tokens: 4_000,
        output_tokens: 1_000,
        cached_tokens: 4_000,
        cache_write_tokens: 0,
        cache_write_long_tokens: 2_000,
        reasoning_tokens: 600,
        estimated: false,
    };
    assert_eq!(done.usage, expected);
    // gpt-6.1-terra: 4000 × $1.00 + 4000 × $0.05 + 2000 × $2.50 (12-h write) + 1000 × $5.00
    // = 4000 + 200 + 5000 + 5000 µ$ = $0.0142
    assert_eq!(PriceTable::builtin().completion_cost(&done).unwrap(), Usd::from_nanos(14_200_000));
}

#[tokio::test]
async fn openai_refusal_and_content_filter() {
    let server = MockServer::start().await;
    let mut body = chat_body("gpt-4o", "", "stop", json!({"prompt_tokens": 5, "completion_tokens": 2}));
    body["choices"][0]["message"] = json!({"role": "assistant", "content": null, "refusal": "I can't help with that."});
    answer(&server, body).await;
    let done = official(&server, "gpt-4o").complete(&crate::support::request()).await.unwrap();
    assert_eq!((done.text.as_str(), done.finish_reason), ("", FinishReason::ContentFilter));
}

/// With `OPENAI_API_KEY` and a custom `OPENAI_BASE_URL` the server is not api.openai.com and
/// may read only `max_tokens`: the cap must be sent in that field, or the budget's worst-case
/// reservation no longer bounds the cost.
#[tokio::test]
async fn openai_with_a_key_and_a_custom_base_url_sends_the_cap_as_max_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(chat_body(
            "gpt-4o",
            "ok",
            "stop",
            json!({"prompt_tokens": 20, "completion_tokens": 1}),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut req = crate::support::request();
    req.model = Some("gpt-4o-mini".into());
    official(&server, "gpt-4o").complete(&req).await.unwrap();
    let sent: Value = server.received_requests().await.unwrap()[0].body_json().unwrap();
    assert_eq!(
        sent,
        json!({"model": "gpt-4o-mini", "max_tokens": 64, "messages": [
            {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Write a tagline."}]})
    );
}

#[tokio::test]
async fn openai_request_shape_for_a_compatible_server_without_key() {
    let server = MockServer::start().await;
    answer(&server, chat_body("llama3.1:8b", "ok", "stop", json!({"prompt_tokens": 20, "completion_tokens": 1}))).await;
    let p = OpenAiProvider::compatible(format!("{}/v1", server.uri()), None, "llama3.1:8b").unwrap();
    let mut req = CompletionRequest::new(vec![Message::user("hi")], 32);
    req.temperature = Some(0.5);
    let done = p.complete(&req).await.unwrap();
    assert_eq!((done.provider.as_str(), done.model.as_str()), ("compatible", "llama3.1:8b"));
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("authorization").is_none());
    let sent: Value = received[0].body_json().unwrap();
    assert_eq!(
        sent,
        json!({"model": "llama3.1:8b", "max_tokens": 32, "temperature": 0.5,
               "messages": [{"role": "user", "content": "hi"}]})
    );
    let with_key = OpenAiProvider::compatible(server.uri() + "/v1", Some("local-key".into()), "m").unwrap();
    with_key.complete(&req).await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[1].headers.get("authorization").unwrap(), "Bearer local-key");
}

#[tokio::test]
async fn openai_health_and_billing_targets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": []})))
        .expect(1)
        .mount(&server)
        .await;
    let p = official(&server, "gpt-4o");
    p.health().await.unwrap();
    let req = crate::support::request();
    let targets = p.billing_targets(&req);
    assert_eq!(targets.len(), 1);
    assert_eq!((targets[0].provider.as_str(), targets[0].model.as_str()), ("openai", "gpt-4o"));
    assert_eq!(targets[0].input_tokens, tokens::estimate("gpt-4o", &req.messages));
    assert!(targets[0].input_tokens < tokens::upper_bound(&req.messages), "counted with the gpt-4o tokenizer");
}
