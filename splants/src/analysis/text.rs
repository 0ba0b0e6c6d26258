//! Words, sentences, syllables and the Flesch formulas, measured in one pass.

use super::hash::Fnv1a;
use super::syllables::run_syllables;
use crate::content::Readability;

/// Reading speed used for [`reading_time_minutes`]: 238 words a minute, the mean silent
/// reading rate of adults for non-fiction (Brysbaert, 2019).
pub const WORDS_PER_MINUTE: u64 = 238;

/// Counts the words of `text`.
///
/// A word is a whitespace-separated piece holding at least one letter or digit, so `—` or a
/// lone `#` is not a word while `don't`, `e-mail`, `#AI` and `café` are one word each.
/// Markdown markers at the start of a line (`##`, `-`, `*`, `1.`) are not words.
pub fn word_count(text: &str) -> usize {
    text.split('\n').map(|line| plain_word_count(line_body(line).1)).sum()
}

/// Reading time in whole minutes at [`WORDS_PER_MINUTE`], rounded up, at least 1.
pub fn reading_time_minutes(words: usize) -> u32 {
    let minutes = (words as u64).div_ceil(WORDS_PER_MINUTE).max(1);
    u32::try_from(minutes).unwrap_or(u32::MAX)
}

/// Flesch reading ease, Flesch–Kincaid grade and their inputs for `text`.
///
/// `ease = 206.835 − 1.015 · words/sentences − 84.6 · syllables/words` and
/// `grade = 0.39 · words/sentences + 11.8 · syllables/words − 15.59`. Sentences end at `.`,
/// `!`, `?` or `…` followed by a space (not after abbreviations such as `e.g.` or `Dr.`), at a
/// blank line, and after a Markdown heading or list item. Syllables are counted by
/// [`syllables`](super::syllables). A text without words has all figures 0.
pub fn readability(text: &str) -> Readability {
    TextStats::measure(&text.to_lowercase()).readability()
}

/// A letter/digit run of the lowercased text (a keyword-matching token).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    /// Byte offset of the run in the lowercased text.
    pub start: usize,
    /// Byte offset just past the run.
    pub end: usize,
    /// Index of the word the run belongs to.
    pub word: usize,
    /// FNV-1a hash of the run's bytes, so phrase lookups compare integers first.
    pub hash: u64,
}

impl Token {
    /// The token for the run at `start` of `run`.
    pub fn new(start: usize, run: &str, word: usize) -> Token {
        Token { start, end: start + run.len(), word, hash: Fnv1a::hash(run.as_bytes()) }
    }
}

/// One sentence of a measured text.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    /// Index of its first token in [`TextStats::tokens`].
    pub first: usize,
    /// Index just past its last token.
    pub end: usize,
    /// Its words.
    pub words: usize,
    /// Hash of its tokens (case and punctuation do not matter).
    pub hash: u64,
}

/// What one pass over a lowercased text measured.
#[derive(Clone, Debug, Default)]
pub(crate) struct TextStats {
    pub words: usize,
    pub syllables: usize,
    pub sentences: usize,
    pub unique_sentences: usize,
    pub tokens: Vec<Token>,
    /// Each sentence, in order.
    pub spans: Vec<Span>,
}

impl TextStats {
    /// Measures `lower`, which must already be lowercased (the analysis lowercases once).
    pub fn measure(lower: &str) -> TextStats {
        let mut m = Measure {
            stats: TextStats {
                tokens: Vec::with_capacity(lower.len() / 5 + 1),
                spans: Vec::with_capacity(lower.len() / 60 + 1),
                ..TextStats::default()
            },
            sentence_words: 0,
            sentence_first: 0,
            hash: Fnv1a::new(),
        };
        let mut lines = lower.split('\n').map(line_body).peekable();
        let base = lower.as_ptr() as usize;
        while let Some((kind, body)) = lines.next() {
            let offset = body.as_ptr() as usize - base;
            for (at, word) in words(body) {
                m.word(offset + at, word);
            }
            let next_breaks = match lines.peek() {
                None => true,
                Some((next, _)) => *next != LineKind::Text,
            };
            if kind != LineKind::Text || next_breaks {
                m.close_sentence();
            }
        }
        m.close_sentence();
        let mut hashes: Vec<u64> = m.stats.spans.iter().map(|s| s.hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        m.stats.unique_sentences = hashes.len();
        m.stats
    }

    /// The Flesch figures of the measured text.
    pub fn readability(&self) -> Readability {
        if self.words == 0 || self.sentences == 0 {
            return Readability::default();
        }
        let wps = self.words as f64 / self.sentences as f64;
        let spw = self.syllables as f64 / self.words as f64;
        Readability {
            flesch_reading_ease: 206.835 - 1.015 * wps - 84.6 * spw,
            flesch_kincaid_grade: 0.39 * wps + 11.8 * spw - 15.59,
            sentences: self.sentences,
            avg_words_per_sentence: wps,
            avg_syllables_per_word: spw,
        }
    }
}

struct Measure {
    stats: TextStats,
    sentence_words: usize,
    sentence_first: usize,
    hash: Fnv1a,
}

impl Measure {
    fn word(&mut self, at: usize, word: &str) {
        let mut any = false;
        let mut syl = 0;
        for (start, run) in alnum_runs(word) {
            any = true;
            syl += run_syllables(run);
            let token = Token::new(at + start, run, self.stats.words);
            self.hash.mix(token.hash);
            self.stats.tokens.push(token);
        }
        if any {
            self.stats.words += 1;
            self.stats.syllables += syl.max(1);
            self.sentence_words += 1;
        }
        if ends_sentence(word) {
            self.close_sentence();
        }
    }

