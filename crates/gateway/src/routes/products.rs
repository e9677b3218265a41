//! Products: the lab protocol's `GET /products/<name>`, the full record at
//! `GET /products/<id>`, the paginated list, and administration.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;
use storefront_service_kit::{JsonBody, PathParam, RequestId, created, data};
use storefront_wire::api::{ProductListing, ProductQuote};
use storefront_wire::internal::CatalogProduct;
use storefront_wire::shop::{Page, ProductDraft, ProductRecord};
use storefront_wire::{Money, ProductName};

use crate::admin::Admin;
use crate::{Gateway, GatewayError};

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    limit: Option<u32>,
    offset: Option<u64>,
}

impl PageQuery {
    pub fn page(query: Result<Query<Self>, QueryRejection>) -> Result<Page, GatewayError> {
        let Query(query) = query.map_err(|e| GatewayError::BadQuery(e.body_text()))?;
        Page::new(query.limit, query.offset).map_err(GatewayError::BadQuery)
    }
}

pub async fn list(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Response, GatewayError> {
    let page = PageQuery::page(query)?;
    let cached = gw.product_cache.as_ref().and_then(|c| c.products());
    let products = match cached {
        Some(all) => all
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(page.limit as usize)
            .collect(),
        None => gw.catalog.products(page, id.as_deref()).await?,
    };
    let listing: Vec<ProductListing> = products
        .into_iter()
        .map(|p| ProductListing {
            id: p.id,
            name: p.name,
            price: Money::from_cents(p.price_cents),
            quantity: p.quantity,
        })
        .collect();
    Ok(data(listing))
}

/// An all-digit key is a product id (names always contain a non-digit).
fn as_id(key: &str) -> Option<Result<i64, GatewayError>> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(key.parse().map_err(|_| GatewayError::ProductNotFound))
}

fn record(p: CatalogProduct) -> ProductRecord {
    ProductRecord {
        id: p.id,
        name: p.name,
        price: Money::from_cents(p.price_cents),
        quantity: p.quantity,
        description: p.description,
    }
}

pub async fn one(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(key): PathParam<String>,
) -> Result<Response, GatewayError> {
    if let Some(product_id) = as_id(&key) {
        let product = gw.catalog.product_by_id(product_id?, id.as_deref()).await?;
        return Ok(data(record(product)));
    }
    let name = ProductName::parse(key).map_err(GatewayError::InvalidName)?;
    let cached = gw
        .product_cache
        .as_ref()
        .and_then(|c| c.product(name.as_str()));
    let p = match cached {
        Some(hit) => hit.ok_or(GatewayError::ProductNotFound)?,
        None => {
            gw.catalog
                .product_by_name(name.as_str(), id.as_deref())
                .await?
        }
    };
    Ok(data(ProductQuote {
        name: p.name,
        price: Money::from_cents(p.price_cents),
        quantity: p.quantity,
    }))
}

fn product_id(key: &str) -> Result<i64, GatewayError> {
    as_id(key).unwrap_or(Err(GatewayError::NotAProductId))
}

pub async fn create(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    JsonBody(draft): JsonBody<ProductDraft>,
) -> Result<Response, GatewayError> {
    draft.validate().map_err(GatewayError::InvalidProduct)?;
    let product = gw.catalog.create_product(&draft, id.as_deref()).await?;
    Ok(created(record(product)))
}

pub async fn update(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(key): PathParam<String>,
    JsonBody(draft): JsonBody<ProductDraft>,
) -> Result<Response, GatewayError> {
    let product_id = product_id(&key)?;
    draft.validate().map_err(GatewayError::InvalidProduct)?;
    let product = gw
        .catalog
        .update_product(product_id, &draft, id.as_deref())
        .await?;
    Ok(data(record(product)))
}

pub async fn delete(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(key): PathParam<String>,
) -> Result<Response, GatewayError> {
    let product_id = product_id(&key)?;
    gw.catalog.delete_product(product_id, id.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
