//! Upper bounds on prompt tokens, used to quote a call's worst-case cost before sending it.
//!
//! [`upper_bound`] holds for every byte-level BPE tokenizer (OpenAI, Anthropic, Llama, Mistral,
//! Qwen ...): each token covers at least one UTF-8 byte, so a text never has more tokens than
//! bytes. Chat formatting adds a few tokens per message, counted by [`MESSAGE_OVERHEAD`].
//! The bound is loose (plain English runs about 4 bytes a token) but it is never below the
//! truth, which is what a budget that must never be overspent needs.
//!
//! [`estimate`] tightens the bound where the tokenizer is known for sure: OpenAI models whose
//! encoding tiktoken knows (gpt-4o, gpt-4.1, o1/o3/o4, gpt-4, gpt-3.5, gpt-5 up to 5.2) are counted with
//! that encoding plus the same generous per-message and per-request overheads (OpenAI's chat
//! format adds 3 per message and 3 per reply). Every other model — Anthropic (whose tokenizer
//! is not public and changed with Opus 4.7), Llama, Mistral, OpenAI models newer than the
//! tokenizer table — gets [`upper_bound`]. Counting needs the `openai` feature.

use super::Message;

/// Tokens a chat format adds per message (role markers, separators), generously counted.
pub const MESSAGE_OVERHEAD: u64 = 8;
/// Tokens a chat format adds once per request (reply priming).
pub const REQUEST_OVERHEAD: u64 = 16;

/// An upper bound on the prompt tokens of `messages` under any byte-level BPE tokenizer.
pub fn upper_bound(messages: &[Message]) -> u64 {
    REQUEST_OVERHEAD + messages.iter().map(|m| m.content.len() as u64 + MESSAGE_OVERHEAD).sum::<u64>()
}

/// An upper bound on the prompt tokens of `messages` for `model`: exact tokenizer counts plus
/// overheads for OpenAI models with a known encoding, [`upper_bound`] for every other model.
pub fn estimate(model: &str, messages: &[Message]) -> u64 {
    // Nothing to count: skip loading a tokenizer (the engine probes prices this way at build).
    if messages.iter().all(|m| m.content.is_empty()) {
        return upper_bound(messages);
    }
    #[cfg(feature = "openai")]
    if let Some((bpe, memo)) = bpe::for_model(model) {
        return REQUEST_OVERHEAD
            + messages.iter().map(|m| memo::count(bpe, memo, &m.content) + MESSAGE_OVERHEAD).sum::<u64>();
    }
    #[cfg(not(feature = "openai"))]
    let _ = model;
    upper_bound(messages)
}

/// The output tokens of `text` received from `model` when the server reported none: the exact
/// count for OpenAI encodings, else the byte count (an upper bound); at least 1.
pub fn count_output(model: &str, text: &str) -> u64 {
    let message = [Message::assistant(text)];
    estimate(model, &message).saturating_sub(REQUEST_OVERHEAD + MESSAGE_OVERHEAD).max(1)
}

/// Counting with a memo of line counts.
///
/// Prompts are mostly the same lines (instructions, format rules) around a few that change
/// (topic, keywords), so counts are kept per line. This is exact, not an approximation: both
/// encodings' pre-tokenizers never make a piece that runs from one line into the next when the
/// next line starts with anything but `\r`, `\n` or `/` (o200k's punctuation piece may take a
/// following `/`), and BPE merges only within a piece; so the count of a text is the sum of
/// the counts of its lines cut there. A test of [`crate::prompt`] checks this equality on the
/// prompts it builds.
#[cfg(feature = "openai")]
pub(crate) mod memo {
    use parking_lot::Mutex;
    use tiktoken_rs::CoreBPE;

    /// Lines remembered per encoding before the memo starts over.
    const CAPACITY: usize = 50_000;

    /// Remembered line counts of one encoding.
    #[derive(Default)]
    pub(crate) struct Memo(Mutex<hashbrown::HashMap<Box<str>, u32>>);

    /// Where `text` may be cut without changing its token count.
    pub(crate) fn segments(text: &str) -> impl Iterator<Item = &str> {
        let bytes = text.as_bytes();
        let mut start = 0;
        let mut i = 0;
        std::iter::from_fn(move || {
            while i < bytes.len() {
                let at = i;
                i += 1;
                if bytes[at] == b'\n' && i < bytes.len() && !matches!(bytes[i], b'\r' | b'\n' | b'/') {
                    let seg = &text[start..i];
                    start = i;
                    return Some(seg);
                }
            }
            if start < bytes.len() {
                let seg = &text[start..];
                start = bytes.len();
                return Some(seg);
            }
            None
        })
    }

    /// Tokens of `text`, from the memo where possible.
    pub(crate) fn count(bpe: &CoreBPE, memo: &Memo, text: &str) -> u64 {
        let mut total = 0_u64;
        for seg in segments(text) {
            if let Some(n) = memo.0.lock().get(seg) {
                total += u64::from(*n);
                continue;
            }
            let n = u32::try_from(bpe.encode_ordinary(seg).len()).unwrap_or(u32::MAX);
            let mut map = memo.0.lock();
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(Box::from(seg), n);
            total += u64::from(n);
        }
        total
    }
}

