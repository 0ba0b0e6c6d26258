//! Publishing through the engine: schedule a piece to accounts, list and change the schedule,
//! and run the worker that publishes what is due.

use super::ContentEngine;
use crate::auth::RequestContext;
use crate::clock::check_time;
use crate::content::GeneratedContent;
use crate::error::{Error, Result};
use crate::events::{EngineEvent, EventSink};
use crate::page::truncate_micros;
use crate::publish::{Publisher, PublisherKind};
use crate::schedule::{
    ChangeOutcome, PostChange, PostStatus, SchedulePage, ScheduleQuery, ScheduledPost, Worker, WorkerHandle,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Most accounts one publish call may target.
pub const MAX_TARGETS: usize = 20;

/// How far in the past a scheduled time may lie and still mean "now" (clock skew between the
/// caller and the server).
const PAST_TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);

/// How far ahead a post may be scheduled.
const MAX_AHEAD: chrono::Duration = chrono::Duration::days(366);

/// What to publish, where and when: the body of `POST /v1/content/publish` and the argument of
/// the bindings' `publish`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
pub struct PublishRequest {
    /// The piece's id (from the library).
    pub content_id: String,
    /// The names of the accounts to publish to ([`ContentEngine::accounts`] lists them);
    /// `platforms` is accepted as another name for it (the original app's field).
    #[serde(alias = "platforms")]
    pub targets: Vec<String>,
    /// When (RFC 3339); now when left out.
    #[serde(default)]
    pub scheduled_time: Option<DateTime<Utc>>,
}

/// A configured account, as callers see it (no credentials).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct AccountInfo {
    /// The account's name (what `targets` names).
    pub name: String,
    /// Its platform.
    pub platform: PublisherKind,
    /// Whether the platform deduplicates retries by idempotency key (a post whose request may
    /// have been accepted is retried there; elsewhere it becomes `unknown`).
    pub idempotent: bool,
    /// Whether copy split into several posts goes out as a thread (reply chain).
    pub threads: bool,
}

/// The text of each post for `kind`: the thread when the platform has threads and the piece
/// was split into one, else the whole copy.
pub fn parts_for(content: &GeneratedContent, kind: PublisherKind) -> Vec<String> {
    if kind.has_threads() && !content.metadata.thread.is_empty() {
        content.metadata.thread.clone()
    } else {
        vec![content.content.trim().to_owned()]
    }
}

/// The event for an entry that reached a final state.
pub(crate) fn finished_event(post: &ScheduledPost) -> Option<EngineEvent> {
    match post.status {
        PostStatus::Published => Some(EngineEvent::ContentPublished {
            schedule_id: post.id.clone(),
            content_id: post.content_id.clone(),
            owner: post.owner.clone(),
            account: post.account.clone(),
            platform: post.platform,
            post_id: post.post_id.clone(),
            post_url: post.post_url.clone(),
            attempts: post.attempts,
            scheduled_time: post.scheduled_time,
            published_at: post.published_at.unwrap_or(post.updated_at),
        }),
        PostStatus::Failed | PostStatus::Unknown => Some(EngineEvent::ContentPublishFailed {
            schedule_id: post.id.clone(),
            content_id: post.content_id.clone(),
            owner: post.owner.clone(),
            account: post.account.clone(),
            platform: post.platform,
            status: post.status,
            error: post.last_error.clone().unwrap_or_default(),
            attempts: post.attempts,
        }),
        _ => None,
    }
}

fn emitter(events: EventSink) -> crate::schedule::OnFinished {
    Arc::new(move |post| {
        if let Some(e) = finished_event(post) {
            events.emit(e);
        }
    })
}

impl ContentEngine {
    /// The accounts posts can be published to, by name.
    pub fn accounts(&self) -> Vec<AccountInfo> {
        self.inner
            .publishers
            .iter()
            .map(|(name, p)| AccountInfo {
                name: name.clone(),
                platform: p.kind(),
                idempotent: p.idempotent(),
                threads: p.kind().has_threads(),
            })
            .collect()
    }

