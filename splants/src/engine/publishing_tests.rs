//! `ContentEngine::publish` and the schedule API, with scripted publishers and the offline drafter.

use super::*;
use crate::content::{ContentType, Platform};
use crate::error::ErrorCode;
use crate::page::truncate_micros as truncate;
use crate::publish::{Publisher, PublisherKind, Publishers};
use crate::schedule::tests::{Scripted, until};
use crate::schedule::{PostStatus, ScheduleQuery};
use chrono::{DateTime, Utc};
use std::time::Duration;

async fn engine(publishers: &[Arc<Scripted>], scheduler: bool) -> ContentEngine {
    let map: Publishers = publishers.iter().map(|p| (p.name.clone(), p.clone() as Arc<dyn Publisher>)).collect();
    ContentEngine::builder().in_memory().publishers(map).scheduler(scheduler).build().await.unwrap()
}

async fn piece(engine: &ContentEngine, platform: Platform, ctx: &RequestContext) -> GeneratedContent {
    let mut request = ContentRequest::new(ContentType::SocialMedia, "spring sale on garden tools");
    request.platform = Some(platform);
    if platform == Platform::Twitter {
        // Longer than one post: the analysis splits it into a thread.
        request.content_type = ContentType::Blog;
    }
    engine.generate(request, ctx).await.unwrap()
}

fn targets(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn bad_publish_requests_are_refused_by_field_and_store_nothing() {
    let x = Scripted::max_chars("brand-x", PublisherKind::X, 100_000);
    let tiny = Scripted::max_chars("tiny", PublisherKind::Linkedin, 10);
    let e = engine(&[x.clone(), tiny.clone()], false).await;
    let me = RequestContext::for_key("k1");
    let c = piece(&e, Platform::Linkedin, &me).await;
    let now = e.clock().now();
    type Case<'a> = (Vec<String>, Option<DateTime<Utc>>, &'a str, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (vec![], None, "targets", "name 1..=20"),
        (targets(&["brand-x", "nope"]), None, "targets[1]", "no account `nope`; configured: brand-x, tiny"),
        (targets(&["brand-x", "brand-x"]), None, "targets[1]", "named twice"),
        (targets(&["brand-x", "tiny"]), None, "targets[1]", "`tiny` (linkedin): parts[0]:"),
        (targets(&["brand-x"]), Some(now - chrono::Duration::hours(1)), "scheduled_time", "in the past"),
        (targets(&["brand-x"]), Some(now + chrono::Duration::days(400)), "scheduled_time", "within a year"),
    ];
    for (t, at, field, reason) in cases {
        match e.publish(&c.id, t.as_slice(), at, &me).await {
            Err(Error::Validation { field: f, reason: r }) => {
                assert_eq!(f, field, "{t:?}: {r}");
                assert!(r.contains(reason), "{t:?}: {r}");
            }
            other => panic!("{t:?}: {other:?}"),
        }
    }
    let other = RequestContext::for_key("k2");
    let err = e.publish(&c.id, &targets(&["brand-x"]), None, &other).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "another key's piece is not found");
    let err = e.publish("missing", &targets(&["brand-x"]), None, &me).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let page = e.schedule(ScheduleQuery::default(), &RequestContext::anonymous()).await.unwrap();
    assert!(page.items.is_empty(), "nothing was scheduled: {:?}", page.items);
}

