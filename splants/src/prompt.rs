//! Turns a brief (and an optional rendered template) into provider messages.
//!
//! The system message fixes the role and the output contract (only the copy, Markdown); the
//! user message lays out the brief field by field, with the format rules of the content type
//! and the platform's limits. User-supplied text is quoted, never spliced into instructions.

use crate::content::{ContentRequest, ContentType, Platform};
use crate::provider::Message;
use std::fmt::Write as _;

/// Output tokens allowed per target word (English runs about 1.35 tokens a word; the
/// rest covers Markdown, hashtags and the ±20 % length tolerance).
pub const TOKENS_PER_WORD: u32 = 2;
/// Fixed output allowance on top (titles, subject lines, sign-offs).
pub const OUTPUT_OVERHEAD_TOKENS: u32 = 256;

/// Messages and output cap for one provider call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// The conversation.
    pub messages: Vec<Message>,
    /// The output cap (`max_tokens`): the budget's worst case counts exactly this many.
    pub max_tokens: u32,
}

/// `max_tokens` for a brief: `length × 2 + 256 + reasoning`, capped at `max_output_tokens`.
pub fn max_tokens_for(request: &ContentRequest, max_output_tokens: u32, reasoning_tokens: u32) -> u32 {
    request
        .effective_length()
        .saturating_mul(TOKENS_PER_WORD)
        .saturating_add(OUTPUT_OVERHEAD_TOKENS)
        .saturating_add(reasoning_tokens)
        .min(max_output_tokens)
        .max(64)
}

fn type_rules(t: ContentType, platform: Platform) -> &'static str {
    match t {
        ContentType::Blog => {
            "Write a blog article: a `# ` title, a short introduction, several `## ` sections with \
             concrete, useful points, and a conclusion that ends with the call to action."
        }
        ContentType::SocialMedia if platform == Platform::Twitter => {
            "Write for X (Twitter). If the copy needs more than 280 characters, write a thread: \
             separate posts with a blank line, each post at most 270 characters."
        }
        ContentType::SocialMedia => "Write a social media post: a strong hook in the first line, short paragraphs.",
        ContentType::Email => {
            "Write a marketing email. The first line is `Subject: ` followed by the subject line \
             (at most 60 characters), then a greeting, the body, the call to action and a sign-off."
        }
        ContentType::AdCopy => "Write ad copy: a headline, one or two short body lines, and the call to action.",
        ContentType::ProductDescription => {
            "Write a product description: an opening line on the main benefit, then benefits as a \
             short bullet list, then the call to action."
        }
        ContentType::LandingPage => {
            "Write landing page copy: a `# ` headline, a subheadline, `## ` sections for benefits, \
             social proof and FAQ, and a call to action."
        }
        ContentType::PressRelease => {
            "Write a press release: a headline, a dateline (CITY, Date —), the news in the first \
             paragraph, a quote from a spokesperson, and an `About` paragraph."
        }
        ContentType::VideoScript => {
            "Write a video script with scene headings (`[SCENE 1]` …), narration and on-screen text cues."
        }
    }
}

