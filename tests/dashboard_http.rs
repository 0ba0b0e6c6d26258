//! The web dashboard as the server serves it, over real HTTP: the page and its client-side
//! routes, the strict Content-Security-Policy, cache headers keyed to content hashes,
//! pre-compressed copies chosen by `Accept-Encoding`, entity tags, GET/HEAD only, the JSON 404
//! of everything the dashboard does not own, and `SPLANTS_DASHBOARD=false`. Also the two API
//! additions the dashboard reads: `POST /v1/content/quote` and `/v1/budget`'s alert thresholds.
//! (The dashboard itself is tested in a browser: `dashboard/test/`.)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ADMIN_KEY, TestServer, base_config, json, start};
use reqwest::header;
use serde_json::json;
use splants::server::dashboard::{CONTENT_SECURITY_POLICY, PAGES};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn get(s: &TestServer, path: &str, encoding: &str) -> reqwest::Response {
    s.client.get(s.url(path)).header(header::ACCEPT_ENCODING, encoding).send().await.unwrap()
}

/// `/` asked for again in `encoding`, with the entity tag of an earlier answer.
async fn revalidate(s: &TestServer, encoding: &str, etag: &str) -> reqwest::Response {
    s.client
        .get(s.url("/"))
        .header(header::ACCEPT_ENCODING, encoding)
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap()
}

