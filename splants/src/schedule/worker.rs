//! The publishing worker: claims due entries under a lease, publishes them, and records how
//! each attempt ended.
//!
//! One loop per worker: claim up to `concurrency` due entries (fewer while some are still
//! being published), publish each in a task of its own, renew the lease of those in flight
//! every third of the lease, and sleep until the next poll, a wake-up (a post scheduled
//! through this engine) or a task's end, whichever comes first. How a failure ends depends on
//! its [`FailureClass`](crate::publish::FailureClass):
//!
//! - not posted: retried after `retry_base · 2^(n-1)` (±20 % jitter, capped at `retry_max`,
//!   never before the platform's `Retry-After`) until `max_attempts`, then `failed`;
//! - rejected: `failed` at once, with the platform's reason;
//! - may have been posted: retried (same idempotency key) on platforms that deduplicate by it,
//!   otherwise `unknown` with what to check: never posted twice.
//!
//! The worker knows nothing of the engine: it is given its store, its publishers, the clock,
//! its settings and a function called with every entry that reached a final state (the engine
//! turns those into events and webhooks).

use super::{Finish, ScheduleConfig, ScheduleStore, ScheduledPost};
use crate::clock::SharedClock;
use crate::publish::{FailureClass, Post, PublishFailure};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use crate::publish::Publishers;

/// Called with every entry that reached `published`, `failed` or `unknown`.
pub type OnFinished = Arc<dyn Fn(&ScheduledPost) + Send + Sync>;

/// A publishing worker, ready to [`start`](Worker::start).
#[must_use]
pub struct Worker {
    shared: Arc<Shared>,
}

struct Shared {
    id: String,
    store: Arc<dyn ScheduleStore>,
    publishers: Arc<Publishers>,
    clock: SharedClock,
    config: ScheduleConfig,
    on_finished: OnFinished,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("id", &self.shared.id).finish_non_exhaustive()
    }
}

/// A worker id unique to this process and start: `<pid>-<random>`.
pub fn worker_id() -> String {
    let u = uuid::Uuid::now_v7().simple().to_string();
    format!("w{}-{}", std::process::id(), &u[u.len() - 12..])
}

