//! Futures into Promises, Rust errors into JavaScript `Error`s.
//!
//! Every engine call runs inside napi's Tokio runtime: its first step on the JavaScript thread
//! until it has to wait, the rest on the runtime's workers, so no call blocks the event loop
//! for longer than its own CPU work before the first wait. A panic anywhere in the call is
//! caught and becomes a rejected Promise with code `internal`.
//!
//! Results cross as a [`Tape`], written where the call finished and turned into objects by a
//! small JavaScript decoder on the JavaScript thread (`JSON.parse` of the same result took most
//! of what a call cost on top of the Rust call; `docs/operations.md`, "Per-call overhead of the
//! bindings").

use crate::tape::Tape;
use futures::FutureExt;
use napi::bindgen_prelude::{Function, JsObjectValue, Object, PromiseRaw};
use napi::{Env, JsValue, Unknown};
use serde::Serialize;
use serde_json::Value;
use splants::Error;
use std::future::Future;
use std::panic::AssertUnwindSafe;

/// The Promise every async method returns.
pub type Promise<'env> = PromiseRaw<'env, Unknown<'env>>;

/// An object argument as JSON text: `JSON.stringify` runs on the JavaScript thread (one call,
/// far cheaper than one N-API call per property, and it turns `Date`s into ISO strings); the
/// text is parsed into a `serde_json::Value` on the runtime.
pub struct JsonArg {
    name: &'static str,
    text: splants::Result<Option<String>>,
}

impl JsonArg {
    /// Takes argument `name`; `undefined`, `null` and values JSON cannot represent count as absent.
    pub fn new(env: &Env, value: Option<Unknown>, name: &'static str) -> Self {
        let text = match value {
            None => Ok(None),
            Some(value) => stringify(env, value)
                .map_err(|e| Error::validation(name, format!("cannot be converted to JSON: {}", e.reason))),
        };
        JsonArg { name, text }
    }

    /// The argument as a JSON value (`None` when absent).
    pub fn value(self) -> splants::Result<Option<Value>> {
        let name = self.name;
        self.text?
            .map(|text| serde_json::from_str(&text).map_err(|e| Error::validation(name, format!("is not JSON: {e}"))))
            .transpose()
    }
}

/// `JSON.stringify(value)`; `None` when that is `undefined` (`JSON.stringify(() => 1)`).
fn stringify(env: &Env, value: Unknown) -> napi::Result<Option<String>> {
    let json: Object = env.get_global()?.get_named_property("JSON")?;
    let stringify: Function<Unknown, Option<String>> = json.get_named_property("stringify")?;
    stringify.call(value)
}

/// Runs the future `call` makes on the runtime and returns a Promise that resolves with its
/// value converted to a plain object (the Rust `Serialize` output), or rejects with
/// [`to_js_error`].
pub fn promise<'env, T, F, M>(env: &'env Env, call: M) -> napi::Result<Promise<'env>>
where
    T: Serialize + Send + 'static,
    F: Future<Output = splants::Result<T>> + Send + 'static,
    M: FnOnce() -> F + Send + 'static,
{
    let call = move || call().map(|result| result.and_then(|value| to_tape(&value)));
    settle(env, call, |env, tape| tape.into_js(env))
}

/// The value as a [`Tape`], written where the call finished: on the JavaScript thread for a
/// call that never waited, else on a runtime worker, so the JavaScript thread only decodes.
fn to_tape<T: Serialize>(value: &T) -> splants::Result<Tape> {
    Tape::of(value).map_err(|e| Error::internal(format!("could not serialize the result: {e}")))
}

/// Like [`promise`] for calls with nothing to return: resolves with `undefined`.
pub fn promise_void<'env, F, M>(env: &'env Env, call: M) -> napi::Result<PromiseRaw<'env, ()>>
where
    F: Future<Output = splants::Result<()>> + Send + 'static,
    M: FnOnce() -> F + Send + 'static,
{
    settle(env, call, |_, ()| Ok(()))
}

