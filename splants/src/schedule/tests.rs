//! The worker against the memory schedule, a scripted publisher and a fake clock: order,
//! cancellation, retries with backoff, `unknown` after an ambiguous failure, stopped workers.

use super::*;
use crate::clock::{Clock, FakeClock, SharedClock};
use crate::publish::{FailureClass, Post, PostedPart, PublishFailure, Published, Publisher, PublisherKind, Publishers};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// A publisher that records every request and answers from a script (then succeeds).
#[derive(Debug)]
pub(crate) struct Scripted {
    pub(crate) name: String,
    pub(crate) kind: PublisherKind,
    pub(crate) idempotent: bool,
    pub(crate) script: Mutex<VecDeque<PublishFailure>>,
    pub(crate) seen: Mutex<Vec<Post>>,
    pub(crate) max_chars: usize,
}

impl Scripted {
    pub(crate) fn new(name: &str, kind: PublisherKind, idempotent: bool) -> Arc<Self> {
        Arc::new(Scripted {
            name: name.to_owned(),
            kind,
            idempotent,
            script: Mutex::default(),
            seen: Mutex::default(),
            max_chars: 280,
        })
    }

    pub(crate) fn max_chars(name: &str, kind: PublisherKind, max_chars: usize) -> Arc<Self> {
        let mut p = Scripted::new(name, kind, false);
        if let Some(p) = Arc::get_mut(&mut p) {
            p.max_chars = max_chars;
        }
        p
    }

    pub(crate) fn fail_next(&self, f: PublishFailure) {
        self.script.lock().push_back(f);
    }

    pub(crate) fn requests(&self) -> Vec<Post> {
        self.seen.lock().clone()
    }
}

#[async_trait::async_trait]
impl Publisher for Scripted {
    fn account(&self) -> &str {
        &self.name
    }
    fn kind(&self) -> PublisherKind {
        self.kind
    }
    fn idempotent(&self) -> bool {
        self.idempotent
    }
    fn validate(&self, parts: &[String]) -> crate::Result<()> {
        for (i, p) in parts.iter().enumerate() {
            let n = p.chars().count();
            if n > self.max_chars {
                return Err(crate::Error::validation(
                    format!("parts[{i}]"),
                    format!("{n} characters > {}", self.max_chars),
                ));
            }
        }
        Ok(())
    }
    async fn publish(&self, post: &Post) -> Result<Published, PublishFailure> {
        self.seen.lock().push(post.clone());
        if let Some(f) = self.script.lock().pop_front() {
            return Err(f);
        }
        let mut parts = post.done.clone();
        for i in post.done.len()..post.parts.len() {
            parts.push(PostedPart {
                id: format!("{}-{i}", post.idempotency_key),
                url: Some(format!("https://example.test/{}/{i}", post.idempotency_key)),
                cid: None,
            });
        }
        Ok(Published { parts })
    }
}

pub(crate) fn publishers(list: &[Arc<Scripted>]) -> Arc<Publishers> {
    Arc::new(list.iter().map(|p| (p.name.clone(), p.clone() as Arc<dyn Publisher>)).collect())
}

fn config() -> ScheduleConfig {
    ScheduleConfig { concurrency: 1, poll_interval: Duration::from_secs(1), ..ScheduleConfig::default() }
}

pub(crate) fn entry(id: &str, account: &Scripted, at: chrono::DateTime<chrono::Utc>) -> ScheduledPost {
    ScheduledPost {
        idempotent: account.idempotent,
        ..ScheduledPost::new(id, format!("c-{id}"), &account.name, account.kind, vec![format!("post {id}")], at)
    }
}

/// Waits (real time, at most 10 s) until `f` holds.
pub(crate) async fn until<F: Fn() -> bool>(what: &str, f: F) {
    for _ in 0..2000 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("timed out waiting until {what}");
}

struct Rig {
    store: Arc<MemorySchedule>,
    clock: FakeClock,
    finished: Arc<Mutex<Vec<ScheduledPost>>>,
}

impl Rig {
    fn new() -> Self {
        Rig {
            store: Arc::new(MemorySchedule::new()),
            clock: FakeClock::at_ymd_hms(2026, 6, 1, 9, 0, 0),
            finished: Arc::default(),
        }
    }

    fn start(&self, pubs: Arc<Publishers>, config: ScheduleConfig) -> WorkerHandle {
        let finished = Arc::clone(&self.finished);
        let clock: SharedClock = Arc::new(self.clock.clone());
        Worker::new(self.store.clone(), pubs, clock, config)
            .on_finished(Arc::new(move |p| finished.lock().push(p.clone())))
            .start()
    }

