//! The schedule in process memory: the reference semantics every backend's conformance suite
//! compares against. One lock makes each operation atomic, as a transaction would.

use super::query::{comes_after, cursor_after};
use super::{
    ABANDONED_MESSAGE, ChangeOutcome, Claimed, Finish, PostChange, PostStatus, SchedulePage, ScheduleQuery,
    ScheduleStore, ScheduledPost,
};
use crate::error::{Error, Result};
use crate::page::truncate_micros;
use crate::publish::PostedPart;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::time::Duration;

/// The schedule in memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemorySchedule {
    posts: Mutex<BTreeMap<String, ScheduledPost>>,
}

impl MemorySchedule {
    /// An empty schedule.
    pub fn new() -> Self {
        Self::default()
    }

    /// When each piece was first published, for analytics (pieces never published are absent).
    pub fn first_published(&self) -> BTreeMap<String, DateTime<Utc>> {
        let mut out: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
        for p in self.posts.lock().values() {
            if let (PostStatus::Published, Some(at)) = (p.status, p.published_at) {
                let e = out.entry(p.content_id.clone()).or_insert(at);
                *e = (*e).min(at);
            }
        }
        out
    }
}

/// Stored precision: microseconds, as every backend keeps.
fn stored(mut p: ScheduledPost) -> ScheduledPost {
    p.scheduled_time = truncate_micros(p.scheduled_time);
    p.next_attempt_at = truncate_micros(p.next_attempt_at);
    p.published_at = p.published_at.map(truncate_micros);
    p.lease_until = p.lease_until.map(truncate_micros);
    p.created_at = truncate_micros(p.created_at);
    p.updated_at = truncate_micros(p.updated_at);
    p
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    let d = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    now.checked_add_signed(d).unwrap_or(crate::clock::latest_time())
}

fn owned_by(p: &ScheduledPost, owner: Option<&str>) -> bool {
    owner.is_none_or(|o| p.owner.as_deref() == Some(o))
}

/// Whether `worker` holds `p` (publishing under its lease).
fn held_by(p: &ScheduledPost, worker: &str) -> bool {
    p.status == PostStatus::Publishing && p.lease_owner.as_deref() == Some(worker)
}

/// Applies a finished attempt to `p` (shared by every backend's semantics).
pub(crate) fn apply_finish(p: &mut ScheduledPost, finish: &Finish, now: DateTime<Utc>) {
    let (status, posted, error): (PostStatus, &[PostedPart], Option<&str>) = match finish {
        Finish::Published { posted } => (PostStatus::Published, posted, None),
        Finish::Retry { at, error, posted } => {
            p.next_attempt_at = truncate_micros(*at);
            (PostStatus::Scheduled, posted, Some(error))
        }
        Finish::Failed { error, posted } => (PostStatus::Failed, posted, Some(error)),
        Finish::Unknown { error, posted } => (PostStatus::Unknown, posted, Some(error)),
    };
    p.status = status;
    p.posted = posted.to_vec();
    if let Some(e) = error {
        p.last_error = Some(e.to_owned());
    }
    if status == PostStatus::Published {
        p.post_id = posted.first().map(|x| x.id.clone());
        p.post_url = posted.first().and_then(|x| x.url.clone());
        p.published_at = Some(truncate_micros(now));
    }
    p.lease_owner = None;
    p.lease_until = None;
    p.updated_at = truncate_micros(now);
}

#[async_trait]
impl ScheduleStore for MemorySchedule {
    async fn insert(&self, posts: &[ScheduledPost]) -> Result<()> {
        let mut all = self.posts.lock();
        if let Some(p) = posts.iter().find(|p| all.contains_key(&p.id)) {
            return Err(Error::storage(format!("schedule entry `{}` already exists", p.id)));
        }
        for p in posts {
            all.insert(p.id.clone(), stored(p.clone()));
        }
        Ok(())
    }

    async fn get(&self, id: &str, owner: Option<&str>) -> Result<Option<ScheduledPost>> {
        Ok(self.posts.lock().get(id).filter(|p| owned_by(p, owner)).cloned())
    }

