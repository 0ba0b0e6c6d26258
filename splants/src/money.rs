//! Exact money arithmetic for budgets and prices.
//!
//! Dollar amounts are held as whole nano-dollars (`1e-9` USD) in an `i64`, so sums of many
//! tiny per-token costs never drift the way `f64` sums do, and a budget comparison is exact.
//! Prices are held per million tokens in micro-dollars, which is the same number as
//! pico-dollars per token: every price in the default table is a whole number there.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

/// An amount of US dollars, exact to the nano-dollar.
///
/// ```
/// use splants::Usd;
/// let a = Usd::from_dollars(0.10).unwrap();
/// let b = Usd::from_dollars(0.20).unwrap();
/// assert_eq!((a + b).dollars(), 0.30);
/// ```
#[derive(Copy, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(i64);

/// Nano-dollars in one dollar.
const NANOS_PER_DOLLAR: i64 = 1_000_000_000;

impl Usd {
    /// Zero dollars.
    pub const ZERO: Usd = Usd(0);
    /// The largest representable amount (about 9.2 billion dollars).
    pub const MAX: Usd = Usd(i64::MAX);

    /// An amount from whole nano-dollars.
    pub const fn from_nanos(nanos: i64) -> Self {
        Usd(nanos)
    }

    /// The amount in nano-dollars.
    pub const fn nanos(self) -> i64 {
        self.0
    }

    /// Converts a dollar figure (rounded to the nearest nano-dollar).
    /// Returns `None` for NaN, infinities and amounts beyond [`Usd::MAX`].
    pub fn from_dollars(dollars: f64) -> Option<Self> {
        if !dollars.is_finite() {
            return None;
        }
        let nanos = (dollars * NANOS_PER_DOLLAR as f64).round();
        if nanos.abs() >= i64::MAX as f64 {
            return None;
        }
        Some(Usd(nanos as i64))
    }

    /// The amount in dollars, for display and JSON.
    pub fn dollars(self) -> f64 {
        // Split so that amounts up to the full range keep nano precision where f64 can.
        let whole = self.0 / NANOS_PER_DOLLAR;
        let frac = self.0 % NANOS_PER_DOLLAR;
        whole as f64 + frac as f64 / NANOS_PER_DOLLAR as f64
    }

    /// Adds, saturating at the bounds instead of overflowing.
    pub const fn saturating_add(self, other: Usd) -> Usd {
        Usd(self.0.saturating_add(other.0))
    }

    /// Subtracts, saturating at the bounds instead of overflowing.
    pub const fn saturating_sub(self, other: Usd) -> Usd {
        Usd(self.0.saturating_sub(other.0))
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl Add for Usd {
    type Output = Usd;
    fn add(self, rhs: Usd) -> Usd {
        self.saturating_add(rhs)
    }
}

impl AddAssign for Usd {
    fn add_assign(&mut self, rhs: Usd) {
        *self = self.saturating_add(rhs);
    }
}

impl Sub for Usd {
    type Output = Usd;
    fn sub(self, rhs: Usd) -> Usd {
        self.saturating_sub(rhs)
    }
}

impl Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        iter.fold(Usd::ZERO, Add::add)
    }
}

impl fmt::Debug for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Usd({self})")
    }
}

impl fmt::Display for Usd {
    /// Shows dollars with up to nine decimals, trailing zeros trimmed (`$0.0125`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / NANOS_PER_DOLLAR as u64;
        let frac = abs % NANOS_PER_DOLLAR as u64;
        if frac == 0 {
            return write!(f, "{sign}${whole}.00");
        }
        let digits = format!("{frac:09}");
        let trimmed = digits.trim_end_matches('0');
        let shown = if trimmed.len() < 2 { &digits[..2] } else { trimmed };
        write!(f, "{sign}${whole}.{shown}")
    }
}

impl Serialize for Usd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.dollars())
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let dollars = f64::deserialize(d)?;
        Usd::from_dollars(dollars)
            .ok_or_else(|| serde::de::Error::custom(format!("{dollars} is not a valid dollar amount")))
    }
}

/// Dollars are a JSON number (see the `Serialize` impl).
#[cfg(feature = "typescript")]
impl ts_rs::TS for Usd {
    type WithoutGenerics = Usd;
    type OptionInnerType = Usd;

    fn name(_: &ts_rs::Config) -> String {
        "number".to_owned()
    }

    fn inline(cfg: &ts_rs::Config) -> String {
        Self::name(cfg)
    }
}

#[cfg(feature = "server")]
impl utoipa::PartialSchema for Usd {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Number)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Double)))
            .description(Some("US dollars (exact to the nano-dollar)"))
            .into()
    }
}