impl Worker {
    /// A worker claiming from `store` and publishing through `publishers`.
    pub fn new(
        store: Arc<dyn ScheduleStore>,
        publishers: Arc<Publishers>,
        clock: SharedClock,
        config: ScheduleConfig,
    ) -> Self {
        Worker {
            shared: Arc::new(Shared {
                id: worker_id(),
                store,
                publishers,
                clock,
                config,
                on_finished: Arc::new(|_| {}),
                wake: Arc::default(),
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Shared)) -> Self {
        if let Some(s) = Arc::get_mut(&mut self.shared) {
            f(s);
        }
        self
    }

    /// Calls `f` with every entry that reached a final state through this worker (including
    /// entries of stopped workers it turned `unknown`).
    pub fn on_finished(self, f: OnFinished) -> Self {
        self.edit(|s| s.on_finished = f)
    }

    /// Wakes the worker through `wake` (the engine notifies it when a post is scheduled).
    pub fn wake_with(self, wake: Arc<Notify>) -> Self {
        self.edit(|s| s.wake = wake)
    }

    /// Names the worker (the lease owner recorded on claimed entries); unique per process by
    /// default.
    pub fn id(self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.edit(|s| s.id = id)
    }

    /// Starts the loop on the current tokio runtime.
    pub fn start(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let (grace_tx, grace_rx) = watch::channel(None);
        let shared = Arc::clone(&self.shared);
        tracing::info!(worker = %shared.id, accounts = shared.publishers.len(), "publishing worker started");
        let task = tokio::spawn(run(shared, stopped, grace_rx));
        WorkerHandle {
            id: self.shared.id.clone(),
            wake: Arc::clone(&self.shared.wake),
            stop,
            grace: grace_tx,
            task: parking_lot::Mutex::new(Some(task)),
        }
    }
}

/// A running worker. Dropping it stops the loop after the posts in flight; use
/// [`WorkerHandle::shutdown`] to wait for them.
#[derive(Debug)]
pub struct WorkerHandle {
    id: String,
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    grace: watch::Sender<Option<Duration>>,
    task: parking_lot::Mutex<Option<JoinHandle<usize>>>,
}

impl WorkerHandle {
    /// The worker's id (the lease owner on entries it claimed).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Looks for due posts now instead of at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Stops claiming and waits up to `grace` for the posts being published. Posts still in
    /// flight then are abandoned to their leases: another worker (or this one after a restart)
    /// takes them over, or marks them `unknown` on platforms without idempotency keys. Returns
    /// how many were abandoned.
    pub async fn shutdown(&self, grace: Duration) -> usize {
        let _ = self.grace.send(Some(grace));
        let _ = self.stop.send(true);
        let task = self.task.lock().take();
        let Some(task) = task else { return 0 };
        task.await.unwrap_or(0)
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d).ok().and_then(|d| t.checked_add_signed(d)).unwrap_or(crate::clock::latest_time())
}

/// The loop.
async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>, grace: watch::Receiver<Option<Duration>>) -> usize {
    let c = &shared.config;
    let mut tasks: JoinSet<String> = JoinSet::new();
    let mut in_flight: HashSet<String> = HashSet::new();
    let renew_every = c.lease / 3;
    let mut next_renew = add(shared.clock.now(), renew_every);
    let mut claim_errors: u32 = 0;
    loop {
        if *stop.borrow() {
            break;
        }
        while let Some(done) = tasks.try_join_next() {
            if let Ok(id) = done {
                in_flight.remove(&id);
            }
        }
        let now = shared.clock.now();
        let free = c.concurrency.saturating_sub(u32::try_from(tasks.len()).unwrap_or(u32::MAX));
        let mut more_due = false;
        let mut pause = c.poll_interval;
        if free > 0 {
            match shared.store.claim_due(&shared.id, now, c.lease, free).await {
                Ok(claimed) => {
                    claim_errors = 0;
                    for post in &claimed.abandoned {
                        tracing::warn!(schedule_id = %post.id, account = %post.account, "a stopped worker's post is now unknown");
                        (shared.on_finished)(post);
                    }
                    more_due = claimed.posts.len() == free as usize;
                    for post in claimed.posts {
                        in_flight.insert(post.id.clone());
                        let shared = Arc::clone(&shared);
                        tasks.spawn(async move {
                            let id = post.id.clone();
                            publish_one(&shared, post).await;
                            id
                        });
                    }
                }
                Err(e) => {
                    claim_errors = claim_errors.saturating_add(1);
                    // Back off while the database is down, up to ten polls.
                    pause = c.poll_interval * claim_errors.min(10);
                    tracing::warn!(error = %e, "publishing worker could not claim due posts");
                }
            }
        }
        if !in_flight.is_empty() && shared.clock.now() >= next_renew {
            let ids: Vec<String> = in_flight.iter().cloned().collect();
            let until = add(shared.clock.now(), c.lease);
            match shared.store.renew(&shared.id, &ids, until).await {
                Ok(held) if held.len() < ids.len() => {
                    tracing::warn!(lost = ids.len() - held.len(), "publishing worker lost leases it was still using");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "publishing worker could not renew its leases"),
            }
            next_renew = add(shared.clock.now(), renew_every);
        }
        if more_due && tasks.len() < c.concurrency as usize {
            continue;
        }
        let mut wake_at = add(shared.clock.now(), pause);
        if !in_flight.is_empty() {
            wake_at = wake_at.min(next_renew);
        }
        tokio::select! {
            _ = stop.changed() => {}
            () = shared.wake.notified() => {}
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done {
                    in_flight.remove(&id);
                }
            }
            () = shared.clock.sleep_until(wake_at) => {}
        }
    }
    // Stopped: let the posts in flight finish within the grace period, renewing their leases.
    let grace = grace.borrow().unwrap_or(Duration::ZERO);
    let deadline = tokio::time::Instant::now() + grace;
    let mut abandoned = 0;
    while !tasks.is_empty() {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(Ok(id))) => {
                in_flight.remove(&id);
            }
            Ok(Some(Err(_))) => {}
            Ok(None) => break,
            Err(_) => {
                abandoned = tasks.len();
                tracing::warn!(
                    in_flight = abandoned,
                    "publishing worker stopped with posts in flight; their leases will lapse"
                );
                tasks.abort_all();
                break;
            }
        }
    }
    tracing::info!(worker = %shared.id, "publishing worker stopped");
    abandoned
}

/// The overall deadline of one attempt: every part's request timing out, plus a margin.
fn attempt_deadline(config: &ScheduleConfig, parts: usize) -> Duration {
    let n = u32::try_from(parts.max(1)).unwrap_or(u32::MAX).saturating_add(1);
    config.request_timeout.saturating_mul(n).saturating_add(Duration::from_secs(5))
}

