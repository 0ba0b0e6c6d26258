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
mod tape;

pub use engine::{ContentEngine, last_engine_micros};
pub use stream::GenerationStream;

/// The addon's Rust allocations come from mimalloc, not from the heap Node and V8 share (see
/// `docs/operations.md`, "Per-call overhead of the bindings"). Built with the local-dynamic TLS
/// model (`Cargo.toml`): with initial-exec thread-locals the addon took 1 KiB of glibc's small
/// static TLS reserve for libraries loaded with `dlopen`, and a second copy of it in the same
/// process (two versions of the package in one `node_modules` tree), or another addon with such
/// an allocator, failed to load (`__test__/two-copies.test.mjs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// What the result tape makes of every kind of serde value, beside serde_json's text of the
/// same values (`[texts, values]`): the first the sample kinds, the second a piece the offline
/// drafter wrote. For the package's own tests only.
#[napi(js_name = "__tapeSamples", catch_unwind, ts_return_type = "Promise<[string[], unknown[]]>")]
pub fn tape_samples(env: &Env) -> napi::Result<bridge::Promise<'_>> {
    bridge::promise(env, || async {
        let kinds = tape::samples::kinds();
        let engine = splants::ContentEngine::builder()
            .config(splants::config::Config::from_vars([
                ("SPLANTS_PROVIDER", "offline"),
                ("DATABASE_URL", "memory://"),
            ])?)
            .build()
            .await?;
        let brief = splants::ContentRequest::from_value(serde_json::json!({
            "content_type": "blog_post", "topic": "Café – owners’ guide 😀", "keywords": ["café"]
        }))?;
        let piece = engine.generate(brief, &splants::RequestContext::default()).await?;
        let json = |e: serde_json::Error| splants::Error::internal(e.to_string());
        let texts = vec![serde_json::to_string(&kinds).map_err(json)?, serde_json::to_string(&piece).map_err(json)?];
        Ok((texts, (kinds, piece)))
    })
}
