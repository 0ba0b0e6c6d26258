//! The exception tree and the one place that maps a [`splants::Error`] onto it.
//!
//! Every exception carries `.message`, `.code` (`Error::code()`, e.g. `"budget_exceeded"`),
//! `.details` (a dict, `Error::details()`), `.status_code` (the HTTP status the server would
//! answer) and `.retryable`; some carry more: `ValidationError.field` / `.reason`,
//! `RateLimitError.retry_after` (seconds).

use crate::convert::json_to_py;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use splants::{Error, ErrorCode};

create_exception!(splants, SplantsError, PyException, "Base class of every splants error.");
create_exception!(splants, AIProviderError, SplantsError, "The LLM provider failed after retries.");
create_exception!(splants, AIProviderTimeoutError, AIProviderError, "The LLM provider did not answer in time.");
create_exception!(splants, BudgetExceededError, SplantsError, "The call would take a budget scope over its limit.");
create_exception!(splants, RateLimitError, SplantsError, "The caller's rate-limit quota is used up.");
create_exception!(splants, ContentGenerationError, SplantsError, "The provider answered with nothing usable.");
create_exception!(splants, ValidationError, SplantsError, "A field is missing, malformed or out of range.");
create_exception!(splants, TemplateError, SplantsError, "A template is unknown, invalid, or a variable is wrong.");
create_exception!(splants, StorageError, SplantsError, "The database or cache failed.");
create_exception!(splants, AuthenticationError, SplantsError, "Missing, invalid, expired or revoked API key.");
create_exception!(splants, NotFoundError, SplantsError, "The content, template or key does not exist.");
create_exception!(splants, ConflictError, SplantsError, "The thing exists, but its state does not allow the change.");
create_exception!(splants, ConfigError, SplantsError, "The configuration is incomplete or contradictory.");
create_exception!(splants, InternalError, SplantsError, "A bug or an unexpected state.");

/// Adds every exception class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SplantsError", py.get_type::<SplantsError>())?;
    m.add("AIProviderError", py.get_type::<AIProviderError>())?;
    m.add("AIProviderTimeoutError", py.get_type::<AIProviderTimeoutError>())?;
    m.add("BudgetExceededError", py.get_type::<BudgetExceededError>())?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    m.add("ContentGenerationError", py.get_type::<ContentGenerationError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add("TemplateError", py.get_type::<TemplateError>())?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    m.add("AuthenticationError", py.get_type::<AuthenticationError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}

/// The Python exception for `e`, with its attributes set.
pub(crate) fn to_py_err(py: Python<'_>, e: &Error) -> PyErr {
    let message = e.to_string();
    let err = match e.code() {
        ErrorCode::ValidationError => ValidationError::new_err(message.clone()),
        ErrorCode::Unauthorized => AuthenticationError::new_err(message.clone()),
        ErrorCode::NotFound => NotFoundError::new_err(message.clone()),
        ErrorCode::Conflict => ConflictError::new_err(message.clone()),
        ErrorCode::BudgetExceeded => BudgetExceededError::new_err(message.clone()),
        ErrorCode::RateLimited => RateLimitError::new_err(message.clone()),
        ErrorCode::ProviderError => AIProviderError::new_err(message.clone()),
        ErrorCode::ProviderTimeout => AIProviderTimeoutError::new_err(message.clone()),
        ErrorCode::ContentGenerationError => ContentGenerationError::new_err(message.clone()),
        ErrorCode::TemplateError => TemplateError::new_err(message.clone()),
        ErrorCode::ConfigError => ConfigError::new_err(message.clone()),
        ErrorCode::StorageError => StorageError::new_err(message.clone()),
        _ => InternalError::new_err(message.clone()),
    };
    if let Err(attr_err) = set_attributes(py, &err, e, message) {
        return attr_err;
    }
    err
}

fn set_attributes(py: Python<'_>, err: &PyErr, e: &Error, message: String) -> PyResult<()> {
    let value = err.value(py);
    let details = json_to_py(py, &e.details())?;
    if let Error::Validation { field, reason } = e {
        value.setattr("field", field)?;
        value.setattr("reason", reason)?;
    }
    if let Some(wait) = e.retry_after() {
        value.setattr("retry_after", wait.as_secs_f64())?;
    } else if e.code() == ErrorCode::RateLimited {
        value.setattr("retry_after", 0.0)?;
    }
    value.setattr("message", message)?;
    value.setattr("code", e.code().as_str())?;
    value.setattr("status_code", e.status_code())?;
    value.setattr("retryable", e.is_retryable())?;
    value.setattr("details", details.cast_into::<PyDict>().unwrap_or_else(|_| PyDict::new(py)))?;
    Ok(())
}

/// The exception a representative core error with `code` maps to (for tests of the mapping
/// of errors the engine rarely raises, such as `storage_error`).
#[pyfunction]
pub(crate) fn _error_for_code(py: Python<'_>, code: &str, message: &str) -> PyResult<Py<PyAny>> {
    let e = match code {
        "validation_error" => Error::validation("field", message),
        "unauthorized" => Error::Unauthorized { reason: message.to_owned() },
        "not_found" => Error::not_found("content", message),
        "content_generation_error" => Error::ContentGeneration { reason: message.to_owned() },
        "template_error" => Error::template("template", None, message),
        "config_error" => Error::config("field", message),
        "storage_error" => Error::storage(message),
        "internal" => Error::internal(message),
        other => return Err(validation(py, "code", format!("`{other}` has no representative error"))),
    };
    Ok(to_py_err(py, &e).into_value(py).into_any())
}

/// Shorthand: a validation error for `field` as a Python exception.
pub(crate) fn validation(py: Python<'_>, field: &str, reason: impl Into<String>) -> PyErr {
    to_py_err(py, &Error::validation(field, reason))
}

/// Maps a Rust result onto a Python one.
pub(crate) trait IntoPyResult<T> {
    /// Converts the error with [`to_py_err`].
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, &e))
    }
}