/// Publishes one claimed entry and records how the attempt ended.
async fn publish_one(shared: &Shared, post: ScheduledPost) {
    let finish = match shared.publishers.get(&post.account) {
        None => Finish::Failed {
            error: format!("the account `{}` is not configured on the instance that claimed this post", post.account),
            posted: post.posted.clone(),
        },
        Some(publisher) => {
            let request = Post {
                idempotency_key: post.id.clone(),
                content_id: post.content_id.clone(),
                parts: post.parts.clone(),
                done: post.posted.clone(),
            };
            let limit = attempt_deadline(&shared.config, post.parts.len());
            let result = match tokio::time::timeout(limit, publisher.publish(&request)).await {
                Ok(r) => r,
                Err(_) => Err(PublishFailure::new(
                    FailureClass::MaybePosted,
                    format!("no answer within {} s", limit.as_secs()),
                )),
            };
            match result {
                Ok(published) => Finish::Published { posted: published.parts },
                Err(failure) => decide(&shared.config, &post, failure, shared.clock.now(), fastrand::f64()),
            }
        }
    };
    finish_with_retries(shared, &post, &finish).await;
}

/// Records the end of an attempt, retrying a failing store a few times: a result that is not
/// recorded lets the lease lapse, and the entry is then retried (idempotent platforms) or
/// marked `unknown`, never lost.
async fn finish_with_retries(shared: &Shared, post: &ScheduledPost, finish: &Finish) {
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=6 {
        match shared.store.finish(&post.id, &shared.id, finish, shared.clock.now()).await {
            Ok(Some(row)) => {
                log_finish(&row);
                if row.status.is_final() {
                    (shared.on_finished)(&row);
                }
                return;
            }
            Ok(None) => {
                tracing::warn!(schedule_id = %post.id, "publishing worker's lease was taken over; its result is not recorded");
                return;
            }
            Err(e) if attempt < 6 => {
                tracing::warn!(schedule_id = %post.id, error = %e, "could not record a publish result; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            Err(e) => {
                tracing::error!(schedule_id = %post.id, error = %e, "could not record a publish result; the lease will lapse");
            }
        }
    }
}

fn log_finish(row: &ScheduledPost) {
    match row.status {
        super::PostStatus::Published => tracing::info!(
            schedule_id = %row.id, account = %row.account, post_id = row.post_id.as_deref().unwrap_or(""),
            attempts = row.attempts, "post published"
        ),
        super::PostStatus::Scheduled => tracing::info!(
            schedule_id = %row.id, account = %row.account, attempts = row.attempts,
            next_attempt_at = %row.next_attempt_at, error = row.last_error.as_deref().unwrap_or(""), "publish failed; will retry"
        ),
        status => tracing::warn!(
            schedule_id = %row.id, account = %row.account, %status, attempts = row.attempts,
            error = row.last_error.as_deref().unwrap_or(""), "post not published"
        ),
    }
}

/// How a failed attempt ends (see the module docs). `jitter` is a uniform draw in `0..1`.
pub fn decide(
    config: &ScheduleConfig,
    post: &ScheduledPost,
    failure: PublishFailure,
    now: DateTime<Utc>,
    jitter: f64,
) -> Finish {
    let mut posted = post.posted.clone();
    posted.extend(failure.posted.iter().cloned());
    let more = post.attempts < config.max_attempts;
    let retry_at = || add(now, config.backoff(post.attempts, 0.8 + 0.4 * jitter, failure.retry_after));
    match failure.class {
        FailureClass::NotPosted if more => Finish::Retry { at: retry_at(), error: failure.to_string(), posted },
        FailureClass::NotPosted => {
            Finish::Failed { error: format!("not posted after {} attempts; last: {failure}", post.attempts), posted }
        }
        FailureClass::Rejected => Finish::Failed { error: format!("refused by {}: {failure}", post.platform), posted },
        FailureClass::MaybePosted if post.idempotent && more => {
            Finish::Retry { at: retry_at(), error: failure.to_string(), posted }
        }
        FailureClass::MaybePosted if post.idempotent => Finish::Unknown {
            error: format!(
                "{} attempts, the last of which may have been accepted ({failure}): check the account `{}` for the \
                 post before rescheduling it",
                post.attempts, post.account
            ),
            posted,
        },
        FailureClass::MaybePosted => Finish::Unknown {
            error: format!(
                "the request may have been accepted ({failure}) and {} has no idempotency key to retry with \
                 safely: check the account `{}` for the post, then reschedule a copy if it is not there",
                post.platform, post.account
            ),
            posted,
        },
    }
}
