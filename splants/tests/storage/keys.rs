//! A key's identity survives rotation: budget, quota, expiry, library and analytics follow the
//! identity, not the secret; a changed `API_KEY` retires the previous bootstrap key.

use crate::support::{Kind, TestDb, brief, clock, conformance, estimate, prices, sql_backends, test_config, usd};
use splants::Secret;
use splants::analytics::{EventKind, NewEvent};
use splants::auth::NewKey;
use splants::storage::ContentQuery;
use splants::{ContentEngine, Error, RequestContext, Usd};
use std::sync::Arc;

conformance!(rotation_keeps_budget_expiry_library_and_analytics, rotation_shares_one_quota);
sql_backends!(changing_api_key_retires_the_previous_bootstrap_key, keys_stored_before_identities_are_their_own);

async fn engine_on(url: &str, api_key: Option<&str>) -> ContentEngine {
    ContentEngine::builder()
        .config({
            let mut config = test_config();
            config.storage.url = url.into();
            config.budget.global_limit = Some(usd(100.0));
            config.auth.api_key = api_key.map(Secret::new);
            config
        })
        .provider(Arc::new(crate::support::PricedProvider))
        .prices(prices())
        .clock(Arc::new(clock()))
        .build()
        .await
        .unwrap()
}

async fn ctx_of(e: &ContentEngine, secret: &str) -> RequestContext {
    e.keys().verify(secret).await.unwrap().context()
}

/// Generates with `secret` until the budget refuses; returns how many pieces it got.
async fn generate_until_refused(e: &ContentEngine, secret: &str) -> usize {
    let ctx = ctx_of(e, secret).await;
    for n in 0..1000 {
        match e.generate(brief(), &ctx).await {
            Ok(_) => {}
            Err(Error::BudgetExceeded(_)) => return n,
            Err(other) => panic!("unexpected error after {n} pieces: {other}"),
        }
    }
    panic!("the key budget never refused")
}

async fn rotation_keeps_budget_expiry_library_and_analytics(kind: Kind) {
    let db = TestDb::new(kind).await;
    let e = engine_on(&db.url, None).await;
    let limit = Usd::from_nanos(estimate().await.nanos() * 7 / 2);
    let expires = clock_now() + chrono::Duration::days(3);
    let mut new = NewKey::named("app");
    new.budget = Some(limit);
    new.expires_at = Some(expires);
    let first = e.keys().create(new).await.unwrap();
    let pieces = generate_until_refused(&e, first.secret.expose()).await;
    assert!(pieces >= 3, "a budget of 3.5 estimates fits at least 3 pieces: {pieces}");
    let first_ctx = ctx_of(&e, first.secret.expose()).await;
    let piece_id = e.list_content(ContentQuery::default(), &first_ctx).await.unwrap().items[0].id.clone();

    let mut secret = first.secret.expose().to_owned();
    let mut id = first.info.id.clone();
    for round in 1..=3 {
        let rotated = e.keys().rotate(&id, None).await.unwrap();
        let info = &rotated.new_key.info;
        secret = rotated.new_key.secret.expose().to_owned();
        id = info.id.clone();
        assert_eq!(info.budget, Some(limit), "round {round}: the budget is inherited");
        assert_eq!(generate_until_refused(&e, &secret).await, 0, "round {round}: a rotated key gets no fresh budget");
        assert_eq!(info.expires_at, Some(expires), "round {round}: the expiry is inherited");
    }
    let ctx = ctx_of(&e, &secret).await;
    let spent: Usd =
        e.budget_status(&ctx).await.unwrap().iter().filter(|s| s.scope.starts_with("key:")).map(|s| s.spent).sum();
    assert!(spent <= limit, "spent {spent} over the key's limit {limit}");
    let library = e.list_content(ContentQuery::default(), &ctx).await.unwrap();
    assert_eq!(library.items.len(), pieces, "the old key's pieces are the new key's");
    let overview = e.analytics_overview(None, None, &ctx).await.unwrap();
    assert_eq!(overview.total_content, pieces as u64);
    assert!(overview.total_cost > Usd::ZERO, "the usage rows follow the identity");
    let event = NewEvent {
        event_name: EventKind::Click,
        content_id: Some(piece_id.clone()),
        platform: None,
        count: Some(3),
        value: None,
        occurred_at: None,
    };
    assert_eq!(e.record_events(vec![event], &ctx).await.unwrap(), 1, "the new key records events on old pieces");
    e.get_content(&piece_id, &ctx).await.unwrap();
    // Another key still sees none of it.
    let stranger = e.keys().create(NewKey::named("other")).await.unwrap();
    let other = ctx_of(&e, stranger.secret.expose()).await;
    assert!(e.list_content(ContentQuery::default(), &other).await.unwrap().items.is_empty());
}

