//! One generation: validate → rate limit → cache → prompt → reserve → provider → analyse →
//! settle → store → event.

use super::EngineInner;
use super::background::CallerWatch;
use crate::analysis;
use crate::auth::CallerLeftPolicy;
use crate::auth::RequestContext;
use crate::budget::DegradePolicy;
use crate::budget::{BudgetGuard, Reservation, ReserveOptions, ScopeLimit};
use crate::cache::ContentCache;
use crate::content::{ContentRequest, GeneratedContent, RepairMethod, RepairNote, TemplateRef, Usage};
use crate::error::{Error, Result};
use crate::events::EngineEvent;
use crate::money::Usd;
use crate::prompt;
use crate::provider::{AttemptObserver, Completion, CompletionRequest, FinishReason, Message};
use crate::ratelimit::RateDecision;
use crate::storage::{UsageOutcome, UsageRecord, truncate_micros};
use async_trait::async_trait;
use parking_lot::Mutex;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// What one generation runs: the brief and, for template generations, the rendered template.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub request: ContentRequest,
    pub template_prompt: Option<String>,
    pub template: Option<TemplateRef>,
}

impl Job {
    /// The job with HTML removed from its brief (template variables are cleaned as they render).
    pub(crate) fn sanitized(mut self) -> Self {
        self.request = self.request.sanitized();
        self
    }
}

/// The worst-case cost of a brief, computed without calling anyone.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Quote {
    /// The amount a generation reserves: the dearest target's worst case (0 when free).
    pub estimate: Usd,
    /// The output cap sent to the provider.
    pub max_tokens: u32,
    /// Every (provider, model) the call may be billed under, with its own worst case.
    pub targets: Vec<QuoteTarget>,
    /// Whether the provider costs nothing (offline drafter, free local model).
    pub free: bool,
}

/// One (provider, model) of a quote.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct QuoteTarget {
    /// Provider.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Upper bound on prompt tokens.
    pub input_tokens: u64,
    /// Worst-case cost with `max_tokens` output tokens.
    pub worst_case: Usd,
}

/// Reserves budget for attempts that failed but may have been billed, before a retry or a
/// fallback sends again; every such attempt is later counted at the estimate.
#[derive(Debug)]
pub(crate) struct BudgetObserver {
    budget: BudgetGuard,
    scopes: Arc<[ScopeLimit]>,
    estimate: Usd,
    options: ReserveOptions,
    extra: Mutex<Vec<Reservation>>,
}

#[async_trait]
impl AttemptObserver for BudgetObserver {
    async fn before_resend(&self, failure: &Error) -> Result<()> {
        let mut r = self.budget.reserve_with(Arc::clone(&self.scopes), self.estimate, self.options).await?;
        r.mark_in_flight().await?;
        tracing::warn!(error = %failure, estimate = %self.estimate, "re-sending after an attempt that may have been billed; reserved again");
        self.extra.lock().push(r);
        Ok(())
    }
}

impl BudgetObserver {
    /// Settles every extra hold at the estimate (each stands for a possibly billed attempt).
    async fn settle_extras(&self, model: &str) -> Usd {
        let extras: Vec<Reservation> = std::mem::take(&mut *self.extra.lock());
        let mut total = Usd::ZERO;
        for r in extras {
            let amount = r.amount();
            total += amount;
            if let Err(e) = r.settle(amount, model).await {
                tracing::warn!(error = %e, "could not settle a possibly billed attempt; its lease will lapse");
            }
        }
        total
    }
}

impl EngineInner {
    pub(crate) fn completion_request(&self, job: &Job) -> CompletionRequest {
        let p = prompt::build(
            &job.request,
            job.template_prompt.as_deref(),
            self.config.provider.max_output_tokens,
            self.config.provider.reasoning_tokens,
        );
        let mut creq = CompletionRequest::new(p.messages, p.max_tokens);
        creq.temperature = self.config.provider.temperature;
        creq.brief = Some(Arc::new(job.request.clone()));
        creq
    }

