//! Readability assessments on Yoast SEO's documented English thresholds.

use super::words::{BE_FORMS, IRREGULAR_PARTICIPLES, NOT_PARTICIPLES, PASSIVE_GAP, TRANSITION_WORDS};
use super::{Input, band, pct, rate};
use crate::analysis::keywords::PhraseSet;
use crate::analysis::text::Token;
use crate::content::{Assessment, ContentType, Light};
use std::sync::LazyLock;

/// Words above which a sentence counts as long.
pub(crate) const LONG_SENTENCE_WORDS: usize = 20;
/// Words above which a paragraph is too long (orange up to 200, red above).
pub(crate) const LONG_PARAGRAPH_WORDS: usize = 150;
/// Words of text after which a subheading is due (orange up to 350, red above).
pub(crate) const SECTION_WORDS: usize = 300;
/// Texts with more words than this are checked for transition words.
pub(crate) const TRANSITION_MIN_WORDS: usize = 200;

static TRANSITIONS: LazyLock<PhraseSet<'static>> = LazyLock::new(|| PhraseSet::new(TRANSITION_WORDS.iter().copied()));

pub(super) fn assess(input: &Input<'_>, out: &mut Vec<Assessment>) {
    let stats = input.stats;
    let spans = &stats.spans;
    if spans.is_empty() {
        return;
    }
    let n = spans.len() as f64;

    let long = spans.iter().filter(|s| s.words > LONG_SENTENCE_WORDS).count();
    let share = long as f64 / n;
    let light = band(share <= 0.25, share <= 0.30);
    out.push(rate(
        "sentence_length",
        light,
        if light == Light::Green {
            format!("{} of sentences have more than {LONG_SENTENCE_WORDS} words (at most 25 % is good).", pct(share))
        } else {
            format!(
                "{} of sentences have more than {LONG_SENTENCE_WORDS} words; aim for at most 25 %: split or \
                 shorten the long ones.",
                pct(share)
            )
        },
    ));

    let paras = &input.blocks.paragraphs;
    let longest = paras.iter().copied().max().unwrap_or(0);
    let too_long = paras.iter().filter(|&&w| w > LONG_PARAGRAPH_WORDS).count();
    let light = band(longest <= LONG_PARAGRAPH_WORDS, longest <= 200);
    out.push(rate(
        "paragraph_length",
        light,
        if too_long == 0 {
            format!("No paragraph is longer than {LONG_PARAGRAPH_WORDS} words.")
        } else {
            format!(
                "{too_long} paragraph(s) have more than {LONG_PARAGRAPH_WORDS} words (the longest has {longest}): \
                 break them into shorter paragraphs."
            )
        },
    ));

    if matches!(input.request.content_type, ContentType::Blog | ContentType::LandingPage) {
        out.push(subheadings(input));
    }

    let passive = spans.iter().filter(|s| has_passive(input.lower, &stats.tokens[s.first..s.end])).count();
    let share = passive as f64 / n;
    let light = band(share <= 0.10, share <= 0.15);
    out.push(rate(
        "passive_voice",
        light,
        if light == Light::Green {
            format!("{} of sentences use the passive voice (at most 10 % is good).", pct(share))
        } else {
            format!(
                "{} of sentences use the passive voice; aim for at most 10 %: say who does what (\"we built it\", \
                 not \"it was built\").",
                pct(share)
            )
        },
    ));

    if stats.words > TRANSITION_MIN_WORDS {
        let mut with = vec![false; spans.len()];
        let mut at = 0;
        TRANSITIONS.scan(input.lower, &stats.tokens, |_, first, _| {
            while at + 1 < spans.len() && spans[at].end <= first {
                at += 1;
            }
            with[at] = true;
        });
        let share = with.iter().filter(|&&b| b).count() as f64 / n;
        let light = band(share >= 0.30, share >= 0.20);
        out.push(rate(
            "transition_words",
            light,
            if light == Light::Green {
                format!("{} of sentences hold a transition word (at least 30 % is good).", pct(share))
            } else {
                format!(
                    "Only {} of sentences hold a transition word (such as \"because\", \"for example\", \
                     \"however\"); aim for 30 % so the ideas connect.",
                    pct(share)
                )
            },
        ));
    }

    let (groups, word) = same_beginnings(input);
    out.push(match word {
        None => rate(
            "consecutive_sentences",
            Light::Green,
            "No three consecutive sentences start with the same word.".into(),
        ),
        Some(w) => rate(
            "consecutive_sentences",
            Light::Red,
            format!(
                "{groups} time(s) three or more sentences in a row start with the same word (\"{w}\"): vary how \
                 your sentences begin."
            ),
        ),
    });

    let ease = input.readability.flesch_reading_ease;
    let light = band(ease >= 60.0, ease >= 50.0);
    out.push(rate(
        "flesch_reading_ease",
        light,
        if light == Light::Green {
            format!("Flesch reading ease {ease:.0}: easy to read (60 or more is good).")
        } else {
            format!(
                "Flesch reading ease {ease:.0} is hard to read; aim for 60 or more with shorter sentences and \
                 shorter words."
            )
        },
    ));
}

