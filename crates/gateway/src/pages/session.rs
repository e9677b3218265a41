//! Who a browser is, from its cookies: a shopper (a customer of the API,
//! by its id and secret) and, on the admin pages, the admin (by the admin
//! token). Each cookie holds the same credential the JSON API takes, so a
//! page may do exactly what that credential may do through the API.
//!
//! Cookies are `HttpOnly` (no script reads them) and `SameSite`: `Lax` for
//! the shopper (a link from elsewhere still opens your cart), `Strict` for
//! the admin. Forms that change state carry the anti-forgery token as well
//! ([`super::forgery`]).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::FromRequestParts;
use cookie::time::Duration;
use cookie::{Cookie, SameSite};
use http::HeaderMap;
use http::request::Parts;
use storefront_wire::CustomerId;

use super::render::PageError;
use crate::auth::{ClientAddress, same_secret};
use crate::{Gateway, GatewayError};

/// The shopper's cookie: `<customer id>.<secret>` (ids never hold a `.`
/// after their last one: secrets are base64url, without dots).
pub const CUSTOMER_COOKIE: &str = "storefront_customer";
/// The admin's cookie: the admin token, for this browser session only.
pub const ADMIN_COOKIE: &str = "storefront_admin";

/// How long a browser keeps its customer: the most browsers allow.
const CUSTOMER_COOKIE_DAYS: i64 = 400;

/// The value of cookie `name` in the request, if it sent one.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// The customer this browser shops as, if it holds a valid customer cookie.
/// A cookie that is not one (forged, or signed by another key) counts as a
/// failed authentication from the client's address, like a wrong secret,
/// and the browser shops as nobody.
pub struct Shopper(pub Option<CustomerId>);

impl FromRequestParts<Arc<Gateway>> for Shopper {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, gw: &Arc<Gateway>) -> Result<Self, PageError> {
        let ClientAddress(client) = ClientAddress::from_request_parts(parts, gw)
            .await
            .unwrap_or_else(|never| match never {});
        let Some(value) = cookie_value(&parts.headers, CUSTOMER_COOKIE) else {
            return Ok(Shopper(None));
        };
        let now = Instant::now();
        gw.auth
            .failures
            .check(client, now)
            .map_err(GatewayError::TooManyFailedAttempts)?;
        let customer = value.rsplit_once('.').and_then(|(id, secret)| {
            let id = CustomerId::parse(id).ok()?;
            gw.auth.signer.is_secret_of(&id, secret).then_some(id)
        });
        if customer.is_none() {
            gw.auth.failures.record(client, now);
        }
        Ok(Shopper(customer))
    }
}

/// The cookie that makes this browser shop as `customer`.
pub fn customer_cookie(customer: &CustomerId, secret: &str) -> Cookie<'static> {
    Cookie::build((CUSTOMER_COOKIE, format!("{customer}.{secret}")))
        .path("/shop")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(CUSTOMER_COOKIE_DAYS))
        .build()
}

/// Whether the browser holds the admin's cookie (a valid one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSession {
    SignedIn,
    SignedOut,
}

impl FromRequestParts<Arc<Gateway>> for AdminSession {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, gw: &Arc<Gateway>) -> Result<Self, PageError> {
        let ClientAddress(client) = ClientAddress::from_request_parts(parts, gw)
            .await
            .unwrap_or_else(|never| match never {});
        let Some(value) = cookie_value(&parts.headers, ADMIN_COOKIE) else {
            return Ok(AdminSession::SignedOut);
        };
        let now = Instant::now();
        gw.auth
            .failures
            .check(client, now)
            .map_err(GatewayError::TooManyFailedAttempts)?;
        let valid = gw
            .auth
            .admin_token
            .as_deref()
            .is_some_and(|token| same_secret(value.as_bytes(), token.as_bytes()));
        if !valid {
            gw.auth.failures.record(client, now);
            return Ok(AdminSession::SignedOut);
        }
        Ok(AdminSession::SignedIn)
    }
}

impl AdminSession {
    /// Refuses a change from a browser that is not signed in as the admin.
    pub fn require(self) -> Result<(), PageError> {
        match self {
            AdminSession::SignedIn => Ok(()),
            AdminSession::SignedOut => Err(PageError::new(
                http::StatusCode::UNAUTHORIZED,
                "Sign in with the admin token first.",
            )),
        }
    }
}

/// The cookie that signs this browser in as the admin, until it closes.
pub fn admin_cookie(token: &str) -> Cookie<'static> {
    Cookie::build((ADMIN_COOKIE, token.to_owned()))
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build()
}

/// A cookie that makes the browser forget cookie `name` at `path`.
pub fn removal(name: &'static str, path: &'static str) -> Cookie<'static> {
    Cookie::build((name, ""))
        .path(path)
        .http_only(true)
        .max_age(Duration::ZERO)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            http::header::COOKIE,
            "a=1; storefront_customer=c-1.xyz".parse().unwrap(),
        );
        headers.append(http::header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie_value(&headers, CUSTOMER_COOKIE), Some("c-1.xyz"));
        assert_eq!(cookie_value(&headers, "b"), Some("2"));
        assert_eq!(cookie_value(&headers, "storefront"), None);
    }

    #[test]
    fn cookies_are_http_only_and_same_site() {
        let customer = CustomerId::parse("c-1").unwrap();
        let shopper = customer_cookie(&customer, "secret").to_string();
        assert!(shopper.contains("HttpOnly"), "{shopper}");
        assert!(shopper.contains("SameSite=Lax"), "{shopper}");
        assert!(
            shopper.starts_with("storefront_customer=c-1.secret"),
            "{shopper}"
        );
        let admin = admin_cookie("token").to_string();
        assert!(
            admin.contains("HttpOnly") && admin.contains("SameSite=Strict"),
            "{admin}"
        );
        assert!(!admin.contains("Max-Age"), "a session cookie: {admin}");
    }
}
