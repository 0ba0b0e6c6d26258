//! Provider adapters against local servers speaking the OpenAI and Anthropic formats, and
//! the retry and fallback wrappers against scripted providers.

// Test helpers outside `#[test]` functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg_attr(not(all(feature = "openai", feature = "anthropic")), allow(dead_code))]
mod support;

#[cfg(all(feature = "openai", feature = "anthropic"))]
mod faults;
#[cfg(all(feature = "openai", feature = "anthropic"))]
mod http_anthropic;
#[cfg(all(feature = "openai", feature = "anthropic"))]
mod http_failures;
#[cfg(all(feature = "openai", feature = "anthropic"))]
mod http_openai;
mod resilience;
#[cfg(all(feature = "openai", feature = "anthropic"))]
mod streaming;
