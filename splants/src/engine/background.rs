//! Generations that run on after their caller left: once the provider request is sent it is
//! billed whether or not anyone waits, so the call completes in a task of its own (stored,
//! settled at the real cost), and shutdown waits for those tasks up to its grace period.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// Whether the caller of a generation is still waiting for its answer.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallerWatch(Arc<AtomicBool>);

impl CallerWatch {
    /// True once the caller went away.
    pub(crate) fn left(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How a shutdown ended for the generations still running in the background.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ShutdownReport {
    /// Generations that finished (stored, settled) within the grace period.
    pub completed: usize,
    /// Generations still running when the grace period ended: aborted, their holds settled at
    /// the estimate (the provider may bill them).
    pub aborted: usize,
    /// Budget writes still unfinished at the end (their leases will lapse and be reclaimed).
    pub unsettled: usize,
    /// Posts the publishing worker was still publishing when the grace period ended: left to
    /// their leases (retried by another worker where the platform has idempotency keys,
    /// `unknown` otherwise).
    pub unpublished: usize,
}

/// The generations running in tasks of their own.
#[derive(Debug, Default)]
pub(crate) struct BackgroundCalls {
    next: AtomicU64,
    running: Mutex<HashMap<u64, JoinHandle<()>>>,
    idle: Notify,
}

impl BackgroundCalls {
    /// Runs `call` in the caller's own task; if the caller's future is dropped before the call
    /// finished, the rest of the call moves to a task of its own (registered for
    /// [`BackgroundCalls::drain`]) and `watch` says the caller left. So the common case costs
    /// no task and no channel, and a sent request still completes when nobody waits for it.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, call: impl FnOnce(CallerWatch) -> F) -> T
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let flag = Arc::new(AtomicBool::new(false));
        let fut = call(CallerWatch(Arc::clone(&flag)));
        Detaching { fut: Some(Box::pin(fut)), flag, calls: Arc::clone(self) }.await
    }

    /// Moves a call whose caller left into a task of its own.
    fn detach(self: &Arc<Self>, fut: Pin<Box<dyn Future<Output = ()> + Send>>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to finish it on: dropping it settles its hold at the estimate.
            tracing::warn!("a generation's caller left outside a runtime; the call is dropped");
            return;
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let calls = Arc::clone(self);
        // The task logs inside the caller's span (request id, key), as the inline call did.
        let span = tracing::Span::current();
        // Locked across the spawn, so the task cannot deregister before it is registered.
        let mut running = self.running.lock();
        let handle = runtime.spawn(
            async move {
                let _done = Deregister { calls, id };
                fut.await;
            }
            .instrument(span),
        );
        running.insert(id, handle);
    }

    /// Generations running now.
    pub(crate) fn len(&self) -> usize {
        self.running.lock().len()
    }

    /// Waits up to `grace` for every background generation to finish, then aborts the rest.
    /// Returns (finished, aborted) among those running when it was called.
    pub(crate) async fn drain(&self, grace: Duration) -> (usize, usize) {
        let before = self.running.lock().len();
        crate::clock::wait_until(&self.idle, grace, || self.running.lock().is_empty()).await;
        let left: Vec<JoinHandle<()>> = self.running.lock().drain().map(|(_, h)| h).collect();
        let aborted = left.len();
        for handle in &left {
            handle.abort();
        }
        // Aborting drops each call's state, whose reservation then settles at its estimate.
        for handle in left {
            let _ = handle.await;
        }
        (before.saturating_sub(aborted), aborted)
    }
}

/// A call polled by its caller; dropped unfinished, it hands the rest to a task of its own.
struct Detaching<T: 'static> {
    fut: Option<Pin<Box<dyn Future<Output = T> + Send>>>,
    flag: Arc<AtomicBool>,
    calls: Arc<BackgroundCalls>,
}

impl<T: 'static> Future for Detaching<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let Some(fut) = self.fut.as_mut() else { return Poll::Pending };
        let answer = std::task::ready!(fut.as_mut().poll(cx));
        self.fut = None;
        Poll::Ready(answer)
    }
}

impl<T: 'static> Drop for Detaching<T> {
    fn drop(&mut self) {
        if let Some(fut) = self.fut.take() {
            self.flag.store(true, Ordering::SeqCst);
            self.calls.detach(Box::pin(async move {
                let _ = fut.await;
            }));
        }
    }
}

struct Deregister {
    calls: Arc<BackgroundCalls>,
    id: u64,
}

impl Drop for Deregister {
    fn drop(&mut self) {
        let mut running = self.calls.running.lock();
        running.remove(&self.id);
        if running.is_empty() {
            self.calls.idle.notify_waiters();
        }
    }
}
