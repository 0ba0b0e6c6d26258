//! Hashtags: finding them in copy and suggesting them from a brief.

use super::keywords::{is_stop_word, significant_words};
use crate::content::ContentRequest;
use std::collections::HashSet;

/// Suggests hashtags for `request`: one per keyword, then one per significant topic word.
///
/// Each tag is `#` + the words of its source in CamelCase (`"small business"` →
/// `#SmallBusiness`, acronyms kept: `"AI tools"` → `#AITools`), built from ASCII letters and
/// digits only (Latin-1 accents are folded first: `café` → `Cafe`; other characters separate
/// words). A source made only of stop words, or whose tag would hold no letter (`#2026`), is
/// skipped; tags are deduplicated case-insensitively. At most the platform's
/// `recommended_hashtags` are returned, never more than its `max_hashtags`.
pub fn generate_hashtags(request: &ContentRequest) -> Vec<String> {
    let limits = request.effective_platform().limits();
    let want = limits.recommended_hashtags.min(limits.max_hashtags);
    let mut out: Vec<String> = Vec::with_capacity(want);
    let mut seen: Vec<String> = Vec::with_capacity(want);
    let topic_words = significant_words(&request.topic);
    let sources = request.keywords.iter().map(String::as_str).chain(topic_words.iter().map(String::as_str));
    for source in sources {
        if out.len() >= want {
            break;
        }
        let Some(tag) = camel_tag(source) else { continue };
        let key = tag.to_ascii_lowercase();
        if !seen.contains(&key) {
            seen.push(key);
            out.push(tag);
        }
    }
    out
}

/// `#CamelCase` tag of a phrase, or `None` when it holds no letter or only stop words.
fn camel_tag(source: &str) -> Option<String> {
    let folded: String = source.chars().map(fold_latin1).collect();
    let parts: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect();
    if parts.iter().all(|p| is_stop_word(&p.to_ascii_lowercase())) {
        return None;
    }
    let mut tag = String::with_capacity(folded.len() + 1);
    tag.push('#');
    for part in parts {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            tag.push(first.to_ascii_uppercase());
            tag.push_str(chars.as_str());
        }
    }
    tag.bytes().any(|b| b.is_ascii_alphabetic()).then_some(tag)
}

/// Folds a Latin-1 accented letter to its ASCII base (`é` → `e`); other characters unchanged.
fn fold_latin1(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'À'..='Å' => 'A',
        'ç' => 'c',
        'Ç' => 'C',
        'è'..='ë' => 'e',
        'È'..='Ë' => 'E',
        'ì'..='ï' => 'i',
        'Ì'..='Ï' => 'I',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ò'..='ö' | 'ø' => 'o',
        'Ò'..='Ö' | 'Ø' => 'O',
        'ù'..='ü' => 'u',
        'Ù'..='Ü' => 'U',
        'ý' | 'ÿ' => 'y',
        'Ý' => 'Y',
        _ => c,
    }
}

/// Hashtags written in `text`, deduplicated case-insensitively (first spelling kept).
///
/// A hashtag is `#` at the start of the text or after whitespace or `(`, followed by letters,
/// digits or `_` of which at least one is a letter: `#AI` and `#café` count, `C#`, `# Title`
/// and `#1` do not.
pub(crate) fn find_hashtags(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, _) in text.match_indices('#') {
        let before = text[..i].chars().next_back().unwrap_or(' ');
        if !(before.is_whitespace() || before == '(') {
            continue;
        }
        let body_start = i + 1;
        let rest = &text[body_start..];
        let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let body = &rest[..len];
        if body.chars().any(char::is_alphabetic) {
            let tag = &text[i..body_start + len];
            if seen.insert(tag.to_lowercase()) {
                out.push(tag.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{ContentType, Platform};

    #[test]
    fn finds_tags_not_headings_or_code() {
        let text = "# Title\nLearn C# with #AI and #ai, (#Café) #1 #growth_hacks.\n#AI";
        assert_eq!(find_hashtags(text), vec!["#AI", "#Café", "#growth_hacks"]);
        assert!(find_hashtags("no tags # here").is_empty());
        assert_eq!(find_hashtags("#🚀 #go"), vec!["#go"]);
    }

    #[test]
    fn camel_case_ascii_only() {
        assert_eq!(camel_tag("small business").as_deref(), Some("#SmallBusiness"));
        assert_eq!(camel_tag("AI tools").as_deref(), Some("#AITools"));
        assert_eq!(camel_tag("café culture").as_deref(), Some("#CafeCulture"));
        assert_eq!(camel_tag("e-mail & SEO!").as_deref(), Some("#EMailSEO"));
        assert_eq!(camel_tag("the"), None);
        assert_eq!(camel_tag("2026"), None);
        assert_eq!(camel_tag("日本"), None);
    }

    #[test]
    fn generated_from_keywords_then_topic_deduplicated_and_capped() {
        let req = ContentRequest::new(ContentType::SocialMedia, "The future of AI marketing")
            .keywords(["ai", "Growth hacking", "growth-hacking"])
            .platform(Platform::Linkedin);
        // LinkedIn recommends 3: keywords first, `growth-hacking` is a duplicate, then topic.
        assert_eq!(generate_hashtags(&req), vec!["#Ai", "#GrowthHacking", "#Future"]);
        let tw = req.clone().platform(Platform::Twitter);
        assert_eq!(generate_hashtags(&tw), vec!["#Ai", "#GrowthHacking"]);
        let insta = req.platform(Platform::Instagram);
        // Only 5 distinct sources exist (ai, growth hacking, future, marketing; `ai` repeats).
        assert_eq!(generate_hashtags(&insta), vec!["#Ai", "#GrowthHacking", "#Future", "#Marketing"]);
    }

    #[test]
    fn count_never_exceeds_platform_max() {
        let kws: Vec<String> = (0..20).map(|i| format!("topic{i}")).collect();
        for &p in Platform::ALL {
            let req = ContentRequest::new(ContentType::SocialMedia, "x").keywords(kws.clone()).platform(p);
            let tags = generate_hashtags(&req);
            assert_eq!(tags.len(), p.limits().recommended_hashtags.min(p.limits().max_hashtags), "{p}");
            assert!(tags.len() <= p.limits().max_hashtags);
        }
    }
}