    async fn list(&self, query: &ScheduleQuery) -> Result<SchedulePage> {
        let (limit, cursor) = query.validated()?;
        let all = self.posts.lock();
        let mut items: Vec<&ScheduledPost> = all
            .values()
            .filter(|p| query.matches(p))
            .filter(|p| cursor.as_ref().is_none_or(|c| comes_after(c, p)))
            .collect();
        items.sort_by(|a, b| (a.scheduled_time, &a.id).cmp(&(b.scheduled_time, &b.id)));
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next_cursor = if more { items.last().map(|p| cursor_after(p).encode()) } else { None };
        Ok(SchedulePage { items: items.into_iter().cloned().collect(), next_cursor })
    }

    async fn change(
        &self,
        id: &str,
        owner: Option<&str>,
        change: &PostChange,
        now: DateTime<Utc>,
    ) -> Result<ChangeOutcome> {
        let mut all = self.posts.lock();
        let Some(p) = all.get_mut(id).filter(|p| owned_by(p, owner)) else { return Ok(ChangeOutcome::NotFound) };
        if !change.apply(p, now) {
            return Ok(ChangeOutcome::NotScheduled(p.clone()));
        }
        Ok(ChangeOutcome::Changed(p.clone()))
    }

    async fn claim_due(&self, worker: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> Result<Claimed> {
        let mut all = self.posts.lock();
        let until = truncate_micros(lease_end(now, lease));
        let mut claimed = Claimed::default();
        // Stopped workers' claims first: unknown where a retry could post twice.
        for p in all.values_mut() {
            let lapsed = p.status == PostStatus::Publishing && p.lease_until.is_none_or(|u| u <= now);
            if lapsed && !p.idempotent {
                p.status = PostStatus::Unknown;
                p.last_error = Some(ABANDONED_MESSAGE.to_owned());
                p.lease_owner = None;
                p.lease_until = None;
                p.updated_at = truncate_micros(now);
                claimed.abandoned.push(p.clone());
            }
        }
        let mut due: Vec<&mut ScheduledPost> = all
            .values_mut()
            .filter(|p| {
                (p.status == PostStatus::Scheduled && p.next_attempt_at <= now)
                    || (p.status == PostStatus::Publishing && p.lease_until.is_none_or(|u| u <= now))
            })
            .collect();
        due.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
        for p in due.into_iter().take(limit as usize) {
            p.status = PostStatus::Publishing;
            p.attempts = p.attempts.saturating_add(1);
            p.lease_owner = Some(worker.to_owned());
            p.lease_until = Some(until);
            p.updated_at = truncate_micros(now);
            claimed.posts.push(p.clone());
        }
        Ok(claimed)
    }

    async fn renew(&self, worker: &str, ids: &[String], until: DateTime<Utc>) -> Result<Vec<String>> {
        let mut all = self.posts.lock();
        let mut held = Vec::new();
        for id in ids {
            if let Some(p) = all.get_mut(id).filter(|p| held_by(p, worker)) {
                p.lease_until = Some(truncate_micros(until));
                held.push(id.clone());
            }
        }
        Ok(held)
    }

    async fn record_posted(&self, id: &str, worker: &str, posted: &[PostedPart], now: DateTime<Utc>) -> Result<bool> {
        let mut all = self.posts.lock();
        let Some(p) = all.get_mut(id).filter(|p| held_by(p, worker)) else { return Ok(false) };
        p.posted = posted.to_vec();
        p.updated_at = truncate_micros(now);
        Ok(true)
    }

    async fn finish(
        &self,
        id: &str,
        worker: &str,
        finish: &Finish,
        now: DateTime<Utc>,
    ) -> Result<Option<ScheduledPost>> {
        let mut all = self.posts.lock();
        let Some(p) = all.get_mut(id).filter(|p| held_by(p, worker)) else { return Ok(None) };
        apply_finish(p, finish, now);
        Ok(Some(p.clone()))
    }
}