    pub(crate) fn quote_completion(&self, creq: &CompletionRequest) -> Result<Quote> {
        let free = self.provider.is_free();
        let mut targets = Vec::new();
        let mut estimate = Usd::ZERO;
        for t in self.provider.billing_targets(creq) {
            let worst_case = if free { Usd::ZERO } else { self.prices.worst_case(&t, creq.max_tokens)? };
            estimate = estimate.max(worst_case);
            targets.push(QuoteTarget {
                provider: t.provider,
                model: t.model,
                input_tokens: t.input_tokens,
                worst_case,
            });
        }
        Ok(Quote { estimate, max_tokens: creq.max_tokens, targets, free })
    }

    /// Reserves the quote, applying the degrade policy when the budget is short.
    async fn reserve(
        &self,
        creq: &mut CompletionRequest,
        scopes: &Arc<[ScopeLimit]>,
        options: ReserveOptions,
    ) -> Result<Option<(Reservation, Usd)>> {
        let quote = self.quote_completion(creq)?;
        if quote.free {
            return Ok(None);
        }
        let err = match self.budget.reserve_with(Arc::clone(scopes), quote.estimate, options).await {
            Ok(r) => return Ok(Some((r, quote.estimate))),
            Err(e) => e,
        };
        let Error::BudgetExceeded(exceeded) = &err else { return Err(err) };
        match &self.config.budget.degrade {
            DegradePolicy::Off => Err(err),
            DegradePolicy::ShrinkMaxTokens { min_tokens } => {
                let room = exceeded.limit - exceeded.spent - exceeded.reserved;
                let (mut lo, mut hi) = (*min_tokens, creq.max_tokens);
                let mut best = None;
                while lo <= hi {
                    let mid = lo + (hi - lo) / 2;
                    let mut probe = creq.clone();
                    probe.max_tokens = mid;
                    if self.quote_completion(&probe)?.estimate <= room {
                        best = Some(mid);
                        lo = mid + 1;
                    } else if mid == 0 {
                        break;
                    } else {
                        hi = mid - 1;
                    }
                }
                let Some(max_tokens) = best else { return Err(err) };
                tracing::info!(from = creq.max_tokens, to = max_tokens, "budget short: shrinking max_tokens");
                creq.max_tokens = max_tokens;
                let estimate = self.quote_completion(creq)?.estimate;
                Ok(Some((self.budget.reserve_with(Arc::clone(scopes), estimate, options).await?, estimate)))
            }
            DegradePolicy::CheaperModel(model) => {
                tracing::info!(model = %model, "budget short: trying the cheaper model");
                creq.model = Some(model.clone());
                let estimate = self.quote_completion(creq)?.estimate;
                Ok(Some((self.budget.reserve_with(Arc::clone(scopes), estimate, options).await?, estimate)))
            }
        }
    }

    /// Counts `cells` requests against the caller's quotas; `None` for callers without a key.
    pub(crate) async fn check_rate_limit(&self, ctx: &RequestContext, cells: u32) -> Result<Option<RateDecision>> {
        let Some(key) = &ctx.key_id else { return Ok(None) };
        let quotas = self.config.rate_limits.quotas_for(ctx.tier.as_deref(), ctx.quota)?;
        match self.limiter.check(key, &quotas, cells).await {
            Ok(d) => Ok(Some(d)),
            Err(e) => {
                if let Error::RateLimited(r) = &e {
                    self.events.emit(EngineEvent::RateLimited { key_id: key.clone(), quota: r.quota.clone() });
                }
                Err(e)
            }
        }
    }

