//! Hard limits: what a platform refuses outright, counted the way the platform counts.
//!
//! | platform | limit | counted as |
//! |---|---|---|
//! | X (Twitter) | 280 per post, at most 25 posts in a thread | weighted characters: 1 for code points in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F, U+2032–U+2037, 2 for any other, 2 for an emoji sequence, 23 for a URL (twitter-text's v3 configuration) |
//! | Bluesky | 300 | grapheme clusters (what a reader sees as one character) |
//! | Threads | 500 | characters (Unicode scalar values) |
//! | Mastodon | 500 | characters, a URL counting 23 and `@user@domain` as `@user` (Mastodon's default instance limit) |
//! | Instagram | 2,200, at most 30 hashtags | characters |
//! | TikTok | 2,200 | characters |
//! | LinkedIn | 3,000 | characters |
//! | Facebook | 63,206 | characters |
//! | email | subject line 78 | characters (RFC 5322's line length: longer subjects are folded and cut by clients) |
//! | blog, landing page | meta description 160 | characters |
//!
//! [`violations`] lists what a copy breaks; [`fit`] is the deterministic last resort (cut at a
//! sentence end, drop hashtags past the limit, shorten the subject line) and says what it did.
//! The engine first gives the provider one round to repair what [`violations`] finds.

use super::hashtags::find_hashtags;
use super::platform::{cut_to_cap_by, split_thread_by};
use super::structure::cut_at_word;
use crate::content::{ContentRequest, Platform, RepairMethod, RepairNote};
use crate::publish::text::{bluesky_graphemes, mastodon_length, x_weighted_length};

/// How a platform counts the length of a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// Unicode scalar values.
    Chars,
    /// X's weighted characters (see the module docs).
    XWeighted,
    /// Extended grapheme clusters.
    Graphemes,
    /// Unicode scalar values, a URL counting 23 and a mention `@user@domain` as `@user`.
    CharsUrl23,
}

impl Counting {
    /// The unit as a writer reads it ("weighted characters").
    pub const fn unit(self) -> &'static str {
        match self {
            Counting::Chars | Counting::CharsUrl23 => "characters",
            Counting::XWeighted => "weighted characters",
            Counting::Graphemes => "graphemes",
        }
    }
}

/// A platform's hard limit on one post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostLimit {
    /// Stable id, as in [`RepairNote::limit`].
    pub id: &'static str,
    /// The most a post may hold.
    pub max: usize,
    /// How it is counted.
    pub counting: Counting,
}

/// Posts in one X thread at most.
pub const X_THREAD_POSTS: usize = 25;
/// Hashtags Instagram accepts in one post.
pub const INSTAGRAM_HASHTAGS: usize = 30;
/// Characters in an email subject line at most.
pub const EMAIL_SUBJECT_CHARS: usize = 78;
/// Characters in a meta description at most.
pub const META_DESCRIPTION_MAX: usize = 160;

impl Platform {
    /// The platform's hard limit on one post (`None` for blog, email and generic copy).
    pub const fn post_limit(self) -> Option<PostLimit> {
        let (id, max, counting) = match self {
            Platform::Twitter => ("x_post_weighted_chars", 280, Counting::XWeighted),
            Platform::Bluesky => ("bluesky_post_graphemes", 300, Counting::Graphemes),
            Platform::Threads => ("threads_post_chars", 500, Counting::Chars),
            Platform::Mastodon => ("mastodon_post_chars", 500, Counting::CharsUrl23),
            Platform::Instagram => ("instagram_caption_chars", 2200, Counting::Chars),
            Platform::Tiktok => ("tiktok_caption_chars", 2200, Counting::Chars),
            Platform::Linkedin => ("linkedin_post_chars", 3000, Counting::Chars),
            Platform::Facebook => ("facebook_post_chars", 63_206, Counting::Chars),
            Platform::Blog | Platform::Email | Platform::Generic => return None,
        };
        Some(PostLimit { id, max, counting })
    }
}

