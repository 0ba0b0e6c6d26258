//! The keyword arguments of `ContentEngine(...)` as the core's engine options.

use crate::convert::to_json;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use splants::config::SettingType;
use splants::{Config, Error};

/// The keyword arguments as options by name ([`Config::from_options`] checks them; its errors
/// name the keyword). Path-like values (`pathlib.Path`) become their text; `database_url`
/// defaults to `memory://`.
pub(crate) fn config_from_kwargs(options: Option<&Bound<'_, PyDict>>) -> Result<Config, Error> {
    let mut map = serde_json::Map::new();
    if let Some(options) = options {
        for (key, value) in options.iter() {
            let name: String = key.extract().map_err(|_| Error::config("options", "keyword names must be text"))?;
            let value = match value.call_method0("__fspath__") {
                Ok(path) => path,
                Err(_) => value,
            };
            map.insert(name.clone(), to_json(&value, &name)?);
        }
    }
    map.entry("database_url").or_insert_with(|| serde_json::Value::String("memory://".to_owned()));
    Config::from_options(map)
}

/// The Python annotation of an option's type (what `splants/_options.py` declares).
fn python_type(ty: SettingType) -> String {
    match ty {
        SettingType::Text | SettingType::Secret | SettingType::Url => "str".to_owned(),
        SettingType::Path => "str | os.PathLike[str]".to_owned(),
        SettingType::Choice(words) => {
            format!("Literal[{}]", words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", "))
        }
        SettingType::Seconds | SettingType::Number | SettingType::Dollars => "float".to_owned(),
        SettingType::Whole => "int".to_owned(),
        SettingType::Flag => "bool".to_owned(),
        SettingType::Percentages => "Sequence[int]".to_owned(),
        SettingType::Words => "Sequence[str]".to_owned(),
        SettingType::Tiers => "Mapping[str, int]".to_owned(),
        SettingType::Prices => "Mapping[str, Any] | str".to_owned(),
        SettingType::Accounts => "Mapping[str, Mapping[str, Any]] | str".to_owned(),
        SettingType::Offset => "str | int".to_owned(),
        SettingType::Unused => "Any".to_owned(),
    }
}

/// The core's engine options as `(name, annotation, doc)`: what `EngineOptions` in
/// `splants/_options.py` must declare (a test compares them).
#[pyfunction]
pub(crate) fn _engine_options() -> Vec<(String, String, String)> {
    splants::config::engine_options()
        .filter_map(|s| {
            s.option.map(|name| (name.to_owned(), format!("{} | None", python_type(s.ty)), s.doc.to_owned()))
        })
        .collect()
}
