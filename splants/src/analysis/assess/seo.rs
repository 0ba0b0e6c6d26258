//! SEO assessments for the first brief keyword as the focus keyphrase (Yoast SEO's checks).

use super::{Input, band, failed, rate};
use crate::analysis::keywords::{PhraseSet, found_in, significant_words};
use crate::content::{Assessment, ContentType, Light};

/// Shortest and longest meta description search results show in full, in characters.
pub const META_DESCRIPTION_RANGE: (usize, usize) = (120, 157);
/// Texts shorter than this (in words) judge the keyphrase by count, not density.
pub(crate) const SHORT_TEXT_WORDS: usize = 100;

/// The fewest words a type should have for search (`None`: the type is exempt).
pub const fn min_words(ty: ContentType) -> Option<usize> {
    match ty {
        ContentType::Blog | ContentType::LandingPage | ContentType::PressRelease => Some(300),
        ContentType::ProductDescription => Some(100),
        ContentType::SocialMedia | ContentType::AdCopy | ContentType::Email | ContentType::VideoScript => None,
    }
}

/// How a keyphrase shows up in a piece of text.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Match {
    /// The exact phrase, as whole words.
    Exact,
    /// Each content word, but not as the phrase.
    Words,
    None,
}

struct Keyphrase {
    phrase: String,
    /// Content words (not stop words); the phrase's own words when it has none.
    words: Vec<String>,
}

impl Keyphrase {
    fn find(&self, lower: &str) -> Match {
        if found_in(lower, std::slice::from_ref(&self.phrase)).first().copied().unwrap_or(false) {
            Match::Exact
        } else if found_in(lower, &self.words).iter().all(|&f| f) {
            Match::Words
        } else {
            Match::None
        }
    }
}

pub(super) fn assess(input: &Input<'_>, out: &mut Vec<Assessment>) {
    let ty = input.request.content_type;
    let words = input.stats.words;
    if let Some(min) = min_words(ty) {
        let light = band(words >= min, words * 6 >= min * 5);
        out.push(rate(
            "text_length",
            light,
            if light == Light::Green {
                format!("{words} words: long enough for search (at least {min} for {ty}).")
            } else {
                format!("{words} words: search engines favour a {ty} of at least {min} words; add substance.")
            },
        ));
    }
    let Some(first) = input.request.keywords.iter().map(|k| k.trim().to_lowercase()).find(|k| !k.is_empty()) else {
        out.push(rate(
            "keyphrase_length",
            Light::Red,
            "No focus keyphrase: add a keyword to the brief (the first one is the focus keyphrase) so the \
             keyphrase checks can run."
                .into(),
        ));
        return;
    };
    let mut content_words = significant_words(&first);
    if content_words.is_empty() {
        content_words = first.split_whitespace().map(str::to_owned).collect();
    }
    let kp = Keyphrase { phrase: first, words: content_words };
    let n = kp.words.len();
    let light = band((1..=4).contains(&n), n <= 8);
    out.push(rate(
        "keyphrase_length",
        light,
        if light == Light::Green {
            format!("The focus keyphrase \"{}\" has {n} content word(s) (1–4 is good).", kp.phrase)
        } else {
            format!("The focus keyphrase \"{}\" has {n} content words: use at most 4.", kp.phrase)
        },
    ));

    out.push(density(input, &kp));

    let intro = input.blocks.intro.as_deref().map_or(Match::None, |p| kp.find(p));
    out.push(match intro {
        Match::Exact => rate("keyphrase_in_introduction", Light::Green, "The keyphrase appears in the first paragraph.".into()),
        Match::Words => rate(
            "keyphrase_in_introduction",
            Light::Orange,
            format!("The first paragraph has the keyphrase's words but not \"{}\" itself: use the phrase.", kp.phrase),
        ),
        Match::None => rate(
            "keyphrase_in_introduction",
            Light::Red,
            format!("The first paragraph does not mention \"{}\": put it there so readers and search engines see the topic at once.", kp.phrase),
        ),
    });

    let subs = &input.blocks.subheadings;
    if !subs.is_empty() {
        let with = subs.iter().filter(|s| kp.find(s) != Match::None).count();
        let share = with as f64 / subs.len() as f64;
        let light = band((0.30..=0.75).contains(&share), with > 0);
        out.push(rate(
            "keyphrase_in_subheadings",
            light,
            match light {
                Light::Green => format!("{with} of {} subheadings mention the keyphrase (30–75 % is good).", subs.len()),
                Light::Orange if share > 0.75 => format!(
                    "{with} of {} subheadings mention the keyphrase: more than 75 % reads as over-optimised; vary them.",
                    subs.len()
                ),
                _ => format!(
                    "{with} of {} subheadings mention \"{}\": use it (or its words) in 30–75 % of your H2/H3 subheadings.",
                    subs.len(),
                    kp.phrase
                ),
            },
        ));
    }

    let title_kind = match ty {
        ContentType::Email => Some(("subject line", input.outline.subject.as_deref())),
        ContentType::Blog
        | ContentType::LandingPage
        | ContentType::PressRelease
        | ContentType::ProductDescription
        | ContentType::AdCopy => Some(("title", input.outline.title.as_deref())),
        ContentType::SocialMedia | ContentType::VideoScript => None,
    };
    if let Some((what, title)) = title_kind {
        let found = title.map(|t| kp.find(&t.to_lowercase()));
        out.push(match found {
            None => rate(
                "keyphrase_in_title",
                Light::Red,
                format!("No {what} found: add one that holds \"{}\".", kp.phrase),
            ),
            Some(Match::Exact) => rate("keyphrase_in_title", Light::Green, format!("The {what} holds the keyphrase.")),
            Some(Match::Words) => rate(
                "keyphrase_in_title",
                Light::Orange,
                format!("The {what} has the keyphrase's words but not \"{}\" itself.", kp.phrase),
            ),
            Some(Match::None) => {
                rate("keyphrase_in_title", Light::Red, format!("The {what} does not hold \"{}\": add it.", kp.phrase))
            }
        });
    }

    if matches!(ty, ContentType::Blog | ContentType::LandingPage) {
        let (lo, hi) = META_DESCRIPTION_RANGE;
        match input.outline.meta_description.as_deref() {
            None => out.push(rate(
                "meta_description_length",
                Light::Red,
                "No opening paragraph to draw a meta description from: start with a paragraph that sums up the page."
                    .into(),
            )),
            Some(meta) => {
                let chars = meta.chars().count();
                let light = band((lo..=hi).contains(&chars), chars > 0);
                out.push(rate(
                    "meta_description_length",
                    light,
                    if light == Light::Green {
                        format!("The meta description (from the first paragraph) has {chars} characters ({lo}–{hi} is good).")
                    } else {
                        format!(
                            "The meta description (from the first paragraph) has {chars} characters; search results \
                             show {lo}–{hi}: write a fuller opening paragraph."
                        )
                    },
                ));
                let found = kp.find(&meta.to_lowercase());
                out.push(match found {
                    Match::Exact => rate(
                        "keyphrase_in_meta_description",
                        Light::Green,
                        "The meta description holds the keyphrase.".into(),
                    ),
                    Match::Words => rate(
                        "keyphrase_in_meta_description",
                        Light::Orange,
                        format!("The meta description has the keyphrase's words but not \"{}\" itself.", kp.phrase),
                    ),
                    Match::None => rate(
                        "keyphrase_in_meta_description",
                        Light::Red,
                        format!(
                            "The meta description (the first 155 characters of the opening) does not hold \"{}\".",
                            kp.phrase
                        ),
                    ),
                });
            }
        }
    }
}

