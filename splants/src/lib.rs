//! # splants
//!
//! An embeddable engine that turns a marketing brief into finished, scored copy through an
//! LLM, with the guard rails a business needs: a dollar budget that is never overspent, per-key
//! rate limits, reusable templates, a content library and analytics.

pub mod analysis;
pub mod analytics;
pub mod auth;
pub mod budget;
pub mod cache;
pub mod clock;
pub mod config;
pub mod content;
pub mod engine;
pub mod error;
pub mod events;
pub mod money;
pub mod page;
pub mod prompt;
pub mod provider;
pub mod publish;
pub mod ratelimit;
#[cfg(feature = "redis")]
pub mod redis_conn;
pub mod sanitize;
pub mod schedule;
pub mod secret;
#[cfg(feature = "server")]
pub mod server;
mod setting;
pub mod shapes;
pub mod storage;
pub mod template;
#[cfg(feature = "typescript")]
pub mod typescript;
#[cfg(feature = "webhooks")]
pub mod webhook;

pub use auth::RequestContext;
pub use config::Config;
pub use content::{ContentMetadata, ContentRequest, ContentType, GeneratedContent, Platform, Tone, Usage};
pub use engine::{BatchResult, ContentEngine, ContentEngineBuilder, Quote};
pub use error::{Error, ErrorCode, Result};
pub use money::Usd;
pub use secret::Secret;
pub use template::{Template, TemplateRegistry};
