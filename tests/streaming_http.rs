//! `POST /v1/content/generate` as server-sent events: `Accept: text/event-stream` or
//! `"stream": true`; `delta`, `done` and `error` events; errors before the stream as ordinary
//! responses; a client that disconnects aborts the upstream and leaves no hold.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ADMIN_KEY, base_config, json, start};
use serde_json::{Value, json};
use splants::Secret;
use splants::provider::ProviderKind;
use splants_testkit::{SseReply, SseServer};
use std::time::Duration;

/// The events of an SSE body, as (event, data) pairs (keep-alive comments skipped).
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            (!data.is_empty()).then(|| (event, serde_json::from_str(&data).unwrap()))
        })
        .collect()
}

/// `POST /v1/content/generate` of `body` with `Accept: text/event-stream`.
async fn accepting_events(s: &common::TestServer, body: &Value) -> reqwest::Response {
    s.client
        .post(s.url("/v1/content/generate"))
        .header("x-api-key", ADMIN_KEY)
        .header("accept", "text/event-stream")
        .json(body)
        .send()
        .await
        .unwrap()
}

fn brief() -> Value {
    json!({"content_type": "social_media", "topic": "spring garden sale", "platform": "linkedin"})
}

fn upstream_config(upstream: &SseServer) -> splants::config::Config {
    let mut config = base_config();
    config.provider.kind = ProviderKind::OpenAi;
    config.provider.openai_api_key = Some(Secret::new("sk-upstream-secret-123456"));
    config.provider.openai_base_url = Some(format!("{}/v1", upstream.url()));
    config.provider.model = Some("gpt-4o-mini".into());
    config.provider.max_attempts = 1;
    config.cache.enabled = false;
    config
}

