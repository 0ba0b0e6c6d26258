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
//! Once started, the stream is read ahead on the runtime ([`splants::engine::ReadAhead`]), so a
//! `next()` whose event has already arrived settles at once, without a trip from the runtime
//! to the JavaScript thread; deltas that arrived meanwhile go out as one. Stopping it aborts a
//! task and needs no runtime context, so a finalizer run as Node exits is safe.

use crate::bridge::{JsonArg, Promise, promise};
use crate::engine::{Lazy, request};
use crate::options::caller_context;
use napi::bindgen_prelude::{Function, JsObjectValue, Object};
use napi::{Env, Unknown};
use napi_derive::napi;
use serde::Serialize;
use splants::GeneratedContent;
use splants::engine::{GenerationEvent, ReadAhead};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// What a stream still has to start from: the engine and the call's arguments.
pub(crate) struct Start {
    pub(crate) inner: Arc<Lazy>,
    pub(crate) request: JsonArg,
    pub(crate) context: JsonArg,
}

/// What one `next()` does.
enum Plan {
    Read(Arc<ReadAhead>),
    Start(Box<Start>),
    Busy,
    End,
}

/// Where the stream is: not started, being started by the first `next()`, open, or gone.
enum Slot {
    Start(Box<Start>),
    Starting,
    Open(Arc<ReadAhead>),
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
        let plan = {
            let mut slot = lock(&self.slot);
            match std::mem::replace(&mut *slot, Slot::Closed) {
                Slot::Open(events) => {
                    *slot = Slot::Open(Arc::clone(&events));
                    Plan::Read(events)
                }
                Slot::Start(start) => {
                    *slot = Slot::Starting;
                    Plan::Start(start)
                }
                Slot::Starting => {
                    *slot = Slot::Starting;
                    Plan::Busy
                }
                Slot::Closed => Plan::End,
            }
        };
        let slot = Arc::clone(&self.slot);
        promise(env, move || async move {
            let events = match plan {
                Plan::Read(events) => events,
                Plan::End => return Ok(Step::END),
                Plan::Busy => {
                    return Err(splants::Error::validation(
                        "next",
                        "is already waiting for the first event; await one next() at a time",
                    ));
                }
                Plan::Start(start) => {
                    let started = async {
                        let req = request(start.request.value()?)?;
                        let ctx = caller_context(start.context.value()?)?;
                        start.inner.get().await?.generate_stream(req, &ctx).await
                    };
                    let events = match started.await {
                        Ok(stream) => Arc::new(stream.read_ahead()),
                        Err(e) => {
                            *lock(&slot) = Slot::Closed;
                            return Err(e);
                        }
                    };
                    {
                        let mut state = lock(&slot);
                        if !matches!(*state, Slot::Starting) {
                            // `return()` came while starting: stop at once.
                            events.close();
                            return Ok(Step::END);
                        }
                        *state = Slot::Open(Arc::clone(&events));
                    }
                    events
                }
            };
            match events.next().await {
                Some(Ok(GenerationEvent::Delta(text))) => Ok(Step { done: false, value: Some(Event::Delta { text }) }),
                Some(Ok(GenerationEvent::Done(content))) => {
                    Ok(Step { done: false, value: Some(Event::Done { content }) })
                }
                Some(Err(e)) => {
                    *lock(&slot) = Slot::Closed;
                    Err(e)
                }
                None => {
                    *lock(&slot) = Slot::Closed;
                    Ok(Step::END)
                }
            }
        })
    }

    /// Ends the stream (what `break` calls): the provider request is aborted and the budget
    /// hold settled at the usage seen so far, or at the reservation when that is unknown.
    #[napi(js_name = "return", catch_unwind, ts_return_type = "Promise<IteratorResult<StreamEvent, undefined>>")]
    pub fn finish<'env>(&self, env: &'env Env) -> napi::Result<Promise<'env>> {
        if let Slot::Open(events) = std::mem::replace(&mut *lock(&self.slot), Slot::Closed) {
            events.close();
        }
        promise(env, || async { Ok(Step::END) })
    }
}
