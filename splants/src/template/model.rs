//! What a template is: its typed variables, the brief defaults it carries, and the static
//! checks that run before its Jinja sources are compiled.

use super::value;
use crate::content::{ContentRequest, ContentType, MAX_KEYWORD_CHARS, MAX_KEYWORDS, Platform, Tone};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// Longest template or variable name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest version string, in characters.
pub const MAX_VERSION_CHARS: usize = 32;

/// Names a variable may not take: Jinja keywords and the engine's global functions, which a
/// variable of the same name would make unreachable or ambiguous.
const RESERVED_NAMES: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "loop",
    "self",
    "super",
    "range",
    "dict",
    "debug",
    "namespace",
];

/// The type a variable's value must have; checked on every render.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum VariableKind {
    /// Any text (a JSON string).
    #[default]
    String,
    /// A whole number; also accepted as a string of digits (`"42"`).
    Integer,
    /// Any finite number; also accepted as a numeric string (`"19.99"`).
    Number,
    /// `true` or `false`; also accepted as the strings `"true"` / `"false"`.
    Boolean,
    /// A JSON array of strings, numbers or booleans; `{{ x }}` prints it comma-separated.
    List,
    /// A calendar date written `YYYY-MM-DD`; rendered as written.
    Date,
}

impl VariableKind {
    /// The snake_case name used in files and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            VariableKind::String => "string",
            VariableKind::Integer => "integer",
            VariableKind::Number => "number",
            VariableKind::Boolean => "boolean",
            VariableKind::List => "list",
            VariableKind::Date => "date",
        }
    }

    /// What a value of this kind looks like, for error messages.
    pub const fn expected(self) -> &'static str {
        match self {
            VariableKind::String => "a string",
            VariableKind::Integer => "an integer",
            VariableKind::Number => "a number",
            VariableKind::Boolean => "a boolean (true or false)",
            VariableKind::List => "a list of strings, numbers or booleans",
            VariableKind::Date => "a date written YYYY-MM-DD",
        }
    }
}

impl fmt::Display for VariableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn yes() -> bool {
    true
}

/// One input a template declares; only declared variables may be passed or used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct TemplateVariable {
    /// Identifier used in the Jinja sources (`product_name`).
    pub name: String,
    /// What to pass, shown to users listing templates.
    #[serde(default)]
    pub description: String,
    /// The value's type; `string` when omitted.
    #[serde(default)]
    pub kind: VariableKind,
    /// Whether a value must be given (or come from `default`); `true` when omitted.
    #[serde(default = "yes")]
    pub required: bool,
    /// Value used when none is given; must match `kind`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    #[cfg_attr(feature = "typescript", ts(optional, type = "unknown"))]
    pub default: Option<serde_json::Value>,
}

impl TemplateVariable {
    /// A required string variable.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        TemplateVariable {
            name: name.into(),
            description: description.into(),
            kind: VariableKind::String,
            required: true,
            default: None,
        }
    }

    /// Sets the kind.
    #[must_use]
    pub fn kind(mut self, kind: VariableKind) -> Self {
        self.kind = kind;
        self
    }

    /// Makes the variable optional (renders as empty when not given and without default).
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// Sets the default value, which also makes the variable optional.
    #[must_use]
    pub fn default_value(mut self, value: impl Into<serde_json::Value>) -> Self {
        self.default = Some(value.into());
        self.required = false;
        self
    }
}

/// A reusable brief: Jinja sources for the topic and the writing instructions, typed
/// variables, and defaults for the request it produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Template {
    /// Identifier: 1 to 64 of `a-z`, `0-9`, `_`.
    pub name: String,
    /// Version of the template text (`1.0.0`), recorded with the content it produced.
    pub version: String,
    /// What the template is for.
    #[serde(default)]
    pub description: String,
    /// The kind of copy it writes.
    pub content_type: ContentType,
    /// Tone unless the caller overrides it.
    #[serde(default)]
    pub default_tone: Tone,
    /// Length in words unless overridden; within the content type's allowed range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_length: Option<u32>,
    /// Platform unless overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_platform: Option<Platform>,
    /// The inputs the sources may use; every one they use must be declared.
    #[serde(default)]
    pub variables: Vec<TemplateVariable>,
    /// Keywords for the request unless the caller gives their own.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Jinja source of the request topic (`Launch of {{ product_name }}`).
    pub topic: String,
    /// Jinja source of the writing instructions handed to the model.
    pub prompt: String,
}

