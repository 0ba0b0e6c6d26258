//! Who is asking: the API key, its tier and budget, the tenant, and what happens to its call
//! if it goes away.

use crate::error::{Error, Result};
use crate::money::Usd;
use crate::ratelimit::Quota;
use std::str::FromStr;

/// What happens to a generation whose caller goes away after the provider request was sent.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum CallerLeftPolicy {
    /// The call completes in the background: the piece is analysed and stored (marked
    /// `caller_left`) and the hold settled at the real cost. A sent request is billed whether or
    /// not anyone waits for the answer, so this keeps what was paid for.
    #[default]
    Complete,
    /// The call is aborted: nothing is stored, and the hold is settled at its worst-case
    /// estimate because the provider may still bill the request (the cost of this choice: up to
    /// the estimate per abandoned call, for a piece nobody can see).
    Abort,
}

impl<'de> serde::Deserialize<'de> for CallerLeftPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(d)?
            .parse()
            .map_err(|e| serde::de::Error::custom(crate::setting::reason_of(e)))
    }
}

impl FromStr for CallerLeftPolicy {
    type Err = Error;
    /// `complete` or `abort`.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "complete" | "" => Ok(CallerLeftPolicy::Complete),
            "abort" => Ok(CallerLeftPolicy::Abort),
            other => Err(Error::config("calls.on_caller_left", format!("`{other}` is not one of: complete, abort"))),
        }
    }
}

/// The caller of one engine operation.
///
/// With no key the call is not rate limited (an embedding application is trusted) but still
/// counts against the global budget. With a key, the key's tier (or own quota) is enforced
/// and its budget, if any, is a scope of its own.
///
/// ```
/// use splants::RequestContext;
/// let ctx = RequestContext::for_key("key_123").tier("premium").tenant("acme");
/// assert_eq!(ctx.owner(), Some("acme"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestContext {
    /// The API key's stable identity (the same for every secret of a rotation chain; never the
    /// secret): the budget scope `key:<id>`, the rate-limit cells and the owner follow it.
    pub key_id: Option<String>,
    /// The key's tier (`free`, `standard`, `premium`); the default tier when `None`.
    pub tier: Option<String>,
    /// The key's own quota, replacing its tier's.
    pub quota: Option<Quota>,
    /// The key's own budget per period.
    pub key_budget: Option<Usd>,
    /// Tenant (a customer of the embedding application).
    pub tenant: Option<String>,
    /// The tenant's budget per period.
    pub tenant_budget: Option<Usd>,
    /// Correlation id for logs.
    pub request_id: Option<String>,
    /// The caller already counted this request against the key's quotas (the HTTP server does,
    /// once per HTTP request, to answer with rate-limit headers); the engine does not count again.
    pub rate_limit_counted: bool,
    /// How long this call may wait for budget held by calls in flight to settle before it is
    /// refused; `None` uses the engine's `budget_wait` (`SPLANTS_BUDGET_WAIT_SECS`).
    pub budget_wait: Option<std::time::Duration>,
    /// What this call does if its caller goes away after the provider request was sent; `None`
    /// uses the engine's `on_caller_left` (`SPLANTS_ON_CALLER_LEFT`).
    pub on_caller_left: Option<CallerLeftPolicy>,
}

impl RequestContext {
    /// A caller without a key or tenant.
    pub fn anonymous() -> Self {
        RequestContext::default()
    }

    /// A caller identified by an API key id.
    pub fn for_key(key_id: impl Into<String>) -> Self {
        RequestContext { key_id: Some(key_id.into()), ..RequestContext::default() }
    }

    /// Sets the tier.
    #[must_use]
    pub fn tier(mut self, tier: impl Into<String>) -> Self {
        self.tier = Some(tier.into());
        self
    }

    /// Sets the key's own quota.
    #[must_use]
    pub fn quota(mut self, quota: Quota) -> Self {
        self.quota = Some(quota);
        self
    }

    /// Sets the key's budget.
    #[must_use]
    pub fn key_budget(mut self, limit: Usd) -> Self {
        self.key_budget = Some(limit);
        self
    }

    /// Sets the tenant.
    #[must_use]
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Sets the tenant's budget.
    #[must_use]
    pub fn tenant_budget(mut self, limit: Usd) -> Self {
        self.tenant_budget = Some(limit);
        self
    }

    /// Sets how long this call may wait for budget held by calls in flight (zero: refuse at
    /// once).
    #[must_use]
    pub fn budget_wait(mut self, wait: std::time::Duration) -> Self {
        self.budget_wait = Some(wait);
        self
    }

    /// Sets what this call does if its caller goes away after the request was sent.
    #[must_use]
    pub fn on_caller_left(mut self, policy: CallerLeftPolicy) -> Self {
        self.on_caller_left = Some(policy);
        self
    }

    /// Sets the request id.
    #[must_use]
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Who owns what this caller generates: the tenant, else the key.
    pub fn owner(&self) -> Option<&str> {
        self.tenant.as_deref().or(self.key_id.as_deref())
    }
}
