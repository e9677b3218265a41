//! The cart and its forms: add, change a quantity, remove a line, check out.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use http::{Method, StatusCode};
use serde::Deserialize;
// The cart a change answers with is not shown (the browser is sent to the
// cart page): its reply is checked, not parsed into a `CartView`.
use serde::de::IgnoredAny;
use storefront_service_kit::{PathParam, RequestId};
use storefront_wire::api::OrderPlaced;
use storefront_wire::shop::{AddToCart, CartView, SetCartQuantity};
use storefront_wire::{ClientError, CustomerId, IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER};

use super::catalog::product_page;
use super::quantity_of;
use crate::pages::forgery::{FormKey, NoFields, Protected};
use crate::pages::product_id_of;
use crate::pages::render::{PageError, page, redirect, sentence, set_cookies};
use crate::pages::session::{Shopper, customer_cookie};
use crate::routes::customers;
use crate::{Gateway, GatewayError};

#[derive(Deserialize)]
pub struct AddForm {
    product_id: String,
    quantity: Option<String>,
}

/// `POST /shop/cart`: adds units of a product, then shows the cart; a
/// refusal (not enough stock, no such product) shows the product again
/// with the reason.
pub async fn add_to_cart(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    id: RequestId,
    Protected(form, key): Protected<AddForm>,
) -> Result<Response, PageError> {
    let product_id = product_id_of(&form.product_id)?;
    let typed = form.quantity.unwrap_or_else(|| "1".into());
    let quantity = match quantity_of(&typed) {
        Ok(quantity) => quantity,
        Err(why) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return product_page(&gw, &id, &key, product_id, typed, Some(why), status).await;
        }
    };
    // A browser without a customer becomes one here.
    let (customer, new_cookie) = match shopper {
        Some(customer) => (customer, None),
        None => {
            let new = customers::new_customer(&gw);
            let cookie = customer_cookie(&new.customer_id, &new.secret);
            (new.customer_id, Some(cookie))
        }
    };
    let line = AddToCart {
        product_id,
        quantity,
    };
    let added = gw
        .carts
        .call::<_, IgnoredAny>(
            Method::POST,
            &format!("/carts/{customer}"),
            Some(&line),
            id.as_deref(),
        )
        .await;
    match added {
        Ok(_) => Ok(redirect("/shop/cart", new_cookie)),
        Err(ClientError::Rejected {
            status, message, ..
        }) => {
            let shown = product_page(
                &gw,
                &id,
                &key,
                product_id,
                typed,
                Some(sentence(&message)),
                status,
            )
            .await;
            let mut shown = shown?;
            set_cookies(&mut shown, new_cookie);
            Ok(shown)
        }
        Err(unavailable) => Err(GatewayError::from(unavailable).into()),
    }
}

#[derive(Template)]
#[template(path = "shop/cart.html")]
struct CartPage {
    /// The cart, unless there is none or it is empty.
    cart: Option<CartView>,
    form_key: String,
    /// The checkout form's `Idempotency-Key`: a new one per cart shown,
    /// the same one again after an answer that left the outcome unknown,
    /// so pressing the button again cannot order twice.
    checkout_key: String,
    error: Option<String>,
}

/// `GET /shop/cart`: the cart at current prices, with its forms.
pub async fn cart(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    id: RequestId,
    key: FormKey,
) -> Result<Response, PageError> {
    cart_page(&gw, shopper.as_ref(), &id, &key, None, None, StatusCode::OK).await
}

async fn cart_page(
    gw: &Gateway,
    shopper: Option<&CustomerId>,
    id: &RequestId,
    key: &FormKey,
    error: Option<String>,
    checkout_key: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let cart = match shopper {
        Some(customer) => Some(
            gw.carts
                .call::<(), CartView>(
                    Method::GET,
                    &format!("/carts/{customer}"),
                    None,
                    id.as_deref(),
                )
                .await
                .map_err(GatewayError::from)?,
        ),
        None => None,
    };
    let body = CartPage {
        cart: cart.filter(|cart| !cart.items.is_empty()),
        form_key: key.value.clone(),
        checkout_key: checkout_key.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
        error,
    };
    Ok(page(status, &body, key.cookie()))
}

/// After a cart change: the cart, or the cart with the reason it was refused.
async fn after_change(
    gw: &Gateway,
    customer: &CustomerId,
    id: &RequestId,
    key: &FormKey,
    outcome: Result<(), ClientError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok(()) => Ok(redirect("/shop/cart", [])),
        Err(ClientError::Rejected {
            status, message, ..
        }) => {
            cart_page(
                gw,
                Some(customer),
                id,
                key,
                Some(sentence(&message)),
                None,
                status,
            )
            .await
        }
        Err(unavailable) => Err(GatewayError::from(unavailable).into()),
    }
}