    pub(crate) async fn run(self: &Arc<Self>, job: Job, ctx: &RequestContext) -> Result<GeneratedContent> {
        let span = tracing::info_span!(
            "generate",
            request_id = ctx.request_id.as_deref().unwrap_or(""),
            key = ctx.key_id.as_deref().unwrap_or(""),
            content_type = %job.request.content_type,
        );
        async move {
            let started = Instant::now();
            let job = job.sanitized();
            job.request.validate()?;
            if !ctx.rate_limit_counted {
                self.check_rate_limit(ctx, 1).instrument(tracing::debug_span!("rate_limit")).await?;
            }
            let Some(cache) = &self.cache else { return self.produce(&job, ctx, started).await };
            let key = self.cache_key(&job, ctx);
            let (mut content, hit) = cache.get_or_generate(key, self.produce(&job, ctx, started)).await?;
            if hit {
                self.serve_cached(&mut content, started);
            }
            Ok(content)
        }
        .instrument(span)
        .await
    }

    /// The cache key of `job` for this caller, provider and model.
    pub(crate) fn cache_key(&self, job: &Job, ctx: &RequestContext) -> String {
        ContentCache::key(
            &job.request,
            self.provider.name(),
            self.provider.default_model(),
            job.template.as_ref(),
            ctx.owner(),
        )
    }

    /// Marks a piece served from the cache (free, no usage) and announces it.
    pub(crate) fn serve_cached(&self, content: &mut GeneratedContent, started: Instant) {
        content.cached = true;
        content.cost_usd = Usd::ZERO;
        content.usage = Usage::default();
        content.caller_left = false;
        self.emit_generated(content, 0, started.elapsed());
    }

    async fn produce(self: &Arc<Self>, job: &Job, ctx: &RequestContext, started: Instant) -> Result<GeneratedContent> {
        let call = self.prepare_call(job, ctx, started).await?;
        match ctx.on_caller_left.unwrap_or(self.config.calls.on_caller_left) {
            // Dropping this future drops the call: its hold settles at the estimate.
            CallerLeftPolicy::Abort => self.call_and_finish(job, ctx, call, CallerWatch::default()).await,
            CallerLeftPolicy::Complete => {
                let (inner, job, ctx) = (Arc::clone(self), job.clone(), ctx.clone());
                self.calls.run(move |watch| async move { inner.call_and_finish(&job, &ctx, call, watch).await }).await
            }
        }
    }

    /// The provider request of `job` with its budget held (in flight) and the observer that
    /// holds more before a re-send.
    pub(crate) async fn prepare_call(&self, job: &Job, ctx: &RequestContext, started: Instant) -> Result<Call> {
        let mut creq = self.completion_request(job);
        let scopes: Arc<[ScopeLimit]> = self
            .budget
            .scopes(
                ctx.key_id.as_deref().map(|k| (k, ctx.key_budget)),
                ctx.tenant.as_deref().map(|t| (t, ctx.tenant_budget)),
            )
            .into();
        // The call is sent right after the reserve: the hold is stored as in flight, so a crash
        // of this process counts it as spent, not as nothing.
        let options = ReserveOptions { in_flight: true, wait: ctx.budget_wait };
        let reserved =
            self.reserve(&mut creq, &scopes, options).instrument(tracing::debug_span!("budget_reserve")).await?;
        let estimate = reserved.as_ref().map(|(_, e)| *e).unwrap_or(Usd::ZERO);
        let observer = Arc::new(BudgetObserver {
            budget: self.budget.clone(),
            scopes: Arc::clone(&scopes),
            estimate,
            options,
            extra: Mutex::new(Vec::new()),
        });
        if reserved.is_some() {
            creq.observer = Some(Arc::clone(&observer) as Arc<dyn AttemptObserver>);
        }
        let reservation = reserved.map(|(r, _)| r);
        Ok(Call { creq, reservation, estimate, observer, started })
    }