fn head(r: &reqwest::Response, name: header::HeaderName) -> String {
    r.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// The `/assets/…` paths `index.html` links.
fn asset_paths(html: &str) -> Vec<String> {
    html.split('"').filter(|p| p.starts_with("/assets/")).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_dashboard_is_served_at_the_root_and_its_pages_with_a_strict_policy() {
    assert!(splants::server::dashboard::embedded(), "this build carries dashboard/dist");
    assert_eq!(CONTENT_SECURITY_POLICY, CSP);
    let s = start(base_config()).await;
    let r = get(&s, "/", "identity").await;
    assert_eq!(r.status(), 200);
    assert_eq!(head(&r, header::CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(head(&r, header::CACHE_CONTROL), "no-cache");
    assert_eq!(head(&r, header::CONTENT_SECURITY_POLICY), CSP);
    assert_eq!(head(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(!head(&r, header::ETAG).is_empty());
    let html = r.text().await.unwrap();
    assert!(html.contains("<script type=\"module\" src=\"/assets/"), "{html}");
    assert!(!html.contains(" style="), "no style attributes in the markup");
    assert!(!html.contains("<style"), "no inline styles");
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"module\" src=").count(),
        "no inline scripts"
    );
    let assets = asset_paths(&html);
    assert!(assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")), "{assets:?}");
    for page in PAGES {
        let r = get(&s, page, "identity").await;
        assert_eq!(r.status(), 200, "{page}");
        assert_eq!(head(&r, header::CONTENT_SECURITY_POLICY), CSP, "{page}");
        assert_eq!(r.text().await.unwrap(), html, "{page} is the same page");
    }
    // Hashed names: a year, immutable, the right type, the same policy.
    for asset in &assets {
        let r = get(&s, asset, "identity").await;
        assert_eq!(r.status(), 200, "{asset}");
        assert_eq!(head(&r, header::CACHE_CONTROL), "public, max-age=31536000, immutable", "{asset}");
        assert_eq!(head(&r, header::CONTENT_SECURITY_POLICY), CSP, "{asset}");
        let want = if asset.ends_with(".js") { "text/javascript; charset=utf-8" } else { "text/css; charset=utf-8" };
        assert_eq!(head(&r, header::CONTENT_TYPE), want, "{asset}");
        assert!(head(&r, header::CONTENT_ENCODING).is_empty(), "identity asked for");
        let name = asset.rsplit('/').next().unwrap();
        let stem = name.rsplit_once('.').unwrap().0;
        let hash = stem.rsplit_once('-').map(|(_, h)| h).unwrap_or_default();
        assert!(hash.len() >= 8 && hash.chars().all(|c| c.is_ascii_alphanumeric()), "{name} carries a content hash");
    }
}

#[tokio::test]
async fn a_precompressed_copy_is_sent_when_the_client_takes_it() {
    let s = start(base_config()).await;
    let html = get(&s, "/", "identity").await.text().await.unwrap();
    let js = asset_paths(&html).into_iter().find(|a| a.ends_with(".js")).unwrap();
    let plain = get(&s, &js, "identity").await.bytes().await.unwrap();
    let r = get(&s, &js, "gzip, deflate").await;
    assert_eq!((head(&r, header::CONTENT_ENCODING), head(&r, header::VARY)), ("gzip".into(), "accept-encoding".into()));
    assert_eq!(head(&r, header::CONTENT_TYPE), "text/javascript; charset=utf-8");
    let gz = r.bytes().await.unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "a gzip member");
    assert!(gz.len() < plain.len() / 2, "{} of {} bytes", gz.len(), plain.len());
    let r = get(&s, &js, "gzip, deflate, br").await;
    assert_eq!(head(&r, header::CONTENT_ENCODING), "br");
    let br = r.bytes().await.unwrap();
    assert!(br.len() < gz.len(), "brotli is smaller: {} vs {}", br.len(), gz.len());
    let r = get(&s, "/", "br;q=0, gzip").await;
    assert_eq!(head(&r, header::CONTENT_ENCODING), "gzip", "q=0 refuses brotli");
    assert_eq!(head(&r, header::CONTENT_TYPE), "text/html; charset=utf-8");
    // Entity tags per copy: a revalidation of the same copy is a 304 without a body.
    let r = get(&s, "/", "gzip").await;
    let etag = head(&r, header::ETAG);
    let r = revalidate(&s, "gzip", &etag).await;
    assert_eq!(r.status(), 304);
    assert_eq!(head(&r, header::CACHE_CONTROL), "no-cache");
    assert!(r.bytes().await.unwrap().is_empty());
    let r = revalidate(&s, "identity", &etag).await;
    assert_eq!(r.status(), 200, "another copy, another tag");
}

#[tokio::test]
async fn only_get_and_head_and_only_the_dashboards_paths() {
    let s = start(base_config()).await;
    let r = s.client.head(s.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(head(&r, header::CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(head(&r, header::CONTENT_SECURITY_POLICY), CSP);
    assert!(r.bytes().await.unwrap().is_empty());
    for (method, path) in [("POST", "/"), ("PUT", "/library"), ("DELETE", "/settings")] {
        let r = s.client.request(method.parse().unwrap(), s.url(path)).send().await.unwrap();
        let (st, _, body) = json(r).await;
        assert_eq!((st, body["code"].as_str()), (405, Some("method_not_allowed")), "{method} {path}: {body}");
    }
    // Unknown API routes, unowned paths and unknown assets keep the JSON 404.
    for path in ["/v1/nope", "/v1/content/generate/x", "/nope", "/library/x", "/assets/app-00000000.js", "/index.html"]
    {
        let (st, headers, body) = json(get(&s, path, "gzip, br").await).await;
        assert_eq!((st, body["code"].as_str()), (404, Some("not_found")), "{path}: {body}");
        assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_none(), "{path}");
        assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{path}");
    }
}

#[tokio::test]
async fn splants_dashboard_false_turns_it_off() {
    let config = splants::config::Config::from_vars([("SPLANTS_DASHBOARD", "false"), ("API_KEY", ADMIN_KEY)]).unwrap();
    assert!(!config.server.dashboard);
    assert!(splants::config::Config::from_vars([("API_KEY", ADMIN_KEY)]).unwrap().server.dashboard, "on by default");
    let s = start(config).await;
    for path in PAGES {
        let (st, _, body) = json(get(&s, path, "gzip").await).await;
        assert_eq!((st, body["code"].as_str()), (404, Some("not_found")), "{path}: {body}");
    }
    let (st, _, body) = json(get(&s, "/assets/app.js", "identity").await).await;
    assert_eq!((st, body["code"].as_str()), (404, Some("not_found")));
    let (st, _, _) = json(s.client.get(s.url("/v1/config/public")).send().await.unwrap()).await;
    assert_eq!(st, 200, "the API is unchanged");
}

#[tokio::test]
async fn a_brief_is_quoted_before_it_is_sent_and_the_budget_lists_its_alerts() {
    let s = start(base_config()).await;
    let (st, _, q) = json(
        s.post("/v1/content/quote", ADMIN_KEY, json!({"content_type": "blog", "topic": "Spring tips", "length": 400}))
            .await,
    )
    .await;
    assert_eq!(st, 200, "{q}");
    assert!(q["estimate"].is_number() && q["max_tokens"].as_u64().unwrap() > 0, "{q}");
    assert!(q["free"].is_boolean() && q["targets"].is_array(), "{q}");
    let (st, _, e) = json(
        s.post("/v1/content/quote", ADMIN_KEY, json!({"content_type": "blog", "topic": "x", "tone": "grumpy"})).await,
    )
    .await;
    assert_eq!((st, e["details"]["field"].as_str()), (422, Some("tone")), "{e}");
    let (st, _, e) =
        json(s.post("/v1/content/quote", "nope", json!({"content_type": "blog", "topic": "x"})).await).await;
    assert_eq!(st, 403, "{e}");
    let (st, _, b) = json(s.get("/v1/budget", ADMIN_KEY).await).await;
    assert_eq!(st, 200);
    assert_eq!(b["alert_thresholds"], json!([50, 80, 95, 100]));
    let stored = s.engine.list_content(Default::default(), &splants::RequestContext::anonymous()).await.unwrap();
    assert!(stored.items.is_empty(), "a quote generates nothing");
}