/// Density (Yoast: occurrences / words) within 0.5–3 %; texts under 100 words by count.
fn density(input: &Input<'_>, kp: &Keyphrase) -> Assessment {
    let set = PhraseSet::new([kp.phrase.as_str()]);
    let mut count = 0usize;
    set.scan(input.lower, &input.stats.tokens, |_, _, _| count += 1);
    let words = input.stats.words.max(1);
    if input.stats.words < SHORT_TEXT_WORDS {
        let most = 2 + words / 50;
        return if count == 0 {
            rate(
                "keyphrase_density",
                Light::Red,
                format!("The keyphrase \"{}\" does not appear: use it once or twice.", kp.phrase),
            )
        } else if count <= most {
            rate(
                "keyphrase_density",
                Light::Green,
                format!("The keyphrase appears {count} time(s) (1–{most} is good for {words} words)."),
            )
        } else if count == most + 1 {
            rate(
                "keyphrase_density",
                Light::Orange,
                format!("The keyphrase appears {count} times in {words} words: once or twice is enough."),
            )
        } else {
            failed(
                "keyphrase_density",
                format!(
                    "Keyword stuffing: \"{}\" appears {count} times in {words} words; use it at most {most} times.",
                    kp.phrase
                ),
            )
        };
    }
    let d = count as f64 / words as f64;
    let exact = format!("{:.1} %", 100.0 * d);
    if (0.005..=0.03).contains(&d) {
        rate("keyphrase_density", Light::Green, format!("Keyphrase density {exact} ({count} times; 0.5–3 % is good)."))
    } else if d > 0.04 {
        failed(
            "keyphrase_density",
            format!(
                "Keyword stuffing: \"{}\" makes up {exact} of the words ({count} times); keep it within 0.5–3 %.",
                kp.phrase
            ),
        )
    } else if d > 0.03 {
        rate(
            "keyphrase_density",
            Light::Orange,
            format!("Keyphrase density {exact} is above 3 %: use \"{}\" less often.", kp.phrase),
        )
    } else if d >= 0.0025 {
        rate(
            "keyphrase_density",
            Light::Orange,
            format!("Keyphrase density {exact} is below 0.5 %: use \"{}\" a little more.", kp.phrase),
        )
    } else {
        rate(
            "keyphrase_density",
            Light::Red,
            format!("The keyphrase \"{}\" appears {count} time(s) in {words} words: aim for 0.5–3 %.", kp.phrase),
        )
    }
}
