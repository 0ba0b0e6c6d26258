//! The score components and their weighted sums (formulas in the module docs of
//! [`crate::analysis`]).

use super::structure::Outline;
use super::text::TextStats;
use crate::content::{ContentType, Tone};
use std::collections::BTreeMap;

/// Quality components and weights (sum 1).
pub(crate) const QUALITY_WEIGHTS: [(&str, f64); 6] = [
    ("length", 0.25),
    ("readability", 0.20),
    ("structure", 0.20),
    ("keywords", 0.15),
    ("call_to_action", 0.10),
    ("variety", 0.10),
];

/// SEO components and weights (sum 1).
pub(crate) const SEO_WEIGHTS: [(&str, f64); 6] = [
    ("keywords", 0.35),
    ("placement", 0.15),
    ("density", 0.15),
    ("structure", 0.15),
    ("length", 0.10),
    ("readability", 0.10),
];

/// `Σ weight · value` with each value clamped to 0..=1 (NaN as 0), and the values by name.
pub(crate) fn weighted(weights: &[(&str, f64); 6], values: [f64; 6]) -> (f64, BTreeMap<String, f64>) {
    let mut total = 0.0;
    let mut breakdown = BTreeMap::new();
    for (&(name, w), v) in weights.iter().zip(values) {
        let v = unit(v);
        total += w * v;
        breakdown.insert(name.to_owned(), v);
    }
    (unit(total), breakdown)
}

fn unit(v: f64) -> f64 {
    if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) }
}

/// 1 within ±20 % of the target, falling linearly to 0 at ±100 %.
pub(crate) fn length_adherence(words: usize, target: u32) -> f64 {
    let target = f64::from(target.max(1));
    let off = (words as f64 - target).abs() / target;
    if off <= 0.2 {
        1.0
    } else if off >= 1.0 {
        0.0
    } else {
        (1.0 - off) / 0.8
    }
}

/// Flesch ease mapped: ≤ 10 → 0, ≥ 60 (≥ 45 for professional or authoritative tone) → 1.
pub(crate) fn readability_score(flesch: f64, words: usize, tone: Tone) -> f64 {
    if words == 0 {
        return 0.0;
    }
    let high = if matches!(tone, Tone::Professional | Tone::Authoritative) { 45.0 } else { 60.0 };
    unit((flesch - 10.0) / (high - 10.0))
}

/// ½ · unique-sentence share + ½ · sentence-length fit (1 for 8..=25 words on average,
/// `avg/8` below, `1 − (avg−25)/25` above, 0 from 50).
pub(crate) fn variety(stats: &TextStats) -> f64 {
    if stats.sentences == 0 {
        return 0.0;
    }
    let unique = stats.unique_sentences as f64 / stats.sentences as f64;
    let avg = stats.words as f64 / stats.sentences as f64;
    let fit = if avg < 8.0 {
        avg / 8.0
    } else if avg <= 25.0 {
        1.0
    } else {
        1.0 - (avg - 25.0) / 25.0
    };
    0.5 * unique + 0.5 * unit(fit)
}

/// Keyword density (percent) mapped: 1 within 0.5–3 %, linear to 0 at 0 % and at 6 %.
pub(crate) fn density_score(percent: f64) -> f64 {
    if percent <= 0.0 || percent >= 6.0 {
        0.0
    } else if percent < 0.5 {
        percent / 0.5
    } else if percent <= 3.0 {
        1.0
    } else {
        (6.0 - percent) / 3.0
    }
}

fn part(count: usize, enough: usize) -> f64 {
    count.min(enough) as f64 / enough as f64
}

/// What the structure check of a type needs besides the outline.
pub(crate) struct StructureInputs<'a> {
    pub outline: &'a Outline,
    pub fits_platform: bool,
    pub has_cta: bool,
    /// Occurrences of `you` / `your` (benefit-style copy).
    pub you_count: usize,
}

/// The per-type structure component (see the module docs for each type's checks).
pub(crate) fn structure(ty: ContentType, s: &StructureInputs<'_>) -> f64 {
    let o = s.outline;
    let yes = |b: bool| if b { 1.0 } else { 0.0 };
    match ty {
        ContentType::Blog | ContentType::LandingPage => 0.5 * part(o.headings, 2) + 0.5 * part(o.paragraphs, 3),
        ContentType::Email => 0.5 * yes(o.subject.is_some()) + 0.25 * yes(o.greeting) + 0.25 * yes(o.sign_off),
        ContentType::SocialMedia => yes(s.fits_platform),
        ContentType::AdCopy => 0.5 * yes(o.title.is_some()) + 0.5 * yes(s.has_cta),
        ContentType::PressRelease => 0.5 * yes(o.dateline || o.title.is_some()) + 0.5 * yes(o.quote),
        ContentType::VideoScript => part(o.cue_markers, 3),
        ContentType::ProductDescription => 0.5 * part(o.list_items, 3) + 0.5 * part(s.you_count, 3),
    }
}

/// The SEO structure part for social copy: hashtags present (when wanted) and within limits.
pub(crate) fn hashtag_score(found: usize, wanted: bool, max: usize) -> f64 {
    if found > max || (wanted && found == 0) { 0.0 } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one() {
        for w in [QUALITY_WEIGHTS, SEO_WEIGHTS] {
            assert!((w.iter().map(|(_, w)| w).sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn component_curves() {
        assert_eq!(length_adherence(100, 100), 1.0);
        assert_eq!(length_adherence(120, 100), 1.0);
        assert_eq!(length_adherence(80, 100), 1.0);
        assert!((length_adherence(60, 100) - 0.75).abs() < 1e-12);
        assert!((length_adherence(160, 100) - 0.5).abs() < 1e-12);
        assert_eq!(length_adherence(0, 100), 0.0);
        assert_eq!(length_adherence(250, 100), 0.0);
        assert_eq!(length_adherence(3, 0), 0.0);
        assert_eq!(readability_score(60.0, 10, Tone::Casual), 1.0);
        assert!((readability_score(35.0, 10, Tone::Casual) - 0.5).abs() < 1e-12);
        assert_eq!(readability_score(45.0, 10, Tone::Professional), 1.0);
        assert_eq!(readability_score(5.0, 10, Tone::Casual), 0.0);
        assert_eq!(readability_score(100.0, 0, Tone::Casual), 0.0);
        assert_eq!(density_score(0.0), 0.0);
        assert!((density_score(0.25) - 0.5).abs() < 1e-12);
        assert_eq!(density_score(2.0), 1.0);
        assert!((density_score(4.5) - 0.5).abs() < 1e-12);
        assert_eq!(density_score(7.0), 0.0);
        assert_eq!(hashtag_score(0, true, 3), 0.0);
        assert_eq!(hashtag_score(0, false, 3), 1.0);
        assert_eq!(hashtag_score(3, true, 3), 1.0);
        assert_eq!(hashtag_score(4, true, 3), 0.0);
    }

    #[test]
    fn weighted_clamps_and_names() {
        let (total, parts) = weighted(&QUALITY_WEIGHTS, [1.0, 1.0, 1.0, 1.0, 2.0, f64::NAN]);
        assert!((total - 0.9).abs() < 1e-12);
        assert_eq!(parts["call_to_action"], 1.0);
        assert_eq!(parts["variety"], 0.0);
        assert_eq!(parts.len(), 6);
    }
}
