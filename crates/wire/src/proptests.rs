//! Property tests of the wire types: what any client may send is read
//! back exactly, or refused, never misread.

use proptest::prelude::*;

use crate::{CustomerId, Money, ProductName, Quantity};

proptest! {
    /// Any amount written is read back to the cent, in plain or exponent
    /// notation.
    #[test]
    fn money_round_trips(cents in -100_000_000_000_000i64..100_000_000_000_000) {
        let money = Money::from_cents(cents);
        let text = serde_json::to_string(&money).unwrap();
        prop_assert_eq!(serde_json::from_str::<Money>(&text).unwrap(), money);
        let as_exponent = format!("{cents}e-2");
        prop_assert_eq!(Money::parse_decimal(&as_exponent).unwrap(), money);
    }

    /// A number with a fraction of a cent is refused, never rounded.
    #[test]
    fn fractions_of_a_cent_are_refused(cents in 0i64..1_000_000, mills in 1u8..10) {
        let text = format!("{}.{:02}{mills}", cents / 100, cents % 100);
        prop_assert!(Money::parse_decimal(&text).is_err(), "{}", text);
    }

    /// Every quantity in range is read from its integer and its integral
    /// float; a float with a fraction never is.
    #[test]
    fn quantities_read_as_integers(q in 1u32..=Quantity::MAX, fraction in 0.01f64..0.99) {
        let q_json = q.to_string();
        prop_assert_eq!(serde_json::from_str::<Quantity>(&q_json).unwrap().get(), q);
        let float = format!("{q}.0");
        prop_assert_eq!(serde_json::from_str::<Quantity>(&float).unwrap().get(), q);
        let fractional = serde_json::to_string(&(f64::from(q) + fraction)).unwrap();
        prop_assert!(serde_json::from_str::<Quantity>(&fractional).is_err());
    }

    /// A customer id is accepted exactly when it is 1 to 64 of the allowed
    /// characters, and then survives JSON unchanged.
    #[test]
    fn customer_ids_are_exactly_the_allowed_strings(text in "\\PC{0,70}") {
        let allowed = !text.is_empty()
            && text.len() <= CustomerId::MAX_CHARS
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        let parsed = CustomerId::parse(text.clone());
        prop_assert_eq!(parsed.is_ok(), allowed);
        if let Ok(id) = parsed {
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<CustomerId>(&json).unwrap(), id);
        }
    }

    /// A product name that parses survives JSON unchanged, and never is
    /// blank at its ends, holds a control character or is only digits.
    #[test]
    fn product_names_keep_their_rules(text in "\\PC{0,110}") {
        if let Ok(name) = ProductName::parse(text.clone()) {
            prop_assert_eq!(name.as_str().trim(), name.as_str());
            prop_assert!(!name.as_str().chars().any(char::is_control));
            prop_assert!(!name.as_str().chars().all(|c| c.is_ascii_digit()));
            let json = serde_json::to_string(&name).unwrap();
            prop_assert_eq!(serde_json::from_str::<ProductName>(&json).unwrap(), name);
        }
    }
}
