//! `Stores`: one store per concern, the bundle an engine is built with.

use super::{Backend, ContentStore, MemoryStorage, UsageStore};
use crate::analytics::EventStore;
use crate::auth::{KeyStore, MemoryKeyStore};
use crate::budget::{BudgetLedger, MemoryLedger};
use crate::schedule::{MemorySchedule, ScheduleStore};
use std::sync::Arc;

/// Every store the engine uses, one per concern; cheap to clone (each is an `Arc`).
///
/// [`open`](super::open) makes them from a `DATABASE_URL` (a SQL backend is all of them at
/// once, so they share one database), [`Stores::memory`] keeps them in this process. Replace a
/// field to put one concern elsewhere, as tests do with a store that fails on command:
///
/// ```
/// use splants::storage::{MemoryStorage, Stores};
/// use std::sync::Arc;
/// let library = Arc::new(MemoryStorage::new());
/// let mut stores = Stores::memory();
/// stores.content = library.clone();
/// stores.events = library; // engagement reads the pieces it is about: keep them together
/// assert_eq!(stores.backend.name(), "memory");
/// ```
///
/// The struct is `#[non_exhaustive]`, so a store added for a new concern is a new field here,
/// filled by [`open`](super::open) and [`Stores::memory`], without breaking code that reads or
/// replaces the others.
#[derive(Clone)]
#[non_exhaustive]
pub struct Stores {
    /// The content library.
    pub content: Arc<dyn ContentStore>,
    /// One record per provider call.
    pub usage: Arc<dyn UsageStore>,
    /// API key records.
    pub keys: Arc<dyn KeyStore>,
    /// Analytics events. Engagement is attributed through the pieces of `content`, so both
    /// should be the same backend.
    pub events: Arc<dyn EventStore>,
    /// The budget ledger (reservations and spend per scope and period).
    pub ledger: Arc<dyn BudgetLedger>,
    /// The publishing schedule. Analytics read publish times from it, so it should be the
    /// same backend as `events`.
    pub schedules: Arc<dyn ScheduleStore>,
    /// The database behind them, for health probes.
    pub backend: Arc<dyn Backend>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The backend's name only: a SQL backend is every field, and its pools say nothing useful.
        f.debug_struct("Stores").field("backend", &self.backend.name()).finish_non_exhaustive()
    }
}

impl Stores {
    /// Every store in process memory, keeping everything; nothing survives the process.
    pub fn memory() -> Self {
        Self::memory_in(MemoryStorage::new())
    }

    /// Every store in process memory, keeping at most `capacity` pieces, usage records and
    /// analytics events each, the oldest dropped first ([`MemoryStorage::with_capacity`]): what
    /// `memory://` opens, so a long-running server stays within bounded memory.
    pub fn memory_with_capacity(capacity: usize) -> Self {
        Self::memory_in(MemoryStorage::with_capacity(capacity))
    }

    fn memory_in(storage: MemoryStorage) -> Self {
        let schedules = Arc::new(MemorySchedule::new());
        let storage = Arc::new(storage.with_schedule(Arc::clone(&schedules)));
        Stores {
            content: storage.clone(),
            usage: storage.clone(),
            keys: Arc::new(MemoryKeyStore::new()),
            events: storage.clone(),
            ledger: Arc::new(MemoryLedger::new()),
            schedules,
            backend: storage,
        }
    }

    /// One backend as every store (the SQL backends: one database holds them all).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn all_in<T>(backend: Arc<T>) -> Self
    where
        T: ContentStore + UsageStore + KeyStore + EventStore + BudgetLedger + ScheduleStore + Backend + 'static,
    {
        Stores {
            content: backend.clone(),
            usage: backend.clone(),
            keys: backend.clone(),
            events: backend.clone(),
            ledger: backend.clone(),
            schedules: backend.clone(),
            backend,
        }
    }
}
