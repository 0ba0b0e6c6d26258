//! The shape of a piece: headings, paragraphs, title, subject, greeting, quotes, cues, CTA.

use super::keywords::PhraseSet;
use super::text::{LineKind, Token, alnum_runs, line_body};
use crate::content::ContentType;

/// Phrases that count as a call to action (matched as whole words, case-insensitively).
pub const CTA_PHRASES: &[&str] = &[
    "apply now",
    "book a",
    "book your",
    "buy now",
    "call us",
    "claim your",
    "click here",
    "contact us",
    "download",
    "get started",
    "get your",
    "join",
    "learn more",
    "order now",
    "order yours",
    "register",
    "request a demo",
    "reserve your",
    "shop now",
    "sign up",
    "start your",
    "subscribe",
    "try",
    "visit",
];

/// Longest meta description, in characters (what search engines usually show).
pub const META_DESCRIPTION_CHARS: usize = 155;

/// What the line scan found.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Outline {
    pub headings: usize,
    pub paragraphs: usize,
    pub list_items: usize,
    pub title: Option<String>,
    pub subject: Option<String>,
    pub meta_description: Option<String>,
    pub greeting: bool,
    pub sign_off: bool,
    pub dateline: bool,
    pub quote: bool,
    pub cue_markers: usize,
}

/// Scans `content` line by line; the type decides which type-specific checks run.
pub(crate) fn outline(content: &str, ty: ContentType) -> Outline {
    let mut o = Outline::default();
    let mut in_block = false;
    let mut block_counted = false;
    let mut nonempty = 0usize;
    let mut first_line: Option<(LineKind, &str)> = None;
    let mut greeting_checked = false;
    let mut last_sign_off: Option<usize> = None;
    let mut first_para: Option<String> = None;
    let mut para_done = false;
    for raw in content.lines() {
        let (kind, body) = line_body(raw);
        if kind == LineKind::Blank {
            in_block = false;
            if first_para.is_some() {
                para_done = true;
            }
            continue;
        }
        nonempty += 1;
        if !in_block {
            in_block = true;
            block_counted = false;
        }
        let plain = plain(body);
        let is_subject = ty == ContentType::Email && subject_text(plain).is_some();
        if is_subject && o.subject.is_none() {
            o.subject = subject_text(plain).map(str::to_owned);
        }
        let is_label = is_subject || is_release_label(plain) || starts_with_ci(plain, "preview:");
        match kind {
            LineKind::Heading => {
                o.headings += 1;
                if o.title.is_none() && heading_level(raw) <= 2 {
                    o.title = Some(clean_title(strip_label(plain)));
                }
            }
            LineKind::ListItem => o.list_items += 1,
            LineKind::Text | LineKind::Blank => {}
        }
        if kind != LineKind::Heading && !block_counted && !is_label {
            o.paragraphs += 1;
            block_counted = true;
        }
        if first_line.is_none() && !is_label {
            first_line = Some((kind, body));
        }
        match ty {
            ContentType::Blog | ContentType::LandingPage if !para_done => {
                if kind == LineKind::Text && !is_label {
                    let p = first_para.get_or_insert_with(String::new);
                    if !p.is_empty() {
                        p.push(' ');
                    }
                    p.push_str(plain);
                } else if first_para.is_some() {
                    para_done = true;
                }
            }
            ContentType::Email => {
                if !greeting_checked && !is_label && kind != LineKind::Heading {
                    greeting_checked = true;
                    o.greeting = is_greeting(plain);
                }
                if is_sign_off(plain) {
                    last_sign_off = Some(nonempty);
                }
            }
            ContentType::PressRelease if nonempty <= 6 => o.dateline |= is_dateline(plain),
            ContentType::VideoScript => o.cue_markers += usize::from(is_cue(plain)),
            _ => {}
        }
    }
    if o.title.is_none()
        && nonempty > 1
        && let Some((kind, body)) = first_line
        && kind != LineKind::ListItem
    {
        let title = clean_title(strip_label(plain(body)));
        let short = title.chars().count() <= 100 && title.split_whitespace().count() <= 15;
        if short && !title.is_empty() && !title.ends_with(['.', ',', ';', ':']) {
            o.title = Some(title);
        }
    }
    o.sign_off = last_sign_off.is_some_and(|at| at + 4 > nonempty);
    if ty == ContentType::PressRelease {
        o.quote = has_quote(content);
    }
    o.meta_description = first_para.map(|p| cut_at_word(&p, META_DESCRIPTION_CHARS));
    o
}

