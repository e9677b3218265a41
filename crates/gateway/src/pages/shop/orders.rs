//! The customer's orders, and one of them (the page checkout leads to).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use http::{StatusCode, Uri};
use storefront_service_kit::{PathParam, RequestId};
use storefront_wire::shop::OrderDetail;
use storefront_wire::{ClientError, NumericKey};

use super::{Pages, page_of};
use crate::pages::render::{PageError, page};
use crate::pages::session::Shopper;
use crate::{Gateway, GatewayError};

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
