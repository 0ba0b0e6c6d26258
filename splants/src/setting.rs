//! Reading and checking settings: the serde helpers and range checks every config section
//! shares (durations as seconds, empty text as unset, URL schemes, ranges).
//!
//! A section's `validate()` names the setting by its path in [`crate::config::Config`]
//! (`provider.max_attempts`); the environment reader and the bindings rename that path to the
//! variable or option the user wrote, through the one table in `config/env.rs`.

use crate::error::{Error, Result, redact};
use crate::secret::Secret;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// The longest duration a setting may hold: a year.
const MAX_SECONDS: f64 = 365.0 * 86_400.0;

/// A duration given in (fractional) seconds, `0..=31536000`.
pub(crate) fn seconds<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Duration, D::Error> {
    let s = f64::deserialize(d)?;
    if !(s.is_finite() && (0.0..=MAX_SECONDS).contains(&s)) {
        return Err(serde::de::Error::custom(format!("{s} is not a number of seconds in 0..=31536000")));
    }
    Ok(Duration::from_secs_f64(s))
}

/// Text where empty (or only spaces) means unset; kept trimmed.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()))
}

/// A secret where empty means unset.
pub(crate) fn secret<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Secret>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()).map(Secret::new))
}

/// Checks an optional URL starts with one of `schemes` (never shows its credentials).
pub(crate) fn check_url(field: &str, value: Option<&str>, schemes: &[&str]) -> Result<()> {
    match value {
        Some(u) if !schemes.iter().any(|s| u.starts_with(&format!("{s}://"))) => Err(Error::config(
            field,
            format!("`{}` is not a URL starting with {}://", redact(u), schemes.join("://, ")),
        )),
        _ => Ok(()),
    }
}

/// Checks `min <= n <= max`.
pub(crate) fn check_range<T: PartialOrd + std::fmt::Display>(field: &str, n: T, min: T, max: T) -> Result<()> {
    if n < min || n > max {
        return Err(Error::config(field, format!("{n} is out of range {min}..={max}")));
    }
    Ok(())
}

/// Checks a duration lies in `min..=max` seconds.
pub(crate) fn check_seconds(field: &str, d: Duration, min: f64, max: f64) -> Result<()> {
    let s = d.as_secs_f64();
    if s < min || s > max {
        return Err(Error::config(field, format!("{s} is not a number of seconds in {min}..={max}")));
    }
    Ok(())
}

/// The reason of a config or validation error, for a serde error message (the path is added
/// by the reader).
pub(crate) fn reason_of(e: Error) -> String {
    match e {
        Error::Config { reason, .. } | Error::Validation { reason, .. } => reason,
        other => other.to_string(),
    }
}
