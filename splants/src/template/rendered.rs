//! The result of rendering a template, and how it becomes a brief for the engine.

use super::model::Template;
use crate::content::{ContentRequest, Platform, TemplateRef, Tone};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Caller choices that win over a template's defaults; every field is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS), ts(optional_fields))]
pub struct TemplateOverrides {
    /// Tone instead of the template's `default_tone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
    /// Length in words instead of the template's `default_length`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Platform instead of the template's `default_platform`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Keywords that replace (not extend) the template's keywords.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<String>>,
    /// Who the copy is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_audience: Option<String>,
    /// The action the reader should take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_to_action: Option<String>,
    /// Language to write in (BCP 47 tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Whether to add hashtags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_hashtags: Option<bool>,
    /// Whether to optimise for search; on when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seo_optimize: Option<bool>,
}

/// A template filled with variables: the topic and instructions for one piece.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedTemplate {
    /// The template it came from.
    pub template: Arc<Template>,
    /// The rendered topic, on one line.
    pub topic: String,
    /// The rendered writing instructions for the model.
    pub prompt: String,
}

impl RenderedTemplate {
    /// The brief the engine runs: content type from the template, topic = rendered topic,
    /// tone/length/platform/keywords from the template unless overridden.
    ///
    /// The result is not validated here; the engine validates every brief it runs (an override
    /// such as a too-long length for the platform is reported there, naming the field).
    pub fn to_request(&self, overrides: &TemplateOverrides) -> ContentRequest {
        let t = &self.template;
        ContentRequest {
            tone: overrides.tone.unwrap_or(t.default_tone),
            length: overrides.length.or(t.default_length),
            platform: overrides.platform.or(t.default_platform),
            keywords: overrides.keywords.clone().unwrap_or_else(|| t.keywords.clone()),
            target_audience: overrides.target_audience.clone(),
            call_to_action: overrides.call_to_action.clone(),
            language: overrides.language.clone(),
            include_hashtags: overrides.include_hashtags,
            seo_optimize: overrides.seo_optimize.unwrap_or(true),
            ..ContentRequest::new(t.content_type, self.topic.clone())
        }
    }

    /// Name and version of the template, to record with the generated piece.
    pub fn template_ref(&self) -> TemplateRef {
        TemplateRef { name: self.template.name.clone(), version: self.template.version.clone() }
    }
}
