//! The offline drafter: the embedded default when no model provider is configured.
//!
//! It is **not AI**. It fills phrase templates from the brief (type, topic, keywords, tone,
//! audience, target length, call to action, hashtags) without any network, so the engine,
//! its budget and its analysis work out of the box and in tests. It writes English whatever
//! the brief's `language`; the drafts are starting points to rewrite, and the engine marks
//! them with [`OfflineProvider::NOTICE`].
//!
//! Drafts are deterministic: the same brief gives the same text, because every variant is
//! picked from a stable FNV-1a hash of the brief's type, tone, topic and keywords (not
//! `DefaultHasher`, whose output may change between Rust releases), so two briefs on one
//! topic get different drafts. The body pairs 7 openers with 20 stock sentences (140 distinct
//! sentences, none repeated word for word up to the default length), but it stays filler built
//! from a small bank: the analysis' repetition check is never green on a draft of 500 words or
//! more, and the scores say so (see [`crate::analysis`]).

mod draft;
mod kinds;
mod phrases;

use super::{Completion, CompletionRequest, FinishReason, Provider, Role, Usage, tokens};
use crate::analysis::{cut_at_word, word_count};
use crate::error::Result;
use async_trait::async_trait;
use std::time::Instant;

/// Deterministic template drafter used when no provider key is configured (not AI).
///
/// ```
/// use splants::provider::{CompletionRequest, Message, OfflineProvider, Provider};
/// use splants::{ContentRequest, ContentType};
/// use std::sync::Arc;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let brief = ContentRequest::new(ContentType::Blog, "Remote work").keywords(["focus"]);
/// let mut req = CompletionRequest::new(vec![Message::user("Write the post")], 1000);
/// req.brief = Some(Arc::new(brief));
/// let done = OfflineProvider::new().complete(&req).await.unwrap();
/// assert!(done.text.starts_with("# Remote work"));
/// assert_eq!(done.model, "offline-draft-1");
/// # });
/// ```
#[derive(Copy, Clone, Debug, Default)]
pub struct OfflineProvider;

impl OfflineProvider {
    /// What readers of an offline draft should know: what it is and how to get real output.
    pub const NOTICE: &'static str = "Offline draft: written by splants' built-in template drafter, not by an AI \
        model (no provider is configured). Treat it as a starting point and review it before publishing. To \
        generate with a model, set OPENAI_API_KEY or ANTHROPIC_API_KEY, or OPENAI_BASE_URL for an \
        OpenAI-compatible server such as Ollama.";

    /// The model name the drafter reports.
    pub const MODEL: &'static str = "offline-draft-1";

    /// A drafter.
    pub const fn new() -> Self {
        OfflineProvider
    }

    /// Writes the text for `request` (a draft of its brief, or a short generic reply) and
    /// returns it with its word count.
    fn write(request: &CompletionRequest) -> (String, usize) {
        match &request.brief {
            Some(brief) => draft::draft(brief),
            None => {
                let text = generic_reply(request);
                let words = word_count(&text);
                (text, words)
            }
        }
    }
}

/// A reply to the last user message when there is no brief to draft from.
fn generic_reply(request: &CompletionRequest) -> String {
    let last = request.messages.iter().rev().find(|m| m.role == Role::User).map(|m| m.content.trim());
    let mut out = String::with_capacity(512);
    out.push_str("This is an offline reply, not an AI answer: no language model is configured.");
    match last {
        Some(text) if !text.is_empty() => {
            let excerpt = cut_at_word(text, 200);
            let more = if excerpt.len() < text.len() { " …" } else { "" };
            out.push_str("\n\nYou wrote: \"");
            out.push_str(&excerpt);
            out.push_str(more);
            out.push('"');
        }
        _ => out.push_str("\n\nThere was no message to answer."),
    }
    out.push_str(
        "\n\nTo get a real answer, set OPENAI_API_KEY or ANTHROPIC_API_KEY, or OPENAI_BASE_URL for an \
         OpenAI-compatible server such as Ollama.",
    );
    out
}

#[async_trait]
impl Provider for OfflineProvider {
    fn name(&self) -> &str {
        "offline"
    }

    fn default_model(&self) -> &str {
        Self::MODEL
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion> {
        let started = Instant::now();
        let (text, words) = Self::write(request);
        let words = words as u64;
        let usage = Usage {
            input_tokens: tokens::upper_bound(&request.messages),
            output_tokens: (words * 4).div_ceil(3),
            ..Usage::default()
        };
        Ok(Completion {
            text,
            usage,
            finish_reason: FinishReason::Stop,
            model: Self::MODEL.to_owned(),
            provider: "offline".to_owned(),
            service_tier: None,
            inference_geo: None,
            latency: started.elapsed(),
        })
    }

    /// The draft word by word (each delta a word and the space after it), as a model would
    /// write it, so streaming shows with no key.
    async fn stream(&self, request: &CompletionRequest) -> Result<super::CompletionStream> {
        let done = self.complete(request).await?;
        let mut deltas = Vec::new();
        let mut start = 0;
        let text = done.text.as_str();
        for (i, c) in text.char_indices() {
            if c.is_whitespace() && text[i + c.len_utf8()..].starts_with(|n: char| !n.is_whitespace()) {
                let end = i + c.len_utf8();
                deltas.push(Ok(super::StreamEvent::Delta(text[start..end].to_owned())));
                start = end;
            }
        }
        if start < text.len() {
            deltas.push(Ok(super::StreamEvent::Delta(text[start..].to_owned())));
        }
        deltas.push(Ok(super::StreamEvent::Done(done)));
        Ok(Box::pin(futures::stream::iter(deltas)))
    }

    fn is_free(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
