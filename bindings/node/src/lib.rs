//! Node.js bindings for splants: `await engine.generate({...})` over the Rust engine.
//!
//! A thin skin made with napi-rs: arguments arrive as plain objects (camelCase or the original
//! app's snake_case keys), are converted into the crate's types, and the crate's own method
//! runs on napi's Tokio runtime; results go back as plain objects (the `Serialize` output) and
//! errors as `Error`s with `code`, `details` and the cause chain. No engine logic lives here.

#![deny(unsafe_code)]

mod bridge;
mod engine;
mod keys;
mod options;
mod stream;

pub use engine::ContentEngine;
pub use stream::GenerationStream;

use napi::Env;
use napi_derive::napi;

/// Panics inside the engine's runtime, to prove a panic becomes a rejected Promise (code
/// `internal`) instead of a crashed process. For the package's own tests only.
#[napi(js_name = "__panicForTest", catch_unwind, ts_return_type = "Promise<never>")]
pub fn panic_for_test(env: &Env) -> napi::Result<bridge::Promise<'_>> {
    bridge::promise(env, || async {
        let fail = std::hint::black_box(true);
        #[allow(clippy::panic)] // the point of this function
        if fail {
            panic!("deliberate panic for the test suite");
        }
        Ok(())
    })
}
