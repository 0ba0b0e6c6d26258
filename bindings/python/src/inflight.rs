//! Running engine calls on the tokio runtime and handing their results to asyncio, with a
//! count of calls in flight so interpreter exit can wait for them to settle.
//!
//! At interpreter exit, a tokio thread that still delivers a result would take the GIL while
//! Python finalizes and crash the process ("PyGILState_Release … finalizing",
//! pyo3-async-runtimes #40). `splants/__init__.py` registers [`settle`] with `atexit`: it
//! waits, without the GIL, until every call has delivered its result.

use crate::errors::to_py_err;
use pyo3::prelude::*;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Counts one call from its start until its result is delivered (or the call is dropped).
#[derive(Debug)]
pub(crate) struct Ticket(());

impl Ticket {
    fn new() -> Self {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        Ticket(())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A call's outcome, converted to Python (value or exception) on the thread that delivers it,
/// under the GIL it takes anyway; the ticket is released right after.
pub(crate) struct Answer<T> {
    result: splants::Result<T>,
    _ticket: Ticket,
}

/// Converts a successful result to its Python object.
pub(crate) trait ToPython: Send + 'static {
    /// The Python object for `self`.
    fn to_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>>;
}

impl<'py, T: ToPython> IntoPyObject<'py> for Answer<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.result {
            Ok(value) => value.to_python(py),
            Err(e) => Err(to_py_err(py, &e)),
        }
    }
}

/// An awaitable whose result is already there: `await` returns it (or raises) at once.
#[pyclass(module = "splants._splants")]
pub(crate) struct Ready {
    outcome: Option<PyResult<Py<PyAny>>>,
}

#[pymethods]
impl Ready {
    fn __await__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.outcome.take() {
            Some(Ok(value)) => Err(pyo3::exceptions::PyStopIteration::new_err((value,))),
            Some(Err(e)) => Err(e),
            None => Err(pyo3::exceptions::PyStopIteration::new_err((py.None(),))),
        }
    }
}

/// Runs `fut` and returns an awaitable for its result. The first step runs right here, with
/// the GIL released and inside the tokio runtime, until the call has to wait (for the
/// provider, the database, a timer); a call that never waits — the offline drafter on the
/// memory store, a cache hit, a template lookup — is answered without leaving the thread.
/// Otherwise the rest runs on tokio and an asyncio future is returned. Needs a running event
/// loop (the `async def` wrappers in `splants/__init__.py` guarantee one).
pub(crate) fn spawn<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    T: ToPython,
    F: Future<Output = splants::Result<T>> + Send + 'static,
{
    let ticket = Ticket::new();
    let mut fut = Box::pin(fut);
    let first = py.detach(|| {
        let _runtime = pyo3_async_runtimes::tokio::get_runtime().enter();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        fut.as_mut().poll(&mut cx)
    });
    match first {
        std::task::Poll::Ready(result) => {
            let outcome = Answer { result, _ticket: ticket }.into_pyobject(py).map(Bound::unbind);
            Ok(Bound::new(py, Ready { outcome: Some(outcome) })?.into_any())
        }
        // The rest runs on tokio, which polls the task again at once and so replaces the
        // no-op waker the first step registered.
        std::task::Poll::Pending => pyo3_async_runtimes::tokio::future_into_py(py, async move {
            let result = fut.await;
            Ok(Answer { result, _ticket: ticket })
        }),
    }
}

/// Runs `fut` to completion on the tokio runtime from a synchronous call, with the GIL
/// released meanwhile (used by the constructor and `from_env`).
pub(crate) fn block_on<T: Send, F>(py: Python<'_>, fut: F) -> splants::Result<T>
where
    F: Future<Output = splants::Result<T>> + Send,
{
    py.detach(|| pyo3_async_runtimes::tokio::get_runtime().block_on(fut))
}

/// Waits up to `timeout` seconds, without the GIL, until no call is in flight; returns
/// whether none is. Registered with `atexit` by the package.
#[pyfunction]
#[pyo3(signature = (timeout = 5.0))]
pub(crate) fn settle(py: Python<'_>, timeout: f64) -> bool {
    let limit = Duration::from_secs_f64(if timeout.is_finite() { timeout.clamp(0.0, 3600.0) } else { 0.0 });
    py.detach(|| {
        let start = Instant::now();
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 {
            if start.elapsed() >= limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // The delivering thread releases the GIL just after the count drops; let it.
        std::thread::sleep(Duration::from_millis(5));
        true
    })
}

/// How many engine calls have started and not yet delivered their result.
#[pyfunction]
pub(crate) fn in_flight() -> usize {
    IN_FLIGHT.load(Ordering::SeqCst)
}
