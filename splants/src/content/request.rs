//! The brief: what the caller asks to be written.

use super::kinds::{ContentType, Platform, Tone};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most keywords a brief may carry.
pub const MAX_KEYWORDS: usize = 20;
/// Longest keyword, in characters.
pub const MAX_KEYWORD_CHARS: usize = 100;
/// Longest topic, in characters.
pub const MAX_TOPIC_CHARS: usize = 500;
/// Longest target-audience or call-to-action text, in characters.
pub const MAX_TEXT_FIELD_CHARS: usize = 500;
/// Rough characters per word used to check a word target against a platform's character cap.
pub const CHARS_PER_WORD: u32 = 6;

/// A content brief. JSON field names are the original app's.
///
/// ```
/// use splants::{ContentRequest, ContentType, Tone};
/// let req = ContentRequest::new(ContentType::Blog, "10 AI marketing tips")
///     .keywords(["AI marketing", "small business"])
///     .tone(Tone::Professional)
///     .length(800);
/// req.validate().unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(rename = "StoredRequest"))]
pub struct ContentRequest {
    /// What kind of copy to write.
    pub content_type: ContentType,
    /// What it is about.
    pub topic: String,
    /// Keywords to work in (at most 20).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Voice; professional when omitted.
    #[serde(default)]
    pub tone: Tone,
    /// Who it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_audience: Option<String>,
    /// Where it will be published; derived from the content type when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Target length in words; a per-type default when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Optimise for search (keyword placement, headings, meta description).
    #[serde(default = "default_true")]
    pub seo_optimize: bool,
    /// Add hashtags; on by default for social posts only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_hashtags: Option<bool>,
    /// Language to write in (BCP 47 tag such as `en`, `de`, `pt-BR`); English when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The action the reader should take (`Start your free trial`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<String>,
}

fn default_true() -> bool {
    true
}

impl ContentRequest {
    /// A brief with defaults for everything but type and topic.
    pub fn new(content_type: ContentType, topic: impl Into<String>) -> Self {
        ContentRequest {
            content_type,
            topic: topic.into(),
            keywords: Vec::new(),
            tone: Tone::default(),
            target_audience: None,
            platform: None,
            length: None,
            seo_optimize: true,
            include_hashtags: None,
            language: None,
            call_to_action: None,
        }
    }

