//! Streaming: each wire format sent byte for byte by a local server, cut into pieces anywhere
//! (inside a UTF-8 character, inside an SSE field, between `\r` and `\n`), with and without a
//! usage chunk, with error events and a connection cut mid-stream; retries before the first
//! token and none after.

use crate::support::{fast_policy, request};
use futures::StreamExt;
use serde_json::{Value, json};
use splants::provider::{
    AnthropicProvider, Completion, CompletionStream, HttpOptions, OpenAiProvider, PriceTable, Provider,
    RetryingProvider, StreamEvent, tokens,
};
use splants::{Error, Usage};
use splants_testkit::{SseReply, SseServer};
use std::sync::Arc;
use std::time::Duration;

fn options(base_url: String) -> HttpOptions {
    HttpOptions {
        base_url: Some(base_url),
        api_key: Some("sk-test-0123456789".into()),
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(1),
    }
}

fn openai(server: &SseServer, name: &str, model: &str) -> OpenAiProvider {
    OpenAiProvider::with_options(name, model, options(format!("{}/v1", server.url()))).unwrap()
}

fn anthropic(server: &SseServer) -> AnthropicProvider {
    AnthropicProvider::with_options("claude-sonnet-4-5", options(server.url())).unwrap()
}

/// Reads a stream to its end: the deltas, and the completion or the error that ended it.
async fn drain(mut stream: CompletionStream) -> (Vec<String>, Result<Completion, Error>) {
    let mut deltas = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(StreamEvent::Delta(d)) => {
                assert!(!d.is_empty(), "an empty delta");
                deltas.push(d);
            }
            Ok(StreamEvent::Done(c)) => {
                assert!(stream.next().await.is_none(), "events after the end");
                return (deltas, Ok(c));
            }
            Err(e) => {
                assert!(stream.next().await.is_none(), "events after the error");
                return (deltas, Err(e));
            }
        }
    }
    panic!("the stream ended without Done or an error");
}

fn sse(events: &[Value], crlf: bool) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for e in events {
        out.push_str(&format!("data: {e}{nl}{nl}"));
    }
    out.push_str(&format!("data: [DONE]{nl}{nl}"));
    out.into_bytes()
}

fn chunk(delta: Value, finish: Value) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": null})
}

fn openai_usage() -> Value {
    json!({"prompt_tokens": 2000, "completion_tokens": 900, "total_tokens": 2900,
        "prompt_tokens_details": {"cached_tokens": 1200}, "completion_tokens_details": {"reasoning_tokens": 640}})
}

const TEXT: &str = "Grüße aus dem Laden: 🌷 spring\nis here.";

fn openai_events(with_usage: bool) -> Vec<Value> {
    let mut events = vec![
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        chunk(json!({"content": "Grüße aus dem Laden: "}), Value::Null),
        chunk(json!({"content": "🌷 spring\n"}), Value::Null),
        chunk(json!({"content": "is here."}), Value::Null),
        chunk(json!({}), json!("stop")),
    ];
    if with_usage {
        events.push(json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
            "model": "gpt-4o-mini-2024-07-18", "choices": [], "usage": openai_usage()}));
    }
    events
}

fn expected_openai_usage() -> Usage {
    Usage { input_tokens: 800, output_tokens: 900, cached_tokens: 1200, reasoning_tokens: 640, ..Usage::default() }
}

