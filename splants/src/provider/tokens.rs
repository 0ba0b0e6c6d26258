//! Upper bounds on prompt tokens, used to quote a call's worst-case cost before sending it.
//!
//! [`upper_bound`] holds for every byte-level BPE tokenizer (OpenAI, Anthropic, Llama, Mistral,
//! Qwen ...): each token covers at least one UTF-8 byte, so a text never has more tokens than
//! bytes. Chat formatting adds a few tokens per message, counted by [`MESSAGE_OVERHEAD`].
//! The bound is loose (plain English runs about 4 bytes a token) but it is never below the
//! truth, which is what a budget that must never be overspent needs.

use super::Message;

/// Tokens a chat format adds per message (role markers, separators), generously counted.
pub const MESSAGE_OVERHEAD: u64 = 8;
/// Tokens a chat format adds once per request (reply priming).
pub const REQUEST_OVERHEAD: u64 = 16;

/// An upper bound on the prompt tokens of `messages` under any byte-level BPE tokenizer.
pub fn upper_bound(messages: &[Message]) -> u64 {
    REQUEST_OVERHEAD + messages.iter().map(|m| m.content.len() as u64 + MESSAGE_OVERHEAD).sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_counts_bytes_and_overhead() {
        let msgs = vec![Message::system("abc"), Message::user("héllo")];
        assert_eq!(upper_bound(&msgs), REQUEST_OVERHEAD + 3 + 6 + 2 * MESSAGE_OVERHEAD);
    }
}
