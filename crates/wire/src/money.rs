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

    /// Parses a JSON number such as `15.99`, `15.9`, `15` or `1.599e1`
    /// exactly, as long as it is a whole number of cents: `1.999` is
    /// refused (a fraction of a cent), and so is anything that is not a
    /// JSON number's text. An exponent is accepted because JSON (and so the
    /// API document) makes `1e3` the same number as `1000`.
    pub fn parse_decimal(text: &str) -> Result<Self, String> {
        let not_amount = || format!("`{text}` is not a decimal amount");
        let too_large = || format!("`{text}` is too large");
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((m, e)) => {
                let e = e.strip_prefix('+').unwrap_or(e);
                let e: i32 = e.parse().map_err(|_| not_amount())?;
                (m, e)
            }
            None => (unsigned, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(not_amount());
        }
        // The digits, and how many of them stand after the decimal point
        // once the exponent has moved it: the amount is digits × 10^-scale.
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('0');
        let scale = i64::try_from(fraction.len()).map_err(|_| not_amount())? - i64::from(exponent);
        let cents_digits = match scale {
            // Cents are 10^-2: more than two decimals must all be zeros.
            s if s > 2 => {
                let extra = usize::try_from(s - 2).map_err(|_| not_amount())?;
                let cut = digits.len().saturating_sub(extra);
                if digits[cut..].bytes().any(|b| b != b'0') {
                    return Err(format!("`{text}` has more than two decimals"));
                }
                digits[..cut].to_owned()
            }
            s => {
                let zeros = usize::try_from(2 - s).map_err(|_| too_large())?;
                if digits.is_empty() {
                    String::new()
                } else if digits.len() + zeros > 18 {
                    return Err(too_large());
                } else {
                    format!("{digits}{}", "0".repeat(zeros))
                }
            }
        };
        let cents: i64 = if cents_digits.is_empty() {
            0
        } else {
            cents_digits.parse().map_err(|_| too_large())?
        };
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
        assert_eq!(Money::parse_decimal("1.50").unwrap().cents(), 150);
        assert_eq!(Money::parse_decimal("0").unwrap().cents(), 0);
        assert_eq!(Money::parse_decimal("-2.5").unwrap().cents(), -250);
    }

    #[test]
    fn an_exponent_moves_the_point_and_must_still_land_on_cents() {
        assert_eq!(Money::parse_decimal("1e3").unwrap().cents(), 100_000);
        assert_eq!(Money::parse_decimal("1.599E1").unwrap().cents(), 1599);
        assert_eq!(Money::parse_decimal("1599e-2").unwrap().cents(), 1599);
        assert_eq!(Money::parse_decimal("15990e-3").unwrap().cents(), 1599);
        assert_eq!(Money::parse_decimal("0e-400").unwrap().cents(), 0);
        assert_eq!(Money::parse_decimal("1.0e+2").unwrap().cents(), 10_000);
        for bad in ["1599e-3", "1e-264", "1e20", "1e400", "1e", "e3", "1e3.5"] {
            assert!(Money::parse_decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_exact_amount() {
        for bad in [
            "1.999",
            "",
            "-",
            "+1",
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
