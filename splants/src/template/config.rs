//! The templates section of [`crate::config::Config`].

use serde::Deserialize;
use std::path::PathBuf;

/// Templates beyond the built-in pack.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TemplatesConfig {
    /// `SPLANTS_TEMPLATES_DIR`: a directory of extra templates (TOML/YAML) to load.
    #[serde(deserialize_with = "dir")]
    pub dir: Option<PathBuf>,
}

fn dir<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    Ok(crate::setting::text(d)?.map(PathBuf::from))
}
