//! The content library: read-back equality, owner scoping, every filter, keyset pages.

use crate::support::{Kind, at, conformance, piece, sql_backends, store};
use chrono::{DateTime, Duration, Utc};
use splants::storage::{ContentQuery, ContentStore, Cursor};
use splants::{ContentType, Error, ErrorCode, GeneratedContent, Platform};

conformance!(
    pieces_read_back_equal_with_owner_scoping,
    every_list_filter_matches_the_reference,
    pages_have_no_gaps_or_duplicates_under_equal_timestamps,
    bad_cursors_and_filters_are_validation_errors,
    pieces_whose_caller_left_round_trip_and_filter_both_ways,
);
sql_backends!(pieces_stored_before_caller_left_read_back_as_received);

async fn pieces_read_back_equal_with_owner_scoping(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let s = &stores.content;
    let t = at(2026, 11, 25, 12, 0, 0) + Duration::microseconds(123_456);
    let mut a = piece("p-a", t);
    a.owner = Some("acme".into());
    let mut b = piece("p-b", t);
    b.template = None;
    b.cached = true;
    b.content_type = ContentType::SocialMedia;
    b.platform = Platform::Twitter;
    b.metadata.thread = vec!["1/2 first".into(), "2/2 second".into()];
    b.metadata.notice = Some("drafted offline".into());
    s.save_content(&a).await.unwrap();
    s.save_content(&b).await.unwrap();

    assert_eq!(s.get_content("p-a", None).await.unwrap(), Some(a.clone()));
    assert_eq!(s.get_content("p-a", Some("acme")).await.unwrap(), Some(a.clone()));
    assert_eq!(s.get_content("p-a", Some("globex")).await.unwrap(), None);
    assert_eq!(s.get_content("p-b", Some("acme")).await.unwrap(), None, "a piece without owner is nobody's");
    assert_eq!(s.get_content("p-b", None).await.unwrap(), Some(b.clone()));
    assert_eq!(s.get_content("missing", None).await.unwrap(), None);
    // Same time: the higher id comes first.
    let page = s.list_content(&ContentQuery::default()).await.unwrap();
    assert_eq!((page.items, page.next_cursor), (vec![b.clone(), a.clone()], None));

    let err = s.save_content(&a).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::StorageError);
    assert!(err.to_string().contains("`p-a` already exists"), "{err}");

    assert!(!s.delete_content("p-a", Some("globex")).await.unwrap());
    assert!(s.get_content("p-a", None).await.unwrap().is_some());
    assert!(s.delete_content("p-a", Some("acme")).await.unwrap());
    assert!(!s.delete_content("p-a", None).await.unwrap(), "deleting twice finds nothing");
    assert!(s.delete_content("p-b", None).await.unwrap());
    assert!(s.list_content(&ContentQuery::default()).await.unwrap().items.is_empty());
}

const TOPICS: [&str; 6] =
    ["AI marketing tips", "Ärger im Büro", "50% off sale", "snake_case naming", "Launch day", "ÄRGER vermeiden"];
const BODIES: [&str; 5] = ["Save 50 percent today", "use snake case", "Über alles", "plain text", "100%_literal"];

fn base() -> DateTime<Utc> {
    at(2026, 11, 1, 8, 0, 0)
}

/// 60 pieces in groups of five sharing a timestamp, with every attribute varied.
fn dataset() -> Vec<GeneratedContent> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..60_usize)
        .map(|i| {
            let mut p = piece(&format!("p-{:03}", (i * 37) % 60), base() + Duration::minutes((i / 5) as i64 * 7));
            p.content_type = ContentType::ALL[i % ContentType::ALL.len()];
            p.platform = Platform::ALL[(i * 3) % Platform::ALL.len()];
            p.topic = TOPICS[i % TOPICS.len()].into();
            p.content = BODIES[(i / 2) % BODIES.len()].into();
            p.quality_score = rng.f64();
            p.owner = [None, Some("acme".to_owned()), Some("globex".to_owned())][i % 3].clone();
            p.caller_left = i % 4 == 1;
            p
        })
        .collect()
}

fn expected(all: &[GeneratedContent], q: &ContentQuery) -> Vec<GeneratedContent> {
    let mut out: Vec<GeneratedContent> = all.iter().filter(|p| q.matches(p)).cloned().collect();
    out.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    out
}

