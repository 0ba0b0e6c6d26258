//! Reusable briefs: templates with typed variables, rendered with Jinja (minijinja).
//!
//! A [`Template`] carries Jinja sources for a topic and for the writing instructions, the
//! variables they may use, and defaults (tone, length, platform, keywords) for the
//! [`ContentRequest`](crate::ContentRequest) it produces. The [`TemplateRegistry`] compiles each
//! template once, checks every variable on render, and ships a built-in pack
//! ([`TemplateRegistry::with_builtins`]); more templates load from TOML or YAML files.
//!
//! Rendering is strict: an unknown, missing or mistyped variable is an error naming it, and a
//! source that reads an undeclared name is refused at registration. Inside a source, a list
//! prints comma-separated and an optional variable that was left out prints as nothing
//! (`{% if audience %}` tests for it).

mod builtin;
mod config;
pub use config::TemplatesConfig;
mod compiled;
mod load;
mod model;
mod registry;
mod rendered;
mod value;

pub use model::{MAX_NAME_CHARS, MAX_VERSION_CHARS, Template, TemplateVariable, VariableKind, valid_template_name};
pub use registry::TemplateRegistry;
pub use rendered::{RenderedTemplate, TemplateOverrides};

#[cfg(test)]
mod tests;
