//! Objects written in JavaScript's camelCase or the original app's snake_case.

use serde_json::{Map, Value};
use splants::{Error, Result};

/// Renames every object key in `value` to snake_case, recursively, so a request may be written
/// in JavaScript's camelCase (`contentType`) or in the original app's snake_case
/// (`content_type`); keys already in snake_case are unchanged.
///
/// The values of keys listed in `opaque` (snake_case names) are copied untouched, because
/// their keys are user data rather than field names: template variable names, model ids in a
/// price table, tier names. Giving both spellings of one key (`contentType` and
/// `content_type`) is a validation error naming both, rather than one silently winning.
///
/// ```text
/// {"contentType": "blog", "seoOptimize": false}  →  {"content_type": "blog", "seo_optimize": false}
/// ```
pub fn snake_case_keys(value: Value, opaque: &[&str]) -> Result<Value> {
    convert(value, opaque, "")
}

fn convert(value: Value, opaque: &[&str], path: &str) -> Result<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, inner) in map {
                let snake = to_snake(&key);
                let field = if path.is_empty() { snake.clone() } else { format!("{path}.{snake}") };
                if out.contains_key(&snake) {
                    return Err(Error::validation(
                        field,
                        format!("is given twice (as `{key}` and in another spelling); give it once"),
                    ));
                }
                let inner = if opaque.contains(&snake.as_str()) { inner } else { convert(inner, opaque, &field)? };
                out.insert(snake, inner);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| convert(item, opaque, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

/// Renames every object key in `value` to camelCase, recursively: the core's JSON of an
/// argument shape as JavaScript writes it (`key_budget` → `keyBudget`), so that it can be passed
/// back (the request context `verifyApiKey` returns).
pub fn camel_case_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (crate::options::camel_case(&k), camel_case_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(camel_case_keys).collect()),
        other => other,
    }
}

/// `contentType` → `content_type`, `keyID` → `key_id`; snake_case stays as it is.
fn to_snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower_or_digit = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower_or_digit {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower_or_digit = false;
        } else {
            out.push(c);
            prev_lower_or_digit = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renames_camel_case_and_keeps_snake_case() {
        assert_eq!(to_snake("contentType"), "content_type");
        assert_eq!(to_snake("content_type"), "content_type");
        assert_eq!(to_snake("keyID"), "key_id");
        assert_eq!(to_snake("maxOutputTokens"), "max_output_tokens");
        assert_eq!(to_snake("topic"), "topic");
    }

    #[test]
    fn converts_nested_objects_but_not_opaque_values() {
        let input = json!({
            "contentType": "blog",
            "keywords": ["keepThis"],
            "nested": [{"minQuality": 0.5}],
            "variables": {"productName": "X"}
        });
        let out = snake_case_keys(input, &["variables"]).unwrap();
        assert_eq!(
            out,
            json!({
                "content_type": "blog",
                "keywords": ["keepThis"],
                "nested": [{"min_quality": 0.5}],
                "variables": {"productName": "X"}
            })
        );
    }

    #[test]
    fn camel_case_keys_undo_snake_case_keys() {
        let snake = json!({"key_id": "k", "quota": [1, 2], "nested": [{"min_quality": 0.5}]});
        let camel = camel_case_keys(snake.clone());
        assert_eq!(camel, json!({"keyId": "k", "quota": [1, 2], "nested": [{"minQuality": 0.5}]}));
        assert_eq!(snake_case_keys(camel, &[]).unwrap(), snake);
    }

    #[test]
    fn both_spellings_are_an_error_naming_the_field() {
        let err = snake_case_keys(json!({"a": {"contentType": "blog", "content_type": "email"}}), &[]).unwrap_err();
        match err {
            Error::Validation { field, reason } => {
                assert_eq!(field, "a.content_type");
                assert!(reason.contains("given twice"), "{reason}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}
