//! `generateStream`: the engine's event stream as a JavaScript async iterator.
//!
//! `engine.generateStream(brief)` returns at once an object with `next()`, `return()` and
//! `[Symbol.asyncIterator]`, so `for await (const event of engine.generateStream(brief))`
//! works. The first `next()` runs the pipeline's checks (validation, rate limit, reservation):
//! their errors reject it, as `generate`'s would. `break` (or a throw in the loop body) calls
//! `return()`, which stops the stream: that aborts the provider request and settles the budget
//! hold, as dropping it in Rust does. A stream the program forgets is stopped the same way
//! when the garbage collector finalizes it.
//!
//! Once started, a task on the runtime reads the stream ahead into a channel, so a `next()`
//! whose event has already arrived settles at once, without a trip from the runtime to the
//! JavaScript thread; deltas that arrived meanwhile go out as one.

use crate::bridge::{JsonArg, Promise, promise};
use crate::engine::{Lazy, request};
use crate::options::caller_context;
use futures::StreamExt;
use napi::bindgen_prelude::{Function, JsObjectValue, Object};
use napi::{Env, Unknown};
use napi_derive::napi;
use serde::Serialize;
use splants::GeneratedContent;
use splants::engine::{GenerationEvent, GenerationStream as Events};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc;

/// What a stream still has to start from: the engine and the call's arguments.
pub(crate) struct Start {
    pub(crate) inner: Arc<Lazy>,
    pub(crate) request: JsonArg,
    pub(crate) context: JsonArg,
}

/// One item of the engine's stream (`None`: it ended).
type Item = Option<splants::Result<GenerationEvent>>;

/// The reading side of the read-ahead task; dropping it stops the task, and so the stream.
/// (Aborting needs no runtime context: a finalizer run as Node exits, when napi's runtime is
/// gone, is safe.)
struct Reader {
    events: mpsc::UnboundedReceiver<splants::Result<GenerationEvent>>,
    task: tokio::task::AbortHandle,
    /// An item other than a delta found while merging, to be given next.
    ahead: Option<Item>,
}

impl Reader {
    /// Starts reading `stream` ahead; called on the runtime.
    fn start(mut stream: Events) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Some(item) = stream.next().await {
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    break;
                }
            }
        });
        Reader { events, task: task.abort_handle(), ahead: None }
    }

    /// The next item; a delta with the deltas already behind it merged into it.
    async fn next(&mut self) -> Item {
        if let Some(item) = self.ahead.take() {
            return item;
        }
        let item = self.events.recv().await?;
        let Ok(GenerationEvent::Delta(mut text)) = item else { return Some(item) };
        loop {
            match self.events.try_recv() {
                Ok(Ok(GenerationEvent::Delta(more))) => text.push_str(&more),
                Ok(other) => {
                    self.ahead = Some(Some(other));
                    break;
                }
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.ahead = Some(None);
                    break;
                }
            }
        }
        Some(Ok(GenerationEvent::Delta(text)))
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where the stream is: not started, between `next()` calls, taken by a pending `next()`, or gone.
enum Slot {
    Start(Box<Start>),
    Idle(Reader),
    Busy,
    Closed,
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An event as JavaScript receives it.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Event {
    Delta { text: String },
    Done { content: Box<GeneratedContent> },
}

/// The async iterator protocol's `{ value, done }`.
#[derive(Serialize)]
struct Step {
    done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Event>,
}

impl Step {
    const END: Step = Step { done: true, value: None };
}

/// A streamed generation: an async iterator of `StreamEvent`s (see the module docs).
#[napi]
pub struct GenerationStream {
    slot: Arc<Mutex<Slot>>,
}

impl GenerationStream {
    pub(crate) fn new(start: Start) -> Self {
        GenerationStream { slot: Arc::new(Mutex::new(Slot::Start(Box::new(start)))) }
    }

    /// Makes `this` an async iterable: `this[Symbol.asyncIterator] = function () { return this }`.
    pub(crate) fn make_iterable(env: &Env, mut this: Object<'_>) -> napi::Result<()> {
        let symbol: Function<Unknown, Unknown> = env.get_global()?.get_named_property("Symbol")?;
        let key: Unknown = symbol.get_named_property("asyncIterator")?;
        let itself: Unknown = env.run_script("(function asyncIterator() { return this; })")?;
        this.set_property(key, itself)
    }
}

#[napi]
impl GenerationStream {
    /// The next event (`{ value, done: false }`), or `{ done: true }` after the last. Rejects
    /// with the same `Error` (`code`, `details`) `generate` would; one call at a time.
    #[napi(catch_unwind, ts_return_type = "Promise<IteratorResult<StreamEvent, undefined>>")]
    pub fn next<'env>(&self, env: &'env Env) -> napi::Result<Promise<'env>> {
        let taken = std::mem::replace(&mut *lock(&self.slot), Slot::Busy);
        let slot = Arc::clone(&self.slot);
        promise(env, move || async move {
            let mut reader = match taken {
                Slot::Idle(reader) => reader,
                Slot::Start(start) => {
                    let started = async {
                        let req = request(start.request.value()?)?;
                        let ctx = caller_context(start.context.value()?)?;
                        start.inner.get().await?.generate_stream(req, &ctx).await
                    };
                    match started.await {
                        Ok(events) => Reader::start(events),
                        Err(e) => {
                            *lock(&slot) = Slot::Closed;
                            return Err(e);
                        }
                    }
                }
                Slot::Closed => {
                    *lock(&slot) = Slot::Closed;
                    return Ok(Step::END);
                }
                Slot::Busy => {
                    return Err(splants::Error::validation(
                        "next",
                        "is already waiting for an event; await one next() at a time",
                    ));
                }
            };
            let item = reader.next().await;
            let mut state = lock(&slot);
            match item {
                Some(Ok(event)) => {
                    if matches!(*state, Slot::Busy) {
                        *state = Slot::Idle(reader);
                    }
                    let value = match event {
                        GenerationEvent::Delta(text) => Event::Delta { text },
                        GenerationEvent::Done(content) => Event::Done { content },
                    };
                    Ok(Step { done: false, value: Some(value) })
                }
                Some(Err(e)) => {
                    *state = Slot::Closed;
                    Err(e)
                }
                None => {
                    *state = Slot::Closed;
                    Ok(Step::END)
                }
            }
        })
    }

    /// Ends the stream (what `break` calls): the provider request is aborted and the budget
    /// hold settled at the usage seen so far, or at the reservation when that is unknown.
    #[napi(js_name = "return", catch_unwind, ts_return_type = "Promise<IteratorResult<StreamEvent, undefined>>")]
    pub fn finish<'env>(&self, env: &'env Env) -> napi::Result<Promise<'env>> {
        let old = std::mem::replace(&mut *lock(&self.slot), Slot::Closed);
        promise(env, move || async move {
            drop(old);
            Ok(Step::END)
        })
    }
}
