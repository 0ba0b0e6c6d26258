//! Events and the aggregates backends compute.

use crate::content::{ContentType, Platform};
use crate::error::{Error, Result};
use crate::money::Usd;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

/// What happened to a published piece.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(rename = "EventName"))]
pub enum EventKind {
    /// Seen.
    #[serde(alias = "view")]
    Impression,
    /// Clicked.
    Click,
    /// Shared.
    Share,
    /// Liked.
    Like,
    /// Commented on.
    Comment,
    /// Led to a sale or sign-up (may carry revenue).
    Conversion,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 6] = [
        EventKind::Impression,
        EventKind::Click,
        EventKind::Share,
        EventKind::Like,
        EventKind::Comment,
        EventKind::Conversion,
    ];

    /// The stored string form.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Impression => "impression",
            EventKind::Click => "click",
            EventKind::Share => "share",
            EventKind::Like => "like",
            EventKind::Comment => "comment",
            EventKind::Conversion => "conversion",
        }
    }
}

impl FromStr for EventKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "impression" | "view" => Ok(EventKind::Impression),
            "click" => Ok(EventKind::Click),
            "share" => Ok(EventKind::Share),
            "like" => Ok(EventKind::Like),
            "comment" => Ok(EventKind::Comment),
            "conversion" => Ok(EventKind::Conversion),
            other => Err(Error::validation(
                "event_name",
                format!(
                    "unknown event `{other}`; expected one of: impression, click, share, like, comment, conversion"
                ),
            )),
        }
    }
}

/// The most times one event may count ([`NewEvent::count`]).
pub const MAX_EVENT_COUNT: u32 = 1_000_000;

/// The largest revenue one event may carry ([`NewEvent::value`]): one million dollars
/// (10^15 nano-dollars). With [`MAX_EVENT_COUNT`] it bounds every value a store sums, so the
/// aggregates cannot overflow: SQL stores sum revenue in parts of at most 10^6 per event and
/// join them saturating at [`Usd::MAX`], the memory store adds saturating.
pub const MAX_EVENT_VALUE: Usd = Usd::from_nanos(1_000_000_000_000_000);

/// An event to record (`POST /v1/analytics/events`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
pub struct NewEvent {
    /// What happened.
    pub event_name: EventKind,
    /// The piece it happened to.
    #[serde(default)]
    pub content_id: Option<String>,
    /// Where (defaults to the piece's platform).
    #[serde(default)]
    pub platform: Option<Platform>,
    /// How many times (1 by default, 1..=[`MAX_EVENT_COUNT`]).
    #[serde(default)]
    pub count: Option<u32>,
    /// Revenue attributed, in dollars (conversions): 0..=[`MAX_EVENT_VALUE`] ($1,000,000).
    #[serde(default)]
    pub value: Option<Usd>,
    /// When it happened (now by default); within years 1..=9999 ([`crate::clock::check_time`]).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

impl NewEvent {
    /// An event of `kind`, once, now.
    pub fn new(kind: EventKind) -> Self {
        NewEvent { event_name: kind, content_id: None, platform: None, count: None, value: None, occurred_at: None }
    }

    /// Checks the fields: `count` in 1..=[`MAX_EVENT_COUNT`], `value` in
    /// 0..=[`MAX_EVENT_VALUE`], `occurred_at` within years 1..=9999, `content_id` 1..=64
    /// characters without control characters.
    pub fn validate(&self) -> Result<()> {
        if let Some(c) = self.count
            && !(1..=MAX_EVENT_COUNT).contains(&c)
        {
            return Err(Error::validation("count", format!("{c} is out of range 1..={MAX_EVENT_COUNT}")));
        }
        if self.value.is_some_and(Usd::is_negative) {
            return Err(Error::validation("value", "must not be negative"));
        }
        if let Some(v) = self.value
            && v > MAX_EVENT_VALUE
        {
            return Err(Error::validation(
                "value",
                format!("{v} is more than the {MAX_EVENT_VALUE} one event may carry"),
            ));
        }
        if let Some(t) = self.occurred_at {
            crate::clock::check_time("occurred_at", t)?;
        }
        if let Some(id) = &self.content_id {
            if id.is_empty() || id.len() > 64 {
                return Err(Error::validation("content_id", "must be 1..=64 characters"));
            }
            crate::content::check_no_control("content_id", id)?;
        }
        Ok(())
    }
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsEvent {
    /// Id.
    pub id: String,
    /// What happened.
    pub event_name: EventKind,
    /// The piece.
    pub content_id: Option<String>,
    /// Where.
    pub platform: Option<Platform>,
    /// How many times.
    pub count: u32,
    /// Revenue.
    pub value: Option<Usd>,
    /// Owner (API key id or tenant).
    pub owner: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// The range and owner an aggregate covers.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsQuery {
    /// Only this owner's data.
    pub owner: Option<String>,
    /// From (inclusive).
    pub since: DateTime<Utc>,
    /// Until (exclusive).
    pub until: DateTime<Utc>,
    /// Only this platform (engagement).
    pub platform: Option<Platform>,
}

/// Pieces of one content type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct TypeStat {
    /// Type.
    pub content_type: Option<ContentType>,
    /// Pieces.
    pub count: u64,
    /// Their cost.
    pub cost: Usd,
}

/// Pieces on one platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct PlatformStat {
    /// Platform.
    pub platform: Platform,
    /// Pieces.
    pub count: u64,
}

