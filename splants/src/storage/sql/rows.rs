//! Columns of the stored records: domain values to bind values, rows back to domain values.

use super::{Arg, SqlBackend, col, to_i64, to_u64};
use crate::auth::{ApiKeyRecord, KeyRole, KeyStatus};
use crate::content::GeneratedContent;
use crate::content::Usage;
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::storage::{UsageOutcome, UsageRecord};
use serde::Serialize;
use std::sync::LazyLock;

/// The `content` columns, in insert order.
pub(crate) const CONTENT_COLUMNS: &str = "id, owner, content_type, platform, topic, content, topic_lc, content_lc, \
     quality_score, seo_score, cost, provider, model, cached, created_at, metadata, request, usage, template, \
     caller_left";

/// The `content` columns a read needs (the lower-cased search copies are left out).
pub(crate) const CONTENT_SELECT: &str = "id, owner, content_type, platform, topic, content, quality_score, \
     seo_score, cost, provider, model, cached, created_at, metadata, request, usage, template, caller_left";

/// Number of columns in [`CONTENT_COLUMNS`].
pub(crate) const CONTENT_WIDTH: usize = 20;

/// The `INSERT` of `rows` pieces.
pub(crate) fn content_insert(rows: usize) -> String {
    format!("INSERT INTO content ({CONTENT_COLUMNS}) VALUES {}", values_placeholders(rows, CONTENT_WIDTH))
}

/// The `INSERT` of one piece, built once (a generation stores one).
pub(crate) static CONTENT_INSERT_ONE: LazyLock<String> = LazyLock::new(|| content_insert(1));

fn json<T: Serialize>(field: &str, v: &T) -> Result<Box<serde_json::value::RawValue>> {
    serde_json::value::to_raw_value(v)
        .map_err(|e| Error::storage(format!("cannot store `{field}` as JSON: {e}")).with_source(e))
}

fn bad(field: &str, value: &str) -> Error {
    Error::storage(format!("stored `{field}` value `{value}` is not known to this version"))
}

/// The bind values of one piece, in [`CONTENT_COLUMNS`] order.
pub(crate) fn content_args(c: &GeneratedContent) -> Result<Vec<Arg>> {
    Ok(vec![
        Arg::Text(c.id.clone()),
        Arg::OptText(c.owner.clone()),
        Arg::Text(c.content_type.as_str().to_owned()),
        Arg::Text(c.platform.as_str().to_owned()),
        Arg::Text(c.topic.clone()),
        Arg::Text(c.content.clone()),
        Arg::Text(c.topic.to_lowercase()),
        Arg::Text(c.content.to_lowercase()),
        Arg::Real(c.quality_score),
        Arg::Real(c.seo_score),
        Arg::Int(c.cost_usd.nanos()),
        Arg::Text(c.provider.clone()),
        Arg::Text(c.model.clone()),
        Arg::Bool(c.cached),
        Arg::Time(c.created_at),
        Arg::Json(json("metadata", &c.metadata)?),
        Arg::Json(json("request", &c.request)?),
        Arg::Json(json("usage", &c.usage)?),
        Arg::OptJson(c.template.as_ref().map(|t| json("template", t)).transpose()?),
        Arg::Bool(c.caller_left),
    ])
}

/// A piece from a row selected with [`CONTENT_SELECT`].
pub(crate) fn content_from_row<DB: SqlBackend>(r: &DB::Row) -> Result<GeneratedContent> {
    let content_type = col(DB::text(r, "content_type"))?;
    let platform = col(DB::text(r, "platform"))?;
    Ok(GeneratedContent {
        id: col(DB::text(r, "id"))?,
        content: col(DB::text(r, "content"))?,
        content_type: content_type.parse().map_err(|_| bad("content_type", &content_type))?,
        platform: platform.parse().map_err(|_| bad("platform", &platform))?,
        topic: col(DB::text(r, "topic"))?,
        quality_score: col(DB::real(r, "quality_score"))?,
        seo_score: col(DB::real(r, "seo_score"))?,
        metadata: col(DB::json(r, "metadata"))?,
        cost_usd: Usd::from_nanos(col(DB::int(r, "cost"))?),
        usage: col(DB::json(r, "usage"))?,
        stored: true,
        // Rows written before migration 0004 have the column's default, `false`.
        caller_left: col(DB::boolean(r, "caller_left"))?,
        provider: col(DB::text(r, "provider"))?,
        model: col(DB::text(r, "model"))?,
        cached: col(DB::boolean(r, "cached"))?,
        created_at: col(DB::time(r, "created_at"))?,
        request: col(DB::json(r, "request"))?,
        owner: col(DB::opt_text(r, "owner"))?,
        template: col(DB::opt_json(r, "template"))?,
    })
}

