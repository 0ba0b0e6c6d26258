//! Variable values: checking a JSON value against its declared kind, turning it into a Jinja
//! value, and how values print inside a template.

use super::model::VariableKind;
use crate::sanitize::plain_text;
use minijinja::value::{Value, ValueKind};
use minijinja::{Output, State};
use serde_json::Value as Json;

/// Longest excerpt of a bad value quoted back in an error.
const MAX_QUOTE_CHARS: usize = 40;

/// Checks `value` against `kind` and converts it for rendering; the error says what was
/// expected and what was given.
pub(crate) fn to_jinja(kind: VariableKind, value: &Json) -> Result<Value, String> {
    let wrong = || format!("expected {}, got {}", kind.expected(), describe(value));
    // Text with NUL or other control characters is never meant (and Postgres cannot store NUL).
    let texts: Vec<&str> = match value {
        Json::String(s) => vec![s.as_str()],
        Json::Array(items) => items.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    for text in texts {
        if let Err(crate::Error::Validation { reason, .. }) = crate::content::check_no_control("", text) {
            return Err(reason);
        }
    }
    match kind {
        // Text reaches the prompt without HTML (crate::sanitize).
        VariableKind::String => value.as_str().map(|s| Value::from(plain_text(s).as_ref())).ok_or_else(wrong),
        VariableKind::Integer => integer(value).map(Value::from).ok_or_else(wrong),
        VariableKind::Number => number(value).ok_or_else(wrong),
        VariableKind::Boolean => match value {
            Json::Bool(b) => Ok(Value::from(*b)),
            Json::String(s) if s == "true" => Ok(Value::from(true)),
            Json::String(s) if s == "false" => Ok(Value::from(false)),
            _ => Err(wrong()),
        },
        VariableKind::List => {
            let items = value.as_array().ok_or_else(wrong)?;
            items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Json::String(s) => Ok(Value::from(plain_text(s).as_ref())),
                    Json::Bool(b) => Ok(Value::from(*b)),
                    Json::Number(_) => number(item).ok_or_else(wrong),
                    _ => Err(format!("expected {}, but item {i} is {}", kind.expected(), describe(item))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::from)
        }
        VariableKind::Date => {
            let s = value.as_str().ok_or_else(wrong)?;
            let well_formed = s.len() == 10
                && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
            if well_formed && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
                Ok(Value::from(s))
            } else {
                Err(format!("expected {}, got `{}` which is not a calendar date", kind.expected(), quote(s)))
            }
        }
    }
}

fn integer(value: &Json) -> Option<i64> {
    match value {
        Json::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            // 3.0 from a client that only has floats is still the integer 3.
            let in_range = f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15;
            #[allow(clippy::cast_possible_truncation)]
            in_range.then_some(f as i64)
        }),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn number(value: &Json) -> Option<Value> {
    let n = match value {
        Json::Number(n) => n.clone(),
        Json::String(s) => serde_json::from_str::<serde_json::Number>(s.trim()).ok()?,
        _ => return None,
    };
    // Keep integers integral so `{{ seats }}` prints `12`, not `12.0`.
    if let Some(i) = n.as_i64() {
        return Some(Value::from(i));
    }
    n.as_f64().filter(|f| f.is_finite()).map(Value::from)
}

/// A short description of a JSON value for error messages, never quoting more than a few
/// dozen characters of it.
fn describe(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("the boolean {b}"),
        Json::Number(n) => format!("the number {n}"),
        Json::String(s) => format!("the string `{}`", quote(s)),
        Json::Array(a) => format!("a list of {} items", a.len()),
        Json::Object(_) => "an object".into(),
    }
}

fn quote(s: &str) -> String {
    if s.chars().count() <= MAX_QUOTE_CHARS {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(MAX_QUOTE_CHARS).collect();
    out.push('…');
    out
}

/// How `{{ value }}` prints: `none` as nothing (an optional variable left out), a list as its
/// items joined by `, `, everything else as Jinja prints it (no HTML escaping: prompts are text).
pub(crate) fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), minijinja::Error> {
    if value.is_none() {
        return Ok(());
    }
    if value.kind() == ValueKind::Seq {
        for (i, item) in value.try_iter()?.enumerate() {
            if i > 0 {
                out.write_str(", ")?;
            }
            format_value(out, state, &item)?;
        }
        return Ok(());
    }
    minijinja::escape_formatter(out, state, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(kind: VariableKind, v: Json) -> String {
        to_jinja(kind, &v).unwrap().to_string()
    }

    fn err(kind: VariableKind, v: Json) -> String {
        to_jinja(kind, &v).unwrap_err()
    }

    #[test]
    fn accepts_each_kind() {
        assert_eq!(ok(VariableKind::String, json!("hi")), "hi");
        assert_eq!(ok(VariableKind::Integer, json!(42)), "42");
        assert_eq!(ok(VariableKind::Integer, json!("42")), "42");
        assert_eq!(ok(VariableKind::Integer, json!(3.0)), "3");
        assert_eq!(ok(VariableKind::Number, json!(12)), "12");
        assert_eq!(ok(VariableKind::Number, json!(19.99)), "19.99");
        assert_eq!(ok(VariableKind::Number, json!("4.5")), "4.5");
        assert_eq!(to_jinja(VariableKind::Boolean, &json!(true)).unwrap(), Value::from(true));
        assert_eq!(to_jinja(VariableKind::Boolean, &json!("false")).unwrap(), Value::from(false));
        assert_eq!(ok(VariableKind::Date, json!("2028-02-29")), "2028-02-29");
        let list = to_jinja(VariableKind::List, &json!(["a", 2, true])).unwrap();
        assert_eq!(list.len(), Some(3));
    }

    #[test]
    fn rejects_wrong_kinds_with_expectation() {
        assert_eq!(err(VariableKind::String, json!(["a"])), "expected a string, got a list of 1 items");
        assert_eq!(err(VariableKind::Integer, json!(1.5)), "expected an integer, got the number 1.5");
        assert_eq!(err(VariableKind::Integer, json!("1.5")), "expected an integer, got the string `1.5`");
        assert_eq!(err(VariableKind::Number, json!("cheap")), "expected a number, got the string `cheap`");
        assert_eq!(
            err(VariableKind::Boolean, json!("yes")),
            "expected a boolean (true or false), got the string `yes`"
        );
        assert_eq!(
            err(VariableKind::Date, json!("2026-13-40")),
            "expected a date written YYYY-MM-DD, got `2026-13-40` which is not a calendar date"
        );
        assert!(err(VariableKind::Date, json!("2026-2-1")).contains("not a calendar date"));
        assert!(err(VariableKind::Date, json!("2027-02-29")).contains("not a calendar date"));
        assert_eq!(
            err(VariableKind::List, json!(["a", {"b": 1}])),
            "expected a list of strings, numbers or booleans, but item 1 is an object"
        );
        let long = "x".repeat(100);
        assert!(err(VariableKind::Integer, json!(long)).ends_with("…`"));
    }
}
