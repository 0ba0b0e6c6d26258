//! Pieces, usage and events in process memory, for tests and embedding without a database.

use super::query::{ContentPage, ContentQuery, Cursor};
use super::{Backend, ContentStore, UsageOutcome, UsageRecord, UsageStore};
use crate::analytics::{
    AnalyticsEvent, ContentStats, ContentStatsBuilder, EngagementCounts, EngagementStats, EventStore, StatsQuery,
    UsageTotals,
};
use crate::content::{ContentType, GeneratedContent, Platform};
use crate::error::{Error, Result};
use crate::money::Usd;
use async_trait::async_trait;
use chrono::{DateTime, Timelike, Utc};
use parking_lot::RwLock;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap, VecDeque};

type OrderKey = Reverse<(DateTime<Utc>, String)>;

#[derive(Debug, Default)]
struct Inner {
    by_order: BTreeMap<OrderKey, GeneratedContent>,
    by_id: HashMap<String, OrderKey>,
    usage: VecDeque<UsageRecord>,
    events: VecDeque<AnalyticsEvent>,
}

impl Inner {
    /// Drops the oldest pieces, usage records and events beyond `cap` of each.
    fn trim(&mut self, cap: usize) {
        while self.by_order.len() > cap {
            // `by_order` runs newest first: its last entry is the oldest piece.
            let Some((_, oldest)) = self.by_order.pop_last() else { break };
            self.by_id.remove(&oldest.id);
        }
        while self.usage.len() > cap {
            self.usage.pop_front();
        }
        while self.events.len() > cap {
            self.events.pop_front();
        }
    }
}

fn in_range(q: &StatsQuery, t: DateTime<Utc>, owner: Option<&str>) -> bool {
    t >= q.since && t < q.until && q.owner.as_deref().is_none_or(|o| owner == Some(o))
}

/// Keeps pieces, usage records and events in memory (a [`ContentStore`], [`UsageStore`] and
/// [`EventStore`] in one, since engagement reads the pieces it is about); nothing survives the
/// process. Keys live in [`crate::auth::MemoryKeyStore`], spend in [`crate::budget::MemoryLedger`].
///
/// [`MemoryStorage::new`] keeps everything; [`MemoryStorage::with_capacity`] keeps at most that
/// many pieces, usage records and events each, dropping the oldest first (pieces by creation
/// time, records and events in the order they were recorded), so a long-running process stays
/// within bounded memory. Analytics then cover only what is still held. The budget is not
/// affected: spend is counted by the ledger, not by usage records.
#[derive(Debug)]
pub struct MemoryStorage {
    inner: RwLock<Inner>,
    /// The most pieces, usage records and events kept (each).
    capacity: usize,
    /// The schedule engagement reads publish times from, when given.
    schedule: Option<std::sync::Arc<crate::schedule::MemorySchedule>>,
}

impl Default for MemoryStorage {
    fn default() -> Self {
        MemoryStorage { inner: RwLock::default(), capacity: usize::MAX, schedule: None }
    }
}

impl MemoryStorage {
    /// An empty store that keeps everything.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    /// An empty store that keeps at most `capacity` pieces, usage records and events each,
    /// dropping the oldest first (at least one of each is kept).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStorage { capacity: capacity.max(1), ..MemoryStorage::default() }
    }

    /// The most pieces (and usage records, and events) this store keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Reads publish times from `schedule` (engagement by hour uses the hour a piece was first
    /// published); [`Stores::memory`](super::Stores::memory) shares one this way.
    pub fn with_schedule(mut self, schedule: std::sync::Arc<crate::schedule::MemorySchedule>) -> Self {
        self.schedule = Some(schedule);
        self
    }
}

fn owned_by(item: &GeneratedContent, owner: Option<&str>) -> bool {
    owner.is_none_or(|o| item.owner.as_deref() == Some(o))
}

#[async_trait]
impl Backend for MemoryStorage {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

#[async_trait]
impl ContentStore for MemoryStorage {
    async fn save_content(&self, content: &GeneratedContent) -> Result<()> {
        let mut inner = self.inner.write();
        if inner.by_id.contains_key(&content.id) {
            return Err(Error::storage(format!("content `{}` already exists", content.id)));
        }
        let key = Reverse((content.created_at, content.id.clone()));
        inner.by_id.insert(content.id.clone(), key.clone());
        inner.by_order.insert(key, content.clone());
        inner.trim(self.capacity);
        Ok(())
    }

    async fn get_content(&self, id: &str, owner: Option<&str>) -> Result<Option<GeneratedContent>> {
        let inner = self.inner.read();
        Ok(inner.by_id.get(id).and_then(|k| inner.by_order.get(k)).filter(|c| owned_by(c, owner)).cloned())
    }