/// Whether the copy holds the brief's call to action or a phrase from [`CTA_PHRASES`].
pub(crate) fn has_call_to_action(lower: &str, tokens: &[Token], call_to_action: Option<&str>) -> bool {
    // The fixed phrases are indexed once per process, not once per piece.
    static CTAS: std::sync::LazyLock<PhraseSet<'static>> =
        std::sync::LazyLock::new(|| PhraseSet::new(CTA_PHRASES.iter().copied()));
    if CTAS.any(lower, tokens) {
        return true;
    }
    let Some(cta) = call_to_action.map(str::to_lowercase) else { return false };
    PhraseSet::new([cta.as_str()]).any(lower, tokens)
}

/// Cuts `text` to at most `max` characters at a word boundary (a single longer word is cut
/// at a character boundary); trailing `,;:` and spaces are dropped.
pub(crate) fn cut_at_word(text: &str, max: usize) -> String {
    let text = text.trim();
    let Some((cap, _)) = text.char_indices().nth(max) else { return text.to_owned() };
    let head = &text[..cap];
    let next_is_space = text[cap..].starts_with(char::is_whitespace);
    let cut = if next_is_space { head } else { head.rfind(char::is_whitespace).map_or(head, |i| &head[..i]) };
    cut.trim_end().trim_end_matches([',', ';', ':', '-', '—']).trim_end().to_owned()
}

fn plain(body: &str) -> &str {
    body.trim().trim_start_matches(['*', '_']).trim_start()
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

fn after_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if starts_with_ci(s, prefix) { s.get(prefix.len()..) } else { None }
}

fn subject_text(plain: &str) -> Option<&str> {
    let rest = after_ci(plain, "subject line:").or_else(|| after_ci(plain, "subject:"))?;
    let rest = rest.trim_start_matches(['*', '_', ' ']).trim_end_matches(['*', '_', ' ']);
    (!rest.is_empty()).then_some(rest)
}

fn strip_label(plain: &str) -> &str {
    after_ci(plain, "headline:")
        .or_else(|| after_ci(plain, "title:"))
        .map_or(plain, |r| r.trim_start_matches(['*', ' ']))
}

fn is_release_label(plain: &str) -> bool {
    starts_with_ci(plain, "for immediate release")
}

fn heading_level(raw: &str) -> usize {
    let hashes = raw.trim_start().bytes().take_while(|&b| b == b'#').count();
    if hashes == 0 { 2 } else { hashes }
}

fn clean_title(body: &str) -> String {
    body.trim().trim_end_matches('#').trim().trim_matches(['*', '_']).trim().to_owned()
}

fn is_greeting(plain: &str) -> bool {
    let first = alnum_runs(plain).next().map(|(_, w)| w.to_ascii_lowercase());
    match first.as_deref() {
        Some("hi" | "hello" | "hey" | "dear" | "greetings" | "howdy" | "welcome") => true,
        Some("good") => ["good morning", "good afternoon", "good evening"].iter().any(|g| starts_with_ci(plain, g)),
        _ => false,
    }
}

const SIGN_OFFS: &[&str] = &[
    "all the best",
    "best",
    "cheers",
    "kind regards",
    "regards",
    "see you",
    "sincerely",
    "talk soon",
    "thank you",
    "thanks",
    "to your success",
    "until next time",
    "warm regards",
    "warmly",
    "with gratitude",
    "yours",
];

fn is_sign_off(plain: &str) -> bool {
    plain.chars().count() <= 60 && SIGN_OFFS.iter().any(|s| starts_with_ci(plain, s))
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];

/// `FOR IMMEDIATE RELEASE`, or a month name with a year (`Berlin, Nov. 3, 2026 —`).
fn is_dateline(plain: &str) -> bool {
    if is_release_label(plain) {
        return true;
    }
    let lower = plain.to_lowercase();
    let mut month = false;
    let mut year = false;
    for (_, w) in alnum_runs(&lower) {
        month |= MONTHS.contains(&w);
        year |= w.len() == 4 && (w.starts_with("19") || w.starts_with("20")) && w.bytes().all(|b| b.is_ascii_digit());
    }
    month && year
}

/// A quotation of at least three words between `"…"`, `“…”` or `«…»`.
fn has_quote(content: &str) -> bool {
    let mut open: Option<char> = None;
    let mut words = 0usize;
    let mut in_word = false;
    for c in content.chars() {
        match open {
            None => {
                open = match c {
                    '"' => Some('"'),
                    '“' => Some('”'),
                    '«' => Some('»'),
                    _ => None,
                };
                words = 0;
                in_word = false;
            }
            Some(close) if c == close => {
                if words >= 3 {
                    return true;
                }
                open = None;
            }
            Some(_) => {
                if c.is_whitespace() {
                    in_word = false;
                } else if !in_word {
                    in_word = true;
                    words += 1;
                }
            }
        }
    }
    false
}

