use super::*;
use crate::Error;
use crate::clock::FakeClock;
use std::sync::Arc;
use std::time::Duration;

fn manager() -> (KeyManager, FakeClock, Arc<MemoryKeyStore>) {
    let clock = FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0);
    let store = Arc::new(MemoryKeyStore::new());
    (KeyManager::new(store.clone(), Arc::new(clock.clone()), "standard"), clock, store)
}

fn unauthorized(r: crate::Result<ApiKeyInfo>) -> String {
    match r {
        Err(Error::Unauthorized { reason }) => reason,
        other => panic!("expected unauthorized, got {other:?}"),
    }
}

#[tokio::test]
async fn create_verify_and_store_only_the_hash() {
    let (m, _, store) = manager();
    let mut new = NewKey::named("ci");
    new.tier = Some("premium".into());
    let issued = m.create(new).await.unwrap();
    let secret = issued.secret.expose().to_owned();
    assert_eq!(issued.info.tier, "premium");
    let stored = store.get_key(&issued.info.id).await.unwrap().unwrap();
    assert_ne!(stored.hash, secret);
    assert_eq!(stored.hash, hash_secret(&secret));
    assert!(!format!("{stored:?}").contains(&secret));
    let info = m.verify(&secret).await.unwrap();
    assert_eq!(info.id, issued.info.id);
    assert!(store.get_key(&info.id).await.unwrap().unwrap().last_used_at.is_some());
    let ctx = info.context();
    assert_eq!((ctx.key_id.as_deref(), ctx.tier.as_deref()), (Some(issued.info.id.as_str()), Some("premium")));
    assert_eq!(unauthorized(m.verify("spl_wrong").await), "invalid API key");
    assert!(unauthorized(m.verify("").await).contains("X-API-Key"));
    // The last character changed (to one it is not: a fixed `x` matched 1 secret in 64).
    let last = if secret.ends_with('x') { 'y' } else { 'x' };
    let wrong_same_prefix = format!("{}{last}", &secret[..secret.len() - 1]);
    assert_eq!(unauthorized(m.verify(&wrong_same_prefix).await), "invalid API key");
}

#[tokio::test]
async fn rotation_keeps_old_key_during_grace_only() {
    let (m, clock, _) = manager();
    let old = m.create(NewKey::named("app")).await.unwrap();
    let rotated = m.rotate(&old.info.id, None).await.unwrap();
    assert_eq!(rotated.old_key_expires, clock_now(&clock) + chrono::Duration::hours(24));
    m.verify(old.secret.expose()).await.unwrap();
    m.verify(rotated.new_key.secret.expose()).await.unwrap();
    clock.advance(Duration::from_secs(24 * 3600 - 1));
    m.verify(old.secret.expose()).await.unwrap();
    clock.advance(Duration::from_secs(1));
    assert_eq!(unauthorized(m.verify(old.secret.expose()).await), "API key expired");
    m.verify(rotated.new_key.secret.expose()).await.unwrap();
    // An expiring key cannot be rotated again.
    assert_eq!(m.rotate(&old.info.id, None).await.unwrap_err().code().as_str(), "validation_error");
    assert_eq!(m.rotate("key_nope", None).await.unwrap_err().code().as_str(), "not_found");
}

fn clock_now(c: &FakeClock) -> chrono::DateTime<chrono::Utc> {
    use crate::clock::Clock;
    c.now()
}

#[tokio::test]
async fn revoke_takes_effect_at_once() {
    let (m, _, _) = manager();
    let k = m.create(NewKey::named("x")).await.unwrap();
    m.verify(k.secret.expose()).await.unwrap();
    m.revoke(&k.info.id).await.unwrap();
    assert_eq!(unauthorized(m.verify(k.secret.expose()).await), "API key revoked");
    assert_eq!(m.revoke("key_missing").await.unwrap_err().code().as_str(), "not_found");
    assert_eq!(m.list().await.unwrap()[0].status, KeyStatus::Revoked);
}

#[tokio::test]
async fn bootstrap_imports_api_key_once() {
    let (m, _, store) = manager();
    let secret = crate::secret::Secret::new("my-old-fastapi-key");
    let id = m.bootstrap(&secret).await.unwrap();
    assert_eq!(m.bootstrap(&secret).await.unwrap(), id);
    assert_eq!(store.list_keys().await.unwrap().len(), 1);
    let info = m.verify("my-old-fastapi-key").await.unwrap();
    assert_eq!(info.role, KeyRole::Admin);
}

