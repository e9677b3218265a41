//! Who this browser shops as: its customer's id and secret, signing in as
//! another customer, signing out.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use http::StatusCode;
use serde::Deserialize;
use storefront_wire::CustomerId;

use crate::pages::forgery::{FormKey, NoFields, Protected};
use crate::pages::render::{PageError, page, redirect};
use crate::pages::session::{CUSTOMER_COOKIE, Shopper, customer_cookie, removal};
use crate::{Gateway, GatewayError};

#[derive(Template)]
#[template(path = "shop/account.html")]
struct AccountPage {
    /// The signed-in customer's id and secret.
    customer: Option<(CustomerId, String)>,
    form_key: String,
    error: Option<String>,
}

/// `GET /shop/account`: who this browser shops as, and how to sign in as
/// another customer (its id and secret, from the API or another browser).
pub async fn account(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    key: FormKey,
) -> Response {
    account_page(&gw, shopper, &key, None, StatusCode::OK)
}

fn account_page(
    gw: &Gateway,
    shopper: Option<CustomerId>,
    key: &FormKey,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let customer = shopper.map(|customer| {
        let secret = gw.auth.signer.secret_of(&customer);
        (customer, secret)
    });
    let body = AccountPage {
        customer,
        form_key: key.value.clone(),
        error,
    };
    page(status, &body, key.cookie())
}

#[derive(Deserialize)]
pub struct SignInForm {
    customer_id: String,
    secret: String,
}

/// `POST /shop/account/sign-in`: shop as the customer whose id and secret
/// were typed in. Wrong guesses count against the client's address as the
/// API's do.
pub async fn sign_in(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    crate::auth::ClientAddress(client): crate::auth::ClientAddress,
    Protected(form, key): Protected<SignInForm>,
) -> Result<Response, PageError> {
    let now = std::time::Instant::now();
    gw.auth
        .failures
        .check(client, now)
        .map_err(GatewayError::TooManyFailedAttempts)?;
    let customer = CustomerId::parse(form.customer_id.trim())
        .ok()
        .filter(|id| gw.auth.signer.is_secret_of(id, form.secret.trim()));
    match customer {
        Some(customer) => Ok(redirect(
            "/shop/account",
            [customer_cookie(&customer, form.secret.trim())],
        )),
        None => {
            gw.auth.failures.record(client, now);
            let why = "That customer id and secret do not match.".to_owned();
            Ok(account_page(
                &gw,
                shopper,
                &key,
                Some(why),
                StatusCode::UNAUTHORIZED,
            ))
        }
    }
}

/// `POST /shop/account/sign-out`: this browser forgets its customer.
pub async fn sign_out(Protected(NoFields {}, _): Protected<NoFields>) -> Response {
    redirect("/shop", [removal(CUSTOMER_COOKIE, "/shop")])
}
