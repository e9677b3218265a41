//! Protection against cross-site request forgery: another site cannot make
//! a signed-in browser change a cart, place an order or edit products.
//!
//! Every page gives the browser a random key in a cookie (`storefront_form`,
//! `HttpOnly`, `SameSite=Strict`) and writes the same key into each form
//! that changes state; a post counts only when the form's key matches the
//! cookie's (the "double-submit cookie" of OWASP's cheat sheet). Another
//! site can make a browser post a form, but it can neither read the key nor
//! set the cookie. A browser's own `Sec-Fetch-Site: cross-site` is refused
//! before that, as a second line.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use cookie::{Cookie, SameSite};
use http::StatusCode;
use http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use storefront_service_kit::limited_body;

use super::render::{PageError, sentence};
use super::session::cookie_value;
use crate::Gateway;
use crate::auth::same_secret;

/// The cookie holding the browser's anti-forgery key.
pub const FORM_KEY_COOKIE: &str = "storefront_form";
/// The name of the hidden field every state-changing form carries.
pub const FORM_KEY_FIELD: &str = "form_key";

/// This browser's anti-forgery key, for the forms of the page being
/// rendered: the one its cookie holds, or a new one the reply sets.
#[derive(Debug, Clone)]
pub struct FormKey {
    pub value: String,
    fresh: bool,
}

impl FormKey {
    /// The cookie to set with the page, when the key is new.
    pub fn cookie(&self) -> Option<Cookie<'static>> {
        self.fresh.then(|| {
            Cookie::build((FORM_KEY_COOKIE, self.value.clone()))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Strict)
                .build()
        })
    }

    fn of(parts: &Parts) -> Self {
        match cookie_value(&parts.headers, FORM_KEY_COOKIE).filter(|key| is_key(key)) {
            Some(key) => FormKey {
                value: key.to_owned(),
                fresh: false,
            },
            None => FormKey {
                value: uuid::Uuid::new_v4().simple().to_string(),
                fresh: true,
            },
        }
    }
}

/// 32 hexadecimal digits, as [`FormKey`] makes them.
fn is_key(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

impl<S: Sync> FromRequestParts<S> for FormKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(FormKey::of(parts))
    }
}

/// A form posted from one of this store's pages (its key matches the
/// browser's cookie), with its fields read into `T`, together with the
/// browser's [`FormKey`] for the page the reply renders.
pub struct Protected<T>(pub T, pub FormKey);

/// The fields of a form that has none but its key (a delete, a sign-out).
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct KeyField {
    form_key: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<Arc<Gateway>> for Protected<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, gw: &Arc<Gateway>) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let forged = || {
            PageError::new(
                StatusCode::FORBIDDEN,
                "This form has expired or was sent from another site. Go back, reload the page \
                 and try again.",
            )
        };
        let cross_site = parts
            .headers
            .get("sec-fetch-site")
            .is_some_and(|site| site == "cross-site");
        let key = FormKey::from_request_parts(&mut parts, gw)
            .await
            .unwrap_or_else(|never| match never {});
        if cross_site || key.fresh {
            return Err(forged());
        }
        let body = limited_body(Request::from_parts(parts, body))
            .await
            .map_err(|refused| PageError::new(refused.status, sentence(&refused.message)))?;
        let sent: KeyField = serde_urlencoded::from_bytes(&body).map_err(|_| forged())?;
        let matches = sent
            .form_key
            .is_some_and(|sent| same_secret(sent.as_bytes(), key.value.as_bytes()));
        if !matches {
            return Err(forged());
        }
        let fields = serde_urlencoded::from_bytes(&body).map_err(|e| {
            PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The form was not filled in as expected: {e}."),
            )
        })?;
        Ok(Protected(fields, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_hex_digits() {
        assert!(is_key(&uuid::Uuid::new_v4().simple().to_string()));
        assert!(!is_key("short"));
        assert!(!is_key(&"z".repeat(32)));
    }
}