fn openai_stream(words: usize, error_after: Option<usize>) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..words {
        if error_after == Some(i) {
            out.push_str("data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n");
            return out.into_bytes();
        }
        let chunk = json!({"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {"content": format!("word{i} ")}, "finish_reason": null}]});
        out.push_str(&format!("data: {chunk}\n\n"));
    }
    let end = json!({"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    let usage = json!({"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": [],
        "usage": {"prompt_tokens": 400, "completion_tokens": words, "total_tokens": 400 + words}});
    out.push_str(&format!("data: {end}\n\ndata: {usage}\n\ndata: [DONE]\n\n"));
    out.into_bytes()
}

#[tokio::test]
async fn the_offline_drafter_streams_over_http_by_accept_header_or_body_flag() {
    let s = start(base_config()).await;
    let r = accepting_events(&s, &brief()).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let evs = events(&r.text().await.unwrap());
    let (last, deltas) = evs.split_last().unwrap();
    assert!(deltas.len() > 3 && deltas.iter().all(|(e, d)| e == "delta" && d["text"].is_string()));
    assert_eq!(last.0, "done");
    let id = last.1["id"].as_str().unwrap();
    let (st, _, stored) = json(s.get(&format!("/v1/content/{id}"), ADMIN_KEY).await).await;
    assert_eq!(st, 200);
    assert_eq!(stored["content"], last.1["content"]);

    let mut flagged = brief();
    flagged["stream"] = json!(true);
    let r = s.post("/v1/content/generate", ADMIN_KEY, flagged).await;
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    assert_eq!(events(&r.text().await.unwrap()).last().unwrap().0, "done");

    let mut plain = brief();
    plain["stream"] = json!(false);
    let (st, _, v) = json(s.post("/v1/content/generate", ADMIN_KEY, plain).await).await;
    assert_eq!((st, v["content_type"].as_str()), (200, Some("social_media")), "stream: false is a JSON answer");

    let mut bad = brief();
    bad["stream"] = json!("yes");
    let (st, _, v) = json(s.post("/v1/content/generate", ADMIN_KEY, bad).await).await;
    assert_eq!((st, v["details"]["field"].as_str()), (422, Some("stream")), "{v}");
}

#[tokio::test]
async fn an_upstream_stream_arrives_as_deltas_then_the_priced_piece() {
    let upstream = SseServer::start(vec![SseReply::every(&openai_stream(30, None), 64)]).await;
    let s = start(upstream_config(&upstream)).await;
    let mut body = brief();
    body["stream"] = json!(true);
    let evs = events(&s.post("/v1/content/generate", ADMIN_KEY, body).await.text().await.unwrap());
    let text: String = evs.iter().filter(|(e, _)| e == "delta").map(|(_, d)| d["text"].as_str().unwrap()).collect();
    assert_eq!(text.split_whitespace().count(), 30);
    let (name, done) = evs.last().unwrap();
    assert_eq!(name, "done");
    assert_eq!(done["usage"]["output_tokens"], 30);
    assert!(done["cost_usd"].as_f64().unwrap() > 0.0);
    let sent: Value = serde_json::from_str(&upstream.requests()[0]).unwrap();
    assert_eq!((sent["stream"].as_bool(), sent["stream_options"]["include_usage"].as_bool()), (Some(true), Some(true)));
}

#[tokio::test]
async fn an_upstream_error_mid_stream_is_an_error_event_with_the_error_body() {
    let upstream = SseServer::start(vec![SseReply::every(&openai_stream(10, Some(4)), 80)]).await;
    let s = start(upstream_config(&upstream)).await;
    let mut body = brief();
    body["stream"] = json!(true);
    let r = s.post("/v1/content/generate", ADMIN_KEY, body).await;
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    let evs = events(&r.text().await.unwrap());
    assert_eq!(evs.iter().filter(|(e, _)| e == "delta").count(), 4);
    let (name, err) = evs.last().unwrap();
    assert_eq!(name, "error");
    assert_eq!(err["code"], "provider_error");
    assert_eq!(err["type"], "AIProviderError");
    assert_eq!(err["request_id"], request_id.as_str());
    assert!(!err.to_string().contains("sk-upstream-secret"), "{err}");
    let budget = s.engine.budget();
    let usage = budget.ledger().usage(&splants::budget::Scope::Global, &budget.window()).await.unwrap();
    assert_eq!(usage.reserved, splants::Usd::ZERO);
    assert!(usage.spent > splants::Usd::ZERO, "an error after text may have been billed: counted");
}

#[tokio::test]
async fn errors_before_the_stream_are_ordinary_responses() {
    let upstream = SseServer::start(vec![SseReply::every(&openai_stream(3, None), 64)]).await;
    let mut config = upstream_config(&upstream);
    config.budget.global_limit = splants::Usd::from_dollars(0.000_001);
    let s = start(config).await;
    let r = accepting_events(&s, &brief()).await;
    let (st, _, v) = json(r).await;
    assert_eq!((st, v["code"].as_str()), (402, Some("budget_exceeded")), "{v}");
    let r = accepting_events(&s, &json!({"content_type": "poem", "topic": "x"})).await;
    assert_eq!(json(r).await.0, 422);
    assert!(upstream.requests().is_empty());
}

#[tokio::test]
async fn a_client_that_disconnects_aborts_the_upstream_and_leaves_no_hold() {
    let upstream =
        SseServer::start(vec![SseReply::every(&openai_stream(200, None), 90).gap(Duration::from_millis(20))]).await;
    let s = start(upstream_config(&upstream)).await;
    let mut body = brief();
    body["stream"] = json!(true);
    let estimate = s.engine.quote(&serde_json::from_value(brief()).unwrap()).unwrap().estimate;
    let mut r = s.post("/v1/content/generate", ADMIN_KEY, body).await;
    let first = r.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("delta"));
    drop(r);
    for _ in 0..300 {
        if upstream.left_early() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!((upstream.left_early(), upstream.finished()), (1, 0), "the upstream saw the request aborted");
    assert_eq!(s.engine.budget().flush(Duration::from_secs(5)).await, 0);
    let budget = s.engine.budget();
    let usage = budget.ledger().usage(&splants::budget::Scope::Global, &budget.window()).await.unwrap();
    assert_eq!((usage.reserved, usage.in_flight), (splants::Usd::ZERO, 0), "no hold left");
    assert_eq!(usage.spent, estimate, "usage unknown: counted at the full hold");
}

#[tokio::test]
async fn the_openapi_document_describes_the_event_stream() {
    let s = start(base_config()).await;
    let (_, _, doc) = json(s.get("/openapi.json", ADMIN_KEY).await).await;
    let ok = &doc["paths"]["/v1/content/generate"]["post"]["responses"]["200"]["content"];
    assert!(ok.get("text/event-stream").is_some() && ok.get("application/json").is_some(), "{ok}");
}
