//! Fitting copy to a platform: cutting single posts to the cap, splitting threads.

use super::text::ends_sentence;
use crate::content::ContentRequest;

/// Fits copy to the request's platform: every hard limit of [`super::limits`], enforced by
/// [`super::limits::fit`] (which also says what it changed).
///
/// Trims surrounding whitespace. For a post type (`ContentType::is_post`) on a single-post
/// platform, a text longer than the platform's limit (as the platform counts it) is cut at the
/// last sentence end or line break, or at the last word boundary when no sentence end keeps at
/// least half the limit. A trailing block of hashtags (a last paragraph made only of `#tags`)
/// is kept and the body cut shorter, as long as the block takes at most a quarter of the
/// limit; a character or a hashtag is never split. Instagram keeps its first 30 hashtags; an
/// email subject line is cut at a word. Twitter copy is split into a thread
/// ([`split_thread`]) rather than cut, unless it needs more than 25 posts.
pub fn fit_to_platform(content: &str, request: &ContentRequest) -> String {
    super::limits::fit(content, request).0
}

/// Cuts `text` (already trimmed) to at most `cap` characters, keeping a trailing hashtag block.
pub(crate) fn cut_to_cap(text: &str, cap: usize) -> String {
    if text.chars().count() <= cap {
        return text.to_owned();
    }
    if let Some((body, tags)) = split_tag_block(text) {
        let tag_chars = tags.chars().count();
        if tag_chars + 2 <= cap / 4 {
            let mut out = cut_body(body.trim_end(), cap - tag_chars - 2);
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(tags);
            return out;
        }
    }
    cut_body(text, cap)
}