/// Every page of `q`, checking that only the last page lacks a cursor.
async fn all_pages(s: &dyn ContentStore, q: &ContentQuery) -> Vec<GeneratedContent> {
    let mut q = q.clone();
    let mut out = Vec::new();
    loop {
        let page = s.list_content(&q).await.unwrap();
        assert!(page.items.len() <= q.limit.unwrap_or(20) as usize);
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => return out,
        }
    }
}

async fn load(s: &dyn ContentStore) -> Vec<GeneratedContent> {
    let all = dataset();
    let mut shuffled = all.clone();
    fastrand::Rng::with_seed(3).shuffle(&mut shuffled);
    for p in &shuffled {
        s.save_content(p).await.unwrap();
    }
    all
}

async fn every_list_filter_matches_the_reference(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let s = &stores.content;
    let all = load(s.as_ref()).await;
    let q = ContentQuery::default;
    let text = |t: &str| ContentQuery { text: Some(t.into()), ..q() };
    let queries = vec![
        q(),
        ContentQuery { owner: Some("acme".into()), ..q() },
        ContentQuery { content_type: Some(ContentType::Blog), ..q() },
        ContentQuery { platform: Some(Platform::Twitter), ..q() },
        ContentQuery { since: Some(base() + Duration::minutes(21)), ..q() },
        ContentQuery { until: Some(base() + Duration::minutes(21)), ..q() },
        ContentQuery {
            since: Some(base() + Duration::minutes(14)),
            until: Some(base() + Duration::minutes(50)),
            ..q()
        },
        ContentQuery { min_quality: Some(0.5), ..q() },
        ContentQuery { min_quality: Some(1.0), ..q() },
        text("ärger"),
        text("AI MARKETING"),
        text("50%"),
        text("_"),
        text("%_"),
        text("über"),
        text("no such words"),
        ContentQuery {
            owner: Some("globex".into()),
            content_type: Some(ContentType::Email),
            min_quality: Some(0.2),
            ..q()
        },
        ContentQuery { owner: Some("acme".into()), text: Some("e".into()), platform: Some(Platform::Blog), ..q() },
        ContentQuery { caller_left: Some(true), ..q() },
        ContentQuery { caller_left: Some(false), ..q() },
        ContentQuery { caller_left: Some(true), owner: Some("acme".into()), min_quality: Some(0.3), ..q() },
        ContentQuery {
            caller_left: Some(false),
            since: Some(base() + Duration::minutes(21)),
            text: Some("ärger".into()),
            ..q()
        },
    ];
    let mut matched_something = 0;
    for query in &queries {
        let want = expected(&all, query);
        if !want.is_empty() {
            matched_something += 1;
        }
        for limit in [1, 7, 100] {
            let got = all_pages(s.as_ref(), &ContentQuery { limit: Some(limit), ..query.clone() }).await;
            let ids = |v: &[GeneratedContent]| v.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&got), ids(&want), "{query:?} limit {limit}");
            assert_eq!(got, want, "{query:?}");
        }
    }
    assert!(matched_something >= queries.len() - 2, "the dataset exercises the filters");
    // Spot checks that the reference itself means what the filters say.
    assert_eq!(expected(&all, &text("ärger")).len(), 20);
    assert_eq!(expected(&all, &text("50%")).len(), 10, "`%` is literal: `Save 50 percent` does not match");
    assert_eq!(expected(&all, &text("_")).len(), 10 + 12 - 2, "`_` is literal");
    assert_eq!(expected(&all, &ContentQuery { caller_left: Some(true), ..q() }).len(), 15);
    assert_eq!(expected(&all, &ContentQuery { caller_left: Some(false), ..q() }).len(), 45);
}

