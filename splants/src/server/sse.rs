//! A streamed generation as server-sent events: `delta` (`{"text"}`), then `done` (the piece)
//! or `error` (the error body of a failed request). When the client goes away, hyper drops
//! the body and with it the [`GenerationStream`], which aborts the provider request and settles
//! the hold.

use super::error::ApiError;
use crate::engine::{GenerationEvent, GenerationStream};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use std::convert::Infallible;

/// The events of `stream`; errors carry `request_id` like an error response.
pub(crate) fn events(
    stream: GenerationStream,
    request_id: String,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + Send> {
    let events = stream.map(move |item| {
        let event = match item {
            Ok(GenerationEvent::Delta(text)) => {
                Event::default().event("delta").json_data(serde_json::json!({ "text": text }))
            }
            Ok(GenerationEvent::Done(content)) => Event::default().event("done").json_data(&*content),
            Err(e) => Event::default().event("error").json_data(ApiError::from(e).body(request_id.clone())),
        };
        Ok(event.unwrap_or_else(|_| Event::default().event("error").data("{\"code\":\"internal\"}")))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