/// Like [`cut_to_cap`], with the length measured by `measure` (a platform's own counting,
/// which never counts a text shorter than a prefix of it): the longest cut whose measure is at
/// most `cap`.
pub(crate) fn cut_to_cap_by(text: &str, cap: usize, measure: impl Fn(&str) -> usize) -> String {
    let text = text.trim();
    if measure(text) <= cap {
        return text.to_owned();
    }
    // The most characters a prefix within the cap holds (binary search: prefixes only grow).
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let (mut lo, mut hi) = (0, bounds.len() - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if measure(&text[..bounds[mid]]) <= cap {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut chars = lo;
    loop {
        let cut = cut_to_cap(text, chars);
        let over = measure(&cut).saturating_sub(cap);
        if over == 0 || chars == 0 {
            return cut;
        }
        chars = chars.saturating_sub(over.max(1));
    }
}

/// Like [`split_thread`], each post measured by `measure` (a platform's own counting): the
/// posts are packed by characters, then packed again shorter while any post measures more
/// than `max`.
pub(crate) fn split_thread_by(text: &str, max: usize, measure: impl Fn(&str) -> usize) -> Vec<String> {
    let max = max.max(1);
    let mut chars = max;
    loop {
        let posts = split_thread(text, chars);
        let worst = posts.iter().map(|p| measure(p)).max().unwrap_or(0);
        if worst <= max || chars == 1 {
            return posts;
        }
        // Shrink in proportion to the worst post (a wide character weighs 2), at least by one.
        chars = (chars * max / worst).min(chars - 1).max(1);
    }
}

/// Splits off a last paragraph made only of hashtags.
fn split_tag_block(text: &str) -> Option<(&str, &str)> {
    let at = text.rfind("\n\n")?;
    let tags = text[at..].trim();
    let all_tags = tags.split_whitespace().all(|w| w.starts_with('#') && w.len() > 1);
    (all_tags && !tags.is_empty()).then(|| (&text[..at], tags))
}

/// Cuts at the last sentence end or line break within `cap` characters, else the last word
/// boundary, else (one giant word) at `cap` characters unless that word is a hashtag.
fn cut_body(text: &str, cap: usize) -> String {
    let Some((end, _)) = text.char_indices().nth(cap) else { return text.to_owned() };
    let head = &text[..end];
    let next_is_space = text[end..].starts_with(char::is_whitespace);
    let mut sentence_cut: Option<(usize, usize)> = None; // (byte, chars)
    let mut word_cut: Option<usize> = None;
    let mut word_start = 0;
    for (chars, (i, c)) in head.char_indices().enumerate() {
        if c.is_whitespace() {
            let word = &head[word_start..i];
            if c == '\n' || ends_sentence(word) {
                sentence_cut = Some((i, chars));
            }
            word_cut = Some(i);
            word_start = i + c.len_utf8();
        }
    }
    if next_is_space {
        let word = &head[word_start..];
        if ends_sentence(word) {
            sentence_cut = Some((head.len(), cap));
        }
        word_cut = Some(head.len());
    }
    let cut = match (sentence_cut, word_cut) {
        (Some((at, chars)), _) if chars.saturating_mul(2) >= cap => at,
        (_, Some(at)) => at,
        (Some((at, _)), None) => at,
        (None, None) if text.starts_with('#') => 0,
        (None, None) => end,
    };
    text[..cut].trim_end().to_owned()
}

/// Splits text into numbered posts of at most `max_chars` characters each.
///
/// Each post reads `i/n text`; the numbering counts toward `max_chars`. Whole sentences are
/// packed greedily (a sentence ends at `.`, `!`, `?`, `…` or a line break) and line breaks
/// between sentences of a post are kept; a sentence longer than a post is split at words, a
/// word longer than a post at characters. Order and words are preserved. Returns the trimmed
/// text alone (no numbering) when it fits, nothing for blank text, and unnumbered
/// `max_chars`-character pieces when `max_chars` is too small to hold numbering (`0` is
/// treated as `1`).
pub fn split_thread(text: &str, max_chars: usize) -> Vec<String> {
    let text = text.trim();
    let max_chars = max_chars.max(1);
    if text.is_empty() {
        return Vec::new();
    }
    if text.chars().count() <= max_chars {
        return vec![text.to_owned()];
    }
    let sentences = sentences(text);
    let mut digits = 1;
    loop {
        let prefix = 2 * digits + 2; // "n/n "
        if prefix >= max_chars {
            return pack(&sentences, max_chars);
        }
        let posts = pack(&sentences, max_chars - prefix);
        let n = posts.len();
        let need = decimal_digits(n);
        if need <= digits {
            return posts.into_iter().enumerate().map(|(i, p)| format!("{}/{n} {p}", i + 1)).collect();
        }
        digits = need;
    }
}

fn decimal_digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// A sentence: its words and the break before it (` `, `\n` or `\n\n`).
struct Sentence<'a> {
    words: Vec<&'a str>,
    chars: usize,
    sep: &'static str,
}

fn sentences(text: &str) -> Vec<Sentence<'_>> {
    let mut out: Vec<Sentence<'_>> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut cur_sep = "";
    let mut pending_sep = "";
    for (li, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            pending_sep = "\n\n";
            continue;
        }
        if li > 0 && pending_sep.is_empty() {
            pending_sep = "\n";
        }
        for word in line.split_whitespace() {
            if cur.is_empty() {
                cur_sep = if out.is_empty() { "" } else { pending_sep };
                pending_sep = " ";
            }
            cur.push(word);
            if ends_sentence(word) {
                out.push(sentence(std::mem::take(&mut cur), cur_sep));
            }
        }
        if !cur.is_empty() {
            out.push(sentence(std::mem::take(&mut cur), cur_sep));
        }
        pending_sep = "";
    }
    out
}

fn sentence<'a>(words: Vec<&'a str>, sep: &'static str) -> Sentence<'a> {
    let chars = words.iter().map(|w| w.chars().count()).sum::<usize>() + words.len().saturating_sub(1);
    Sentence { words, chars, sep: if sep.is_empty() { " " } else { sep } }
}

