//! A quantity a client may order: a whole number from 1 to [`Quantity::MAX`].

use std::fmt;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many units of a product an order asks for.
///
/// Deserialization accepts only JSON integers in range, so `"1"`, `1.5`,
/// `true`, `0`, `-3` and `10000000000` are refused with a message that says
/// what is expected, before any service acts on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(u32);

impl Quantity {
    /// Larger orders are refused as input errors; no seeded stock comes near it.
    pub const MAX: u32 = 1_000_000;

    pub fn new(value: u64) -> Result<Self, String> {
        if (1..=u64::from(Self::MAX)).contains(&value) {
            Ok(Self(value as u32))
        } else {
            Err(format!("quantity must be from 1 to {}", Self::MAX))
        }
    }

    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.0)
    }
}

struct QuantityVisitor;

impl Visitor<'_> for QuantityVisitor {
    type Value = Quantity;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a whole number from 1 to {}", Quantity::MAX)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Quantity, E> {
        Quantity::new(value).map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Quantity, E> {
        match u64::try_from(value) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(value), &self)),
        }
    }

    /// `2.0` is the integer 2 ([`crate::whole_number`]); `1.5` is no quantity.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Quantity, E> {
        match crate::whole_number::integral(value) {
            Some(whole) => self.visit_i64(whole),
            None if value.fract() == 0.0 => Err(E::invalid_value(Unexpected::Float(value), &self)),
            None => Err(E::invalid_type(Unexpected::Float(value), &self)),
        }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(QuantityVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Quantity, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_whole_numbers_in_range() {
        assert_eq!(parse("1").unwrap().get(), 1);
        assert_eq!(parse("1000000").unwrap().get(), Quantity::MAX);
    }

    #[test]
    fn refuses_zero_negative_and_huge() {
        for bad in ["0", "-1", "1000001", "18446744073709551615", "1e30"] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("whole number from 1 to"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_integral_float_is_the_integer() {
        assert_eq!(parse("2.0").unwrap().get(), 2);
        assert_eq!(parse("1e3").unwrap().get(), 1000);
    }

    #[test]
    fn refuses_other_types() {
        for bad in ["\"1\"", "1.5", "true", "null", "[1]", "{}"] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
