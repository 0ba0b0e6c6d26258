//! Builds a draft of each content type from the phrase banks, to the brief's length.
//!
//! Every draft is a fixed head (title, opener, the sentence naming every keyword), an elastic
//! body and a fixed tail (closer, call to action, sign-off, hashtags). The tail is written
//! first so the body's word budget is known; the body then adds a sentence only while doing
//! so brings the total closer to the target, and finishes with short sentences, so drafts
//! land within a few words of `effective_length()`.

use super::kinds;
use super::phrases::{self, CORE_WORDS, CORES, COVERAGE, LEADS, PREFIX_WORDS, PREFIXES, SHORT, SHORT_WORDS, Voice};
use crate::analysis::{Fnv1a, fit_to_platform, generate_hashtags, plain_word_count, significant_words, word_count};
use crate::content::{ContentRequest, ContentType, Platform};

pub(super) const SALT_TITLE: u64 = 1;
pub(super) const SALT_OPENER: u64 = 2;
pub(super) const SALT_CORES: u64 = 3;
pub(super) const SALT_LEADS: u64 = 4;
pub(super) const SALT_SHORT: u64 = 5;
pub(super) const SALT_CLOSER: u64 = 6;
pub(super) const SALT_GREETING: u64 = 7;
pub(super) const SALT_COVERAGE: u64 = 8;
pub(super) const SALT_HEADINGS: u64 = 9;
pub(super) const SALT_VISUAL: u64 = 10;

/// Writes the draft for `req` (English only).
///
/// When the fixed parts alone overshoot the target by more than 20 %, the draft is rewritten
/// compact (without opener, closer, audience line and other optional parts). Posts for a
/// single-post platform with a character cap are rewritten with a smaller word target while
/// they overflow (so the call to action and hashtags at the end survive), then passed through
/// [`fit_to_platform`] as a final guard.
///
/// Returns the text and its word count (as [`word_count`] counts it).
pub(super) fn draft(req: &ContentRequest) -> (String, usize) {
    let mut ctx = Ctx::new(req);
    let (mut text, mut words) = kinds::build(&ctx);
    if words.saturating_mul(5) > ctx.target.saturating_mul(6) {
        ctx.compact = true;
        (text, words) = kinds::build(&ctx);
    }
    if !req.content_type.is_post() {
        return (text, words);
    }
    let limits = req.effective_platform().limits();
    if let Some(cap) = limits.max_chars.filter(|_| limits.max_posts == 1) {
        for _ in 0..4 {
            let chars = text.chars().count();
            if chars <= cap {
                break;
            }
            let shrunk = (ctx.target as u128) * (cap as u128) * 97 / ((chars as u128) * 100);
            ctx.target = usize::try_from(shrunk).unwrap_or(0);
            (text, words) = kinds::build(&ctx);
        }
    }
    let fitted = fit_to_platform(&text, req);
    if fitted.len() != text.len() {
        words = word_count(&fitted);
    }
    (fitted, words)
}

/// The seed of every choice: a stable hash of the brief's type, tone, topic and keywords, so
/// two briefs on one topic get different drafts and one brief always gets the same draft.
fn brief_seed(req: &ContentRequest, topic: &str, keywords: &[&str]) -> u64 {
    let mut h = Fnv1a::new();
    for part in [req.content_type.as_str(), req.tone.as_str(), topic].into_iter().chain(keywords.iter().copied()) {
        h.write(part.as_bytes());
        h.write(&[0]);
    }
    h.finish()
}

