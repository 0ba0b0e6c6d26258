//! The web dashboard: the files esbuild wrote to `dashboard/dist`, embedded at compile time
//! (see `build.rs`) and served at `/` when `SPLANTS_DASHBOARD` is on (the default).
//!
//! The dashboard is a client of the public `/v1` API only. Its pages are the paths in
//! [`PAGES`] (GET and HEAD; the page itself is chosen in the browser); its scripts and styles are
//! `/assets/<name>-<hash>.<ext>`, cached for a year since a new build gets new names, while
//! `index.html` is revalidated on every load (`no-cache` with an entity tag). Every dashboard
//! response carries the strict [`CONTENT_SECURITY_POLICY`]; a pre-compressed copy (brotli, then
//! gzip) is sent when `Accept-Encoding` allows it.

use super::error::ApiError;
use super::extract::PathParam;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// One embedded file, with its pre-compressed copies.
#[derive(Debug)]
struct EmbeddedFile {
    /// Path under `dist/` (`index.html`, `assets/app-XXXX.js`).
    name: &'static str,
    /// The file.
    body: &'static [u8],
    /// Its gzip copy, if built.
    gzip: Option<&'static [u8]>,
    /// Its brotli copy, if built.
    brotli: Option<&'static [u8]>,
    /// A hash of `body`, for the entity tag.
    tag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/dashboard_files.rs"));

/// The paths the dashboard's pages live at; each answers `index.html`.
pub const PAGES: &[&str] = &["/", "/generate", "/library", "/schedule", "/analytics", "/budget", "/settings"];

/// The policy of every dashboard response: scripts, styles and API calls from this origin only,
/// no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

const NO_CACHE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Whether this build carries the dashboard's files (a crate built without `dashboard/dist`
/// does not).
pub fn embedded() -> bool {
    find("index.html").is_some()
}

fn find(name: &str) -> Option<&'static EmbeddedFile> {
    FILES.iter().find(|f| f.name == name)
}

/// The dashboard's routes, or `None` when this build has no dashboard files.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Option<Router<S>> {
    let index = find("index.html")?;
    let mut router = Router::new();
    for page in PAGES {
        router = router.route(page, get(move |headers: HeaderMap| async move { respond(index, &headers, NO_CACHE) }));
    }
    Some(router.route("/assets/{file}", get(asset)))
}

async fn asset(PathParam(file): PathParam<String>, headers: HeaderMap) -> Response {
    match find(&format!("assets/{file}")) {
        Some(f) => respond(f, &headers, IMMUTABLE),
        None => ApiError::no_route().into_response(),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("json" | "map") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The quality `Accept-Encoding` gives `coding` (`*` counts for codings not named); 0 when
/// not accepted.
fn quality(headers: &HeaderMap, coding: &str) -> f32 {
    let mut wildcard = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if name.eq_ignore_ascii_case(coding) {
                return q;
            }
            if name == "*" {
                wildcard = Some(q);
            }
        }
    }
    wildcard.unwrap_or(0.0)
}

/// The copy to send: brotli, gzip or identity, as `Accept-Encoding` prefers (brotli on a tie).
fn negotiate(file: &EmbeddedFile, headers: &HeaderMap) -> (&'static [u8], Option<&'static str>) {
    let br = file.brotli.map(|b| (quality(headers, "br"), b, "br"));
    let gz = file.gzip.map(|b| (quality(headers, "gzip"), b, "gzip"));
    let best = [br, gz].into_iter().flatten().filter(|(q, _, _)| *q > 0.0).fold(None, |best, c| match best {
        Some((bq, _, _)) if bq >= c.0 => best,
        _ => Some(c),
    });
    match best {
        Some((_, body, coding)) => (body, Some(coding)),
        None => (file.body, None),
    }
}

fn respond(file: &'static EmbeddedFile, headers: &HeaderMap, cache: &'static str) -> Response {
    let (body, coding) = negotiate(file, headers);
    let etag = match coding {
        Some(c) => format!("\"{}-{c}\"", file.tag),
        None => format!("\"{}\"", file.tag),
    };
    let fresh = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*");
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Body::from(Bytes::from_static(body)).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(file.name)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if file.gzip.is_some() || file.brotli.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(c) = coding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if fresh {
        h.remove(header::CONTENT_TYPE);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn accept_encoding_picks_the_preferred_copy() {
        static F: EmbeddedFile = EmbeddedFile {
            name: "a.js",
            body: b"plain",
            gzip: Some(b"gz".as_slice()),
            brotli: Some(b"br".as_slice()),
            tag: "t",
        };
        assert_eq!(negotiate(&F, &HeaderMap::new()).1, None);
        assert_eq!(negotiate(&F, &accept("gzip, deflate, br")).1, Some("br"));
        assert_eq!(negotiate(&F, &accept("gzip")).1, Some("gzip"));
        assert_eq!(negotiate(&F, &accept("br;q=0, gzip;q=0.5")).1, Some("gzip"));
        assert_eq!(negotiate(&F, &accept("br;q=0.2, gzip;q=0.8")).1, Some("gzip"));
        assert_eq!(negotiate(&F, &accept("identity")).1, None);
        assert_eq!(negotiate(&F, &accept("*")).1, Some("br"));
        assert_eq!(negotiate(&F, &accept("*, br;q=0")).1, Some("gzip"));
        assert_eq!(content_type("assets/app-X.css"), "text/css; charset=utf-8");
    }
}