    fn close_sentence(&mut self) {
        if self.sentence_words > 0 {
            self.stats.sentences += 1;
            let end = self.stats.tokens.len();
            self.stats.spans.push(Span {
                first: self.sentence_first,
                end,
                words: self.sentence_words,
                hash: self.hash.finish(),
            });
            self.sentence_first = end;
            self.sentence_words = 0;
            self.hash = Fnv1a::new();
        }
    }
}

/// How a line of Markdown-ish copy reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Empty, or only rule/fence characters.
    Blank,
    /// `#`–`######` heading, or a line that is entirely `**bold**`.
    Heading,
    /// `-`, `*`, `+`, `•` or `1.` / `1)` list item.
    ListItem,
    /// Running text.
    Text,
}

/// Classifies a line and returns its body without the Markdown marker.
pub(crate) fn line_body(line: &str) -> (LineKind, &str) {
    let t = line.trim();
    if t.bytes().all(|b| b"-*_=#>|`~ \t".contains(&b)) {
        return (LineKind::Blank, t);
    }
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) {
        let rest = &t[hashes..];
        if rest.starts_with([' ', '\t']) {
            return (LineKind::Heading, rest.trim_start());
        }
    }
    if t.len() > 4 && t.starts_with("**") && t.ends_with("**") && !t[2..t.len() - 2].contains("**") {
        return (LineKind::Heading, &t[2..t.len() - 2]);
    }
    for marker in ["- ", "* ", "+ ", "• "] {
        if let Some(rest) = t.strip_prefix(marker) {
            return (LineKind::ListItem, rest.trim_start());
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &t[digits..];
        if let Some(after) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return (LineKind::ListItem, after.trim_start());
        }
    }
    (LineKind::Text, t.strip_prefix("> ").unwrap_or(t))
}

/// Whitespace-separated pieces of `s` with their byte offsets.
pub(crate) fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = s.as_ptr() as usize;
    s.split_whitespace().map(move |w| (w.as_ptr() as usize - base, w))
}

/// Maximal letter/digit runs of `s` with their byte offsets.
pub(crate) fn alnum_runs(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = s.as_ptr() as usize;
    s.split(|c: char| !c.is_alphanumeric()).filter(|r| !r.is_empty()).map(move |r| (r.as_ptr() as usize - base, r))
}

/// Whether `s` holds a letter or digit.
pub(crate) fn has_alnum(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_alphanumeric()) || (!s.is_ascii() && s.chars().any(char::is_alphanumeric))
}

/// Words of running text without Markdown line markers to strip (a byte loop for ASCII).
pub(crate) fn plain_word_count(s: &str) -> usize {
    if !s.is_ascii() {
        return s.split_whitespace().filter(|w| has_alnum(w)).count();
    }
    let (mut n, mut in_word, mut alnum) = (0, false, false);
    for &b in s.as_bytes() {
        // The ASCII characters `char::is_whitespace` accepts: U+0009–U+000D and space.
        if matches!(b, b'\t'..=b'\r' | b' ') {
            n += usize::from(in_word && alnum);
            (in_word, alnum) = (false, false);
        } else {
            in_word = true;
            alnum |= b.is_ascii_alphanumeric();
        }
    }
    n + usize::from(in_word && alnum)
}

const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '*', '_', '»'];
const TERMINALS: &[char] = &['.', '!', '?', '…', '。', '！', '？'];
/// Abbreviations whose final period does not end a sentence.
const ABBREVIATIONS: &[&str] = &["approx", "dept", "dr", "jr", "mr", "mrs", "ms", "prof", "sr", "st", "vs"];

