//! `/v1/content/quote`: what a brief would cost at worst, before it is sent.

use crate::content::ContentRequest;
use crate::engine::Quote;
use crate::server::error::{ApiError, CommonErrors};
use crate::server::extract::{Caller, JsonBody};
use crate::server::state::AppState;
use axum::Json;
use axum::extract::State;

/// Quote a brief: the worst-case cost a generation of it would reserve against the budget
/// (input tokens bounded from the prompt, `max_tokens` of output, at each possible model's
/// price), computed without calling the provider and reserving nothing. The brief is checked
/// as `generate` checks it, so a bad field is the same 422.
#[utoipa::path(
    post, path = "/v1/content/quote", tag = "Content Generation",
    request_body = ContentRequest,
    responses((status = 200, description = "The worst case of the brief", body = Quote), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn quote(
    State(s): State<AppState>,
    _caller: Caller,
    JsonBody(request): JsonBody<ContentRequest>,
) -> Result<Json<Quote>, ApiError> {
    Ok(Json(s.engine.quote(&request)?))
}
