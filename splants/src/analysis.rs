//! Content analysis: counts, readability, keywords, structure, platform fit, assessments and two
//! scores derived from them.
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
//!   words). Coverage (`keywords`) and `keyword_density` use `K`; `keywords_used`/`keywords_missing` list
//!   only the brief's keywords.
//! * **Call to action**: the brief's `call_to_action` text, or a phrase of [`CTA_PHRASES`]
//!   (`sign up`, `start your`, `get started`, `learn more`, `shop now`, `book a`, `try`,
//!   `download`, `subscribe`, `contact us`, `register`, `join`, …), matched as whole words.
//! * **Platform fit**: for post types (`ContentType::is_post`) the copy is within the
//!   platform's `max_chars`, or, on a thread platform (Twitter), each post of
//!   `split_thread(copy, max_chars)` is and there are at most `max_posts` posts; for every type
//!   the distinct hashtags in the copy are at most `max_hashtags`.
//!
//! # Assessments
//!
//! [`analyze`] runs a list of checks, each an [`Assessment`] with a stable `id`, a traffic
//! [`Light`] and a message a writer can act on, on the scale of Yoast SEO's public scoring
//! documentation. The `score` of an assessment is Yoast's points divided by 9: **green 1**
//! (9 points), **orange 2/3** (6), **red 1/3** (3); a *failure* (a model failure, filler, copy
//! that breaks the platform, keyword stuffing) is red with **score 0**. Checks that do not
//! apply to a piece are left out (Yoast hides them too). Thresholds (`s` = sentences):
//!
//! | id | green | orange | red |
//! |---|---|---|---|
//! | `sentence_length` | ≤ 25 % of `s` over 20 words | ≤ 30 % | > 30 % |
//! | `paragraph_length` | no paragraph over 150 words | longest ≤ 200 | longest > 200 |
//! | `subheading_distribution` (blog, landing page) | no text run over 300 words between headings (or ≤ 300 words in all) | longest ≤ 350 | longer, or > 300 words without any heading |
//! | `passive_voice` | ≤ 10 % of `s` | ≤ 15 % | > 15 % |
//! | `transition_words` (texts over 200 words) | ≥ 30 % of `s` hold one | ≥ 20 % | < 20 % |
//! | `consecutive_sentences` | no 3 sentences in a row start with the same word | — | any such run |
//! | `flesch_reading_ease` | ≥ 60 | ≥ 50 | < 50 |
//! | `repeated_sentences` (sentences of 4+ words) | none repeats an earlier one | ≤ 10 % do | > 10 %: failure |
//! | `repeated_phrases` | ≤ 5 % of word 4-grams repeat an earlier one | ≤ 10 % | > 10 %: failure |
//! | `prompt_echo` | — | — | copy holds a phrase of [`PROMPT_ECHO_PHRASES`] or lines start with 2+ [`BRIEF_LABELS`]: failure |
//! | `placeholders` | — | — | `[insert city]`, `[Your Name]`, `{{name}}`, `{name}`, `<your name>` …: failure |
//! | `emoji_run` | no run | 3 identical emoji in a row | 4+ in a row, or 6+ emoji making over 20 % of the words: failure |
//! | `platform_fit` | fits (below) | — | does not: failure |
//! | `length` | within ±20 % of the brief's length | ±50 % | further off |
//! | `structure` | every part of the type (below) | half or more | less |
//! | `call_to_action` (types that expect one) | found | — | none |
//! | `keywords` | every target keyword `K` found | half | fewer |
//! | `keyphrase_length` | 1–4 content words | 5–8 | more, or no keyword in the brief |
//! | `keyphrase_density` | 0.5–3 % (under 100 words: 1 to `2 + words/50` times) | 0.25–0.5 % or 3–4 % (short: one more) | less; above 4 % (short: more) is stuffing: failure |
//! | `keyphrase_in_introduction` | the phrase in the first paragraph | its content words only | neither |
//! | `keyphrase_in_subheadings` (when there are H2/H3) | in 30–75 % of them | some, or over 75 % | none |
//! | `keyphrase_in_title` (blog, landing page, press release, product description, ad copy; email: subject line) | the phrase | its content words only | neither, or no title |
//! | `meta_description_length` (blog, landing page) | 120–157 characters | shorter | no opening paragraph |
//! | `keyphrase_in_meta_description` (blog, landing page) | the phrase | its content words only | neither |
//! | `text_length` | ≥ the type's minimum ([`min_words`]: blog, landing page, press release 300; product description 100; others exempt) | ≥ 5/6 of it | less |
//! | `hashtags` (social copy) | within `max_hashtags`, and at least one when the brief wants them | — | otherwise |
//!
//! The **focus keyphrase** is the brief's first keyword; its *content words* are its words
//! that are not stop words. Density is Yoast's: exact-phrase occurrences / words. The first
//! paragraph is the first running-text paragraph of at least eight words that is not a label
//! line (`Subject:`, `FOR IMMEDIATE RELEASE`). Passive voice is an English heuristic: a form of
//! "to be" followed (directly, or after `not`/`also`/an `-ly` adverb …) by an `-ed` word or a
//! common irregular participle. Transition words are Yoast's documented English list
//! (single words and phrases such as `because`, `for example`, `as a result`).
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
//! # Scores
//!
//! ```text
//! quality = mean(score of the quality assessments present)
//! seo     = mean(score of the SEO assessments present)
//! if any assessment is a failure (score 0): quality = min(quality, 0.4), seo = min(seo, 0.4)
//! copy without words: both 0
//! ```
//!
//! The quality assessments are the readability checks, repetition, the three model-failure
//! detectors, `platform_fit`, `length`, `structure`, `call_to_action` and `keywords`; the SEO
//! assessments are the `keyphrase_*` checks, `meta_description_length`, `text_length`,
//! `hashtags` and `keywords`. [`FAILURE_CAP`] is the cap. `ContentMetadata::quality_breakdown`
//! / `seo_breakdown` map each id of the group to its score, and `ContentMetadata::assessments`
//! holds every assessment with its light and message, so a score can be recomputed by hand:
//!
//! ```
//! use splants::analysis::analyze;
//! use splants::{ContentRequest, ContentType};
//! let req = ContentRequest::new(ContentType::Blog, "Remote work").keywords(["remote work"]).length(100);
//! let a = analyze("# Remote work\n\nRemote work is here. Sign up for tips.", &req);
//! let q = &a.metadata.quality_breakdown;
//! let mean = q.values().sum::<f64>() / q.len() as f64;
//! assert!((a.quality_score - mean).abs() < 1e-12);
//! assert_eq!(q["keywords"], 1.0);
//! assert!(a.metadata.assessments.iter().any(|x| x.id == "keyphrase_in_title"));
//! ```
//!
//! # Flesch reading ease
//!
//! `206.835 − 1.015 · words/sentences − 84.6 · syllables/words`, textstat's formula; syllables
//! are counted by a **vowel-group heuristic** ([`syllables`]), not by textstat's Pyphen
//! hyphenation dictionary, so figures can differ from textstat's by a few points.