/// What every part of a draft needs to know about the brief.
pub(super) struct Ctx<'a> {
    pub req: &'a ContentRequest,
    pub topic: &'a str,
    pub keywords: Vec<&'a str>,
    /// The brief's keywords, else the topic's significant words, else the topic.
    pub focus: Vec<String>,
    seed: u64,
    pub voice: &'static Voice,
    /// Target length in words.
    pub target: usize,
    /// Leave out optional parts (opener, closer, audience line, visuals ...).
    pub compact: bool,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(req: &'a ContentRequest) -> Self {
        let topic = match req.topic.trim() {
            "" => "this topic",
            t => t,
        };
        let keywords: Vec<&str> = req.keywords.iter().map(|k| k.trim()).filter(|k| !k.is_empty()).collect();
        let mut focus: Vec<String> = keywords.iter().map(|k| (*k).to_owned()).collect();
        if focus.is_empty() {
            focus = significant_words(topic);
        }
        if focus.is_empty() {
            focus.push(topic.to_owned());
        }
        let target = usize::try_from(req.effective_length()).unwrap_or(usize::MAX);
        let (seed, voice) = (brief_seed(req, topic, &keywords), phrases::voice(req.tone));
        Ctx { req, topic, keywords, focus, seed, voice, target, compact: false }
    }

    /// A stable choice in `0..n` for the part named by `salt` (splitmix64 finaliser).
    pub(super) fn pick(&self, salt: u64, n: usize) -> usize {
        let mut x = self.seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        usize::try_from(x % (n.max(1) as u64)).unwrap_or(0)
    }

    /// A title pattern of the tone filled with the topic (the bare topic when compact).
    pub(super) fn title(&self) -> String {
        if self.compact {
            return self.topic.to_owned();
        }
        let mut s = String::with_capacity(self.topic.len() + 40);
        fill(&mut s, self.voice.titles[self.pick(SALT_TITLE, 3)], self, "");
        s
    }

    pub(super) fn opener(&self) -> &'static str {
        self.voice.openers[self.pick(SALT_OPENER, 3)]
    }

    pub(super) fn closer(&self) -> &'static str {
        self.voice.closers[self.pick(SALT_CLOSER, 3)]
    }

    /// The keywords as prose: `a`, `a and b`, `a, b and c`.
    pub(super) fn list(&self) -> String {
        let mut s = String::new();
        for (i, k) in self.keywords.iter().enumerate() {
            if i > 0 {
                s.push_str(if i + 1 == self.keywords.len() { " and " } else { ", " });
            }
            s.push_str(k);
        }
        s
    }

    /// The call to action as a sentence: the brief's, or a default that fits the type.
    pub(super) fn cta(&self) -> String {
        let text = match self.req.call_to_action.as_deref().map(str::trim) {
            Some(c) if !c.is_empty() => c,
            _ => match self.req.content_type {
                ContentType::Blog => "Subscribe for more practical guides like this one",
                ContentType::SocialMedia => match self.req.effective_platform() {
                    Platform::Instagram | Platform::Tiktok => "Learn more at the link in our bio",
                    _ => "Learn more today",
                },
                ContentType::Email | ContentType::LandingPage => "Get started today",
                ContentType::AdCopy => "Try it free today",
                ContentType::ProductDescription => "Order yours today",
                ContentType::PressRelease => "Contact us for interviews and more details",
                ContentType::VideoScript => "Subscribe for more tips like this",
            },
        };
        let mut s = String::with_capacity(text.len() + 1);
        push_capitalized(&mut s, text);
        if !s.ends_with(['.', '!', '?']) {
            s.push(if self.voice.bang { '!' } else { '.' });
        }
        s
    }

    pub(super) fn hashtags(&self) -> Option<String> {
        if !self.req.wants_hashtags() {
            return None;
        }
        let tags = generate_hashtags(self.req);
        (!tags.is_empty()).then(|| tags.join(" "))
    }

    /// The `i`-th tone-neutral body sentence (prefix, core, words): 140 distinct pairs in turn.
    pub(super) fn core(&self, i: usize) -> (&'static str, &'static str, usize) {
        let at = self.pick(SALT_CORES, PREFIXES.len() * CORES.len()).wrapping_add(i);
        let (p, c) = (at % PREFIXES.len(), at % CORES.len());
        (PREFIXES[p], CORES[c], PREFIX_WORDS[p] + CORE_WORDS[c])
    }
}

impl Ctx<'_> {
    /// The sentence naming every keyword, if the brief has keywords.
    pub(super) fn coverage(&self) -> Option<&'static str> {
        (!self.keywords.is_empty()).then(|| COVERAGE[self.pick(SALT_COVERAGE, COVERAGE.len())])
    }
}

/// Replaces `{t}`, `{k}`, `{K}` and `{list}` in `tpl`.
pub(super) fn fill(out: &mut String, tpl: &str, ctx: &Ctx<'_>, k: &str) {
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        match &after[..close] {
            "t" => out.push_str(ctx.topic),
            "k" => out.push_str(k),
            "K" => push_capitalized(out, k),
            "list" => out.push_str(&ctx.list()),
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
}

pub(super) fn push_capitalized(out: &mut String, s: &str) {
    let mut chars = s.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// Lowercases a leading capital unless the word is an acronym (`Small teams` → `small teams`).
pub(super) fn decapitalize(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            let mut out = String::with_capacity(s.len());
            out.extend(a.to_lowercase());
            out.push_str(&s[a.len_utf8()..]);
            out
        }
        _ => s.to_owned(),
    }
}

/// The text being written, with its running word count.
pub(super) struct Writer {
    pub out: String,
    pub words: usize,
    in_para: bool,
}

impl Writer {
    pub(super) fn new(capacity: usize) -> Self {
        Writer { out: String::with_capacity(capacity), words: 0, in_para: false }
    }

    pub(super) fn close_para(&mut self) {
        if self.in_para {
            self.out.push('\n');
            self.in_para = false;
        }
    }

