//! `GET /openapi.json` (the document, built from the routes) and the Swagger
//! UI page at `GET /docs`. The page's files are compiled into the binary
//! (`crates/gateway/assets/`, see its README) so the page needs no network:
//! no CDN, no online validator.

use axum::Extension;
use axum::response::{IntoResponse, Response};
use http::header;
use storefront_service_kit::{ApiError, PathParam};
use storefront_wire::ErrorBody;

use crate::openapi::ApiDocument;

/// A file of the docs page, served at `/docs/<name>`.
#[derive(Debug)]
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// Every file `/docs` loads besides itself.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "swagger-ui.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/swagger-ui.css"),
    },
    Asset {
        name: "swagger-ui-bundle.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/swagger-ui-bundle.js"),
    },
    Asset {
        name: "swagger-initializer.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/swagger-initializer.js"),
    },
];

const INDEX_HTML: &str = include_str!("../../assets/index.html");

/// This document (OpenAPI 3.1), generated from the gateway's routes.
#[utoipa::path(
    get,
    operation_id = "openapi_document",
    path = "/openapi.json",
    tag = "docs",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json(Extension(document): Extension<ApiDocument>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document.0).into_response()
}

/// Interactive documentation (Swagger UI), served by the gateway itself.
#[utoipa::path(
    get,
    operation_id = "docs_page",
    path = "/docs",
    tag = "docs",
    responses((status = 200, description = "The Swagger UI page", content_type = "text/html", body = String))
)]
pub async fn swagger_ui() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        INDEX_HTML,
    )
        .into_response()
}

/// A file of the Swagger UI page.
#[utoipa::path(
    get,
    operation_id = "docs_file",
    path = "/docs/{asset}",
    tag = "docs",
    params(("asset" = String, Path, description = "`swagger-ui.css`, `swagger-ui-bundle.js` or `swagger-initializer.js`")),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/css"),
            (String = "text/javascript"),
        )),
        (status = 404, description = "No such file", body = ErrorBody),
    )
)]
pub async fn swagger_asset(PathParam(name): PathParam<String>) -> Result<Response, ApiError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| ApiError::not_found(format!("no such docs file: {name}")))?;
    Ok(([(header::CONTENT_TYPE, asset.content_type)], asset.bytes).into_response())
}
