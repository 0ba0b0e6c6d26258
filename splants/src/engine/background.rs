//! Generations that run on after their caller left: once the provider request is sent it is
//! billed whether or not anyone waits, so the call completes in a task of its own (stored,
//! settled at the real cost), and shutdown waits for those tasks up to its grace period.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};
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

/// Held by the caller while it waits; dropped with the caller's future, it says the caller left.
struct Waiting(Option<Arc<AtomicBool>>);

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

/// How a shutdown ended for the generations still running in the background.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Generations that finished (stored, settled) within the grace period.
    pub completed: usize,
    /// Generations still running when the grace period ended: aborted, their holds settled at
    /// the estimate (the provider may bill them).
    pub aborted: usize,
    /// Budget writes still unfinished at the end (their leases will lapse and be reclaimed).
    pub unsettled: usize,
}

/// The generations running in tasks of their own.
#[derive(Debug, Default)]
pub(crate) struct BackgroundCalls {
    next: AtomicU64,
    running: Mutex<HashMap<u64, JoinHandle<()>>>,
    idle: Notify,
}

impl BackgroundCalls {
    /// Runs `call` in a task of its own; the caller awaits the answer. If the caller's future is
    /// dropped, the task goes on and `watch` says the caller left.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, call: impl FnOnce(CallerWatch) -> F) -> Option<T>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let flag = Arc::new(AtomicBool::new(false));
        let watch = CallerWatch(Arc::clone(&flag));
        let (tx, rx) = oneshot::channel();
        let fut = call(watch);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let calls = Arc::clone(self);
        // The task logs inside the caller's span (request id, key), as the inline call did.
        let span = tracing::Span::current();
        {
            // Locked across the spawn, so the task cannot deregister before it is registered.
            let mut running = self.running.lock();
            let handle = tokio::spawn(
                async move {
                    let _done = Deregister { calls, id };
                    let _ = tx.send(fut.await);
                }
                .instrument(span),
            );
            running.insert(id, handle);
        }
        let mut waiting = Waiting(Some(flag));
        let answer = rx.await.ok();
        waiting.0 = None;
        answer
    }

    /// Generations running now.
    pub(crate) fn len(&self) -> usize {
        self.running.lock().len()
    }

    /// Waits up to `grace` for every background generation to finish, then aborts the rest.
    /// Returns (finished, aborted) among those running when it was called.
    pub(crate) async fn drain(&self, grace: Duration) -> (usize, usize) {
        let before = self.running.lock().len();
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            let idle = self.idle.notified();
            let mut idle = std::pin::pin!(idle);
            idle.as_mut().enable();
            if self.running.lock().is_empty() || tokio::time::Instant::now() >= deadline {
                break;
            }
            let _ = tokio::time::timeout_at(deadline, idle).await;
        }
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