    /// Sends the provider request and turns the answer into a stored, settled piece. Run in a
    /// task of its own (see [`super::background`]) it goes on when its caller leaves; unless the
    /// caller left before anything was sent, which releases the hold at once.
    async fn call_and_finish(
        self: &Arc<Self>,
        job: &Job,
        ctx: &RequestContext,
        call: Call,
        caller: CallerWatch,
    ) -> Result<GeneratedContent> {
        let Call { creq, mut reservation, estimate, observer, started } = call;
        if caller.left() {
            // Nothing was sent: dropping the reservation releases it.
            return Err(Error::internal("the caller left before the request was sent"));
        }
        if let Some(r) = reservation.as_mut() {
            // Stored in flight already: no ledger write.
            r.mark_in_flight().await?;
        }
        let requested_model = creq.model.clone().unwrap_or_else(|| self.provider.default_model().to_owned());
        let t0 = Instant::now();
        let result = self.provider.complete(&creq).instrument(tracing::info_span!("provider_call")).await;
        let provider_time = t0.elapsed();
        let owner = ctx.owner().map(str::to_owned);
        match result {
            Ok(completion) => {
                self.succeeded(
                    job,
                    ctx,
                    completion,
                    reservation.take(),
                    &observer,
                    &requested_model,
                    estimate,
                    provider_time,
                    &caller,
                    started,
                )
                .await
            }
            Err(err) => Err(self
                .failed_call(err, reservation.take(), &observer, &requested_model, estimate, provider_time, owner)
                .await),
        }
    }