#[derive(Deserialize)]
pub struct QuantityForm {
    quantity: String,
}

/// `POST /shop/cart/{product_id}`: sets a line's quantity (0 removes it).
pub async fn set_quantity(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    id: RequestId,
    PathParam(product_id): PathParam<String>,
    Protected(form, key): Protected<QuantityForm>,
) -> Result<Response, PageError> {
    let product_id = product_id_of(&product_id)?;
    let Some(customer) = shopper else {
        return Ok(redirect("/shop/cart", []));
    };
    if form.quantity.trim() == "0" {
        let outcome = remove_line(&gw, &customer, product_id, &id).await;
        return after_change(&gw, &customer, &id, &key, outcome).await;
    }
    let quantity = match quantity_of(&form.quantity) {
        Ok(quantity) => quantity,
        Err(why) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return cart_page(&gw, Some(&customer), &id, &key, Some(why), None, status).await;
        }
    };
    let outcome = gw
        .carts
        .call::<_, IgnoredAny>(
            Method::PUT,
            &format!("/carts/{customer}/{product_id}"),
            Some(&SetCartQuantity { quantity }),
            id.as_deref(),
        )
        .await
        .map(drop);
    after_change(&gw, &customer, &id, &key, outcome).await
}

async fn remove_line(
    gw: &Gateway,
    customer: &CustomerId,
    product_id: i64,
    id: &RequestId,
) -> Result<(), ClientError> {
    let headers: Vec<_> = id
        .as_deref()
        .map(|id| (REQUEST_ID_HEADER, id))
        .into_iter()
        .collect();
    gw.carts
        .call_with_headers::<(), IgnoredAny>(
            Method::DELETE,
            &format!("/carts/{customer}/{product_id}"),
            None,
            &headers,
        )
        .await
        .map(drop)
}

/// `POST /shop/cart/{product_id}/remove`: takes a line out of the cart.
pub async fn remove(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    id: RequestId,
    PathParam(product_id): PathParam<String>,
    Protected(NoFields {}, key): Protected<NoFields>,
) -> Result<Response, PageError> {
    let product_id = product_id_of(&product_id)?;
    let Some(customer) = shopper else {
        return Ok(redirect("/shop/cart", []));
    };
    let outcome = remove_line(&gw, &customer, product_id, &id).await;
    after_change(&gw, &customer, &id, &key, outcome).await
}

#[derive(Deserialize)]
pub struct CheckoutForm {
    checkout_key: String,
}

/// `POST /shop/checkout`: turns the cart into an order (every line's stock
/// or none), then shows the order. The form's key is the checkout's
/// `Idempotency-Key`, so a second press, a reload or a retry after an
/// unknown outcome finds the first order instead of placing another.
pub async fn checkout(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    id: RequestId,
    Protected(form, key): Protected<CheckoutForm>,
) -> Result<Response, PageError> {
    let Some(customer) = shopper else {
        return Ok(redirect("/shop/cart", []));
    };
    let checkout_key = form.checkout_key.trim();
    if checkout_key.is_empty()
        || checkout_key.len() > 64
        || !checkout_key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "This checkout form is damaged. Go back to the cart and try again.",
        ));
    }
    let mut headers = vec![(IDEMPOTENCY_KEY_HEADER, checkout_key)];
    if let Some(id) = id.as_deref() {
        headers.push((REQUEST_ID_HEADER, id));
    }
    let placed = gw
        .carts
        .call_with_headers::<(), OrderPlaced>(
            Method::POST,
            &format!("/carts/{customer}/checkout"),
            None,
            &headers,
        )
        .await;
    gw.wrote_anything(matches!(placed, Err(ClientError::Rejected { .. })));
    match placed {
        Ok(Some(OrderPlaced { order_number })) => Ok(redirect(
            &format!("/shop/orders/{order_number}?placed=1"),
            [],
        )),
        // A refusal changed nothing: the next try is a new checkout.
        Err(ClientError::Rejected {
            status, message, ..
        }) => {
            let why = Some(sentence(&message));
            cart_page(&gw, Some(&customer), &id, &key, why, None, status).await
        }
        // The order may or may not exist yet: the same key finds out.
        Ok(None) | Err(ClientError::Unavailable { .. }) => {
            let why = "We could not confirm your order yet. Press “Place order” again: \
                       it will not order twice.";
            let again = Some(checkout_key.to_owned());
            let status = StatusCode::SERVICE_UNAVAILABLE;
            cart_page(
                &gw,
                Some(&customer),
                &id,
                &key,
                Some(why.into()),
                again,
                status,
            )
            .await
        }
    }
}
