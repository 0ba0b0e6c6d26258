//! The analytics section of [`crate::config::Config`].

use super::RoiRates;
use serde::{Deserialize, Deserializer};

/// What analytics compare against.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsConfig {
    /// `SPLANTS_FREELANCE_RATES` (`type=price[:hours],…`): what ROI compares against; the given
    /// types replace the defaults' rates.
    #[serde(deserialize_with = "rates")]
    pub freelance_rates: RoiRates,
}

fn rates<'de, D: Deserializer<'de>>(d: D) -> Result<RoiRates, D::Error> {
    let spec = String::deserialize(d)?;
    RoiRates::parse(&spec).map_err(|e| serde::de::Error::custom(crate::setting::reason_of(e)))
}
