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

use std::str::FromStr;

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

#[cfg(test)]
mod tests {
    use super::*;

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
