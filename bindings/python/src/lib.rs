//! Python bindings for splants: a thin pyo3 skin over [`splants::ContentEngine`].
//!
//! Everything here is conversion and error mapping; the engine does the work on the tokio
//! runtime of `pyo3-async-runtimes`, never holding the GIL, and hands results back to the
//! caller's asyncio loop. The pure-Python package `splants` (in `python/splants/`) wraps each
//! awaitable in an `async def`, so calls are real coroutines.

mod config;
mod convert;
mod engine;
mod errors;
mod inflight;
mod records;
mod request;
mod stream;

use pyo3::prelude::*;

/// The extension module `splants._splants`.
#[pymodule]
fn _splants(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    records::register(m)?;
    stream::register(m)?;
    m.add_class::<request::ContentRequest>()?;
    m.add_class::<request::RequestContext>()?;
    m.add_class::<engine::ContentEngine>()?;
    m.add_function(wrap_pyfunction!(inflight::settle, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_for_code, m)?)?;
    m.add_function(wrap_pyfunction!(inflight::in_flight, m)?)?;
    m.add_function(wrap_pyfunction!(config::_engine_options, m)?)?;
    Ok(())
}
