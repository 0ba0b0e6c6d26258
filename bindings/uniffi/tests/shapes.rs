//! The uniffi records name every field of every core shape the binding exposes.
//!
//! `bindings/shared/shapes.json` is generated from the core's types (`tests/binding_shapes.rs`);
//! the committed Swift bindings (`bindings/uniffi/swift/Splants.swift`, checked against the
//! library by `scripts/test.sh`) show the records as Swift and Kotlin see them. This test fails
//! when a core field has no field in the record that carries that shape. (A result record also
//! refuses, at run time, a field it does not know: `records::from_core`.)

use std::collections::{BTreeMap, BTreeSet};

/// `key_budget` → `keyBudget`, as uniffi names fields in Swift and Kotlin.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Each `public struct` of the Swift module with its `public var` fields.
fn swift_structs(source: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut structs = BTreeMap::new();
    let mut current: Option<(String, BTreeSet<String>)> = None;
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("public struct ") {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            current = Some((name, BTreeSet::new()));
        } else if let Some((_, fields)) = current.as_mut() {
            if let Some(rest) = line.trim_start().strip_prefix("public var ") {
                let field: String =
                    rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '`').collect();
                fields.insert(field.trim_matches('`').to_owned());
            } else if line.starts_with('}') || line.contains("public init(") {
                let (name, fields) = current.take().unwrap_or_default();
                structs.insert(name, fields);
            }
        }
    }
    structs
}

#[test]
fn every_core_field_has_a_record_field() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let shapes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("../shared/shapes.json")).unwrap()).unwrap();
    let swift = swift_structs(&std::fs::read_to_string(root.join("swift/Splants.swift")).unwrap());

    // Where each core shape lives: the record of its result view, and of its argument view
    // where that is another record.
    let records = |shape: &str, view: &str| -> Vec<&'static str> {
        match (shape, view) {
            ("CallerContext", _) => vec!["RequestContext"],
            ("ContentRequest", _) => vec!["ContentRequest", "StoredRequest"],
            ("Template", _) => vec!["Template", "TemplateInput"],
            ("TemplateVariable", _) => vec!["TemplateVariable", "TemplateVariableInput"],
            _ => vec![],
        }
    };
    // Fields whose record name differs from the core's (a word reserved in Swift or Kotlin).
    let renamed = |field: &str| match field {
        "type" => "errorType".to_owned(),
        "default" => "defaultValue".to_owned(),
        other => camel(other),
    };

    let mut missing = Vec::new();
    let mut checked = 0;
    for shape in shapes["shapes"].as_array().unwrap() {
        let name = shape["shape"].as_str().unwrap();
        let view = shape["view"].as_str().unwrap();
        let fields: Vec<&str> = shape["fields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        let mut targets: Vec<String> = records(name, view).into_iter().map(str::to_owned).collect();
        if targets.is_empty() {
            targets.push(name.to_owned());
        }
        for target in targets {
            let Some(have) = swift.get(&target) else {
                missing.push(format!("{name}: no record {target}"));
                continue;
            };
            for field in &fields {
                // IssuedKey keeps the key's fields in `key` (an ApiKeyInfo) beside `secret`.
                let found = if target == "IssuedKey" && *field != "secret" {
                    have.contains("key") && swift["ApiKeyInfo"].contains(&renamed(field))
                } else {
                    have.contains(&renamed(field))
                };
                if !found {
                    missing.push(format!("{name}.{field}: not in {target}"));
                }
                checked += 1;
            }
        }
    }
    assert!(missing.is_empty(), "core fields without a record field:\n{}", missing.join("\n"));
    assert!(checked > 250, "only {checked} fields checked: is shapes.json or the Swift file truncated?");
}
