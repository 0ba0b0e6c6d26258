//! Text as each platform counts it, and Bluesky's rich-text facets.
//!
//! - **X** ([`x_weighted_length`]) follows twitter-text 3's configuration: a limit of 280
//!   weighted characters, where code points in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and
//!   U+2032–U+2037 weigh 1 and every other code point 2, an emoji sequence (with its modifiers,
//!   joiners and variation selectors) weighs 2 as a whole, and a URL counts as 23 whatever its
//!   length (t.co wrapping). URLs are recognised by their `http://` / `https://` scheme; bare
//!   domains (`example.com`), which twitter-text also links, are counted as text (a few
//!   characters more or less, never a refusal X would not make for a scheme-less domain shorter
//!   than 23). Text is not NFC-normalised first.
//! - **Mastodon** ([`mastodon_length`]): characters, with every URL counting 23 and a mention
//!   `@user@domain` counting only `@user`, as Mastodon's own counter does.
//! - **Bluesky** ([`bluesky_graphemes`]): extended grapheme clusters (300 per post); links and
//!   hashtags are marked with facets ([`bluesky_facets`]) whose offsets are UTF-8 byte offsets
//!   into the text, as the AT Protocol's `app.bsky.richtext.facet` requires.

use serde_json::{Value, json};
use std::ops::Range;

/// The length X gives a URL, whatever it is.
pub const X_URL_LENGTH: usize = 23;

/// Byte ranges of the `http(s)://` URLs in `text` (trailing punctuation left out).
pub fn url_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(rel) = text[i..].find("http") {
        let start = i + rel;
        let rest = &text[start..];
        let scheme = if rest.starts_with("https://") {
            8
        } else if rest.starts_with("http://") {
            7
        } else {
            i = start + 4;
            continue;
        };
        let boundary_ok = text[..start].chars().next_back().is_none_or(|c| c.is_whitespace() || "([<\"'".contains(c));
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let mut end = start + len;
        while end > start + scheme && text[..end].ends_with(|c: char| ".,;:!?)]}>\"'".contains(c)) {
            let url = &text[start..end];
            if url.ends_with(')') && url.matches('(').count() >= url.matches(')').count() {
                break;
            }
            end -= text[..end].chars().next_back().map_or(1, char::len_utf8);
        }
        if boundary_ok && end > start + scheme {
            out.push(start..end);
        }
        i = (start + len).max(start + 1);
        while !text.is_char_boundary(i) {
            i += 1;
        }
    }
    out
}

fn is_emoji_char(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

fn is_emoji_cluster(g: &str) -> bool {
    g.chars().any(is_emoji_char) || g.contains('\u{FE0F}') || g.contains('\u{20E3}')
}

fn x_weight(c: char) -> usize {
    match u32::from(c) {
        0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
        _ => 2,
    }
}

/// Splits `text` into extended grapheme clusters.
fn graphemes(text: &str) -> Vec<&str> {
    unicode_segmentation::UnicodeSegmentation::graphemes(text, true).collect()
}

/// Weighted length as X counts it (see the module docs); X allows 280.
pub fn x_weighted_length(text: &str) -> usize {
    let urls = url_ranges(text);
    let mut total = 0;
    let mut pos = 0;
    for r in &urls {
        total += x_plain(&text[pos..r.start]) + X_URL_LENGTH;
        pos = r.end;
    }
    total + x_plain(&text[pos..])
}

fn x_plain(text: &str) -> usize {
    graphemes(text).into_iter().map(|g| if is_emoji_cluster(g) { 2 } else { g.chars().map(x_weight).sum() }).sum()
}

/// Length as Mastodon counts it: characters, URLs as 23, `@user@domain` as `@user`.
pub fn mastodon_length(text: &str) -> usize {
    let urls = url_ranges(text);
    let mut total = 0;
    let mut pos = 0;
    for r in &urls {
        total += mentions_counted(&text[pos..r.start]) + X_URL_LENGTH;
        pos = r.end;
    }
    total + mentions_counted(&text[pos..])
}

fn mentions_counted(text: &str) -> usize {
    let mut n = text.chars().count();
    for word in text.split_whitespace() {
        if let Some((user, domain)) = word.strip_prefix('@').and_then(|m| m.split_once('@')) {
            let domain = domain.trim_end_matches(|c: char| !c.is_alphanumeric());
            if !user.is_empty() && domain.contains('.') {
                n -= domain.chars().count() + 1;
            }
        }
    }
    n
}

/// Extended grapheme clusters, as Bluesky counts its 300-grapheme limit.
pub fn bluesky_graphemes(text: &str) -> usize {
    graphemes(text).len()
}

/// The hashtags of `text` as `(byte range including '#', tag without '#')`: a `#` at the start
/// or after whitespace, followed by letters, digits, `_` or `-` (not only digits), trailing
/// punctuation left out. Text inside URLs is not searched.
pub fn hashtags(text: &str) -> Vec<(Range<usize>, String)> {
    let urls = url_ranges(text);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if c != '#' && c != '＃' {
            continue;
        }
        if urls.iter().any(|r| r.contains(&i)) {
            continue;
        }
        if text[..i].chars().next_back().is_some_and(|p| !p.is_whitespace()) {
            continue;
        }
        let start = i + c.len_utf8();
        let len: usize = text[start..]
            .chars()
            .take_while(|ch| {
                ch.is_alphanumeric() || *ch == '_' || *ch == '-' || u32::from(*ch) == 0x200D || is_emoji_char(*ch)
            })
            .map(char::len_utf8)
            .sum();
        let mut tag = &text[start..start + len];
        tag = tag.trim_end_matches(['-', '_']);
        if tag.is_empty() || tag.chars().all(|ch| ch.is_ascii_digit()) {
            continue;
        }
        out.push((i..start + tag.len(), tag.to_owned()));
    }
    out
}