/// Runs the future `call` makes and returns a Promise for its outcome; `convert` turns the
/// value into JavaScript on the JS thread.
///
/// The first step runs right here, inside napi's Tokio runtime, until the call has to wait (for
/// the provider, the database, a timer): a call that never waits — the offline drafter on the
/// memory store, a cache hit, a template lookup — is settled at once, without two trips
/// between threads. Otherwise the started future moves to the runtime, which polls it again at
/// once (replacing the no-op waker of the first step), and the Promise settles from there.
pub fn settle<'env, T, F, M, C, V>(env: &'env Env, call: M, convert: C) -> napi::Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    F: Future<Output = splants::Result<T>> + Send + 'static,
    M: FnOnce() -> F + Send + 'static,
    C: FnOnce(&'env Env, T) -> napi::Result<V> + 'static,
    V: napi::bindgen_prelude::ToNapiValue,
{
    // The future `call` makes is boxed on its own, the first thing the task does: the engine's
    // futures are large (`generate`'s is about 35 KB), and a task that held one inline would be
    // that size too, copied once into its box and again when `call` runs.
    let mut task = Box::pin(AssertUnwindSafe(async move { Box::pin(call()).await }).catch_unwind());
    let first = napi::bindgen_prelude::within_runtime_if_available(|| {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        task.as_mut().poll(&mut cx)
    });
    if let std::task::Poll::Ready(outcome) = first {
        return match outcome.unwrap_or_else(|payload| Err(Error::internal(panic_message(&payload)))) {
            Ok(value) => PromiseRaw::resolve(env, convert(env, value)?),
            Err(e) => PromiseRaw::reject(env, to_js_error(env, &e)),
        };
    }
    let task = async move {
        let outcome = task.await;
        Ok::<_, napi::Error>(outcome.unwrap_or_else(|payload| Err(Error::internal(panic_message(&payload)))))
    };
    env.spawn_future_with_callback(task, move |env, outcome| match outcome {
        Ok(value) => convert(env, value),
        Err(e) => Err(to_js_error(env, &e)),
    })
}

/// A panic payload as text (what `panic!` was given).
fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("panic in the splants engine: {text}")
}

/// The message: the error, then each `source()` in turn ("Caused by: ..."). A cause is a lower
/// library's own text (a database or HTTP error), so it is redacted as the core redacts its
/// messages: no credential reaches JavaScript.
pub fn message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str("\nCaused by: ");
        text.push_str(&splants::error::redact(&cause.to_string()));
        source = cause.source();
    }
    text
}

/// A JavaScript `Error` for `e`, carrying `code` (`budget_exceeded`, `rate_limited`,
/// `validation_error`, ...), `details` (a plain object), `status` (the HTTP status the
/// original API used), `retryable`, and `name` (the original app's class name).
pub fn to_js_error(env: &Env, e: &Error) -> napi::Error {
    build_js_error(env, e).unwrap_or_else(|conversion| {
        napi::Error::from_reason(format!("{} (could not build the error object: {conversion})", message(e)))
    })
}

fn build_js_error(env: &Env, e: &Error) -> napi::Result<napi::Error> {
    let mut obj = env.create_error(napi::Error::from_reason(message(e)))?;
    obj.set("name", e.type_name())?;
    obj.set("code", e.code().as_str())?;
    obj.set("details", env.to_js_value(&e.details())?)?;
    obj.set("status", u32::from(e.status_code()))?;
    obj.set("retryable", e.is_retryable())?;
    Ok(napi::Error::from(obj.to_unknown()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("could not open the ledger")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn message_carries_the_cause_chain() {
        let e = Outer(std::io::Error::other("disk full"));
        assert_eq!(message(&e), "could not open the ledger\nCaused by: disk full");
        assert_eq!(message(&Error::validation("topic", "must not be empty")), "invalid `topic`: must not be empty");
    }

    #[test]
    fn causes_are_redacted() {
        let e = Outer(std::io::Error::other("refused by postgres://app:hunter2@db/x"));
        assert_eq!(message(&e), "could not open the ledger\nCaused by: refused by postgres://app:[redacted]@db/x");
    }

    /// A storage error from a real database failure carries sqlx's error: the message shows it.
    #[tokio::test]
    async fn a_real_storage_failure_shows_its_cause() {
        let dir = std::env::temp_dir().join(format!("splants-node-cause-{}", std::process::id()));
        std::fs::write(&dir, b"a file, not a directory").unwrap();
        let url = format!("sqlite://{}/inside.db", dir.display());
        let err =
            splants::storage::SqliteStorage::connect(&url, &splants::storage::PoolConfig::default()).await.unwrap_err();
        let _ = std::fs::remove_file(&dir);
        assert_eq!(err.code().as_str(), "storage_error");
        let text = message(&err);
        let (head, cause) = text.split_once("\nCaused by: ").unwrap_or_else(|| panic!("no cause in {text:?}"));
        assert_eq!(head, err.to_string());
        assert!(!cause.is_empty(), "{text}");
    }

    #[test]
    fn panic_payloads_become_text() {
        let p: Box<dyn std::any::Any + Send> = Box::new("boom");
        assert_eq!(panic_message(&p), "panic in the splants engine: boom");
        let p: Box<dyn std::any::Any + Send> = Box::new(String::from("bang 2"));
        assert_eq!(panic_message(&p), "panic in the splants engine: bang 2");
        let p: Box<dyn std::any::Any + Send> = Box::new(7_u8);
        assert_eq!(panic_message(&p), "panic in the splants engine: a panic without a message");
    }
}
