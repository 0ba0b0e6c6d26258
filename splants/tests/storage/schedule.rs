//! The schedule store: every backend behaves as the memory reference — all-or-none inserts,
//! filters and cursors, changes only while scheduled, claims in due order under leases, lapsed
//! claims retried or marked unknown, lease-guarded writes, concurrent claimers, and engagement
//! by the hour a piece was published.

use crate::support::{Kind, TestDb, at, conformance, piece, store};
use chrono::{DateTime, Duration, Utc};
use splants::analytics::{AnalyticsEvent, EventKind, StatsQuery};
use splants::publish::{PostedPart, PublisherKind};
use splants::schedule::{
    ABANDONED_MESSAGE, ChangeOutcome, Finish, PostChange, PostStatus, ScheduleQuery, ScheduleStore, ScheduledPost,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

conformance!(
    entries_round_trip_and_inserts_are_all_or_none,
    the_schedule_lists_by_time_with_filters_and_cursors,
    only_scheduled_entries_change,
    claims_take_due_entries_in_order_under_a_lease,
    lapsed_claims_are_retried_with_idempotency_and_unknown_without,
    a_worker_that_lost_its_lease_changes_nothing,
    finishing_records_each_outcome,
    concurrent_claimers_take_each_entry_once,
    engagement_counts_the_hour_a_piece_was_published,
);

const LEASE: StdDuration = StdDuration::from_secs(60);

fn t0() -> DateTime<Utc> {
    at(2026, 6, 1, 9, 0, 0) + Duration::microseconds(123_456)
}

fn entry(id: &str, content_id: &str, at: DateTime<Utc>) -> ScheduledPost {
    ScheduledPost {
        idempotent: true,
        ..ScheduledPost::new(id, content_id, "masto", PublisherKind::Mastodon, vec![format!("post {id}")], at)
    }
}

/// Stores with one piece `c1` in the library (entries reference it).
async fn setup(kind: Kind) -> (splants::storage::Stores, TestDb) {
    let (s, db) = store(kind).await;
    s.content.save_content(&piece("c1", t0())).await.unwrap();
    s.content.save_content(&piece("c2", t0())).await.unwrap();
    (s, db)
}

async fn get(s: &dyn ScheduleStore, id: &str) -> ScheduledPost {
    s.get(id, None).await.unwrap().unwrap_or_else(|| panic!("{id} missing"))
}

async fn entries_round_trip_and_inserts_are_all_or_none(kind: Kind) {
    let (s, _db) = setup(kind).await;
    let mut full = entry("p-1", "c1", t0());
    full.owner = Some("acme".into());
    full.account = "brand_sky-1".into();
    full.platform = PublisherKind::Bluesky;
    full.parts =
        vec!["1/2 Früh\u{AD}lings\u{AD}rabatt 🌷 — 春のセール".into(), "2/2 \"quotes\" and \\ and 'single'".into()];
    full.posted = vec![PostedPart {
        id: "at://did:plc:abc/app.bsky.feed.post/3k".into(),
        url: Some("https://bsky.app/profile/b/post/3k".into()),
        cid: Some("bafyrei".into()),
    }];
    full.idempotent = false;
    full.last_error = Some("429: slow down".into());
    full.attempts = 2;
    s.schedules.insert(&[full.clone(), entry("p-2", "c1", t0())]).await.unwrap();
    assert_eq!(get(&*s.schedules, "p-1").await, full, "every field round-trips");
    assert_eq!(s.schedules.get("p-1", Some("acme")).await.unwrap().as_ref(), Some(&full));
    assert_eq!(s.schedules.get("p-1", Some("other")).await.unwrap(), None, "another owner's entry");
    assert_eq!(s.schedules.get("nope", None).await.unwrap(), None);

    let err = s.schedules.insert(&[entry("p-3", "c1", t0()), entry("p-2", "c1", t0())]).await.unwrap_err();
    assert_eq!(err.code(), splants::ErrorCode::StorageError);
    assert_eq!(s.schedules.get("p-3", None).await.unwrap(), None, "nothing of a failed insert is stored");
    s.schedules.insert(&[]).await.unwrap();
}

async fn the_schedule_lists_by_time_with_filters_and_cursors(kind: Kind) {
    let (s, _db) = setup(kind).await;
    let mut all = Vec::new();
    for i in 0..25 {
        // Five entries share each time: the cursor must order by id within a time.
        let mut p = entry(&format!("l-{i:02}"), if i % 2 == 0 { "c1" } else { "c2" }, t0() + Duration::minutes(i / 5));
        p.owner = (i % 3 == 0).then(|| "acme".to_owned());
        p.account = if i % 4 == 0 { "x-brand".into() } else { "masto".into() };
        all.push(p);
    }
    all.reverse();
    s.schedules.insert(&all).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let q = ScheduleQuery { limit: Some(4), cursor: cursor.clone(), ..ScheduleQuery::default() };
        let page = s.schedules.list(&q).await.unwrap();
        seen.extend(page.items.iter().map(|p| p.id.clone()));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let want: Vec<String> = (0..25).map(|i| format!("l-{i:02}")).collect();
    assert_eq!(seen, want, "earliest first, then by id, no gaps or repeats");
    let ids = |q: ScheduleQuery| {
        let s = &s;
        async move {
            s.schedules
                .list(&ScheduleQuery { limit: Some(100), ..q })
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    let acme = ids(ScheduleQuery { owner: Some("acme".into()), ..ScheduleQuery::default() }).await;
    assert_eq!(acme, (0..25).filter(|i| i % 3 == 0).map(|i| format!("l-{i:02}")).collect::<Vec<_>>());
    let x = ids(ScheduleQuery {
        account: Some("x-brand".into()),
        content_id: Some("c1".into()),
        ..ScheduleQuery::default()
    })
    .await;
    assert_eq!(x, (0..25).filter(|i| i % 4 == 0).map(|i| format!("l-{i:02}")).collect::<Vec<_>>());
    let window = ids(ScheduleQuery {
        since: Some(t0() + Duration::minutes(1)),
        until: Some(t0() + Duration::minutes(3)),
        ..ScheduleQuery::default()
    })
    .await;
    assert_eq!(window, (5..15).map(|i| format!("l-{i:02}")).collect::<Vec<_>>());
    let none = ids(ScheduleQuery { status: Some(PostStatus::Published), ..ScheduleQuery::default() }).await;
    assert!(none.is_empty());
    let bad = s.schedules.list(&ScheduleQuery { limit: Some(0), ..ScheduleQuery::default() }).await.unwrap_err();
    assert!(bad.to_string().contains("limit"), "{bad}");
}

async fn only_scheduled_entries_change(kind: Kind) {
    let (s, _db) = setup(kind).await;
    let mut mine = entry("c-1", "c1", t0());
    mine.owner = Some("acme".into());
    s.schedules.insert(&[mine, entry("c-2", "c1", t0()), entry("c-3", "c1", t0() + Duration::hours(1))]).await.unwrap();
    let now = t0() + Duration::seconds(5);
    assert_eq!(
        s.schedules.change("c-1", Some("other"), &PostChange::Cancel, now).await.unwrap(),
        ChangeOutcome::NotFound
    );
    assert_eq!(s.schedules.change("zz", None, &PostChange::Cancel, now).await.unwrap(), ChangeOutcome::NotFound);
    let ChangeOutcome::Changed(c) = s.schedules.change("c-1", Some("acme"), &PostChange::Cancel, now).await.unwrap()
    else {
        panic!("not cancelled")
    };
    assert_eq!((c.status, c.updated_at), (PostStatus::Cancelled, now));
    assert_eq!(get(&*s.schedules, "c-1").await, c);
    let claimed = s.schedules.claim_due("w1", now, LEASE, 10).await.unwrap();
    assert_eq!(claimed.posts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["c-2"], "cancelled and future stay");
    for change in [PostChange::Cancel, PostChange::Reschedule(now + Duration::hours(2))] {
        match s.schedules.change("c-2", None, &change, now).await.unwrap() {
            ChangeOutcome::NotScheduled(p) => assert_eq!(p.status, PostStatus::Publishing),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        s.schedules.change("c-1", None, &PostChange::Cancel, now).await.unwrap(),
        ChangeOutcome::NotScheduled(_)
    ));
    // Rescheduling moves the time and starts the attempts again.
    s.schedules.change("c-3", None, &PostChange::Reschedule(now), now).await.unwrap();
    let again = s.schedules.claim_due("w1", now, LEASE, 10).await.unwrap();
    assert_eq!(again.posts.len(), 1);
    s.schedules
        .finish("c-3", "w1", &Finish::Retry { at: now + Duration::hours(1), error: "429".into(), posted: vec![] }, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(get(&*s.schedules, "c-3").await.attempts, 1);
    let later = now + Duration::hours(5);
    let ChangeOutcome::Changed(r) = s.schedules.change("c-3", None, &PostChange::Reschedule(later), now).await.unwrap()
    else {
        panic!("not rescheduled")
    };
    assert_eq!((r.scheduled_time, r.next_attempt_at, r.attempts, r.status), (later, later, 0, PostStatus::Scheduled));
}

async fn claims_take_due_entries_in_order_under_a_lease(kind: Kind) {
    let (s, _db) = setup(kind).await;
    let posts: Vec<ScheduledPost> =
        (0..6).map(|i| entry(&format!("d-{i}"), "c1", t0() + Duration::seconds(10 - i))).collect();
    s.schedules.insert(&posts).await.unwrap();
    let now = t0() + Duration::seconds(7);
    // Due: d-3 (t+7), d-4 (t+6), d-5 (t+5); not d-0..d-2.
    let first = s.schedules.claim_due("w1", now, LEASE, 2).await.unwrap();
    assert_eq!(
        first.posts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["d-5", "d-4"],
        "oldest due first, up to the limit"
    );
    let p = &first.posts[0];
    assert_eq!((p.status, p.attempts, p.lease_owner.as_deref()), (PostStatus::Publishing, 1, Some("w1")));
    assert_eq!(p.lease_until, Some(now + Duration::seconds(60)));
    assert_eq!(&get(&*s.schedules, "d-5").await, p, "the claim is stored as returned");
    let second = s.schedules.claim_due("w2", now, LEASE, 10).await.unwrap();
    assert_eq!(
        second.posts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["d-3"],
        "claimed entries are not claimed again"
    );
    assert!(s.schedules.claim_due("w2", now, LEASE, 10).await.unwrap().posts.is_empty());
    assert!(s.schedules.claim_due("w2", now, LEASE, 0).await.unwrap().posts.is_empty());
    let later = s.schedules.claim_due("w2", t0() + Duration::seconds(10), LEASE, 10).await.unwrap();
    assert_eq!(later.posts.len(), 3);
}

async fn lapsed_claims_are_retried_with_idempotency_and_unknown_without(kind: Kind) {
    let (s, _db) = setup(kind).await;
    let mut x = entry("x-1", "c1", t0());
    x.idempotent = false;
    x.platform = PublisherKind::X;
    s.schedules.insert(&[x, entry("m-1", "c1", t0())]).await.unwrap();
    assert_eq!(s.schedules.claim_due("dead", t0(), LEASE, 10).await.unwrap().posts.len(), 2);
    let before = s.schedules.claim_due("w2", t0() + Duration::seconds(59), LEASE, 10).await.unwrap();
    assert!(before.posts.is_empty() && before.abandoned.is_empty(), "the lease still holds");
    let after = t0() + Duration::seconds(60);
    let taken = s.schedules.claim_due("w2", after, LEASE, 10).await.unwrap();
    assert_eq!(taken.posts.iter().map(|p| (p.id.as_str(), p.attempts)).collect::<Vec<_>>(), [("m-1", 2)]);
    assert_eq!(taken.abandoned.len(), 1);
    let x = &taken.abandoned[0];
    assert_eq!(
        (x.id.as_str(), x.status, x.last_error.as_deref()),
        ("x-1", PostStatus::Unknown, Some(ABANDONED_MESSAGE))
    );
    assert_eq!(&get(&*s.schedules, "x-1").await, x);
    assert_eq!(get(&*s.schedules, "m-1").await.lease_owner.as_deref(), Some("w2"));
    let again = s.schedules.claim_due("w3", after + Duration::seconds(1), LEASE, 10).await.unwrap();
    assert!(again.abandoned.is_empty() && again.posts.is_empty(), "reported once");
}

async fn a_worker_that_lost_its_lease_changes_nothing(kind: Kind) {
    let (s, _db) = setup(kind).await;
    s.schedules.insert(&[entry("k-1", "c1", t0()), entry("k-2", "c1", t0())]).await.unwrap();
    s.schedules.claim_due("w1", t0(), LEASE, 10).await.unwrap();
    // w1 renews k-1 only; after the first lease ends, k-2 is taken over by w2.
    let held =
        s.schedules.renew("w1", &["k-1".to_owned(), "nope".to_owned()], t0() + Duration::seconds(120)).await.unwrap();
    assert_eq!(held, ["k-1"]);
    let taken = s.schedules.claim_due("w2", t0() + Duration::seconds(61), LEASE, 10).await.unwrap();
    assert_eq!(taken.posts.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["k-2"], "the renewed lease holds");
    let part = [PostedPart { id: "1".into(), url: None, cid: None }];
    let now = t0() + Duration::seconds(62);
    assert!(!s.schedules.record_posted("k-2", "w1", &part, now).await.unwrap());
    let done = Finish::Published { posted: part.to_vec() };
    assert_eq!(s.schedules.finish("k-2", "w1", &done, now).await.unwrap(), None);
    assert_eq!(s.schedules.renew("w1", &["k-2".to_owned()], now).await.unwrap(), Vec::<String>::new());
    let k2 = get(&*s.schedules, "k-2").await;
    assert_eq!((k2.status, k2.lease_owner.as_deref(), k2.posted.len()), (PostStatus::Publishing, Some("w2"), 0));
    assert!(s.schedules.record_posted("k-2", "w2", &part, now).await.unwrap());
    assert_eq!(get(&*s.schedules, "k-2").await.posted, part);
    assert!(s.schedules.finish("k-2", "w2", &done, now).await.unwrap().is_some());
    assert_eq!(s.schedules.finish("k-2", "w2", &done, now).await.unwrap(), None, "finished once");
}

async fn finishing_records_each_outcome(kind: Kind) {
    let (s, _db) = setup(kind).await;
    let ids = ["f-pub", "f-retry", "f-fail", "f-unk"];
    s.schedules.insert(&ids.map(|id| entry(id, "c1", t0()))).await.unwrap();
    s.schedules.claim_due("w", t0(), LEASE, 10).await.unwrap();
    let now = t0() + Duration::seconds(3);
    let parts = vec![
        PostedPart { id: "110".into(), url: Some("https://m.test/@b/110".into()), cid: None },
        PostedPart { id: "111".into(), url: None, cid: None },
    ];
    let p = s.schedules.finish("f-pub", "w", &Finish::Published { posted: parts.clone() }, now).await.unwrap().unwrap();
    assert_eq!(
        (p.status, p.post_id.as_deref(), p.post_url.as_deref(), p.published_at, p.lease_owner.clone()),
        (PostStatus::Published, Some("110"), Some("https://m.test/@b/110"), Some(now), None)
    );
    assert_eq!(p.posted, parts);
    let at = now + Duration::seconds(30);
    let r = s
        .schedules
        .finish("f-retry", "w", &Finish::Retry { at, error: "HTTP 429".into(), posted: parts[..1].to_vec() }, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.status, r.next_attempt_at, r.last_error.as_deref(), r.posted.len()),
        (PostStatus::Scheduled, at, Some("HTTP 429"), 1)
    );
    let f = s
        .schedules
        .finish("f-fail", "w", &Finish::Failed { error: "refused".into(), posted: vec![] }, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((f.status, f.last_error.as_deref()), (PostStatus::Failed, Some("refused")));
    let u = s
        .schedules
        .finish("f-unk", "w", &Finish::Unknown { error: "check".into(), posted: vec![] }, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.status, PostStatus::Unknown);
    for id in ids {
        let stored = get(&*s.schedules, id).await;
        assert_eq!(stored.updated_at, now, "{id}");
        assert!(stored.lease_owner.is_none() && stored.lease_until.is_none(), "{id}");
    }
    // The retried one comes back when due, continuing with its parts.
    assert!(s.schedules.claim_due("w", at - Duration::seconds(1), LEASE, 10).await.unwrap().posts.is_empty());
    let back = s.schedules.claim_due("w", at, LEASE, 10).await.unwrap();
    assert_eq!(
        back.posts.iter().map(|p| (p.id.as_str(), p.attempts, p.posted.len())).collect::<Vec<_>>(),
        [("f-retry", 2, 1)]
    );
}

async fn concurrent_claimers_take_each_entry_once(kind: Kind) {
    const N: usize = 400;
    let db = TestDb::new(kind).await;
    let first = db.open().await;
    first.content.save_content(&piece("c1", t0())).await.unwrap();
    let posts: Vec<ScheduledPost> = (0..N).map(|i| entry(&format!("z-{i:04}"), "c1", t0())).collect();
    first.schedules.insert(&posts).await.unwrap();
    // Separate pools on one database for SQL (as separate processes would have); one store in memory.
    let mut handles: Vec<Arc<dyn ScheduleStore>> = vec![first.schedules.clone()];
    for _ in 1..4 {
        handles.push(if kind == Kind::Memory { first.schedules.clone() } else { db.open().await.schedules });
    }
    let tasks: Vec<_> = handles
        .into_iter()
        .enumerate()
        .map(|(w, store)| {
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = store.claim_due(&format!("w{w}"), t0(), LEASE, 16).await.unwrap();
                    if got.posts.is_empty() {
                        return mine;
                    }
                    mine.extend(got.posts.into_iter().map(|p| p.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!((all.len(), unique.len()), (N, N), "every entry claimed exactly once");
}

async fn engagement_counts_the_hour_a_piece_was_published(kind: Kind) {
    let (s, _db) = store(kind).await;
    let created = at(2026, 6, 1, 9, 15, 0);
    s.content.save_content(&piece("e-1", created)).await.unwrap();
    s.content.save_content(&piece("e-2", created)).await.unwrap();
    let event = |id: &str, content: &str| AnalyticsEvent {
        id: id.into(),
        event_name: EventKind::Click,
        content_id: Some(content.into()),
        platform: None,
        count: 3,
        value: None,
        owner: None,
        occurred_at: at(2026, 6, 2, 12, 0, 0),
        created_at: at(2026, 6, 2, 12, 0, 0),
    };
    s.events.record_events(&[event("ev-1", "e-1"), event("ev-2", "e-2")]).await.unwrap();
    let q = StatsQuery { owner: None, since: at(2026, 6, 1, 0, 0, 0), until: at(2026, 6, 3, 0, 0, 0), platform: None };
    let hours =
        |st: splants::analytics::EngagementStats| st.by_hour.iter().map(|(h, c)| (*h, c.clicks)).collect::<Vec<_>>();
    assert_eq!(hours(s.events.engagement_stats(&q).await.unwrap()), [(9, 6)], "by creation hour before publishing");
    // e-1 is published at 17:xx (twice: the first publication counts), e-2 only fails.
    let published = at(2026, 6, 1, 17, 40, 0);
    s.schedules
        .insert(&[entry("s-1", "e-1", created), entry("s-2", "e-1", created), entry("s-3", "e-2", created)])
        .await
        .unwrap();
    s.schedules.claim_due("w", published, LEASE, 10).await.unwrap();
    let done = Finish::Published { posted: vec![PostedPart { id: "1".into(), url: None, cid: None }] };
    s.schedules.finish("s-1", "w", &done, published).await.unwrap().unwrap();
    s.schedules.finish("s-2", "w", &done, published + Duration::hours(3)).await.unwrap().unwrap();
    s.schedules
        .finish("s-3", "w", &Finish::Failed { error: "no".into(), posted: vec![] }, published)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hours(s.events.engagement_stats(&q).await.unwrap()), [(9, 3), (17, 3)]);
}