fn subheadings(input: &Input<'_>) -> Assessment {
    let b = &input.blocks;
    let text_words: usize = b.sections.iter().sum();
    if b.headings == 0 {
        return if text_words > SECTION_WORDS {
            rate(
                "subheading_distribution",
                Light::Red,
                format!(
                    "{text_words} words without a subheading: add subheadings at least every {SECTION_WORDS} words."
                ),
            )
        } else {
            rate("subheading_distribution", Light::Green, "No subheadings, but the text is short enough.".into())
        };
    }
    let longest = b.sections.iter().copied().max().unwrap_or(0);
    let over = b.sections.iter().filter(|&&w| w > SECTION_WORDS).count();
    let light = band(longest <= SECTION_WORDS, longest <= 350);
    rate(
        "subheading_distribution",
        light,
        if over == 0 {
            format!("No stretch of text runs longer than {SECTION_WORDS} words without a subheading.")
        } else {
            format!(
                "{over} section(s) run longer than {SECTION_WORDS} words without a subheading (the longest has \
                 {longest}): add subheadings."
            )
        },
    )
}

fn tok<'t>(lower: &'t str, t: &Token) -> &'t str {
    lower.get(t.start..t.end).unwrap_or_default()
}

fn is_participle(w: &str) -> bool {
    (w.len() >= 4 && w.ends_with("ed") && NOT_PARTICIPLES.binary_search(&w).is_err())
        || IRREGULAR_PARTICIPLES.binary_search(&w).is_ok()
}

/// A form of "to be" followed by a past participle, with at most one adverb between.
fn has_passive(lower: &str, tokens: &[Token]) -> bool {
    tokens.iter().enumerate().any(|(i, t)| {
        // Most tokens are not a form of "to be": rule them out by length and first letter
        // before the search (it was a tenth of a long post's analysis).
        let w = tok(lower, t);
        if !(2..=5).contains(&w.len())
            || !matches!(w.as_bytes()[0], b'a' | b'b' | b'i' | b'w')
            || BE_FORMS.binary_search(&w).is_err()
        {
            return false;
        }
        match tokens.get(i + 1).map(|n| tok(lower, n)) {
            Some(next) if is_participle(next) => true,
            Some(next) if next.ends_with("ly") || PASSIVE_GAP.contains(&next) => {
                tokens.get(i + 2).is_some_and(|n| is_participle(tok(lower, n)))
            }
            _ => false,
        }
    })
}

/// Runs of three or more consecutive sentences that start with the same word: how many, and
/// the word of the first.
fn same_beginnings(input: &Input<'_>) -> (usize, Option<String>) {
    let (mut groups, mut first_word) = (0, None);
    let mut run_word = "";
    let mut run = 0;
    for s in &input.stats.spans {
        let w = input.stats.tokens.get(s.first).map_or("", |t| tok(input.lower, t));
        if !w.is_empty() && w == run_word {
            run += 1;
            if run == 3 {
                groups += 1;
                first_word.get_or_insert_with(|| w.to_owned());
            }
        } else {
            run_word = w;
            run = 1;
        }
    }
    (groups, first_word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::TextStats;

    fn passive(text: &str) -> bool {
        let lower = text.to_lowercase();
        let s = TextStats::measure(&lower);
        has_passive(&lower, &s.tokens)
    }

    #[test]
    fn passive_voice_heuristic() {
        assert!(passive("The report was written by the team."));
        assert!(passive("Mistakes are often made early."));
        assert!(passive("It is not used anymore."));
        assert!(passive("Every order is checked twice."));
        assert!(!passive("The team wrote the report."));
        assert!(!passive("This is a red car."));
        assert!(!passive("What you need is speed."));
    }
}