/// The length of `text` as `counting` counts it (the publishers' own counters,
/// [`crate::publish::text`], so what the engine fits is what a publisher accepts).
pub fn count(text: &str, counting: Counting) -> usize {
    match counting {
        Counting::Chars => text.chars().count(),
        Counting::Graphemes => bluesky_graphemes(text),
        Counting::CharsUrl23 => mastodon_length(text),
        Counting::XWeighted => x_weighted_length(text),
    }
}

/// A hard limit the copy breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Stable id of the limit.
    pub limit: &'static str,
    /// What breaks it: `content`, `hashtags` or `subject_line`.
    pub field: &'static str,
    /// The most allowed.
    pub max: usize,
    /// What the copy has.
    pub found: usize,
    /// The unit, as a writer reads it.
    pub unit: &'static str,
    /// How the platform counts it.
    pub counting: Counting,
}

impl Violation {
    /// The violation as an instruction to the writer (the repair prompt lists these).
    pub fn instruction(&self, platform: Platform) -> String {
        match self.field {
            "hashtags" => format!(
                "It has {} hashtags; {} accepts at most {}. Keep the {} most relevant.",
                self.found, platform, self.max, self.max
            ),
            "subject_line" => format!(
                "Its subject line is {} {}; keep it to at most {} {}.",
                self.found, self.unit, self.max, self.unit
            ),
            _ if self.limit == "x_thread_posts" => format!(
                "It needs {} posts as an X thread; a thread holds at most {} posts of 280 weighted characters.",
                self.found, self.max
            ),
            _ => format!(
                "It is {} {}; {} accepts at most {} {} in one post{}.",
                self.found,
                self.unit,
                platform,
                self.max,
                self.unit,
                match self.counting {
                    Counting::XWeighted => " (a URL counts 23, an emoji or a wide character 2)",
                    Counting::CharsUrl23 => " (a URL counts 23)",
                    Counting::Chars | Counting::Graphemes => "",
                }
            ),
        }
    }
}

/// The hard limits `content` (written for `request`) breaks, in a fixed order.
pub fn violations(content: &str, request: &ContentRequest) -> Vec<Violation> {
    let content = content.trim();
    let platform = request.effective_platform();
    let mut found = Vec::new();
    if let Some(limit) = platform.post_limit().filter(|_| request.content_type.is_post()) {
        let n = count(content, limit.counting);
        if platform == Platform::Twitter {
            let posts = split_thread_by(content, limit.max, |t| count(t, limit.counting)).len();
            if posts > X_THREAD_POSTS {
                found.push(Violation {
                    limit: "x_thread_posts",
                    field: "content",
                    max: X_THREAD_POSTS,
                    found: posts,
                    unit: "posts",
                    counting: limit.counting,
                });
            }
        } else if n > limit.max {
            found.push(Violation {
                limit: limit.id,
                field: "content",
                max: limit.max,
                found: n,
                unit: limit.counting.unit(),
                counting: limit.counting,
            });
        }
    }
    if platform == Platform::Instagram {
        let tags = find_hashtags(content).len();
        if tags > INSTAGRAM_HASHTAGS {
            found.push(Violation {
                limit: "instagram_hashtags",
                field: "hashtags",
                max: INSTAGRAM_HASHTAGS,
                found: tags,
                unit: "hashtags",
                counting: Counting::Chars,
            });
        }
    }
    if let Some((_, subject)) = subject_line(content) {
        let n = subject.chars().count();
        if n > EMAIL_SUBJECT_CHARS {
            found.push(Violation {
                limit: "email_subject_chars",
                field: "subject_line",
                max: EMAIL_SUBJECT_CHARS,
                found: n,
                unit: "characters",
                counting: Counting::Chars,
            });
        }
    }
    found
}

/// The byte range and text of an email's `Subject:` line (within its first three lines).
fn subject_line(content: &str) -> Option<(std::ops::Range<usize>, &str)> {
    let mut at = 0;
    for line in content.split_inclusive('\n').take(3) {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start().trim_start_matches(['*', '#', ' ']);
        let lower = trimmed.get(..8).map(str::to_ascii_lowercase);
        if lower.as_deref() == Some("subject:") {
            let value = trimmed[8..].trim_matches(|c: char| c == '*' || c.is_whitespace());
            let start = at + body.find(value).unwrap_or(0);
            return Some((start..start + value.len(), value));
        }
        at += line.len();
    }
    None
}

