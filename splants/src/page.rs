//! Keyset pagination shared by the library and the schedule: a cursor is the last item's time
//! and id, so a page never skips or repeats an item while others are added.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// Page size when a query names none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Largest page a query may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A decoded cursor: the last item's time (creation time in the library, scheduled time in
/// the schedule) and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Time of the last item returned (the library's creation time, the schedule's scheduled
    /// time).
    pub created_at: DateTime<Utc>,
    /// Id of the last item returned.
    pub id: String,
}

impl Cursor {
    /// The opaque string form (`<microseconds>.<id>`).
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at.timestamp_micros(), self.id)
    }

    /// Parses the string form; a bad cursor is a validation error on `cursor`.
    pub fn decode(s: &str) -> Result<Self> {
        let bad = || Error::validation("cursor", "is not a cursor returned by this API");
        let (micros, id) = s.split_once('.').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(bad());
        }
        let created_at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        Ok(Cursor { created_at, id: id.to_owned() })
    }
}

/// Drops sub-microsecond precision (what every backend stores).
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}
