//! Where generated pieces and usage records live, and the bundle of every store the engine uses.
//!
//! Every generated piece whose cost was paid is stored before the engine returns it. Each
//! provider call leaves one [`UsageRecord`] (tokens, cost, estimate, latency, outcome) so spend
//! can be audited against the provider's invoice.
//!
//! One small trait per concern: [`ContentStore`] and [`UsageStore`] here,
//! [`KeyStore`](crate::auth::KeyStore) in `auth`, [`EventStore`](crate::analytics::EventStore)
//! in `analytics`, the [`BudgetLedger`](crate::budget::BudgetLedger) in `budget`, and
//! [`Backend`] for health probes. [`Stores`] holds one of each; [`open`] makes them from
//! `DATABASE_URL`.
//!
//! Backends: [`MemoryStorage`] (tests, embedding), `SqliteStorage` (feature `sqlite`, the
//! default: one file) and `PostgresStorage` (feature `postgres`: many processes). A SQL
//! backend is every store at once (one database holds content, usage, keys, events and
//! spend); in memory, pieces, usage and events share a [`MemoryStorage`], keys a
//! [`MemoryKeyStore`](crate::auth::MemoryKeyStore), spend a
//! [`MemoryLedger`](crate::budget::MemoryLedger).

mod config;
mod memory;
mod open;
#[cfg(feature = "postgres")]
mod postgres;
mod query;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod stores;
mod usage;

pub use config::{PoolConfig, StorageConfig};
pub use memory::MemoryStorage;
pub use open::{MEMORY_CAPACITY, open};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
pub use query::{ContentPage, ContentQuery, Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, truncate_micros};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;
pub use stores::Stores;
pub use usage::{UsageOutcome, UsageRecord, UsageStore};

use crate::analytics::{ContentStats, StatsQuery};
use crate::content::GeneratedContent;
use crate::error::Result;
use async_trait::async_trait;
use std::fmt::Debug;

tokio::task_local! {
    /// Set while a task makes several independent writes at once (a `join!` of them).
    static WRITES_TOGETHER: ();
}

/// Runs `writes`, a `join!` of independent writes, so that a backend that batches writes
/// (SQLite's group commit) waits for all of them to join one transaction before it commits,
/// rather than committing the first on its own. Other backends ignore it.
///
/// The join is polled through [`InPlace`]: when one write wakes the task while the join is
/// being polled (the first SQLite write stepping aside for the others, a write answered by a
/// commit another write of the join made), the join is polled again there and then, rather
/// than handed back to the runtime, whose `yield` wakes an idle worker thread to look for work.
pub(crate) async fn writes_together<F: std::future::Future>(writes: F) -> F::Output {
    WRITES_TOGETHER.scope((), InPlace::new(writes)).await
}

/// Steps aside once so that the other writes of a [`writes_together`] join run in the same
/// poll: it wakes its task and is pending once. Under [`InPlace`] that wake only asks for
/// another pass over the join.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) async fn yield_to_the_others() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await;
}

/// A future polled again in place, within the same poll, when it woke itself while being
/// polled; a wake that comes after it went pending goes to the task's own waker as usual.
struct InPlace<F> {
    inner: std::pin::Pin<Box<F>>,
    wake: std::sync::Arc<InPlaceWake>,
    waker: std::task::Waker,
}

/// [`InPlace`]'s waker: the task's waker and whether the future is being polled.
struct InPlaceWake {
    state: std::sync::atomic::AtomicU8,
    task: parking_lot::Mutex<Option<std::task::Waker>>,
}

/// The future is not being polled: a wake goes to the task.
const IDLE: u8 = 0;
/// The future is being polled: a wake asks for another pass.
const POLLING: u8 = 1;
/// Woken while being polled: it is polled again before the poll returns.
const WOKEN: u8 = 2;

/// The most passes over the future in one poll. A future that wakes itself on every poll (a
/// spent cooperative budget does) is handed to the runtime after these, as any other.
const PASSES: usize = 8;

impl std::task::Wake for InPlaceWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        use std::sync::atomic::Ordering::{AcqRel, Acquire};
        match self.state.compare_exchange(POLLING, WOKEN, AcqRel, Acquire) {
            // Being polled (or already asked for another pass): the pass runs before it returns.
            Ok(_) | Err(WOKEN) => {}
            Err(_) => {
                if let Some(task) = self.task.lock().as_ref() {
                    task.wake_by_ref();
                }
            }
        }
    }
}

impl<F: std::future::Future> InPlace<F> {
    fn new(inner: F) -> Self {
        let wake = std::sync::Arc::new(InPlaceWake {
            state: std::sync::atomic::AtomicU8::new(IDLE),
            task: parking_lot::Mutex::new(None),
        });
        let waker = std::task::Waker::from(std::sync::Arc::clone(&wake));
        InPlace { inner: Box::pin(inner), wake, waker }
    }
}

