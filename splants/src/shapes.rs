//! The shapes the bindings exchange with their callers, defined once so that Python and Node
//! take the same fields and give the same error for the same bad input.
//!
//! A binding turns its argument into one of these (Node parses its JSON, Python builds the
//! struct from keyword arguments) and the core checks it: [`CallerContext`] is the caller of a
//! call, [`from_value`] / [`from_value_in`] parse any shape from JSON with errors that name the
//! field. The rest of what the bindings expose (requests, results, queries, events, reports,
//! key records, error codes) are the core's own types, described for TypeScript by
//! `splants::typescript` (feature `typescript`).

mod context;
mod json;

pub use context::CallerContext;
pub use json::{from_value, from_value_in};
