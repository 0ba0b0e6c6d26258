//! Syllable estimates for the Flesch formulas.

use super::text::{alnum_runs, has_alnum};

/// Estimated syllables of one word (English heuristic, at least 1 for a word with a letter or
/// digit): vowel groups (`a e i o u y` and accented vowels; `y` not at the start), less a
/// silent final `e` (kept in `-le` after a consonant), `-es` after most consonants and `-ed`
/// after consonants other than `t`/`d`; words of up to three letters count 1. Each
/// letter/digit run counts separately (`AI-powered` = 1 + 2), a run without a vowel counts 0.
pub fn syllables(word: &str) -> usize {
    let lower = word.to_lowercase();
    let n: usize = alnum_runs(&lower).map(|(_, run)| run_syllables(run)).sum();
    if n == 0 && has_alnum(word) { 1 } else { n }
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'y'
            | 'à'..='å'
            | 'æ'
            | 'è'..='ï'
            | 'ò'..='ö'
            | 'ø'..='ü'
            | 'ý'
            | 'ÿ'
            | 'œ'
    )
}

fn is_consonant(c: char) -> bool {
    c.is_alphabetic() && !is_vowel(c)
}

/// Syllables of one lowercase letter/digit run (0 when it has no vowel).
pub(crate) fn run_syllables(run: &str) -> usize {
    if run.is_ascii() { ascii_syllables(run.as_bytes()) } else { unicode_syllables(run) }
}

/// [`run_syllables`] for ASCII runs, on bytes (the common case, kept fast).
fn ascii_syllables(run: &[u8]) -> usize {
    let vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let consonant = |b: u8| b.is_ascii_alphabetic() && !vowel(b);
    let n = run.len();
    let mut core = run;
    if n > 3 {
        if let Some(stem) = run.strip_suffix(b"es") {
            let keep = stem.ends_with(b"s")
                || stem.ends_with(b"x")
                || stem.ends_with(b"z")
                || stem.ends_with(b"c")
                || stem.ends_with(b"g")
                || stem.ends_with(b"ch")
                || stem.ends_with(b"sh");
            if !keep && stem.last().is_some_and(|&b| consonant(b)) {
                core = stem;
            }
        } else if let Some(stem) = run.strip_suffix(b"ed") {
            if !stem.ends_with(b"t") && !stem.ends_with(b"d") && stem.last().is_some_and(|&b| consonant(b)) {
                core = stem;
            }
        } else if let Some(stem) = run.strip_suffix(b"e") {
            let consonant_le = matches!(stem, [.., c, b'l'] if consonant(*c));
            if !consonant_le {
                core = stem;
            }
        }
    }
    let mut groups = 0;
    let mut prev_vowel = false;
    for (i, &b) in core.iter().enumerate() {
        let v = vowel(b) && !(i == 0 && b == b'y');
        if v && !prev_vowel {
            groups += 1;
        }
        prev_vowel = v;
    }
    if groups == 0 && core.len() != n {
        groups = 1;
    }
    if n <= 3 && groups > 1 {
        groups = 1;
    }
    groups
}

/// [`run_syllables`] for runs with non-ASCII letters (accented vowels count as vowels).
fn unicode_syllables(run: &str) -> usize {
    let n_chars = run.chars().count();
    let mut core = run;
    if n_chars > 3 {
        let last_of = |s: &str| s.chars().last();
        if let Some(stem) = run.strip_suffix("es") {
            let keep = stem.ends_with(['s', 'x', 'z', 'c', 'g']) || stem.ends_with("ch") || stem.ends_with("sh");
            if !keep && last_of(stem).is_some_and(is_consonant) {
                core = stem;
            }
        } else if let Some(stem) = run.strip_suffix("ed") {
            if !stem.ends_with(['t', 'd']) && last_of(stem).is_some_and(is_consonant) {
                core = stem;
            }
        } else if let Some(stem) = run.strip_suffix('e') {
            let mut back = stem.chars().rev();
            let consonant_le = back.next() == Some('l') && back.next().is_some_and(is_consonant);
            if !consonant_le {
                core = stem;
            }
        }
    }
    let mut groups = 0;
    let mut prev_vowel = false;
    for (i, c) in core.chars().enumerate() {
        let v = is_vowel(c) && !(i == 0 && c == 'y');
        if v && !prev_vowel {
            groups += 1;
        }
        prev_vowel = v;
    }
    if groups == 0 && core.len() != run.len() {
        // Only the stripped ending held a vowel (`shed`, `ache`): still one syllable.
        groups = 1;
    }
    if n_chars <= 3 && groups > 1 {
        groups = 1;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_of_common_words() {
        let cases = [
            ("the", 1),
            ("cat", 1),
            ("table", 2),
            ("simple", 2),
            ("make", 1),
            ("makes", 1),
            ("changes", 2),
            ("boxes", 2),
            ("jumped", 1),
            ("wanted", 2),
            ("need", 1),
            ("people", 2),
            ("while", 1),
            ("marketing", 3),
            ("automation", 4),
            ("readability", 5),
            ("beautiful", 3),
            ("creature", 2),
            ("platypus", 3),
            ("seemingly", 3),
            ("yes", 1),
            ("rhythm", 1),
            ("AI-powered", 3),
            ("don't", 1),
            ("2026", 1),
            ("café", 2),
            ("—", 0),
        ];
        for (word, want) in cases {
            assert_eq!(syllables(word), want, "{word}");
        }
    }
}