async fn pages_have_no_gaps_or_duplicates_under_equal_timestamps(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let s = &stores.content;
    // 23 pieces at one instant, 7 a second later: pages of 4 cut through the tie.
    let t = base() + Duration::microseconds(7);
    let mut all = Vec::new();
    for i in 0..30 {
        let when = if i < 23 { t } else { t + Duration::seconds(1) };
        let p = piece(&format!("tie-{:02}", (i * 11) % 30), when);
        s.save_content(&p).await.unwrap();
        all.push(p);
    }
    let q = ContentQuery { limit: Some(4), ..ContentQuery::default() };
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = s.list_content(&ContentQuery { cursor: cursor.clone(), ..q.clone() }).await.unwrap();
        pages += 1;
        // A piece stored meanwhile with the same time but a lower id than the cursor still
        // shows up later, exactly once.
        if pages == 3 {
            let late = piece("tie-00a", t);
            s.save_content(&late).await.unwrap();
            all.push(late);
        }
        seen.extend(page.items.into_iter().map(|p| p.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let want: Vec<String> = expected(&all, &ContentQuery::default()).into_iter().map(|p| p.id).collect();
    assert_eq!(seen, want);
    assert_eq!(pages, 8);
}

async fn bad_cursors_and_filters_are_validation_errors(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let s = &stores.content;
    let all = load(s.as_ref()).await;
    let field = |e: Error| match e {
        Error::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    for bad in ["nonsense", "12.", "x.p-001", "1.a b", "1.'; DROP TABLE content; --"] {
        let q = ContentQuery { cursor: Some(bad.into()), ..ContentQuery::default() };
        assert_eq!(field(s.list_content(&q).await.unwrap_err()), "cursor", "{bad}");
    }
    let q = ContentQuery { limit: Some(0), ..ContentQuery::default() };
    assert_eq!(field(s.list_content(&q).await.unwrap_err()), "limit");
    let q = ContentQuery { min_quality: Some(2.0), ..ContentQuery::default() };
    assert_eq!(field(s.list_content(&q).await.unwrap_err()), "min_quality");
    // A well-formed cursor of a piece that does not exist still pages from its position.
    let cursor = Cursor { created_at: base() + Duration::minutes(21), id: "p-050".into() };
    let q = ContentQuery { cursor: Some(cursor.encode()), limit: Some(100), ..ContentQuery::default() };
    let got = s.list_content(&q).await.unwrap().items;
    let want: Vec<GeneratedContent> =
        expected(&all, &ContentQuery::default()).into_iter().filter(|p| cursor.precedes(p)).collect();
    assert_eq!(got, want);
    assert!(!want.is_empty() && want.len() < all.len());
}

/// 25 pieces, every third completed after its caller left, in groups sharing a timestamp and
/// split between two owners: each reads back as stored, and each filter value pages through
/// exactly its own pieces.
async fn pieces_whose_caller_left_round_trip_and_filter_both_ways(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let s = &stores.content;
    let all: Vec<GeneratedContent> = (0..25_usize)
        .map(|i| {
            let mut p = piece(&format!("cl-{:02}", (i * 7) % 25), base() + Duration::minutes((i / 3) as i64));
            p.caller_left = i % 3 == 0;
            p.owner = (i % 2 == 0).then(|| "acme".to_owned());
            p
        })
        .collect();
    let mut shuffled = all.clone();
    fastrand::Rng::with_seed(11).shuffle(&mut shuffled);
    for p in &shuffled {
        s.save_content(p).await.unwrap();
    }
    for p in &all {
        assert_eq!(s.get_content(&p.id, None).await.unwrap().as_ref(), Some(p), "{}", p.id);
    }
    let left = ContentQuery { caller_left: Some(true), ..ContentQuery::default() };
    let stayed = ContentQuery { caller_left: Some(false), ..ContentQuery::default() };
    let acme_left = ContentQuery { owner: Some("acme".into()), ..left.clone() };
    let want_left = expected(&all, &left);
    let want_stayed = expected(&all, &stayed);
    assert_eq!((want_left.len(), want_stayed.len()), (9, 16));
    assert!(want_left.iter().all(|p| p.caller_left) && want_stayed.iter().all(|p| !p.caller_left));
    assert_eq!(expected(&all, &acme_left).len(), 5);
    for limit in [1, 2, 4, 100] {
        for (query, want) in [
            (&left, want_left.clone()),
            (&stayed, want_stayed.clone()),
            (&acme_left, expected(&all, &acme_left)),
            (&ContentQuery::default(), expected(&all, &ContentQuery::default())),
        ] {
            let got = all_pages(s.as_ref(), &ContentQuery { limit: Some(limit), ..query.clone() }).await;
            assert_eq!(got, want, "{query:?} limit {limit}");
        }
    }
}

#[test]
fn caller_left_is_always_serialised_and_absent_means_false() {
    let mut p = piece("p-json", base());
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["caller_left"], false, "serialised even when false");
    let mut older = json.clone();
    older.as_object_mut().unwrap().remove("caller_left");
    assert_eq!(serde_json::from_value::<GeneratedContent>(older).unwrap(), p, "older JSON has no such field");
    p.caller_left = true;
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["caller_left"], true);
    assert_eq!(serde_json::from_value::<GeneratedContent>(json).unwrap(), p);
}

/// The `content` columns of schema 0003 (before `caller_left`).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
const INSERT_0003: &str = "INSERT INTO content (id, owner, content_type, platform, topic, content, topic_lc, \
    content_lc, quality_score, seo_score, cost, provider, model, cached, created_at, metadata, request, usage, \
    template) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";

/// Writes `p` as a version at schema 0003 did: every column but `caller_left`.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
macro_rules! insert_0003 {
    ($conn:expr, $p:expr, $created_at:expr, $json:path) => {{
        let p: &GeneratedContent = $p;
        sqlx::query(INSERT_0003)
            .bind(&p.id)
            .bind(&p.owner)
            .bind(p.content_type.as_str())
            .bind(p.platform.as_str())
            .bind(&p.topic)
            .bind(&p.content)
            .bind(p.topic.to_lowercase())
            .bind(p.content.to_lowercase())
            .bind(p.quality_score)
            .bind(p.seo_score)
            .bind(p.cost_usd.nanos())
            .bind(&p.provider)
            .bind(&p.model)
            .bind(p.cached)
            .bind($created_at)
            .bind($json(&p.metadata))
            .bind($json(&p.request))
            .bind($json(&p.usage))
            .bind(p.template.as_ref().map(|t| $json(t)))
            .execute(&mut $conn)
            .await
            .unwrap()
    }};
}

#[cfg(feature = "sqlite")]
fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

#[cfg(feature = "postgres")]
fn json_value<T: serde::Serialize>(v: &T) -> sqlx::types::Json<serde_json::Value> {
    sqlx::types::Json(serde_json::to_value(v).unwrap())
}

/// A database migrated to schema 0003 holding a piece: opening it adds `caller_left`, and the
/// old piece reads back unchanged, as one its caller received.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn pieces_stored_before_caller_left_read_back_as_received(kind: Kind) {
    use sqlx::Connection;
    let db = crate::support::TestDb::new(kind).await;
    let mut old = piece("p-old", base());
    old.owner = Some("acme".into());
    let no_column = "SELECT caller_left FROM content";
    match kind {
        #[cfg(feature = "sqlite")]
        Kind::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&format!("{}?mode=rwc", db.url)).await.unwrap();
            sqlx::migrate!("./migrations/sqlite").run_to(3, &mut c).await.unwrap();
            insert_0003!(c, &old, old.created_at.timestamp_micros(), json_text);
            assert!(sqlx::query(no_column).fetch_all(&mut c).await.is_err(), "schema 0003 has no `caller_left`");
            c.close().await.unwrap();
        }
        #[cfg(feature = "postgres")]
        Kind::Postgres => {
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::migrate!("./migrations/postgres").run_to(3, &mut c).await.unwrap();
            insert_0003!(c, &old, old.created_at, json_value);
            assert!(sqlx::query(no_column).fetch_all(&mut c).await.is_err(), "schema 0003 has no `caller_left`");
            c.close().await.unwrap();
        }
        Kind::Memory => unreachable!("SQL backends only"),
    }
    let s = db.open().await.content;
    assert!(!old.caller_left);
    assert_eq!(s.get_content("p-old", None).await.unwrap(), Some(old.clone()));
    let mut late = piece("p-late", base() + Duration::seconds(1));
    late.caller_left = true;
    s.save_content(&late).await.unwrap();
    let list = |caller_left| ContentQuery { caller_left, ..ContentQuery::default() };
    assert_eq!(s.list_content(&list(Some(false))).await.unwrap().items, vec![old.clone()]);
    assert_eq!(s.list_content(&list(Some(true))).await.unwrap().items, vec![late.clone()]);
    assert_eq!(s.list_content(&list(None)).await.unwrap().items, vec![late, old]);
}