/// The `api_usage` columns, in insert order.
pub(crate) const USAGE_COLUMNS: &str = "id, content_id, owner, provider, model, input_tokens, output_tokens, \
     cached_tokens, cache_write_tokens, cache_write_long_tokens, reasoning_tokens, cost, estimate, latency_ms, \
     outcome, error_code, created_at, usage_estimated";

/// Number of columns in [`USAGE_COLUMNS`].
pub(crate) const USAGE_WIDTH: usize = 18;

/// The `INSERT` of one usage record, built once.
pub(crate) static USAGE_INSERT_ONE: LazyLock<String> =
    LazyLock::new(|| format!("INSERT INTO api_usage ({USAGE_COLUMNS}) VALUES {}", values_placeholders(1, USAGE_WIDTH)));

/// The bind values of a usage record, in [`USAGE_COLUMNS`] order.
pub(crate) fn usage_args(u: &UsageRecord) -> Result<Vec<Arg>> {
    Ok(vec![
        Arg::Text(u.id.clone()),
        Arg::OptText(u.content_id.clone()),
        Arg::OptText(u.owner.clone()),
        Arg::Text(u.provider.clone()),
        Arg::Text(u.model.clone()),
        Arg::Int(to_i64("input_tokens", u.usage.input_tokens)?),
        Arg::Int(to_i64("output_tokens", u.usage.output_tokens)?),
        Arg::Int(to_i64("cached_tokens", u.usage.cached_tokens)?),
        Arg::Int(to_i64("cache_write_tokens", u.usage.cache_write_tokens)?),
        Arg::Int(to_i64("cache_write_long_tokens", u.usage.cache_write_long_tokens)?),
        Arg::Int(to_i64("reasoning_tokens", u.usage.reasoning_tokens)?),
        Arg::Int(u.cost.nanos()),
        Arg::Int(u.estimate.nanos()),
        Arg::Int(to_i64("latency_ms", u.latency_ms)?),
        Arg::Text(u.outcome.as_str().to_owned()),
        Arg::OptText(u.error_code.clone()),
        Arg::Time(u.created_at),
        Arg::Bool(u.usage.estimated),
    ])
}

fn outcome(s: &str) -> Result<UsageOutcome> {
    match s {
        "success" => Ok(UsageOutcome::Success),
        "failed" => Ok(UsageOutcome::Failed),
        "maybe_billed" => Ok(UsageOutcome::MaybeBilled),
        other => Err(bad("outcome", other)),
    }
}

/// A usage record from a row selected with [`USAGE_COLUMNS`].
pub(crate) fn usage_from_row<DB: SqlBackend>(r: &DB::Row) -> Result<UsageRecord> {
    let tokens = |c: &str| col(DB::int(r, c)).map(to_u64);
    Ok(UsageRecord {
        id: col(DB::text(r, "id"))?,
        content_id: col(DB::opt_text(r, "content_id"))?,
        owner: col(DB::opt_text(r, "owner"))?,
        provider: col(DB::text(r, "provider"))?,
        model: col(DB::text(r, "model"))?,
        usage: Usage {
            input_tokens: tokens("input_tokens")?,
            output_tokens: tokens("output_tokens")?,
            cached_tokens: tokens("cached_tokens")?,
            cache_write_tokens: tokens("cache_write_tokens")?,
            cache_write_long_tokens: tokens("cache_write_long_tokens")?,
            reasoning_tokens: tokens("reasoning_tokens")?,
            // Rows written before migration 0006 have the column's default, `false`.
            estimated: col(DB::boolean(r, "usage_estimated"))?,
        },
        cost: Usd::from_nanos(col(DB::int(r, "cost"))?),
        estimate: Usd::from_nanos(col(DB::int(r, "estimate"))?),
        latency_ms: tokens("latency_ms")?,
        outcome: outcome(&col(DB::text(r, "outcome"))?)?,
        error_code: col(DB::opt_text(r, "error_code"))?,
        created_at: col(DB::time(r, "created_at"))?,
    })
}

