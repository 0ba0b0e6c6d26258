//! A generation streamed as it is written: the same pipeline as [`ContentEngine::generate`]
//! (validate, rate limit, cache, quote, reserve), then the provider's text deltas, then the
//! finished piece (analysed, platform-fitted, stored, settled) or the error that ended it.
//!
//! Money: the hold is reserved before the request and stored in flight. The end settles it at
//! the usage the provider reported (or, for servers that report none, the prompt estimate plus
//! the tokens received). A failure after the request was accepted settles it at the full hold,
//! since the provider may bill what it generated. Dropping the stream aborts the request and
//! settles the hold at the full reservation in the background: the usage of a stream cut short
//! is unknown (the provider reports it at the end), and the tokens it generated but never sent
//! are billed too, so nothing less is safe.

use super::background::CallerWatch;
use super::pipeline::{Call, Job};
use super::{ContentEngine, EngineInner};
use crate::auth::RequestContext;
use crate::content::{ContentRequest, GeneratedContent, Usage};
use crate::error::{Error, Result};
use crate::money::Usd;
use crate::provider::{CompletionStream, StreamEvent};
use crate::storage::UsageOutcome;
use futures::{Stream, StreamExt};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

/// One event of a streamed generation.
#[derive(Clone, Debug, PartialEq)]
pub enum GenerationEvent {
    /// More copy as the model writes it (the raw text; the finished piece's `content` is it
    /// fitted to the platform).
    Delta(String),
    /// The finished piece: analysed, platform-fitted, stored and settled. Always last.
    Done(Box<GeneratedContent>),
}

/// The events of [`ContentEngine::generate_stream`]: deltas, then one
/// [`GenerationEvent::Done`], or an `Err` that ends it. Dropping it aborts the provider
/// request and settles the budget hold (see the module docs).
pub struct GenerationStream {
    inner: Pin<Box<dyn Stream<Item = Result<GenerationEvent>> + Send>>,
}

impl std::fmt::Debug for GenerationStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GenerationStream")
    }
}

impl Stream for GenerationStream {
    type Item = Result<GenerationEvent>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl GenerationStream {
    /// Reads the stream ahead in a task on the current tokio runtime (call it inside one), for
    /// a consumer on another event loop (the Python and Node bindings): an event that already
    /// arrived is taken without waiting, and deltas that arrived while the consumer was busy
    /// come out as one (no text is lost). Closing or dropping the [`ReadAhead`] aborts the
    /// task, which drops this stream: the provider request is aborted and the hold settled.
    pub fn read_ahead(self) -> ReadAhead {
        let mut stream = self;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Some(item) = stream.next().await {
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    break;
                }
            }
        });
        ReadAhead {
            queue: tokio::sync::Mutex::new(Queue { rx, ahead: None }),
            closed: std::sync::atomic::AtomicBool::new(false),
            task: task.abort_handle(),
        }
    }
}

/// A [`GenerationStream`] read ahead on the runtime; see [`GenerationStream::read_ahead`].
#[derive(Debug)]
pub struct ReadAhead {
    queue: tokio::sync::Mutex<Queue>,
    closed: std::sync::atomic::AtomicBool,
    task: tokio::task::AbortHandle,
}

#[derive(Debug)]
struct Queue {
    rx: tokio::sync::mpsc::UnboundedReceiver<Result<GenerationEvent>>,
    /// An item other than a delta found while merging deltas (`Some(None)`: the end), next.
    ahead: Option<Option<Result<GenerationEvent>>>,
}

impl ReadAhead {
    /// The next event (a delta merged with the deltas already behind it), or `None` after the
    /// last one or once closed. Calls wait for each other.
    pub async fn next(&self) -> Option<Result<GenerationEvent>> {
        use std::sync::atomic::Ordering;
        use tokio::sync::mpsc::error::TryRecvError;
        let mut q = self.queue.lock().await;
        if self.closed.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(item) = q.ahead.take() {
            return item;
        }
        let item = q.rx.recv().await?;
        let Ok(GenerationEvent::Delta(mut text)) = item else { return Some(item) };
        loop {
            match q.rx.try_recv() {
                Ok(Ok(GenerationEvent::Delta(more))) => text.push_str(&more),
                Ok(other) => {
                    q.ahead = Some(Some(other));
                    break;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    q.ahead = Some(None);
                    break;
                }
            }
        }
        Some(Ok(GenerationEvent::Delta(text)))
    }

