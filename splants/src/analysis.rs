//! Content analysis: counts, readability, keywords, structure, platform fit and two scores.
//!
//! Everything here is a pure, deterministic function of the copy and its brief
//! ([`ContentRequest`]); nothing is changed except by [`fit_to_platform`] and
//! [`split_thread`], which return new text. [`analyze`] lowercases the copy once and measures
//! it in one pass; no regular expressions are used.
//!
//! # Measures
//!
//! * **Words** ([`word_count`]): whitespace-separated pieces with a letter or digit; Markdown
//!   line markers (`##`, `-`, `1.`) are not words. **Characters** are Unicode scalar values.
//! * **Sentences, syllables, Flesch** ([`readability`], [`syllables`]).
//! * **Tokens**: the letter/digit runs of the lowercased copy (`AI's` → `ai`, `s`). Keywords
//!   match whole token sequences, so `AI` matches `AI-powered` and `AI's` but not `said`;
//!   a phrase does not match across sentence punctuation or a line break.
//! * **Keyword density**: `100 · covered tokens / all tokens`, where a token is covered when it
//!   belongs to an occurrence of a keyword (overlapping occurrences count once).
//! * **Target keywords** `K`: the brief's keywords, or, when it has none, the topic's
//!   significant words (letter-bearing runs of two or more characters that are not stop
//!   words). Coverage, placement and density use `K`; `keywords_used`/`keywords_missing` list
//!   only the brief's keywords.
//! * **Call to action**: the brief's `call_to_action` text, or a phrase of [`CTA_PHRASES`]
//!   (`sign up`, `start your`, `get started`, `learn more`, `shop now`, `book a`, `try`,
//!   `download`, `subscribe`, `contact us`, `register`, `join`, …), matched as whole words.
//! * **Platform fit**: for post types (`ContentType::is_post`) the copy is within the
//!   platform's `max_chars`, or, on a thread platform (Twitter), each post of
//!   `split_thread(copy, max_chars)` is and there are at most `max_posts` posts; for every type
//!   the distinct hashtags in the copy are at most `max_hashtags`.
//!
//! # Quality score
//!
//! ```text
//! quality = 0.25·length + 0.20·readability + 0.20·structure
//!         + 0.15·keywords + 0.10·call_to_action + 0.10·variety
//! ```
//!
//! with every component in 0..=1:
//!
//! | component | value |
//! |---|---|
//! | `length` | `off = |words − target| / target` (target = `effective_length()`): 1 if `off ≤ 0.2`, 0 if `off ≥ 1`, else `(1 − off) / 0.8` |
//! | `readability` | `(flesch − 10) / (high − 10)` clamped, `high` = 45 for professional and authoritative tone, else 60; 0 without words |
//! | `structure` | per type, below |
//! | `keywords` | share of `K` found (1 when `K` is empty) |
//! | `call_to_action` | when the type `expects_cta()`: 1 if a call to action is found, else 0; 1 for other types |
//! | `variety` | `½ · unique sentences / sentences + ½ · fit`, `fit` = 1 for 8..=25 words per sentence on average, `avg / 8` below, `1 − (avg − 25) / 25` above (0 from 50); 0 without sentences |
//!
//! Structure per type (`part(n, k) = min(n, k) / k`):
//!
//! | type | structure |
//! |---|---|
//! | blog, landing page | `½·part(headings, 2) + ½·part(paragraphs, 3)` |
//! | email | `½·[Subject: line] + ¼·[greeting: Hi/Hello/Dear/Hey …] + ¼·[sign-off: Best/Regards/Thanks/Cheers … in the last four lines]` |
//! | social media | `[fits platform]` |
//! | ad copy | `½·[headline (title)] + ½·[call to action]` |
//! | press release | `½·[dateline (FOR IMMEDIATE RELEASE, or a month and year in the first six lines) or headline] + ½·[a quote of three or more words]` |
//! | video script | `part(scene/cue lines, 3)`: lines starting `[` or `(`, or `SCENE`, `VISUAL`, `VOICEOVER`, `INT.`, `EXT.`, `CUT TO`, `B-ROLL`, `ON SCREEN` … |
//! | product description | `½·part(list items, 3) + ½·part(occurrences of you/your, 3)` |
//!
//! Headings are `#`–`######` lines and lines that are entirely `**bold**`; paragraphs are
//! blank-line separated blocks holding a non-heading line.
//!
//! # SEO score
//!
//! Computed whether or not the brief asks for SEO:
//!
//! ```text
//! seo = 0.35·keywords + 0.15·placement + 0.15·density
//!     + 0.15·structure + 0.10·length + 0.10·readability
//! ```
//!
//! where `keywords`, `length` and `readability` are the quality components above and:
//!
//! | component | value |
//! |---|---|
//! | `placement` | share of `K` found in the title or starting within the first 100 words (1 when `K` is empty) |
//! | `density` | keyword density `d` %: 0 at `d = 0`, `d / 0.5` below 0.5, 1 for 0.5..=3, `(6 − d) / 3` above, 0 from 6 |
//! | `structure` | social copy (type social media, or a social platform): 1 when the distinct hashtags are within `max_hashtags` and, if the brief wants hashtags, at least one; else 0. Other copy: the type's structure component |
//!
//! Each component's value is in `ContentMetadata::quality_breakdown` / `seo_breakdown` under
//! the names above, so a score can be recomputed by hand:
//!
//! ```
//! use splants::analysis::analyze;
//! use splants::{ContentRequest, ContentType};
//! let req = ContentRequest::new(ContentType::Blog, "Remote work").keywords(["remote work"]).length(100);
//! let a = analyze("# Remote work\n\nRemote work is here. Sign up for tips.", &req);
//! let q = &a.metadata.quality_breakdown;
//! let by_hand = 0.25 * q["length"] + 0.20 * q["readability"] + 0.20 * q["structure"]
//!     + 0.15 * q["keywords"] + 0.10 * q["call_to_action"] + 0.10 * q["variety"];
//! assert!((a.quality_score - by_hand).abs() < 1e-12);
//! assert_eq!(q["keywords"], 1.0);
//! ```