#[cfg(feature = "openai")]
mod bpe {
    use super::memo::Memo;
    use std::sync::LazyLock;
    use tiktoken_rs::CoreBPE;
    use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

    // Built once, on first use (about 100 ms each); `None` if the embedded data could not be loaded.
    static O200K: LazyLock<Option<CoreBPE>> = LazyLock::new(|| tiktoken_rs::o200k_base().ok());
    static CL100K: LazyLock<Option<CoreBPE>> = LazyLock::new(|| tiktoken_rs::cl100k_base().ok());
    static O200K_MEMO: LazyLock<Memo> = LazyLock::new(Memo::default);
    static CL100K_MEMO: LazyLock<Memo> = LazyLock::new(Memo::default);

    /// OpenAI model families whose encoding is documented; anything else is not counted.
    const FAMILIES: &[&str] = &["gpt-4o", "gpt-4.1", "gpt-4", "gpt-3.5", "gpt-35", "gpt-5", "chatgpt-4o"];
    const REASONING: &[&str] = &["o1", "o3", "o4"];

    /// GPT-5 releases known to use o200k_base (5, 5.1, 5.2 and their mini/nano/dated
    /// variants); later 5.x releases may have a new tokenizer and get the byte bound.
    fn known_gpt5(model: &str) -> bool {
        let Some(rest) = model.strip_prefix("gpt-5") else { return false };
        let rest = rest.strip_prefix(".1").or_else(|| rest.strip_prefix(".2")).unwrap_or(rest);
        rest.is_empty() || rest.starts_with('-')
    }

    /// The encoding of `model` (an `openai/` gateway prefix is allowed), if known for sure.
    pub(super) fn for_model(model: &str) -> Option<(&'static CoreBPE, &'static Memo)> {
        let model = model.trim().to_ascii_lowercase();
        let model = model.strip_prefix("openai/").unwrap_or(&model);
        let known = FAMILIES.iter().any(|f| model.starts_with(f) && (*f != "gpt-5" || known_gpt5(model)))
            || REASONING.iter().any(|r| model == *r || model.strip_prefix(r).is_some_and(|rest| rest.starts_with('-')));
        if !known {
            return None;
        }
        match get_tokenizer(model)? {
            Tokenizer::O200kBase => O200K.as_ref().map(|b| (b, &*O200K_MEMO)),
            Tokenizer::Cl100kBase => CL100K.as_ref().map(|b| (b, &*CL100K_MEMO)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_counts_bytes_and_overhead() {
        let msgs = vec![Message::system("abc"), Message::user("héllo")];
        assert_eq!(upper_bound(&msgs), REQUEST_OVERHEAD + 3 + 6 + 2 * MESSAGE_OVERHEAD);
    }

    #[test]
    fn unknown_and_anthropic_models_use_the_byte_bound() {
        let msgs = vec![Message::system("Write like a pirate."), Message::user("Ahoy, tell me about sails.")];
        for model in [
            "claude-sonnet-4-5",
            "llama3.1",
            "gpt-6-sol",
            "gpt-oss-20b",
            "o3de",
            "",
            "mistral/gpt-4o",
            "gpt-5.4",
            "gpt-5.6-sol",
            "gpt-5.10",
        ] {
            assert_eq!(estimate(model, &msgs), upper_bound(&msgs), "{model}");
        }
    }

    #[cfg(feature = "openai")]
    #[test]
    fn openai_models_are_counted_and_never_below_the_chat_format_count() {
        use tiktoken_rs::{ChatCompletionRequestMessage, num_tokens_from_messages};
        let texts = [
            "hello world",
            "Write a LinkedIn post about sustainable packaging for small bakeries. Keywords: compostable, local.",
            "Ünïcödé — 日本語のテキスト、絵文字 🎉🎉 and <|endoftext|> as plain text",
            "",
        ];
        // o200k_base encodes "hello world" as exactly two tokens.
        assert_eq!(estimate("gpt-4o", &[Message::user("hello world")]), REQUEST_OVERHEAD + MESSAGE_OVERHEAD + 2);
        for model in [
            "gpt-4o",
            "gpt-4o-mini-2024-07-18",
            "gpt-4.1",
            "gpt-4",
            "gpt-3.5-turbo",
            "o3",
            "o4-mini",
            "gpt-5.2",
            "gpt-5-mini",
        ] {
            for text in texts {
                let msgs = vec![Message::system("You are a marketing copywriter."), Message::user(text)];
                let reference: Vec<ChatCompletionRequestMessage> = msgs
                    .iter()
                    .map(|m| ChatCompletionRequestMessage {
                        role: format!("{:?}", m.role).to_lowercase(),
                        content: Some(m.content.clone()),
                        ..Default::default()
                    })
                    .collect();
                let real = num_tokens_from_messages(model, &reference).unwrap() as u64;
                let est = estimate(model, &msgs);
                assert!(est >= real, "{model} {text:?}: {est} < {real}");
                assert!(est <= upper_bound(&msgs), "{model}: tighter than the byte bound");
            }
        }
        assert!(
            estimate("openai/GPT-4o", &[Message::user("hello world")]) < upper_bound(&[Message::user("hello world")])
        );
    }
}
