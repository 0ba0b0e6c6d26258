//! `generate_stream`: the engine's event stream as an object whose `next()` is awaitable.
//!
//! The package wraps it in an async generator (`splants/__init__.py`), so callers write
//! `async for event in engine.generate_stream(brief)`. The stream is owned by whichever
//! `next()` is waiting for it: cancelling that await (an asyncio task cancel, a timeout) drops
//! the stream on the tokio runtime, which aborts the provider request and settles the budget
//! hold exactly as dropping it in Rust does. `close()` (the generator's `finally`) and the
//! object's own drop do the same when no `next()` is waiting.

use crate::inflight::{ToPython, spawn};
use crate::records::GeneratedContent;
use pyo3::prelude::*;
use splants::engine::{GenerationEvent, GenerationStream as Events};
use std::sync::{Arc, Mutex, MutexGuard};

/// Where the engine's stream is: here between `next()` calls, taken by a waiting `next()`, or
/// gone.
enum Slot {
    Idle(Events),
    Busy,
    Closed,
}

/// A streamed generation: `await next()` gives a [`StreamDelta`], then one [`StreamDone`], then
/// `None`; a failure raises the same typed exception `generate` raises.
#[pyclass(frozen, module = "splants._splants", name = "GenerationStream")]
pub(crate) struct GenerationStream {
    slot: Arc<Mutex<Slot>>,
}

/// The slot, even after a panic elsewhere poisoned the lock (its state stays meaningful).
fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl GenerationStream {
    pub(crate) fn new(events: Events) -> Self {
        GenerationStream { slot: Arc::new(Mutex::new(Slot::Idle(events))) }
    }
}

impl ToPython for Events {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, GenerationStream::new(self))?.into_any())
    }
}

/// Drops `events` inside the tokio runtime: its drop aborts the provider request and spawns
/// the settlement, which needs a runtime to run on.
fn drop_on_runtime(events: Events) {
    let _runtime = pyo3_async_runtimes::tokio::get_runtime().enter();
    drop(events);
}

/// One step of the stream, as delivered to Python.
enum Step {
    Event(GenerationEvent),
    End,
}

impl ToPython for Step {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        match self {
            Step::Event(GenerationEvent::Delta(text)) => Ok(Bound::new(py, StreamDelta { text })?.into_any()),
            Step::Event(GenerationEvent::Done(content)) => {
                Ok(Bound::new(py, StreamDone { content: GeneratedContent(*content) })?.into_any())
            }
            Step::End => Ok(py.None().into_bound(py)),
        }
    }
}

#[pymethods]
impl GenerationStream {
    /// The next event, or `None` after the last. One `next()` at a time.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut events = {
            let mut slot = lock(&self.slot);
            match std::mem::replace(&mut *slot, Slot::Busy) {
                Slot::Idle(events) => events,
                Slot::Closed => {
                    *slot = Slot::Closed;
                    return spawn(py, async { Ok(Step::End) });
                }
                Slot::Busy => {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "GenerationStream.next() is already waiting; await one event at a time",
                    ));
                }
            }
        };
        let slot = Arc::clone(&self.slot);
        spawn(py, async move {
            use futures::StreamExt;
            // Dropped with this future if the await is cancelled: that settles the hold.
            let item = events.next().await;
            let mut slot = lock(&slot);
            match item {
                Some(Ok(event)) => {
                    if matches!(*slot, Slot::Busy) {
                        *slot = Slot::Idle(events);
                    }
                    Ok(Step::Event(event))
                }
                Some(Err(e)) => {
                    *slot = Slot::Closed;
                    Err(e)
                }
                None => {
                    *slot = Slot::Closed;
                    Ok(Step::End)
                }
            }
        })
    }

    /// Ends the stream now: the provider request is aborted and the hold settled at the usage
    /// seen so far, or at the reservation when that is unknown. Safe to call more than once.
    fn close(&self) {
        let old = std::mem::replace(&mut *lock(&self.slot), Slot::Closed);
        match old {
            Slot::Idle(events) => drop_on_runtime(events),
            // A waiting `next()` owns the stream and drops it when it ends or is cancelled.
            Slot::Busy | Slot::Closed => {}
        }
    }

    fn __repr__(&self) -> String {
        let state = match &*lock(&self.slot) {
            Slot::Idle(_) => "open",
            Slot::Busy => "waiting",
            Slot::Closed => "closed",
        };
        format!("GenerationStream({state})")
    }
}

impl Drop for GenerationStream {
    fn drop(&mut self) {
        if let Slot::Idle(events) = std::mem::replace(&mut *lock(&self.slot), Slot::Closed) {
            drop_on_runtime(events);
        }
    }
}

/// More copy as the model writes it.
#[pyclass(frozen, module = "splants._splants")]
pub(crate) struct StreamDelta {
    text: String,
}

#[pymethods]
impl StreamDelta {
    /// Always `"delta"`.
    #[getter]
    fn kind(&self) -> &'static str {
        "delta"
    }

    /// The new text (raw; the finished piece's `content` is it fitted to the platform).
    #[getter]
    fn text(&self) -> &str {
        &self.text
    }

    fn __repr__(&self) -> String {
        format!("StreamDelta({:?})", self.text)
    }
}

/// The finished piece: analysed, platform-fitted, stored and settled. Always the last event.
#[pyclass(frozen, module = "splants._splants")]
pub(crate) struct StreamDone {
    content: GeneratedContent,
}

#[pymethods]
impl StreamDone {
    /// Always `"done"`.
    #[getter]
    fn kind(&self) -> &'static str {
        "done"
    }

    /// The finished piece.
    #[getter]
    fn content(&self) -> GeneratedContent {
        self.content.clone()
    }

    fn __repr__(&self) -> String {
        format!("StreamDone(id={:?})", self.content.0.id)
    }
}

/// Adds the stream classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GenerationStream>()?;
    m.add_class::<StreamDelta>()?;
    m.add_class::<StreamDone>()?;
    Ok(())
}