/// Pieces and cost of one UTC day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct DayStat {
    /// Day.
    pub date: NaiveDate,
    /// Pieces.
    pub count: u64,
    /// Their cost.
    pub cost: Usd,
}

/// Aggregates over stored pieces (cache hits are not stored, so not counted).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentStats {
    /// Pieces.
    pub total_content: u64,
    /// Their cost.
    pub total_cost: Usd,
    /// Sum of quality scores (average = sum / total).
    pub quality_sum: f64,
    /// Per content type, ordered by type.
    pub by_type: Vec<TypeStat>,
    /// Per platform, most pieces first (ties by name).
    pub by_platform: Vec<PlatformStat>,
    /// Per day, oldest first (days without pieces omitted).
    pub by_day: Vec<DayStat>,
}

/// Accumulates [`ContentStats`] from pieces or groups of pieces: every store sums the same way.
#[derive(Debug, Default)]
pub struct ContentStatsBuilder {
    stats: ContentStats,
    by_type: std::collections::BTreeMap<&'static str, (ContentType, u64, Usd)>,
    by_platform: std::collections::HashMap<Platform, u64>,
    by_day: std::collections::BTreeMap<chrono::NaiveDate, (u64, Usd)>,
}

impl ContentStatsBuilder {
    /// Counts `n` pieces of one type, platform and day, costing `cost` with `quality` summed.
    pub fn add(
        &mut self,
        content_type: ContentType,
        platform: Platform,
        day: chrono::NaiveDate,
        n: u64,
        cost: Usd,
        quality: f64,
    ) {
        self.stats.total_content += n;
        self.stats.total_cost += cost;
        self.stats.quality_sum += quality;
        let t = self.by_type.entry(content_type.as_str()).or_insert((content_type, 0, Usd::ZERO));
        t.1 += n;
        t.2 += cost;
        *self.by_platform.entry(platform).or_default() += n;
        let d = self.by_day.entry(day).or_default();
        d.0 += n;
        d.1 += cost;
    }

    /// The stats: types in order, platforms by most pieces (ties by name), days oldest first.
    pub fn finish(self) -> ContentStats {
        let mut s = self.stats;
        s.by_type = self
            .by_type
            .into_values()
            .map(|(ct, count, cost)| TypeStat { content_type: Some(ct), count, cost })
            .collect();
        let mut platforms: Vec<PlatformStat> =
            self.by_platform.into_iter().map(|(platform, count)| PlatformStat { platform, count }).collect();
        platforms.sort_by(|a, b| b.count.cmp(&a.count).then(a.platform.as_str().cmp(b.platform.as_str())));
        s.by_platform = platforms;
        s.by_day = self.by_day.into_iter().map(|(date, (count, cost))| DayStat { date, count, cost }).collect();
        s
    }
}

/// Aggregates over usage records (every provider call).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct UsageTotals {
    /// Calls.
    pub calls: u64,
    /// Calls that failed.
    pub failed_calls: u64,
    /// Spend counted against the budget.
    pub cost: Usd,
    /// Plain input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cache-read tokens.
    pub cached_tokens: u64,
}

/// Event counts (sums of `count`) and revenue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct EngagementCounts {
    /// Impressions.
    pub impressions: u64,
    /// Clicks.
    pub clicks: u64,
    /// Shares.
    pub shares: u64,
    /// Likes.
    pub likes: u64,
    /// Comments.
    pub comments: u64,
    /// Conversions.
    pub conversions: u64,
    /// Revenue from events with a value.
    pub revenue: Usd,
}

impl EngagementCounts {
    /// Adds `count` events of `kind` with `value`, saturating instead of overflowing.
    pub fn add(&mut self, kind: EventKind, count: u64, value: Usd) {
        let n = match kind {
            EventKind::Impression => &mut self.impressions,
            EventKind::Click => &mut self.clicks,
            EventKind::Share => &mut self.shares,
            EventKind::Like => &mut self.likes,
            EventKind::Comment => &mut self.comments,
            EventKind::Conversion => &mut self.conversions,
        };
        *n = n.saturating_add(count);
        self.revenue = self.revenue.saturating_add(value);
    }

