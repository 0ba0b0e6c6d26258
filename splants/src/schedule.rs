//! The durable publishing schedule: one entry per piece, account and time, claimed by workers
//! with a lease so several instances share one queue and a crashed worker's claim returns.
//!
//! An entry moves `scheduled → publishing → published | failed | unknown`, or to `cancelled`
//! while it is still `scheduled`:
//!
//! - A worker **claims** due entries ([`ScheduleStore::claim_due`]): `scheduled` ones whose
//!   next attempt is due, oldest first, become `publishing` under the worker's lease
//!   (`FOR UPDATE SKIP LOCKED` on Postgres, one write transaction on SQLite, a lock in memory),
//!   so no two workers hold the same entry. The claim counts an attempt.
//! - A `publishing` entry whose lease ran out belonged to a worker that stopped (a crash, a
//!   kill). On a platform with idempotency keys it is claimed again and sent again with the
//!   same key; on one without, it becomes `unknown` (the request may have gone out, and a
//!   second one could post twice).
//! - The worker **finishes** the entry under its lease ([`ScheduleStore::finish`]): published
//!   (the platform's post id and URL), a retry at a later time, failed, or unknown. A worker
//!   whose lease was taken over finishes nothing.

mod config;
mod memory;
mod query;
mod worker;

pub use config::ScheduleConfig;
pub use memory::MemorySchedule;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) use memory::apply_finish;
pub use query::{SchedulePage, ScheduleQuery, comes_after, cursor_after};
pub use worker::{OnFinished, Publishers, Worker, WorkerHandle, decide, worker_id};

use crate::error::Result;
use crate::page::truncate_micros;
use crate::publish::{PostedPart, PublisherKind};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt::{self, Debug};
use std::time::Duration;

/// Where a schedule entry is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum PostStatus {
    /// Waiting for its time (or for its next attempt after a failure that did not post).
    Scheduled,
    /// Claimed by a worker, which is publishing it.
    Publishing,
    /// On the platform: `post_id` and `post_url` say where.
    Published,
    /// Not posted, and it will not be: `last_error` says why.
    Failed,
    /// It may or may not have been posted (the request may have been accepted, and the
    /// platform has no idempotency key to retry with): check the account; `last_error` says
    /// what happened.
    Unknown,
    /// Cancelled before it was published.
    Cancelled,
}

impl PostStatus {
    /// Every status.
    pub const ALL: [PostStatus; 6] = [
        PostStatus::Scheduled,
        PostStatus::Publishing,
        PostStatus::Published,
        PostStatus::Failed,
        PostStatus::Unknown,
        PostStatus::Cancelled,
    ];

    /// The stable string form (`scheduled`, …), as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            PostStatus::Scheduled => "scheduled",
            PostStatus::Publishing => "publishing",
            PostStatus::Published => "published",
            PostStatus::Failed => "failed",
            PostStatus::Unknown => "unknown",
            PostStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the string form.
    pub fn parse(s: &str) -> Option<Self> {
        PostStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the entry is done (published, failed, unknown or cancelled).
    pub const fn is_final(self) -> bool {
        !matches!(self, PostStatus::Scheduled | PostStatus::Publishing)
    }
}

impl fmt::Display for PostStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece, one account, one time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ScheduledPost {
    /// The entry's id (UUID v7); also the idempotency key sent to platforms that take one.
    pub id: String,
    /// The piece published.
    pub content_id: String,
    /// Who scheduled it (API key identity or tenant), if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The account's name in the configuration.
    pub account: String,
    /// The account's platform.
    pub platform: PublisherKind,
    /// The text of each post (one, or a thread), as validated when it was scheduled.
    pub parts: Vec<String>,
    /// When it is to be published.
    pub scheduled_time: DateTime<Utc>,
    /// Where it is.
    pub status: PostStatus,
    /// Attempts made so far (each claim by a worker is one).
    pub attempts: u32,
    /// When the next attempt is due: `scheduled_time`, or later after a failure that did not
    /// post.
    pub next_attempt_at: DateTime<Utc>,
    /// What went wrong last, if anything; for `unknown` entries, what to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The platform's id of the post (the first of a thread), once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_id: Option<String>,
    /// Where the post can be seen, once published (when the platform says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_url: Option<String>,
    /// Parts already on the platform, in order (all of them once published; some of a thread
    /// that failed part-way, so the next attempt continues after them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub posted: Vec<PostedPart>,
    /// Whether the platform deduplicates by idempotency key, so an attempt that may have been
    /// accepted is retried rather than marked unknown.
    pub idempotent: bool,
    /// When it was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    /// The worker holding it while `publishing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_owner: Option<String>,
    /// Until when that worker's claim holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<DateTime<Utc>>,
    /// When it was scheduled.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl ScheduledPost {
    /// A new `scheduled` entry of `parts` for `account` at `at`, with no owner, made at `at`,
    /// and not idempotent; set the rest with struct update syntax.
    pub fn new(
        id: impl Into<String>,
        content_id: impl Into<String>,
        account: impl Into<String>,
        platform: PublisherKind,
        parts: Vec<String>,
        at: DateTime<Utc>,
    ) -> Self {
        ScheduledPost {
            id: id.into(),
            content_id: content_id.into(),
            owner: None,
            account: account.into(),
            platform,
            parts,
            scheduled_time: at,
            status: PostStatus::Scheduled,
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            post_id: None,
            post_url: None,
            posted: Vec::new(),
            idempotent: false,
            published_at: None,
            lease_owner: None,
            lease_until: None,
            created_at: at,
            updated_at: at,
        }
    }
}

/// A change a user asks for; only a `scheduled` entry can change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostChange {
    /// Never publish it.
    Cancel,
    /// Publish it at this time instead (its attempts start again from zero).
    Reschedule(DateTime<Utc>),
}

