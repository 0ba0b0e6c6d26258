//! Batches: the same pipeline over N briefs, bounded concurrency, per-item status.

use super::{ContentEngine, RequestContext};
use crate::content::{ContentRequest, GeneratedContent};
use crate::error::{Error, ErrorCode, Result};
use futures::StreamExt;
use serde::Serialize;

/// How one batch item ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum BatchStatus {
    /// Generated.
    Success,
    /// Failed (see `error`).
    Error,
}

/// A failed item's error, in the same shape as the HTTP error body.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct BatchError {
    /// Message.
    pub error: String,
    /// The original app's error class name.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Stable code.
    pub code: ErrorCode,
    /// Structured details.
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    #[cfg_attr(feature = "typescript", ts(type = "Record<string, unknown>"))]
    pub details: serde_json::Value,
}

impl From<&Error> for BatchError {
    fn from(e: &Error) -> Self {
        BatchError { error: e.to_string(), type_name: e.type_name().to_owned(), code: e.code(), details: e.details() }
    }
}

/// One item of a batch, in request order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct BatchItem {
    /// Position in the request.
    pub index: usize,
    /// Outcome.
    pub status: BatchStatus,
    /// The piece, on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub data: Option<GeneratedContent>,
    /// The error, on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub error: Option<BatchError>,
}

/// A batch's outcome (the original app's response shape).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct BatchResult {
    /// Id of this batch.
    pub batch_id: String,
    /// Items asked for.
    pub total: usize,
    /// Items generated.
    pub successful: usize,
    /// Items that failed.
    pub failed: usize,
    /// Per-item outcomes, in request order.
    pub results: Vec<BatchItem>,
}

pub(super) async fn run(
    engine: &ContentEngine,
    requests: Vec<Result<ContentRequest>>,
    ctx: &RequestContext,
) -> Result<BatchResult> {
    let max = engine.config().batch.max;
    if requests.is_empty() {
        return Err(Error::validation("requests", "must contain at least one request"));
    }
    if requests.len() > max {
        return Err(Error::validation("requests", format!("{} requests; at most {max} per batch", requests.len())));
    }
    let total = requests.len();
    let concurrency = engine.config().batch.concurrency.max(1);
    let mut results: Vec<BatchItem> = futures::stream::iter(requests.into_iter().enumerate())
        .map(|(index, request)| async move {
            let outcome = match request {
                Ok(r) => engine.generate(r, ctx).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(content) => BatchItem { index, status: BatchStatus::Success, data: Some(content), error: None },
                Err(e) => {
                    BatchItem { index, status: BatchStatus::Error, data: None, error: Some(BatchError::from(&e)) }
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    results.sort_by_key(|r| r.index);
    let successful = results.iter().filter(|r| r.status == BatchStatus::Success).count();
    Ok(BatchResult {
        batch_id: uuid::Uuid::now_v7().to_string(),
        total,
        successful,
        failed: total - successful,
        results,
    })
}
