//! Templates to responses, and errors to pages: every page, and every
//! failure a page meets, leaves here as HTML with the status the JSON API
//! would have given (a peer's "not enough stock" stays a 409), never as the
//! API's JSON error.

use askama::Template;
use axum::response::{IntoResponse, Response};
use cookie::Cookie;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderValue, StatusCode};
use storefront_service_kit::ApiError;

use crate::GatewayError;

/// What every page may load and do: its own style sheet and forms posting
/// back to this store; no scripts, no frames around it.
const POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                      form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The shared style sheet (`GET /assets/style.css`).
pub const STYLE_SHEET: &str = include_str!("../../templates/style.css");

/// `page` rendered, with `status` and any cookies to set.
pub fn page(
    status: StatusCode,
    page: &impl Template,
    cookies: impl IntoIterator<Item = Cookie<'static>>,
) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, html).into_response();
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            // Pages show one browser's cart and orders: no shared cache keeps them.
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
            set_cookies(&mut response, cookies);
            response
        }
        Err(error) => {
            tracing::error!(%error, "a page template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// `303 See Other` to `location` (what a form post answers when it worked,
/// so reloading the next page does not post again), setting `cookies`.
pub fn redirect(location: &str, cookies: impl IntoIterator<Item = Cookie<'static>>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::try_from(location) {
        Ok(value) => {
            response.headers_mut().insert(LOCATION, value);
        }
        Err(_) => {
            return PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "bad redirect")
                .into_response();
        }
    }
    set_cookies(&mut response, cookies);
    response
}

/// Adds a `Set-Cookie` header to `response` for each of `cookies`.
pub fn set_cookies(response: &mut Response, cookies: impl IntoIterator<Item = Cookie<'static>>) {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::try_from(cookie.to_string()) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
}

/// A failure shown as a page of its own: the status and a sentence for
/// people, with a way back to the shop.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("No such {what} here."))
    }
}

/// The status and message the JSON API would give, through the gateway's
/// one mapping ([`GatewayError`] into [`ApiError`]).
impl From<GatewayError> for PageError {
    fn from(error: GatewayError) -> Self {
        let ApiError { status, message } = ApiError::from(error);
        Self::new(status, sentence(&message))
    }
}

/// A service's message as a sentence: capitalised, with a full stop.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return "Something went wrong.".into(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    status: u16,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = ErrorPage {
            title,
            status: self.status.as_u16(),
            message: &self.message,
        };
        page(self.status, &body, [])
    }
}

/// `GET /assets/style.css`.
pub async fn style_sheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE_SHEET,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_messages_read_as_sentences() {
        assert_eq!(
            sentence("not enough stock for Tux"),
            "Not enough stock for Tux."
        );
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence(""), "Something went wrong.");
    }

    #[test]
    fn a_peers_refusal_keeps_its_status() {
        let refused = GatewayError::Peer(storefront_wire::ClientError::Rejected {
            service: "carts",
            status: StatusCode::CONFLICT,
            message: "the cart is empty".into(),
        });
        let page = PageError::from(refused);
        assert_eq!(page.status, StatusCode::CONFLICT);
        assert_eq!(page.message, "The cart is empty.");
    }
}
