//! Analytics: overview, engagement and ROI, computed from stored pieces, usage and events.
//!
//! Backends aggregate in the database ([`ContentStats`], [`EngagementStats`],
//! [`UsageTotals`]); this module turns the aggregates into reports. Events are kept by an
//! [`EventStore`]; pieces and usage by the content and usage stores of the storage module.
//!
//! - **Engagement rate** = (clicks + shares + likes + comments) / impressions (0 without
//!   impressions). Best content types and posting hours are ranked by it (ties: more
//!   impressions first); a posting hour is the UTC hour the piece was created.
//! - **ROI** compares the AI spend of the period (every provider call, failed ones that may
//!   have been billed included) with what the same pieces would cost from a freelance writer
//!   at [`RoiRates`]: `savings = freelance − ai`, `roi = savings / ai` (none when the AI cost
//!   nothing), `hours_saved = Σ pieces × hours per piece`.
//! - **Bounds**: an event counts 1..=[`MAX_EVENT_COUNT`] times and carries at most
//!   [`MAX_EVENT_VALUE`] of revenue, so sums cannot overflow; totals saturate at `u64::MAX`
//!   and [`crate::Usd::MAX`]. Report dates lie within years 1..=9999
//!   ([`crate::clock::check_time`]).

mod config;
mod report;
pub use config::AnalyticsConfig;
mod store;
mod types;

pub use report::{
    EngagementReport, HourRank, Overview, PlatformCount, PlatformEngagement, RoiReport, RoiTypeLine, TypeRank,
    engagement_rate,
};
pub use store::EventStore;
pub use types::{
    AnalyticsEvent, ContentStats, ContentStatsBuilder, DayStat, EngagementCounts, EngagementStats, EventKind,
    MAX_EVENT_COUNT, MAX_EVENT_VALUE, NewEvent, PlatformStat, ReportRange, RoiPeriod, RoiRates, StatsQuery, TypeStat,
    UsageTotals,
};
