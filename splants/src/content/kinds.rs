//! The closed vocabularies of a brief: content types, tones and platforms.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Error from parsing one of the brief's enums: names the value and lists the allowed ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    /// What kind of value was parsed (`content_type`, `tone`, `platform`).
    pub kind: &'static str,
    /// The value given.
    pub value: String,
    /// The accepted values.
    pub allowed: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}`; expected one of: {}", self.kind, self.value, self.allowed.join(", "))
    }
}

impl std::error::Error for UnknownValue {}

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* #[cfg_attr(feature = "typescript", ts(rename = $text))] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The accepted spellings (canonical names first).
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The canonical snake_case name used in JSON.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            /// Case-insensitive; `-` and spaces read as `_`; aliases accepted.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let norm: String = s
                    .trim()
                    .chars()
                    .map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() })
                    .collect();
                match norm.as_str() {
                    $( $text $(| $alias)* => Ok($name::$variant), )+
                    _ => Err(UnknownValue { kind: $kind, value: s.to_owned(), allowed: Self::NAMES }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "server")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::NAMES.iter().copied()))
                    .into()
            }
        }

        #[cfg(feature = "server")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

string_enum! {
    /// What kind of copy to write.
    ContentType, "content_type" {
        /// A long-form blog article with headings.
        Blog = "blog" | "blog_post" | "article",
        /// A social media post (or thread).
        SocialMedia = "social_media" | "social" | "social_post",
        /// A marketing email with a subject line.
        Email = "email" | "newsletter",
        /// Advertising copy: headline, body, call to action.
        AdCopy = "ad_copy" | "ad",
        /// A product description for a shop page.
        ProductDescription = "product_description" | "product",
        /// A landing page with sections and a call to action.
        LandingPage = "landing_page" | "landing",
        /// A press release.
        PressRelease = "press_release" | "press",
        /// A video script with scenes.
        VideoScript = "video_script" | "video",
    }
}

string_enum! {
    /// The voice of the copy.
    Tone, "tone" {
        /// Clear, polished, businesslike.
        Professional = "professional",
        /// Relaxed and conversational.
        Casual = "casual",
        /// Energetic and enthusiastic.
        Exciting = "exciting",
        /// Warm and approachable.
        Friendly = "friendly",
        /// Expert and confident.
        Authoritative = "authoritative",
        /// Light and witty.
        Humorous = "humorous" | "funny",
        /// Built to convince.
        Persuasive = "persuasive",
        /// Plain and educational.
        Informative = "informative" | "educational",
        /// Uplifting and motivating.
        Inspirational = "inspirational",
    }
}

string_enum! {
    /// Where the copy will be published; each has its own limits.
    Platform, "platform" {
        /// X (Twitter): 280 characters a post, threads allowed.
        Twitter = "twitter" | "x",
        /// LinkedIn: 3,000 characters a post.
        Linkedin = "linkedin",
        /// Facebook: 63,206 characters a post.
        Facebook = "facebook",
        /// Instagram: 2,200-character captions, at most 30 hashtags.
        Instagram = "instagram",
        /// TikTok: 2,200-character captions.
        Tiktok = "tiktok",
        /// Bluesky: 300 graphemes a post.
        Bluesky = "bluesky" | "bsky",
        /// Threads (Meta): 500 characters a post.
        Threads = "threads",
        /// Mastodon: 500 characters a post (a URL counts 23), the default instance limit.
        Mastodon = "mastodon",
        /// A blog or WordPress site: no length limit.
        Blog = "blog" | "wordpress" | "website",
        /// An email client.
        Email = "email",
        /// No particular platform.
        Generic = "generic" | "other" | "none",
    }
}

#[allow(clippy::derivable_impls)]
impl Default for Tone {
    fn default() -> Self {
        Tone::Professional
    }
}

/// Publishing limits of a platform.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlatformLimits {
    /// Maximum characters in one post, if the platform has a limit.
    pub max_chars: Option<usize>,
    /// Maximum posts in a thread (1 = threads not supported).
    pub max_posts: usize,
    /// Hashtags the platform's convention recommends.
    pub recommended_hashtags: usize,
    /// Hashtags the platform allows at most.
    pub max_hashtags: usize,
}

impl Platform {
    /// The platform's limits.
    pub const fn limits(self) -> PlatformLimits {
        match self {
            Platform::Twitter => {
                PlatformLimits { max_chars: Some(280), max_posts: 25, recommended_hashtags: 2, max_hashtags: 3 }
            }
            Platform::Linkedin => {
                PlatformLimits { max_chars: Some(3000), max_posts: 1, recommended_hashtags: 3, max_hashtags: 5 }
            }
            Platform::Facebook => {
                PlatformLimits { max_chars: Some(63_206), max_posts: 1, recommended_hashtags: 2, max_hashtags: 5 }
            }
            Platform::Instagram => {
                PlatformLimits { max_chars: Some(2200), max_posts: 1, recommended_hashtags: 10, max_hashtags: 30 }
            }
            Platform::Tiktok => {
                PlatformLimits { max_chars: Some(2200), max_posts: 1, recommended_hashtags: 4, max_hashtags: 8 }
            }
            Platform::Bluesky => {
                PlatformLimits { max_chars: Some(300), max_posts: 1, recommended_hashtags: 2, max_hashtags: 3 }
            }
            Platform::Threads => {
                PlatformLimits { max_chars: Some(500), max_posts: 1, recommended_hashtags: 1, max_hashtags: 3 }
            }
            Platform::Mastodon => {
                PlatformLimits { max_chars: Some(500), max_posts: 1, recommended_hashtags: 3, max_hashtags: 5 }
            }
            Platform::Blog | Platform::Email | Platform::Generic => {
                PlatformLimits { max_chars: None, max_posts: 1, recommended_hashtags: 3, max_hashtags: 10 }
            }
        }
    }

    /// Whether posts on this platform are short social posts (limits apply to the copy).
    pub const fn is_social(self) -> bool {
        matches!(
            self,
            Platform::Twitter
                | Platform::Linkedin
                | Platform::Facebook
                | Platform::Instagram
                | Platform::Tiktok
                | Platform::Bluesky
                | Platform::Threads
                | Platform::Mastodon
        )
    }
}

impl ContentType {
    /// The platform assumed when a brief names none.
    pub const fn default_platform(self) -> Platform {
        match self {
            ContentType::Blog => Platform::Blog,
            ContentType::Email => Platform::Email,
            _ => Platform::Generic,
        }
    }

    /// Target length in words when a brief names none (the original app used 500 for blogs).
    pub const fn default_length(self, platform: Platform) -> u32 {
        match self {
            ContentType::Blog => 500,
            ContentType::SocialMedia => match platform {
                Platform::Twitter | Platform::Bluesky => 40,
                Platform::Threads | Platform::Mastodon => 60,
                Platform::Instagram | Platform::Tiktok => 80,
                _ => 120,
            },
            ContentType::Email => 250,
            ContentType::AdCopy => match platform {
                Platform::Bluesky => 40,
                _ => 60,
            },
            ContentType::ProductDescription => 150,
            ContentType::LandingPage => 600,
            ContentType::PressRelease => 500,
            ContentType::VideoScript => 300,
        }
    }

    /// Allowed target length in words, inclusive.
    pub const fn length_range(self) -> (u32, u32) {
        match self {
            ContentType::Blog => (100, 5000),
            ContentType::SocialMedia => (10, 1000),
            ContentType::Email => (50, 2000),
            ContentType::AdCopy => (10, 500),
            ContentType::ProductDescription => (20, 1000),
            ContentType::LandingPage => (100, 3000),
            ContentType::PressRelease => (100, 2000),
            ContentType::VideoScript => (30, 3000),
        }
    }

    /// Whether platform post limits apply to this type (short copy posted as-is).
    pub const fn is_post(self) -> bool {
        matches!(self, ContentType::SocialMedia | ContentType::AdCopy)
    }

    /// Whether copy of this type is expected to end with a call to action.
    pub const fn expects_cta(self) -> bool {
        !matches!(self, ContentType::PressRelease)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_aliases_and_case() {
        assert_eq!("X".parse::<Platform>().unwrap(), Platform::Twitter);
        assert_eq!("WordPress".parse::<Platform>().unwrap(), Platform::Blog);
        assert_eq!("social-media".parse::<ContentType>().unwrap(), ContentType::SocialMedia);
        assert_eq!(" Professional ".parse::<Tone>().unwrap(), Tone::Professional);
    }

    #[test]
    fn unknown_value_lists_allowed() {
        let err = "snarky".parse::<Tone>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("unknown tone `snarky`; expected one of: professional, casual"), "{msg}");
    }

    #[test]
    fn serde_round_trip() {
        let json = serde_json::to_string(&ContentType::AdCopy).unwrap();
        assert_eq!(json, "\"ad_copy\"");
        let back: ContentType = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ContentType::AdCopy);
    }
}
