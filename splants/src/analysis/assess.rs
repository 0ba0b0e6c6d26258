//! The assessments (one traffic light per check) and the two scores derived from them.
//!
//! Thresholds, ids and the aggregation rule are documented in the module docs of
//! [`crate::analysis`]; this module and its children implement them.

mod brief;
pub(crate) mod failures;
mod readability;
mod repetition;
pub(crate) mod seo;
mod words;

use super::structure::Outline;
use super::text::{LineKind, TextStats, line_body, plain_word_count};
use crate::content::{Assessment, ContentRequest, Light, Readability};
use std::collections::BTreeMap;

/// Ids of the assessments that make up the quality score.
pub(crate) const QUALITY_IDS: &[&str] = &[
    "sentence_length",
    "paragraph_length",
    "subheading_distribution",
    "passive_voice",
    "transition_words",
    "consecutive_sentences",
    "flesch_reading_ease",
    "repeated_sentences",
    "repeated_phrases",
    "prompt_echo",
    "placeholders",
    "emoji_run",
    "platform_fit",
    "length",
    "structure",
    "call_to_action",
    "keywords",
];

/// Ids of the assessments that make up the SEO score.
pub(crate) const SEO_IDS: &[&str] = &[
    "keyphrase_length",
    "keyphrase_density",
    "keyphrase_in_introduction",
    "keyphrase_in_subheadings",
    "keyphrase_in_title",
    "keyphrase_in_meta_description",
    "meta_description_length",
    "text_length",
    "hashtags",
    "keywords",
];

/// The highest either score can be while any assessment reports a failure (score 0).
pub const FAILURE_CAP: f64 = 0.4;

/// Yoast's points (9 green, 6 orange, 3 red) over 9.
pub(crate) fn points(light: Light) -> f64 {
    match light {
        Light::Green => 1.0,
        Light::Orange => 6.0 / 9.0,
        Light::Red => 3.0 / 9.0,
    }
}

/// An assessment with the score of its light.
pub(crate) fn rate(id: &str, light: Light, message: String) -> Assessment {
    Assessment { id: id.to_owned(), score: points(light), light, message }
}

/// A detected failure: red with score 0 (caps both scores at [`FAILURE_CAP`]).
pub(crate) fn failed(id: &str, message: String) -> Assessment {
    Assessment { id: id.to_owned(), score: 0.0, light: Light::Red, message }
}

/// Picks the light for a value: green when `good`, orange when `ok`, else red.
pub(crate) fn band(good: bool, ok: bool) -> Light {
    if good {
        Light::Green
    } else if ok {
        Light::Orange
    } else {
        Light::Red
    }
}

/// `p` as a whole percentage for messages.
pub(crate) fn pct(p: f64) -> String {
    format!("{:.0} %", 100.0 * p)
}

/// What the assessments need to know about the piece (measured once by `analyze`).
pub(crate) struct Input<'a> {
    pub content: &'a str,
    pub lower: &'a str,
    pub stats: &'a TextStats,
    pub outline: &'a Outline,
    pub request: &'a ContentRequest,
    pub readability: &'a Readability,
    pub blocks: Blocks,
    /// Share of the target keywords found.
    pub coverage: f64,
    /// Brief keywords (or topic words) not found, for messages.
    pub missing: Vec<String>,
    pub fits_platform: bool,
    pub violations: Vec<super::limits::Violation>,
    pub hashtags_in_copy: usize,
    pub has_cta: bool,
    pub you_count: usize,
}

/// Paragraphs, sections between headings, H2/H3 subheadings and the introduction.
#[derive(Clone, Debug, Default)]
pub(crate) struct Blocks {
    /// Words of each paragraph (blank-line separated block of running-text lines).
    pub paragraphs: Vec<usize>,
    /// Words of running text and list items before the first heading and after each heading.
    pub sections: Vec<usize>,
    /// Headings seen (any level).
    pub headings: usize,
    /// The text of each `##` / `###` heading (lowercase).
    pub subheadings: Vec<String>,
    /// The first running-text paragraph of at least eight words that is not a label line
    /// (`Subject:`, `FOR IMMEDIATE RELEASE`), lowercase.
    pub intro: Option<String>,
}

