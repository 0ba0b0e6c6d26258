//! Route handlers, grouped as in the original app.

pub(crate) mod admin;
pub(crate) mod analytics;
pub(crate) mod content;
pub(crate) mod publishing;
pub(crate) mod quote;
pub(crate) mod system;
pub(crate) mod templates;
