//! Schedule queries: filters and keyset (cursor) pagination, shared by every backend.

use super::{PostStatus, ScheduledPost};
use crate::error::{Error, Result};
use crate::page::{Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, truncate_micros};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Filters and a page of the schedule, earliest `scheduled_time` first (then id).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
pub struct ScheduleQuery {
    /// Only this owner's entries (the engine sets it from the caller; admins see all).
    #[serde(default)]
    pub owner: Option<String>,
    /// Only entries in this status.
    #[serde(default)]
    pub status: Option<PostStatus>,
    /// Only entries for this account.
    #[serde(default)]
    pub account: Option<String>,
    /// Only entries of this piece.
    #[serde(default)]
    pub content_id: Option<String>,
    /// Only entries scheduled at or after this time.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Only entries scheduled before this time.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Page size, 1..=100 (default 20).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One page of the schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct SchedulePage {
    /// Entries, earliest scheduled first.
    pub items: Vec<ScheduledPost>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl ScheduleQuery {
    /// Checks the filters and decodes the cursor: `(limit, cursor)`. The cursor's time is the
    /// last entry's `scheduled_time`.
    pub fn validated(&self) -> Result<(u32, Option<Cursor>)> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(Error::validation("limit", format!("{limit} is out of range 1..={MAX_PAGE_SIZE}")));
        }
        if let Some(t) = self.since {
            crate::clock::check_time("since", t)?;
        }
        if let Some(t) = self.until {
            crate::clock::check_time("until", t)?;
        }
        if let (Some(s), Some(u)) = (self.since, self.until)
            && s >= u
        {
            return Err(Error::validation("since", "must be before `until`"));
        }
        if let Some(a) = &self.account {
            crate::publish::check_account_name("account", a)
                .map_err(|e| Error::validation("account", crate::setting::reason_of(e)))?;
        }
        if let Some(id) = &self.content_id
            && (id.is_empty() || id.len() > 64)
        {
            return Err(Error::validation("content_id", "must be 1..=64 characters"));
        }
        let cursor = self.cursor.as_deref().map(Cursor::decode).transpose()?;
        Ok((limit, cursor))
    }

    /// Whether `post` passes the filters (the cursor aside).
    pub fn matches(&self, post: &ScheduledPost) -> bool {
        self.owner.as_ref().is_none_or(|o| post.owner.as_deref() == Some(o.as_str()))
            && self.status.is_none_or(|s| s == post.status)
            && self.account.as_ref().is_none_or(|a| *a == post.account)
            && self.content_id.as_ref().is_none_or(|c| *c == post.content_id)
            && self.since.is_none_or(|s| post.scheduled_time >= s)
            && self.until.is_none_or(|u| post.scheduled_time < u)
    }
}

/// The cursor that continues after `post`.
pub fn cursor_after(post: &ScheduledPost) -> Cursor {
    Cursor { created_at: truncate_micros(post.scheduled_time), id: post.id.clone() }
}

/// Whether `post` comes after `cursor` in schedule order (time, then id, ascending).
pub fn comes_after(cursor: &Cursor, post: &ScheduledPost) -> bool {
    let t = truncate_micros(post.scheduled_time);
    t > cursor.created_at || (t == cursor.created_at && post.id.as_str() > cursor.id.as_str())
}