/// Offsets that cut the stream in the awkward places: inside the tulip's four bytes, inside
/// `data`, after each `\r`.
fn awkward_cuts(body: &[u8]) -> Vec<usize> {
    let find = |needle: &[u8]| body.windows(needle.len()).position(|w| w == needle);
    let mut cuts = Vec::new();
    if let Some(i) = find("🌷".as_bytes()) {
        cuts.extend([i + 1, i + 3]);
    }
    if let Some(i) = find("ü".as_bytes()) {
        cuts.push(i + 1);
    }
    if let Some(i) = find(b"data") {
        cuts.push(i + 2);
    }
    cuts.extend(body.iter().enumerate().filter(|(_, b)| **b == b'\r').map(|(i, _)| i + 1));
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[tokio::test]
async fn openai_streams_deltas_and_reads_the_usage_chunk_however_the_bytes_are_cut() {
    for crlf in [false, true] {
        let body = sse(&openai_events(true), crlf);
        for reply in [
            SseReply::split_at(&body, &awkward_cuts(&body)),
            SseReply::every(&body, 1).gap(Duration::ZERO),
            SseReply::every(&body, 7),
        ] {
            let server = SseServer::start(vec![reply]).await;
            let p = openai(&server, "openai", "gpt-4o-mini");
            let (deltas, done) = drain(p.stream(&request()).await.unwrap()).await;
            let done = done.unwrap();
            assert_eq!(deltas.concat(), TEXT);
            assert_eq!(done.text, TEXT);
            assert_eq!(done.usage, expected_openai_usage());
            assert!(!done.usage.estimated);
            assert_eq!(done.model, "gpt-4o-mini-2024-07-18");
            let sent: Value = serde_json::from_str(&server.requests()[0]).unwrap();
            assert_eq!(sent["stream"], true);
            assert_eq!(sent["stream_options"]["include_usage"], true);
        }
    }
}

#[tokio::test]
async fn a_streamed_call_costs_what_the_same_usage_costs_unstreamed_cached_tokens_included() {
    let body = json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": TEXT}, "finish_reason": "stop"}],
        "usage": openai_usage()});
    let plain = SseServer::start(vec![SseReply::error(200, &body.to_string())]).await;
    let whole = openai(&plain, "openai", "gpt-4o-mini").complete(&request()).await.unwrap();
    let streamed = SseServer::start(vec![SseReply::every(&sse(&openai_events(true), false), 40)]).await;
    let (_, done) = drain(openai(&streamed, "openai", "gpt-4o-mini").stream(&request()).await.unwrap()).await;
    let done = done.unwrap();
    let prices = PriceTable::builtin();
    let (a, b) = (prices.completion_cost(&whole).unwrap(), prices.completion_cost(&done).unwrap());
    assert_eq!(a, b);
    let mut uncached = done.clone();
    uncached.usage.input_tokens += uncached.usage.cached_tokens;
    uncached.usage.cached_tokens = 0;
    assert!(prices.completion_cost(&uncached).unwrap() > b, "cached tokens are priced at the cached rate");

    let anthropic_whole = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Fresh bread, zero waste."}], "stop_reason": "end_turn",
        "usage": anthropic_usage(400)});
    let plain = SseServer::start(vec![SseReply::error(200, &anthropic_whole.to_string())]).await;
    let whole = anthropic(&plain).complete(&request()).await.unwrap();
    let streamed = SseServer::start(vec![SseReply::every(&anthropic_stream(), 33)]).await;
    let (_, done) = drain(anthropic(&streamed).stream(&request()).await.unwrap()).await;
    let done = done.unwrap();
    assert_eq!(done.usage, whole.usage);
    assert_eq!(prices.completion_cost(&whole).unwrap(), prices.completion_cost(&done).unwrap());
}

#[tokio::test]
async fn without_a_usage_chunk_the_cost_is_counted_from_the_tokens_received_never_zero() {
    let server = SseServer::start(vec![SseReply::every(&sse(&openai_events(false), false), 16)]).await;
    let p = openai(&server, "compatible", "llama-3.2-1b");
    let (_, done) = drain(p.stream(&request()).await.unwrap()).await;
    let done = done.unwrap();
    assert!(done.usage.estimated);
    assert_eq!(done.text, TEXT);
    assert_eq!(done.usage.input_tokens, tokens::estimate("llama-3.2-1b", &request().messages));
    // Counted with the tokenizer of the model the server named, exact for an OpenAI encoding.
    assert_eq!(done.model, "gpt-4o-mini-2024-07-18");
    assert_eq!(done.usage.output_tokens, tokens::count_output(&done.model, TEXT));
    assert!(done.usage.output_tokens >= 10, "{:?}", done.usage);
    assert_eq!(tokens::count_output("llama-3.2-1b", TEXT), TEXT.len() as u64, "unknown models: one per byte");
    assert!(done.usage.input_tokens > 0);
}

