//! The one error body of the HTTP API.

use crate::error::{Error, ErrorCode};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

tokio::task_local! {
    /// The id of the request being served, for error bodies and logs.
    pub(crate) static REQUEST_ID: String;
}

/// Every error response: `{"error", "type", "code", "details", "request_id"}`.
///
/// A 5xx says only what kind of part failed and the request id; its detail (SQL, file paths,
/// hosts, upstream answers) goes to the log line carrying the same id. `details` of a 5xx keep
/// only structured fields (provider, status, retryable, timeout); storage, configuration and
/// internal errors have none.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for people (generic for a 5xx, with the request id).
    pub error: String,
    /// The original app's exception class name (`BudgetExceededError`, …).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Stable machine-readable code (`budget_exceeded`, …).
    pub code: String,
    /// Structured details (field and reason, limits, retry-after …).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The request's id (also in the `X-Request-ID` header and the logs).
    pub request_id: String,
}

/// An error answered over HTTP with its status and the error body: an engine [`Error`], or a
/// refusal of the HTTP layer itself (which the engine and the bindings never see).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// An engine error, answered with its own code and status.
    #[error(transparent)]
    Engine(#[from] Error),
    /// The request body is larger than the server accepts (413, `payload_too_large`).
    #[error("the request body is larger than {limit_bytes} bytes")]
    PayloadTooLarge {
        /// The largest body accepted.
        limit_bytes: usize,
    },
    /// The path exists but not with this HTTP method (405, `method_not_allowed`).
    #[error("method {method} is not allowed here")]
    MethodNotAllowed {
        /// The method used.
        method: String,
    },
}

impl ApiError {
    /// The stable code of the body's `code` field (`budget_exceeded`, `payload_too_large`, …).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Engine(e) => e.code().as_str(),
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        let code = match self {
            ApiError::Engine(e) => e.status_code(),
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::MethodNotAllowed { .. } => 405,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The body's `type` field: the original app's exception class name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ApiError::Engine(e) => e.type_name(),
            ApiError::PayloadTooLarge { .. } => "PayloadTooLargeError",
            ApiError::MethodNotAllowed { .. } => "MethodNotAllowedError",
        }
    }

    /// The body's `details` field.
    pub fn details(&self) -> serde_json::Value {
        match self {
            ApiError::Engine(e) => e.details(),
            ApiError::PayloadTooLarge { limit_bytes } => serde_json::json!({ "limit_bytes": limit_bytes }),
            ApiError::MethodNotAllowed { method } => serde_json::json!({ "method": method }),
        }
    }
}

impl ApiError {
    /// The 404 of a path the server does not serve (the router's fallback, and an asset name
    /// the dashboard does not have).
    pub(crate) fn no_route() -> ApiError {
        ApiError::Engine(Error::not_found("route", "the requested path"))
    }

    /// The error body (a 5xx with its generic message), logging the error under `request_id`.
    pub(crate) fn body(&self, request_id: String) -> ErrorBody {
        let status = self.status();
        let code = self.code();
        if status.is_server_error() {
            tracing::error!(code, error = %self, "request failed");
        } else {
            tracing::info!(code, error = %self, "request refused");
        }
        // A 5xx is the server's or an upstream's failure: its text (SQL, paths, hosts, upstream
        // answers) stays in the log line above, under the same request id.
        let (message, details) = match &self {
            ApiError::Engine(e) if status.is_server_error() => {
                let details = match e {
                    Error::Storage { .. } | Error::Internal { .. } | Error::Config { .. } => serde_json::json!({}),
                    _ => e.details(),
                };
                (generic_message(e.code(), &request_id), details)
            }
            _ => (self.to_string(), self.details()),
        };
        ErrorBody { error: message, type_name: self.type_name().to_owned(), code: code.to_owned(), details, request_id }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
        let body = self.body(request_id);
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::Engine(e) = &self
            && let Some(wait) = e.retry_after()
            && status == StatusCode::TOO_MANY_REQUESTS
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs_f64().ceil().max(1.0).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// What a 5xx body says: what kind of part failed and the request id to find the detail by.
pub(crate) fn generic_message(code: ErrorCode, request_id: &str) -> String {
    let what = match code {
        ErrorCode::StorageError => "The database or cache failed",
        ErrorCode::ProviderError | ErrorCode::ContentGenerationError => "The AI provider failed",
        ErrorCode::ProviderTimeout => "The AI provider did not answer in time",
        ErrorCode::Timeout => "The request did not finish in time",
        _ => "An unexpected error occurred",
    };
    format!("{what}; the details are in the server log under request id {request_id}")
}

/// The standard error responses of authenticated routes, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(crate) enum CommonErrors {
    /// Missing, invalid, expired or revoked `X-API-Key`.
    #[response(status = 403)]
    Unauthorized(ErrorBody),
    /// A field is missing or out of range; the details name it.
    #[response(status = 422)]
    Validation(ErrorBody),
    /// The key's rate limit is used up (see `Retry-After`).
    #[response(status = 429)]
    RateLimited(ErrorBody),
    /// The database failed.
    #[response(status = 500)]
    Storage(ErrorBody),
}

/// Errors of the generation routes, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(crate) enum GenerationErrors {
    /// The budget would be exceeded (details: scope, limit, spent, current_usage, budget, remaining_days …).
    #[response(status = 402)]
    BudgetExceeded(ErrorBody),
    /// The provider failed after retries.
    #[response(status = 502)]
    Provider(ErrorBody),
    /// The provider or the request timed out.
    #[response(status = 504)]
    Timeout(ErrorBody),
    /// The body is too large.
    #[response(status = 413)]
    TooLarge(ErrorBody),
}