/// Greedy packing into posts of at most `budget` (≥ 1) characters.
fn pack(sentences: &[Sentence<'_>], budget: usize) -> Vec<String> {
    let mut posts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_chars = 0;
    let flush = |posts: &mut Vec<String>, cur: &mut String, cur_chars: &mut usize| {
        if !cur.is_empty() {
            posts.push(std::mem::take(cur));
            *cur_chars = 0;
        }
    };
    for s in sentences {
        let sep_chars = s.sep.chars().count();
        if !cur.is_empty() && cur_chars + sep_chars + s.chars <= budget {
            cur.push_str(s.sep);
            push_words(&mut cur, &s.words);
            cur_chars += sep_chars + s.chars;
            continue;
        }
        flush(&mut posts, &mut cur, &mut cur_chars);
        if s.chars <= budget {
            push_words(&mut cur, &s.words);
            cur_chars = s.chars;
            continue;
        }
        for word in &s.words {
            let wc = word.chars().count();
            if !cur.is_empty() && cur_chars + 1 + wc <= budget {
                cur.push(' ');
                cur.push_str(word);
                cur_chars += 1 + wc;
            } else if wc <= budget {
                flush(&mut posts, &mut cur, &mut cur_chars);
                cur.push_str(word);
                cur_chars = wc;
            } else {
                flush(&mut posts, &mut cur, &mut cur_chars);
                let mut piece = String::new();
                let mut piece_chars = 0;
                for c in word.chars() {
                    if piece_chars == budget {
                        posts.push(std::mem::take(&mut piece));
                        piece_chars = 0;
                    }
                    piece.push(c);
                    piece_chars += 1;
                }
                cur = piece;
                cur_chars = piece_chars;
            }
        }
    }
    flush(&mut posts, &mut cur, &mut cur_chars);
    posts
}

fn push_words(out: &mut String, words: &[&str]) {
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{ContentType, Platform};

    fn post(p: Platform) -> ContentRequest {
        ContentRequest::new(ContentType::SocialMedia, "t").platform(p)
    }

    fn strip_numbering(p: &str) -> &str {
        p.split_once(' ').map_or("", |(n, rest)| {
            assert!(n.contains('/'), "{p}");
            rest
        })
    }

    #[test]
    fn thread_posts_fit_keep_order_and_words() {
        let text = (1..=40)
            .map(|i| format!("Sentence number {i} says something useful about marketing."))
            .collect::<Vec<_>>()
            .join(" ");
        let posts = split_thread(&text, 280);
        assert!(posts.len() > 1);
        let n = posts.len();
        for (i, p) in posts.iter().enumerate() {
            assert!(p.chars().count() <= 280, "{p}");
            assert!(p.starts_with(&format!("{}/{n} ", i + 1)), "{p}");
            assert!(p.ends_with('.'), "posts end at sentence boundaries: {p}");
        }
        let joined: Vec<&str> = posts.iter().flat_map(|p| strip_numbering(p).split_whitespace()).collect();
        assert_eq!(joined, text.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn thread_of_fitting_or_blank_text() {
        assert_eq!(split_thread("  short post  ", 280), vec!["short post"]);
        assert!(split_thread(" \n ", 280).is_empty());
        let exactly = "x".repeat(280);
        assert_eq!(split_thread(&exactly, 280), vec![exactly.clone()]);
    }

    #[test]
    fn thread_splits_long_sentences_and_words() {
        let long_sentence = "word ".repeat(100); // 499 chars, no sentence end
        let posts = split_thread(&long_sentence, 50);
        assert!(posts.iter().all(|p| p.chars().count() <= 50));
        let words: usize = posts.iter().map(|p| strip_numbering(p).split_whitespace().count()).sum();
        assert_eq!(words, 100);
        let giant = "é".repeat(30);
        let posts = split_thread(&giant, 12);
        // "n/n " takes 4 of the 12 chars; pieces are whole chars.
        assert!(posts.iter().all(|p| p.chars().count() <= 12), "{posts:?}");
        let rebuilt: String = posts.iter().map(|p| strip_numbering(p)).collect();
        assert_eq!(rebuilt, giant);
        // Too small for numbering: plain pieces.
        assert_eq!(split_thread("abcdef", 3), vec!["abc", "def"]);
        assert_eq!(split_thread("ab", 0), vec!["a", "b"]);
    }

    #[test]
    fn thread_numbering_width_grows_with_post_count() {
        let text = "Tiny one. ".repeat(30);
        let posts = split_thread(&text, 16);
        assert!(posts.len() >= 10);
        assert!(posts.iter().all(|p| p.chars().count() <= 16), "{posts:?}");
        assert_eq!(posts[0], format!("1/{} Tiny one.", posts.len()));
    }

    #[test]
    fn thread_keeps_paragraph_breaks_inside_a_post() {
        let text = format!("Intro line.\n\nSecond para.\n{}", "More words here. ".repeat(30));
        let posts = split_thread(&text, 280);
        assert!(posts[0].starts_with(&format!("1/{} Intro line.\n\nSecond para.\nMore words here.", posts.len())));
    }

    #[test]
    fn fit_cuts_at_sentence_within_cap() {
        let body = "A short sentence here. ".repeat(200); // 4600 chars
        let fitted = fit_to_platform(&body, &post(Platform::Instagram));
        assert!(fitted.chars().count() <= 2200);
        assert!(fitted.ends_with("here."), "{}", &fitted[fitted.len() - 20..]);
        assert!(fitted.chars().count() > 2100);
        // Twitter is not cut, nor are non-post types or uncapped platforms.
        assert_eq!(fit_to_platform(&body, &post(Platform::Twitter)), body.trim());
        let blog = ContentRequest::new(ContentType::Blog, "t").platform(Platform::Linkedin);
        assert_eq!(fit_to_platform(&body, &blog), body.trim());
        assert_eq!(fit_to_platform(&body, &post(Platform::Generic)), body.trim());
        assert_eq!(fit_to_platform("  fits  ", &post(Platform::Linkedin)), "fits");
    }

    #[test]
    fn fit_never_splits_chars_or_hashtags() {
        // Multi-byte text and emoji with no sentence end: cut at a word boundary.
        let body = "naïve 🚀 café #Growth ".repeat(200);
        for p in [Platform::Instagram, Platform::Tiktok, Platform::Linkedin, Platform::Facebook] {
            let cap = p.limits().max_chars.unwrap_or(usize::MAX);
            let fitted = fit_to_platform(&body, &post(p));
            assert!(fitted.chars().count() <= cap, "{p}");
            let last = fitted.split_whitespace().last().unwrap_or_default();
            assert!(["naïve", "🚀", "café", "#Growth"].contains(&last), "{p}: {last}");
        }
        // One giant word: cut on a char boundary; a giant hashtag is dropped whole.
        assert_eq!(cut_to_cap(&"é".repeat(10), 4), "éééé");
        assert_eq!(cut_to_cap(&format!("#{}", "a".repeat(10)), 4), "");
        // Exactly at the cap with the next char a space: the whole prefix is kept.
        assert_eq!(cut_to_cap("abc def ghi", 7), "abc def");
    }

    #[test]
    fn fit_prefers_a_word_cut_when_the_last_sentence_end_is_early() {
        let text = format!("Hi. {}", "word ".repeat(100));
        assert_eq!(cut_to_cap(text.trim(), 20), "Hi. word word word");
    }

    #[test]
    fn fit_keeps_a_trailing_hashtag_block() {
        let text = format!("{}\n\n#AI #Growth", "A useful sentence. ".repeat(20));
        let fitted = cut_to_cap(text.trim(), 100);
        assert!(fitted.chars().count() <= 100, "{fitted}");
        assert!(fitted.ends_with("sentence.\n\n#AI #Growth"), "{fitted}");
    }

    #[test]
    fn random_awkward_text_keeps_every_invariant() {
        const PIECES: &[&str] = &[
            "word",
            "naïve",
            "🚀",
            "日本語",
            "e\u{301}",
            "#Tag",
            "#AI",
            "end.",
            "Why?",
            "wow!",
            "…",
            "—",
            "\n",
            "\n\n",
            "  ",
            "\t",
            "ok,",
            "\"quoted\"",
            "supercalifragilisticexpialidocious",
            "##",
            "- item",
            "1.",
            "C#",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for round in 0..300 {
            let n = rng.usize(0..120);
            let text: String = (0..n).map(|_| [PIECES[rng.usize(..PIECES.len())], " "].concat()).collect();
            let cap = 1 + round % 97;
            let cut = cut_to_cap(text.trim(), cap);
            assert!(cut.chars().count() <= cap, "cut {cap}: {cut:?}");
            assert!(text.contains(cut.split("\n\n#").next().unwrap_or_default()), "cut is a prefix: {cut:?}");
            let posts = split_thread(&text, cap);
            assert!(posts.iter().all(|p| p.chars().count() <= cap), "thread {cap}: {posts:?}");
            let original: Vec<&str> = text.split_whitespace().collect();
            if posts.len() > 1 && original.iter().all(|w| w.chars().count() + 8 <= cap) {
                let words: Vec<&str> = posts.iter().flat_map(|p| strip_numbering(p).split_whitespace()).collect();
                assert_eq!(words, original, "thread {cap} keeps every word in order");
            }
            let req = ContentRequest::new(ContentType::SocialMedia, "Launch day").keywords(["AI", "日本語"]);
            let a = super::super::analyze(&text, &req);
            for v in [a.quality_score, a.seo_score, a.metadata.keyword_density] {
                assert!(v.is_finite() && v >= 0.0);
            }
            assert!(a.quality_score <= 1.0 && a.seo_score <= 1.0);
            assert_eq!(a.metadata.word_count, super::super::word_count(&text));
        }
    }
}
