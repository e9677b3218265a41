//! `GET /`: a browser is sent to the shop's pages; an API client gets its
//! JSON, a map of where things are.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use storefront_service_kit::data;
use storefront_wire::Data;
use utoipa::ToSchema;

/// Where the store's parts are.
#[derive(Debug, Serialize, ToSchema)]
pub struct Index {
    /// The shop's pages, for browsers.
    pub shop: &'static str,
    /// The admin pages, for browsers.
    pub admin: &'static str,
    /// This API's OpenAPI document.
    pub openapi: &'static str,
    /// The API's Swagger UI page.
    pub docs: &'static str,
}

/// Where the shop, the admin pages and the API document are. A request
/// that accepts HTML (a browser) is sent to the shop instead.
#[utoipa::path(
    get,
    operation_id = "index",
    path = "/",
    tag = "docs",
    responses(
        (status = 200, description = "Where things are", body = Data<Index>,
            example = json!({"data": {"shop": "/shop", "admin": "/admin", "openapi": "/openapi.json", "docs": "/docs"}})),
        (status = 303, description = "To `/shop`, for a request whose `Accept` names `text/html` (a browser)"),
    )
)]
pub async fn index(headers: HeaderMap) -> Response {
    if wants_html(&headers) {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/shop")]).into_response();
    }
    data(Index {
        shop: "/shop",
        admin: "/admin",
        openapi: "/openapi.json",
        docs: "/docs",
    })
}

/// Whether `Accept` names HTML: browsers list it first; API clients send
/// `application/json`, `*/*` or nothing.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|range| {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.replace(' ', "") == "q=0");
            (media.eq_ignore_ascii_case("text/html")
                || media.eq_ignore_ascii_case("application/xhtml+xml"))
                && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, value.parse().unwrap());
        headers
    }

    #[test]
    fn browsers_want_html_and_api_clients_do_not() {
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(wants_html(&accept(chromium)));
        assert!(!wants_html(&accept("application/json")));
        assert!(!wants_html(&accept("*/*")));
        assert!(!wants_html(&HeaderMap::new()));
        assert!(!wants_html(&accept("text/html;q=0, application/json")));
    }
}
