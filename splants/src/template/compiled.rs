//! A template compiled once into its own Jinja environment, and rendering it with checked
//! variables.

use super::model::{Template, VariableKind};
use super::rendered::RenderedTemplate;
use super::value::{format_value, to_jinja};
use crate::error::{Error, Result};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Name of the topic source inside the template's environment.
const TOPIC: &str = "topic";
/// Name of the prompt source inside the template's environment.
const PROMPT: &str = "prompt";

/// A validated template with its compiled sources; immutable and shared behind an `Arc`.
pub(crate) struct Compiled {
    pub(crate) template: Arc<Template>,
    env: Environment<'static>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled").field("name", &self.template.name).finish_non_exhaustive()
    }
}

impl Compiled {
    /// Validates and compiles `template`: syntax errors name the part and line, and every
    /// variable the sources read must be declared.
    pub(crate) fn new(template: Template) -> Result<Self> {
        template.validate()?;
        let mut env = environment()?;
        for (part, source) in [(TOPIC, &template.topic), (PROMPT, &template.prompt)] {
            env.add_template_owned(part, source.clone()).map_err(|e| {
                let line = e.line().map(|l| format!(" at line {l}")).unwrap_or_default();
                let detail = e.detail().unwrap_or("invalid template");
                Error::template(&template.name, None, format!("syntax error in `{part}`{line}: {detail}"))
            })?;
        }
        let compiled = Compiled { template: Arc::new(template), env };
        compiled.check_undeclared()?;
        compiled.check_sample_render()?;
        Ok(compiled)
    }

    fn check_undeclared(&self) -> Result<()> {
        let t = &self.template;
        let globals: Vec<&str> = self.env.globals().map(|(name, _)| name).collect();
        for part in [TOPIC, PROMPT] {
            let tmpl = self.env.get_template(part).map_err(|e| self.render_error(part, &e))?;
            let mut unknown: Vec<String> = tmpl
                .undeclared_variables(false)
                .into_iter()
                .filter(|name| t.variable(name).is_none() && !globals.contains(&name.as_str()))
                .collect();
            unknown.sort();
            if let Some(first) = unknown.first() {
                return Err(Error::template(
                    &t.name,
                    Some(first.clone()),
                    format!(
                        "`{part}` uses undeclared variable{} {}; declare {} in `variables` (declared: {})",
                        if unknown.len() > 1 { "s" } else { "" },
                        unknown.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", "),
                        if unknown.len() > 1 { "them" } else { "it" },
                        t.declared_list()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Renders once with sample values so a misspelt filter, test or function fails at
    /// registration instead of on a user's request. Other runtime errors depend on the real
    /// values and are left to `render`.
    fn check_sample_render(&self) -> Result<()> {
        let sample: BTreeMap<&str, Value> = self
            .template
            .variables
            .iter()
            .map(|v| {
                let value = match (&v.default, v.kind) {
                    (Some(d), kind) => to_jinja(kind, d).unwrap_or_default(),
                    (None, VariableKind::String) => Value::from("example"),
                    (None, VariableKind::Integer) => Value::from(3),
                    (None, VariableKind::Number) => Value::from(9.5),
                    (None, VariableKind::Boolean) => Value::from(true),
                    (None, VariableKind::List) => Value::from(vec![Value::from("first"), Value::from("second")]),
                    (None, VariableKind::Date) => Value::from("2030-01-31"),
                };
                (v.name.as_str(), value)
            })
            .collect();
        let ctx = Value::from(sample);
        for part in [TOPIC, PROMPT] {
            let result = self.env.get_template(part).and_then(|t| t.render(&ctx));
            if let Err(e) = result
                && matches!(
                    e.kind(),
                    ErrorKind::UnknownFilter
                        | ErrorKind::UnknownTest
                        | ErrorKind::UnknownFunction
                        | ErrorKind::UnknownMethod
                )
            {
                return Err(self.render_error(part, &e));
            }
        }
        Ok(())
    }

    /// Checks `variables` against the declarations and renders topic and prompt.
    pub(crate) fn render(&self, variables: &Map<String, Json>) -> Result<RenderedTemplate> {
        let ctx = self.context(variables)?;
        let topic = self.render_part(TOPIC, &ctx)?;
        let topic = topic.split_whitespace().collect::<Vec<_>>().join(" ");
        if topic.is_empty() {
            return Err(Error::template(&self.template.name, None, "the topic rendered empty"));
        }
        let prompt = self.render_part(PROMPT, &ctx)?.trim().to_owned();
        Ok(RenderedTemplate { template: Arc::clone(&self.template), topic, prompt })
    }

    fn context(&self, variables: &Map<String, Json>) -> Result<Value> {
        let t = &self.template;
        if let Some(unknown) = variables.keys().find(|k| t.variable(k).is_none()) {
            return Err(Error::template(
                &t.name,
                Some(unknown.clone()),
                format!("unknown variable; declared: {}", t.declared_list()),
            ));
        }
        let mut ctx = BTreeMap::new();
        for var in &t.variables {
            // `null` counts as not given, so bindings can pass `None` for "use the default".
            let given = variables.get(&var.name).filter(|v| !v.is_null());
            let value = match (given, &var.default) {
                (Some(v), _) | (None, Some(v)) => to_jinja(var.kind, v).map_err(|reason| {
                    Error::template(&t.name, Some(var.name.clone()), format!("variable `{}`: {reason}", var.name))
                })?,
                (None, None) if var.required => {
                    return Err(Error::template(
                        &t.name,
                        Some(var.name.clone()),
                        format!("missing required variable `{}` ({})", var.name, var.kind.expected()),
                    ));
                }
                (None, None) => Value::from(()),
            };
            ctx.insert(var.name.as_str(), value);
        }
        Ok(Value::from(ctx))
    }

    fn render_part(&self, part: &'static str, ctx: &Value) -> Result<String> {
        self.env.get_template(part).and_then(|t| t.render(ctx)).map_err(|e| self.render_error(part, &e))
    }

    fn render_error(&self, part: &str, e: &minijinja::Error) -> Error {
        let line = e.line().map(|l| format!(" at line {l}")).unwrap_or_default();
        let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
        Error::template(&self.template.name, None, format!("cannot render `{part}`{line}: {}{detail}", e.kind()))
    }
}

/// The Jinja environment every template compiles in: strict about undefined names, no HTML
/// escaping, block tags that leave no blank lines, lists printed comma-separated.
fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_formatter(format_value);
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| Error::internal(format!("template syntax configuration: {e}")))?;
    env.set_syntax(syntax);
    Ok(env)
}
