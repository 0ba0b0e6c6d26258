//! Usage records and totals; API keys.

use crate::support::{Kind, at, conformance, store};
use chrono::Duration;
use splants::Usage;
use splants::analytics::{StatsQuery, UsageTotals};
use splants::auth::{ApiKeyRecord, KeyRole, KeyStatus};
use splants::storage::{UsageOutcome, UsageRecord};
use splants::{ErrorCode, Usd};

conformance!(usage_records_list_and_total, api_keys_insert_lookup_status_touch_rotate);

/// A usage record `minute`s after 2026-11-25 10:00 UTC.
pub(crate) fn usage(id: &str, minute: i64, owner: Option<&str>, outcome: UsageOutcome, cost: i64) -> UsageRecord {
    UsageRecord {
        id: id.into(),
        content_id: (outcome == UsageOutcome::Success).then(|| format!("c-{id}")),
        owner: owner.map(str::to_owned),
        provider: "test".into(),
        model: "test-model".into(),
        usage: Usage {
            input_tokens: 100 + minute as u64,
            output_tokens: 50,
            cached_tokens: 7,
            cache_write_tokens: 3,
            cache_write_long_tokens: 2,
            reasoning_tokens: 11,
            // u-2 (read back below) carries an estimated count.
            estimated: minute == 5,
        },
        cost: Usd::from_nanos(cost),
        estimate: Usd::from_nanos(cost * 2 + 1),
        latency_ms: 1234,
        outcome,
        error_code: (outcome != UsageOutcome::Success).then(|| "provider_timeout".to_owned()),
        created_at: at(2026, 11, 25, 10, 0, 0) + Duration::minutes(minute),
    }
}

async fn usage_records_list_and_total(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let s = &stores.usage;
    let records = vec![
        usage("u-3", 0, Some("acme"), UsageOutcome::Success, 1_000),
        usage("u-1", 0, None, UsageOutcome::Failed, 0),
        usage("u-2", 5, Some("acme"), UsageOutcome::MaybeBilled, 2_500),
        usage("u-4", 10, Some("globex"), UsageOutcome::Success, 4_000),
        usage("u-5", 60, Some("acme"), UsageOutcome::Success, 8_000),
    ];
    for r in &records {
        s.record_usage(r).await.unwrap();
    }
    let t0 = at(2026, 11, 25, 10, 0, 0);
    let all = s.list_usage(t0, t0 + Duration::minutes(60), None).await.unwrap();
    // Oldest first; the two at the same instant in the order they were recorded.
    let ids: Vec<&str> = all.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["u-3", "u-1", "u-2", "u-4"]);
    assert_eq!(all[0], records[0], "read back equal");
    assert_eq!(all[2], records[2]);
    let acme = s.list_usage(t0, t0 + Duration::hours(2), Some("acme")).await.unwrap();
    assert_eq!(acme.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), ["u-3", "u-2", "u-5"]);

    let q = |owner: Option<&str>| StatsQuery {
        owner: owner.map(str::to_owned),
        since: t0,
        until: t0 + Duration::minutes(60),
        platform: None,
    };
    assert_eq!(
        s.usage_totals(&q(None)).await.unwrap(),
        UsageTotals {
            calls: 4,
            failed_calls: 2,
            cost: Usd::from_nanos(7_500),
            input_tokens: 100 + 100 + 105 + 110,
            output_tokens: 200,
            cached_tokens: 28,
        }
    );
    let acme = s.usage_totals(&q(Some("acme"))).await.unwrap();
    assert_eq!((acme.calls, acme.failed_calls, acme.cost), (2, 1, Usd::from_nanos(3_500)));
    assert_eq!(s.usage_totals(&q(Some("nobody"))).await.unwrap(), UsageTotals::default());
}

fn key(id: &str, prefix: &str, hash: &str, minute: i64) -> ApiKeyRecord {
    ApiKeyRecord {
        id: id.into(),
        identity: id.into(),
        name: format!("key {id}"),
        prefix: prefix.into(),
        hash: hash.into(),
        role: if id.ends_with('a') { KeyRole::Admin } else { KeyRole::User },
        tier: "premium".into(),
        rate_limit_per_hour: Some(250),
        budget: Some(Usd::from_nanos(5_000_000_000)),
        tenant: Some("acme".into()),
        status: KeyStatus::Active,
        created_at: at(2026, 11, 25, 9, 0, 0) + Duration::minutes(minute),
        expires_at: None,
        last_used_at: None,
        rotated_to: None,
        bootstrap: false,
    }
}