/// Makes `content` fit every hard limit of `request`'s platform, deterministically: a post is
/// cut at its last sentence end (else word) within the limit as the platform counts it,
/// hashtags past Instagram's 30 are dropped, an email subject is cut at a word. Returns the
/// fitted copy and one note per limit it had to enforce (`found` is the length before).
pub fn fit(content: &str, request: &ContentRequest) -> (String, Vec<RepairNote>) {
    let mut text = content.trim().to_owned();
    let mut notes = Vec::new();
    let platform = request.effective_platform();
    for v in violations(&text, request) {
        let (fixed, how) = match v.field {
            "hashtags" => {
                (drop_hashtags_after(&text, v.max), format!("dropped the hashtags after the first {}", v.max))
            }
            "subject_line" => (shorten_subject(&text, v.max), "cut the subject line at a word".to_owned()),
            _ if v.limit == "x_thread_posts" => {
                let limit = platform.post_limit();
                let max = limit.map_or(280, |l| l.max);
                let measure = |t: &str| count(t, limit.map_or(Counting::XWeighted, |l| l.counting));
                (first_posts(&text, max, X_THREAD_POSTS, measure), format!("kept the first {X_THREAD_POSTS} posts"))
            }
            _ => {
                let counting = platform.post_limit().map_or(Counting::Chars, |l| l.counting);
                (
                    cut_to_cap_by(&text, v.max, |t| count(t, counting)),
                    "cut at the last sentence end that fits".to_owned(),
                )
            }
        };
        text = fixed;
        let after = measure_field(&text, &v, request);
        notes.push(RepairNote {
            limit: v.limit.to_owned(),
            field: v.field.to_owned(),
            max: v.max,
            found: v.found,
            after,
            method: RepairMethod::Cut,
            message: format!(
                "{} {} over the limit of {}: {how} ({} → {after} {}).",
                v.found.saturating_sub(v.max),
                v.unit,
                v.max,
                v.found,
                v.unit
            ),
        });
    }
    (text, notes)
}

/// The length of `v`'s field in `text`, as `v` counts it.
pub(crate) fn measure_field(text: &str, v: &Violation, request: &ContentRequest) -> usize {
    let text = text.trim();
    match v.field {
        "hashtags" => find_hashtags(text).len(),
        "subject_line" => subject_line(text).map_or(0, |(_, s)| s.chars().count()),
        _ if v.limit == "x_thread_posts" => {
            let measure = |t: &str| count(t, Counting::XWeighted);
            split_thread_by(text, 280, measure).len()
        }
        _ => request.effective_platform().post_limit().map_or(0, |l| count(text, l.counting)),
    }
}

/// `text` without the hashtags after the first `keep` (each removed with one space before it).
fn drop_hashtags_after(text: &str, keep: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut seen = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let tag = word.trim_end();
        if tag.starts_with('#') && tag.len() > 1 {
            seen += 1;
            if seen > keep {
                continue;
            }
        }
        out.push_str(word);
    }
    let mut lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// `text` with its subject line cut at a word to at most `max` characters.
fn shorten_subject(text: &str, max: usize) -> String {
    match subject_line(text) {
        Some((range, subject)) => {
            let short = cut_at_word(subject, max);
            format!("{}{}{}", &text[..range.start], short, &text[range.end..])
        }
        None => text.to_owned(),
    }
}

/// The text of the first `posts` posts of `text` split as a thread of `max`-long posts.
fn first_posts(text: &str, max: usize, posts: usize, measure: impl Fn(&str) -> usize + Copy) -> String {
    let thread = split_thread_by(text, max, measure);
    let bodies: Vec<&str> = thread
        .iter()
        .take(posts)
        .map(|p| p.split_once(' ').filter(|(n, _)| n.contains('/')).map_or(p.as_str(), |(_, body)| body))
        .collect();
    let mut out = bodies.join(" ");
    // Renumbering for fewer posts can move words between posts; cut until it fits.
    while split_thread_by(&out, max, measure).len() > posts {
        let Some(at) = out.trim_end().rfind(char::is_whitespace) else { break };
        out.truncate(at);
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests;