    /// Ends the stream now: aborts the reading task (no runtime context needed), which drops
    /// the stream. Later calls to [`ReadAhead::next`] give `None`.
    pub fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        self.task.abort();
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ContentEngine {
    /// Generates like [`ContentEngine::generate`], streaming the copy as it is written.
    ///
    /// Errors before anything is sent (validation, rate limit, budget) are returned here; a
    /// provider failure, before or after the first delta, is the stream's last item. A cached
    /// piece streams at once (one delta, then the piece, marked `cached`).
    pub async fn generate_stream(&self, request: ContentRequest, ctx: &RequestContext) -> Result<GenerationStream> {
        self.inner.stream(Job { request, template_prompt: None, template: None }, ctx).await
    }
}

impl EngineInner {
    pub(crate) async fn stream(self: &Arc<Self>, job: Job, ctx: &RequestContext) -> Result<GenerationStream> {
        let started = Instant::now();
        let job = job.sanitized();
        job.request.validate()?;
        if !ctx.rate_limit_counted {
            self.check_rate_limit(ctx, 1).await?;
        }
        let cache_key = self.cache.as_ref().map(|_| self.cache_key(&job, ctx));
        if let (Some(cache), Some(key)) = (&self.cache, &cache_key)
            && let Some(mut content) = cache.get(key).await
        {
            self.serve_cached(&mut content, started);
            let events =
                [Ok(GenerationEvent::Delta(content.content.clone())), Ok(GenerationEvent::Done(Box::new(content)))];
            return Ok(GenerationStream { inner: Box::pin(futures::stream::iter(events)) });
        }
        let call = self.prepare_call(&job, ctx, started).await?;
        let requested_model = call.creq.model.clone().unwrap_or_else(|| self.provider.default_model().to_owned());
        let state = Streaming {
            inner: Arc::clone(self),
            job,
            ctx: ctx.clone(),
            call: Some(call),
            upstream: None,
            requested_model,
            cache_key,
            sent_at: Instant::now(),
            sent: false,
        };
        Ok(GenerationStream { inner: Box::pin(crate::provider::steps(state)) })
    }
}

/// A streamed generation between its reserve and its end.
struct Streaming {
    inner: Arc<EngineInner>,
    job: Job,
    ctx: RequestContext,
    /// The hold and the request; taken when the call ends.
    call: Option<Call>,
    upstream: Option<CompletionStream>,
    requested_model: String,
    cache_key: Option<String>,
    sent_at: Instant,
    /// The request went out (the hold is in flight).
    sent: bool,
}

impl crate::provider::Steps for Streaming {
    type Item = GenerationEvent;

    fn more(item: &GenerationEvent) -> bool {
        matches!(item, GenerationEvent::Delta(_))
    }

    async fn read(&mut self) -> Result<GenerationEvent> {
        if self.upstream.is_none() {
            let call = self.call.as_mut().ok_or_else(|| Error::internal("stream state lost"))?;
            if let Some(r) = call.reservation.as_mut() {
                r.mark_in_flight().await?;
            }
            self.sent_at = Instant::now();
            self.sent = true;
            match self.inner.provider.stream(&call.creq).await {
                Ok(s) => self.upstream = Some(s),
                Err(e) => return Err(self.fail(e).await),
            }
        }
        let next = match self.upstream.as_mut() {
            Some(s) => s.next().await,
            None => None,
        };
        match next {
            Some(Ok(StreamEvent::Delta(d))) => Ok(GenerationEvent::Delta(d)),
            Some(Ok(StreamEvent::Done(completion))) => {
                self.upstream = None;
                let call = self.call.take().ok_or_else(|| Error::internal("stream state lost"))?;
                let provider_time = self.sent_at.elapsed();
                let (inner, job, ctx, model, key) = (
                    Arc::clone(&self.inner),
                    self.job.clone(),
                    self.ctx.clone(),
                    self.requested_model.clone(),
                    self.cache_key.take(),
                );
                // Its own task: the piece is stored and the hold settled even if the caller
                // drops the stream while this runs.
                let finish = tokio::spawn(async move {
                    let Call { reservation, estimate, observer, started, .. } = call;
                    let content = inner
                        .succeeded(
                            &job,
                            &ctx,
                            completion,
                            reservation,
                            &observer,
                            &model,
                            estimate,
                            provider_time,
                            &CallerWatch::default(),
                            started,
                        )
                        .await?;
                    if let (Some(cache), Some(key)) = (&inner.cache, key) {
                        cache.insert(key, &content).await;
                    }
                    Ok(content)
                });
                match finish.await {
                    Ok(Ok(content)) => Ok(GenerationEvent::Done(Box::new(content))),
                    Ok(Err(e)) => Err(e),
                    Err(join) => Err(Error::internal(format!("finishing the streamed piece failed: {join}"))),
                }
            }
            Some(Err(e)) => Err(self.fail(e).await),
            None => Err(self.fail(Error::internal("the provider's stream ended without an answer")).await),
        }
    }
}

impl Streaming {
    /// Settles a failed call (at the hold when it may have been billed) and records it.
    async fn fail(&mut self, err: Error) -> Error {
        self.upstream = None;
        let Some(call) = self.call.take() else { return err };
        let Call { reservation, estimate, observer, .. } = call;
        self.inner
            .failed_call(
                err,
                reservation,
                &observer,
                &self.requested_model,
                estimate,
                self.sent_at.elapsed(),
                self.ctx.owner().map(str::to_owned),
            )
            .await
    }
}

impl Drop for Streaming {
    /// A stream dropped before its end: the request is aborted with `upstream`, and the hold,
    /// stored in flight, settles at the full reservation as it drops. The usage record says so.
    fn drop(&mut self) {
        let Some(call) = self.call.take() else { return };
        drop(self.upstream.take());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let counted = if self.sent { call.reservation.as_ref().map_or(Usd::ZERO, |r| r.amount()) } else { Usd::ZERO };
        let inner = Arc::clone(&self.inner);
        let record = inner.usage_record(
            inner.provider.name(),
            &self.requested_model,
            Usage::default(),
            counted,
            call.estimate,
            self.sent_at.elapsed(),
            if counted > Usd::ZERO { UsageOutcome::MaybeBilled } else { UsageOutcome::Failed },
            Some("caller_left".to_owned()),
            self.ctx.owner().map(str::to_owned),
        );
        // Dropped here: an in-flight hold settles at its amount, one never sent is released.
        drop(call);
        runtime.spawn(async move { inner.save_usage(record).await });
    }
}