#[tokio::test]
async fn bad_new_keys_name_the_field() {
    let (m, clock, _) = manager();
    let field = |e: Error| match e {
        Error::Validation { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(field(m.create(NewKey::named(" ")).await.unwrap_err()), "name");
    let mut n = NewKey::named("x");
    n.rate_limit_per_hour = Some(0);
    assert_eq!(field(m.create(n).await.unwrap_err()), "rate_limit_per_hour");
    let mut n = NewKey::named("x");
    n.expires_at = Some(clock_now(&clock));
    assert_eq!(field(m.create(n).await.unwrap_err()), "expires_at");
}

#[tokio::test]
async fn rotation_keeps_the_identity_and_inherits_everything() {
    let (m, clock, _) = manager();
    let expires = clock_now(&clock) + chrono::Duration::hours(30);
    let mut new = NewKey::named("app");
    new.tier = Some("premium".into());
    new.rate_limit_per_hour = Some(7);
    new.budget = Some(crate::Usd::from_dollars(0.002).unwrap());
    new.tenant = None;
    new.expires_at = Some(expires);
    let first = m.create(new).await.unwrap();
    assert_eq!(first.info.identity, first.info.id, "a new key is its own identity");
    let r1 = m.rotate(&first.info.id, None).await.unwrap();
    let r2 = m.rotate(&r1.new_key.info.id, None).await.unwrap();
    for r in [&r1, &r2] {
        let info = &r.new_key.info;
        assert_ne!(info.id, first.info.id);
        assert_eq!(info.identity, first.info.id);
        assert_eq!(
            (info.role, info.tier.as_str(), info.rate_limit_per_hour, info.budget, info.expires_at),
            (KeyRole::User, "premium", Some(7), first.info.budget, Some(expires))
        );
    }
    assert_eq!(r1.old_key_expires, clock_now(&clock) + chrono::Duration::hours(24));
    let ctxs = [
        m.verify(first.secret.expose()).await.unwrap().context(),
        m.verify(r1.new_key.secret.expose()).await.unwrap().context(),
        m.verify(r2.new_key.secret.expose()).await.unwrap().context(),
    ];
    for ctx in &ctxs {
        assert_eq!(ctx.key_id.as_deref(), Some(first.info.id.as_str()), "one identity for budget, quota, owner");
        assert_eq!(ctx.owner(), Some(first.info.id.as_str()));
        assert_eq!(ctx.key_budget, first.info.budget);
    }
    // The chain still ends at the first key's expiry.
    clock.advance(Duration::from_secs(30 * 3600));
    assert_eq!(unauthorized(m.verify(r2.new_key.secret.expose()).await), "API key expired");
    let e = m.rotate(&r2.new_key.info.id, None).await.unwrap_err();
    assert!(
        matches!(&e, Error::Validation { field, reason } if field == "key_id" && reason.contains("expired")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_users_rotation_is_rate_limited_and_its_grace_capped() {
    let (m, clock, _) = manager();
    let first = m.create(NewKey::named("user")).await.unwrap();
    let mut caller = m.verify(first.secret.expose()).await.unwrap();
    let r = m.rotate_by(&caller, &caller.id, Some(Duration::from_secs(72 * 3600))).await.unwrap();
    assert_eq!(r.old_key_expires, clock_now(&clock) + chrono::Duration::hours(24), "capped at 24 h");
    assert!(r.message.contains("capped"), "{}", r.message);
    caller = m.verify(r.new_key.secret.expose()).await.unwrap();
    for _ in 1..crate::auth::ROTATIONS_PER_HOUR {
        let r = m.rotate_by(&caller, &caller.id, None).await.unwrap();
        caller = m.verify(r.new_key.secret.expose()).await.unwrap();
    }
    match m.rotate_by(&caller, &caller.id, None).await {
        Err(Error::RateLimited(r)) => {
            assert_eq!((r.quota.as_str(), r.retry_after), ("rotation", Duration::from_secs(720)))
        }
        other => panic!("expected the rotation quota to refuse, got {other:?}"),
    }
    m.verify(r.new_key.secret.expose()).await.unwrap();
    let other = m.create(NewKey::named("other")).await.unwrap();
    assert_eq!(
        m.rotate_by(&caller, &other.info.id, None).await.unwrap_err().code().as_str(),
        "unauthorized",
        "a user rotates only itself"
    );
    // An admin is held to neither limit.
    let admin = m.bootstrap(&crate::secret::Secret::new("admin-secret-value")).await.unwrap();
    let admin = m.get(&admin).await.unwrap();
    let r = m.rotate_by(&admin, &caller.id, Some(Duration::from_secs(48 * 3600))).await.unwrap();
    assert_eq!(r.old_key_expires, clock_now(&clock) + chrono::Duration::hours(48));
    assert_eq!(r.new_key.info.identity, first.info.id);
    let e = m.rotate(&other.info.id, Some(Duration::from_secs(721 * 3600))).await.unwrap_err();
    assert!(matches!(&e, Error::Validation { field, .. } if field == "grace"), "{e:?}");
}

#[tokio::test]
async fn changing_api_key_revokes_the_previous_bootstrap_key() {
    let (m, _, store) = manager();
    let a = crate::secret::Secret::new("first-api-key");
    let a_id = m.bootstrap(&a).await.unwrap();
    assert!(store.get_key(&a_id).await.unwrap().unwrap().bootstrap, "marked, not only named");
    let user = m.create(NewKey::named("bootstrap (API_KEY)")).await.unwrap();
    let b = crate::secret::Secret::new("second-api-key");
    let b_id = m.bootstrap(&b).await.unwrap();
    assert_ne!(a_id, b_id);
    assert_eq!(unauthorized(m.verify("first-api-key").await), "API key revoked");
    assert_eq!(m.verify("second-api-key").await.unwrap().role, KeyRole::Admin);
    m.verify(user.secret.expose()).await.unwrap();
    // A replacement issued by rotating the bootstrap key is an ordinary key: it survives.
    let rotated = m.rotate(&b_id, None).await.unwrap();
    assert!(!store.get_key(&rotated.new_key.info.id).await.unwrap().unwrap().bootstrap);
    m.bootstrap(&crate::secret::Secret::new("third-api-key")).await.unwrap();
    assert_eq!(unauthorized(m.verify("second-api-key").await), "API key revoked");
    m.verify(rotated.new_key.secret.expose()).await.unwrap();
    m.verify("third-api-key").await.unwrap();
}

#[tokio::test]
async fn an_old_secret_cannot_spend_the_rotation_quota() {
    let (m, _, _) = manager();
    let first = m.create(NewKey::named("user")).await.unwrap();
    let old = m.verify(first.secret.expose()).await.unwrap();
    let r = m.rotate_by(&old, &old.id, None).await.unwrap();
    // Whoever still holds the old secret during the grace period keeps asking.
    for _ in 0..20 {
        let e = m.rotate_by(&old, &old.id, None).await.unwrap_err();
        assert_eq!(e.code().as_str(), "validation_error", "{e:?}");
    }
    let mut current = m.verify(r.new_key.secret.expose()).await.unwrap();
    for _ in 1..crate::auth::ROTATIONS_PER_HOUR {
        let r = m.rotate_by(&current, &current.id, None).await.unwrap();
        current = m.verify(r.new_key.secret.expose()).await.unwrap();
    }
}

#[tokio::test]
async fn keys_with_unknown_tiers_control_characters_or_impossible_ids_are_refused_and_nothing_is_stored() {
    let (m, _, store) = manager();
    let m = m.with_tiers(["free".to_owned(), "standard".to_owned()]);
    let field = |r: crate::Result<IssuedKey>| match r {
        Err(Error::Validation { field, reason }) => format!("{field}: {reason}"),
        other => panic!("expected a validation error, got {other:?}"),
    };
    let mut new = NewKey::named("ci");
    new.tier = Some("gold".into());
    assert_eq!(field(m.create(new).await), "tier: unknown tier `gold` (known: free, standard)");
    assert!(field(m.create(NewKey::named("a\u{0}b")).await).starts_with("name: must not contain control characters"));
    let mut new = NewKey::named("ci");
    new.tenant = Some("t\u{1b}[31m".into());
    assert!(field(m.create(new).await).starts_with("tenant:"));
    let mut new = NewKey::named("ci");
    new.expires_at = Some(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    assert!(field(m.create(new).await).starts_with("expires_at:"));
    assert!(store.list_keys().await.unwrap().is_empty());
    let mut new = NewKey::named("ci");
    new.tier = Some("free".into());
    assert_eq!(m.create(new).await.unwrap().info.tier, "free");
    for bad in ["key_\u{0}", "key\n\u{7f}"] {
        assert!(matches!(m.revoke(bad).await, Err(Error::NotFound { .. })));
        assert!(matches!(m.get(bad).await, Err(Error::NotFound { .. })));
        assert!(matches!(m.rotate(bad, None).await, Err(Error::NotFound { .. })));
    }
    assert_eq!(grace_from_hours("grace_hours", Some(720)).unwrap(), Some(Duration::from_secs(720 * 3600)));
    assert!(
        matches!(grace_from_hours("grace_hours", Some(721)), Err(Error::Validation { field, .. }) if field == "grace_hours")
    );
    assert_eq!(grace_from_hours("grace_hours", None).unwrap(), None);
}
