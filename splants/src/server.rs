//! The HTTP API (feature `server`): the original app's routes, served by the engine.
//!
//! [`router`] returns an axum `Router` any Rust app can mount or serve; [`serve`] runs it with
//! graceful shutdown; the bundled `splants-server` binary does that from the environment.
//!
//! Every response carries `X-Request-ID` (the caller's, or a new one); every error has one
//! body, `{"error", "type", "code", "details", "request_id"}` ([`ErrorBody`]); authenticated
//! responses carry `X-RateLimit-Limit/Remaining/Reset`, and a 429 `Retry-After`. The OpenAPI
//! document at `/openapi.json` is generated from the same handlers that serve the routes.

pub mod dashboard;
mod error;
mod extract;
mod logging;
mod metrics;
mod middleware;
mod routes;
mod sse;
mod state;

pub use crate::config::{LogFormat, ServerConfig};
pub use error::{ApiError, ErrorBody};
pub use extract::{Admin, Caller, JsonBody, PathParam, QueryParams};
pub use logging::init_logging;
pub use metrics::Metrics;

use crate::engine::ContentEngine;
use crate::error::Error;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::{Html, IntoResponse};
use state::AppState;
use std::sync::Arc;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

fn api_router() -> OpenApiRouter<AppState> {
    use routes::{admin, analytics, content, publishing, quote, templates};
    OpenApiRouter::new()
        .routes(routes!(content::generate))
        .routes(routes!(quote::quote))
        .routes(routes!(content::batch))
        .routes(routes!(content::from_template))
        .routes(routes!(content::list))
        .routes(routes!(content::get_one, content::delete_one))
        .routes(routes!(publishing::publish))
        .routes(routes!(publishing::accounts))
        .routes(routes!(publishing::list))
        .routes(routes!(publishing::get_one, publishing::reschedule, publishing::cancel))
        .routes(routes!(templates::list))
        .routes(routes!(templates::get_one))
        .routes(routes!(analytics::overview))
        .routes(routes!(analytics::engagement))
        .routes(routes!(analytics::roi))
        .routes(routes!(analytics::record_events))
        .routes(routes!(analytics::budget))
        .routes(routes!(admin::create_key, admin::list_keys))
        .routes(routes!(admin::revoke_key))
        .routes(routes!(admin::rotate_key))
}

fn public_router() -> OpenApiRouter<AppState> {
    use routes::system;
    OpenApiRouter::new()
        .routes(routes!(system::public_config))
        .routes(routes!(system::health))
        .routes(routes!(system::live))
        .routes(routes!(system::ready))
        .routes(routes!(system::metrics))
}

fn document(api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut api = api;
    api.info.title = "splants".to_owned();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    api.info.description = Some("AI marketing content engine: briefs in, scored copy out, within budget.".to_owned());
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
    components.schemas.insert("ErrorBody".to_owned(), <ErrorBody as utoipa::PartialSchema>::schema());
    api
}

/// The OpenAPI document of every route the router serves.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = api_router().merge(public_router()).split_for_parts();
    document(api)
}

fn cors(origins: &[String]) -> CorsLayer {
    let methods = [Method::GET, Method::POST, Method::PUT, Method::DELETE];
    let expose: Vec<HeaderName> =
        ["x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"]
            .into_iter()
            .map(HeaderName::from_static)
            .collect();
    let base = CorsLayer::new()
        .allow_methods(methods)
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(expose)
        .max_age(std::time::Duration::from_secs(3600));
    if origins.iter().any(|o| o == "*") {
        return base.allow_origin(AllowOrigin::any());
    }
    let list: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    base.allow_origin(AllowOrigin::list(list)).allow_credentials(true)
}

fn docs_page(api: &utoipa::openapi::OpenApi) -> String {
    let mut rows = String::new();
    for (path, item) in &api.paths.paths {
        let ops = [("GET", &item.get), ("POST", &item.post), ("PUT", &item.put), ("DELETE", &item.delete)];
        for (method, op) in ops {
            if let Some(op) = op {
                let summary = op.summary.clone().unwrap_or_default();
                rows.push_str(&format!(
                    "<tr><td><code>{method}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                    html_escape(path),
                    html_escape(&summary)
                ));
            }
        }
    }
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>splants API</title>\
         <style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}td{{padding:.2rem .6rem}}</style></head>\
         <body><h1>splants API {}</h1><p>Send <code>X-API-Key</code> on every route but the system ones. \
         The full description is <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3.1).</p>\
         <table>{rows}</table></body></html>",
        env!("CARGO_PKG_VERSION")
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The HTTP API over `engine`.
pub fn router(engine: ContentEngine, options: ServerConfig) -> Router {
    let metrics = Arc::new(Metrics::new());
    let m = Arc::clone(&metrics);
    engine.listen(Arc::new(move |event| m.observe_event(event)));
    let state = AppState { engine, metrics, options: Arc::new(options.clone()) };
    let (authed, api) = api_router().split_for_parts();
    let (public, public_api) = public_router().split_for_parts();
    let mut api = api;
    api.merge(public_api);
    let api = document(api);
    let docs = docs_page(&api);
    let api_json = Arc::new(api);
    let authed = authed.layer(axum::middleware::from_fn_with_state(state.clone(), middleware::authenticate));
    let mut app = Router::new()
        .merge(authed)
        .merge(public)
        .route("/openapi.json", axum::routing::get(move || async move { axum::Json((*api_json).clone()) }))
        .route("/docs", axum::routing::get(move || async move { Html(docs) }));
    // SPLANTS_DASHBOARD: off, `/` and the dashboard's paths stay the JSON 404 below.
    if options.dashboard
        && let Some(pages) = dashboard::routes()
    {
        app = app.merge(pages);
    }
    app.fallback(|| async { ApiError::no_route() })
        .method_not_allowed_fallback(|method: Method| async move {
            ApiError::MethodNotAllowed { method: method.to_string() }
        })
        .layer(DefaultBodyLimit::max(options.body_limit_bytes))
        // Inside the request context, so a panic's 500 carries the request id (body and header).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            ApiError::Engine(Error::internal("a handler panicked")).into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_context))
        .layer(cors(&options.allowed_origins))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves; requests in flight finish first
/// (and so does their budget settlement).
///
/// Connections are `TCP_NODELAY`: a streamed response writes small events, and with Nagle's
/// algorithm a small write waits for the client's delayed ACK (about 40 ms here).
pub async fn serve<F>(listener: tokio::net::TcpListener, router: Router, shutdown: F) -> crate::Result<()>
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::internal(format!("server failed: {e}")))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}
