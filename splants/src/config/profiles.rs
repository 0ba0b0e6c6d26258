//! `.env` files and environment profiles: which files [`Config::from_env`](super::Config::from_env)
//! reads, and in which order.
//!
//! Variables come from, lowest precedence first:
//! 1. `.env` in the working directory (as the original app read it; a line that does not parse
//!    is skipped, as before);
//! 2. the profile `.env.<name>` in the working directory when `SPLANTS_ENV=<name>` is set
//!    (`development`, `staging`, `production`, or a name of your own), or the file
//!    `SPLANTS_ENV_FILE` names;
//! 3. the process environment.
//!
//! `SPLANTS_ENV` and `SPLANTS_ENV_FILE` are read from the process environment or from `.env`.
//! A profile that is named must exist and parse: a missing file, a line that does not parse,
//! a name that is not a plain word or both variables at once is a config error naming the
//! variable.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Names a profile: `SPLANTS_ENV=staging` reads `.env.staging`.
pub const PROFILE_VAR: &str = "SPLANTS_ENV";
/// Names a file of variables to read instead of a profile.
pub const FILE_VAR: &str = "SPLANTS_ENV_FILE";

/// The variables of `process` layered over the profile (if one is named) and over `.env`, all
/// files looked up in `dir`.
pub(super) fn layered(process: HashMap<String, String>, dir: &Path) -> Result<HashMap<String, String>> {
    let mut vars = HashMap::new();
    if let Ok(iter) = dotenvy::from_path_iter(dir.join(".env")) {
        vars.extend(iter.flatten());
    }
    let named =
        |var: &str| process.get(var).or_else(|| vars.get(var)).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let file = match (named(PROFILE_VAR), named(FILE_VAR)) {
        (Some(_), Some(_)) => {
            return Err(Error::config(FILE_VAR, format!("set either {PROFILE_VAR} or {FILE_VAR}, not both")));
        }
        (Some(name), None) => Some((PROFILE_VAR, profile_file(dir, &name)?)),
        (None, Some(path)) => Some((FILE_VAR, PathBuf::from(path))),
        (None, None) => None,
    };
    if let Some((var, path)) = file {
        vars.extend(read(&path, var)?);
    }
    vars.extend(process);
    Ok(vars)
}

/// `dir/.env.<name>` for a profile name of letters, digits, `-` and `_` (so a name cannot
/// reach another directory).
fn profile_file(dir: &Path, name: &str) -> Result<PathBuf> {
    let plain = name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !plain {
        return Err(Error::config(
            PROFILE_VAR,
            "must be a profile name of at most 64 letters, digits, `-` or `_` (development, staging, production)",
        ));
    }
    Ok(dir.join(format!(".env.{name}")))
}