impl PostChange {
    /// Applies the change to `post` if it is still `scheduled` (what every store does inside
    /// its own atomic step); `false`, and nothing changed, otherwise.
    pub(crate) fn apply(&self, post: &mut ScheduledPost, now: DateTime<Utc>) -> bool {
        if post.status != PostStatus::Scheduled {
            return false;
        }
        match self {
            PostChange::Cancel => post.status = PostStatus::Cancelled,
            PostChange::Reschedule(at) => {
                post.scheduled_time = truncate_micros(*at);
                post.next_attempt_at = truncate_micros(*at);
                post.attempts = 0;
            }
        }
        post.updated_at = truncate_micros(now);
        true
    }
}

/// What [`ScheduleStore::change`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeOutcome {
    /// Changed; the entry as it is now.
    Changed(ScheduledPost),
    /// No such entry (or not the owner's).
    NotFound,
    /// The entry is no longer `scheduled`; it is as it is now.
    NotScheduled(ScheduledPost),
}

/// How a worker's attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Finish {
    /// On the platform.
    Published {
        /// Every part, in order; the first is the post.
        posted: Vec<PostedPart>,
    },
    /// Not posted (or posted only in part); try again at `at`.
    Retry {
        /// When the next attempt is due.
        at: DateTime<Utc>,
        /// What went wrong.
        error: String,
        /// Parts on the platform so far.
        posted: Vec<PostedPart>,
    },
    /// Not posted, and it will not be.
    Failed {
        /// Why.
        error: String,
        /// Parts of a thread on the platform before it failed.
        posted: Vec<PostedPart>,
    },
    /// May have been posted; the user checks.
    Unknown {
        /// What happened and what to check.
        error: String,
        /// Parts known to be on the platform.
        posted: Vec<PostedPart>,
    },
}

/// What a claim took.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claimed {
    /// Entries now `publishing` under the worker's lease, due time first.
    pub posts: Vec<ScheduledPost>,
    /// Entries on platforms without idempotency keys whose previous worker's lease ran out
    /// while publishing: now `unknown` (the claim reports them so their events go out).
    pub abandoned: Vec<ScheduledPost>,
}

/// The message an entry abandoned by a stopped worker gets (on platforms without idempotency
/// keys).
pub const ABANDONED_MESSAGE: &str = "the worker publishing this post stopped before it reported back, and the \
     platform has no idempotency key to retry with safely: check the account for the post, then reschedule \
     a copy if it is not there";

/// Persistence for the schedule; every backend passes the same conformance suite
/// (`splants/tests/storage/`), with the memory store as the reference semantics.
#[async_trait]
pub trait ScheduleStore: Send + Sync + Debug {
    /// Adds entries, all or none (a publish to several accounts is one call).
    async fn insert(&self, posts: &[ScheduledPost]) -> Result<()>;

    /// An entry by id; `owner` restricts to that owner's entries when given.
    async fn get(&self, id: &str, owner: Option<&str>) -> Result<Option<ScheduledPost>>;

    /// A page of entries by `scheduled_time` (then id), earliest first.
    async fn list(&self, query: &ScheduleQuery) -> Result<SchedulePage>;

    /// Cancels or reschedules an entry that is still `scheduled` (atomically: a worker claiming
    /// it at the same moment wins or loses as a whole).
    async fn change(
        &self,
        id: &str,
        owner: Option<&str>,
        change: &PostChange,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome>;

    /// Claims up to `limit` due entries for `worker` until `now + lease` (see the module docs).
    async fn claim_due(&self, worker: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> Result<Claimed>;

    /// Extends `worker`'s lease on `ids` to `until`; returns the ids it still holds.
    async fn renew(&self, worker: &str, ids: &[String], until: DateTime<Utc>) -> Result<Vec<String>>;

    /// Records parts of a thread on the platform so far, under `worker`'s lease; false when the
    /// lease is no longer `worker`'s.
    async fn record_posted(&self, id: &str, worker: &str, posted: &[PostedPart], now: DateTime<Utc>) -> Result<bool>;

    /// Ends `worker`'s attempt and returns the entry as it is now; `None` (and nothing
    /// changed) when the lease is no longer `worker`'s.
    async fn finish(
        &self,
        id: &str,
        worker: &str,
        finish: &Finish,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduledPost>>;
}

#[cfg(test)]
pub(crate) mod tests;