    /// Ends the paragraph with a blank line.
    pub(super) fn blank(&mut self) {
        self.close_para();
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push_str(if self.out.ends_with('\n') { "\n" } else { "\n\n" });
        }
    }

    pub(super) fn line(&mut self, s: &str) {
        self.close_para();
        self.out.push_str(s);
        self.out.push('\n');
        self.words += word_count(s);
    }

    pub(super) fn heading(&mut self, marker: &str, text: &str) {
        self.blank();
        self.out.push_str(marker);
        self.line(text);
        self.blank();
    }

    /// Starts a paragraph with a label such as `VOICEOVER:`.
    pub(super) fn label(&mut self, label: &str) {
        self.close_para();
        self.out.push_str(label);
        self.words += word_count(label);
        self.in_para = true;
    }

    pub(super) fn begin_sentence(&mut self) -> usize {
        if self.in_para {
            self.out.push(' ');
        }
        self.in_para = true;
        self.out.len()
    }

    pub(super) fn end_sentence(&mut self, start: usize) {
        if let Some(first) = self.out.get_mut(start..start + 1) {
            first.make_ascii_uppercase();
        }
        self.words += plain_word_count(self.out.get(start..).unwrap_or_default());
    }

    pub(super) fn sentence(&mut self, tpl: &str, ctx: &Ctx<'_>, k: &str) {
        let start = self.begin_sentence();
        fill(&mut self.out, tpl, ctx, k);
        self.end_sentence(start);
    }

    pub(super) fn text(&mut self, s: &str) {
        let start = self.begin_sentence();
        self.out.push_str(s);
        self.end_sentence(start);
    }

    /// Appends `tail` (written separately so its length was known up front).
    pub(super) fn append(&mut self, tail: Writer) {
        self.blank();
        self.out.push_str(tail.out.trim_start_matches('\n'));
        self.words += tail.words;
        self.in_para = tail.in_para;
    }

    /// The text, trailing whitespace trimmed, and its word count.
    pub(super) fn finish(mut self) -> (String, usize) {
        self.close_para();
        let len = self.out.trim_end().len();
        self.out.truncate(len);
        (self.out, self.words)
    }
}

/// Whether adding `n` words to `used` brings it closer to `budget`.
pub(super) fn closer(used: usize, n: usize, budget: usize) -> bool {
    (used + n).abs_diff(budget) < used.abs_diff(budget)
}

/// How the elastic body is laid out.
pub(super) struct Body<'h> {
    pub sections: usize,
    pub per_para: usize,
    /// Writes a section's start (heading, scene marker, quote); gets the section index and
    /// its focus keyword, if the section has one.
    pub start: &'h dyn Fn(&mut Writer, usize, Option<&str>),
}

/// Writes about `budget` words of body.
pub(super) fn body(w: &mut Writer, ctx: &Ctx<'_>, budget: usize, layout: &Body<'_>) {
    let sections = layout.sections;
    let body_start = w.words;
    let mut core_i = 0;
    let lead_at = ctx.pick(SALT_LEADS, LEADS.len());
    let short_at = ctx.pick(SALT_SHORT, SHORT.len());
    for s in 0..sections {
        let remaining = budget.saturating_sub(w.words - body_start);
        let section_budget = remaining / (sections - s);
        let start = w.words;
        let focus = ctx.focus.get(s).map(String::as_str);
        (layout.start)(w, s, focus);
        let mut count = 0;
        let add = |w: &mut Writer, count: &mut usize, write: &dyn Fn(&mut Writer)| {
            if *count > 0 && (*count).is_multiple_of(layout.per_para.max(1)) {
                w.blank();
            }
            write(w);
            *count += 1;
        };
        let first = match focus {
            Some(k) => (LEADS[(lead_at + s) % LEADS.len()], k),
            None => (ctx.voice.flavor[s % 3], ""),
        };
        let first_words = plain_word_count(first.0) + plain_word_count(first.1);
        if closer(w.words - start, first_words, section_budget) {
            add(w, &mut count, &|w| w.sentence(first.0, ctx, first.1));
        }
        loop {
            let (prefix, core, n) = ctx.core(core_i);
            if !closer(w.words - start, n, section_budget) {
                break;
            }
            add(w, &mut count, &|w| {
                let at = w.begin_sentence();
                w.out.push_str(prefix);
                w.out.push_str(core);
                w.end_sentence(at);
            });
            core_i += 1;
        }
        for j in 0..SHORT.len() {
            let at = (short_at + s + j) % SHORT.len();
            let short = SHORT[at];
            if closer(w.words - start, SHORT_WORDS[at], section_budget) {
                add(w, &mut count, &|w| w.text(short));
            }
        }
    }
}

/// Sections of about `per` words each, within `min..=max`; none when the budget is under
/// a quarter of a section (a heading with nothing under it reads badly).
pub(super) fn sections_for(budget: usize, per: usize, min: usize, max: usize) -> usize {
    if budget.saturating_mul(4) < per {
        return 0;
    }
    (budget + per / 2).checked_div(per).unwrap_or(1).clamp(min, max)
}