mod hash;
mod hashtags;
mod keywords;
mod platform;
mod score;
mod structure;
mod syllables;
mod text;

pub use hashtags::generate_hashtags;
pub use platform::{fit_to_platform, split_thread};
pub use structure::{CTA_PHRASES, META_DESCRIPTION_CHARS};
pub use syllables::syllables;
pub use text::{WORDS_PER_MINUTE, readability, reading_time_minutes, word_count};

pub(crate) use hash::Fnv1a;
pub(crate) use keywords::significant_words;
pub(crate) use structure::cut_at_word;
pub(crate) use text::plain_word_count;

use crate::content::{ContentMetadata, ContentRequest, ContentType};
use score::{QUALITY_WEIGHTS, SEO_WEIGHTS, StructureInputs};
use serde::{Deserialize, Serialize};
use text::TextStats;

/// Words from the start within which a keyword counts as well placed.
const EARLY_WORDS: usize = 100;

/// What [`analyze`] found: the two scores and the metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Quality score in 0..=1 (formula in the [module docs](self)).
    pub quality_score: f64,
    /// SEO score in 0..=1 (formula in the [module docs](self)).
    pub seo_score: f64,
    /// Counts, readability, keywords, structure and the score breakdowns.
    pub metadata: ContentMetadata,
}

