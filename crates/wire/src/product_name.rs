//! A product's name as clients address it in `/products/<name>`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A product name: 1 to [`ProductName::MAX_CHARS`] characters, no control
/// characters, no surrounding white space, and not only digits (an all-digit
/// path segment is reserved for product ids).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductName(String);

impl ProductName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        let chars = text.chars().count();
        if chars == 0 {
            return Err("product name must not be empty".into());
        }
        if chars > Self::MAX_CHARS {
            return Err(format!(
                "product name must be at most {} characters",
                Self::MAX_CHARS
            ));
        }
        if text.chars().any(char::is_control) {
            return Err("product name must not contain control characters".into());
        }
        if text.trim() != text {
            return Err("product name must not start or end with white space".into());
        }
        if text.chars().all(|c| c.is_ascii_digit()) {
            return Err("product name must contain a character other than a digit".into());
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// [`ProductName::parse`]'s rules as a regular expression (ECMA 262 and
/// Python agree on it), for the API document: no control character (Unicode
/// `Cc`), no white space (what `str::trim` removes) at either end, and a
/// character other than an ASCII digit. Length is `minLength`/`maxLength`.
pub const PRODUCT_NAME_PATTERN: &str = concat!(
    r"^(?=[\s\S]*[^0-9])",
    r"[^\t-\r \x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]",
    r"(?:[^\x00-\x1f\x7f-\x9f]*",
    r"[^\t-\r \x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?$",
);

impl TryFrom<String> for ProductName {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(text)
    }
}

impl From<ProductName> for String {
    fn from(name: ProductName) -> String {
        name.0
    }
}

impl fmt::Display for ProductName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for ok in ["Tux", "Rubber Duck", "Élan", "R2-D2"] {
            assert_eq!(ProductName::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_bad_names() {
        let long = "x".repeat(ProductName::MAX_CHARS + 1);
        for bad in ["", " Tux", "Tux ", "a\nb", "12345", long.as_str()] {
            assert!(
                ProductName::parse(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn deserialization_validates() {
        assert!(serde_json::from_str::<ProductName>("\"\"").is_err());
        assert!(serde_json::from_str::<ProductName>("7").is_err());
        assert!(serde_json::from_str::<ProductName>("\"Tux\"").is_ok());
    }
}