/// The `api_keys` columns, in insert order.
pub(crate) const KEY_COLUMNS: &str = "id, name, prefix, hash, role, tier, rate_limit_per_hour, budget, tenant, \
     status, created_at, expires_at, last_used_at, rotated_to, identity, bootstrap";

/// Number of columns in [`KEY_COLUMNS`].
pub(crate) const KEY_WIDTH: usize = 16;

/// The bind values of a key, in [`KEY_COLUMNS`] order.
pub(crate) fn key_args(k: &ApiKeyRecord) -> Vec<Arg> {
    vec![
        Arg::Text(k.id.clone()),
        Arg::Text(k.name.clone()),
        Arg::Text(k.prefix.clone()),
        Arg::Text(k.hash.clone()),
        Arg::Text(k.role.as_str().to_owned()),
        Arg::Text(k.tier.clone()),
        Arg::OptInt(k.rate_limit_per_hour.map(i64::from)),
        Arg::OptInt(k.budget.map(Usd::nanos)),
        Arg::OptText(k.tenant.clone()),
        Arg::Text(k.status.as_str().to_owned()),
        Arg::Time(k.created_at),
        Arg::OptTime(k.expires_at),
        Arg::OptTime(k.last_used_at),
        Arg::OptText(k.rotated_to.clone()),
        Arg::Text(k.stable_identity().to_owned()),
        Arg::Bool(k.bootstrap),
    ]
}

/// A key from a row selected with [`KEY_COLUMNS`].
pub(crate) fn key_from_row<DB: SqlBackend>(r: &DB::Row) -> Result<ApiKeyRecord> {
    let role = col(DB::text(r, "role"))?;
    let status = col(DB::text(r, "status"))?;
    let rate = col(DB::opt_int(r, "rate_limit_per_hour"))?;
    let id = col(DB::text(r, "id"))?;
    // A row written by a version without identities (or during an upgrade) is its own identity.
    let identity = col(DB::opt_text(r, "identity"))?.filter(|i| !i.is_empty()).unwrap_or_else(|| id.clone());
    Ok(ApiKeyRecord {
        id,
        identity,
        name: col(DB::text(r, "name"))?,
        prefix: col(DB::text(r, "prefix"))?,
        hash: col(DB::text(r, "hash"))?,
        role: KeyRole::parse(&role).ok_or_else(|| bad("role", &role))?,
        tier: col(DB::text(r, "tier"))?,
        rate_limit_per_hour: rate
            .map(|n| u32::try_from(n).map_err(|_| bad("rate_limit_per_hour", &n.to_string())))
            .transpose()?,
        budget: col(DB::opt_int(r, "budget"))?.map(Usd::from_nanos),
        tenant: col(DB::opt_text(r, "tenant"))?,
        status: KeyStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        created_at: col(DB::time(r, "created_at"))?,
        expires_at: col(DB::opt_time(r, "expires_at"))?,
        last_used_at: col(DB::opt_time(r, "last_used_at"))?,
        rotated_to: col(DB::opt_text(r, "rotated_to"))?,
        bootstrap: col(DB::boolean(r, "bootstrap"))?,
    })
}

/// `(c1, c2, …), (…)` placeholders for `rows` rows of `width` columns, numbered from `$1`.
pub(crate) fn values_placeholders(rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("${}", r * width + c + 1));
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(values_placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(CONTENT_COLUMNS.split(',').count(), CONTENT_WIDTH);
        assert_eq!(USAGE_COLUMNS.split(',').count(), USAGE_WIDTH);
        assert_eq!(KEY_COLUMNS.split(',').count(), KEY_WIDTH);
    }
}
