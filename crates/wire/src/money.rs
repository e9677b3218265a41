//! Money as integer cents: exact inside, a two-decimal JSON number outside.

use std::fmt;

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// An amount of money in cents. Never a float, so sums and comparisons are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    cents: i64,
}

impl Money {
    pub const fn from_cents(cents: i64) -> Self {
        Self { cents }
    }

    pub const fn cents(self) -> i64 {
        self.cents
    }

    /// Parses a decimal such as `15.99`, `15.9` or `15` exactly; more than two
    /// decimals, exponents and signs other than a leading `-` are refused.
    pub fn parse_decimal(text: &str) -> Result<Self, String> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(format!("`{text}` is not a decimal amount"));
        }
        if fraction.len() > 2 {
            return Err(format!("`{text}` has more than two decimals"));
        }
        let whole: i64 = whole
            .parse()
            .map_err(|_| format!("`{text}` is too large"))?;
        let fraction_cents: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let cents = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(fraction_cents))
            .ok_or_else(|| format!("`{text}` is too large"))?;
        Ok(Self::from_cents(if negative { -cents } else { cents }))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Written as a JSON number with exactly two decimals (`15.90`, not `15.9`),
/// produced from the integer so no float rounding can creep in.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.to_string()).map_err(S::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Read from a JSON number's own text, so `0.1` is exactly ten cents.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&RawValue>::deserialize(deserializer)?;
        Money::parse_decimal(raw.get()).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_a_two_decimal_number() {
        assert_eq!(
            serde_json::to_string(&Money::from_cents(1599)).unwrap(),
            "15.99"
        );
        assert_eq!(
            serde_json::to_string(&Money::from_cents(1590)).unwrap(),
            "15.90"
        );
        assert_eq!(
            serde_json::to_string(&Money::from_cents(5)).unwrap(),
            "0.05"
        );
        assert_eq!(
            serde_json::to_string(&Money::from_cents(-250)).unwrap(),
            "-2.50"
        );
    }

    #[test]
    fn serialized_price_reads_back_as_the_same_float() {
        let json = serde_json::to_string(&Money::from_cents(1599)).unwrap();
        let value: f64 = serde_json::from_str(&json).unwrap();
        assert_eq!(value, 15.99);
    }

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(Money::parse_decimal("15.99").unwrap().cents(), 1599);
        assert_eq!(Money::parse_decimal("15.9").unwrap().cents(), 1590);
        assert_eq!(Money::parse_decimal("15").unwrap().cents(), 1500);
        assert_eq!(Money::parse_decimal("0.1").unwrap().cents(), 10);
    }

    #[test]
    fn refuses_what_is_not_an_exact_amount() {
        for bad in [
            "1.999",
            "1e3",
            "",
            ".5",
            "abc",
            "1.2.3",
            "99999999999999999999",
        ] {
            assert!(
                Money::parse_decimal(bad).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn deserializes_from_a_json_number() {
        let money: Money = serde_json::from_str("25.99").unwrap();
        assert_eq!(money.cents(), 2599);
        assert!(serde_json::from_str::<Money>("\"25.99\"").is_err());
    }
}
