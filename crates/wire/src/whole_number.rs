//! Integer fields of request bodies accept any JSON number without a
//! fractional part: `2`, `2.0` and `2e0` are the same integer to JSON Schema
//! (and so to the API document and the clients generated from it), so the
//! server must not refuse the second and third. `2.5`, strings and `true`
//! are still refused.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Unexpected, Visitor};

/// `value` as an integer, if it has no fractional part and fits.
pub fn integral(value: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or above it is out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (value.is_finite() && value.fract() == 0.0 && (-LIMIT..LIMIT).contains(&value))
        .then_some(value as i64)
}

struct WholeNumber;

impl Visitor<'_> for WholeNumber {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<i64, E> {
        Ok(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<i64, E> {
        i64::try_from(value).map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<i64, E> {
        integral(value).ok_or_else(|| E::invalid_type(Unexpected::Float(value), &self))
    }
}

/// For `#[serde(deserialize_with = "…::i64")]` on an `i64` field.
pub fn i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(WholeNumber)
}

/// For an `Option<i64>` field (with `#[serde(default)]`).
pub fn option_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    i64(deserializer).map(Some)
}

/// For a `u32` field.
pub fn u32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let value = i64(deserializer)?;
    u32::try_from(value).map_err(|_| {
        de::Error::invalid_value(
            Unexpected::Signed(value),
            &"a whole number from 0 to 4294967295",
        )
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Line {
        #[serde(deserialize_with = "super::i64")]
        id: i64,
        #[serde(deserialize_with = "super::u32")]
        count: u32,
    }

    fn parse(json: &str) -> Result<(i64, u32), String> {
        serde_json::from_str::<Line>(json)
            .map(|l| (l.id, l.count))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integral_numbers_in_any_notation_are_integers() {
        assert_eq!(parse(r#"{"id": 7, "count": 2}"#), Ok((7, 2)));
        assert_eq!(parse(r#"{"id": 7.0, "count": 2e0}"#), Ok((7, 2)));
        assert_eq!(parse(r#"{"id": -3.0, "count": 1E3}"#), Ok((-3, 1000)));
    }

    #[test]
    fn fractions_strings_and_out_of_range_are_refused() {
        for bad in [
            r#"{"id": 7.5, "count": 2}"#,
            r#"{"id": "7", "count": 2}"#,
            r#"{"id": true, "count": 2}"#,
            r#"{"id": 1e19, "count": 2}"#,
            r#"{"id": 7, "count": -1}"#,
            r#"{"id": 7, "count": 4294967296}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