    async fn insert(&self, posts: &[ScheduledPost]) {
        self.store.insert(posts).await.unwrap();
    }

    fn status(&self, id: &str) -> ScheduledPost {
        futures::executor::block_on(self.store.get(id, None)).unwrap().unwrap()
    }

    /// Moves the clock once the worker sleeps on it (so no wake-up is lost).
    async fn advance(&self, by: Duration) {
        until("the worker sleeps on the clock", || self.clock.sleepers() > 0).await;
        self.clock.advance(by);
    }
}

#[tokio::test]
async fn due_posts_go_out_in_order_and_future_and_cancelled_ones_wait() {
    let rig = Rig::new();
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let t0 = rig.clock.now();
    let later = t0 + chrono::Duration::minutes(10);
    rig.insert(&[
        entry("p3", &x, t0 - chrono::Duration::seconds(1)),
        entry("p1", &x, t0 - chrono::Duration::seconds(30)),
        entry("p2", &x, t0 - chrono::Duration::seconds(10)),
        entry("p4", &x, later),
        entry("p5", &x, later),
    ])
    .await;
    let cancelled = rig.store.change("p5", None, &PostChange::Cancel, t0).await.unwrap();
    assert!(matches!(cancelled, ChangeOutcome::Changed(ref p) if p.status == PostStatus::Cancelled));
    let worker = rig.start(publishers(std::slice::from_ref(&x)), config());
    until("three posts are published", || rig.finished.lock().len() == 3).await;
    let order: Vec<String> = x.requests().iter().map(|p| p.idempotency_key.clone()).collect();
    assert_eq!(order, ["p1", "p2", "p3"], "oldest due first");
    assert_eq!(rig.status("p4").status, PostStatus::Scheduled, "not due yet");
    rig.advance(Duration::from_secs(600)).await;
    until("the later post is published", || rig.finished.lock().len() == 4).await;
    let p4 = rig.status("p4");
    assert_eq!((p4.status, p4.attempts, p4.post_id.as_deref()), (PostStatus::Published, 1, Some("p4-0")));
    assert_eq!(p4.published_at, Some(later));
    assert_eq!(p4.post_url.as_deref(), Some("https://example.test/p4/0"));
    rig.advance(Duration::from_secs(3600)).await;
    assert_eq!(worker.shutdown(Duration::from_secs(1)).await, 0);
    assert_eq!(rig.status("p5").status, PostStatus::Cancelled);
    assert_eq!(x.requests().len(), 4, "the cancelled post was never sent");
}

