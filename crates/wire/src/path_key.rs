//! How ids and order numbers are read from a URL path segment, the same
//! way in every service.
//!
//! A key is a number only when it is plain decimal digits: no sign, no
//! spaces, no `+`, no hex, no leading `0x`. `str::parse` alone would accept
//! `+7`, which another service (or a cache key) would then see as a different
//! string naming the same record. What a key that is not a number means
//! differs by route (a product name, or a 400), and so does a number too
//! large for its type (nothing can have that id: 404, or a 400), so
//! [`NumericKey`] reports the three cases and each route maps them.
//! [`ProductKey`] is the name-or-id of the product routes.

use std::str::FromStr;

use crate::ProductName;

/// What a path segment is, read as a number of type `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericKey<T> {
    /// Plain digits that fit `T`.
    Number(T),
    /// Plain digits, but more than `T` holds: no record can have it.
    OutOfRange,
    /// Empty, or anything but plain digits.
    NotDigits,
}

impl<T: FromStr> NumericKey<T> {
    pub fn parse(text: &str) -> Self {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Self::NotDigits;
        }
        match text.parse() {
            Ok(number) => Self::Number(number),
            Err(_) => Self::OutOfRange,
        }
    }

    /// The number, or `not_a_number` for a key that is not plain digits
    /// and `out_of_range` for one too large for `T`.
    pub fn number_or<E>(self, not_a_number: E, out_of_range: E) -> Result<T, E> {
        match self {
            Self::Number(number) => Ok(number),
            Self::OutOfRange => Err(out_of_range),
            Self::NotDigits => Err(not_a_number),
        }
    }
}

/// `/products/{name_or_id}`: an all-digit key is an id (a product name
/// always holds a non-digit), anything else must be a valid name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductKey {
    Id(i64),
    /// Digits beyond any id: names no product (404, not 400).
    UnknownId,
    Name(ProductName),
}

impl ProductKey {
    /// The key, or why it is not a valid product name.
    pub fn parse(text: String) -> Result<Self, String> {
        match NumericKey::parse(&text) {
            NumericKey::Number(id) => Ok(Self::Id(id)),
            NumericKey::OutOfRange => Ok(Self::UnknownId),
            NumericKey::NotDigits => ProductName::parse(text).map(Self::Name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_key_is_an_id_or_a_name() {
        assert_eq!(ProductKey::parse("42".into()), Ok(ProductKey::Id(42)));
        assert_eq!(
            ProductKey::parse("99999999999999999999".into()),
            Ok(ProductKey::UnknownId)
        );
        assert_eq!(
            ProductKey::parse("Tux 2".into()),
            Ok(ProductKey::Name(ProductName::parse("Tux 2").unwrap()))
        );
        assert!(ProductKey::parse(String::new()).is_err());
    }

    #[test]
    fn only_plain_digits_are_numbers() {
        assert_eq!(NumericKey::<i64>::parse("0"), NumericKey::Number(0));
        assert_eq!(NumericKey::<i64>::parse("0042"), NumericKey::Number(42));
        for text in ["", "+7", "-7", " 7", "7 ", "0x1f", "1e3", "7.0", "Tux", "٣"] {
            assert_eq!(
                NumericKey::<i64>::parse(text),
                NumericKey::NotDigits,
                "{text:?}"
            );
        }
    }

    #[test]
    fn digits_beyond_the_type_are_out_of_range() {
        assert_eq!(
            NumericKey::<i64>::parse("9223372036854775807"),
            NumericKey::Number(i64::MAX)
        );
        assert_eq!(
            NumericKey::<i64>::parse("9223372036854775808"),
            NumericKey::OutOfRange
        );
        assert_eq!(
            NumericKey::<u64>::parse("18446744073709551616"),
            NumericKey::OutOfRange
        );
    }

    #[test]
    fn each_case_maps_to_its_own_error() {
        let map = |text| NumericKey::<u64>::parse(text).number_or("bad", "none");
        assert_eq!(map("12"), Ok(12));
        assert_eq!(map("x"), Err("bad"));
        assert_eq!(map("99999999999999999999"), Err("none"));
    }
}
