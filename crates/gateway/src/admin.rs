//! The admin token check: `Authorization: Bearer <token>` on administration
//! routes. A gateway started without a token refuses them all.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::header;
use http::request::Parts;

use crate::{Gateway, GatewayError};

/// Proof that the request carried the configured admin token.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<Arc<Gateway>> for Admin {
    type Rejection = GatewayError;

    async fn from_request_parts(
        parts: &mut Parts,
        gateway: &Arc<Gateway>,
    ) -> Result<Self, GatewayError> {
        let Some(expected) = gateway.admin_token.as_deref() else {
            return Err(GatewayError::Unauthorized(
                "administration is disabled: no admin token is configured",
            ));
        };
        let offered = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match offered {
            Some(token) if same_secret(token.as_bytes(), expected.as_bytes()) => Ok(Admin),
            Some(_) => Err(GatewayError::Unauthorized("wrong admin token")),
            None => Err(GatewayError::Unauthorized(
                "this route needs an admin token (Authorization: Bearer <token>)",
            )),
        }
    }
}

/// Compares without stopping at the first difference, so the time taken
/// does not tell an attacker how much of a guess was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
    }
}