#[tokio::test]
async fn an_error_chunk_after_text_ends_the_stream_with_that_error_and_is_not_retried() {
    let mut events = openai_events(false);
    events.truncate(2);
    events.push(json!({"error": {"message": "The server had an error while processing your request.",
        "type": "server_error", "code": null}}));
    let server = SseServer::start(vec![SseReply::every(&sse(&events, false), 25)]).await;
    let p = RetryingProvider::new(Arc::new(openai(&server, "openai", "gpt-4o-mini")), fast_policy(3));
    let (deltas, done) = drain(p.stream(&request()).await.unwrap()).await;
    assert_eq!(deltas.concat(), "Grüße aus dem Laden: ");
    match done.unwrap_err() {
        Error::Provider(f) => {
            assert_eq!(f.kind.as_deref(), Some("server_error"));
            assert!(f.message.contains("server had an error"), "{}", f.message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "text was already given: no retry");
}

#[tokio::test]
async fn a_connection_cut_mid_stream_is_an_incomplete_answer_that_may_have_been_billed() {
    let body = sse(&openai_events(true), false);
    let half = body.len() / 2;
    let server = SseServer::start(vec![SseReply::split_at(&body[..half], &[half / 2]).cut()]).await;
    let (deltas, done) = drain(openai(&server, "openai", "gpt-4o-mini").stream(&request()).await.unwrap()).await;
    assert!(!deltas.is_empty());
    let err = done.unwrap_err();
    assert!(err.may_have_billed(), "{err}");
    match &err {
        Error::Provider(f) => assert_eq!(f.kind.as_deref(), Some("incomplete_response"), "{err}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_refused_request_is_an_error_before_any_stream_and_retried_when_retryable() {
    let overloaded = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let server =
        SseServer::start(vec![SseReply::error(529, overloaded), SseReply::every(&anthropic_stream(), 50)]).await;
    let p = RetryingProvider::new(Arc::new(anthropic(&server)), fast_policy(3));
    let (deltas, done) = drain(p.stream(&request()).await.unwrap()).await;
    assert_eq!(deltas.concat(), "Fresh bread, zero waste.");
    assert_eq!(done.unwrap().text, "Fresh bread, zero waste.");
    assert_eq!(server.requests().len(), 2);
    let sent: Value = serde_json::from_str(&server.requests()[1]).unwrap();
    assert_eq!(sent["stream"], true);

    let bad = SseServer::start(vec![SseReply::error(
        400,
        r#"{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too large"}}"#,
    )])
    .await;
    let p = RetryingProvider::new(Arc::new(anthropic(&bad)), fast_policy(3));
    let err = p.stream(&request()).await.err().expect("a 400 is an error");
    assert!(err.to_string().contains("max_tokens"), "{err}");
    assert_eq!(bad.requests().len(), 1, "a 400 is not retried");
}

fn anthropic_usage(output: u64) -> Value {
    json!({"input_tokens": 50, "output_tokens": output, "cache_read_input_tokens": 3000,
        "cache_creation_input_tokens": 1500,
        "cache_creation": {"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 500}})
}

fn anthropic_events(error_after_first: bool) -> Vec<(&'static str, Value)> {
    let mut events = vec![
        (
            "message_start",
            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
            "role": "assistant", "model": "claude-sonnet-4-5-20250929", "content": [], "stop_reason": null,
            "usage": anthropic_usage(1)}}),
        ),
        (
            "content_block_start",
            json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "thinking", "thinking": ""}}),
        ),
        (
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "plan the copy"}}),
        ),
        ("content_block_stop", json!({"type": "content_block_stop", "index": 0})),
        ("ping", json!({"type": "ping"})),
        (
            "content_block_start",
            json!({"type": "content_block_start", "index": 1,
            "content_block": {"type": "text", "text": ""}}),
        ),
        (
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 1,
            "delta": {"type": "text_delta", "text": "Fresh bread, "}}),
        ),
    ];
    if error_after_first {
        events
            .push(("error", json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})));
        return events;
    }
    events.extend([
        (
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 1,
            "delta": {"type": "text_delta", "text": "zero waste."}}),
        ),
        ("content_block_stop", json!({"type": "content_block_stop", "index": 1})),
        (
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
            "usage": {"output_tokens": 400}}),
        ),
        ("message_stop", json!({"type": "message_stop"})),
    ]);
    events
}