    /// Turns a provider's answer into a settled, stored piece (or the error for an empty or
    /// filtered answer, settled at its cost).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn succeeded(
        &self,
        job: &Job,
        ctx: &RequestContext,
        completion: Completion,
        reservation: Option<Reservation>,
        observer: &BudgetObserver,
        requested_model: &str,
        estimate: Usd,
        provider_time: Duration,
        caller: &CallerWatch,
        started: Instant,
    ) -> Result<GeneratedContent> {
        let owner = ctx.owner().map(str::to_owned);
        let cost = self.cost_of(&completion, requested_model, estimate);
        let extra = observer.settle_extras(&completion.model).await;
        let record = |usage: Usage, counted: Usd, estimate: Usd| {
            self.usage_record(
                &completion.provider,
                &completion.model,
                usage,
                counted,
                estimate,
                provider_time,
                UsageOutcome::Success,
                None,
                owner.clone(),
            )
        };
        if completion.text.trim().is_empty() || completion.finish_reason == FinishReason::ContentFilter {
            settle(reservation, cost, &completion.model).await;
            self.save_usage(record(completion.usage, cost + extra, estimate)).await;
            let reason = if completion.finish_reason == FinishReason::ContentFilter {
                "the provider's content filter stopped the answer".to_owned()
            } else {
                format!("the provider returned no text (finish reason {:?})", completion.finish_reason)
            };
            return Err(Error::ContentGeneration { reason });
        }
        // A copy over one of its platform's hard limits gets one repair round from the provider,
        // held within the same budget and counted in the piece's cost.
        let repair = self.repair_round(job, &completion, observer, requested_model).await;
        let record =
            record(add_usage(completion.usage, repair.usage), cost + extra + repair.cost, estimate + repair.estimate);
        let usage_id = record.id.clone();
        let content = self.finish(job, &completion, cost, repair, record, reservation, caller).await?;
        tracing::debug!(content_id = %content.id, usage_id = %usage_id, "stored");
        self.emit_generated(&content, micros(provider_time), started.elapsed());
        if caller.left() {
            tracing::info!(content_id = %content.id, cost = %cost, "stored a piece whose caller had left");
            self.events.emit(EngineEvent::CompletedAfterCallerLeft {
                content_id: content.id.clone(),
                owner: content.owner.clone(),
                cost_usd: cost,
            });
        }
        Ok(content)
    }

    /// Settles a call that failed: at its hold when it may have been billed, else released;
    /// records the usage; returns the error (or the ledger's, if settling failed).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn failed_call(
        &self,
        err: Error,
        reservation: Option<Reservation>,
        observer: &BudgetObserver,
        requested_model: &str,
        estimate: Usd,
        provider_time: Duration,
        owner: Option<String>,
    ) -> Error {
        let billed = err.may_have_billed();
        let mut counted = observer.settle_extras(requested_model).await;
        if let Some(r) = reservation {
            let ledger = if billed {
                let amount = r.amount();
                counted += amount;
                r.settle(amount, requested_model).await.map(|_| ())
            } else {
                r.release().await
            };
            if let Err(e) = ledger {
                return e;
            }
        }
        let outcome = if billed || counted > Usd::ZERO { UsageOutcome::MaybeBilled } else { UsageOutcome::Failed };
        let record = self.usage_record(
            self.provider.name(),
            requested_model,
            Usage::default(),
            counted,
            estimate,
            provider_time,
            outcome,
            Some(err.code().as_str().to_owned()),
            owner,
        );
        self.save_usage(record).await;
        err
    }

    /// What a successful call cost; an unpriced reported model falls back to the requested
    /// model's price, and failing that to the full estimate (never to zero).
    fn cost_of(&self, completion: &Completion, requested_model: &str, estimate: Usd) -> Usd {
        if self.provider.is_free() {
            return Usd::ZERO;
        }
        match self.prices.completion_cost(completion) {
            Ok(c) => c,
            Err(_) => {
                let mut as_requested = completion.clone();
                as_requested.model = requested_model.to_owned();
                self.prices.completion_cost(&as_requested).unwrap_or_else(|_| {
                    tracing::warn!(model = %completion.model, "no price for the reported model; counting the estimate");
                    estimate
                })
            }
        }
    }

    /// Fits the (repaired) copy, analyses, settles the call's hold at `cost` and stores the
    /// piece, whose cost also counts the repair round's.
    #[allow(clippy::too_many_arguments)]
    async fn finish(
        &self,
        job: &Job,
        completion: &Completion,
        cost: Usd,
        repair: Repaired,
        record: UsageRecord,
        reservation: Option<Reservation>,
        caller: &CallerWatch,
    ) -> Result<GeneratedContent> {
        let request = &job.request;
        let written = crate::sanitize::plain_text(repair.text.as_deref().unwrap_or(&completion.text));
        let (text, mut cuts) = analysis::limits::fit(&written, request);
        if let Some(why) = &repair.skipped {
            for note in &mut cuts {
                note.message.push_str(&format!(" No repair round: {why}."));
            }
        }
        let a = analysis::analyze(&text, request);
        let mut metadata = a.metadata;
        metadata.repairs = repair.notes;
        metadata.repairs.extend(cuts);
        if self.provider.is_free() && completion.provider == "offline" {
            metadata.notice = Some(crate::provider::OfflineProvider::NOTICE.to_owned());
        }
        let content = GeneratedContent {
            id: uuid::Uuid::now_v7().to_string(),
            content: text,
            content_type: request.content_type,
            platform: request.effective_platform(),
            topic: request.topic.trim().to_owned(),
            quality_score: a.quality_score,
            seo_score: a.seo_score,
            metadata,
            cost_usd: cost + repair.cost,
            usage: add_usage(completion.usage, repair.usage),
            provider: completion.provider.clone(),
            model: completion.model.clone(),
            cached: false,
            stored: true,
            caller_left: caller.left(),
            created_at: truncate_micros(self.clock.now()),
            request: request.clone(),
            owner: record.owner.clone(),
            template: job.template.clone(),
        };
        let mut record = record;
        record.content_id = Some(content.id.clone());
        // Independent writes, run together: on Postgres the commits overlap; on SQLite they
        // join one group commit, so the settle, the usage record and the piece are one
        // transaction.
        let ((), (), stored) = crate::storage::writes_together(async {
            tokio::join!(
                settle(reservation, cost, &completion.model),
                self.save_usage(record),
                self.store_paid(&content).instrument(tracing::debug_span!("store")),
            )
        })
        .await;
        let mut content = content;
        if let Err(e) = stored {
            // Nothing was paid for a free piece: the caller may as well hear the library failed.
            if self.provider.is_free() {
                return Err(e);
            }
            content.stored = false;
            self.events.emit(EngineEvent::ContentUnstored { content_id: content.id.clone(), cost_usd: cost });
        }
        Ok(content)
    }

    /// One repair round for a copy over its platform's hard limits: the provider is asked to
    /// fix exactly those violations, with the round's worst case held in the same budget
    /// scopes as the call before it is sent, and its cost settled and counted. Nothing is sent
    /// when the copy fits, for the offline drafter, or when the budget cannot hold the round
    /// (the deterministic fit then does the work and says why).
    async fn repair_round(
        &self,
        job: &Job,
        completion: &Completion,
        observer: &BudgetObserver,
        requested_model: &str,
    ) -> Repaired {
        let request = &job.request;
        // Judged on the copy as it would be kept: without HTML (crate::sanitize).
        let violations = analysis::limits::violations(&crate::sanitize::plain_text(&completion.text), request);
        if violations.is_empty() || completion.provider == "offline" {
            return Repaired::default();
        }
        let platform = request.effective_platform();
        let mut creq = self.completion_request(job);
        creq.model = Some(requested_model.to_owned());
        creq.messages.push(Message::assistant(completion.text.trim()));
        let rules: Vec<String> = violations.iter().map(|v| format!("- {}", v.instruction(platform))).collect();
        creq.messages.push(Message::user(format!(
            "Your copy breaks hard limits of {platform}:\n{}\nRewrite it so that it fits, keeping its message, \
             tone, keywords and call to action. Reply with the rewritten copy only.",
            rules.join("\n")
        )));
        let skipped = |why: String| Repaired { skipped: Some(why), ..Repaired::default() };
        let quote = match self.quote_completion(&creq) {
            Ok(q) => q,
            Err(e) => return skipped(format!("the repair round could not be priced ({})", e.code().as_str())),
        };
        let mut reservation = None;
        if !quote.free {
            // Never waits for holds to settle: the call's own hold is one of them.
            let options = ReserveOptions { in_flight: true, wait: Some(Duration::ZERO) };
            match self.budget.reserve_with(Arc::clone(&observer.scopes), quote.estimate, options).await {
                Ok(r) => reservation = Some(r),
                Err(Error::BudgetExceeded(_)) => return skipped("the budget cannot hold another call".to_owned()),
                Err(e) => return skipped(format!("the budget could not be reserved ({})", e.code().as_str())),
            }
        }
        if let Some(r) = reservation.as_mut()
            && let Err(e) = r.mark_in_flight().await
        {
            return skipped(format!("the budget could not be reserved ({})", e.code().as_str()));
        }
        let answer = self.provider.complete(&creq).instrument(tracing::info_span!("provider_repair")).await;
        match answer {
            Ok(fixed) => {
                let cost = self.cost_of(&fixed, requested_model, quote.estimate);
                settle(reservation, cost, &fixed.model).await;
                let mut out = Repaired { cost, estimate: quote.estimate, usage: fixed.usage, ..Repaired::default() };
                if fixed.text.trim().is_empty() || fixed.finish_reason == FinishReason::ContentFilter {
                    out.skipped = Some("the provider's repair round returned no copy".to_owned());
                    return out;
                }
                for v in &violations {
                    let after = analysis::limits::measure_field(&crate::sanitize::plain_text(&fixed.text), v, request);
                    let verdict = if after <= v.max { "fits" } else { "still over" };
                    out.notes.push(RepairNote {
                        limit: v.limit.to_owned(),
                        field: v.field.to_owned(),
                        max: v.max,
                        found: v.found,
                        after,
                        method: RepairMethod::Provider,
                        message: format!(
                            "The provider rewrote it in a repair round: {} → {after} {} ({verdict}; the limit is {}).",
                            v.found, v.unit, v.max
                        ),
                    });
                }
                out.text = Some(fixed.text);
                out
            }
            Err(e) => {
                let code = e.code().as_str();
                let mut out = skipped(format!("the provider's repair round failed ({code})"));
                if let Some(r) = reservation {
                    let amount = r.amount();
                    let ledger = if e.may_have_billed() {
                        r.settle(amount, requested_model).await.map(|_| ())
                    } else {
                        r.release().await
                    };
                    if e.may_have_billed() {
                        out.cost = amount;
                        out.estimate = quote.estimate;
                    }
                    if let Err(le) = ledger {
                        tracing::warn!(error = %le, "could not settle a failed repair round; its lease will lapse");
                    }
                }
                out
            }
        }
    }

    /// Stores a piece the provider answered, trying again a few times when it was paid for; the
    /// last error if it could not be stored (a paid piece is then returned marked unstored).
    async fn store_paid(&self, content: &GeneratedContent) -> Result<()> {
        let tries = if self.provider.is_free() { 1 } else { STORE_TRIES };
        let mut pause = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            match self.stores.content.save_content(content).await {
                Ok(()) => return Ok(()),
                Err(e) if attempt >= tries => {
                    tracing::error!(content_id = %content.id, cost = %content.cost_usd, error = %e,
                        "could not store a generated piece");
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(content_id = %content.id, attempt, error = %e, "storing a paid piece failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause *= 4;
                    attempt += 1;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn usage_record(
        &self,
        provider: &str,
        model: &str,
        usage: Usage,
        cost: Usd,
        estimate: Usd,
        latency: Duration,
        outcome: UsageOutcome,
        error_code: Option<String>,
        owner: Option<String>,
    ) -> UsageRecord {
        UsageRecord {
            id: uuid::Uuid::now_v7().to_string(),
            content_id: None,
            owner,
            provider: provider.to_owned(),
            model: model.to_owned(),
            usage,
            cost,
            estimate,
            latency_ms: ms(latency),
            outcome,
            error_code,
            created_at: truncate_micros(self.clock.now()),
        }
    }

    pub(crate) async fn save_usage(&self, record: UsageRecord) {
        if let Err(e) = self.stores.usage.record_usage(&record).await {
            tracing::error!(error = %e, cost = %record.cost, "could not record provider usage (the budget ledger still counts it)");
        }
    }

    pub(crate) fn emit_generated(&self, content: &GeneratedContent, provider_us: u64, total: Duration) {
        self.events.emit(EngineEvent::ContentGenerated {
            content_id: content.id.clone(),
            owner: content.owner.clone(),
            content_type: content.content_type,
            platform: content.platform,
            cost_usd: content.cost_usd,
            provider: content.provider.clone(),
            model: content.model.clone(),
            cached: content.cached,
            quality_score: content.quality_score,
            provider_us,
            total_us: micros(total),
        });
    }
}

/// What a repair round did: the rewritten copy (when the provider gave one), what the round
/// cost and used, a note per violation it addressed, or why none was sent.
#[derive(Debug, Default)]
pub(crate) struct Repaired {
    text: Option<String>,
    cost: Usd,
    estimate: Usd,
    usage: Usage,
    notes: Vec<RepairNote>,
    skipped: Option<String>,
}

/// Two calls' usage together.
fn add_usage(a: Usage, b: Usage) -> Usage {
    Usage {
        input_tokens: a.input_tokens + b.input_tokens,
        output_tokens: a.output_tokens + b.output_tokens,
        cached_tokens: a.cached_tokens + b.cached_tokens,
        cache_write_tokens: a.cache_write_tokens + b.cache_write_tokens,
        cache_write_long_tokens: a.cache_write_long_tokens + b.cache_write_long_tokens,
        reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
        estimated: a.estimated || b.estimated,
    }
}

/// What a generation carries from its reserve to its provider call.
pub(crate) struct Call {
    pub(crate) creq: CompletionRequest,
    pub(crate) reservation: Option<Reservation>,
    pub(crate) estimate: Usd,
    pub(crate) observer: Arc<BudgetObserver>,
    pub(crate) started: Instant,
}

/// Tries to store a paid piece (the last one 850 ms after the first).
const STORE_TRIES: u32 = 3;

/// Settles a paid call. The piece is paid for either way, so a failed settle is logged loudly
/// rather than failing the request.
async fn settle(reservation: Option<Reservation>, cost: Usd, model: &str) {
    if let Some(r) = reservation
        && let Err(e) = r.settle(cost, model).instrument(tracing::debug_span!("budget_settle")).await
    {
        tracing::error!(error = %e, cost = %cost, "could not settle a paid call yet; finishing it in the background");
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
