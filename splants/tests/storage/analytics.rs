//! Events and the aggregates: every backend equals the in-memory reference on the same data.

use crate::support::{Kind, at, conformance, piece, store};
use chrono::{DateTime, Duration, Utc};
use splants::analytics::{AnalyticsEvent, ContentStats, EventKind, EventStore, StatsQuery};
use splants::storage::{ContentStore, MemoryStorage};
use splants::{ContentType, GeneratedContent, Platform, Usd};

conformance!(aggregates_equal_the_reference);

fn pieces() -> Vec<GeneratedContent> {
    let mut rng = fastrand::Rng::with_seed(11);
    let start = at(2026, 11, 20, 0, 0, 0);
    (0..40_i64)
        .map(|i| {
            // Spread over five days and every hour, with pieces right at the day boundary.
            let when = match i {
                0 => at(2026, 11, 21, 23, 59, 59) + Duration::microseconds(999_999),
                1 => at(2026, 11, 22, 0, 0, 0),
                _ => start + Duration::minutes(i * 173 % (5 * 24 * 60)) + Duration::microseconds(i),
            };
            let mut p = piece(&format!("a-{i:02}"), when);
            p.content_type = ContentType::ALL[(i as usize * 5) % ContentType::ALL.len()];
            p.platform = Platform::ALL[(i as usize * 7) % 5];
            p.quality_score = rng.f64();
            p.cost_usd = Usd::from_nanos(rng.i64(0..5_000_000));
            p.owner = [None, Some("acme".to_owned())][(i % 2) as usize].clone();
            p
        })
        .collect()
}

fn events(pieces: &[GeneratedContent]) -> Vec<AnalyticsEvent> {
    let mut rng = fastrand::Rng::with_seed(12);
    let mut out = Vec::new();
    for i in 0..300_usize {
        let content_id = match i % 10 {
            0 => None,
            1 => Some("deleted-or-unknown".to_owned()),
            _ => Some(pieces[rng.usize(..pieces.len())].id.clone()),
        };
        let kind = EventKind::ALL[i % EventKind::ALL.len()];
        out.push(AnalyticsEvent {
            id: format!("e-{i:04}"),
            event_name: kind,
            content_id,
            platform: (i % 3 == 0).then(|| Platform::ALL[rng.usize(..Platform::ALL.len())]),
            count: rng.u32(1..50),
            value: (kind == EventKind::Conversion).then(|| Usd::from_nanos(rng.i64(0..9_000_000_000))),
            owner: [None, Some("acme".to_owned())][i % 2].clone(),
            occurred_at: at(2026, 11, 20, 0, 0, 0) + Duration::minutes(rng.i64(0..6 * 24 * 60)),
            created_at: at(2026, 11, 27, 0, 0, 0),
        });
    }
    out
}

fn query(owner: Option<&str>, since: DateTime<Utc>, until: DateTime<Utc>, platform: Option<Platform>) -> StatsQuery {
    StatsQuery { owner: owner.map(str::to_owned), since, until, platform }
}

/// Equal, with the float sum compared within a tolerance (summation order differs).
fn assert_stats_eq(got: &ContentStats, want: &ContentStats, what: &str) {
    assert!((got.quality_sum - want.quality_sum).abs() < 1e-9, "{what}: {} vs {}", got.quality_sum, want.quality_sum);
    let strip = |s: &ContentStats| ContentStats { quality_sum: 0.0, ..s.clone() };
    assert_eq!(strip(got), strip(want), "{what}");
}

async fn aggregates_equal_the_reference(kind: Kind) {
    let (s, _db) = store(kind).await;
    let reference = MemoryStorage::new();
    let pieces = pieces();
    let events = events(&pieces);
    let under_test: (&dyn ContentStore, &dyn EventStore) = (s.content.as_ref(), s.events.as_ref());
    for (library, store) in [under_test, (&reference, &reference)] {
        for p in &pieces {
            library.save_content(p).await.unwrap();
        }
        store.record_events(&events[..150]).await.unwrap();
        store.record_events(&events[150..]).await.unwrap();
        store.record_events(&[]).await.unwrap();
    }
    let (t0, t1) = (at(2026, 11, 20, 0, 0, 0), at(2026, 11, 27, 0, 0, 0));
    let queries = [
        query(None, t0, t1, None),
        query(Some("acme"), t0, t1, None),
        query(None, at(2026, 11, 21, 6, 0, 0), at(2026, 11, 22, 0, 0, 0), None),
        query(None, at(2026, 11, 22, 0, 0, 0), at(2026, 11, 23, 0, 0, 0), None),
        query(None, t0, t1, Some(Platform::Linkedin)),
        query(Some("acme"), t0, t1, Some(Platform::Twitter)),
        query(Some("nobody"), t0, t1, None),
    ];
    for q in &queries {
        let what = format!("{q:?}");
        assert_stats_eq(&s.content.content_stats(q).await.unwrap(), &reference.content_stats(q).await.unwrap(), &what);
        assert_eq!(s.events.engagement_stats(q).await.unwrap(), reference.engagement_stats(q).await.unwrap(), "{what}");
    }
    // The reference itself covers what it should.
    let all = reference.content_stats(&queries[0]).await.unwrap();
    assert_eq!(all.total_content, 40);
    assert_eq!(all.total_cost, pieces.iter().map(|p| p.cost_usd).sum::<Usd>());
    assert_eq!(all.by_day.iter().map(|d| d.count).sum::<u64>(), 40);
    let boundary = reference.content_stats(&queries[3]).await.unwrap();
    assert_eq!(boundary.by_day.first().map(|d| d.date.to_string()), Some("2026-11-22".to_owned()));
    let e = reference.engagement_stats(&queries[0]).await.unwrap();
    let total: u64 = events.iter().filter(|e| e.event_name == EventKind::Impression).map(|e| u64::from(e.count)).sum();
    assert_eq!(e.totals.impressions, total);
    assert!(e.by_hour.len() > 5 && !e.by_platform.is_empty() && !e.by_content_type.is_empty());
    let none = s.events.engagement_stats(&queries[6]).await.unwrap();
    assert_eq!(none.totals.impressions, 0);
}
