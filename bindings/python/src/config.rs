//! What the keyword arguments of `ContentEngine(...)` need before they become the core's
//! [`splants::config::Settings`] (the constructor builds those directly; the core checks them).

use crate::convert::to_json;
use pyo3::prelude::*;
use splants::Error;

/// `prices` may be a dict (`{"model": {"input": 2.5, "output": 10}}`) or its JSON text.
/// The core's `Settings::prices` checks which of the two it is.
pub(crate) fn prices_json(prices: Option<&Bound<'_, PyAny>>) -> Result<Option<serde_json::Value>, Error> {
    let Some(p) = prices.filter(|p| !p.is_none()) else { return Ok(None) };
    if let Ok(s) = p.extract::<String>() {
        return Ok(Some(serde_json::Value::String(s)));
    }
    to_json(p, "prices").map(Some)
}