fn anthropic_body(events: &[(&str, Value)]) -> Vec<u8> {
    events.iter().map(|(name, data)| format!("event: {name}\ndata: {data}\n\n")).collect::<String>().into_bytes()
}

fn anthropic_stream() -> Vec<u8> {
    anthropic_body(&anthropic_events(false))
}

#[tokio::test]
async fn anthropic_streams_text_deltas_and_counts_cache_reads_and_writes_however_cut() {
    let body = anthropic_stream();
    for reply in [
        SseReply::every(&body, 1).gap(Duration::ZERO),
        SseReply::every(&body, 13),
        SseReply::split_at(&body, &awkward_cuts(&body)),
    ] {
        let server = SseServer::start(vec![reply]).await;
        let (deltas, done) = drain(anthropic(&server).stream(&request()).await.unwrap()).await;
        let done = done.unwrap();
        assert_eq!(deltas, ["Fresh bread, ", "zero waste."], "thinking is not copy");
        assert_eq!(
            done.usage,
            Usage {
                input_tokens: 50,
                output_tokens: 400,
                cached_tokens: 3000,
                cache_write_tokens: 1000,
                cache_write_long_tokens: 500,
                reasoning_tokens: 0,
                estimated: false,
            }
        );
        assert_eq!(done.model, "claude-sonnet-4-5-20250929");
    }
}

#[tokio::test]
async fn an_anthropic_error_event_before_any_text_is_retried_and_after_text_is_not() {
    let mut first = anthropic_events(false);
    first.truncate(1);
    first.push(("error", json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})));
    let server =
        SseServer::start(vec![SseReply::every(&anthropic_body(&first), 20), SseReply::every(&anthropic_stream(), 20)])
            .await;
    let p = RetryingProvider::new(Arc::new(anthropic(&server)), fast_policy(3));
    let (deltas, done) = drain(p.stream(&request()).await.unwrap()).await;
    assert_eq!(deltas.concat(), "Fresh bread, zero waste.");
    assert!(done.is_ok());
    assert_eq!(server.requests().len(), 2, "the error came before any text: retried");

    let server = SseServer::start(vec![SseReply::every(&anthropic_body(&anthropic_events(true)), 20)]).await;
    let p = RetryingProvider::new(Arc::new(anthropic(&server)), fast_policy(3));
    let (deltas, done) = drain(p.stream(&request()).await.unwrap()).await;
    assert_eq!(deltas, ["Fresh bread, "]);
    assert!(done.unwrap_err().to_string().contains("Overloaded"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn dropping_a_stream_closes_the_connection() {
    let body = sse(&openai_events(true), false);
    let server = SseServer::start(vec![SseReply::every(&body, 4).gap(Duration::from_millis(5))]).await;
    let mut stream = openai(&server, "openai", "gpt-4o-mini").stream(&request()).await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert!(matches!(first, StreamEvent::Delta(_)));
    drop(stream);
    for _ in 0..200 {
        if server.left_early() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!((server.left_early(), server.finished()), (1, 0), "the server saw the client go");
}
