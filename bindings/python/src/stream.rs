//! `generate_stream`: the engine's event stream as an object whose `next()` is awaitable.
//!
//! The package wraps it in an async generator (`splants/__init__.py`), so callers write
//! `async for event in engine.generate_stream(brief)`.
//!
//! A task on the tokio runtime reads the engine's stream ahead of the reader into a channel,
//! so a `next()` whose event has already arrived is answered at once, without a trip through
//! the asyncio loop; deltas that arrived meanwhile go out as one. Ending early — `close()`
//! (the generator's `finally` on `break`, an exception or a cancelled task) or the object's
//! drop — aborts that task, whose drop of the stream on the runtime aborts the provider request
//! and settles the budget hold exactly as dropping it in Rust does. So does cancelling a
//! waiting `next()`, which owns the reader while it waits.

use crate::inflight::{ToPython, spawn};
use crate::records::GeneratedContent;
use pyo3::prelude::*;
use splants::engine::{GenerationEvent, GenerationStream as Events};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

/// One item of the engine's stream (`None`: it ended).
type Item = Option<splants::Result<GenerationEvent>>;

/// The reading side of the read-ahead task; dropping it stops the task (and so the stream).
struct Reader {
    events: mpsc::UnboundedReceiver<splants::Result<GenerationEvent>>,
    task: tokio::task::AbortHandle,
}

impl Reader {
    /// Starts reading `stream` ahead on the runtime.
    fn start(mut stream: Events) -> Self {
        use futures::StreamExt;
        let (tx, events) = mpsc::unbounded_channel();
        let task = pyo3_async_runtimes::tokio::get_runtime().spawn(async move {
            while let Some(item) = stream.next().await {
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    break;
                }
            }
        });
        Reader { events, task: task.abort_handle() }
    }

    /// The next item and, if it is a delta, the deltas already behind it merged into it; an
    /// item other than a delta found while merging is returned second, to be given next time.
    async fn next(&mut self) -> (Item, Option<Item>) {
        let Some(item) = self.events.recv().await else { return (None, None) };
        let Ok(GenerationEvent::Delta(mut text)) = item else { return (Some(item), None) };
        loop {
            match self.events.try_recv() {
                Ok(Ok(GenerationEvent::Delta(more))) => text.push_str(&more),
                Ok(other) => return (Some(Ok(GenerationEvent::Delta(text))), Some(Some(other))),
                Err(mpsc::error::TryRecvError::Empty) => return (Some(Ok(GenerationEvent::Delta(text))), None),
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    return (Some(Ok(GenerationEvent::Delta(text))), Some(None));
                }
            }
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where the stream is: here between `next()` calls (with an item read while merging, if
/// any), taken by a waiting `next()`, or gone.
enum Slot {
    Idle(Reader, Option<Item>),
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

impl ToPython for Events {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let slot = Arc::new(Mutex::new(Slot::Idle(Reader::start(self), None)));
        Ok(Bound::new(py, GenerationStream { slot })?.into_any())
    }
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
        let (mut reader, held) = {
            let mut slot = lock(&self.slot);
            match std::mem::replace(&mut *slot, Slot::Busy) {
                Slot::Idle(reader, held) => (reader, held),
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
            // The reader is dropped with this future if the await is cancelled: that stops the
            // stream and settles the hold.
            let (item, ahead) = match held {
                Some(item) => (item, None),
                None => reader.next().await,
            };
            let mut slot = lock(&slot);
            match item {
                Some(Ok(event)) => {
                    if matches!(*slot, Slot::Busy) {
                        *slot = Slot::Idle(reader, ahead);
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
        // A waiting `next()` owns the reader and drops it when it ends or is cancelled.
        drop(std::mem::replace(&mut *lock(&self.slot), Slot::Closed));
    }

    fn __repr__(&self) -> String {
        let state = match &*lock(&self.slot) {
            Slot::Idle(..) => "open",
            Slot::Busy => "waiting",
            Slot::Closed => "closed",
        };
        format!("GenerationStream({state})")
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