impl Template {
    /// The declared variable called `name`.
    pub fn variable(&self, name: &str) -> Option<&TemplateVariable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// The declared variable names, comma-separated in declaration order (for messages).
    pub(crate) fn declared_list(&self) -> String {
        if self.variables.is_empty() {
            return "none".to_owned();
        }
        self.variables.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Checks everything that does not need the Jinja compiler; errors name the template and
    /// the offending field or variable.
    pub fn validate(&self) -> Result<()> {
        let err =
            |variable: Option<&str>, reason: String| Error::template(&self.name, variable.map(Into::into), reason);
        if !valid_template_name(&self.name) {
            return Err(err(
                None,
                format!("invalid name `{}`: use 1 to {MAX_NAME_CHARS} characters of a-z, 0-9 and _", self.name),
            ));
        }
        let version = self.version.trim();
        if version.is_empty()
            || version.chars().count() > MAX_VERSION_CHARS
            || version.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(err(
                None,
                format!(
                    "invalid version `{}`: must be 1 to {MAX_VERSION_CHARS} characters without spaces, such as 1.0.0",
                    self.version
                ),
            ));
        }
        if self.topic.trim().is_empty() {
            return Err(err(None, "`topic` must not be empty".into()));
        }
        if self.prompt.trim().is_empty() {
            return Err(err(None, "`prompt` must not be empty".into()));
        }
        self.validate_variables()?;
        self.validate_defaults()
    }

    fn validate_variables(&self) -> Result<()> {
        let mut seen = HashSet::new();
        for var in &self.variables {
            let name = var.name.as_str();
            let err = |reason: String| Error::template(&self.name, Some(name.to_owned()), reason);
            if !valid_variable_name(name) {
                return Err(err(format!(
                    "invalid variable name `{name}`: use 1 to {MAX_NAME_CHARS} of letters, digits and _, \
                     not starting with a digit"
                )));
            }
            if RESERVED_NAMES.contains(&name) {
                return Err(err(format!("variable name `{name}` is reserved in templates; choose another")));
            }
            if !seen.insert(name) {
                return Err(err(format!("variable `{name}` is declared twice")));
            }
            if let Some(default) = &var.default {
                value::to_jinja(var.kind, default)
                    .map_err(|reason| err(format!("default of `{name}` does not match its kind: {reason}")))?;
            }
        }
        Ok(())
    }

    fn validate_defaults(&self) -> Result<()> {
        let err = |reason: String| Error::template(&self.name, None, reason);
        if let Some(len) = self.default_length {
            let (min, max) = self.content_type.length_range();
            if len < min || len > max {
                return Err(err(format!(
                    "`default_length` {len} is out of range for {}: allowed {min}..={max}",
                    self.content_type
                )));
            }
        }
        if self.keywords.len() > MAX_KEYWORDS {
            return Err(err(format!("`keywords` has {} entries; at most {MAX_KEYWORDS} allowed", self.keywords.len())));
        }
        for (i, kw) in self.keywords.iter().enumerate() {
            if kw.trim().is_empty() {
                return Err(err(format!("`keywords[{i}]` must not be empty")));
            }
            if kw.chars().count() > MAX_KEYWORD_CHARS || kw.chars().any(char::is_control) {
                return Err(err(format!(
                    "`keywords[{i}]` must be at most {MAX_KEYWORD_CHARS} characters without control characters"
                )));
            }
        }
        // The defaults together must make a valid brief (e.g. the length must fit the platform).
        let probe = ContentRequest {
            tone: self.default_tone,
            length: self.default_length,
            platform: self.default_platform,
            keywords: self.keywords.clone(),
            ..ContentRequest::new(self.content_type, "template probe")
        };
        probe.validate().map_err(|e| err(format!("its defaults do not make a valid brief: {e}")))
    }
}