async fn api_keys_insert_lookup_status_touch_rotate(kind: Kind) {
    let (stores, _db) = store(kind).await;
    let s = &stores.keys;
    let a = key("key_a", "spl_aaaaaaaa", &"a".repeat(64), 2);
    let b = ApiKeyRecord {
        rate_limit_per_hour: None,
        budget: None,
        tenant: None,
        bootstrap: true,
        ..key("key_b", "spl_bbbbbbbb", &"b".repeat(64), 1)
    };
    let c = key("key_c", "spl_aaaaaaaa", &"c".repeat(64), 3);
    for k in [&a, &b, &c] {
        s.insert_key(k).await.unwrap();
    }
    assert_eq!(s.get_key("key_b").await.unwrap(), Some(b.clone()));
    assert_eq!(s.get_key("key_x").await.unwrap(), None);
    assert_eq!(s.keys_by_prefix("spl_aaaaaaaa").await.unwrap(), vec![a.clone(), c.clone()]);
    assert!(s.keys_by_prefix("spl_zzzzzzzz").await.unwrap().is_empty());
    let ids: Vec<String> = s.list_keys().await.unwrap().into_iter().map(|k| k.id).collect();
    assert_eq!(ids, ["key_b", "key_a", "key_c"], "oldest first");

    // The same hash (or id) twice is refused.
    let err = s.insert_key(&key("key_d", "spl_dddddddd", &"a".repeat(64), 4)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::StorageError);
    assert!(s.insert_key(&key("key_a", "spl_eeeeeeee", &"e".repeat(64), 4)).await.is_err());
    assert_eq!(s.list_keys().await.unwrap().len(), 3);

    let when = at(2026, 11, 26, 0, 0, 0);
    s.touch_key("key_b", when).await.unwrap();
    s.touch_key("key_missing", when).await.unwrap();
    assert_eq!(s.get_key("key_b").await.unwrap().unwrap().last_used_at, Some(when));

    assert!(s.set_key_status("key_c", KeyStatus::Expiring, Some(when)).await.unwrap());
    assert!(s.set_key_status("key_c", KeyStatus::Revoked, None).await.unwrap());
    let c2 = s.get_key("key_c").await.unwrap().unwrap();
    assert_eq!((c2.status, c2.expires_at), (KeyStatus::Revoked, Some(when)), "None keeps the expiry");
    assert!(!s.set_key_status("key_missing", KeyStatus::Revoked, None).await.unwrap());

    // Rotation: only from an active key, atomically.
    let new = ApiKeyRecord { identity: "key_a".into(), ..key("key_n", "spl_nnnnnnnn", &"n".repeat(64), 9) };
    assert!(!s.rotate_key("key_c", when, &new).await.unwrap(), "a revoked key is not rotated");
    assert_eq!(s.get_key("key_n").await.unwrap(), None, "nothing stored when refused");
    let clash = key("key_m", "spl_mmmmmmmm", &"b".repeat(64), 9);
    assert_eq!(s.rotate_key("key_a", when, &clash).await.unwrap_err().code(), ErrorCode::StorageError);
    let a_after = s.get_key("key_a").await.unwrap().unwrap();
    assert_eq!(a_after, a, "a failed rotation leaves the old key untouched");
    assert!(s.rotate_key("key_a", when, &new).await.unwrap());
    let old = s.get_key("key_a").await.unwrap().unwrap();
    assert_eq!(
        (old.status, old.expires_at, old.rotated_to.as_deref()),
        (KeyStatus::Expiring, Some(when), Some("key_n"))
    );
    assert_eq!(s.get_key("key_n").await.unwrap(), Some(new.clone()));
    assert!(!s.rotate_key("key_a", when, &key("key_o", "spl_oooooooo", &"o".repeat(64), 10)).await.unwrap());
}
