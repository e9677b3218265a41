//! The shop owner's pages: sign in with the admin token (kept in an
//! `HttpOnly`, `SameSite=Strict` cookie for the browser session), then
//! list, create, edit and delete products. Every change goes through the
//! same functions as the admin API routes, so the catalog's rules and the
//! product copy's read-your-writes hold here too.

use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use http::{StatusCode, Uri};
use serde::Deserialize;
use storefront_service_kit::{PathParam, RequestId};
use storefront_wire::api::ProductListing;
use storefront_wire::shop::ProductDraft;
use storefront_wire::{Money, ProductName};

use super::forgery::{FormKey, NoFields, Protected};
use super::product_id_of;
use super::render::{PageError, page, redirect, sentence};
use super::session::{ADMIN_COOKIE, AdminSession, admin_cookie, removal};
use crate::auth::{ClientAddress, same_secret};
use crate::routes::products;
use crate::{Gateway, GatewayError};

/// A product form as typed: kept as text, so a refused form comes back
/// with what was typed in it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProductForm {
    name: String,
    price: String,
    quantity: String,
    #[serde(default)]
    description: String,
}

impl ProductForm {
    fn of(product: &storefront_wire::shop::ProductRecord) -> Self {
        Self {
            name: product.name.clone(),
            price: product.price.to_string(),
            quantity: product.quantity.to_string(),
            description: product.description.clone().unwrap_or_default(),
        }
    }

    /// The draft the API would take, or why the form is not one.
    fn draft(&self) -> Result<ProductDraft, String> {
        let name = ProductName::parse(self.name.trim()).map_err(|e| sentence(&e))?;
        let price = Money::parse_decimal(self.price.trim()).map_err(|_| {
            format!(
                "“{}” is not a price in whole cents, such as 15.99.",
                self.price.trim()
            )
        })?;
        let quantity =
            self.quantity.trim().parse::<u32>().map_err(|_| {
                format!("“{}” is not a whole number of units.", self.quantity.trim())
            })?;
        let description = Some(self.description.trim().to_owned()).filter(|d| !d.is_empty());
        let draft = ProductDraft {
            name,
            price,
            quantity,
            description,
        };
        draft.validate().map_err(|e| sentence(&e))?;
        Ok(draft)
    }
}