/// Builds the messages for `request`; `template_instructions` (a rendered template prompt)
/// is placed before the brief when given.
pub fn build(
    request: &ContentRequest,
    template_instructions: Option<&str>,
    max_output_tokens: u32,
    reasoning_tokens: u32,
) -> Prompt {
    let platform = request.effective_platform();
    let limits = platform.limits();
    let words = request.effective_length();
    let system = format!(
        "You are an expert marketing copywriter. You write {} copy in a {} tone. \
         Reply with the finished copy only, in Markdown, without any preamble or notes.",
        request.content_type.as_str().replace('_', " "),
        request.tone,
    );
    let mut user = String::with_capacity(1024);
    if let Some(t) = template_instructions {
        let _ = writeln!(user, "Instructions:\n{}\n", t.trim());
    }
    let _ = writeln!(user, "Brief:");
    let _ = writeln!(user, "- Topic: \"{}\"", request.topic.trim());
    if let Some(a) = &request.target_audience {
        let _ = writeln!(user, "- Audience: \"{}\"", a.trim());
    }
    let _ = writeln!(user, "- Tone: {}", request.tone);
    let _ = writeln!(user, "- Platform: {platform}");
    let _ = writeln!(user, "- Length: about {words} words (stay within 20 %)");
    if let Some(max) = limits.max_chars
        && request.content_type.is_post()
    {
        if limits.max_posts > 1 {
            let _ = writeln!(user, "- Limit: {max} characters per post, at most {} posts", limits.max_posts);
        } else {
            let _ = writeln!(user, "- Limit: at most {max} characters in total");
        }
    }
    if !request.keywords.is_empty() {
        let quoted: Vec<String> = request.keywords.iter().map(|k| format!("\"{}\"", k.trim())).collect();
        let _ = writeln!(user, "- Keywords (use each one naturally, verbatim): {}", quoted.join(", "));
    }
    match &request.call_to_action {
        Some(cta) => {
            let _ = writeln!(user, "- Call to action: \"{}\"", cta.trim());
        }
        None if request.content_type.expects_cta() => {
            let _ = writeln!(user, "- End with a clear call to action.");
        }
        None => {}
    }
    if request.effective_language() != "en" {
        let _ = writeln!(user, "- Language: write in `{}`", request.effective_language());
    }
    if request.seo_optimize {
        let _ = writeln!(
            user,
            "- SEO: put the main keyword in the title and the first paragraph; keep keyword use natural (1–3 %)."
        );
    }
    if request.wants_hashtags() {
        let _ = writeln!(
            user,
            "- Hashtags: end with {} relevant hashtags (never more than {}).",
            limits.recommended_hashtags, limits.max_hashtags
        );
    } else {
        let _ = writeln!(user, "- No hashtags.");
    }
    let _ = writeln!(user, "\nFormat: {}", type_rules(request.content_type, platform));
    Prompt {
        messages: vec![Message::system(system), Message::user(user)],
        max_tokens: max_tokens_for(request, max_output_tokens, reasoning_tokens),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Tone;
    use crate::provider::Role;

    #[test]
    fn brief_fields_reach_the_prompt() {
        let req = ContentRequest::new(ContentType::SocialMedia, "Spring sale")
            .platform(Platform::Twitter)
            .keywords(["discount", "spring"])
            .tone(Tone::Casual)
            .call_to_action("Shop now")
            .length(120);
        let p = build(&req, None, 8192, 0);
        assert_eq!(p.messages.len(), 2);
        assert_eq!(p.messages[0].role, Role::System);
        let u = &p.messages[1].content;
        for needle in [
            "\"Spring sale\"",
            "\"discount\", \"spring\"",
            "\"Shop now\"",
            "280 characters per post",
            "Hashtags: end with 2",
        ] {
            assert!(u.contains(needle), "missing {needle} in {u}");
        }
        assert_eq!(p.max_tokens, 120 * 2 + 256);
    }

    #[test]
    fn max_tokens_is_capped() {
        let req = ContentRequest::new(ContentType::Blog, "t").length(5000);
        assert_eq!(max_tokens_for(&req, 8192, 0), 8192);
        assert_eq!(max_tokens_for(&req.clone().length(100), 8192, 1000), 100 * 2 + 256 + 1000);
    }

    #[test]
    fn template_instructions_come_first() {
        let req = ContentRequest::new(ContentType::Email, "Welcome");
        let p = build(&req, Some("Announce the new plan."), 8192, 0);
        assert!(p.messages[1].content.starts_with("Instructions:\nAnnounce the new plan."));
        assert!(p.messages[1].content.contains("Subject: "));
    }

    /// The token counter's line memo ([`crate::provider::tokens`]) counts these prompts exactly.
    #[cfg(feature = "openai")]
    #[test]
    fn token_line_memo_is_exact_on_built_prompts() {
        use crate::provider::tokens::memo;
        let bpes = [tiktoken_rs::o200k_base().unwrap(), tiktoken_rs::cl100k_base().unwrap()];
        let words = [
            "AI",
            "sale",
            "ünïcödé",
            "日本語",
            "🎉",
            "a/b",
            "/path",
            "C++",
            "it's",
            "1234567",
            "  ",
            "\t",
            "x.",
            "\"q\"",
            "--",
            "#tag",
            "e-mail",
            "O'Neil",
            "\r\n",
            "ñ",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut texts: Vec<String> = Vec::new();
        for round in 0..300 {
            let pick = |rng: &mut fastrand::Rng, n: usize| -> String {
                (0..n).map(|_| words[rng.usize(..words.len())]).collect::<Vec<_>>().join(if rng.bool() {
                    " "
                } else {
                    ""
                })
            };
            let topic = pick(&mut rng, 1 + round % 7);
            let kws: Vec<String> = (0..rng.usize(0..4)).map(|_| pick(&mut rng, 2)).collect();
            let mut req = ContentRequest::new(ContentType::ALL[round % ContentType::ALL.len()], topic)
                .tone(Tone::ALL[round % Tone::ALL.len()])
                .keywords(kws);
            if round % 3 == 0 {
                req = req
                    .platform(Platform::Twitter)
                    .target_audience(pick(&mut rng, 3))
                    .call_to_action(pick(&mut rng, 2));
            }
            let p = build(&req, (round % 4 == 0).then_some("Line one/\n/two\n\n\nthree.\n  indented\n"), 8192, 0);
            texts.extend(p.messages.into_iter().map(|m| m.content));
            texts.push(format!(
                "{}\n{}\n/{}\n\n{} \n{}",
                pick(&mut rng, 5),
                pick(&mut rng, 4),
                pick(&mut rng, 3),
                pick(&mut rng, 6),
                pick(&mut rng, 2)
            ));
        }
        for bpe in &bpes {
            let memo = memo::Memo::default();
            for t in &texts {
                let whole = bpe.encode_ordinary(t).len() as u64;
                assert_eq!(memo::count(bpe, &memo, t), whole, "{t:?}");
                assert_eq!(memo::count(bpe, &memo, t), whole, "memo hit {t:?}");
            }
        }
        assert_eq!(memo::segments("a\nb\n\nc\n/d\n").collect::<Vec<_>>(), vec!["a\n", "b\n\n", "c\n/d\n"]);
    }
}
