//! Clean text in, clean text out: HTML never reaches a prompt, a stored brief or a piece.
//!
//! Briefs (topic, audience, keywords, call to action, language) and template variables are
//! reduced to plain text before a prompt is built from them; generated copy is plain text or
//! Markdown and is cleaned the same way before it is fitted, scored and stored. Cleaning
//! parses the text as HTML with `ammonia` (html5ever) and keeps only text: every tag goes
//! (its text stays), `<script>` and `<style>` go with their content, so do HTML comments, event
//! handlers and attributes with every tag; entities are decoded back into the characters they
//! stand for. Then `javascript:`, `vbscript:` and `data:` schemes are taken out of the text, so a
//! Markdown link such as `[click](javascript:alert(1))` cannot run anything where the copy is
//! rendered. Text without `<`, `&` or a `:` passes unchanged without being parsed.
//!
//! The streamed deltas of [`crate::ContentEngine::generate_stream`] are the provider's raw
//! words; the finished piece of the stream is cleaned like any other.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The cleaner: no tag allowed, the content of `script` and `style` dropped.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.clean_content_tags(HashSet::from(["script", "style", "template", "noscript", "iframe", "object", "embed"]));
    b
});

/// Schemes that run code where a link is followed or rendered.
const UNSAFE_SCHEMES: [&str; 3] = ["javascript:", "vbscript:", "data:"];

/// `text` as plain text: tags, scripts and comments removed, entities decoded, unsafe link
/// schemes taken out (see the module docs). Line breaks and spacing are kept.
pub fn plain_text(text: &str) -> Cow<'_, str> {
    let text =
        if text.contains(['<', '&']) { Cow::Owned(strip_html(&escape_non_tags(text))) } else { Cow::Borrowed(text) };
    if !text.contains(':') {
        return text;
    }
    match without_unsafe_schemes(&text) {
        Some(clean) => Cow::Owned(clean),
        None => text,
    }
}

/// Elements of HTML, SVG and MathML that open markup even without attributes.
const ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "bdi",
    "bdo",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "image",
    "img",
    "input",
    "ins",
    "isindex",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "map",
    "mark",
    "marquee",
    "math",
    "menu",
    "meta",
    "meter",
    "nav",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "plaintext",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "script",
    "section",
    "select",
    "slot",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "video",
    "wbr",
    "xmp",
    "animate",
    "foreignobject",
];

