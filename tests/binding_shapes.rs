//! The bindings' declarations of the core's shapes are generated from the core, and the shared
//! table of bad inputs holds the core's own errors.
//!
//! - `bindings/node/types/header.d.ts` (the head of the Node package's `index.d.ts`) holds
//!   `splants::typescript::declarations()` between its markers;
//! - `bindings/shared/shapes.json` is `splants::typescript::description()`, which the Python
//!   stub is checked against (`bindings/python/tests/test_shapes.py`);
//! - every `context` and `request` case of `bindings/shared/bad-inputs.json` gets exactly its
//!   error from the core (Python and Node run the same cases through their bindings).
//!
//! A shape changed in Rust without regenerating fails here; `SPLANTS_BLESS=1 cargo test --test
//! binding_shapes` rewrites the two generated files.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use splants::analytics::NewEvent;
use splants::shapes::{CallerContext, from_value, from_value_in};
use splants::storage::ContentQuery;
use splants::typescript::{BEGIN, END};
use splants::{ContentEngine, ContentRequest, Error, RequestContext};
use std::path::PathBuf;

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn bless() -> bool {
    std::env::var_os("SPLANTS_BLESS").is_some()
}

#[test]
fn the_node_declarations_are_generated_from_the_core() {
    let path = repo_file("bindings/node/types/header.d.ts");
    let header = std::fs::read_to_string(&path).unwrap();
    let generated = splants::typescript::declarations().unwrap();
    let (Some(start), Some(end)) = (header.find(BEGIN), header.find(END)) else {
        panic!("{} has no generated block ({BEGIN} … {END})", path.display());
    };
    let committed = &header[start..end + END.len()];
    if committed == generated {
        return;
    }
    if bless() {
        std::fs::write(&path, header.replace(committed, &generated)).unwrap();
        return;
    }
    let line = committed.lines().zip(generated.lines()).position(|(a, b)| a != b).unwrap_or(0);
    panic!(
        "{}: the declarations differ from the core's shapes (first at line {} of the block: {:?} vs {:?}); \
         rerun with SPLANTS_BLESS=1, then rebuild the addon (npm run build) so index.d.ts follows",
        path.display(),
        line + 1,
        committed.lines().nth(line),
        generated.lines().nth(line)
    );
}

#[test]
fn the_shape_description_is_generated_from_the_core() {
    let path = repo_file("bindings/shared/shapes.json");
    let generated = serde_json::to_string_pretty(&splants::typescript::description().unwrap()).unwrap() + "\n";
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    if bless() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    panic!("{} differs from the core's shapes; rerun with SPLANTS_BLESS=1", path.display());
}

fn table() -> Vec<Value> {
    let text = std::fs::read_to_string(repo_file("bindings/shared/bad-inputs.json")).unwrap();
    let table: Value = serde_json::from_str(&text).unwrap();
    table["cases"].as_array().unwrap().clone()
}

/// What the core answers for a case's input (as the bindings call it), or `None` for kinds the
/// core does not run here.
async fn core_error(engine: &ContentEngine, case: &Value) -> Option<Error> {
    let input = case["input"].clone();
    let anonymous = RequestContext::anonymous();
    let outcome = match case["kind"].as_str().unwrap() {
        "context" => CallerContext::from_value(input).and_then(CallerContext::into_context).map(drop),
        "request" => match ContentRequest::from_value(input) {
            Ok(request) => engine.generate(request, &anonymous).await.map(drop),
            Err(e) => Err(e),
        },
        "query" => match from_value::<ContentQuery>(input) {
            Ok(query) => engine.list_content(query, &anonymous).await.map(drop),
            Err(e) => Err(e),
        },
        "events" => match from_value_in::<Vec<NewEvent>>(input, "events") {
            Ok(events) => engine.record_events(events, &anonymous).await.map(drop),
            Err(e) => Err(e),
        },
        _ => return None,
    };
    Some(outcome.expect_err("the case's input is accepted"))
}

#[tokio::test]
async fn every_bad_input_gets_its_error_from_the_core() {
    let engine = ContentEngine::builder().in_memory().build().await.unwrap();
    let cases = table();
    let mut ran = 0;
    for case in &cases {
        for key in ["kind", "call", "input", "code", "field", "reason"] {
            assert!(case.get(key).is_some(), "case {case} has no `{key}`");
        }
        let Some(err) = core_error(&engine, case).await else { continue };
        ran += 1;
        assert_eq!(err.code().as_str(), case["code"], "{case}");
        assert_eq!(err.details()["field"], case["field"], "{case}");
        assert_eq!(err.details()["reason"], case["reason"], "{case}");
    }
    assert!(ran >= 20, "only {ran} cases ran in the core");
}
