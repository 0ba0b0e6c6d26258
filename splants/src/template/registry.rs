//! The registry: named, compiled templates shared by every request.

use super::builtin;
use super::compiled::Compiled;
use super::load;
use super::model::Template;
use super::rendered::RenderedTemplate;
use crate::error::{Error, Result};
use parking_lot::RwLock;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Named templates, compiled once and rendered many times.
///
/// Cloning is cheap and clones share the same templates. Registering takes a short write lock
/// after compiling outside it; rendering takes a read lock only to clone one `Arc`, so renders
/// on many threads do not wait on each other.
///
/// ```
/// use splants::TemplateRegistry;
/// let registry = TemplateRegistry::with_builtins();
/// let vars = serde_json::json!({
///     "product_name": "Splants Pro",
///     "features": "budget guard, templates",
///     "audience": "marketing teams",
///     "launch_date": "2026-03-01",
/// });
/// let rendered = registry.render("product_launch", vars.as_object().unwrap()).unwrap();
/// assert_eq!(rendered.topic, "Launch of Splants Pro");
/// ```
#[derive(Clone, Default)]
pub struct TemplateRegistry {
    templates: Arc<RwLock<BTreeMap<String, Arc<Compiled>>>>,
}

impl std::fmt::Debug for TemplateRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateRegistry").field("templates", &self.templates.read().keys()).finish()
    }
}

impl TemplateRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry holding the built-in pack (`product_launch`, `blog_post`, `email_campaign`, ...).
    ///
    /// The pack is compiled once per process; later calls share the compiled templates.
    pub fn with_builtins() -> Self {
        static BUILTINS: OnceLock<Vec<Arc<Compiled>>> = OnceLock::new();
        let compiled = BUILTINS.get_or_init(|| {
            builtin::templates()
                .into_iter()
                .filter_map(|t| {
                    let name = t.name.clone();
                    Compiled::new(t)
                        .inspect_err(|e| tracing::error!(template = %name, error = %e, "built-in template skipped"))
                        .ok()
                        .map(Arc::new)
                })
                .collect()
        });
        let map = compiled.iter().map(|c| (c.template.name.clone(), Arc::clone(c))).collect();
        TemplateRegistry { templates: Arc::new(RwLock::new(map)) }
    }

    /// Validates and compiles `template`, then adds it, replacing any template of the same name.
    pub fn register(&self, template: Template) -> Result<()> {
        let compiled = Compiled::new(template)?;
        self.insert(vec![compiled]);
        Ok(())
    }

    /// Loads every `*.toml`, `*.yaml` and `*.yml` file in `dir` (not recursive, sorted by path)
    /// and returns how many were registered.
    ///
    /// All or nothing: the first bad file fails the call with its path in the error and
    /// nothing from the directory is registered. Two files with the same template name fail too.
    pub fn load_dir(&self, dir: impl AsRef<Path>) -> Result<usize> {
        let files = load::template_files(dir.as_ref())?;
        let mut batch: Vec<Compiled> = Vec::with_capacity(files.len());
        let mut origin: BTreeMap<String, &Path> = BTreeMap::new();
        for path in &files {
            let compiled = load::compile_file(path)?;
            let name = compiled.template.name.clone();
            if let Some(first) = origin.insert(name.clone(), path) {
                return Err(Error::template(
                    name,
                    None,
                    format!("{}: defines the same template as {}", path.display(), first.display()),
                ));
            }
            batch.push(compiled);
        }
        let count = batch.len();
        self.insert(batch);
        Ok(count)
    }

    /// Loads one template file (`.toml`, `.yaml` or `.yml`), registers it and returns it.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<Arc<Template>> {
        let compiled = load::compile_file(path.as_ref())?;
        let template = Arc::clone(&compiled.template);
        self.insert(vec![compiled]);
        Ok(template)
    }

    /// The template called `name`.
    pub fn get(&self, name: &str) -> Result<Arc<Template>> {
        self.compiled(name).map(|c| Arc::clone(&c.template))
    }

    /// Every template, sorted by name.
    pub fn list(&self) -> Vec<Arc<Template>> {
        self.templates.read().values().map(|c| Arc::clone(&c.template)).collect()
    }

    /// Fills template `name` with `variables` and renders its topic and prompt.
    ///
    /// Errors name the variable: one that is not declared, a required one that is missing, or
    /// one whose value has the wrong kind. Lists print comma-separated (`{{ features }}`);
    /// use `{{ features|join(" / ") }}` for another separator.
    pub fn render(&self, name: &str, variables: &Map<String, Json>) -> Result<RenderedTemplate> {
        self.compiled(name)?.render(variables)
    }

    fn compiled(&self, name: &str) -> Result<Arc<Compiled>> {
        self.templates.read().get(name).cloned().ok_or_else(|| Error::not_found("template", name))
    }

    fn insert(&self, batch: Vec<Compiled>) {
        let mut map = self.templates.write();
        for compiled in batch {
            map.insert(compiled.template.name.clone(), Arc::new(compiled));
        }
    }
}