/// Every variable of the file at `path`; a file that is missing or has a line that does not
/// parse is a config error naming `var`.
fn read(path: &Path, var: &str) -> Result<Vec<(String, String)>> {
    let shown = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    let iter = dotenvy::from_path_iter(path).map_err(|e| match e {
        dotenvy::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            Error::config(var, format!("names `{shown}`, which does not exist"))
        }
        other => Error::config(var, format!("names `{shown}`, which cannot be read: {other}")),
    })?;
    iter.map(|item| item.map_err(|e| Error::config(var, format!("`{shown}` does not parse: {e}")))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn config_error(r: Result<HashMap<String, String>>) -> (String, String) {
        match r {
            Err(Error::Config { field, reason }) => (field, reason),
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn the_profile_overrides_dot_env_and_the_process_overrides_both() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "MONTHLY_AI_BUDGET=100\nLOG_LEVEL=info\nCACHE_ENABLED=false\n")
            .unwrap();
        std::fs::write(dir.path().join(".env.staging"), "MONTHLY_AI_BUDGET=500\nLOG_LEVEL=INFO\n").unwrap();
        let got = layered(vars(&[("SPLANTS_ENV", "staging"), ("LOG_LEVEL", "debug")]), dir.path()).unwrap();
        assert_eq!(got["MONTHLY_AI_BUDGET"], "500");
        assert_eq!(got["LOG_LEVEL"], "debug");
        assert_eq!(got["CACHE_ENABLED"], "false");
        // Without a profile, only `.env`; `SPLANTS_ENV` may also come from `.env` itself.
        assert_eq!(layered(vars(&[]), dir.path()).unwrap()["MONTHLY_AI_BUDGET"], "100");
        std::fs::write(dir.path().join(".env"), "SPLANTS_ENV=staging\nMONTHLY_AI_BUDGET=100\n").unwrap();
        assert_eq!(layered(vars(&[]), dir.path()).unwrap()["MONTHLY_AI_BUDGET"], "500");
    }

    #[test]
    fn an_explicit_file_is_read_wherever_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("team.env");
        std::fs::write(&file, "# the team's settings\nMONTHLY_AI_BUDGET=42\n").unwrap();
        let got = layered(vars(&[("SPLANTS_ENV_FILE", file.to_str().unwrap())]), dir.path()).unwrap();
        assert_eq!(got["MONTHLY_AI_BUDGET"], "42");
        let config = Config::from_vars(got).unwrap();
        assert_eq!(config.budget.global_limit.map(|d| d.dollars()), Some(42.0));
    }

    #[test]
    fn a_missing_bad_or_ambiguous_profile_is_a_config_error_naming_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let (field, reason) = config_error(layered(vars(&[("SPLANTS_ENV", "staging")]), dir.path()));
        assert_eq!((field.as_str(), reason.as_str()), ("SPLANTS_ENV", "names `.env.staging`, which does not exist"));
        for bad in ["../etc/passwd", "a/b", "stag ing", ".hidden", &"x".repeat(65)] {
            let (field, reason) = config_error(layered(vars(&[("SPLANTS_ENV", bad)]), dir.path()));
            assert_eq!(field, "SPLANTS_ENV", "{bad}");
            assert!(reason.contains("profile name"), "{bad}: {reason}");
        }
        let (field, _) = config_error(layered(vars(&[("SPLANTS_ENV_FILE", "/nonexistent/x.env")]), dir.path()));
        assert_eq!(field, "SPLANTS_ENV_FILE");
        std::fs::write(dir.path().join(".env.broken"), "GOOD=1\nthis line is not a variable\n").unwrap();
        let (field, reason) = config_error(layered(vars(&[("SPLANTS_ENV", "broken")]), dir.path()));
        assert_eq!(field, "SPLANTS_ENV");
        assert!(reason.starts_with("`.env.broken` does not parse"), "{reason}");
        let (field, reason) =
            config_error(layered(vars(&[("SPLANTS_ENV", "broken"), ("SPLANTS_ENV_FILE", "x")]), dir.path()));
        assert_eq!(field, "SPLANTS_ENV_FILE");
        assert!(reason.contains("not both"), "{reason}");
    }

    /// Each committed profile and `.env.example`: every variable in it (and every commented-out
    /// `# NAME=` line of the example) is one the configuration reads, and the profile loads.
    #[cfg(all(feature = "server", feature = "webhooks"))]
    #[test]
    fn every_variable_of_the_committed_profiles_is_one_the_configuration_knows() {
        let known: std::collections::BTreeSet<&str> = crate::config::settings().iter().filter_map(|s| s.env).collect();
        let files = [
            (".env.example", include_str!("../../../.env.example")),
            (".env.development", include_str!("../../../.env.development")),
            (".env.staging", include_str!("../../../.env.staging")),
            (".env.production", include_str!("../../../.env.production")),
        ];
        for (name, text) in files {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(name), text).unwrap();
            let active: Vec<(String, String)> = read(&dir.path().join(name), "file").unwrap();
            assert!(!active.is_empty(), "{name} sets nothing");
            let commented = text.lines().filter_map(|l| l.strip_prefix('#')).filter_map(|l| {
                let (k, _) = l.trim_start().split_once('=')?;
                k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_').then_some(k)
            });
            for var in active.iter().map(|(k, _)| k.as_str()).chain(commented) {
                assert!(known.contains(var), "{name}: {var} is not a variable splants reads");
            }
            if name != ".env.example" {
                for seed in ["DEBUG", "ALLOWED_ORIGINS", "MONTHLY_AI_BUDGET", "CACHE_ENABLED", "LOG_LEVEL"] {
                    assert!(active.iter().any(|(k, _)| k == seed), "{name} does not set {seed}");
                }
            }
            Config::from_vars(active).unwrap_or_else(|e| panic!("{name} does not load: {e}"));
        }
    }
}
