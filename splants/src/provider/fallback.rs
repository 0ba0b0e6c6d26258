//! A chain of providers tried in order when one is down.
//!
//! The next member is tried only after a failure that [`Error::is_retryable`] (5xx, 429,
//! timeouts, connection errors). A 400, 401 or an unreadable answer is returned at once: a
//! configuration error must not be hidden behind a silent switch to another provider.

use super::retry::may_resend;
use super::{BillingTarget, Completion, CompletionRequest, CompletionStream, Provider, open_until_first};
use crate::error::{Error, Result};
use async_trait::async_trait;
use std::sync::Arc;

/// Tries each provider of a chain in order until one answers.
#[derive(Debug)]
pub struct FallbackProvider {
    chain: Vec<Arc<dyn Provider>>,
    /// The first member, kept apart so `name()`/`default_model()` need no fallible lookup.
    first: Arc<dyn Provider>,
}

impl FallbackProvider {
    /// A chain tried in the given order; an empty chain is a configuration error.
    pub fn new(chain: Vec<Arc<dyn Provider>>) -> Result<Self> {
        let Some(first) = chain.first().cloned() else {
            return Err(Error::config(
                "FallbackProvider::new(chain)",
                "the fallback chain needs at least one provider",
            ));
        };
        Ok(FallbackProvider { chain, first })
    }

    /// The members, in the order they are tried.
    pub fn members(&self) -> &[Arc<dyn Provider>] {
        &self.chain
    }

    /// Calls `call` on each member in order while the failures allow a fallback.
    async fn through_chain<'a, T: Send + 'a>(
        &'a self,
        request: &'a CompletionRequest,
        call: impl for<'p> Fn(
            &'p Arc<dyn Provider>,
            &'p CompletionRequest,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + Send + 'p>>
        + Send
        + Sync,
    ) -> Result<T> {
        let first_err = match call(&self.first, request).await {
            Ok(done) => return Ok(done),
            Err(err) => err,
        };
        let mut last = first_err;
        let mut failed = self.first.name().to_owned();
        let rest = for_member(request);
        for next in self.chain.iter().skip(1) {
            if !last.is_retryable() || !may_resend(request, &last, &failed).await {
                return Err(last);
            }
            tracing::warn!(
                from = failed.as_str(),
                to = next.name(),
                code = last.code().as_str(),
                error = %last,
                "provider failed; falling back to the next one"
            );
            match call(next, &rest).await {
                Ok(done) => return Ok(done),
                Err(err) => {
                    last = err;
                    next.name().clone_into(&mut failed);
                }
            }
        }
        Err(last)
    }
}

/// The request as sent to members after the first: each uses its own configured model.
fn for_member(request: &CompletionRequest) -> CompletionRequest {
    CompletionRequest { model: None, ..request.clone() }
}

#[async_trait]
impl Provider for FallbackProvider {
    fn name(&self) -> &str {
        self.first.name()
    }

    fn default_model(&self) -> &str {
        self.first.default_model()
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        self.through_chain(request, |p, r| Box::pin(async move { p.complete(r).await })).await
    }

    /// Falls back until a member's stream gives its first event; after that the stream is
    /// that member's to the end.
    async fn stream(&self, request: &CompletionRequest) -> Result<CompletionStream> {
        self.through_chain(request, |p, r| Box::pin(open_until_first(&**p, r))).await
    }

    /// Every member's targets, so a quote covers the dearest provider the call may reach.
    fn billing_targets(&self, request: &CompletionRequest) -> Vec<BillingTarget> {
        let rest = for_member(request);
        let mut targets = self.first.billing_targets(request);
        for member in self.chain.iter().skip(1) {
            targets.extend(member.billing_targets(&rest));
        }
        targets
    }

    /// Free only if every member is free.
    fn is_free(&self) -> bool {
        self.chain.iter().all(|p| p.is_free())
    }

    /// Healthy when any member is; otherwise the last member's failure.
    async fn health(&self) -> Result<()> {
        let mut last = None;
        for member in &self.chain {
            match member.health().await {
                Ok(()) => return Ok(()),
                Err(err) => last = Some(err),
            }
        }
        last.map_or(Ok(()), Err)
    }
}
