//! Repetition, which Yoast does not check and filler shows: repeated sentences and repeated
//! word 4-grams.

use super::{Input, failed, pct, rate};
use crate::analysis::hash::Fnv1a;
use crate::content::{Assessment, Light};

/// Sentences shorter than this (in words) may repeat freely ("Learn more.").
pub(crate) const MIN_REPEATED_SENTENCE_WORDS: usize = 4;
/// Length of the word n-grams compared.
pub(crate) const NGRAM: usize = 4;

pub(super) fn assess(input: &Input<'_>, out: &mut Vec<Assessment>) {
    let stats = input.stats;
    let mut hashes: Vec<u64> =
        stats.spans.iter().filter(|s| s.words >= MIN_REPEATED_SENTENCE_WORDS).map(|s| s.hash).collect();
    if !hashes.is_empty() {
        let considered = hashes.len();
        hashes.sort_unstable();
        hashes.dedup();
        let repeats = considered - hashes.len();
        let share = repeats as f64 / considered as f64;
        out.push(if repeats == 0 {
            rate("repeated_sentences", Light::Green, "No sentence is repeated.".into())
        } else if share <= 0.10 {
            rate(
                "repeated_sentences",
                Light::Orange,
                format!("{repeats} sentence(s) repeat an earlier one word for word: say each thing once."),
            )
        } else {
            failed(
                "repeated_sentences",
                format!(
                    "{} of sentences ({repeats}) repeat an earlier one word for word: this reads as filler; rewrite \
                     with new points.",
                    pct(share)
                ),
            )
        });
    }

    // Word 4-grams inside each sentence: (hash, first token), sorted to count repeats.
    let mut grams: Vec<(u64, usize)> = Vec::with_capacity(stats.tokens.len());
    for s in &stats.spans {
        let toks = &stats.tokens[s.first..s.end];
        for (i, w) in toks.windows(NGRAM).enumerate() {
            let mut h = Fnv1a::new();
            for t in w {
                h.mix(t.hash);
            }
            grams.push((h.finish(), s.first + i));
        }
    }
    if grams.is_empty() {
        return;
    }
    let total = grams.len();
    grams.sort_unstable();
    let (mut repeated, mut top, mut top_at) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < grams.len() {
        let j = grams[i..].iter().position(|g| g.0 != grams[i].0).map_or(grams.len(), |k| i + k);
        let count = j - i;
        repeated += count - 1;
        if count > top {
            (top, top_at) = (count, grams[i].1);
        }
        i = j;
    }
    let share = repeated as f64 / total as f64;
    let phrase = || {
        let t = &stats.tokens;
        match (t.get(top_at), t.get(top_at + NGRAM - 1)) {
            (Some(a), Some(b)) => input.lower.get(a.start..b.end).unwrap_or_default().to_owned(),
            _ => String::new(),
        }
    };
    out.push(if share <= 0.05 {
        rate(
            "repeated_phrases",
            Light::Green,
            format!("{} of four-word phrases repeat an earlier one (at most 5 % is good).", pct(share)),
        )
    } else if share <= 0.10 {
        rate(
            "repeated_phrases",
            Light::Orange,
            format!(
                "{} of four-word phrases repeat an earlier one (\"{}\" appears {top} times): vary the wording.",
                pct(share),
                phrase()
            ),
        )
    } else {
        failed(
            "repeated_phrases",
            format!(
                "{} of four-word phrases repeat an earlier one (\"{}\" appears {top} times): the text recycles stock \
                 phrases; rewrite it with distinct points.",
                pct(share),
                phrase()
            ),
        )
    });
}