async fn rotation_shares_one_quota(kind: Kind) {
    let db = TestDb::new(kind).await;
    let e = engine_on(&db.url, None).await;
    let mut new = NewKey::named("quota");
    new.rate_limit_per_hour = Some(4);
    let old = e.keys().create(new).await.unwrap();
    let old_ctx = ctx_of(&e, old.secret.expose()).await;
    for _ in 0..2 {
        e.generate(brief(), &old_ctx).await.unwrap();
    }
    let mut ok = 2;
    let mut id = old.info.id.clone();
    let mut ctxs = vec![old_ctx];
    for _ in 0..3 {
        let rotated = e.keys().rotate(&id, None).await.unwrap();
        assert_eq!(rotated.new_key.info.rate_limit_per_hour, Some(4));
        id = rotated.new_key.info.id.clone();
        ctxs.push(ctx_of(&e, rotated.new_key.secret.expose()).await);
        for ctx in &ctxs {
            match e.generate(brief(), ctx).await {
                Ok(_) => ok += 1,
                Err(Error::RateLimited(_)) => {}
                Err(other) => panic!("unexpected error: {other}"),
            }
        }
    }
    assert_eq!(ok, 4, "old and new secrets together stay within one quota of 4 per hour");
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn changing_api_key_retires_the_previous_bootstrap_key(kind: Kind) {
    let db = TestDb::new(kind).await;
    let a = "first-api-key-value-0001";
    let b = "second-api-key-value-0002";
    {
        let e = engine_on(&db.url, Some(a)).await;
        e.keys().verify(a).await.unwrap();
        e.keys().create(NewKey::named("a user")).await.unwrap();
    }
    let e = engine_on(&db.url, Some(b)).await;
    match e.keys().verify(a).await {
        Err(Error::Unauthorized { reason }) => assert_eq!(reason, "API key revoked"),
        other => panic!("the previous API_KEY must be refused, got {other:?}"),
    }
    assert_eq!(e.keys().verify(b).await.unwrap().role, splants::auth::KeyRole::Admin);
    let keys = e.keys().list().await.unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(
        keys.iter().filter(|k| k.status == splants::auth::KeyStatus::Active).count(),
        2,
        "the user key is untouched: {keys:?}"
    );
    // Starting again with the same API_KEY changes nothing.
    let e = engine_on(&db.url, Some(b)).await;
    e.keys().verify(b).await.unwrap();
    assert_eq!(e.keys().list().await.unwrap().len(), 3);
}

/// A database at the first schema (before identities) with a bootstrap key, a rotated pair
/// named like it and a user key; the migration gives each its own identity and marks only the
/// imported bootstrap keys.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn keys_stored_before_identities_are_their_own(kind: Kind) {
    let db = TestDb::new(kind).await;
    let rows = "INSERT INTO api_keys (id, name, prefix, hash, role, tier, status, created_at, rotated_to) VALUES \
        ('key_boot', 'bootstrap (API_KEY)', 'legacy-boot-', 'h1', 'admin', 'standard', 'active', NOW, NULL), \
        ('key_old', 'bootstrap (API_KEY)', 'legacy-old-k', 'h2', 'admin', 'standard', 'expiring', NOW, 'key_new'), \
        ('key_new', 'bootstrap (API_KEY)', 'spl_legacyne', 'h3', 'admin', 'standard', 'active', NOW, NULL), \
        ('key_user', 'app', 'spl_legacyus', 'h4', 'user', 'free', 'active', NOW, NULL)";
    match kind {
        #[cfg(feature = "sqlite")]
        Kind::Sqlite => {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("{}?mode=rwc", db.url)).await.unwrap();
            sqlx::raw_sql(include_str!("../../migrations/sqlite/0001_initial.sql")).execute(&mut c).await.unwrap();
            let sql = rows.replace("NOW", "1764072000000000");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
        #[cfg(feature = "postgres")]
        Kind::Postgres => {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::raw_sql(include_str!("../../migrations/postgres/0001_initial.sql")).execute(&mut c).await.unwrap();
            let sql = rows.replace("NOW", "now()");
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
            c.close().await.unwrap();
        }
        Kind::Memory => unreachable!("SQL backends only"),
    }
    let keys = db.open().await.keys.list_keys().await.unwrap();
    let got: Vec<(&str, &str, bool)> = keys.iter().map(|k| (k.id.as_str(), k.identity.as_str(), k.bootstrap)).collect();
    let mut got = got;
    got.sort_unstable();
    assert_eq!(
        got,
        [
            ("key_boot", "key_boot", true),
            ("key_new", "key_new", false),
            ("key_old", "key_old", true),
            ("key_user", "key_user", false)
        ]
    );
}

fn clock_now() -> chrono::DateTime<chrono::Utc> {
    use splants::clock::Clock;
    clock().now()
}
