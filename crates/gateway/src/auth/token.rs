//! Customer tokens and customer secrets: both HMAC-SHA256, under two keys
//! derived from one master secret, so every gateway replica given the same
//! master secret issues and accepts the same ones and none stores anything.
//!
//! Tokens are JWTs (RFC 7519) signed with HS256, so any JWT tool can read
//! them. They are written here rather than through a JWT crate: the one
//! algorithm used is a few lines over ring (already in the tree through
//! rustls), while jsonwebtoken 10 would add a second crypto stack (RustCrypto
//! or aws-lc-rs) for algorithms never used. Verification accepts only the
//! exact header this module writes, so a token cannot pick its own
//! algorithm (`"alg": "none"`, key confusion).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde::{Deserialize, Serialize};
use storefront_wire::CustomerId;
use storefront_wire::customers::{BEARER, IssuedToken};

/// `{"alg":"HS256","typ":"JWT"}`, base64url: the only header accepted.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// The `iss` claim of every token this store issues.
const ISSUER: &str = "storefront";

/// Signs and checks customer tokens and secrets.
pub struct Signer {
    tokens: hmac::Key,
    secrets: hmac::Key,
    ttl: Duration,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token this store could have issued: wrong shape, header,
    /// signature or claims. Counts as a failed authentication.
    Invalid,
    /// Genuine, but past its `exp`: the customer gets a new one.
    Expired,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    iat: u64,
    exp: u64,
}

impl Signer {
    /// Keys for tokens lasting `ttl`, derived from `master` (any length).
    pub fn new(master: &[u8], ttl: Duration) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, master);
        let derive =
            |purpose: &[u8]| hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&root, purpose).as_ref());
        Self {
            tokens: derive(b"storefront customer tokens v1"),
            secrets: derive(b"storefront customer secrets v1"),
            ttl,
        }
    }

    /// A token for `customer`, valid from `now` for the configured time.
    pub fn issue(&self, customer: &CustomerId, now: SystemTime) -> IssuedToken {
        let iat = seconds(now);
        let claims = Claims {
            iss: ISSUER.into(),
            sub: customer.as_str().into(),
            iat,
            exp: iat + self.ttl.as_secs(),
        };
        // Plain strings and numbers: serializing cannot fail.
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
        let signed = format!("{HEADER}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(hmac::sign(&self.tokens, signed.as_bytes()));
        IssuedToken {
            access_token: format!("{signed}.{signature}"),
            token_type: BEARER.into(),
            expires_in: self.ttl.as_secs(),
        }
    }

    /// The customer a token was issued for, if this store signed it and it
    /// has not expired at `now`.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<CustomerId, TokenError> {
        let mut parts = token.split('.');
        let (Some(HEADER), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Invalid)?;
        let signed = &token[..HEADER.len() + 1 + payload.len()];
        // Constant time: the comparison tells nothing about a forgery.
        hmac::verify(&self.tokens, signed.as_bytes(), &signature)
            .map_err(|_| TokenError::Invalid)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(TokenError::Invalid)?;
        if claims.iss != ISSUER {
            return Err(TokenError::Invalid);
        }
        if claims.exp <= seconds(now) {
            return Err(TokenError::Expired);
        }
        CustomerId::parse(claims.sub).map_err(|_| TokenError::Invalid)
    }

    /// The secret that proves to be `customer` (shown once, at creation).
    pub fn secret_of(&self, customer: &CustomerId) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.secrets, customer.as_str().as_bytes()))
    }

    /// Whether `offered` is `customer`'s secret, compared in constant time.
    pub fn is_secret_of(&self, customer: &CustomerId, offered: &str) -> bool {
        URL_SAFE_NO_PAD.decode(offered).is_ok_and(|tag| {
            hmac::verify(&self.secrets, customer.as_str().as_bytes(), &tag).is_ok()
        })
    }
}

fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> CustomerId {
        CustomerId::parse("alice").unwrap()
    }

    fn signer() -> Signer {
        Signer::new(b"master secret", Duration::from_secs(60))
    }

    #[test]
    fn the_header_is_hs256_jwt() {
        assert_eq!(
            URL_SAFE_NO_PAD.decode(HEADER).unwrap(),
            br#"{"alg":"HS256","typ":"JWT"}"#
        );
    }

    #[test]
    fn a_token_names_its_customer_until_it_expires() {
        let now = SystemTime::now();
        let token = signer().issue(&alice(), now);
        assert_eq!(token.token_type, "Bearer");
        assert_eq!(token.expires_in, 60);
        let verified = signer().verify(&token.access_token, now + Duration::from_secs(59));
        assert_eq!(verified, Ok(alice()));
        let late = signer().verify(&token.access_token, now + Duration::from_secs(61));
        assert_eq!(late, Err(TokenError::Expired));
    }

    #[test]
    fn another_key_or_a_changed_claim_is_invalid() {
        let now = SystemTime::now();
        let token = signer().issue(&alice(), now).access_token;
        let other = Signer::new(b"another secret", Duration::from_secs(60));
        assert_eq!(other.verify(&token, now), Err(TokenError::Invalid));

        // The same signature over claims naming someone else.
        let parts: Vec<&str> = token.split('.').collect();
        let claims = URL_SAFE_NO_PAD.decode(parts[1]).unwrap();
        let forged = String::from_utf8(claims).unwrap().replace("alice", "mallo");
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(forged),
            parts[2]
        );
        assert_eq!(signer().verify(&forged, now), Err(TokenError::Invalid));
    }

    #[test]
    fn unsigned_and_malformed_tokens_are_invalid() {
        let now = SystemTime::now();
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD
            .encode(r#"{"iss":"storefront","sub":"alice","iat":0,"exp":99999999999}"#);
        for token in [
            format!("{none}.{claims}."),
            format!("{none}.{claims}"),
            "".into(),
            "a.b.c.d".into(),
            format!("{HEADER}.{claims}.%%%"),
        ] {
            assert_eq!(
                signer().verify(&token, now),
                Err(TokenError::Invalid),
                "{token}"
            );
        }
    }

    proptest::proptest! {
        /// Any customer's token names that customer; changing any one
        /// character of it makes it invalid (never another customer's).
        #[test]
        fn a_token_cannot_be_altered(
            id in "[A-Za-z0-9._-]{1,64}",
            at in proptest::prelude::any::<proptest::sample::Index>(),
            with in proptest::char::range('!', '~'),
        ) {
            let customer = CustomerId::parse(id).unwrap();
            let now = SystemTime::now();
            let token = signer().issue(&customer, now).access_token;
            proptest::prop_assert_eq!(signer().verify(&token, now), Ok(customer.clone()));
            let mut chars: Vec<char> = token.chars().collect();
            let i = at.index(chars.len());
            proptest::prop_assume!(chars[i] != with);
            chars[i] = with;
            let altered: String = chars.into_iter().collect();
            let verdict = signer().verify(&altered, now);
            // base64url's last character carries spare bits: a change there
            // may decode to the same signature, and then the same customer.
            proptest::prop_assert!(
                verdict == Err(TokenError::Invalid) || verdict == Ok(customer),
                "{altered}: {verdict:?}"
            );
        }
    }

    #[test]
    fn a_secret_belongs_to_one_customer() {
        let s = signer();
        let secret = s.secret_of(&alice());
        assert!(s.is_secret_of(&alice(), &secret));
        assert!(!s.is_secret_of(&CustomerId::parse("bob").unwrap(), &secret));
        assert!(!s.is_secret_of(&alice(), "not base64 !"));
        assert!(!s.is_secret_of(&alice(), ""));
    }
}
