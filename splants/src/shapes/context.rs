//! The caller as a binding describes it: the one input shape of the request context.

use crate::RequestContext;
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::ratelimit::Quota;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// Who is calling, as the bindings take it: Python's `RequestContext(key_id=..., ...)` and
/// Node's `{ keyId, ... }` context object are this shape, and [`CallerContext::into_context`]
/// checks it, so the same bad value gets the same error in both.
///
/// A key's own quota is `quota: [limit, period_seconds]` (`[100, 3600]`: 100 requests an hour),
/// the one spelling both bindings read and write; `rate_limit_per_hour: n` (the name of the
/// key record's field) is accepted as another way to write `quota: [n, 3600]` and is never
/// written back. Budgets are dollars and must not be negative.
///
/// ```
/// use splants::shapes::CallerContext;
/// let ctx = CallerContext::from_value(serde_json::json!({"key_id": "k1", "quota": [100, 3600]}))?
///     .into_context()?;
/// assert_eq!(ctx.quota.map(|q| q.limit()), Some(100));
/// let err = CallerContext { key_budget: Some(-1.0), ..CallerContext::default() }.into_context().unwrap_err();
/// assert!(matches!(err, splants::Error::Validation { ref field, .. } if field == "key_budget"));
/// # Ok::<(), splants::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(rename = "RequestContext", optional_fields))]
pub struct CallerContext {
    /// The API key's id (never the secret): turns on rate limits and owner scoping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The key's rate-limit tier (the default tier when omitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The key's own quota, replacing its tier's: `[limit, period_seconds]`, e.g. `[100, 3600]`
    /// (a whole number of requests >= 1 per at most a day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional, type = "[limit: number, periodSeconds: number]"))]
    pub quota: Option<(f64, f64)>,
    /// Another way to write `quota: [n, 3600]` (the key record's name); never written back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_hour: Option<f64>,
    /// The key's budget per period, in dollars (>= 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_budget: Option<f64>,
    /// Tenant (a customer of the embedding application): owns what it generates, has its own
    /// budget scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The tenant's budget per period, in dollars (>= 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_budget: Option<f64>,
    /// Correlation id for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The seconds of the period `rate_limit_per_hour` counts in.
const HOUR_SECS: f64 = 3600.0;

impl CallerContext {
    /// The fields a context is written back with ([`CallerContext::from_context`]), in order:
    /// every field but the `rate_limit_per_hour` alias.
    pub const FIELDS: &'static [&'static str] =
        &["key_id", "tier", "quota", "key_budget", "tenant", "tenant_budget", "request_id"];

    /// Parses a context object (snake_case keys); unknown fields are refused, errors name the
    /// field.
    pub fn from_value(value: Value) -> Result<Self> {
        super::from_value(value)
    }

    /// Checks every field and builds the engine's context; the error names the first bad field
    /// and why.
    pub fn into_context(self) -> Result<RequestContext> {
        let quota = match (self.quota, self.rate_limit_per_hour) {
            (Some(_), Some(_)) => {
                return Err(Error::validation(
                    "rate_limit_per_hour",
                    "is another way to write `quota` ([n, 3600]); give one of them",
                ));
            }
            (Some((limit, period)), None) => Some(quota("quota", limit, period)?),
            (None, Some(limit)) => Some(quota("rate_limit_per_hour", limit, HOUR_SECS)?),
            (None, None) => None,
        };
        Ok(RequestContext {
            key_id: self.key_id,
            tier: self.tier,
            quota,
            key_budget: dollars("key_budget", self.key_budget)?,
            tenant: self.tenant,
            tenant_budget: dollars("tenant_budget", self.tenant_budget)?,
            request_id: self.request_id,
            ..RequestContext::default()
        })
    }

    /// The shape of an engine context (what `verify_api_key` hands a binding): the quota as
    /// `[limit, period_seconds]`.
    pub fn from_context(ctx: &RequestContext) -> Self {
        CallerContext {
            key_id: ctx.key_id.clone(),
            tier: ctx.tier.clone(),
            quota: ctx.quota.map(|q| (f64::from(q.limit()), q.period().as_secs_f64())),
            rate_limit_per_hour: None,
            key_budget: ctx.key_budget.map(Usd::dollars),
            tenant: ctx.tenant.clone(),
            tenant_budget: ctx.tenant_budget.map(Usd::dollars),
            request_id: ctx.request_id.clone(),
        }
    }
}