#[tokio::test]
async fn a_failure_that_did_not_post_is_retried_with_backoff_then_fails_at_the_limit() {
    let rig = Rig::new();
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let mut refused = PublishFailure::new(FailureClass::NotPosted, "connection refused");
    x.fail_next(refused.clone());
    refused.status = Some(429);
    refused.retry_after = Some(Duration::from_secs(900));
    x.fail_next(refused.clone());
    let t0 = rig.clock.now();
    rig.insert(&[entry("p1", &x, t0)]).await;
    let c = ScheduleConfig { max_attempts: 3, ..config() };
    let worker = rig.start(publishers(std::slice::from_ref(&x)), c);
    until("the first attempt failed", || {
        rig.status("p1").attempts == 1 && rig.status("p1").status == PostStatus::Scheduled
    })
    .await;
    let p = rig.status("p1");
    let wait = (p.next_attempt_at - t0).num_milliseconds();
    assert!((24_000..=36_000).contains(&wait), "30 s ± 20 %: {wait} ms");
    assert_eq!(p.last_error.as_deref(), Some("connection refused"));
    rig.advance(Duration::from_millis(u64::try_from(wait).unwrap() - 1000)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(x.requests().len(), 1, "not before the backoff ends");
    rig.advance(Duration::from_secs(2)).await;
    until("the second attempt failed", || {
        rig.status("p1").attempts == 2 && rig.status("p1").status == PostStatus::Scheduled
    })
    .await;
    let p = rig.status("p1");
    let wait2 = (p.next_attempt_at - rig.clock.now()).num_seconds();
    assert!(wait2 >= 900, "Retry-After wins over the 60 s backoff: {wait2} s");
    rig.advance(Duration::from_secs(901)).await;
    until("published on the third attempt", || rig.status("p1").status == PostStatus::Published).await;
    assert_eq!(rig.status("p1").attempts, 3);
    assert_eq!(x.requests().iter().map(|r| r.idempotency_key.as_str()).collect::<Vec<_>>(), ["p1"; 3]);

    // The limit: every attempt refused.
    for _ in 0..3 {
        x.fail_next(PublishFailure::new(FailureClass::NotPosted, "503 from the platform"));
    }
    rig.insert(&[entry("p2", &x, rig.clock.now())]).await;
    worker.wake();
    for attempt in 1..3 {
        until("an attempt failed", || rig.status("p2").attempts == attempt).await;
        rig.advance(Duration::from_secs(3600)).await;
    }
    until("failed at the limit", || rig.status("p2").status == PostStatus::Failed).await;
    let p2 = rig.status("p2");
    assert_eq!(p2.attempts, 3);
    assert!(p2.last_error.as_deref().unwrap().contains("not posted after 3 attempts"), "{p2:?}");
    assert_eq!(rig.finished.lock().iter().filter(|p| p.id == "p2").count(), 1, "one final report");
    worker.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn an_ambiguous_failure_is_unknown_without_idempotency_and_retried_with_it() {
    let rig = Rig::new();
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let masto = Scripted::new("masto", PublisherKind::Mastodon, true);
    let timeout = PublishFailure::new(FailureClass::MaybePosted, "timed out after sending the request");
    x.fail_next(timeout.clone());
    masto.fail_next(timeout);
    let t0 = rig.clock.now();
    rig.insert(&[entry("px", &x, t0), entry("pm", &masto, t0)]).await;
    let worker = rig.start(publishers(&[x.clone(), masto.clone()]), ScheduleConfig { concurrency: 4, ..config() });
    until("x is unknown", || rig.status("px").status == PostStatus::Unknown).await;
    let px = rig.status("px");
    let msg = px.last_error.unwrap();
    assert!(msg.contains("may have been accepted") && msg.contains("check the account `brand-x`"), "{msg}");
    assert_eq!(x.requests().len(), 1, "never sent twice");
    until("mastodon will retry", || rig.status("pm").status == PostStatus::Scheduled && rig.status("pm").attempts == 1)
        .await;
    rig.advance(Duration::from_secs(60)).await;
    until("mastodon published", || rig.status("pm").status == PostStatus::Published).await;
    let keys: Vec<String> = masto.requests().iter().map(|p| p.idempotency_key.clone()).collect();
    assert_eq!(keys, ["pm", "pm"], "the retry carries the same idempotency key");
    let reported: Vec<(String, PostStatus)> = rig.finished.lock().iter().map(|p| (p.id.clone(), p.status)).collect();
    assert!(
        reported.contains(&("px".into(), PostStatus::Unknown))
            && reported.contains(&("pm".into(), PostStatus::Published))
    );
    worker.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_refusal_fails_at_once_and_a_thread_continues_after_the_parts_already_posted() {
    let rig = Rig::new();
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let mut refused = PublishFailure::new(FailureClass::Rejected, "duplicate content");
    refused.status = Some(403);
    x.fail_next(refused);
    let mut half = PublishFailure::new(FailureClass::NotPosted, "429 after part 1");
    half.posted = vec![PostedPart { id: "t-0".into(), url: None, cid: None }];
    x.fail_next(half);
    let t0 = rig.clock.now();
    let mut thread = entry("t", &x, t0 + chrono::Duration::seconds(1));
    thread.parts = vec!["1/3 one".into(), "2/3 two".into(), "3/3 three".into()];
    rig.insert(&[entry("r", &x, t0), thread]).await;
    let worker = rig.start(publishers(std::slice::from_ref(&x)), config());
    until("refused", || rig.status("r").status == PostStatus::Failed).await;
    let r = rig.status("r");
    assert_eq!(r.attempts, 1, "a refusal is not retried");
    assert_eq!(r.last_error.as_deref(), Some("refused by x: HTTP 403: duplicate content"));
    rig.advance(Duration::from_secs(1)).await;
    until("the thread failed part-way", || {
        rig.status("t").attempts == 1 && rig.status("t").status == PostStatus::Scheduled
    })
    .await;
    assert_eq!(rig.status("t").posted.len(), 1, "the posted part is remembered");
    rig.advance(Duration::from_secs(60)).await;
    until("the thread is published", || rig.status("t").status == PostStatus::Published).await;
    let last = x.requests().pop().unwrap();
    assert_eq!(last.done.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["t-0"], "continues after part 1");
    let t = rig.status("t");
    assert_eq!(t.posted.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["t-0", "t-1", "t-2"]);
    assert_eq!(t.post_id.as_deref(), Some("t-0"), "the thread's id is its first post");
    worker.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_stopped_workers_claims_return_retried_with_idempotency_and_unknown_without() {
    let rig = Rig::new();
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let masto = Scripted::new("masto", PublisherKind::Mastodon, true);
    let t0 = rig.clock.now();
    rig.insert(&[entry("px", &x, t0), entry("pm", &masto, t0)]).await;
    // A worker claims both, then dies without a word.
    let claimed = rig.store.claim_due("dead-worker", t0, Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(claimed.posts.len(), 2);
    let worker = rig.start(publishers(&[x.clone(), masto.clone()]), ScheduleConfig { concurrency: 4, ..config() });
    rig.advance(Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(rig.status("px").status, PostStatus::Publishing, "the lease still holds");
    rig.advance(Duration::from_secs(31)).await;
    until("the claims returned", || {
        rig.status("px").status == PostStatus::Unknown && rig.status("pm").status == PostStatus::Published
    })
    .await;
    assert!(x.requests().is_empty(), "x was never sent again");
    assert_eq!(masto.requests().len(), 1);
    assert_eq!(rig.status("pm").attempts, 2, "the dead worker's claim counted");
    assert_eq!(rig.status("px").last_error.as_deref(), Some(ABANDONED_MESSAGE));
    assert!(rig.finished.lock().iter().any(|p| p.id == "px" && p.status == PostStatus::Unknown), "reported");
    worker.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_long_publish_keeps_its_lease_and_shutdown_waits_for_it() {
    #[derive(Debug)]
    struct Slow(Arc<Scripted>, Arc<tokio::sync::Notify>);
    #[async_trait::async_trait]
    impl Publisher for Slow {
        fn account(&self) -> &str {
            self.0.account()
        }
        fn kind(&self) -> PublisherKind {
            self.0.kind()
        }
        fn idempotent(&self) -> bool {
            false
        }
        fn validate(&self, parts: &[String]) -> crate::Result<()> {
            self.0.validate(parts)
        }
        async fn publish(&self, post: &Post) -> Result<Published, PublishFailure> {
            self.1.notified().await;
            self.0.publish(post).await
        }
    }
    let rig = Rig::new();
    let x = Scripted::new("brand-x", PublisherKind::X, false);
    let release = Arc::new(tokio::sync::Notify::new());
    let slow: Arc<dyn Publisher> = Arc::new(Slow(x.clone(), release.clone()));
    let pubs: Arc<Publishers> = Arc::new([("brand-x".to_owned(), slow)].into());
    rig.insert(&[entry("p", &x, rig.clock.now())]).await;
    let worker = rig.start(pubs, config());
    until("claimed", || rig.status("p").status == PostStatus::Publishing).await;
    // Three lease lengths pass while the request is in flight: the worker renews.
    for _ in 0..9 {
        rig.advance(Duration::from_secs(20)).await;
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let other = rig.store.claim_due("other", rig.clock.now(), Duration::from_secs(60), 10).await.unwrap();
    assert!(other.posts.is_empty() && other.abandoned.is_empty(), "a renewed lease is not taken over: {other:?}");
    let stopping = tokio::spawn(async move { worker.shutdown(Duration::from_secs(5)).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    release.notify_one();
    assert_eq!(stopping.await.unwrap(), 0, "shutdown waited for the post in flight");
    assert_eq!(rig.status("p").status, PostStatus::Published);
}

#[test]
fn decide_follows_the_failure_classes() {
    let c = ScheduleConfig::default();
    let x = Scripted::new("a", PublisherKind::X, false);
    let now = FakeClock::at_ymd_hms(2026, 1, 1, 0, 0, 0).now();
    let mut post = entry("p", &x, now);
    post.attempts = 1;
    let f = |class| PublishFailure::new(class, "boom");
    assert!(matches!(decide(&c, &post, f(FailureClass::NotPosted), now, 0.5), Finish::Retry { .. }));
    assert!(matches!(decide(&c, &post, f(FailureClass::Rejected), now, 0.5), Finish::Failed { .. }));
    assert!(matches!(decide(&c, &post, f(FailureClass::MaybePosted), now, 0.5), Finish::Unknown { .. }));
    post.idempotent = true;
    assert!(matches!(decide(&c, &post, f(FailureClass::MaybePosted), now, 0.5), Finish::Retry { .. }));
    post.attempts = c.max_attempts;
    assert!(matches!(decide(&c, &post, f(FailureClass::MaybePosted), now, 0.5), Finish::Unknown { .. }));
    assert!(matches!(decide(&c, &post, f(FailureClass::NotPosted), now, 0.5), Finish::Failed { .. }));
}
