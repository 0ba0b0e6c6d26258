//! `generate_stream`: the engine's event stream as an object whose `next()` is awaitable.
//!
//! The package wraps it in an async generator (`splants/__init__.py`), so callers write
//! `async for event in engine.generate_stream(brief)`. The stream is read ahead on the tokio
//! runtime ([`splants::engine::ReadAhead`]): a `next()` whose event already arrived is
//! answered at once, without a trip through the asyncio loop, and deltas that arrived meanwhile
//! come as one. Ending early — `close()` (the generator's `finally` on `break`, an exception or
//! a cancelled task) or the object's drop — stops it: the provider request is aborted and the
//! budget hold settled exactly as dropping the stream in Rust does.

use crate::inflight::{ToPython, spawn};
use crate::records::GeneratedContent;
use pyo3::prelude::*;
use splants::engine::{GenerationEvent, ReadAhead};
use std::sync::Arc;

/// A streamed generation: `await next()` gives a [`StreamDelta`], then one [`StreamDone`], then
/// `None`; a failure raises the same typed exception `generate` raises.
#[pyclass(frozen, module = "splants._splants", name = "GenerationStream")]
pub(crate) struct GenerationStream {
    events: Arc<ReadAhead>,
    closed: std::sync::atomic::AtomicBool,
}

impl ToPython for ReadAhead {
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let stream = GenerationStream { events: Arc::new(self), closed: std::sync::atomic::AtomicBool::new(false) };
        Ok(Bound::new(py, stream)?.into_any())
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
    /// The next event, or `None` after the last.
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let events = Arc::clone(&self.events);
        spawn(py, async move {
            match events.next().await {
                Some(Ok(event)) => Ok(Step::Event(event)),
                Some(Err(e)) => Err(e),
                None => Ok(Step::End),
            }
        })
    }

    /// Ends the stream now: the provider request is aborted and the hold settled at the usage
    /// seen so far, or at the reservation when that is unknown. Safe to call more than once.
    fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        self.events.close();
    }

    fn __repr__(&self) -> String {
        let closed = self.closed.load(std::sync::atomic::Ordering::SeqCst);
        format!("GenerationStream({})", if closed { "closed" } else { "open" })
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