    /// Sets the keywords.
    #[must_use]
    pub fn keywords<I, S>(mut self, keywords: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keywords = keywords.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the tone.
    #[must_use]
    pub fn tone(mut self, tone: Tone) -> Self {
        self.tone = tone;
        self
    }

    /// Sets the target audience.
    #[must_use]
    pub fn target_audience(mut self, audience: impl Into<String>) -> Self {
        self.target_audience = Some(audience.into());
        self
    }

    /// Sets the platform.
    #[must_use]
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Sets the target length in words.
    #[must_use]
    pub fn length(mut self, words: u32) -> Self {
        self.length = Some(words);
        self
    }

    /// Turns SEO optimisation on or off.
    #[must_use]
    pub fn seo_optimize(mut self, on: bool) -> Self {
        self.seo_optimize = on;
        self
    }

    /// Turns hashtags on or off.
    #[must_use]
    pub fn include_hashtags(mut self, on: bool) -> Self {
        self.include_hashtags = Some(on);
        self
    }

    /// Sets the language.
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets the call to action.
    #[must_use]
    pub fn call_to_action(mut self, cta: impl Into<String>) -> Self {
        self.call_to_action = Some(cta.into());
        self
    }

    /// Parses a JSON brief; errors name the offending field (`tone`, `keywords[2]`).
    pub fn from_json(json: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(json);
        let req: ContentRequest = serde_path_to_error::deserialize(de).map_err(|e| json_body_error(&e))?;
        Ok(req)
    }

    /// Converts a JSON value (a binding's dict/object); errors name the offending field.
    pub fn from_value(value: serde_json::Value) -> Result<Self> {
        serde_path_to_error::deserialize(value).map_err(|e| json_error(&e))
    }

    /// The platform in effect (the brief's, or the type's default).
    pub fn effective_platform(&self) -> Platform {
        self.platform.unwrap_or_else(|| self.content_type.default_platform())
    }

    /// The target length in effect, in words.
    pub fn effective_length(&self) -> u32 {
        self.length.unwrap_or_else(|| self.content_type.default_length(self.effective_platform()))
    }

    /// Whether hashtags are wanted (the brief's choice, or on for social posts).
    pub fn wants_hashtags(&self) -> bool {
        self.include_hashtags
            .unwrap_or(self.content_type == ContentType::SocialMedia || self.effective_platform().is_social())
    }

    /// The language in effect.
    pub fn effective_language(&self) -> &str {
        self.language.as_deref().unwrap_or("en")
    }

    /// The brief with HTML removed from its text (topic, keywords, audience, language, call
    /// to action), as [`crate::sanitize::plain_text`] removes it: what a prompt is built from
    /// and what a piece stores. A brief without HTML comes back unchanged.
    #[must_use]
    pub fn sanitized(mut self) -> Self {
        fn clean(text: &mut String) {
            if let std::borrow::Cow::Owned(plain) = crate::sanitize::plain_text(text) {
                *text = plain.trim().to_owned();
            }
        }
        clean(&mut self.topic);
        self.keywords.iter_mut().for_each(clean);
        for text in [&mut self.target_audience, &mut self.language, &mut self.call_to_action].into_iter().flatten() {
            clean(text);
        }
        self
    }

    /// Checks every field; the error names the first bad field and why. Text fields refuse
    /// NUL and other control characters but tab and line breaks ([`check_no_control`]).
    pub fn validate(&self) -> Result<()> {
        let topic = self.topic.trim();
        if topic.is_empty() {
            return Err(Error::validation("topic", "must not be empty"));
        }
        check_no_control("topic", topic)?;
        if topic.chars().count() > MAX_TOPIC_CHARS {
            return Err(Error::validation(
                "topic",
                format!("is {} characters; at most {MAX_TOPIC_CHARS} allowed", topic.chars().count()),
            ));
        }
        if self.keywords.len() > MAX_KEYWORDS {
            return Err(Error::validation(
                "keywords",
                format!("has {} entries; at most {MAX_KEYWORDS} allowed", self.keywords.len()),
            ));
        }
        for (i, kw) in self.keywords.iter().enumerate() {
            let field = format!("keywords[{i}]");
            if kw.trim().is_empty() {
                return Err(Error::validation(field, "must not be empty"));
            }
            if kw.chars().count() > MAX_KEYWORD_CHARS {
                return Err(Error::validation(field, format!("is longer than {MAX_KEYWORD_CHARS} characters")));
            }
            if kw.chars().any(char::is_control) {
                return Err(Error::validation(field, "must not contain control characters"));
            }
        }
        check_text("target_audience", self.target_audience.as_deref())?;
        check_text("call_to_action", self.call_to_action.as_deref())?;
        if let Some(lang) = &self.language {
            let ok = !lang.is_empty()
                && lang.len() <= 35
                && lang
                    .split('-')
                    .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()));
            if !ok {
                return Err(Error::validation(
                    "language",
                    format!("`{lang}` is not a language tag such as `en`, `de` or `pt-BR`"),
                ));
            }
        }
        self.check_length()
    }

    fn check_length(&self) -> Result<()> {
        let words = self.effective_length();
        let (min, max) = self.content_type.length_range();
        if words < min || words > max {
            return Err(Error::validation(
                "length",
                format!("{words} words is out of range for {}: allowed {min}..={max}", self.content_type),
            ));
        }
        let platform = self.effective_platform();
        let limits = platform.limits();
        if self.content_type.is_post()
            && let Some(max_chars) = limits.max_chars
        {
            let cap_chars = max_chars.saturating_mul(limits.max_posts);
            let max_words = u32::try_from(cap_chars).unwrap_or(u32::MAX) / CHARS_PER_WORD;
            if words > max_words {
                let posts = if limits.max_posts > 1 {
                    format!(" in a thread of at most {} posts", limits.max_posts)
                } else {
                    String::new()
                };
                return Err(Error::validation(
                    "length",
                    format!(
                        "{words} words does not fit {platform}'s {max_chars}-character limit{posts} \
                         (at most about {max_words} words)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn check_text(field: &str, value: Option<&str>) -> Result<()> {
    if let Some(v) = value {
        if v.trim().is_empty() {
            return Err(Error::validation(field, "must not be empty when given"));
        }
        if v.chars().count() > MAX_TEXT_FIELD_CHARS {
            return Err(Error::validation(field, format!("is longer than {MAX_TEXT_FIELD_CHARS} characters")));
        }
        check_no_control(field, v)?;
    }
    Ok(())
}

/// Refuses text with NUL or another control character other than tab, line feed and carriage
/// return: such text is never meant, and Postgres cannot store a NUL in a `TEXT` column.
pub fn check_no_control(field: &str, text: &str) -> Result<()> {
    match text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        Some(c) => {
            Err(Error::validation(field, format!("must not contain control characters (found U+{:04X})", u32::from(c))))
        }
        None => Ok(()),
    }
}

/// Like [`json_error`] for JSON text: a syntax error (malformed or truncated JSON) is an error
/// of the whole `body`, with the place it broke; a data error names its field.
pub(crate) fn json_body_error(e: &serde_path_to_error::Error<serde_json::Error>) -> Error {
    use serde_json::error::Category;
    match e.inner().classify() {
        // A value of a type the field cannot hold can surface as a syntax error (`expected
        // value` for an enum given a number); inside a field, name the field.
        Category::Syntax if !matches!(e.path().to_string().as_str(), "." | "?") => {
            let inner = e.inner();
            Error::validation(
                e.path().to_string(),
                format!(
                    "has the wrong type or is not valid JSON ({} at line {} column {})",
                    strip_position(&inner.to_string()),
                    inner.line(),
                    inner.column()
                ),
            )
        }
        Category::Syntax | Category::Eof | Category::Io => {
            let inner = e.inner();
            Error::validation(
                "body",
                format!(
                    "is not valid JSON ({} at line {} column {})",
                    strip_position(&inner.to_string()),
                    inner.line(),
                    inner.column()
                ),
            )
        }
        Category::Data => json_error(e),
    }
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(pos) => msg[..pos].to_owned(),
        None => msg.to_owned(),
    }
}

/// Turns a serde error with its path into a validation error naming the field.
pub(crate) fn json_error<E: std::fmt::Display>(e: &serde_path_to_error::Error<E>) -> Error {
    let path = e.path().to_string();
    let inner = e.inner().to_string();
    // serde_json appends " at line L column C"; the field name says more.
    let reason = match inner.find(" at line ") {
        Some(pos) => inner[..pos].to_owned(),
        None => inner,
    };
    if path == "." || path == "?" {
        // A missing or unknown field is reported at the parent; pull its name from the message.
        if let Some(name) = reason.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            return Error::validation(name, "is required");
        }
        if let Some(name) = reason.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
            return Error::validation(name, reason.clone());
        }
        return Error::validation("body", reason);
    }
    Error::validation(path, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_examples_deserialize_unchanged() {
        let blog = r#"{
          "content_type": "blog",
          "topic": "10 AI Marketing Tips for Small Business Owners",
          "keywords": ["AI marketing", "small business", "automation", "efficiency"],
          "tone": "professional",
          "target_audience": "Small business owners with 1-10 employees",
          "platform": "blog",
          "length": 800,
          "seo_optimize": true,
          "include_hashtags": false
        }"#;
        let req = ContentRequest::from_json(blog).unwrap();
        assert_eq!(req.length, Some(800));
        req.validate().unwrap();
        let thread = r#"{
          "content_type": "social_media",
          "topic": "Quick marketing tip of the day",
          "keywords": ["marketing", "growth"],
          "tone": "casual",
          "platform": "twitter",
          "length": 280,
          "include_hashtags": true
        }"#;
        let req = ContentRequest::from_json(thread).unwrap();
        assert_eq!(req.effective_platform(), Platform::Twitter);
        req.validate().unwrap();
        let minimal = r#"{"content_type": "blog", "topic": "Test"}"#;
        ContentRequest::from_json(minimal).unwrap().validate().unwrap();
    }

    #[test]
    fn errors_name_fields() {
        let e = ContentRequest::from_json(r#"{"content_type":"blog","topic":"x","tone":"snarky"}"#).unwrap_err();
        assert!(
            matches!(&e, Error::Validation { field, reason } if field == "tone" && reason.contains("professional")),
            "{e}"
        );
        let e = ContentRequest::from_json(r#"{"content_type":"blog"}"#).unwrap_err();
        assert!(matches!(&e, Error::Validation { field, .. } if field == "topic"), "{e}");
        let e = ContentRequest::from_json(r#"{"content_type":"blog","topic":"x","colour":1}"#).unwrap_err();
        assert!(matches!(&e, Error::Validation { field, .. } if field == "colour"), "{e}");
        let e = ContentRequest::from_json(r#"{"content_type":"blog","topic":"x","keywords":["a",3]}"#).unwrap_err();
        assert!(matches!(&e, Error::Validation { field, .. } if field == "keywords[1]"), "{e}");
        let e = ContentRequest::from_json(r#"{"content_type":"blog","topic":"x","length":-5}"#).unwrap_err();
        assert!(matches!(&e, Error::Validation { field, .. } if field == "length"), "{e}");
        let e = ContentRequest::from_json("{not json").unwrap_err();
        assert!(matches!(&e, Error::Validation { field, .. } if field == "body"), "{e}");
    }

    #[test]
    fn validation_rules() {
        let base = ContentRequest::new(ContentType::Blog, "Topic");
        assert!(base.clone().validate().is_ok());
        let field = |r: ContentRequest| match r.validate() {
            Err(Error::Validation { field, .. }) => field,
            other => panic!("expected validation error, got {other:?}"),
        };
        assert_eq!(field(ContentRequest::new(ContentType::Blog, "  ")), "topic");
        assert_eq!(field(base.clone().keywords(vec!["k"; 21])), "keywords");
        assert_eq!(field(base.clone().keywords(["ok", " "])), "keywords[1]");
        assert_eq!(field(base.clone().length(50)), "length");
        assert_eq!(field(base.clone().language("english please")), "language");
        assert_eq!(field(base.clone().target_audience("")), "target_audience");
        let insta = ContentRequest::new(ContentType::SocialMedia, "Launch").platform(Platform::Instagram).length(900);
        let e = insta.validate().unwrap_err().to_string();
        assert!(e.contains("instagram's 2200-character limit"), "{e}");
        // A Twitter thread may be long (up to 25 posts); a LinkedIn post may not.
        let tw = ContentRequest::new(ContentType::SocialMedia, "Tips").platform(Platform::Twitter);
        assert!(tw.clone().length(280).validate().is_ok());
        assert!(tw.length(1000).validate().is_ok());
        let li = ContentRequest::new(ContentType::SocialMedia, "Tips").platform(Platform::Linkedin);
        assert!(li.clone().length(500).validate().is_ok());
        assert_eq!(field(li.length(600)), "length");
    }

    #[test]
    fn defaults() {
        let r = ContentRequest::new(ContentType::SocialMedia, "t").platform(Platform::Twitter);
        assert!(r.wants_hashtags());
        assert_eq!(r.effective_length(), 40);
        let b = ContentRequest::new(ContentType::Blog, "t");
        assert!(!b.wants_hashtags());
        assert_eq!(b.effective_platform(), Platform::Blog);
        assert_eq!(b.effective_length(), 500);
    }
}