#[cfg(feature = "server")]
impl utoipa::ToSchema for Usd {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Usd")
    }
}

/// A price per one million tokens, in micro-dollars (equal to pico-dollars per token).
///
/// ```
/// use splants::money::PerMillion;
/// let p = PerMillion::from_dollars(2.50).unwrap();
/// assert_eq!(p.cost(1_000_000).dollars(), 2.50);
/// assert_eq!(p.cost(1).nanos(), 2_500); // $0.0000025 per token
/// ```
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PerMillion(u64);

impl PerMillion {
    /// Free.
    pub const ZERO: PerMillion = PerMillion(0);

    /// A price from micro-dollars per million tokens.
    pub const fn from_micros(micros: u64) -> Self {
        PerMillion(micros)
    }

    /// Micro-dollars per million tokens.
    pub const fn micros(self) -> u64 {
        self.0
    }

    /// A price from dollars per million tokens, rounded *up* to the micro-dollar so an
    /// override never prices below what was written. `None` for negative or non-finite input.
    pub fn from_dollars(dollars: f64) -> Option<Self> {
        if !dollars.is_finite() || !(0.0..=1e9).contains(&dollars) {
            return None;
        }
        Some(PerMillion((dollars * 1e6 - 1e-6).ceil().max(0.0) as u64))
    }

    /// Dollars per million tokens.
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// The price scaled by `num / den`, rounded up (for tier and cache multipliers).
    pub fn scaled(self, num: u64, den: u64) -> PerMillion {
        if den == 0 {
            return self;
        }
        let v = (self.0 as u128 * num as u128).div_ceil(den as u128);
        PerMillion(u64::try_from(v).unwrap_or(u64::MAX))
    }

    /// Picodollars for `tokens` tokens at this price, exact.
    pub fn picos(self, tokens: u64) -> u128 {
        self.0 as u128 * tokens as u128
    }

    /// The cost of `tokens` tokens at this price, rounded up to the nano-dollar.
    pub fn cost(self, tokens: u64) -> Usd {
        picos_to_usd(self.picos(tokens))
    }
}

/// Rounds pico-dollars up to whole nano-dollars, saturating at [`Usd::MAX`].
pub fn picos_to_usd(picos: u128) -> Usd {
    let nanos = picos.div_ceil(1000);
    Usd(i64::try_from(nanos).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_round_trip_exactly_for_cents() {
        for cents in [0_i64, 1, 10, 99, 100, 12345, 10_000_000] {
            let usd = Usd::from_dollars(cents as f64 / 100.0).unwrap();
            assert_eq!(usd.nanos(), cents * 10_000_000);
        }
    }

    #[test]
    fn display_trims_zeros() {
        assert_eq!(Usd::from_nanos(12_500_000).to_string(), "$0.0125");
        assert_eq!(Usd::from_nanos(1_000_000_000).to_string(), "$1.00");
        assert_eq!(Usd::from_nanos(100_000_000).to_string(), "$0.10");
        assert_eq!(Usd::from_nanos(-5).to_string(), "-$0.000000005");
    }

    #[test]
    fn rejects_non_finite() {
        assert!(Usd::from_dollars(f64::NAN).is_none());
        assert!(Usd::from_dollars(f64::INFINITY).is_none());
        assert!(Usd::from_dollars(1e300).is_none());
        assert!(PerMillion::from_dollars(-1.0).is_none());
    }

    #[test]
    fn per_million_prices_are_exact() {
        assert_eq!(PerMillion::from_dollars(0.005).unwrap().micros(), 5_000);
        assert_eq!(PerMillion::from_dollars(0.075).unwrap().micros(), 75_000);
        assert_eq!(PerMillion::from_dollars(2.5).unwrap().micros(), 2_500_000);
        // 1000 tokens at $0.15/M = $0.00015
        assert_eq!(PerMillion::from_dollars(0.15).unwrap().cost(1000).nanos(), 150_000);
    }

    #[test]
    fn cost_rounds_up() {
        let p = PerMillion::from_micros(1); // 1 picodollar per token
        assert_eq!(p.cost(1).nanos(), 1);
        assert_eq!(p.cost(1000).nanos(), 1);
        assert_eq!(p.cost(1001).nanos(), 2);
    }

    #[test]
    fn scaled_rounds_up() {
        let p = PerMillion::from_micros(3);
        assert_eq!(p.scaled(5, 4).micros(), 4);
        assert_eq!(p.scaled(1, 10).micros(), 1);
    }
}
