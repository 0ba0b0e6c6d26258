//! Library queries: filters and keyset (cursor) pagination, shared by every backend.

use crate::content::{ContentType, GeneratedContent, Platform};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::page::{Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, truncate_micros};

/// Filters and paging for the content library.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
pub struct ContentQuery {
    /// Only this owner's pieces (the server sets it from the API key).
    #[serde(default)]
    pub owner: Option<String>,
    /// Only this content type.
    #[serde(default)]
    pub content_type: Option<ContentType>,
    /// Only this platform.
    #[serde(default)]
    pub platform: Option<Platform>,
    /// Created at or after.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Created before.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Case-insensitive text to find in the topic or the copy.
    #[serde(default)]
    pub text: Option<String>,
    /// Minimum quality score (0..=1).
    #[serde(default)]
    pub min_quality: Option<f64>,
    /// `Some(true)`: only pieces whose provider call completed after their caller had gone away
    /// ([`GeneratedContent::caller_left`]); `Some(false)`: only the others.
    #[serde(default)]
    pub caller_left: Option<bool>,
    /// Page size (1..=100, default 20).
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// One page of the library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ContentPage {
    /// Pieces, newest first.
    pub items: Vec<GeneratedContent>,
    /// Pass as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl Cursor {
    /// The cursor after `item`.
    pub fn after(item: &GeneratedContent) -> Self {
        Cursor { created_at: item.created_at, id: item.id.clone() }
    }

    /// Whether `item` comes after this cursor in newest-first order.
    pub fn precedes(&self, item: &GeneratedContent) -> bool {
        let t = truncate_micros(item.created_at);
        t < self.created_at || (t == self.created_at && item.id.as_str() < self.id.as_str())
    }
}

impl ContentQuery {
    /// Checks the filters and returns the page size and decoded cursor: `since`/`until` within
    /// years 1..=9999 ([`crate::clock::check_time`]), `text` without control characters.
    pub fn validated(&self) -> Result<(u32, Option<Cursor>)> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(Error::validation("limit", format!("{limit} is out of range 1..={MAX_PAGE_SIZE}")));
        }
        if let Some(q) = self.min_quality
            && !(0.0..=1.0).contains(&q)
        {
            return Err(Error::validation("min_quality", format!("{q} is out of range 0..=1")));
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
        if let Some(t) = &self.text
            && (t.trim().is_empty() || t.chars().count() > 200)
        {
            return Err(Error::validation("text", "must be 1..=200 characters"));
        }
        if let Some(t) = &self.text {
            crate::content::check_no_control("text", t)?;
        }
        let cursor = self.cursor.as_deref().map(Cursor::decode).transpose()?;
        Ok((limit, cursor))
    }

    /// Whether `item` passes the filters (not the cursor). Backends with SQL filter in the
    /// database; this is the reference semantics the conformance tests check them against.
    pub fn matches(&self, item: &GeneratedContent) -> bool {
        if let Some(o) = &self.owner
            && item.owner.as_deref() != Some(o.as_str())
        {
            return false;
        }
        if self.content_type.is_some_and(|t| t != item.content_type)
            || self.platform.is_some_and(|p| p != item.platform)
            || self.since.is_some_and(|s| item.created_at < s)
            || self.until.is_some_and(|u| item.created_at >= u)
            || self.min_quality.is_some_and(|q| item.quality_score < q)
            || self.caller_left.is_some_and(|left| left != item.caller_left)
        {
            return false;
        }
        if let Some(text) = &self.text {
            let needle = text.to_lowercase();
            if !item.topic.to_lowercase().contains(&needle) && !item.content.to_lowercase().contains(&needle) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_rejects_garbage() {
        let c = Cursor {
            created_at: DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap(),
            id: "0193-ab".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "x.y", "12", "12.", "12.a b", "12.'; drop table"] {
            let e = Cursor::decode(bad).unwrap_err();
            assert!(matches!(&e, Error::Validation { field, .. } if field == "cursor"), "{bad}");
        }
    }

    #[test]
    fn query_validation_names_fields() {
        let field = |q: ContentQuery| match q.validated() {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(ContentQuery { limit: Some(0), ..Default::default() }), "limit");
        assert_eq!(field(ContentQuery { limit: Some(101), ..Default::default() }), "limit");
        assert_eq!(field(ContentQuery { min_quality: Some(1.5), ..Default::default() }), "min_quality");
        assert_eq!(field(ContentQuery { text: Some(" ".into()), ..Default::default() }), "text");
        assert_eq!(ContentQuery::default().validated().unwrap().0, DEFAULT_PAGE_SIZE);
        let far: DateTime<Utc> = "-262143-01-10T00:00:00Z".parse().unwrap();
        assert_eq!(field(ContentQuery { since: Some(far), ..Default::default() }), "since");
        assert_eq!(field(ContentQuery { until: Some(DateTime::<Utc>::MAX_UTC), ..Default::default() }), "until");
        assert_eq!(field(ContentQuery { text: Some("a\0b".into()), ..Default::default() }), "text");
    }
}
