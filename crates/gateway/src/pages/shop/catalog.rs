//! The product list and a product's page (with its add-to-cart form).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use http::{StatusCode, Uri};
use storefront_service_kit::{PathParam, RequestId};
use storefront_wire::api::ProductListing;
use storefront_wire::shop::ProductRecord;

use super::{Pages, page_of};
use crate::Gateway;
use crate::pages::forgery::FormKey;
use crate::pages::product_id_of;
use crate::pages::render::{PageError, page};
use crate::routes::products;

#[derive(Template)]
#[template(path = "shop/products.html")]
struct ProductsPage {
    products: Vec<ProductListing>,
    pages: Pages,
}

/// `GET /shop`: the products, a page at a time, with price and stock.
pub async fn products(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    uri: Uri,
) -> Result<Response, PageError> {
    let (number, page_asked) = page_of(&uri)?;
    let products = products::listing(&gw, page_asked, id.as_deref()).await?;
    let pages = Pages::around(number, products.len());
    Ok(page(StatusCode::OK, &ProductsPage { products, pages }, []))
}

#[derive(Template)]
#[template(path = "shop/product.html")]
struct ProductPage {
    product: ProductRecord,
    form_key: String,
    /// What the quantity field shows (what was sent, after a refusal).
    quantity: String,
    error: Option<String>,
}

/// `GET /shop/products/{id}`: one product and a form to add it to the cart.
pub async fn product(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    key: FormKey,
    PathParam(product_id): PathParam<String>,
) -> Result<Response, PageError> {
    let product_id = product_id_of(&product_id)?;
    product_page(&gw, &id, &key, product_id, "1".into(), None, StatusCode::OK).await
}

pub(super) async fn product_page(
    gw: &Gateway,
    id: &RequestId,
    key: &FormKey,
    product_id: i64,
    quantity: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let product = products::record(gw, product_id, id.as_deref())
        .await
        .map_err(|e| match PageError::from(e) {
            e if e.status == StatusCode::NOT_FOUND => PageError::not_found("product"),
            e => e,
        })?;
    let body = ProductPage {
        product,
        form_key: key.value.clone(),
        quantity,
        error,
    };
    Ok(page(status, &body, key.cookie()))
}
