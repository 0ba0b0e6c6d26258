//! `POST /v1/content/generate` as server-sent events: `Accept: text/event-stream` or
//! `"stream": true`; `delta`, `done` and `error` events; errors before the stream as ordinary
//! responses; a client that disconnects aborts the upstream and leaves no hold.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ADMIN_KEY, base_config, json, start};
use futures::StreamExt;
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
    openai_stream_with(words, error_after, true)
}

/// `words` deltas; then the finish chunk, the usage chunk when `usage`, and `[DONE]`.
fn openai_stream_with(words: usize, error_after: Option<usize>, usage: bool) -> Vec<u8> {
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
    let usage_chunk = json!({"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": [],
        "usage": {"prompt_tokens": 400, "completion_tokens": words, "total_tokens": 400 + words}});
    out.push_str(&format!("data: {end}\n\n"));
    if usage {
        out.push_str(&format!("data: {usage_chunk}\n\n"));
    }
    out.push_str("data: [DONE]\n\n");
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
async fn a_server_that_reports_no_usage_is_priced_from_the_counted_tokens_and_marked_estimated() {
    let upstream = SseServer::start(vec![SseReply::every(&openai_stream_with(30, None, false), 64)]).await;
    let s = start(upstream_config(&upstream)).await;
    let mut body = brief();
    body["stream"] = json!(true);
    let evs = events(&s.post("/v1/content/generate", ADMIN_KEY, body).await.text().await.unwrap());
    let (name, done) = evs.last().unwrap();
    assert_eq!(name, "done", "{done}");
    assert_eq!(done["usage"]["estimated"], true);
    assert!(done["usage"]["input_tokens"].as_u64().unwrap() > 0, "the prompt estimate, never zero");
    assert!(done["usage"]["output_tokens"].as_u64().unwrap() >= 30, "at least a token per word received");
    assert!(done["cost_usd"].as_f64().unwrap() > 0.0, "never counted as free");
    let id = done["id"].as_str().unwrap();
    let (_, _, stored) = json(s.get(&format!("/v1/content/{id}"), ADMIN_KEY).await).await;
    assert_eq!(stored["usage"], done["usage"], "the mark is kept with the piece");
    let budget = s.engine.budget();
    let usage = budget.ledger().usage(&splants::budget::Scope::Global, &budget.window()).await.unwrap();
    assert_eq!(Some(usage.spent), splants::Usd::from_dollars(done["cost_usd"].as_f64().unwrap()));
}

/// 200 streamed requests whose clients go away at random points (right after the headers, after
/// some events, or never) leave no hold, and the ledger counts at least what the upstream could
/// have billed for every request it answered.
#[tokio::test]
async fn two_hundred_clients_that_disconnect_anywhere_leave_no_hold_and_lose_no_spend() {
    const WORDS: usize = 40;
    let upstream =
        SseServer::start(vec![SseReply::every(&openai_stream(WORDS, None), 70).gap(Duration::from_millis(2))]).await;
    let mut config = upstream_config(&upstream);
    // 201 requests from one key: the quota is not what is tested here.
    config.rate_limits.per_minute = None;
    for quota in config.rate_limits.tiers.values_mut() {
        *quota = splants::ratelimit::Quota::per_hour(std::num::NonZeroU32::new(1_000_000).unwrap());
    }
    let s = start(config).await;
    let mut body = brief();
    body["stream"] = json!(true);
    // One whole answer first: its price is the most the upstream bills for any one request.
    let evs = events(&s.post("/v1/content/generate", ADMIN_KEY, body.clone()).await.text().await.unwrap());
    let whole = splants::Usd::from_dollars(evs.last().unwrap().1["cost_usd"].as_f64().unwrap()).unwrap();
    assert!(whole > splants::Usd::ZERO);

    let mut rng = fastrand::Rng::with_seed(0x5eed_d15c);
    let plan: Vec<usize> = (0..200).map(|_| rng.usize(0..WORDS + 5)).collect();
    // More than the 40 deltas and the `done` event: these clients read the stream to its end.
    let read_to_end = plan.iter().filter(|k| **k > WORDS + 1).count();
    let s = &s;
    futures::stream::iter(plan)
        .for_each_concurrent(20, |keep| {
            let body = body.clone();
            async move {
                let mut r = s.post("/v1/content/generate", ADMIN_KEY, body).await;
                assert_eq!(r.status(), 200);
                let mut seen = 0;
                while seen < keep {
                    match r.chunk().await.unwrap() {
                        Some(c) => seen += String::from_utf8_lossy(&c).matches("event: delta").count().max(1),
                        None => break,
                    }
                }
            }
        })
        .await;
    for _ in 0..1000 {
        if upstream.left_early() + upstream.finished() == 201 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(upstream.left_early() + upstream.finished(), 201, "every upstream request ended");
    assert!(
        upstream.left_early() > 100 && upstream.finished() > read_to_end,
        "drops did abort the upstream: {} left early, {} finished, {read_to_end} read to the end",
        upstream.left_early(),
        upstream.finished()
    );
    assert_eq!(s.engine.budget().flush(Duration::from_secs(10)).await, 0);
    let budget = s.engine.budget();
    let usage = budget.ledger().usage(&splants::budget::Scope::Global, &budget.window()).await.unwrap();
    assert_eq!((usage.reserved, usage.in_flight), (splants::Usd::ZERO, 0), "no hold left");
    assert!(usage.spent.nanos() >= whole.nanos() * 201, "spent {} < 201 × {whole}", usage.spent);
}

#[tokio::test]
async fn the_openapi_document_describes_the_event_stream() {
    let s = start(base_config()).await;
    let (_, _, doc) = json(s.get("/openapi.json", ADMIN_KEY).await).await;
    let ok = &doc["paths"]["/v1/content/generate"]["post"]["responses"]["200"]["content"];
    assert!(ok.get("text/event-stream").is_some() && ok.get("application/json").is_some(), "{ok}");
}