mod assess;
mod hash;
mod hashtags;
mod keywords;
pub mod limits;
mod platform;
mod structure;
mod syllables;
mod text;

pub use crate::content::{Assessment, Light};
pub use assess::FAILURE_CAP;
pub use assess::failures::{BRIEF_LABELS, EMOJI_RUN, PROMPT_ECHO_PHRASES};
pub use assess::seo::{META_DESCRIPTION_RANGE, min_words};
pub use hashtags::generate_hashtags;
pub use platform::{fit_to_platform, split_thread};

use platform::split_thread_by;
pub use structure::{CTA_PHRASES, META_DESCRIPTION_CHARS};
pub use syllables::syllables;
pub use text::{WORDS_PER_MINUTE, readability, reading_time_minutes, word_count};

pub(crate) use hash::Fnv1a;
pub(crate) use keywords::significant_words;
pub(crate) use structure::cut_at_word;
pub(crate) use text::plain_word_count;

use crate::content::{ContentMetadata, ContentRequest, ContentType};
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
    let share = |hit: &dyn Fn(usize) -> bool| {
        if targets.is_empty() {
            1.0
        } else {
            (0..targets.len()).filter(|&i| hit(i)).count() as f64 / targets.len() as f64
        }
    };
    let coverage = share(&|i| found.found[i]);
    let density =
        if stats.tokens.is_empty() { 0.0 } else { 100.0 * found.covered_tokens as f64 / stats.tokens.len() as f64 };
    let (mut keywords_used, mut keywords_missing) = (Vec::new(), Vec::new());
    if !request.keywords.is_empty() {
        for (kw, hit) in request.keywords.iter().zip(&found.found) {
            if *hit { &mut keywords_used } else { &mut keywords_missing }.push(kw.clone());
        }
    }

    let tags_in_copy = hashtags::find_hashtags(content);
    // Lengths as the platform counts them (X: weighted, Bluesky: graphemes, ...).
    let post_limit = platform.post_limit();
    let measure = |t: &str| post_limit.map_or_else(|| t.chars().count(), |l| limits::count(t, l.counting));
    let thread = match limits.max_chars {
        Some(cap) if limits.max_posts > 1 && measure(content) > cap => split_thread_by(content, cap, measure),
        _ => Vec::new(),
    };
    let caps_ok = match limits.max_chars {
        Some(cap) if ty.is_post() => {
            if thread.is_empty() {
                measure(content) <= cap
            } else {
                thread.len() <= limits.max_posts && thread.iter().all(|p| measure(p) <= cap)
            }
        }
        _ => true,
    };
    let violations = limits::violations(content, request);
    let fits_platform = caps_ok && violations.is_empty() && tags_in_copy.len() <= limits.max_hashtags;
    let has_cta = structure::has_call_to_action(&lower, &stats.tokens, request.call_to_action.as_deref());
    let you_count = if ty == ContentType::ProductDescription {
        stats.tokens.iter().filter(|t| matches!(lower.get(t.start..t.end), Some("you" | "your"))).count()
    } else {
        0
    };

    let missing: Vec<String> = if request.keywords.is_empty() {
        targets.iter().zip(&found.found).filter(|(_, hit)| !**hit).map(|(k, _)| k.clone()).collect()
    } else {
        keywords_missing.clone()
    };
    let input = assess::Input {
        content,
        lower: &lower,
        stats: &stats,
        outline: &outline,
        request,
        readability: &readability,
        blocks: assess::Blocks::scan(&lower),
        coverage,
        missing,
        fits_platform,
        violations,
        hashtags_in_copy: tags_in_copy.len(),
        has_cta,
        you_count,
    };
    let assessments = assess::assess(&input);
    let (quality_score, quality_breakdown, seo_score, seo_breakdown) = assess::aggregate(&assessments, stats.words);

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
        assessments,
        repairs: Vec::new(),
        notice: None,
    };
    Analysis { quality_score, seo_score, metadata }
}

#[cfg(test)]
mod tests;
