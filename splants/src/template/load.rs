//! Reading templates from TOML and YAML files: one template per file, the same fields as
//! [`Template`], unknown fields rejected; every error names the file.

use super::compiled::Compiled;
use super::model::Template;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The file formats a template may be written in.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Format {
    Toml,
    Yaml,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "toml" => Some(Format::Toml),
        "yaml" | "yml" => Some(Format::Yaml),
        _ => None,
    }
}

/// Reads, parses, validates and compiles one template file.
pub(crate) fn compile_file(path: &Path) -> Result<Compiled> {
    let template = parse_file(path)?;
    Compiled::new(template).map_err(|e| in_file(path, e))
}

/// The template files in `dir` (not recursive), sorted by path so loading is deterministic.
pub(crate) fn template_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::config(dir.display().to_string(), format!("cannot read template directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::config(dir.display().to_string(), format!("cannot read template directory: {e}")))?
            .path();
        if path.is_file() && format_of(&path).is_some() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn parse_file(path: &Path) -> Result<Template> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?").to_owned();
    let format = format_of(path).ok_or_else(|| {
        Error::template(&stem, None, format!("{}: unsupported file type; use .toml, .yaml or .yml", path.display()))
    })?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(path.display().to_string(), format!("cannot read template file: {e}")))?;
    let parsed = match format {
        Format::Toml => parse_toml(&text),
        Format::Yaml => parse_yaml(&text),
    };
    parsed.map_err(|reason| Error::template(stem, None, format!("{}: {reason}", path.display())))
}

fn parse_toml(text: &str) -> Result<Template, String> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_reason(text, &e, None))?;
    serde_path_to_error::deserialize(de).map_err(|e| toml_reason(text, e.inner(), Some(e.path())))
}

/// A one-line reason from a TOML error: the line it points at, the field path, the message.
fn toml_reason(text: &str, e: &toml::de::Error, path: Option<&serde_path_to_error::Path>) -> String {
    let line = e
        .span()
        .and_then(|span| text.get(..span.start))
        .map(|before| format!("line {}: ", before.matches('\n').count() + 1))
        .unwrap_or_default();
    let at = path.map(ToString::to_string).filter(|p| p != "." && p != "?").map(|p| format!(" (at `{p}`)"));
    format!("{line}{}{}", e.message().trim(), at.unwrap_or_default())
}

fn parse_yaml(text: &str) -> Result<Template, String> {
    let de = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." || path == "?" { String::new() } else { format!(" (at `{path}`)") };
        format!("{}{at}", e.inner())
    })
}

