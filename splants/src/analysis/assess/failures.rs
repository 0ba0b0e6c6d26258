//! Failures real models produce: the prompt echoed back, unfilled placeholders, emoji runs.

use super::{Input, failed, rate};
use crate::analysis::text::line_body;
use crate::content::{Assessment, Light};

/// Phrases of the instructions splants sends ([`crate::prompt`]) that never belong in copy.
pub const PROMPT_ECHO_PHRASES: &[&str] = &[
    "you are an expert marketing copywriter",
    "reply with the finished copy only",
    "without any preamble or notes",
    "use each one naturally, verbatim",
    "stay within 20 %",
    "end with a clear call to action.",
    "put the main keyword in the title and the first paragraph",
    "keep keyword use natural",
    "relevant hashtags (never more than",
    "write a blog article: a `# ` title",
    "write a marketing email. the first line is",
    "write ad copy: a headline",
    "write a product description: an opening line",
    "write landing page copy: a `# ` headline",
    "write a press release: a headline, a dateline",
    "write a video script with scene headings",
    "write a social media post: a strong hook",
    "write for x (twitter).",
];

/// Labels of the brief as the prompt lays it out (`- Topic: "…"`); two or more distinct ones
/// starting lines of the copy mean the brief was echoed.
pub const BRIEF_LABELS: &[&str] = &[
    "brief:",
    "topic:",
    "audience:",
    "tone:",
    "platform:",
    "length:",
    "limit:",
    "keywords (use each",
    "call to action:",
    "language:",
    "seo:",
    "hashtags:",
    "format:",
    "instructions:",
];

/// Identical emoji in a row (spaces between allowed) that make a piece red.
pub const EMOJI_RUN: usize = 4;

pub(super) fn assess(input: &Input<'_>, out: &mut Vec<Assessment>) {
    out.push(prompt_echo(input.lower));
    out.push(placeholders(input.content));
    out.push(emoji(input.content, input.stats.words));
}

/// All of [`PROMPT_ECHO_PHRASES`] in one automaton: one pass over the text instead of one per
/// phrase (about 380k instructions less on a 1,500-word post, counted with callgrind). A DFA
/// without the prefilter: the prefilter looks for rare bytes, and in English copy none is rare
/// (with it the search cost more than the 18 `contains` it replaces).
static ECHO: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .prefilter(false)
        .build(PROMPT_ECHO_PHRASES)
        .ok()
});

fn prompt_echo(lower: &str) -> Assessment {
    let phrase = match ECHO.as_ref() {
        Some(ac) => ac.find(lower).and_then(|m| PROMPT_ECHO_PHRASES.get(m.pattern().as_usize())),
        // Not reached (the phrases are fixed and build), but never worth a panic.
        None => PROMPT_ECHO_PHRASES.iter().find(|p| lower.contains(*p)),
    };
    let mut labels: Vec<&str> = Vec::new();
    for line in lower.lines() {
        let body = line_body(line).1.trim_start_matches(['*', '_']);
        if let Some(l) = BRIEF_LABELS.iter().find(|l| body.starts_with(*l))
            && !labels.contains(l)
        {
            labels.push(l);
        }
    }
    if phrase.is_none() && labels.len() < 2 {
        return rate("prompt_echo", Light::Green, "The copy does not repeat the prompt.".into());
    }
    let mut found: Vec<String> = phrase.iter().map(|p| format!("\"{p}\"")).collect();
    found.extend(labels.iter().take(3).map(|l| format!("\"{l}\"")));
    failed(
        "prompt_echo",
        format!(
            "The copy repeats the prompt's instructions or brief ({}) instead of answering it: the model echoed \
             the prompt. Regenerate, ideally with an instruction-tuned model.",
            found.join(", ")
        ),
    )
}

/// Nouns that end a short bracketed placeholder (`[Your Name]`, `[Company]`, `[insert city]`).
const PLACEHOLDER_NOUNS: &[&str] = &[
    "address", "city", "company", "date", "email", "link", "location", "name", "number", "phone", "price", "url",
    "website", "here",
];
const PLACEHOLDER_STARTS: &[&str] = &["insert", "add ", "enter ", "placeholder", "brief description", "tbd", "todo"];

/// Whether the inside of `[…]`, `<…>` or `{…}` reads as a slot to fill in.
fn is_placeholder(inner: &str) -> bool {
    let t = inner.trim().to_lowercase();
    if t.is_empty() || t.len() > 80 {
        return false;
    }
    if PLACEHOLDER_STARTS.iter().any(|p| t.starts_with(p)) || t.contains("placeholder") {
        return true;
    }
    let words: Vec<&str> =
        t.split(|c: char| c.is_whitespace() || c == '_' || c == '-').filter(|w| !w.is_empty()).collect();
    words.len() <= 4 && words.last().is_some_and(|w| PLACEHOLDER_NOUNS.contains(w))
}

