//! Reports built from aggregates.

use super::types::{ContentStats, EngagementCounts, EngagementStats, RoiPeriod, RoiRates, UsageTotals};
use crate::content::{ContentType, Platform};
use crate::money::Usd;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// (clicks + shares + likes + comments) / impressions; 0 without impressions.
pub fn engagement_rate(c: &EngagementCounts) -> f64 {
    if c.impressions == 0 { 0.0 } else { c.engagements() as f64 / c.impressions as f64 }
}

/// Pieces on a platform.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct PlatformCount {
    /// Platform.
    pub platform: Platform,
    /// Pieces.
    pub count: u64,
}

/// `GET /v1/analytics`: what was generated and what it cost (the original's fields first).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Overview {
    /// Pieces generated in the range.
    pub total_content: u64,
    /// Their cost.
    pub total_cost: Usd,
    /// Average quality score (0 without pieces).
    pub avg_quality: f64,
    /// Platforms with the most pieces (at most 5).
    pub top_platforms: Vec<PlatformCount>,
    /// Pieces and cost per content type.
    pub by_content_type: Vec<super::TypeStat>,
    /// Pieces and cost per day.
    pub cost_per_day: Vec<super::DayStat>,
    /// Every provider call in the range (failed calls that may have been billed included).
    pub ai_usage: UsageTotals,
    /// Range start.
    pub since: DateTime<Utc>,
    /// Range end.
    pub until: DateTime<Utc>,
}

impl Overview {
    /// Builds the overview.
    pub fn new(stats: ContentStats, usage: UsageTotals, since: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        let avg_quality = if stats.total_content == 0 { 0.0 } else { stats.quality_sum / stats.total_content as f64 };
        Overview {
            total_content: stats.total_content,
            total_cost: stats.total_cost,
            avg_quality: (avg_quality * 1000.0).round() / 1000.0,
            top_platforms: stats
                .by_platform
                .iter()
                .take(5)
                .map(|p| PlatformCount { platform: p.platform, count: p.count })
                .collect(),
            by_content_type: stats.by_type,
            cost_per_day: stats.by_day,
            ai_usage: usage,
            since,
            until,
        }
    }
}

/// A content type ranked by engagement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct TypeRank {
    /// Type.
    pub content_type: ContentType,
    /// Its counts.
    #[serde(flatten)]
    pub counts: EngagementCounts,
    /// Its engagement rate.
    pub engagement_rate: f64,
}

/// A posting hour ranked by engagement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct HourRank {
    /// UTC hour (0..=23).
    pub hour: u8,
    /// Its counts.
    #[serde(flatten)]
    pub counts: EngagementCounts,
    /// Its engagement rate.
    pub engagement_rate: f64,
}

/// A platform's engagement.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct PlatformEngagement {
    /// Platform.
    pub platform: Platform,
    /// Its counts.
    #[serde(flatten)]
    pub counts: EngagementCounts,
    /// Its engagement rate.
    pub engagement_rate: f64,
}

/// `GET /v1/analytics/engagement`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct EngagementReport {
    /// All events.
    pub totals: EngagementCounts,
    /// Overall engagement rate.
    pub engagement_rate: f64,
    /// Per platform.
    pub by_platform: Vec<PlatformEngagement>,
    /// Content types, best first.
    pub best_content_types: Vec<TypeRank>,
    /// Posting hours (the UTC hour each piece was first published, or created when never
    /// published), best first (at most 5).
    pub best_posting_hours: Vec<HourRank>,
    /// Range start.
    pub since: DateTime<Utc>,
    /// Range end.
    pub until: DateTime<Utc>,
}

fn by_rate<T>(items: &mut [T], key: impl Fn(&T) -> (f64, u64)) {
    items.sort_by(|a, b| {
        let (ra, ia) = key(a);
        let (rb, ib) = key(b);
        rb.total_cmp(&ra).then(ib.cmp(&ia))
    });
}

impl EngagementReport {
    /// Builds the report.
    pub fn new(stats: EngagementStats, since: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        let by_platform = stats
            .by_platform
            .into_iter()
            .map(|(platform, counts)| PlatformEngagement {
                platform,
                engagement_rate: engagement_rate(&counts),
                counts,
            })
            .collect();
        let mut types: Vec<TypeRank> = stats
            .by_content_type
            .into_iter()
            .map(|(content_type, counts)| TypeRank { content_type, engagement_rate: engagement_rate(&counts), counts })
            .collect();
        by_rate(&mut types, |t| (t.engagement_rate, t.counts.impressions));
        let mut hours: Vec<HourRank> = stats
            .by_hour
            .into_iter()
            .map(|(hour, counts)| HourRank { hour, engagement_rate: engagement_rate(&counts), counts })
            .collect();
        by_rate(&mut hours, |h| (h.engagement_rate, h.counts.impressions));
        hours.truncate(5);
        EngagementReport {
            engagement_rate: engagement_rate(&stats.totals),
            totals: stats.totals,
            by_platform,
            best_content_types: types,
            best_posting_hours: hours,
            since,
            until,
        }
    }
}

/// One content type's line in the ROI report.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct RoiTypeLine {
    /// Type.
    pub content_type: ContentType,
    /// Pieces.
    pub pieces: u64,
    /// Their AI cost (as stored with the pieces).
    pub ai_cost: Usd,
    /// What a freelancer would have charged.
    pub freelance_cost: Usd,
    /// Hours a writer would have spent.
    pub hours_saved: f64,
}

