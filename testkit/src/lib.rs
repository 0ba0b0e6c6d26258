//! Test support shared by the tests of `splants` (`splants/tests/*`) and of the workspace
//! (`tests/*`): one copy, a dev-dependency of both.
//!
//! [`FaultProxy`] sits between the code under test and Postgres, Redis or a provider and
//! breaks the network on command: stall, delay, reset, blackhole, refuse.

mod fault_proxy;

pub use fault_proxy::{FaultProxy, Mode};
