//! `generateStream`: the engine's event stream as a JavaScript async iterator.
//!
//! `engine.generateStream(brief)` returns at once an object with `next()`, `return()` and
//! `[Symbol.asyncIterator]`, so `for await (const event of engine.generateStream(brief))`
//! works. The first `next()` runs the pipeline's checks (validation, rate limit, reservation):
//! their errors reject it, as `generate`'s would. `break` (or a throw in the loop body) calls
//! `return()`, which drops the stream on the runtime: that aborts the provider request and
//! settles the budget hold, as dropping it in Rust does. A stream the program forgets is
//! dropped the same way when the garbage collector finalizes it.

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

/// What a stream still has to start from: the engine and the call's arguments.
pub(crate) struct Start {
    pub(crate) inner: Arc<Lazy>,
    pub(crate) request: JsonArg,
    pub(crate) context: JsonArg,
}

/// Where the stream is: not started, between `next()` calls, taken by a pending `next()`, or gone.
enum Slot {
    Start(Box<Start>),
    /// With the runtime it was made on, to drop it there.
    Idle(Events, tokio::runtime::Handle),
    Busy,
    Closed,
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Drops what the slot held; a started stream on the runtime it was made on, where its drop
/// spawns the settlement. (Not napi's `within_runtime_if_available`: a finalizer run as Node
/// exits finds that runtime gone, and the helper panics; a `Handle` of a runtime shut down
/// only refuses the spawn, and the hold's lease lapses as after any crash.)
fn drop_on_runtime(old: Slot) {
    if let Slot::Idle(events, runtime) = old {
        let _entered = runtime.enter();
        drop(events);
    }
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
            let mut events = match taken {
                Slot::Idle(events, _) => events,
                Slot::Start(start) => {
                    let started = async {
                        let req = request(start.request.value()?)?;
                        let ctx = caller_context(start.context.value()?)?;
                        start.inner.get().await?.generate_stream(req, &ctx).await
                    };
                    match started.await {
                        Ok(events) => events,
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
            let item = events.next().await;
            let mut state = lock(&slot);
            match item {
                Some(Ok(event)) => {
                    if matches!(*state, Slot::Busy) {
                        *state = Slot::Idle(events, tokio::runtime::Handle::current());
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

impl Drop for GenerationStream {
    fn drop(&mut self) {
        drop_on_runtime(std::mem::replace(&mut *lock(&self.slot), Slot::Closed));
    }
}