/// `GET /v1/analytics/roi`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct RoiReport {
    /// The period asked for.
    pub time_period: RoiPeriod,
    /// Pieces generated.
    pub pieces: u64,
    /// AI spend: every provider call in the period.
    pub ai_cost: Usd,
    /// Freelance cost of the same pieces.
    pub freelance_cost: Usd,
    /// `freelance_cost − ai_cost`.
    pub savings: Usd,
    /// `savings / ai_cost`; none when the AI cost nothing.
    pub roi: Option<f64>,
    /// AI spend per piece; none without pieces.
    pub cost_per_piece: Option<Usd>,
    /// Writer hours saved.
    pub hours_saved: f64,
    /// Revenue attributed through conversion events.
    pub attributed_revenue: Usd,
    /// Per content type.
    pub by_content_type: Vec<RoiTypeLine>,
    /// Range start.
    pub since: DateTime<Utc>,
    /// Range end.
    pub until: DateTime<Utc>,
}

impl RoiReport {
    /// Builds the report from pieces, usage and revenue of the period.
    pub fn new(
        period: RoiPeriod,
        stats: &ContentStats,
        usage: &UsageTotals,
        revenue: Usd,
        rates: &RoiRates,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Self {
        let mut lines = Vec::new();
        let (mut freelance, mut hours) = (Usd::ZERO, 0.0);
        for t in &stats.by_type {
            let Some(ct) = t.content_type else { continue };
            let (price, h) = rates.per_type.get(&ct).copied().unwrap_or((Usd::ZERO, 0.0));
            let cost = Usd::from_nanos(price.nanos().saturating_mul(i64::try_from(t.count).unwrap_or(i64::MAX)));
            freelance += cost;
            hours += h * t.count as f64;
            lines.push(RoiTypeLine {
                content_type: ct,
                pieces: t.count,
                ai_cost: t.cost,
                freelance_cost: cost,
                hours_saved: h * t.count as f64,
            });
        }
        let ai = usage.cost;
        let savings = freelance - ai;
        RoiReport {
            time_period: period,
            pieces: stats.total_content,
            ai_cost: ai,
            freelance_cost: freelance,
            savings,
            roi: (ai.nanos() > 0).then(|| savings.nanos() as f64 / ai.nanos() as f64),
            cost_per_piece: (stats.total_content > 0)
                .then(|| Usd::from_nanos(ai.nanos() / i64::try_from(stats.total_content).unwrap_or(i64::MAX))),
            hours_saved: hours,
            attributed_revenue: revenue,
            by_content_type: lines,
            since,
            until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::TypeStat;

    fn usd(d: f64) -> Usd {
        Usd::from_dollars(d).unwrap()
    }

    #[test]
    fn roi_arithmetic() {
        let stats = ContentStats {
            total_content: 3,
            total_cost: usd(0.03),
            by_type: vec![
                TypeStat { content_type: Some(ContentType::Blog), count: 2, cost: usd(0.02) },
                TypeStat { content_type: Some(ContentType::SocialMedia), count: 1, cost: usd(0.01) },
            ],
            ..ContentStats::default()
        };
        let usage = UsageTotals { calls: 4, cost: usd(0.05), ..UsageTotals::default() };
        let now = Utc::now();
        let r = RoiReport::new(RoiPeriod::Month, &stats, &usage, usd(12.0), &RoiRates::default(), now, now);
        assert_eq!(r.freelance_cost, usd(325.0)); // 2 × 150 + 25
        assert_eq!(r.savings, usd(324.95));
        assert_eq!(r.hours_saved, 6.5);
        assert_eq!(r.cost_per_piece, Some(Usd::from_nanos(16_666_666)));
        assert!((r.roi.unwrap() - 6499.0).abs() < 1e-9);
        let free =
            RoiReport::new(RoiPeriod::Week, &stats, &UsageTotals::default(), Usd::ZERO, &RoiRates::default(), now, now);
        assert_eq!(free.roi, None);
    }

    #[test]
    fn engagement_ranking() {
        let c = |imp: u64, clicks: u64| EngagementCounts { impressions: imp, clicks, ..EngagementCounts::default() };
        let stats = EngagementStats {
            totals: c(300, 30),
            by_platform: vec![],
            by_content_type: vec![
                (ContentType::Blog, c(100, 5)),
                (ContentType::Email, c(100, 20)),
                (ContentType::AdCopy, c(100, 5)),
            ],
            by_hour: (0..8).map(|h| (h, c(10, u64::from(h)))).collect(),
        };
        let now = Utc::now();
        let r = EngagementReport::new(stats, now, now);
        assert!((r.engagement_rate - 0.1).abs() < 1e-12);
        assert_eq!(r.best_content_types[0].content_type, ContentType::Email);
        assert_eq!(r.best_posting_hours.iter().map(|h| h.hour).collect::<Vec<_>>(), vec![7, 6, 5, 4, 3]);
        assert_eq!(engagement_rate(&EngagementCounts::default()), 0.0);
    }

    #[test]
    fn rates_parse() {
        let r = RoiRates::parse("blog=200:4, social_media=10").unwrap();
        assert_eq!(r.per_type[&ContentType::Blog], (usd(200.0), 4.0));
        assert_eq!(r.per_type[&ContentType::SocialMedia], (usd(10.0), 0.5));
        assert!(RoiRates::parse("blog").is_err());
        assert!(RoiRates::parse("poem=1").is_err());
    }
}
