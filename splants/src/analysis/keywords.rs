//! Whole-word keyword and phrase matching over the tokens of a lowercased text.

use super::hash::Fnv1a;
use super::text::{Token, alnum_runs};

/// English function words skipped in topic words and hashtags (sorted, for binary search).
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "down", "during", "each", "every", "few", "for", "from", "further", "get", "had", "has", "have",
    "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just",
    "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "us",
    "very", "via", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "you", "your", "yours",
];

/// Whether `word` (lowercase) is an English function word.
pub(crate) fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// The topic's significant words: lowercase letter/digit runs that hold a letter, are at
/// least two characters long and are not stop words, deduplicated, in topic order.
pub(crate) fn significant_words(topic: &str) -> Vec<String> {
    let lower = topic.to_lowercase();
    let mut out: Vec<String> = Vec::new();
    for (_, run) in alnum_runs(&lower) {
        if run.chars().count() >= 2
            && run.chars().any(char::is_alphabetic)
            && !is_stop_word(run)
            && !out.iter().any(|w| w == run)
        {
            out.push(run.to_owned());
        }
    }
    out
}

/// A set of lowercase phrases, each matched as a whole-token sequence.
pub(crate) struct PhraseSet<'p> {
    /// Each phrase's tokens and the gaps between them (`node.js` → `node`, `js`; gap `.`).
    phrases: Vec<(Vec<&'p str>, Vec<&'p str>)>,
    /// (FNV-1a hash of the first token, phrase index), sorted, to find candidates per token.
    index: Vec<(u64, usize)>,
}

impl<'p> PhraseSet<'p> {
    /// Builds the set from already lowercased phrases; a phrase without letters or digits
    /// never matches.
    pub fn new<I: IntoIterator<Item = &'p str>>(lowered: I) -> Self {
        let phrases: Vec<(Vec<&'p str>, Vec<&'p str>)> = lowered.into_iter().map(split_phrase).collect();
        let mut index: Vec<(u64, usize)> = phrases
            .iter()
            .enumerate()
            .filter_map(|(i, (toks, _))| toks.first().map(|t| (Fnv1a::hash(t.as_bytes()), i)))
            .collect();
        index.sort_unstable();
        PhraseSet { phrases, index }
    }

    /// Number of phrases.
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// Whether any phrase occurs (stops at the first occurrence).
    pub fn any(&self, text: &str, tokens: &[Token]) -> bool {
        tokens.iter().enumerate().any(|(i, tok)| self.starting_at(text, tokens, i, tok.hash).next().is_some())
    }

    /// The phrases that occur at token `i` (whose hash is `hash`).
    fn starting_at<'s>(
        &'s self,
        text: &'s str,
        tokens: &'s [Token],
        i: usize,
        hash: u64,
    ) -> impl Iterator<Item = usize> + 's {
        let from = self.index.partition_point(|(first, _)| *first < hash);
        self.index[from..].iter().take_while(move |(first, _)| *first == hash).map(|&(_, p)| p).filter(move |&p| {
            let (phrase, gaps) = &self.phrases[p];
            matches_at(text, tokens, i, phrase, gaps)
        })
    }

    /// Calls `on_match(phrase, first_token, token_count)` for every occurrence, in text order.
    ///
    /// A phrase matches consecutive tokens equal to its own whose gaps hold no line break
    /// and no sentence or clause punctuation (`. , ; : ! ? … ( ) [ ] { } | "`), so
    /// `AI-marketing` and `women's health` match while `AI. Marketing` does not; a gap equal
    /// to the phrase's own always matches (`Node.js`).
    pub fn scan(&self, text: &str, tokens: &[Token], mut on_match: impl FnMut(usize, usize, usize)) {
        if self.index.is_empty() {
            return;
        }
        for (i, tok) in tokens.iter().enumerate() {
            for p in self.starting_at(text, tokens, i, tok.hash) {
                on_match(p, i, self.phrases[p].0.len());
            }
        }
    }
}

fn split_phrase(phrase: &str) -> (Vec<&str>, Vec<&str>) {
    let runs: Vec<(usize, &str)> = alnum_runs(phrase).collect();
    let gaps = runs.windows(2).map(|w| phrase.get(w[0].0 + w[0].1.len()..w[1].0).unwrap_or_default()).collect();
    (runs.into_iter().map(|(_, r)| r).collect(), gaps)
}

fn matches_at(text: &str, tokens: &[Token], i: usize, phrase: &[&str], gaps: &[&str]) -> bool {
    let Some(window) = tokens.get(i..i + phrase.len()) else { return false };
    window.iter().zip(phrase).all(|(t, p)| text.get(t.start..t.end) == Some(*p))
        && window
            .windows(2)
            .zip(gaps)
            .all(|(w, own)| text.get(w[0].end..w[1].start).is_some_and(|gap| gap == *own || joins_phrase(gap)))
}

