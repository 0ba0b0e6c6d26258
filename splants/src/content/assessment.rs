//! One check of a piece on a traffic-light scale (shared by the analysis and the content model).

use serde::{Deserialize, Serialize};

/// The traffic light of an [`Assessment`], as Yoast SEO shows its checks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum Light {
    /// Good: nothing to do (Yoast's 9 points).
    Green,
    /// Could be better (Yoast's 6 points).
    Orange,
    /// A problem to fix before publishing (Yoast's 3 points, or 0 for a detected failure).
    Red,
}

impl Light {
    /// `green`, `orange` or `red`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Orange => "orange",
            Light::Red => "red",
        }
    }
}

impl std::fmt::Display for Light {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check of a piece: which, how it scored, its light and what the writer can do about it.
///
/// The ids, thresholds and scores are listed in the module docs of [`crate::analysis`] and in
/// `docs/scores.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Assessment {
    /// Stable id, e.g. `sentence_length` or `keyphrase_density`.
    pub id: String,
    /// Yoast's points divided by 9, in 0..=1: 1 green, 2/3 orange, 1/3 red, 0 a detected failure.
    pub score: f64,
    /// The traffic light.
    pub light: Light,
    /// What was found and what to do, in one or two sentences.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lights_serialize_lowercase() {
        assert_eq!(serde_json::to_string(&Light::Orange).unwrap(), "\"orange\"");
        let a: Assessment = serde_json::from_str(r#"{"id":"x","score":1.0,"light":"green","message":"ok"}"#).unwrap();
        assert_eq!(a.light, Light::Green);
        assert_eq!(Light::Red.to_string(), "red");
    }

    #[test]
    fn metadata_stored_before_assessments_still_loads() {
        let mut old = serde_json::to_value(crate::content::ContentMetadata::default()).unwrap();
        old.as_object_mut().unwrap().remove("assessments");
        let back: crate::content::ContentMetadata = serde_json::from_value(old).unwrap();
        assert!(back.assessments.is_empty());
    }
}
