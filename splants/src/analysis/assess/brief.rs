//! Checks against the brief and the type: length, structure, call to action, keywords,
//! platform fit and hashtags.

use super::{Input, band, failed, pct, rate};
use crate::content::{Assessment, ContentType, Light};

fn part(count: usize, enough: usize) -> f64 {
    count.min(enough) as f64 / enough as f64
}

/// The per-type structure value in 0..=1 and what is missing (see the module docs).
fn structure(input: &Input<'_>) -> (f64, Vec<&'static str>) {
    let o = input.outline;
    let mut missing = Vec::new();
    let mut need = |ok: bool, what: &'static str| {
        if !ok {
            missing.push(what);
        }
        if ok { 1.0 } else { 0.0 }
    };
    let v = match input.request.content_type {
        ContentType::Blog | ContentType::LandingPage => {
            need(o.headings >= 2, "at least two headings");
            need(o.paragraphs >= 3, "at least three paragraphs");
            0.5 * part(o.headings, 2) + 0.5 * part(o.paragraphs, 3)
        }
        ContentType::Email => {
            0.5 * need(o.subject.is_some(), "a `Subject:` line")
                + 0.25 * need(o.greeting, "a greeting")
                + 0.25 * need(o.sign_off, "a sign-off")
        }
        ContentType::SocialMedia => need(input.fits_platform, "copy within the platform's limits"),
        ContentType::AdCopy => {
            0.5 * need(o.title.is_some(), "a headline") + 0.5 * need(input.has_cta, "a call to action")
        }
        ContentType::PressRelease => {
            0.5 * need(o.dateline || o.title.is_some(), "a headline or dateline")
                + 0.5 * need(o.quote, "a quote from a spokesperson")
        }
        ContentType::VideoScript => {
            need(o.cue_markers >= 3, "three or more scene or cue lines");
            part(o.cue_markers, 3)
        }
        ContentType::ProductDescription => {
            need(o.list_items >= 3, "a list of three or more benefits");
            need(input.you_count >= 3, "words addressed to the reader (you, your)");
            0.5 * part(o.list_items, 3) + 0.5 * part(input.you_count, 3)
        }
    };
    (v, missing)
}

/// The SEO part for social copy: hashtags present (when wanted) and within limits.
pub(crate) fn hashtag_ok(found: usize, wanted: bool, max: usize) -> bool {
    !(found > max || (wanted && found == 0))
}

pub(super) fn assess(input: &Input<'_>, out: &mut Vec<Assessment>) {
    let req = input.request;
    let ty = req.content_type;
    let platform = req.effective_platform();
    let limits = platform.limits();

    if input.fits_platform {
        out.push(rate("platform_fit", Light::Green, format!("Fits {platform}'s limits.")));
    } else {
        let mut why: Vec<String> = input
            .violations
            .iter()
            .map(|v| match v.field {
                "subject_line" => format!("a subject line of {} characters where {} fit", v.found, v.max),
                _ => format!("{} {} where {platform} allows {}", v.found, v.unit, v.max),
            })
            .collect();
        if input.hashtags_in_copy > limits.max_hashtags && !input.violations.iter().any(|v| v.field == "hashtags") {
            why.push(format!("{} hashtags where {platform} allows {}", input.hashtags_in_copy, limits.max_hashtags));
        }
        if why.is_empty() {
            why.push(format!("over {platform}'s limits"));
        }
        out.push(failed("platform_fit", format!("Does not fit the platform: {}. Shorten it.", why.join("; "))));
    }

    let target = req.effective_length().max(1) as f64;
    let words = input.stats.words as f64;
    let off = (words - target).abs() / target;
    let light = band(off <= 0.2, off <= 0.5);
    out.push(rate(
        "length",
        light,
        if light == Light::Green {
            format!("{words} words for a target of {target} (within 20 %).")
        } else {
            format!("{words} words for a target of {target}: {} off; aim for within 20 %.", pct(off))
        },
    ));

    let (v, missing) = structure(input);
    let light = band(v >= 1.0, v >= 0.5);
    out.push(rate(
        "structure",
        light,
        if missing.is_empty() {
            format!("Has the parts a {ty} needs.")
        } else {
            format!("A {ty} needs {}.", missing.join(", "))
        },
    ));

    if ty.expects_cta() {
        out.push(if input.has_cta {
            rate("call_to_action", Light::Green, "Has a call to action.".into())
        } else {
            rate(
                "call_to_action",
                Light::Red,
                "No call to action: end by telling the reader what to do next (\"Book a demo\", \"Shop now\").".into(),
            )
        });
    }

    let light = band(input.coverage >= 1.0, input.coverage >= 0.5);
    out.push(rate(
        "keywords",
        light,
        if input.missing.is_empty() {
            "Uses every keyword of the brief.".into()
        } else {
            format!("Missing keywords: {}. Cover the brief's topic and keywords.", input.missing.join(", "))
        },
    ));

    if ty == ContentType::SocialMedia || platform.is_social() {
        let wanted = req.wants_hashtags();
        let n = input.hashtags_in_copy;
        out.push(if hashtag_ok(n, wanted, limits.max_hashtags) {
            rate("hashtags", Light::Green, format!("{n} hashtag(s), within {platform}'s {}.", limits.max_hashtags))
        } else if n == 0 {
            rate("hashtags", Light::Red, format!("No hashtags: add {} relevant ones.", limits.recommended_hashtags))
        } else {
            rate(
                "hashtags",
                Light::Red,
                format!("{n} hashtags: {platform} shows at most {}; keep the best ones.", limits.max_hashtags),
            )
        });
    }
}