/// Measures `content` written for `request`; does not change it.
///
/// Fills every field of [`ContentMetadata`] except `notice`, which is left `None`.
pub fn analyze(content: &str, request: &ContentRequest) -> Analysis {
    let ty = request.content_type;
    let platform = request.effective_platform();
    let limits = platform.limits();
    let lower = content.to_lowercase();
    let stats = TextStats::measure(&lower);
    let readability = stats.readability();
    let char_count = content.chars().count();
    let outline = structure::outline(content, ty);

    let brief: Vec<String> = request.keywords.iter().map(|k| k.trim().to_lowercase()).collect();
    let targets = if brief.is_empty() { keywords::significant_words(&request.topic) } else { brief };
    let found = keywords::match_keywords(&lower, &stats.tokens, &targets, EARLY_WORDS);
    let in_title = outline.title.as_deref().map(|t| keywords::found_in(&t.to_lowercase(), &targets));
    let share = |hit: &dyn Fn(usize) -> bool| {
        if targets.is_empty() {
            1.0
        } else {
            (0..targets.len()).filter(|&i| hit(i)).count() as f64 / targets.len() as f64
        }
    };
    let coverage = share(&|i| found.found[i]);
    let placement = share(&|i| found.early[i] || in_title.as_ref().is_some_and(|t| t[i]));
    let density =
        if stats.tokens.is_empty() { 0.0 } else { 100.0 * found.covered_tokens as f64 / stats.tokens.len() as f64 };
    let (mut keywords_used, mut keywords_missing) = (Vec::new(), Vec::new());
    if !request.keywords.is_empty() {
        for (kw, hit) in request.keywords.iter().zip(&found.found) {
            if *hit { &mut keywords_used } else { &mut keywords_missing }.push(kw.clone());
        }
    }

    let tags_in_copy = hashtags::find_hashtags(content);
    let thread = match limits.max_chars {
        Some(cap) if limits.max_posts > 1 && char_count > cap => split_thread(content, cap),
        _ => Vec::new(),
    };
    let caps_ok = match limits.max_chars {
        Some(cap) if ty.is_post() => {
            if thread.is_empty() {
                char_count <= cap
            } else {
                thread.len() <= limits.max_posts && thread.iter().all(|p| p.chars().count() <= cap)
            }
        }
        _ => true,
    };
    let fits_platform = caps_ok && tags_in_copy.len() <= limits.max_hashtags;
    let has_cta = structure::has_call_to_action(&lower, &stats.tokens, request.call_to_action.as_deref());
    let you_count = if ty == ContentType::ProductDescription {
        stats.tokens.iter().filter(|t| matches!(lower.get(t.start..t.end), Some("you" | "your"))).count()
    } else {
        0
    };

    let length = score::length_adherence(stats.words, request.effective_length());
    let read = score::readability_score(readability.flesch_reading_ease, stats.words, request.tone);
    let structure = score::structure(ty, &StructureInputs { outline: &outline, fits_platform, has_cta, you_count });
    let cta = if ty.expects_cta() { f64::from(u8::from(has_cta)) } else { 1.0 };
    let variety = score::variety(&stats);
    let (quality_score, quality_breakdown) =
        score::weighted(&QUALITY_WEIGHTS, [length, read, structure, coverage, cta, variety]);
    let seo_structure = if ty == ContentType::SocialMedia || platform.is_social() {
        score::hashtag_score(tags_in_copy.len(), request.wants_hashtags(), limits.max_hashtags)
    } else {
        structure
    };
    let (seo_score, seo_breakdown) = score::weighted(
        &SEO_WEIGHTS,
        [coverage, placement, score::density_score(density), seo_structure, length, read],
    );

    let hashtags = if !tags_in_copy.is_empty() {
        tags_in_copy
    } else if request.wants_hashtags() {
        generate_hashtags(request)
    } else {
        Vec::new()
    };
    let metadata = ContentMetadata {
        word_count: stats.words,
        char_count,
        reading_time: reading_time_minutes(stats.words),
        platform_optimized: platform.as_str().to_owned(),
        fits_platform,
        hashtags,
        keywords_used,
        keywords_missing,
        keyword_density: density,
        readability,
        title: outline.title,
        subject_line: outline.subject,
        meta_description: outline.meta_description,
        has_call_to_action: has_cta,
        thread,
        quality_breakdown,
        seo_breakdown,
        notice: None,
    };
    Analysis { quality_score, seo_score, metadata }
}

#[cfg(test)]
mod tests;