    /// Schedules the piece `content_id` to each account of `targets` at `at` (now when `None`),
    /// one schedule entry per account, all or none.
    ///
    /// Each account's publisher validates the copy first (length as the platform counts it,
    /// hashtags, thread size), so a post that cannot succeed is refused now, naming the target
    /// (`targets[1]`) and the reason. A thread piece goes out as a reply chain on platforms
    /// with threads (X, Mastodon, Bluesky) and as one post elsewhere. The worker
    /// ([`ContentEngine::start_scheduler`], or `splants-server`) publishes entries when due;
    /// one started by this engine is woken at once.
    pub async fn publish(
        &self,
        content_id: &str,
        targets: &[String],
        at: Option<DateTime<Utc>>,
        ctx: &RequestContext,
    ) -> Result<Vec<ScheduledPost>> {
        let now = truncate_micros(self.inner.clock.now());
        let when = match at {
            None => now,
            Some(t) => {
                let t = check_time("scheduled_time", t)?;
                if t < now - PAST_TOLERANCE {
                    return Err(Error::validation(
                        "scheduled_time",
                        format!("{} is in the past; leave it out to publish now", t.to_rfc3339()),
                    ));
                }
                if t > now + MAX_AHEAD {
                    return Err(Error::validation("scheduled_time", "must be within a year from now"));
                }
                truncate_micros(t).max(now)
            }
        };
        let publishers = self.targets(targets)?;
        let content = self.get_content(content_id, ctx).await?;
        let mut posts = Vec::with_capacity(publishers.len());
        for (i, publisher) in publishers.iter().enumerate() {
            let parts = parts_for(&content, publisher.kind());
            publisher.validate(&parts).map_err(|e| match e {
                Error::Validation { field, reason } => Error::validation(
                    format!("targets[{i}]"),
                    format!("`{}` ({}): {field}: {reason}", publisher.account(), publisher.kind()),
                ),
                other => other,
            })?;
            posts.push(ScheduledPost {
                owner: ctx.owner().map(str::to_owned).or_else(|| content.owner.clone()),
                idempotent: publisher.idempotent(),
                created_at: now,
                updated_at: now,
                ..ScheduledPost::new(
                    uuid::Uuid::now_v7().to_string(),
                    &content.id,
                    publisher.account(),
                    publisher.kind(),
                    parts,
                    when,
                )
            });
        }
        self.inner.stores.schedules.insert(&posts).await?;
        if when <= now {
            self.wake_scheduler();
        }
        // As inserted (a worker may be publishing them already).
        Ok(posts)
    }

    /// Checks `targets` name configured accounts, once each.
    fn targets(&self, targets: &[String]) -> Result<Vec<Arc<dyn Publisher>>> {
        if targets.is_empty() || targets.len() > MAX_TARGETS {
            return Err(Error::validation("targets", format!("{} accounts; name 1..={MAX_TARGETS}", targets.len())));
        }
        let mut out: Vec<Arc<dyn Publisher>> = Vec::with_capacity(targets.len());
        for (i, name) in targets.iter().enumerate() {
            if targets[..i].contains(name) {
                return Err(Error::validation(format!("targets[{i}]"), format!("`{name}` is named twice")));
            }
            let Some(p) = self.inner.publishers.get(name) else {
                let known: Vec<&str> = self.inner.publishers.keys().map(String::as_str).collect();
                let shown: String = name.chars().take(64).collect();
                let reason = if known.is_empty() {
                    format!("no account `{shown}`: none is configured (SPLANTS_PUBLISH_ACCOUNTS)")
                } else {
                    format!("no account `{shown}`; configured: {}", known.join(", "))
                };
                return Err(Error::validation(format!("targets[{i}]"), reason));
            };
            out.push(Arc::clone(p));
        }
        Ok(out)
    }

    /// A page of the schedule, earliest first; the caller's owner (if any) always restricts it.
    pub async fn schedule(&self, mut query: ScheduleQuery, ctx: &RequestContext) -> Result<SchedulePage> {
        if let Some(owner) = ctx.owner() {
            query.owner = Some(owner.to_owned());
        }
        self.inner.stores.schedules.list(&query).await
    }

    /// One schedule entry (the caller's own, when the caller has an owner).
    pub async fn scheduled_post(&self, id: &str, ctx: &RequestContext) -> Result<ScheduledPost> {
        if !super::lookup_id(id) {
            return Err(Error::not_found("schedule", id));
        }
        self.inner.stores.schedules.get(id, ctx.owner()).await?.ok_or_else(|| Error::not_found("schedule", id))
    }