/// Bluesky facets for the links and hashtags of `text` (byte offsets), in text order.
pub fn bluesky_facets(text: &str) -> Vec<Value> {
    let mut facets: Vec<(usize, Value)> = url_ranges(text)
        .into_iter()
        .map(|r| {
            let uri = &text[r.clone()];
            (
                r.start,
                json!({"index": {"byteStart": r.start, "byteEnd": r.end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]}),
            )
        })
        .collect();
    for (r, tag) in hashtags(text) {
        facets.push((
            r.start,
            json!({"index": {"byteStart": r.start, "byteEnd": r.end},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]}),
        ));
    }
    facets.sort_by_key(|(start, _)| *start);
    facets.into_iter().map(|(_, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_counts_urls_as_23_and_wide_characters_as_2() {
        assert_eq!(x_weighted_length("hello"), 5);
        assert_eq!(x_weighted_length("see https://example.com/a/very/long/path?with=query&and=more"), 4 + 23);
        assert_eq!(x_weighted_length("go to https://x.co."), 6 + 23 + 1, "the full stop is not part of the URL");
        assert_eq!(x_weighted_length("春のセール"), 10, "CJK weighs 2");
        assert_eq!(x_weighted_length("café — “quoted”"), 15, "Latin-1, dashes and curly quotes weigh 1");
        assert_eq!(x_weighted_length("🌷"), 2);
        assert_eq!(x_weighted_length("👩‍👩‍👧‍👦"), 2, "a ZWJ family is one emoji");
        assert_eq!(x_weighted_length("👍🏽 ok"), 5, "a skin tone modifier joins its emoji");
        assert_eq!(x_weighted_length("🇩🇪"), 2, "a flag is one emoji");
        assert_eq!(x_weighted_length(&"a".repeat(280)), 280);
        assert_eq!(x_weighted_length(&"あ".repeat(140)), 280);
    }

    #[test]
    fn mastodon_counts_urls_and_remote_mentions_short() {
        assert_eq!(mastodon_length("hi @brand@mastodon.social!"), 3 + 6 + 1);
        assert_eq!(mastodon_length("read https://example.com/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p"), 5 + 23);
        assert_eq!(mastodon_length("春"), 1);
        assert_eq!(mastodon_length("a  b"), 4);
    }

    #[test]
    fn bluesky_counts_graphemes() {
        assert_eq!(bluesky_graphemes("abc"), 3);
        assert_eq!(bluesky_graphemes("👩‍👩‍👧‍👦🇩🇪é"), 3);
        assert_eq!(bluesky_graphemes("e\u{301}"), 1, "a combining accent is one grapheme with its letter");
    }

    #[test]
    fn facets_use_utf8_byte_offsets() {
        let text = "✨ Spring sale #Garden2026 at https://shop.example/spring. #42 #ok!";
        let facets = bluesky_facets(text);
        assert_eq!(facets.len(), 3, "{facets:?}");
        let slice = |f: &Value| {
            let (a, b) =
                (f["index"]["byteStart"].as_u64().unwrap() as usize, f["index"]["byteEnd"].as_u64().unwrap() as usize);
            text[a..b].to_owned()
        };
        assert_eq!(slice(&facets[0]), "#Garden2026");
        assert_eq!(facets[0]["features"][0], json!({"$type": "app.bsky.richtext.facet#tag", "tag": "Garden2026"}));
        assert_eq!(slice(&facets[1]), "https://shop.example/spring");
        assert_eq!(facets[1]["features"][0]["uri"], "https://shop.example/spring");
        assert_eq!(slice(&facets[2]), "#ok", "digits-only tags are not tags; punctuation is left out");
        assert_eq!(facets[0]["index"]["byteStart"], 16, "✨ is three bytes");
    }

    #[test]
    fn urls_need_a_boundary_and_a_host() {
        assert!(url_ranges("nohttps://x.y").is_empty());
        assert!(url_ranges("https://").is_empty());
        assert_eq!(url_ranges("(https://a.b/c)").len(), 1);
        assert_eq!(url_ranges("http http://a.b"), vec![5..15]);
    }
}