/// Unfilled slots: `{{…}}`, `{name}`, and `[…]` / `<…>` whose inside reads as a slot.
fn find_placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() && found.len() < 3 {
        let rest = &text[i..];
        let Some(open) = rest.find(['[', '{', '<']) else { break };
        let start = i + open;
        let c = text.as_bytes()[start];
        let close = match c {
            b'[' => ']',
            b'{' => '}',
            _ => '>',
        };
        let double = c == b'{' && text[start + 1..].starts_with('{');
        let skip = if double { 2 } else { 1 };
        let after = &text[start + skip..];
        let found_close = if double { after.find("}}") } else { after.find(close) };
        let Some(len) = found_close.filter(|&l| l <= 80 && !after[..l].contains('\n')) else {
            i = start + 1;
            continue;
        };
        let inner = &after[..len];
        let end = start + 2 * skip + len;
        let hit = match c {
            b'{' if double => inner.chars().any(char::is_alphanumeric),
            b'{' => !inner.is_empty() && inner.chars().all(|ch| ch.is_alphanumeric() || ch == '_'),
            b'[' => !text[end..].starts_with('(') && is_placeholder(inner),
            _ => !inner.contains(['=', '/', '"']) && is_placeholder(inner),
        };
        if hit {
            found.push(&text[start..end]);
            i = end;
        } else {
            i = start + 1;
        }
    }
    found
}

fn placeholders(content: &str) -> Assessment {
    let found = find_placeholders(content);
    if found.is_empty() {
        return rate("placeholders", Light::Green, "No unfilled placeholders.".into());
    }
    let list: Vec<String> = found.iter().map(|p| format!("`{p}`")).collect();
    failed(
        "placeholders",
        format!(
            "Unfilled placeholders ({}): the model left slots for you to fill; replace them with real details \
             before publishing.",
            list.join(", ")
        ),
    )
}

/// Whether `c` is a pictographic emoji (modifiers, variation selectors and joiners are not).
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c, '\u{1F300}'..='\u{1F3FA}' | '\u{1F400}'..='\u{1F64F}' | '\u{1F680}'..='\u{1F6FF}'
        | '\u{1F900}'..='\u{1F9FF}' | '\u{1FA70}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}' | '\u{2B50}' | '\u{2B55}')
}

fn emoji(content: &str, words: usize) -> Assessment {
    let (mut total, mut run, mut longest) = (0usize, 0usize, 0usize);
    let mut last: Option<char> = None;
    let mut worst = ' ';
    for c in content.chars() {
        if c.is_whitespace() || matches!(c, '\u{FE0F}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}') {
            continue;
        }
        if is_emoji(c) {
            total += 1;
            run = if last == Some(c) { run + 1 } else { 1 };
            last = Some(c);
            if run > longest {
                (longest, worst) = (run, c);
            }
        } else {
            last = None;
            run = 0;
        }
    }
    let share_high = total >= 6 && total * 5 > words;
    if longest >= EMOJI_RUN || share_high {
        let what = if longest >= EMOJI_RUN {
            format!("{longest} × {worst} in a row")
        } else {
            format!("{total} emoji in {words} words")
        };
        return failed(
            "emoji_run",
            format!("Emoji spam ({what}): a model loop or filler; keep emoji to a few that add meaning."),
        );
    }
    if longest == EMOJI_RUN - 1 {
        return rate("emoji_run", Light::Orange, format!("{longest} × {worst} in a row: one is usually enough."));
    }
    rate("emoji_run", Light::Green, format!("{total} emoji, no runs."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_and_links_and_cues_are_not() {
        let text = "Visit us in [insert city]. We are [brief description of your company name]. Hi {{name}}, \
                    from <your name> at [Company] on {date}.";
        assert_eq!(
            find_placeholders(text),
            vec!["[insert city]", "[brief description of your company name]", "{{name}}"]
        );
        assert_eq!(find_placeholders("Signed, <your name>"), vec!["<your name>"]);
        assert_eq!(find_placeholders("Call [Your Name] at [phone number]."), vec!["[Your Name]", "[phone number]"]);
        for clean in [
            "Read [our guide](https://x.io/name) now.",
            "[SCENE 1] [Music fades] (B-roll of the team)",
            "<b>bold</b> and <a href=\"/x\">link</a>",
            "A set {a, b} and - [ ] task, [x] done.",
        ] {
            assert!(find_placeholders(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn emoji_runs_and_shares() {
        assert_eq!(emoji("Big news 🚀🚀🚀🚀 today", 3).light, Light::Red);
        assert_eq!(emoji("Big news 🔥 🔥 🔥 🔥 today", 3).score, 0.0);
        assert_eq!(emoji("Big news 🔥🔥🔥 today", 3).light, Light::Orange);
        assert_eq!(emoji("Launch day 🚀 is here 🎉 with a new plan for busy teams.", 11).light, Light::Green);
        assert_eq!(emoji("🚀🎉🔥✨💡🙌 go", 1).light, Light::Red);
        assert_eq!(emoji("👍🏽👍🏽👍🏽👍🏽", 0).light, Light::Red);
    }

    #[test]
    fn echoed_brief_is_detected() {
        assert_eq!(prompt_echo("brief:\n- topic: \"spring sale\"\n- tone: casual\n").light, Light::Red);
        assert_eq!(prompt_echo("reply with the finished copy only, in markdown.").score, 0.0);
        assert_eq!(prompt_echo("call to action: shop now.\nour spring sale starts today.").light, Light::Green);
    }
}