impl<F: std::future::Future> std::future::Future for InPlace<F> {
    type Output = F::Output;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
        use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
        {
            let mut task = self.wake.task.lock();
            if !task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
                *task = Some(cx.waker().clone());
            }
        }
        let this = &mut *self;
        for _ in 0..PASSES {
            this.wake.state.store(POLLING, Release);
            let polled = this.inner.as_mut().poll(&mut std::task::Context::from_waker(&this.waker));
            if polled.is_ready() {
                this.wake.state.store(IDLE, Release);
                return polled;
            }
            // Nobody woke it during the pass: it waits; a later wake goes to the task.
            if this.wake.state.compare_exchange(POLLING, IDLE, AcqRel, Acquire).is_ok() {
                return std::task::Poll::Pending;
            }
        }
        this.wake.state.store(IDLE, Release);
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// Whether the current task is inside [`writes_together`].
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) fn writing_together() -> bool {
    WRITES_TOGETHER.try_with(|()| ()).is_ok()
}

/// Persistence for the content library.
///
/// Every backend passes the same conformance suite (`splants/tests/storage/`), with
/// [`MemoryStorage`] as the reference semantics.
#[async_trait]
pub trait ContentStore: Send + Sync + Debug {
    /// Stores a new piece.
    async fn save_content(&self, content: &GeneratedContent) -> Result<()>;

    /// A piece by id; `owner` restricts to that owner's pieces when given.
    async fn get_content(&self, id: &str, owner: Option<&str>) -> Result<Option<GeneratedContent>>;

    /// A page of pieces, newest first.
    async fn list_content(&self, query: &ContentQuery) -> Result<ContentPage>;

    /// Deletes a piece; true if it existed (and belonged to `owner` when given).
    async fn delete_content(&self, id: &str, owner: Option<&str>) -> Result<bool>;

    /// Aggregates over stored pieces created in the range.
    async fn content_stats(&self, query: &StatsQuery) -> Result<ContentStats>;
}

/// The database behind a set of stores, as health and readiness probes see it.
#[async_trait]
pub trait Backend: Send + Sync + Debug {
    /// A short backend name (`memory`, `sqlite`, `postgres`).
    fn name(&self) -> &'static str;

    /// The file the data lives in when it is on this machine (SQLite), so health can report
    /// how full its volume is; `None` for a server database or process memory.
    fn data_file(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// Checks the store answers (health and readiness probes).
    async fn ping(&self) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    /// A task's waker that counts its wakes (the SQLite tests use it too).
    #[derive(Default)]
    pub(crate) struct Count(pub(crate) AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A counting waker and its count.
    pub(crate) fn task() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count::default());
        (Arc::clone(&count), Waker::from(count))
    }

    /// A wake during the poll (a write stepping aside for the others) gets another pass there
    /// and then: the join finishes in the same poll, and the task is never woken.
    #[test]
    fn a_wake_while_polled_polls_again_in_place() {
        let (count, waker) = task();
        let mut steps = 0;
        let mut f = std::pin::pin!(InPlace::new(std::future::poll_fn(|cx| {
            steps += 1;
            if steps < 3 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Poll::Ready(steps)
        })));
        assert_eq!(f.as_mut().poll(&mut Context::from_waker(&waker)), Poll::Ready(3));
        assert_eq!(count.0.load(Ordering::SeqCst), 0, "the task was woken");
    }

    /// A wake that comes after the future went pending reaches the task, once for each wake.
    #[test]
    fn a_wake_after_pending_reaches_the_task() {
        let (count, waker) = task();
        let kept: Arc<parking_lot::Mutex<Option<Waker>>> = Arc::default();
        let mut ready = false;
        let keep = Arc::clone(&kept);
        let mut f = std::pin::pin!(InPlace::new(std::future::poll_fn(move |cx| {
            if ready {
                return Poll::Ready(());
            }
            ready = true;
            *keep.lock() = Some(cx.waker().clone());
            Poll::Pending
        })));
        assert!(f.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        let later = kept.lock().take().unwrap();
        std::thread::spawn(move || later.wake()).join().unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "the wake did not reach the task");
        assert!(f.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    }

    /// A future that wakes itself on every poll is polled `PASSES` times, then handed to the
    /// runtime (the task woken) rather than spun on.
    #[test]
    fn a_future_that_always_wakes_itself_goes_back_to_the_runtime() {
        let (count, waker) = task();
        let polls = AtomicUsize::new(0);
        let mut f = std::pin::pin!(InPlace::new(std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::SeqCst);
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        })));
        assert!(f.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(polls.load(Ordering::SeqCst), PASSES);
    }
}