/// Whether `name` is a valid template name: 1 to 64 of `a-z`, `0-9`, `_`.
pub fn valid_template_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn valid_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && name.len() <= MAX_NAME_CHARS
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Template {
        Template {
            name: "sample".into(),
            version: "1.0.0".into(),
            description: "d".into(),
            content_type: ContentType::Blog,
            default_tone: Tone::Informative,
            default_length: Some(800),
            default_platform: None,
            variables: vec![TemplateVariable::new("subject", "what it is about")],
            keywords: vec!["seo".into()],
            topic: "About {{ subject }}".into(),
            prompt: "Write about {{ subject }}.".into(),
        }
    }

    fn reason(t: &Template) -> (Option<String>, String) {
        match t.validate() {
            Err(Error::Template { template, variable, reason }) => {
                assert_eq!(template, t.name);
                (variable, reason)
            }
            other => panic!("expected a template error, got {other:?}"),
        }
    }

    #[test]
    fn valid_sample_passes() {
        sample().validate().unwrap();
    }

    #[test]
    fn names_and_version() {
        for bad in ["", "Upper", "with-dash", "sp ace", &"x".repeat(65)] {
            let t = Template { name: bad.into(), ..sample() };
            assert!(reason(&t).1.starts_with("invalid name"), "{bad}");
        }
        assert!(Template { name: "a_1".into(), ..sample() }.validate().is_ok());
        let t = Template { version: "  ".into(), ..sample() };
        assert!(reason(&t).1.starts_with("invalid version"));
        let t = Template { version: "1.0 beta".into(), ..sample() };
        assert!(reason(&t).1.starts_with("invalid version"));
    }

    #[test]
    fn variables_are_checked() {
        let mut t = sample();
        t.variables.push(TemplateVariable::new("subject", "again"));
        assert_eq!(reason(&t), (Some("subject".into()), "variable `subject` is declared twice".into()));

        let t = Template { variables: vec![TemplateVariable::new("9lives", "")], ..sample() };
        assert_eq!(reason(&t).0.as_deref(), Some("9lives"));
        let t = Template { variables: vec![TemplateVariable::new("loop", "")], ..sample() };
        assert!(reason(&t).1.contains("reserved"));

        let bad_default = TemplateVariable::new("count", "").kind(VariableKind::Integer).default_value("many");
        let t = Template { variables: vec![bad_default], ..sample() };
        let (var, why) = reason(&t);
        assert_eq!(var.as_deref(), Some("count"));
        assert!(why.contains("default of `count`") && why.contains("an integer"), "{why}");
    }

    #[test]
    fn defaults_are_checked() {
        let t = Template { default_length: Some(50), ..sample() };
        assert_eq!(reason(&t).1, "`default_length` 50 is out of range for blog: allowed 100..=5000");
        let t = Template { keywords: vec!["ok".into(), " ".into()], ..sample() };
        assert_eq!(reason(&t).1, "`keywords[1]` must not be empty");
        let t = Template {
            content_type: ContentType::SocialMedia,
            default_platform: Some(Platform::Linkedin),
            default_length: Some(900),
            ..sample()
        };
        assert!(reason(&t).1.starts_with("its defaults do not make a valid brief: invalid `length`"));
        let t = Template { prompt: " \n".into(), ..sample() };
        assert_eq!(reason(&t).1, "`prompt` must not be empty");
    }

    #[test]
    fn serde_defaults_and_unknown_fields() {
        let json = r#"{"name":"x","version":"1","content_type":"email","topic":"t","prompt":"p",
            "variables":[{"name":"a"}]}"#;
        let t: Template = serde_json::from_str(json).unwrap();
        assert_eq!(t.default_tone, Tone::Professional);
        assert_eq!(t.variables[0], TemplateVariable::new("a", ""));
        let bad = r#"{"name":"x","version":"1","content_type":"email","topic":"t","prompt":"p","colour":1}"#;
        assert!(serde_json::from_str::<Template>(bad).unwrap_err().to_string().contains("unknown field `colour`"));
        assert_eq!(serde_json::to_value(VariableKind::Date).unwrap(), "date");
    }
}