#[derive(Template)]
#[template(path = "admin/sign_in.html")]
struct SignInPage {
    form_key: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ProductsPage {
    products: Vec<ProductListing>,
    number: u64,
    next: Option<u64>,
    previous: Option<u64>,
    form_key: String,
    /// The new-product form, as typed (after a refusal).
    new: ProductForm,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/product.html")]
struct EditPage {
    product_id: i64,
    form: ProductForm,
    form_key: String,
    error: Option<String>,
}

/// `GET /admin`: the sign-in form, or (signed in) the products with forms
/// to add, edit and delete.
pub async fn products(
    State(gw): State<Arc<Gateway>>,
    session: AdminSession,
    key: FormKey,
    id: RequestId,
    uri: Uri,
) -> Result<Response, PageError> {
    if session == AdminSession::SignedOut {
        return Ok(sign_in_page(&key, None, StatusCode::OK));
    }
    products_page(
        &gw,
        &key,
        &id,
        &uri,
        ProductForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

fn sign_in_page(key: &FormKey, error: Option<String>, status: StatusCode) -> Response {
    let body = SignInPage {
        form_key: key.value.clone(),
        error,
    };
    page(status, &body, key.cookie())
}

async fn products_page(
    gw: &Gateway,
    key: &FormKey,
    id: &RequestId,
    uri: &Uri,
    new: ProductForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (number, asked) = super::shop::page_of(uri)?;
    let products = products::listing(gw, asked, id.as_deref()).await?;
    let pages = super::shop::Pages::around(number, products.len());
    let body = ProductsPage {
        products,
        number: pages.number,
        next: pages.next,
        previous: pages.previous,
        form_key: key.value.clone(),
        new,
        error,
    };
    Ok(page(status, &body, key.cookie()))
}

#[derive(Deserialize)]
pub struct SignInForm {
    token: String,
}

/// `POST /admin/sign-in`: the admin token typed in becomes this browser
/// session's cookie. Wrong tokens count against the client's address as
/// the API's do.
pub async fn sign_in(
    State(gw): State<Arc<Gateway>>,
    ClientAddress(client): ClientAddress,
    Protected(form, key): Protected<SignInForm>,
) -> Result<Response, PageError> {
    let Some(admin) = gw.auth.admin_token.as_deref() else {
        let why = "Administration is disabled: this store has no admin token.".to_owned();
        return Ok(sign_in_page(&key, Some(why), StatusCode::UNAUTHORIZED));
    };
    let now = Instant::now();
    gw.auth
        .failures
        .check(client, now)
        .map_err(GatewayError::TooManyFailedAttempts)?;
    let offered = form.token.trim();
    if !same_secret(offered.as_bytes(), admin.as_bytes()) {
        gw.auth.failures.record(client, now);
        let why = "That is not the admin token.".to_owned();
        return Ok(sign_in_page(&key, Some(why), StatusCode::UNAUTHORIZED));
    }
    Ok(redirect("/admin", [admin_cookie(offered)]))
}

/// `POST /admin/sign-out`.
pub async fn sign_out(Protected(NoFields {}, _): Protected<NoFields>) -> Response {
    redirect("/admin", [removal(ADMIN_COOKIE, "/admin")])
}

/// `POST /admin/products`: adds a product.
pub async fn create(
    State(gw): State<Arc<Gateway>>,
    session: AdminSession,
    id: RequestId,
    uri: Uri,
    Protected(form, key): Protected<ProductForm>,
) -> Result<Response, PageError> {
    session.require()?;
    let refused =
        |why: String, status| products_page(&gw, &key, &id, &uri, form.clone(), Some(why), status);
    let draft = match form.draft() {
        Ok(draft) => draft,
        Err(why) => return refused(why, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match products::create_product(&gw, &draft, id.as_deref()).await {
        Ok(_) => Ok(redirect("/admin", [])),
        Err(e) => {
            let e = PageError::from(e);
            if e.status.is_client_error() {
                refused(e.message, e.status).await
            } else {
                Err(e)
            }
        }
    }
}

/// `GET /admin/products/{id}`: a product's edit form.
pub async fn edit(
    State(gw): State<Arc<Gateway>>,
    session: AdminSession,
    key: FormKey,
    id: RequestId,
    PathParam(product_id): PathParam<String>,
) -> Result<Response, PageError> {
    if session == AdminSession::SignedOut {
        return Ok(sign_in_page(&key, None, StatusCode::UNAUTHORIZED));
    }
    let product_id = product_id_of(&product_id)?;
    let product = products::record(&gw, product_id, id.as_deref()).await?;
    let body = EditPage {
        product_id,
        form: ProductForm::of(&product),
        form_key: key.value.clone(),
        error: None,
    };
    Ok(page(StatusCode::OK, &body, key.cookie()))
}

/// `POST /admin/products/{id}`: replaces a product's record.
pub async fn update(
    State(gw): State<Arc<Gateway>>,
    session: AdminSession,
    id: RequestId,
    PathParam(product_id): PathParam<String>,
    Protected(form, key): Protected<ProductForm>,
) -> Result<Response, PageError> {
    session.require()?;
    let product_id = product_id_of(&product_id)?;
    let refused = |error: String, status| {
        let body = EditPage {
            product_id,
            form: form.clone(),
            form_key: key.value.clone(),
            error: Some(error),
        };
        page(status, &body, [])
    };
    let draft = match form.draft() {
        Ok(draft) => draft,
        Err(why) => return Ok(refused(why, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    match products::update_product(&gw, product_id, &draft, id.as_deref()).await {
        Ok(_) => Ok(redirect("/admin", [])),
        Err(e) => {
            let e = PageError::from(e);
            if e.status.is_client_error() {
                Ok(refused(e.message, e.status))
            } else {
                Err(e)
            }
        }
    }
}

/// `POST /admin/products/{id}/delete`.
pub async fn delete(
    State(gw): State<Arc<Gateway>>,
    session: AdminSession,
    id: RequestId,
    PathParam(product_id): PathParam<String>,
    Protected(NoFields {}, _): Protected<NoFields>,
) -> Result<Response, PageError> {
    session.require()?;
    let product_id = product_id_of(&product_id)?;
    products::delete_product(&gw, product_id, id.as_deref()).await?;
    Ok(redirect("/admin", []))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, price: &str, quantity: &str) -> ProductForm {
        ProductForm {
            name: name.into(),
            price: price.into(),
            quantity: quantity.into(),
            description: String::new(),
        }
    }

    #[test]
    fn a_typed_form_becomes_the_apis_draft() {
        let draft = form(" Tux ", "15.99", "7").draft().unwrap();
        assert_eq!(draft.name.as_str(), "Tux");
        assert_eq!(draft.price.cents(), 1599);
        assert_eq!((draft.quantity, draft.description), (7, None));
    }

    #[test]
    fn a_wrong_form_says_which_field() {
        assert!(
            form("Tux", "1.999", "1")
                .draft()
                .unwrap_err()
                .contains("1.999")
        );
        assert!(form("Tux", "1", "-1").draft().unwrap_err().contains("-1"));
        assert!(form("", "1", "1").draft().is_err());
        assert!(form("Tux", "-1", "1").draft().is_err());
    }
}