#[tokio::test]
async fn a_piece_is_published_to_each_account_and_the_events_say_so() {
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let li = Scripted::max_chars("brand-li", PublisherKind::Linkedin, 3000);
    let e = engine(&[x.clone(), li.clone()], true).await;
    let mut events = e.subscribe();
    let me = RequestContext::for_key("k1");
    let thread = piece(&e, Platform::Twitter, &me).await;
    assert!(thread.metadata.thread.len() > 1, "the drafter wrote a thread: {:?}", thread.metadata.thread);
    let posts = e.publish(&thread.id, &targets(&["brand-x", "brand-li"]), None, &me).await.unwrap();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].parts, thread.metadata.thread, "a thread on X");
    assert_eq!(posts[1].parts, vec![thread.content.trim().to_owned()], "one post on LinkedIn");
    assert_eq!(posts[0].owner.as_deref(), me.owner());
    let mut published = Vec::new();
    while published.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap() {
            EngineEvent::ContentPublished { schedule_id, account, post_id, .. } => {
                published.push((schedule_id, account, post_id))
            }
            EngineEvent::ContentPublishFailed { error, .. } => panic!("{error}"),
            _ => {}
        }
    }
    published.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(published[0].1, "brand-li");
    let stored = e.scheduled_post(&posts[0].id, &me).await.unwrap();
    assert_eq!((stored.status, stored.post_id.clone()), (PostStatus::Published, Some(format!("{}-0", posts[0].id))));
    assert_eq!(stored.posted.len(), thread.metadata.thread.len(), "every part of the thread");
    // Done posts cannot change; the error says where they are.
    match e.cancel_post(&posts[0].id, &me).await {
        Err(Error::Conflict { state, .. }) => assert_eq!(state, "published"),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.cancel_post(&posts[0].id, &me).await.unwrap_err().status_code(), 409);
    assert_eq!(
        e.scheduled_post(&posts[0].id, &RequestContext::for_key("k2")).await.unwrap_err().code(),
        ErrorCode::NotFound
    );
    let report = e.shutdown(Duration::from_secs(1)).await;
    assert_eq!(report.unpublished, 0);
}

#[tokio::test]
async fn later_posts_can_be_listed_rescheduled_and_cancelled() {
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let e = engine(std::slice::from_ref(&x), true).await;
    let me = RequestContext::for_key("k1");
    let c = piece(&e, Platform::Twitter, &me).await;
    let now = e.clock().now();
    let mut ids = Vec::new();
    for h in [3, 1, 2] {
        let p = e.publish(&c.id, &targets(&["brand-x"]), Some(now + chrono::Duration::hours(h)), &me).await.unwrap();
        ids.push(p[0].id.clone());
    }
    let page = e.schedule(ScheduleQuery { limit: Some(2), ..ScheduleQuery::default() }, &me).await.unwrap();
    assert_eq!(page.items.iter().map(|p| p.id.clone()).collect::<Vec<_>>(), [ids[1].clone(), ids[2].clone()]);
    let rest = ScheduleQuery { cursor: page.next_cursor, ..ScheduleQuery::default() };
    let page2 = e.schedule(rest, &me).await.unwrap();
    assert_eq!(page2.items.iter().map(|p| p.id.clone()).collect::<Vec<_>>(), [ids[0].clone()]);
    assert!(page2.next_cursor.is_none());
    assert!(e.schedule(ScheduleQuery::default(), &RequestContext::for_key("k2")).await.unwrap().items.is_empty());

    let cancelled = e.cancel_post(&ids[0], &me).await.unwrap();
    assert_eq!(cancelled.status, PostStatus::Cancelled);
    let moved = e.reschedule_post(&ids[1], now, &me).await.unwrap();
    assert!(
        moved.scheduled_time >= truncate(now) && moved.scheduled_time < now + chrono::Duration::minutes(1),
        "{moved:?}"
    );
    until("the rescheduled post went out", || x.requests().len() == 1).await;
    assert_eq!(x.requests()[0].idempotency_key, ids[1]);
    let err = e.reschedule_post(&ids[0], now + chrono::Duration::hours(5), &me).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { ref state, .. } if state == "cancelled"), "{err}");
    assert_eq!(e.cancel_post("no\0such", &me).await.unwrap_err().code(), ErrorCode::NotFound);
    e.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn deleting_a_piece_cancels_its_scheduled_posts() {
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let e = engine(std::slice::from_ref(&x), true).await;
    let me = RequestContext::for_key("k1");
    let c = piece(&e, Platform::Twitter, &me).await;
    let later = e.clock().now() + chrono::Duration::hours(1);
    let posts = e.publish(&c.id, &targets(&["brand-x"]), Some(later), &me).await.unwrap();
    e.delete_content(&c.id, &me).await.unwrap();
    let after = e.stores().schedules.get(&posts[0].id, None).await.unwrap();
    assert!(after.as_ref().is_none_or(|p| p.status == PostStatus::Cancelled), "{after:?}");
    e.shutdown(Duration::from_secs(1)).await;
}