/// Puts the file's path in front of a template error from validation or compilation.
fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Template { template, variable, reason } => {
            Error::template(template, variable, format!("{}: {reason}", path.display()))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_are_one_line_with_line_and_path() {
        let text =
            "name = \"x\"\nversion = \"1\"\ncontent_type = \"blog\"\ntopic = \"t\"\nprompt = \"p\"\ncolour = 3\n";
        let reason = parse_toml(text).unwrap_err();
        assert!(reason.starts_with("line 6: unknown field `colour`"), "{reason}");
        assert!(!reason.contains('\n'), "{reason}");
        let reason = parse_toml("name = \"x\"\nversion = \n").unwrap_err();
        assert!(reason.starts_with("line 2: "), "{reason}");
        let text = "name = \"x\"\nversion = \"1\"\ncontent_type = \"blog\"\ntopic = \"t\"\nprompt = \"p\"\n\
                    [[variables]]\nname = \"a\"\nkind = \"colour\"\n";
        let reason = parse_toml(text).unwrap_err();
        assert!(reason.contains("unknown variant `colour`") && reason.contains("variables[0].kind"), "{reason}");
    }

    use crate::template::{TemplateRegistry, VariableKind};
    use std::fs;

    const TOML_OK: &str = r#"
name = "webinar_invite"
version = "1.2.0"
description = "Invitation to a webinar"
content_type = "email"
default_tone = "friendly"
default_length = 200
keywords = ["webinar"]
topic = "Join {{ title }}"
prompt = """
Invite readers to {{ title }} on {{ day }}.
{% if hosts %}Hosts: {{ hosts }}{% endif %}
"""

[[variables]]
name = "title"
description = "Webinar title"

[[variables]]
name = "day"
kind = "date"

[[variables]]
name = "hosts"
kind = "list"
required = false
"#;

    const YAML_OK: &str = r#"
name: flash_sale
version: "1"
content_type: ad_copy
default_length: 40
topic: "{{ percent }}% off today"
prompt: |
  Announce a {{ percent }}% flash sale{% if ends %} ending {{ ends }}{% endif %}.
variables:
  - name: percent
    kind: integer
  - name: ends
    kind: date
    required: false
"#;

    #[test]
    fn load_dir_reads_toml_and_yaml_sorted() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("b_webinar.toml"), TOML_OK).unwrap();
        fs::write(dir.path().join("a_sale.yml"), YAML_OK).unwrap();
        fs::write(dir.path().join("notes.txt"), "not a template").unwrap();
        let reg = TemplateRegistry::new();
        assert_eq!(reg.load_dir(dir.path()).unwrap(), 2);
        let webinar = reg.get("webinar_invite").unwrap();
        assert_eq!(webinar.version, "1.2.0");
        assert_eq!(webinar.variables[1].kind, VariableKind::Date);
        assert!(!webinar.variables[2].required);
        let vars = serde_json::json!({"title": "Scaling SEO", "day": "2026-06-01", "hosts": ["Ana", "Bo"]});
        let r = reg.render("webinar_invite", vars.as_object().unwrap()).unwrap();
        assert_eq!(r.prompt, "Invite readers to Scaling SEO on 2026-06-01.\nHosts: Ana, Bo");
        let r = reg.render("flash_sale", serde_json::json!({"percent": 30}).as_object().unwrap()).unwrap();
        assert_eq!((r.topic.as_str(), r.prompt.as_str()), ("30% off today", "Announce a 30% flash sale."));
    }

    #[test]
    fn load_dir_is_all_or_nothing_and_names_the_bad_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a_good.toml"), TOML_OK).unwrap();
        let bad = YAML_OK.replace("  - name: ends", "  - name: ends\n    colour: red");
        fs::write(dir.path().join("b_bad.yaml"), bad).unwrap();
        let reg = TemplateRegistry::new();
        let e = reg.load_dir(dir.path()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("b_bad.yaml") && msg.contains("unknown field `colour`"), "{msg}");
        assert!(reg.list().is_empty(), "nothing from a failed batch may be registered");

        // A template that parses but does not compile also names its file.
        let undeclared = TOML_OK.replace("Invite readers", "{{ secret }} Invite readers");
        fs::write(dir.path().join("b_bad.yaml"), YAML_OK).unwrap();
        fs::write(dir.path().join("c_undeclared.toml"), undeclared).unwrap();
        let msg = reg.load_dir(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("c_undeclared.toml") && msg.contains("undeclared variable `secret`"), "{msg}");
        assert!(reg.list().is_empty());
    }

    #[test]
    fn duplicate_names_across_files_fail() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("one.toml"), TOML_OK).unwrap();
        fs::write(dir.path().join("two.toml"), TOML_OK).unwrap();
        let msg = TemplateRegistry::new().load_dir(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("two.toml: defines the same template as") && msg.contains("one.toml"), "{msg}");
    }

    #[test]
    fn load_file_registers_one_and_reports_io_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sale.yaml");
        fs::write(&path, YAML_OK).unwrap();
        let reg = TemplateRegistry::new();
        assert_eq!(reg.load_file(&path).unwrap().name, "flash_sale");
        assert_eq!(reg.list().len(), 1);
        let missing = reg.load_file(dir.path().join("missing.toml")).unwrap_err();
        assert!(matches!(&missing, Error::Config { field, .. } if field.ends_with("missing.toml")), "{missing}");
        let e = reg.load_dir(dir.path().join("no_such_dir")).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::ConfigError);
        let txt = dir.path().join("x.txt");
        fs::write(&txt, "x").unwrap();
        assert!(reg.load_file(&txt).unwrap_err().to_string().contains("unsupported file type"));
    }

    #[test]
    fn yaml_errors_name_the_field() {
        let text =
            "name: x\nversion: '1'\ncontent_type: blog\ntopic: t\nprompt: p\nvariables:\n  - name: a\n    colour: 1\n";
        let reason = parse_yaml(text).unwrap_err();
        assert!(reason.contains("unknown field `colour`") && reason.contains("variables[0]"), "{reason}");
    }
}
