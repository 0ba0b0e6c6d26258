//! `/v1/templates`: the template registry.

use crate::server::error::{ApiError, CommonErrors, ErrorBody};
use crate::server::extract::{Caller, PathParam};
use crate::server::state::AppState;
use crate::template::Template;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// The original app's answer (`templates`: names) with the full templates beside it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TemplateList {
    /// Template names, sorted.
    templates: Vec<String>,
    /// How many.
    count: usize,
    /// The templates with their variables and defaults.
    items: Vec<Template>,
}

/// List the available templates.
#[utoipa::path(
    get, path = "/v1/templates", tag = "Templates",
    responses((status = 200, description = "Every template", body = TemplateList), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn list(State(s): State<AppState>, _caller: Caller) -> Json<TemplateList> {
    let items: Vec<Template> = s.engine.templates().list().iter().map(|t| (**t).clone()).collect();
    Json(TemplateList { templates: items.iter().map(|t| t.name.clone()).collect(), count: items.len(), items })
}

/// Get one template with its typed variables.
#[utoipa::path(
    get, path = "/v1/templates/{name}", tag = "Templates",
    params(("name" = String, Path, description = "Template name")),
    responses((status = 200, description = "The template", body = Template), (status = 404, description = "Unknown template", body = ErrorBody), CommonErrors),
    security(("api_key" = []))
)]
pub(crate) async fn get_one(
    State(s): State<AppState>,
    _caller: Caller,
    PathParam(name): PathParam<String>,
) -> Result<Json<Template>, ApiError> {
    Ok(Json((*s.engine.templates().get(&name)?).clone()))
}