const CUE_PREFIXES: &[&str] = &[
    "audio",
    "b-roll",
    "cut to",
    "ext.",
    "fade",
    "host:",
    "int.",
    "music",
    "narrator",
    "on screen",
    "on-screen",
    "scene",
    "sfx",
    "text overlay",
    "title card",
    "v.o.",
    "visual",
    "vo:",
    "voice-over",
    "voiceover",
];

/// A scene or cue line: `[SCENE 2]`, `(B-roll …)`, `VISUAL:`, `VOICEOVER:`, `INT. OFFICE`.
fn is_cue(plain: &str) -> bool {
    plain.starts_with(['[', '(']) || CUE_PREFIXES.iter().any(|p| starts_with_ci(plain, p))
}

#[cfg(test)]
mod tests {
    use super::super::text::TextStats;
    use super::*;

    #[test]
    fn blog_outline() {
        let text = "# Ten Tips\n\nIntro line one\ncontinues here.\n\n## First\n\nBody.\n- a\n- b\n\n### Deep\nMore.\n";
        let o = outline(text, ContentType::Blog);
        assert_eq!((o.headings, o.paragraphs, o.list_items), (3, 3, 2));
        assert_eq!(o.title.as_deref(), Some("Ten Tips"));
        assert_eq!(o.meta_description.as_deref(), Some("Intro line one continues here."));
    }

    #[test]
    fn title_from_first_short_line() {
        let o = outline("**Headline: Save time with AI**\nBody text here.", ContentType::AdCopy);
        assert_eq!(o.title.as_deref(), Some("Save time with AI"));
        assert_eq!(outline("One line only", ContentType::AdCopy).title, None);
        assert_eq!(outline("This is a sentence.\nMore.", ContentType::AdCopy).title, None);
        let o = outline("FOR IMMEDIATE RELEASE\n\nAcme ships v2\n\nBody.", ContentType::PressRelease);
        assert_eq!(o.title.as_deref(), Some("Acme ships v2"));
        assert!(o.dateline);
    }

    #[test]
    fn email_outline() {
        let text = "Subject: Your weekly tips\n\nHi Sam,\n\nHere is the news.\n\nBest regards,\nThe team";
        let o = outline(text, ContentType::Email);
        assert_eq!(o.subject.as_deref(), Some("Your weekly tips"));
        assert!(o.greeting && o.sign_off);
        assert_eq!(o.title, None);
        let o = outline("**Subject:** Hello\n\nNews first.\n\nBest", ContentType::Email);
        assert_eq!(o.subject.as_deref(), Some("Hello"));
        assert!(!o.greeting && o.sign_off);
    }

    #[test]
    fn press_and_video() {
        let pr =
            "Acme ships v2\n\nBERLIN, Nov. 3, 2026 — Acme today announced v2.\n\n\"We built it for you,\" said Jo.";
        let o = outline(pr, ContentType::PressRelease);
        assert!(o.dateline && o.quote);
        assert!(!has_quote("He said \"hi there\" and left."));
        assert!(has_quote("“This changes everything for teams,” she said."));
        let vs = "[SCENE 1]\nVISUAL: a desk\nVOICEOVER: Hello.\nJust talk.\n(B-roll of city)";
        assert_eq!(outline(vs, ContentType::VideoScript).cue_markers, 4);
    }

    #[test]
    fn meta_description_cut_at_word() {
        let long = "word ".repeat(60);
        let cut = cut_at_word(&long, META_DESCRIPTION_CHARS);
        assert_eq!(cut.chars().count(), 154);
        assert!(cut.ends_with("word"));
        assert_eq!(cut_at_word("ééééé", 3), "ééé");
        assert_eq!(cut_at_word("short, sweet", 155), "short, sweet");
        assert_eq!(cut_at_word("alpha beta, gamma", 12), "alpha beta");
    }

    #[test]
    fn call_to_action_detection() {
        let check = |text: &str, cta: Option<&str>| {
            let lower = text.to_lowercase();
            let stats = TextStats::measure(&lower);
            has_call_to_action(&lower, &stats.tokens, cta)
        };
        assert!(check("Sign up today.", None));
        assert!(check("Ready? Get started now!", None));
        assert!(!check("We were trying hard and signed nothing.", None));
        assert!(!check("Plain text without an ask.", None));
        assert!(check("Claim the 20% launch discount before Friday.", Some("claim the 20% launch discount")));
    }
}
