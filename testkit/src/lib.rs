//! Test support shared by the tests of `splants` (`splants/tests/*`) and of the workspace
//! (`tests/*`): one copy, a dev-dependency of both.
//!
//! [`FaultProxy`] sits between the code under test and Postgres, Redis or a provider and
//! breaks the network on command: stall, delay, reset, blackhole, refuse. [`SseServer`] answers
//! with scripted server-sent event streams, cut into the pieces a test chooses.
//! [`poll_at_most`] gives a future up after a number of polls (cancellation at every await).

mod cancel;
mod fault_proxy;
mod sse_server;

pub use cancel::poll_at_most;
pub use fault_proxy::{FaultProxy, Mode};
pub use sse_server::{SseReply, SseServer};
