//! The one error body of the HTTP API.

use crate::error::Error;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

tokio::task_local! {
    /// The id of the request being served, for error bodies and logs.
    pub(crate) static REQUEST_ID: String;
}

/// Every error response: `{"error", "type", "code", "details", "request_id"}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for people.
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

/// An [`Error`] answered over HTTP with its status and the error body.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
        if status.is_server_error() {
            tracing::error!(code = e.code().as_str(), error = %e, "request failed");
        } else {
            tracing::info!(code = e.code().as_str(), error = %e, "request refused");
        }
        let message = match &e {
            // Details of internal failures stay in the log.
            Error::Internal { .. } => "An unexpected error occurred".to_owned(),
            _ => e.to_string(),
        };
        let body = ErrorBody {
            error: message,
            type_name: e.type_name().to_owned(),
            code: e.code().as_str().to_owned(),
            details: e.details(),
            request_id,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(wait) = e.retry_after()
            && status == StatusCode::TOO_MANY_REQUESTS
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs_f64().ceil().max(1.0).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
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