    /// Cancels an entry that is still `scheduled`; a post already publishing or done is a
    /// [`Error::Conflict`] saying where it is.
    pub async fn cancel_post(&self, id: &str, ctx: &RequestContext) -> Result<ScheduledPost> {
        self.change_post(id, &PostChange::Cancel, ctx).await
    }

    /// Moves an entry that is still `scheduled` to `at` (its attempts start again).
    pub async fn reschedule_post(&self, id: &str, at: DateTime<Utc>, ctx: &RequestContext) -> Result<ScheduledPost> {
        let now = self.inner.clock.now();
        let at = check_time("scheduled_time", at)?;
        if at < now - PAST_TOLERANCE {
            return Err(Error::validation("scheduled_time", format!("{} is in the past", at.to_rfc3339())));
        }
        if at > now + MAX_AHEAD {
            return Err(Error::validation("scheduled_time", "must be within a year from now"));
        }
        let post = self.change_post(id, &PostChange::Reschedule(at.max(now)), ctx).await?;
        if post.next_attempt_at <= now {
            self.wake_scheduler();
        }
        Ok(post)
    }

    async fn change_post(&self, id: &str, change: &PostChange, ctx: &RequestContext) -> Result<ScheduledPost> {
        if !super::lookup_id(id) {
            return Err(Error::not_found("schedule", id));
        }
        let now = self.inner.clock.now();
        match self.inner.stores.schedules.change(id, ctx.owner(), change, now).await? {
            ChangeOutcome::Changed(p) => Ok(p),
            ChangeOutcome::NotFound => Err(Error::not_found("schedule", id)),
            ChangeOutcome::NotScheduled(p) => Err(Error::Conflict {
                kind: "schedule",
                id: id.to_owned(),
                state: p.status.as_str().to_owned(),
                reason: match p.status {
                    PostStatus::Publishing => "it is being published now".to_owned(),
                    PostStatus::Cancelled => "it was cancelled; schedule the piece again".to_owned(),
                    PostStatus::Unknown => {
                        "it may be on the platform already; check the account, then schedule the piece again".to_owned()
                    }
                    _ => "only scheduled posts can change; schedule the piece again".to_owned(),
                },
            }),
        }
    }

    /// Cancels every still-scheduled entry of the piece `content_id` (before it is deleted).
    pub(crate) async fn cancel_pending_posts(&self, content_id: &str) -> Result<()> {
        let now = self.inner.clock.now();
        loop {
            let q = ScheduleQuery {
                content_id: Some(content_id.to_owned()),
                status: Some(PostStatus::Scheduled),
                limit: Some(100),
                ..ScheduleQuery::default()
            };
            let page = self.inner.stores.schedules.list(&q).await?;
            if page.items.is_empty() {
                return Ok(());
            }
            for p in page.items {
                self.inner.stores.schedules.change(&p.id, None, &PostChange::Cancel, now).await?;
            }
        }
    }

    /// Starts the publishing worker of this engine on the current tokio runtime; a second call
    /// while it runs does nothing. Several engines
    /// (processes) on one database share the queue: each post is claimed by one worker at a
    /// time, and a stopped worker's claims return after their lease.
    pub fn start_scheduler(&self) -> Result<()> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::internal("start_scheduler needs a tokio runtime"));
        }
        let mut slot = self.inner.scheduler.lock();
        if slot.is_some() {
            return Ok(());
        }
        let worker = Worker::new(
            Arc::clone(&self.inner.stores.schedules),
            Arc::clone(&self.inner.publishers),
            Arc::clone(&self.inner.clock),
            self.inner.config.schedule.clone(),
        )
        .on_finished(emitter(self.inner.events.clone()))
        .wake_with(Arc::clone(&self.inner.scheduler_wake));
        *slot = Some(worker.start());
        Ok(())
    }

    /// Whether this engine's publishing worker is running.
    pub fn scheduler_running(&self) -> bool {
        self.inner.scheduler.lock().is_some()
    }

    fn wake_scheduler(&self) {
        self.inner.scheduler_wake.notify_one();
    }

    /// Stops the worker (if running), waiting up to `grace` for posts in flight; returns how
    /// many were left to their leases.
    pub(crate) async fn stop_scheduler(&self, grace: Duration) -> usize {
        let handle: Option<WorkerHandle> = self.inner.scheduler.lock().take();
        match handle {
            Some(h) => h.shutdown(grace).await,
            None => 0,
        }
    }
}
