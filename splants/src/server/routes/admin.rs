//! `/v1/admin/*`: API keys.

use crate::auth::{ApiKeyInfo, IssuedKey, NewKey};
use crate::server::error::{ApiError, CommonErrors, ErrorBody};
use crate::server::extract::{Admin, Caller, JsonBody, PathParam};
use crate::server::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Create an API key (admin). The secret is in the answer once and never again.
#[utoipa::path(
    post, path = "/v1/admin/keys", tag = "Admin",
    request_body = NewKey,
    responses((status = 201, description = "The new key with its secret", body = IssuedKey), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn create_key(
    State(s): State<AppState>,
    _admin: Admin,
    JsonBody(new): JsonBody<NewKey>,
) -> Result<(StatusCode, Json<IssuedKey>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.engine.keys().create(new).await?)))
}

/// Every key.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KeyList {
    /// Keys without secrets or hashes.
    keys: Vec<ApiKeyInfo>,
}

/// List API keys (admin), without secrets.
#[utoipa::path(
    get, path = "/v1/admin/keys", tag = "Admin",
    responses((status = 200, description = "Keys", body = KeyList), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn list_keys(State(s): State<AppState>, _admin: Admin) -> Result<Json<KeyList>, ApiError> {
    Ok(Json(KeyList { keys: s.engine.keys().list().await? }))
}

/// Revoke an API key (admin); it stops working at once.
#[utoipa::path(
    delete, path = "/v1/admin/keys/{id}", tag = "Admin",
    params(("id" = String, Path, description = "Key id (`key_…`)")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such key", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn revoke_key(
    State(s): State<AppState>,
    _admin: Admin,
    PathParam(id): PathParam<String>,
) -> Result<StatusCode, ApiError> {
    s.engine.keys().revoke(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What to rotate (all optional).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateBody {
    /// Another key to rotate (admin only); the caller's own key by default.
    key_id: Option<String>,
    /// Hours the old key keeps working (default 24; at most 720 for an admin, 24 for any other
    /// key).
    grace_hours: Option<u32>,
}

/// The original app's rotation answer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RotateResponse {
    /// The new key's secret (shown once).
    new_key: String,
    /// The new key's id.
    new_key_id: String,
    /// When the old key stops working.
    old_key_expires: DateTime<Utc>,
    /// A reminder.
    message: String,
    /// The new key.
    key: ApiKeyInfo,
}

/// Rotate the caller's API key (or, for admins, any key): a new secret is issued under the same
/// identity (same role, tier, quota, budget, library and expiry) and the old one keeps working
/// for the grace period (24 hours by default). Never refused for a spent budget or a spent
/// request quota; a non-admin key may rotate 5 times an hour (429 beyond) with at most 24 hours
/// of grace.
#[utoipa::path(
    post, path = "/v1/admin/rotate-key", tag = "Admin",
    request_body(content = RotateBody, description = "Optional"),
    responses((status = 200, description = "The new key", body = RotateResponse), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn rotate_key(
    State(s): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<RotateResponse>, ApiError> {
    let body: RotateBody = if body.iter().all(u8::is_ascii_whitespace) {
        RotateBody::default()
    } else {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        serde_path_to_error::deserialize(de).map_err(|e| crate::content::json_body_error(&e))?
    };
    let target = body.key_id.unwrap_or_else(|| caller.key.id.clone());
    let grace = crate::auth::grace_from_hours("grace_hours", body.grace_hours)?;
    let rotated = s.engine.keys().rotate_by(&caller.key, &target, grace).await?;
    Ok(Json(RotateResponse {
        new_key: rotated.new_key.secret.expose().to_owned(),
        new_key_id: rotated.new_key.info.id.clone(),
        old_key_expires: rotated.old_key_expires,
        message: rotated.message,
        key: rotated.new_key.info,
    }))
}
