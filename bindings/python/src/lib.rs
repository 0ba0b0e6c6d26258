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

/// The extension's Rust allocations come from mimalloc rather than the glibc heap the
/// interpreter and every other extension share, as in the Node addon (`docs/operations.md`,
/// "Per-call overhead of the bindings"). Built with the local-dynamic TLS model: a module loaded
/// with `dlopen` that used initial-exec thread-locals would take about 1 KiB of glibc's small
/// static TLS reserve, and a second such module (another copy of the package in one process, or
/// another extension with its own allocator) would then fail to import.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