impl Blocks {
    /// One pass over the lines of `lower` (the lowercased copy).
    pub fn scan(lower: &str) -> Blocks {
        let mut b = Blocks { sections: vec![0], ..Blocks::default() };
        let mut para: Option<(usize, String)> = None;
        let close = |b: &mut Blocks, para: &mut Option<(usize, String)>| {
            if let Some((words, text)) = para.take() {
                b.paragraphs.push(words);
                if b.intro.is_none() && words >= 8 {
                    b.intro = Some(text);
                }
            }
        };
        for raw in lower.lines() {
            let (kind, body) = line_body(raw);
            match kind {
                LineKind::Blank => close(&mut b, &mut para),
                LineKind::Heading => {
                    close(&mut b, &mut para);
                    b.headings += 1;
                    b.sections.push(0);
                    let level = raw.trim_start().bytes().take_while(|&c| c == b'#').count();
                    if (2..=3).contains(&level) {
                        b.subheadings.push(body.to_owned());
                    }
                }
                LineKind::ListItem => {
                    close(&mut b, &mut para);
                    if let Some(s) = b.sections.last_mut() {
                        *s += plain_word_count(body);
                    }
                }
                LineKind::Text => {
                    let words = plain_word_count(body);
                    if let Some(s) = b.sections.last_mut() {
                        *s += words;
                    }
                    if is_label(body) {
                        close(&mut b, &mut para);
                        continue;
                    }
                    let p = para.get_or_insert_with(|| (0, String::new()));
                    p.0 += words;
                    if b.intro.is_none() {
                        if !p.1.is_empty() {
                            p.1.push(' ');
                        }
                        p.1.push_str(body);
                    }
                }
            }
        }
        close(&mut b, &mut para);
        b
    }
}

fn is_label(lower_body: &str) -> bool {
    let t = lower_body.trim_start_matches(['*', '_']);
    ["subject:", "subject line:", "preview:", "for immediate release"].iter().any(|p| t.starts_with(p))
}

/// Every assessment that applies to the piece, quality checks first, then SEO checks.
pub(crate) fn assess(input: &Input<'_>) -> Vec<Assessment> {
    let mut out = Vec::with_capacity(QUALITY_IDS.len() + SEO_IDS.len());
    readability::assess(input, &mut out);
    repetition::assess(input, &mut out);
    failures::assess(input, &mut out);
    brief::assess(input, &mut out);
    seo::assess(input, &mut out);
    out
}

/// The quality and SEO scores with their breakdowns (id → score).
///
/// Each score is the mean of its group's assessments ([`QUALITY_IDS`], [`SEO_IDS`]); while any
/// assessment reports a failure (score 0) both are capped at [`FAILURE_CAP`]; copy without
/// words scores 0.
pub(crate) fn aggregate(
    assessments: &[Assessment],
    words: usize,
) -> (f64, BTreeMap<String, f64>, f64, BTreeMap<String, f64>) {
    let failure = assessments.iter().any(|a| a.score <= 0.0);
    let group = |ids: &[&str]| {
        let map: BTreeMap<String, f64> = assessments
            .iter()
            .filter(|a| ids.contains(&a.id.as_str()))
            .map(|a| (a.id.clone(), a.score.clamp(0.0, 1.0)))
            .collect();
        let mut score = if map.is_empty() { 0.0 } else { map.values().sum::<f64>() / map.len() as f64 };
        if failure {
            score = score.min(FAILURE_CAP);
        }
        if words == 0 {
            score = 0.0;
        }
        (score, map)
    };
    let (quality, q) = group(QUALITY_IDS);
    let (seo, s) = group(SEO_IDS);
    (quality, q, seo, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_find_paragraphs_sections_and_intro() {
        let text = "# title here\n\nsubject: not this\n\nhi alex,\n\none two three four five six seven eight.\nnine \
                    ten.\n\n## first sub\n\n- item one\n- item two\n\nshort para.\n\n### third level\n\n#### deep";
        let b = Blocks::scan(text);
        assert_eq!(b.paragraphs, vec![2, 10, 2]);
        assert_eq!(b.headings, 4);
        assert_eq!(b.subheadings, vec!["first sub", "third level"]);
        assert_eq!(b.intro.as_deref(), Some("one two three four five six seven eight. nine ten."));
        assert_eq!(b.sections, vec![0, 15, 6, 0, 0]);
    }

    #[test]
    fn aggregation_is_the_mean_capped_by_failures() {
        let a = |id: &str, light| rate(id, light, String::new());
        let list = vec![a("sentence_length", Light::Green), a("length", Light::Red), a("keywords", Light::Orange)];
        let (q, qmap, s, smap) = aggregate(&list, 10);
        assert!((q - (1.0 + 1.0 / 3.0 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert_eq!(qmap.len(), 3);
        assert_eq!((s, smap.len()), (2.0 / 3.0, 1));
        let mut capped = list.clone();
        capped.push(failed("placeholders", String::new()));
        let (q, _, s, _) = aggregate(&capped, 10);
        assert!(q <= FAILURE_CAP && s <= FAILURE_CAP);
        assert_eq!(aggregate(&list, 0).0, 0.0);
    }
}