/// `limit` requests per `period` seconds; every problem is an error of `field`.
fn quota(field: &str, limit: f64, period: f64) -> Result<Quota> {
    if !(limit.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(&limit)) {
        return Err(Error::validation(field, format!("limit {limit} is not a whole number of requests >= 1")));
    }
    let day = Duration::from_secs(86_400);
    let period = Duration::try_from_secs_f64(period)
        .ok()
        .filter(|p| !p.is_zero() && *p <= day)
        .ok_or_else(|| Error::validation(field, format!("period {period} is not a number of seconds in (0, 86400]")))?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a whole number in 1..=u32::MAX
    Quota::new(limit as u32, period).map_err(|e| Error::validation(field, e.to_string()))
}

/// A budget in dollars: finite and not negative.
fn dollars(field: &str, value: Option<f64>) -> Result<Option<Usd>> {
    let Some(d) = value else { return Ok(None) };
    let usd = Usd::from_dollars(d).ok_or_else(|| Error::validation(field, format!("{d} is not a dollar amount")))?;
    if usd.is_negative() {
        return Err(Error::validation(field, format!("{usd} must be a dollar amount >= 0")));
    }
    Ok(Some(usd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: Error) -> String {
        match e {
            Error::Validation { field, .. } => field,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn context(value: Value) -> Result<RequestContext> {
        CallerContext::from_value(value)?.into_context()
    }

    #[test]
    fn round_trips_through_the_engine_context() {
        let ctx = context(json!({"key_id": "k1", "tier": "free", "key_budget": 1.5, "quota": [7, 3600]})).unwrap();
        assert_eq!(ctx.key_id.as_deref(), Some("k1"));
        assert_eq!(ctx.key_budget, Usd::from_dollars(1.5));
        assert_eq!(ctx.quota.map(|q| (q.limit(), q.period())), Some((7, Duration::from_secs(3600))));
        let back = serde_json::to_value(CallerContext::from_context(&ctx)).unwrap();
        assert_eq!(back, json!({"key_id": "k1", "tier": "free", "key_budget": 1.5, "quota": [7.0, 3600.0]}));
        assert_eq!(context(back).unwrap(), ctx);
        assert_eq!(context(json!({})).unwrap(), RequestContext::anonymous());
    }

    #[test]
    fn rate_limit_per_hour_is_another_spelling_of_an_hourly_quota() {
        let alias = context(json!({"key_id": "k1", "rate_limit_per_hour": 7})).unwrap();
        assert_eq!(alias, context(json!({"key_id": "k1", "quota": [7, 3600]})).unwrap());
        let both = context(json!({"quota": [7, 3600], "rate_limit_per_hour": 7})).unwrap_err();
        assert_eq!(field_of(both), "rate_limit_per_hour");
        assert_eq!(field_of(context(json!({"rate_limit_per_hour": 0})).unwrap_err()), "rate_limit_per_hour");
    }

    #[test]
    fn bad_values_name_the_field() {
        assert_eq!(field_of(context(json!({"keyid": "x"})).unwrap_err()), "keyid");
        assert_eq!(field_of(context(json!({"key_budget": -1})).unwrap_err()), "key_budget");
        assert_eq!(field_of(context(json!({"tenant_budget": -0.01})).unwrap_err()), "tenant_budget");
        for quota in
            [json!([0, 60]), json!([1.5, 60]), json!([1, -1]), json!([1, 0]), json!([1, 1e30]), json!([1, 90000])]
        {
            assert_eq!(field_of(context(json!({ "quota": quota })).unwrap_err()), "quota", "{quota}");
        }
        assert_eq!(field_of(context(json!({"quota": [1]})).unwrap_err()), "quota");
        let nan = CallerContext { quota: Some((1.0, f64::NAN)), ..CallerContext::default() };
        assert_eq!(field_of(nan.into_context().unwrap_err()), "quota");
        let inf = CallerContext { key_budget: Some(f64::INFINITY), ..CallerContext::default() };
        assert_eq!(field_of(inf.into_context().unwrap_err()), "key_budget");
    }

    #[test]
    fn fields_are_the_written_fields_and_the_alias() {
        let written = serde_json::to_value(CallerContext {
            key_id: Some("k".into()),
            tier: Some("t".into()),
            quota: Some((1.0, 1.0)),
            rate_limit_per_hour: None,
            key_budget: Some(1.0),
            tenant: Some("a".into()),
            tenant_budget: Some(1.0),
            request_id: Some("r".into()),
        })
        .unwrap();
        let keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields = CallerContext::FIELDS.to_vec();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }
}
