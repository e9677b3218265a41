//! A customer's id as clients address it in `/carts/<customer_id>`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A customer id: 1 to [`CustomerId::MAX_CHARS`] ASCII letters, digits, `-`,
/// `_` or `.`, so it is safe in a path segment, a log line and a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerId(String);

impl CustomerId {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let text = text.into();
        if text.is_empty() || text.len() > Self::MAX_CHARS {
            return Err(format!(
                "customer id must be 1 to {} characters",
                Self::MAX_CHARS
            ));
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err("customer id may contain only letters, digits, '-', '_' and '.'".into());
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CustomerId {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(text)
    }
}

impl From<CustomerId> for String {
    fn from(id: CustomerId) -> String {
        id.0
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_ids_and_refuses_the_rest() {
        for good in ["alice", "42", "c-1_x.y", &"a".repeat(64)] {
            assert!(CustomerId::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a/b", "ü", &"a".repeat(65)] {
            assert!(CustomerId::parse(bad).is_err(), "{bad}");
        }
    }
}
