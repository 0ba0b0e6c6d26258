use super::*;
use crate::Error;
use crate::clock::FakeClock;
use crate::storage::{MemoryStorage, Storage};
use std::sync::Arc;
use std::time::Duration;

fn manager() -> (KeyManager, FakeClock, Arc<MemoryStorage>) {
    let clock = FakeClock::at_ymd_hms(2026, 11, 25, 12, 0, 0);
    let storage = Arc::new(MemoryStorage::new());
    (KeyManager::new(storage.clone(), Arc::new(clock.clone()), "standard"), clock, storage)
}

fn unauthorized(r: crate::Result<ApiKeyInfo>) -> String {
    match r {
        Err(Error::Unauthorized { reason }) => reason,
        other => panic!("expected unauthorized, got {other:?}"),
    }
}

#[tokio::test]
async fn create_verify_and_store_only_the_hash() {
    let (m, _, storage) = manager();
    let mut new = NewKey::named("ci");
    new.tier = Some("premium".into());
    let issued = m.create(new).await.unwrap();
    let secret = issued.secret.expose().to_owned();
    assert_eq!(issued.info.tier, "premium");
    let stored = storage.get_key(&issued.info.id).await.unwrap().unwrap();
    assert_ne!(stored.hash, secret);
    assert_eq!(stored.hash, hash_secret(&secret));
    assert!(!format!("{stored:?}").contains(&secret));
    let info = m.verify(&secret).await.unwrap();
    assert_eq!(info.id, issued.info.id);
    assert!(storage.get_key(&info.id).await.unwrap().unwrap().last_used_at.is_some());
    let ctx = info.context();
    assert_eq!((ctx.key_id.as_deref(), ctx.tier.as_deref()), (Some(issued.info.id.as_str()), Some("premium")));
    assert_eq!(unauthorized(m.verify("spl_wrong").await), "invalid API key");
    assert!(unauthorized(m.verify("").await).contains("X-API-Key"));
    let wrong_same_prefix = format!("{}x", &secret[..secret.len() - 1]);
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
    let (m, _, storage) = manager();
    let secret = crate::config::Secret::new("my-old-fastapi-key");
    let id = m.bootstrap(&secret).await.unwrap();
    assert_eq!(m.bootstrap(&secret).await.unwrap(), id);
    assert_eq!(storage.list_keys().await.unwrap().len(), 1);
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
