//! The content model: briefs, their vocabularies and validation, and finished pieces.

mod assessment;
mod generated;
mod kinds;
mod repair;
mod request;
mod usage;

pub use assessment::{Assessment, Light};
pub use generated::{ContentMetadata, GeneratedContent, Readability, TemplateRef};
pub use kinds::{ContentType, Platform, PlatformLimits, Tone, UnknownValue};
pub use repair::{RepairMethod, RepairNote};
pub use request::{
    CHARS_PER_WORD, ContentRequest, MAX_KEYWORD_CHARS, MAX_KEYWORDS, MAX_TEXT_FIELD_CHARS, MAX_TOPIC_CHARS,
    check_no_control,
};
#[allow(unused_imports)]
pub(crate) use request::{json_body_error, json_error};
pub use usage::Usage;