/// Characters that break a phrase: line breaks and sentence or clause punctuation.
const PHRASE_BREAKS: &[char] =
    &['\n', '\r', '.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '{', '}', '"', '“', '”', '«', '»', '…', '|'];

fn joins_phrase(gap: &str) -> bool {
    !gap.contains(PHRASE_BREAKS)
}

/// What keyword matching found.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct KeywordMatch {
    /// Per phrase: found anywhere.
    pub found: Vec<bool>,
    /// Per phrase: found starting within the first `early_words` words.
    pub early: Vec<bool>,
    /// Tokens that belong to at least one occurrence (overlaps counted once).
    pub covered_tokens: usize,
}

/// Matches `phrases` (lowercase) in `text` (lowercase) and counts covered tokens.
pub(crate) fn match_keywords(text: &str, tokens: &[Token], phrases: &[String], early_words: usize) -> KeywordMatch {
    let set = PhraseSet::new(phrases.iter().map(String::as_str));
    let mut m = KeywordMatch { found: vec![false; set.len()], early: vec![false; set.len()], covered_tokens: 0 };
    let mut covered_until = 0;
    set.scan(text, tokens, |p, start, len| {
        m.found[p] = true;
        if tokens[start].word < early_words {
            m.early[p] = true;
        }
        let end = start + len;
        m.covered_tokens += end.saturating_sub(start.max(covered_until));
        covered_until = covered_until.max(end);
    });
    m
}

/// Whether any of `phrases` (lowercase) occurs in `text` (lowercase) as whole words; used
/// for short strings such as a title, with their own tokenisation.
pub(crate) fn found_in(text: &str, phrases: &[String]) -> Vec<bool> {
    let tokens: Vec<Token> =
        alnum_runs(text).enumerate().map(|(word, (start, run))| Token::new(start, run, word)).collect();
    match_keywords(text, &tokens, phrases, 0).found
}

#[cfg(test)]
mod tests {
    use super::super::text::TextStats;
    use super::*;

    fn run(text: &str, kws: &[&str]) -> KeywordMatch {
        let lower = text.to_lowercase();
        let stats = TextStats::measure(&lower);
        let kws: Vec<String> = kws.iter().map(|k| k.to_lowercase()).collect();
        match_keywords(&lower, &stats.tokens, &kws, 100)
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stop_word("the") && is_stop_word("your") && !is_stop_word("marketing"));
    }

    #[test]
    fn whole_word_matching() {
        let m =
            run("He said the AI-powered tools helped. Marketing, AI's future.", &["AI", "said", "tool", "marketing"]);
        assert_eq!(m.found, vec![true, true, false, true]);
        assert!(!run("She said hi.", &["AI"]).found[0], "`AI` must not match inside `said`");
        assert!(!run("Email marketing.", &["mail"]).found[0]);
    }

    #[test]
    fn phrases_match_across_spaces_and_hyphens_but_not_sentences() {
        assert_eq!(run("Try AI marketing today.", &["AI marketing"]).found, vec![true]);
        assert_eq!(run("Try AI-marketing today.", &["ai marketing"]).found, vec![true]);
        assert_eq!(run("Try AI. Marketing is next.", &["AI marketing"]).found, vec![false]);
        assert_eq!(run("We love AI\nmarketing.", &["AI marketing"]).found, vec![false]);
        assert_eq!(run("Women's health matters.", &["women's health"]).found, vec![true]);
        assert_eq!(run("Built on Node.js, not Node. JS is fine.", &["Node.js"]).found, vec![true]);
        assert_eq!(run("Node. JS is fine.", &["Node.js"]).found, vec![false]);
    }

    #[test]
    fn covered_tokens_count_overlaps_once() {
        // Tokens: ai(0) marketing(1) helps(2) ai(3) wins(4).
        let m = run("AI marketing helps. AI wins.", &["AI", "AI marketing", "marketing"]);
        assert_eq!(m.covered_tokens, 3);
        assert_eq!(run("Nothing here.", &["AI"]).covered_tokens, 0);
    }

    #[test]
    fn early_means_first_hundred_words() {
        let mut text = "word ".repeat(100);
        text.push_str("late.");
        let m = run(&format!("early {text}"), &["early", "late"]);
        assert_eq!(m.early, vec![true, false]);
        assert_eq!(m.found, vec![true, true]);
    }

    #[test]
    fn topic_significant_words() {
        assert_eq!(
            significant_words("10 AI Marketing Tips for Small Business Owners"),
            vec!["ai", "marketing", "tips", "small", "business", "owners"]
        );
        assert_eq!(significant_words("The tips, the TIPS and a x"), vec!["tips"]);
        assert!(significant_words("  ").is_empty());
    }

    #[test]
    fn title_matching() {
        let kws = vec!["ai".to_owned(), "growth".to_owned()];
        assert_eq!(found_in("10 ai tips", &kws), vec![true, false]);
    }
}
