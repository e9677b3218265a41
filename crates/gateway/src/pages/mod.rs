//! The web storefront: HTML pages for shoppers (`/shop`) and for the shop's
//! owner (`/admin`), rendered on the server from askama templates
//! (`crates/gateway/templates/`). They work without JavaScript: forms post,
//! the server answers with a redirect (or the page again, with what went
//! wrong), and the browser follows.
//!
//! The pages live in the gateway rather than in a `web` role of their own
//! because they are another way of writing the same requests: each page
//! calls the same peers, through the same clients, under the same
//! [`crate::auth`] rules as the JSON route it mirrors, and reads the same
//! product copy. A separate role would add a network hop and a second
//! place where who-may-do-what is decided (docs/ARCHITECTURE.md, "The web
//! storefront").
//!
//! - [`shop`]: products, a product, the cart, checkout, orders, the account
//!   (a file each).
//! - [`admin`]: sign in with the admin token, then list, create, edit and
//!   delete products.
//! - [`session`]: the cookies that say who the browser is.
//! - [`forgery`]: the anti-forgery token every form that changes state carries.
//! - [`render`]: templates to responses, and errors to pages.

pub mod admin;
pub mod forgery;
pub mod render;
pub mod session;
pub mod shop;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use storefront_wire::NumericKey;

use self::render::PageError;
use crate::Gateway;

/// The product id in a page's path: digits only, else no such product.
fn product_id_of(text: &str) -> Result<i64, PageError> {
    NumericKey::<i64>::parse(text)
        .number_or((), ())
        .map_err(|()| PageError::not_found("product"))
}

/// Every page route. Not in the OpenAPI document: these answer HTML to
/// browsers, not JSON to API clients.
pub fn routes() -> Router<Arc<Gateway>> {
    Router::new()
        .route("/shop", get(shop::products))
        .route("/shop/products/{product_id}", get(shop::product))
        .route("/shop/cart", get(shop::cart).post(shop::add_to_cart))
        .route("/shop/cart/{product_id}", post(shop::set_quantity))
        .route("/shop/cart/{product_id}/remove", post(shop::remove))
        .route("/shop/checkout", post(shop::checkout))
        .route("/shop/orders", get(shop::orders))
        .route("/shop/orders/{number}", get(shop::order))
        .route("/shop/account", get(shop::account))
        .route("/shop/account/sign-in", post(shop::sign_in))
        .route("/shop/account/sign-out", post(shop::sign_out))
        .route("/admin", get(admin::products))
        .route("/admin/sign-in", post(admin::sign_in))
        .route("/admin/sign-out", post(admin::sign_out))
        .route("/admin/products", post(admin::create))
        .route(
            "/admin/products/{product_id}",
            get(admin::edit).post(admin::update),
        )
        .route("/admin/products/{product_id}/delete", post(admin::delete))
        .route("/assets/style.css", get(render::style_sheet))
}
