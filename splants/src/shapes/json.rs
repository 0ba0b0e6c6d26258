//! JSON values (a binding's argument) into the core's types, with errors that name the field.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes `value` into `T`; an error names the offending field as the shape names it
/// (`tone`, `keywords[2]`, `variables[0].name`), a missing field says `is required`, and a
/// value of the wrong kind as a whole is an error of `body`.
///
/// ```
/// use splants::storage::ContentQuery;
/// let err = splants::shapes::from_value::<ContentQuery>(serde_json::json!({"limit": "ten"})).unwrap_err();
/// assert!(matches!(err, splants::Error::Validation { ref field, .. } if field == "limit"));
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let (path, reason) = located(&e);
        Error::validation(if path.is_empty() { "body".to_owned() } else { path }, reason)
    })
}

/// Like [`from_value`] for the argument called `arg`: the field is named inside it
/// (`events[0].event_name`, `overrides.tone`), and an error of the whole value names `arg`.
///
/// ```
/// use splants::analytics::NewEvent;
/// let bad = serde_json::json!([{"event_name": "teleport"}]);
/// let err = splants::shapes::from_value_in::<Vec<NewEvent>>(bad, "events").unwrap_err();
/// assert!(matches!(err, splants::Error::Validation { ref field, .. } if field == "events[0].event_name"));
/// ```
pub fn from_value_in<T: DeserializeOwned>(value: Value, arg: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let (path, reason) = located(&e);
        let field = if path.is_empty() {
            arg.to_owned()
        } else if path.starts_with('[') {
            format!("{arg}{path}")
        } else {
            format!("{arg}.{path}")
        };
        Error::validation(field, reason)
    })
}

/// The path of the bad field (empty for the whole value) and why. serde reports a missing field
/// (and an unknown one at the top) at its parent; the field's own name is taken from the message.
fn located(e: &serde_path_to_error::Error<serde_json::Error>) -> (String, String) {
    let path = match e.path().to_string().as_str() {
        "." | "?" => String::new(),
        p => p.to_owned(),
    };
    let inner = e.inner().to_string();
    let reason = match inner.find(" at line ") {
        Some(pos) => inner[..pos].to_owned(),
        None => inner,
    };
    let join = |name: &str| if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    if let Some(name) = reason.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
        return (join(name), "is required".to_owned());
    }
    if let Some(name) = reason.strip_prefix("unknown field `").and_then(|r| r.split('`').next())
        && path.is_empty()
    {
        // Reported at the parent only when nothing is tracked yet; otherwise the path ends with it.
        return (name.to_owned(), reason.clone());
    }
    (path, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::NewEvent;
    use crate::template::TemplateOverrides;
    use serde_json::json;

    fn field(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn fields_are_named_inside_the_argument() {
        let e = from_value_in::<TemplateOverrides>(json!({"tone": "snarky"}), "overrides").unwrap_err();
        assert_eq!(field(e), "overrides.tone");
        let e = from_value_in::<TemplateOverrides>(json!({"colour": 1}), "overrides").unwrap_err();
        assert_eq!(field(e), "overrides.colour");
        let e = from_value_in::<TemplateOverrides>(json!(7), "overrides").unwrap_err();
        assert_eq!(field(e), "overrides");
        let e = from_value_in::<Vec<NewEvent>>(json!([{"event_name": "click"}, {"count": 1}]), "events").unwrap_err();
        assert_eq!(field(e), "events[1].event_name");
        let e = from_value_in::<Vec<NewEvent>>(json!({"event_name": "click"}), "events").unwrap_err();
        assert_eq!(field(e), "events");
    }

    #[test]
    fn top_level_fields_are_named_as_the_shape_names_them() {
        assert_eq!(field(from_value::<NewEvent>(json!({"count": 1})).unwrap_err()), "event_name");
        assert_eq!(field(from_value::<NewEvent>(json!({"event_name": "x"})).unwrap_err()), "event_name");
        assert_eq!(field(from_value::<NewEvent>(json!({"event_name": "click", "colour": 1})).unwrap_err()), "colour");
        assert_eq!(field(from_value::<NewEvent>(json!([])).unwrap_err()), "body");
    }
}