    /// Clicks, shares, likes and comments (saturating).
    pub fn engagements(&self) -> u64 {
        self.clicks.saturating_add(self.shares).saturating_add(self.likes).saturating_add(self.comments)
    }
}

/// Aggregates over events in a range.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EngagementStats {
    /// All events.
    pub totals: EngagementCounts,
    /// By the event's platform (else its piece's), ordered by platform.
    pub by_platform: Vec<(Platform, EngagementCounts)>,
    /// By the piece's content type (events without a known piece excluded), ordered by type.
    pub by_content_type: Vec<(ContentType, EngagementCounts)>,
    /// By the UTC hour its piece was first published (the earliest `published_at` of its
    /// schedule entries), or created when it was never published; events without a known piece
    /// are excluded.
    pub by_hour: Vec<(u8, EngagementCounts)>,
}

/// The window (and platform) a binding asks a report for: `[since, until)`, each defaulting as
/// the report says (the last 30 days). The original app's `start_date` / `end_date` are
/// accepted for `since` / `until`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
pub struct ReportRange {
    /// From (inclusive), ISO 8601.
    #[serde(default, alias = "start_date", skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Until (exclusive), ISO 8601.
    #[serde(default, alias = "end_date", skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Only events on this platform (the engagement report only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

impl ReportRange {
    /// The range of a report without a platform filter (the overview): refuses a platform.
    pub fn without_platform(self) -> Result<Self> {
        if self.platform.is_some() {
            return Err(Error::validation("platform", "is not a filter of the overview (use engagement)"));
        }
        Ok(self)
    }
}

/// A window for ROI, ending now.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum RoiPeriod {
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
    /// The last 91 days.
    Quarter,
    /// The last 365 days.
    Year,
}

impl RoiPeriod {
    /// Days in the window.
    pub fn days(self) -> i64 {
        match self {
            RoiPeriod::Week => 7,
            RoiPeriod::Month => 30,
            RoiPeriod::Quarter => 91,
            RoiPeriod::Year => 365,
        }
    }
}

impl FromStr for RoiPeriod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "week" => Ok(RoiPeriod::Week),
            "month" => Ok(RoiPeriod::Month),
            "quarter" => Ok(RoiPeriod::Quarter),
            "year" => Ok(RoiPeriod::Year),
            other => Err(Error::validation(
                "time_period",
                format!("unknown period `{other}`; expected one of: week, month, quarter, year"),
            )),
        }
    }
}

/// What a freelance writer would charge per piece, and the hours a piece takes, per type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoiRates {
    /// Type → (price per piece, hours per piece).
    pub per_type: BTreeMap<ContentType, (Usd, f64)>,
}

impl Default for RoiRates {
    /// Typical freelance rates (USD per piece, hours per piece).
    fn default() -> Self {
        let d = |x: f64| Usd::from_dollars(x).unwrap_or(Usd::ZERO);
        RoiRates {
            per_type: BTreeMap::from([
                (ContentType::Blog, (d(150.0), 3.0)),
                (ContentType::SocialMedia, (d(25.0), 0.5)),
                (ContentType::Email, (d(75.0), 1.5)),
                (ContentType::AdCopy, (d(50.0), 1.0)),
                (ContentType::ProductDescription, (d(40.0), 0.75)),
                (ContentType::LandingPage, (d(300.0), 5.0)),
                (ContentType::PressRelease, (d(200.0), 3.0)),
                (ContentType::VideoScript, (d(150.0), 3.0)),
            ]),
        }
    }
}

impl RoiRates {
    /// Parses `blog=150:3,social_media=25:0.5` (`type=price[:hours]`) over the defaults
    /// (`SPLANTS_FREELANCE_RATES`).
    pub fn parse(spec: &str) -> Result<Self> {
        let mut rates = RoiRates::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || Error::config("SPLANTS_FREELANCE_RATES", format!("`{part}` is not type=price[:hours]"));
            let (ty, rest) = part.split_once('=').ok_or_else(bad)?;
            let ty: ContentType = ty.parse().map_err(|e| Error::config("SPLANTS_FREELANCE_RATES", format!("{e}")))?;
            let (price, hours) = match rest.split_once(':') {
                Some((p, h)) => (p, Some(h)),
                None => (rest, None),
            };
            let price: f64 = price.parse().map_err(|_| bad())?;
            let price = Usd::from_dollars(price).filter(|p| !p.is_negative()).ok_or_else(bad)?;
            let default_hours = rates.per_type.get(&ty).map(|r| r.1).unwrap_or(1.0);
            let hours = match hours {
                Some(h) => h.parse::<f64>().ok().filter(|h| h.is_finite() && *h >= 0.0).ok_or_else(bad)?,
                None => default_hours,
            };
            rates.per_type.insert(ty, (price, hours));
        }
        Ok(rates)
    }
}