/// `text` with every `<` that does not open markup written as `&lt;`, so it stays text: a `<`
/// opens markup before `!`/`?` (comments), before a known element, or before any tag whose
/// inside could carry an attribute value or a URL (`=`, a quote, `/`, `:`, a parenthesis or a
/// backtick), since browsers run event handlers on unknown elements too. What is left —
/// `<your name>`, `<insert city>`, `<3`, `a < b` — stays text, so a placeholder the model left
/// is still there for the `placeholders` assessment to find.
fn escape_non_tags(text: &str) -> Cow<'_, str> {
    let opens_markup = |rest: &str| {
        let body = rest.strip_prefix('/').unwrap_or(rest);
        if body.starts_with(['!', '?']) {
            return true;
        }
        if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return false;
        }
        let name_len = body.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(body.len());
        if ELEMENTS.contains(&body[..name_len].to_ascii_lowercase().as_str()) {
            return true;
        }
        let inside = &rest[..rest.find('>').unwrap_or(rest.len())];
        inside.contains(['=', '"', '\'', '/', ':', '(', ')', '`'])
    };
    let mut out = String::new();
    let mut copied = 0;
    for (at, _) in text.match_indices('<') {
        if !opens_markup(&text[at + 1..]) {
            out.push_str(&text[copied..at]);
            out.push_str("&lt;");
            copied = at + 1;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Text of `html` with entities decoded (ammonia writes text back with `&lt;`, `&gt;`,
/// `&amp;`, `&quot;` and `&nbsp;` escapes, which are turned back here).
fn strip_html(html: &str) -> String {
    let escaped = CLEANER.clean(html).to_string();
    if !escaped.contains('&') {
        return tidy_gaps(&escaped);
    }
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let entity =
            [("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&nbsp;", '\u{a0}'), ("&#39;", '\''), ("&amp;", '&')]
                .into_iter()
                .find(|(name, _)| rest.starts_with(name));
        match entity {
            Some((name, c)) => {
                out.push(c);
                rest = &rest[name.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    tidy_gaps(&out)
}

/// Runs of spaces inside a line (where removed tags leave gaps) as one space; indentation
/// and line ends are kept as they are (Markdown gives both a meaning).
fn tidy_gaps(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line.trim_start_matches([' ', '\t']);
        out.push_str(&line[..line.len() - body.len()]);
        let core = body.trim_end_matches([' ', '\t']);
        let mut gap = false;
        for c in core.chars() {
            if c == ' ' || c == '\t' {
                gap = true;
                continue;
            }
            if gap {
                out.push(' ');
                gap = false;
            }
            out.push(c);
        }
        out.push_str(&body[core.len()..]);
    }
    out
}

/// `text` with every unsafe scheme (any case, with spaces or control characters inside it, as
/// browsers forgive) removed; `None` when there is none.
fn without_unsafe_schemes(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        match scheme_at(text, at) {
            Some(end) => {
                out.push_str(&text[copied..at]);
                copied = end;
                at = end;
            }
            None => at += 1,
        }
    }
    (copied > 0).then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

/// The end of an unsafe scheme starting at byte `at`, if one does; letters may be separated by
/// ASCII whitespace or control characters (`java\tscript:` runs in a browser).
fn scheme_at(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if at > 0 && bytes[at - 1].is_ascii_alphanumeric() {
        return None; // inside a word: `metadata:` is not `data:`
    }
    'schemes: for scheme in UNSAFE_SCHEMES {
        let mut i = at;
        for want in scheme.bytes() {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i].is_ascii_control()) && i > at {
                i += 1;
            }
            if i >= bytes.len() || !bytes[i].eq_ignore_ascii_case(&want) {
                continue 'schemes;
            }
            i += 1;
        }
        return Some(i);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_unchanged_and_borrowed() {
        let text = "Five tips — for café owners. Save 20% today!\n\n## Why\n\n* one";
        assert!(matches!(plain_text(text), Cow::Borrowed(t) if t == text));
        assert_eq!(plain_text("Time: 9am, price: $5"), "Time: 9am, price: $5");
    }

    #[test]
    fn tags_scripts_handlers_and_comments_go_text_stays() {
        let cases = [
            ("<b>Bold</b> move", "Bold move"),
            ("<script>alert(1)</script>Launch day", "Launch day"),
            ("<img src=x onerror=alert(1)>Spring sale", "Spring sale"),
            ("<a href=\"javascript:alert(1)\">Click</a> here", "Click here"),
            ("A <!-- hidden --> note", "A note"),
            ("<style>body{}</style><p>Para</p>", "Para"),
            ("Q&amp;A for &lt;teams&gt; &eacute;t&eacute;", "Q&A for <teams> été"),
            ("Cats & dogs > fish", "Cats & dogs > fish"),
            ("<svg><script>alert(1)</script></svg>ok", "ok"),
            ("<iframe src=//evil>x</iframe>after", "after"),
            ("Dear <your name>, we <3 you and a < b", "Dear <your name>, we <3 you and a < b"),
            ("</script><SCRIPT>x</SCRIPT>ok", "ok"),
            ("<x onmouseover=alert(1)>hover</x> me", "hover me"),
            ("<your-name data-x='1'>", ""),
        ];
        for (dirty, clean) in cases {
            assert_eq!(plain_text(dirty), clean, "{dirty}");
        }
    }

    #[test]
    fn unsafe_schemes_are_taken_out_in_any_disguise() {
        assert_eq!(plain_text("[Click](javascript:alert(1))"), "[Click](alert(1))");
        assert_eq!(plain_text("JaVaScRiPt:alert(1)"), "alert(1)");
        assert_eq!(plain_text("java\tscript:x"), "x");
        assert_eq!(plain_text("see vbscript:msgbox"), "see msgbox");
        assert_eq!(plain_text("![x](data:text/html;base64,AAA)"), "![x](text/html;base64,AAA)");
        assert_eq!(plain_text("<a href='x'>javascript&colon;alert(1)</a>"), "alert(1)", "entity-encoded colon");
        assert_eq!(plain_text("metadata: fine, https://example.com"), "metadata: fine, https://example.com");
    }
}