    async fn list_content(&self, query: &ContentQuery) -> Result<ContentPage> {
        let (limit, cursor) = query.validated()?;
        let inner = self.inner.read();
        let mut items = Vec::with_capacity(limit as usize);
        let mut more = false;
        for item in inner.by_order.values() {
            if cursor.as_ref().is_some_and(|c| !c.precedes(item)) || !query.matches(item) {
                continue;
            }
            if items.len() == limit as usize {
                more = true;
                break;
            }
            items.push(item.clone());
        }
        let next_cursor = if more { items.last().map(|i| Cursor::after(i).encode()) } else { None };
        Ok(ContentPage { items, next_cursor })
    }

    async fn delete_content(&self, id: &str, owner: Option<&str>) -> Result<bool> {
        let mut inner = self.inner.write();
        let Some(key) = inner.by_id.get(id).cloned() else { return Ok(false) };
        if !inner.by_order.get(&key).is_some_and(|c| owned_by(c, owner)) {
            return Ok(false);
        }
        inner.by_order.remove(&key);
        inner.by_id.remove(id);
        Ok(true)
    }

    async fn content_stats(&self, q: &StatsQuery) -> Result<ContentStats> {
        let inner = self.inner.read();
        let mut stats = ContentStatsBuilder::default();
        for c in inner.by_order.values().filter(|c| in_range(q, c.created_at, c.owner.as_deref())) {
            stats.add(c.content_type, c.platform, c.created_at.date_naive(), 1, c.cost_usd, c.quality_score);
        }
        Ok(stats.finish())
    }
}

#[async_trait]
impl UsageStore for MemoryStorage {
    async fn record_usage(&self, record: &UsageRecord) -> Result<()> {
        let mut inner = self.inner.write();
        inner.usage.push_back(record.clone());
        inner.trim(self.capacity);
        Ok(())
    }

    async fn list_usage(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        owner: Option<&str>,
    ) -> Result<Vec<UsageRecord>> {
        let inner = self.inner.read();
        let mut out: Vec<UsageRecord> = inner
            .usage
            .iter()
            .filter(|u| u.created_at >= since && u.created_at < until)
            .filter(|u| owner.is_none_or(|o| u.owner.as_deref() == Some(o)))
            .cloned()
            .collect();
        out.sort_by_key(|u| u.created_at);
        Ok(out)
    }

    async fn usage_totals(&self, q: &StatsQuery) -> Result<UsageTotals> {
        let inner = self.inner.read();
        let mut t = UsageTotals::default();
        for u in inner.usage.iter().filter(|u| in_range(q, u.created_at, u.owner.as_deref())) {
            t.calls += 1;
            if u.outcome != UsageOutcome::Success {
                t.failed_calls += 1;
            }
            t.cost += u.cost;
            t.input_tokens += u.usage.input_tokens;
            t.output_tokens += u.usage.output_tokens;
            t.cached_tokens += u.usage.cached_tokens;
        }
        Ok(t)
    }
}

#[async_trait]
impl EventStore for MemoryStorage {
    async fn record_events(&self, events: &[AnalyticsEvent]) -> Result<()> {
        let mut inner = self.inner.write();
        inner.events.extend(events.iter().cloned());
        inner.trim(self.capacity);
        Ok(())
    }

    async fn engagement_stats(&self, q: &StatsQuery) -> Result<EngagementStats> {
        let published = self.schedule.as_ref().map(|s| s.first_published()).unwrap_or_default();
        let inner = self.inner.read();
        let mut s = EngagementStats::default();
        let mut by_platform: BTreeMap<&'static str, (Platform, EngagementCounts)> = BTreeMap::new();
        let mut by_type: BTreeMap<&'static str, (ContentType, EngagementCounts)> = BTreeMap::new();
        let mut by_hour: BTreeMap<u8, EngagementCounts> = BTreeMap::new();
        for e in inner.events.iter().filter(|e| in_range(q, e.occurred_at, e.owner.as_deref())) {
            let piece = e.content_id.as_ref().and_then(|id| inner.by_id.get(id)).and_then(|k| inner.by_order.get(k));
            let platform = e.platform.or(piece.map(|p| p.platform));
            if q.platform.is_some() && platform != q.platform {
                continue;
            }
            let (n, v) = (u64::from(e.count), e.value.unwrap_or(Usd::ZERO));
            s.totals.add(e.event_name, n, v);
            if let Some(p) = platform {
                by_platform.entry(p.as_str()).or_insert((p, EngagementCounts::default())).1.add(e.event_name, n, v);
            }
            if let Some(piece) = piece {
                let t = piece.content_type;
                by_type.entry(t.as_str()).or_insert((t, EngagementCounts::default())).1.add(e.event_name, n, v);
                let at = published.get(&piece.id).copied().unwrap_or(piece.created_at);
                let hour = u8::try_from(at.hour()).unwrap_or(0);
                by_hour.entry(hour).or_default().add(e.event_name, n, v);
            }
        }
        s.by_platform = by_platform.into_values().collect();
        s.by_content_type = by_type.into_values().collect();
        s.by_hour = by_hour.into_iter().collect();
        Ok(s)
    }
}