/// Whether a word closes its sentence (ends in terminal punctuation, not an abbreviation).
pub(crate) fn ends_sentence(word: &str) -> bool {
    match word.as_bytes().last() {
        None => return false,
        Some(b) if b.is_ascii_alphanumeric() || *b == b',' => return false,
        Some(_) => {}
    }
    let core = word.trim_end_matches(CLOSERS);
    let Some(last) = core.chars().last() else { return false };
    if !TERMINALS.contains(&last) {
        return false;
    }
    if last != '.' {
        return true;
    }
    let stem = core.trim_end_matches('.').trim_start_matches(|c: char| !c.is_alphanumeric());
    if ABBREVIATIONS.iter().any(|a| stem.eq_ignore_ascii_case(a)) {
        return false;
    }
    // `e.g.`, `i.e.`, `U.S.`: short dotted segments; `example.com.` still ends a sentence.
    !(stem.contains('.') && stem.split('.').all(|seg| seg.chars().count() <= 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn flesch_matches_published_example() {
        // Wikipedia, "Flesch–Kincaid readability tests": this sentence has a reading ease of
        // 37.5 (13 words, 24 syllables, 1 sentence: 206.835 − 1.015·13 − 84.6·24/13 = 37.46).
        let r = readability("The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.");
        assert_eq!(r.sentences, 1);
        assert!(close(r.flesch_reading_ease, 37.5, 2.0), "{r:?}");
        assert!(close(r.avg_syllables_per_word, 24.0 / 13.0, 1e-9), "{r:?}");
        assert!(close(r.flesch_kincaid_grade, 0.39 * 13.0 + 11.8 * 24.0 / 13.0 - 15.59, 1e-9));
    }

    #[test]
    fn flesch_of_one_syllable_words_is_exact() {
        // 6 words, 6 syllables, 1 sentence: 206.835 − 1.015·6 − 84.6 = 116.145.
        let r = readability("The cat sat on the mat.");
        assert!(close(r.flesch_reading_ease, 116.145, 1e-9), "{r:?}");
        assert_eq!(readability(""), Readability::default());
        assert_eq!(readability("— ## —"), Readability::default());
    }

    #[test]
    fn word_counts_with_punctuation_markdown_and_unicode() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("Hello, world!"), 2);
        assert_eq!(word_count("Don't stop — e-mail us at 9:00."), 6);
        assert_eq!(word_count("naïve café 日本語 🚀 #AI"), 4);
        assert_eq!(word_count("## Heading here\n\n- one item\n2. two items\n---\n> quoted text"), 8);
        assert_eq!(word_count("  spaced\t\tout\u{00a0}words \n"), 3);
        assert_eq!(word_count("ascii\x0bvertical\x0ctab, - -- x"), 4);
        assert_eq!(plain_word_count("1. not a list here"), 5);
    }

    #[test]
    fn sentences_end_at_punctuation_blank_lines_and_blocks() {
        let lower = "# title\n\nfirst one. second one!\nstill second? third\ncontinues\n\n- item a\n- item b";
        let s = TextStats::measure(lower);
        // title | first one. | second one! | still second? | third continues | item a | item b
        assert_eq!(s.sentences, 7);
        assert_eq!(s.words, 13);
        // `e.g.`, `mr.` and `u.s.` do not end sentences; `example.com.` does.
        let s = TextStats::measure("see e.g. the docs. mr. smith went to the u.s. today. visit example.com. done.");
        assert_eq!(s.sentences, 4);
    }

    #[test]
    fn unique_sentences_ignore_case_and_punctuation() {
        let s = TextStats::measure(&"Buy now! buy, now. Something else.".to_lowercase());
        assert_eq!((s.sentences, s.unique_sentences), (3, 2));
    }

    #[test]
    fn tokens_are_lowercase_runs_with_word_indices() {
        let lower = "ai's edge, x";
        let s = TextStats::measure(lower);
        let toks: Vec<(&str, usize)> = s.tokens.iter().map(|t| (&lower[t.start..t.end], t.word)).collect();
        assert_eq!(toks, vec![("ai", 0), ("s", 0), ("edge", 1), ("x", 2)]);
    }

    #[test]
    fn reading_time_rounds_up_with_a_minimum() {
        assert_eq!(reading_time_minutes(0), 1);
        assert_eq!(reading_time_minutes(238), 1);
        assert_eq!(reading_time_minutes(239), 2);
        assert_eq!(reading_time_minutes(1500), 7);
        assert_eq!(reading_time_minutes(usize::MAX), u32::MAX);
    }
}
