//! The shopper's pages: the products, one product, the cart, checkout, the
//! orders and the account. Each calls the peers the way the JSON route it
//! mirrors does, for the customer of the browser's cookie ([`Shopper`]) and
//! no other, so a page can reach only that customer's cart and orders.
//!
//! A browser without a customer gets one, made as `POST /customers` makes
//! it, the first time it adds to a cart; the account page shows its id and
//! secret (for the API, or another browser) and signs in with them.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use http::{Method, StatusCode, Uri};
use serde::Deserialize;
// The cart a change answers with is not shown (the browser is sent to the
// cart page): its reply is checked, not parsed into a `CartView`.
use serde::de::IgnoredAny;
use storefront_service_kit::{PathParam, RequestId};
use storefront_wire::api::{OrderPlaced, ProductListing};
use storefront_wire::shop::{
    AddToCart, CartView, DEFAULT_PAGE_SIZE, OrderDetail, Page, ProductRecord, SetCartQuantity,
};
use storefront_wire::{
    ClientError, CustomerId, IDEMPOTENCY_KEY_HEADER, NumericKey, Quantity, REQUEST_ID_HEADER,
};

use super::forgery::{FormKey, NoFields, Protected};
use super::product_id_of;
use super::render::{PageError, page, redirect, sentence, set_cookies};
use super::session::{CUSTOMER_COOKIE, Shopper, customer_cookie, removal};
use crate::routes::{customers, products};
use crate::{Gateway, GatewayError};

#[derive(Template)]
#[template(path = "shop/products.html")]
struct ProductsPage {
    products: Vec<ProductListing>,
    pages: Pages,
}

/// Links to the neighbouring pages of a list.
pub(super) struct Pages {
    pub number: u64,
    pub previous: Option<u64>,
    pub next: Option<u64>,
}

impl Pages {
    pub(super) fn around(number: u64, shown: usize) -> Self {
        Self {
            number,
            previous: (number > 1).then(|| number - 1),
            next: (shown == DEFAULT_PAGE_SIZE as usize).then_some(number + 1),
        }
    }
}

/// `?page=N` (from 1) of a list page, as the API's `limit` and `offset`.
pub(super) fn page_of(uri: &Uri) -> Result<(u64, Page), PageError> {
    #[derive(Deserialize)]
    struct Query {
        page: Option<String>,
    }
    let query: Query = serde_urlencoded::from_str(uri.query().unwrap_or_default())
        .map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "That is not a page number."))?;
    let number = match query.page.as_deref() {
        None | Some("") => 1,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
            .ok_or_else(|| PageError::new(StatusCode::BAD_REQUEST, "That is not a page number."))?,
    };
    let page = Page {
        limit: DEFAULT_PAGE_SIZE,
        offset: (number - 1) * u64::from(DEFAULT_PAGE_SIZE),
    };
    Ok((number, page))
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

async fn product_page(
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

/// A quantity typed into a form: a whole number from 1.
fn quantity_of(text: &str) -> Result<Quantity, String> {
    let text = text.trim();
    let value = text
        .parse::<u64>()
        .map_err(|_| format!("“{text}” is not a whole number of units."))?;
    Quantity::new(value).map_err(|e| sentence(&e))
}

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

#[derive(Template)]
#[template(path = "shop/orders.html")]
struct OrdersPage {
    orders: Vec<OrderDetail>,
    pages: Pages,
}

/// `GET /shop/orders`: the customer's orders, oldest first.
pub async fn orders(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    id: RequestId,
    uri: Uri,
) -> Result<Response, PageError> {
    let (number, page_asked) = page_of(&uri)?;
    let orders = match &shopper {
        Some(customer) => gw
            .orders
            .list(Some(customer), page_asked, id.as_deref())
            .await
            .map_err(GatewayError::from)?,
        None => Vec::new(),
    };
    let pages = Pages::around(number, orders.len());
    Ok(page(StatusCode::OK, &OrdersPage { orders, pages }, []))
}

#[derive(Template)]
#[template(path = "shop/order.html")]
struct OrderPage {
    order: OrderDetail,
    just_placed: bool,
}

/// `GET /shop/orders/{number}`: one of the customer's orders (another
/// customer's, or one without a customer, is not found here).
pub async fn order(
    State(gw): State<Arc<Gateway>>,
    Shopper(shopper): Shopper,
    id: RequestId,
    uri: Uri,
    PathParam(number): PathParam<String>,
) -> Result<Response, PageError> {
    let not_found = || PageError::not_found("order");
    let number = NumericKey::<u64>::parse(&number)
        .number_or((), ())
        .map_err(|()| not_found())?;
    let Some(customer) = shopper else {
        return Err(not_found());
    };
    let order = match gw.orders.get(number, id.as_deref()).await {
        Ok(order) => order,
        Err(ClientError::Rejected { status, .. }) if status == StatusCode::NOT_FOUND => {
            return Err(not_found());
        }
        Err(e) => return Err(GatewayError::from(e).into()),
    };
    if order.customer_id.as_ref() != Some(&customer) {
        return Err(not_found());
    }
    let just_placed = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "placed=1"));
    Ok(page(StatusCode::OK, &OrderPage { order, just_placed }, []))
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_whole_numbers_from_one() {
        assert_eq!(quantity_of(" 3 ").map(Quantity::get), Ok(3));
        assert!(quantity_of("0").is_err());
        assert!(quantity_of("1.5").unwrap_err().contains("whole number"));
        assert!(quantity_of("2000000").is_err());
    }

    #[test]
    fn page_numbers_start_at_one() {
        let uri = |q: &str| q.parse::<Uri>().unwrap();
        assert_eq!(page_of(&uri("/shop")).unwrap().0, 1);
        let (number, asked) = page_of(&uri("/shop?page=3")).unwrap();
        assert_eq!(
            (number, asked.offset),
            (3, 2 * u64::from(DEFAULT_PAGE_SIZE))
        );
        assert!(page_of(&uri("/shop?page=0")).is_err());
        assert!(page_of(&uri("/shop?page=x")).is_err());
    }
}
