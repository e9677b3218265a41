//! Products: the lab protocol's `GET /products/<name>`, the full record at
//! `GET /products/<id>`, the paginated list, and administration.

use std::sync::{Arc, LazyLock};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{AppendHeaders, IntoResponse, Response};
use http::{StatusCode, header};
use metrics::{Counter, counter};
use serde::Serialize;
use storefront_service_kit::{JsonBody, Paged, PathParam, RequestId, created, data};
use storefront_wire::api::{ProductListing, ProductQuote};
use storefront_wire::catalog_client::PublicKey;
use storefront_wire::metrics as names;
use storefront_wire::shop::{PageQuery, ProductDraft, ProductRecord};
use storefront_wire::{Data, ErrorBody, ProductKey};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, OneOfBuilder, Ref, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::auth::Admin;
use crate::openapi::JsonBodyRejections;
use crate::product_cache::Lookup;
use crate::{Gateway, GatewayError, ProductCache, Touched};

/// A page of products, by id.
#[utoipa::path(
    get,
    operation_id = "list_products",
    path = "/products",
    tag = "products",
    params(PageQuery),
    responses(
        (status = 200, description = "Products in id order", body = Data<Vec<ProductListing>>),
        (status = 400, description = "Bad `limit` or `offset`", body = ErrorBody),
        (status = 503, description = "The catalog cannot answer now", body = ErrorBody),
    )
)]
pub async fn list(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    Paged(page): Paged,
) -> Result<Response, GatewayError> {
    let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let (cached, status) = cached(&gw, |c| c.page(offset, page.limit as usize));
    let body = match cached {
        Some(products) => {
            let listing: Vec<ProductListing> = products.into_iter().map(Into::into).collect();
            data(listing)
        }
        None => json(gw.catalog.public_products(page, id.as_deref()).await?),
    };
    Ok((status, body).into_response())
}

/// A page of products, parsed (for the web pages, which render it): from
/// the product copy when it answers, else from the catalog.
pub(crate) async fn listing(
    gw: &Gateway,
    page: storefront_wire::shop::Page,
    id: Option<&str>,
) -> Result<Vec<ProductListing>, GatewayError> {
    let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
    if let (Some(products), _) = cached(gw, |c| c.page(offset, page.limit as usize)) {
        return Ok(products.into_iter().map(Into::into).collect());
    }
    let body = gw.catalog.public_products(page, id).await?;
    let listing: Data<Vec<ProductListing>> = serde_json::from_slice(&body).map_err(|e| {
        GatewayError::Peer(storefront_wire::ClientError::Unavailable {
            service: "catalog",
            cause: format!("malformed product list: {e}"),
            peer_message: None,
        })
    })?;
    Ok(listing.data)
}

/// One product's full record (for the web pages): from the product copy
/// when it answers, else from the catalog.
pub(crate) async fn record(
    gw: &Gateway,
    product_id: i64,
    id: Option<&str>,
) -> Result<ProductRecord, GatewayError> {
    if let (Some(hit), _) = cached(gw, |c| c.product_by_id(product_id)) {
        return hit.map(Into::into).ok_or(GatewayError::ProductNotFound);
    }
    Ok(gw.catalog.product_by_id(product_id, id).await?.into())
}

/// A `{"data": …}` body the catalog rendered in the public API's shape,
/// passed on as it arrived (a cache miss costs no parse and no render here).
fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Asks the product cache, if the gateway keeps one; also returns RFC
/// 9211's `Cache-Status` for the reply: `hit` when the copy answered,
/// `fwd=stale` when a write through this gateway touched the product and the
/// copy has not caught up yet, `fwd=miss` when there is no copy now (not
/// filled yet, or dropped while the catalog is unreachable). Tells an
/// operator (and the tests) which path served a query.
pub(crate) fn cached<T>(
    gw: &Gateway,
    lookup: impl FnOnce(&ProductCache) -> Lookup<T>,
) -> (Option<T>, CacheStatus) {
    let counted = &*CACHE_RESULTS;
    let Some(cache) = &gw.product_cache else {
        counted.off.increment(1);
        return (None, AppendHeaders(None));
    };
    let (hit, result, status) = match lookup(cache) {
        Lookup::Hit(hit) => (Some(hit), &counted.hit, "storefront; hit"),
        Lookup::Stale => (None, &counted.stale, "storefront; fwd=stale"),
        Lookup::Miss => (None, &counted.miss, "storefront; fwd=miss"),
    };
    result.increment(1);
    (hit, AppendHeaders(Some(("cache-status", status))))
}

/// `storefront_product_cache_requests_total` by result, looked up in the
/// recorder once (the first query comes after the process installed it):
/// a lookup per query builds and hashes the series key each time.
static CACHE_RESULTS: LazyLock<CacheResults> = LazyLock::new(|| {
    let result = |result: &'static str| counter!(names::PRODUCT_CACHE_REQUESTS, "result" => result);
    CacheResults {
        off: result("off"),
        hit: result("hit"),
        stale: result("stale"),
        miss: result("miss"),
    }
});

struct CacheResults {
    off: Counter,
    hit: Counter,
    stale: Counter,
    miss: Counter,
}

type CacheStatus = AppendHeaders<Option<(&'static str, &'static str)>>;

/// What `GET /products/{name_or_id}` answers: the lab protocol's quote for a
/// name, the full record for an id.
#[derive(Serialize)]
#[serde(untagged)]
enum ProductByKey {
    Quote(ProductQuote),
    Record(ProductRecord),
}

impl PartialSchema for ProductByKey {
    fn schema() -> RefOr<Schema> {
        // The quote is closed ("exactly these fields"), else every record
        // would match both alternatives of the `oneOf`.
        let mut quote = ProductQuote::schema();
        if let RefOr::T(Schema::Object(object)) = &mut quote {
            object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
        OneOfBuilder::new()
            .item(quote)
            .item(RefOr::Ref(Ref::from_schema_name(ProductRecord::name())))
            .description(Some(
                "For a name, exactly the lab protocol's `name`, `price` and `quantity`; \
                 for an id, the full record.",
            ))
            .into()
    }
}

impl ToSchema for ProductByKey {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((ProductRecord::name().into_owned(), ProductRecord::schema()));
        ProductQuote::schemas(schemas);
        ProductRecord::schemas(schemas);
    }
}

/// One product, by name (the lab protocol) or by id.
///
/// A segment of digits only is a product id and answers the full record;
/// anything else is a product name (percent-encoded, e.g. `Rubber%20Duck`)
/// and answers exactly `name`, `price` and `quantity`. Product names always
/// contain a non-digit, so the two never clash.
#[utoipa::path(
    get,
    operation_id = "get_product",
    path = "/products/{name_or_id}",
    tag = "products",
    params(("name_or_id" = inline(ProductKey), Path, description = "A product id (digits only) or a product name", example = "Tux")),
    responses(
        (status = 200, description = "The product: a quote for a name, the record for an id", body = Data<ProductByKey>,
            example = json!({"data": {"name": "Tux", "price": 15.99, "quantity": 100}})),
        (status = 400, description = "Not a valid product name", body = ErrorBody),
        (status = 404, description = "`product not found`", body = ErrorBody),
        (status = 503, description = "The catalog cannot answer now", body = ErrorBody),
    )
)]
pub async fn one(
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(key): PathParam<String>,
) -> Result<Response, GatewayError> {
    let name = match ProductKey::parse(key).map_err(GatewayError::InvalidName)? {
        ProductKey::Id(product_id) => {
            let (cached, status) = cached(&gw, |c| c.product_by_id(product_id));
            let body = match cached {
                Some(hit) => {
                    let product = hit.ok_or(GatewayError::ProductNotFound)?;
                    data(ProductByKey::Record(product.into()))
                }
                None => json(
                    gw.catalog
                        .public_product(PublicKey::Id(product_id), id.as_deref())
                        .await?,
                ),
            };
            return Ok((status, body).into_response());
        }
        ProductKey::UnknownId => return Err(GatewayError::ProductNotFound),
        ProductKey::Name(name) => name,
    };
    let (cached, status) = cached(&gw, |c| c.product(name.as_str()));
    let body = match cached {
        Some(hit) => {
            let product = hit.ok_or(GatewayError::ProductNotFound)?;
            data(ProductByKey::Quote(product.into()))
        }
        None => json(
            gw.catalog
                .public_product(PublicKey::Name(name.as_str()), id.as_deref())
                .await?,
        ),
    };
    Ok((status, body).into_response())
}

/// The id of the product `key` names: digits are the id, anything else a
/// name the catalog looks up (so administration takes either, as queries do).
async fn product_id(gw: &Gateway, key: String, id: &RequestId) -> Result<i64, GatewayError> {
    match ProductKey::parse(key).map_err(GatewayError::InvalidName)? {
        ProductKey::Id(product_id) => Ok(product_id),
        ProductKey::UnknownId => Err(GatewayError::ProductNotFound),
        ProductKey::Name(name) => Ok(gw
            .catalog
            .product_by_name(name.as_str(), id.as_deref())
            .await?
            .id),
    }
}

/// Adds a product (admin).
#[utoipa::path(
    post,
    operation_id = "create_product",
    path = "/products",
    tag = "products",
    security(("admin_token" = [])),
    request_body = ProductDraft,
    responses(
        (status = 201, description = "The new product's record", body = Data<ProductRecord>),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or wrong admin token, or administration disabled", body = ErrorBody),
        (status = 403, description = "A customer token instead of the admin token", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 409, description = "A product of that name exists", body = ErrorBody),
        JsonBodyRejections,
        (status = 422, description = "A missing, unknown or wrong field, a negative price, too much stock or too long a description", body = ErrorBody),
        (status = 503, description = "The catalog cannot answer now", body = ErrorBody),
    )
)]
pub async fn create(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    JsonBody(draft): JsonBody<ProductDraft>,
) -> Result<Response, GatewayError> {
    Ok(created(create_product(&gw, &draft, id.as_deref()).await?))
}

/// Adds a product: the API's and the admin page's one way.
pub(crate) async fn create_product(
    gw: &Gateway,
    draft: &ProductDraft,
    id: Option<&str>,
) -> Result<ProductRecord, GatewayError> {
    draft.validate().map_err(GatewayError::InvalidProduct)?;
    let product = gw.catalog.create_product(draft, id).await;
    // The new id is fenced as well as the name: the copy does not know the
    // id yet, so a query by it would otherwise find nothing there and answer
    // 404 to the client that has just been told it exists.
    let new_id = product.as_ref().ok().map(|created| Touched::Id(created.id));
    gw.wrote(
        &product,
        [Some(Touched::Name(draft.name.as_str())), new_id]
            .into_iter()
            .flatten(),
    );
    Ok(ProductRecord::from(product?))
}

/// Replaces a product's record (admin).
#[utoipa::path(
    put,
    operation_id = "update_product",
    path = "/products/{name_or_id}",
    tag = "products",
    security(("admin_token" = [])),
    params(("name_or_id" = inline(ProductKey), Path, description = "The product's id (digits) or its name", example = "1")),
    request_body = ProductDraft,
    responses(
        (status = 200, description = "The new record", body = Data<ProductRecord>),
        (status = 400, description = "Not a product id or a valid product name, or malformed JSON", body = ErrorBody),
        (status = 401, description = "No or wrong admin token, or administration disabled", body = ErrorBody),
        (status = 403, description = "A customer token instead of the admin token", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "`product not found`", body = ErrorBody),
        (status = 409, description = "Another product has that name", body = ErrorBody),
        JsonBodyRejections,
        (status = 422, description = "A missing, unknown or wrong field, a negative price, too much stock or too long a description", body = ErrorBody),
        (status = 503, description = "The catalog cannot answer now", body = ErrorBody),
    )
)]
pub async fn update(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(key): PathParam<String>,
    JsonBody(draft): JsonBody<ProductDraft>,
) -> Result<Response, GatewayError> {
    let product_id = product_id(&gw, key, &id).await?;
    Ok(data(
        update_product(&gw, product_id, &draft, id.as_deref()).await?,
    ))
}

/// Replaces a product's record: the API's and the admin page's one way.
pub(crate) async fn update_product(
    gw: &Gateway,
    product_id: i64,
    draft: &ProductDraft,
    id: Option<&str>,
) -> Result<ProductRecord, GatewayError> {
    draft.validate().map_err(GatewayError::InvalidProduct)?;
    let product = gw.catalog.update_product(product_id, draft, id).await;
    // Under its id, and under its new name (the old name leads to the id).
    gw.wrote(
        &product,
        [Touched::Id(product_id), Touched::Name(draft.name.as_str())],
    );
    Ok(ProductRecord::from(product?))
}

/// Deletes a product (admin). Ids are never reused.
#[utoipa::path(
    delete,
    operation_id = "delete_product",
    path = "/products/{name_or_id}",
    tag = "products",
    security(("admin_token" = [])),
    params(("name_or_id" = inline(ProductKey), Path, description = "The product's id (digits) or its name", example = "1")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not a product id or a valid product name", body = ErrorBody),
        (status = 401, description = "No or wrong admin token, or administration disabled", body = ErrorBody),
        (status = 403, description = "A customer token instead of the admin token", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute", body = ErrorBody),
        (status = 404, description = "`product not found`", body = ErrorBody),
        (status = 503, description = "The catalog cannot answer now", body = ErrorBody),
    )
)]
pub async fn delete(
    _: Admin,
    State(gw): State<Arc<Gateway>>,
    id: RequestId,
    PathParam(key): PathParam<String>,
) -> Result<Response, GatewayError> {
    let product_id = product_id(&gw, key, &id).await?;
    delete_product(&gw, product_id, id.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes a product: the API's and the admin page's one way.
pub(crate) async fn delete_product(
    gw: &Gateway,
    product_id: i64,
    id: Option<&str>,
) -> Result<(), GatewayError> {
    let deleted = gw.catalog.delete_product(product_id, id).await;
    gw.wrote(&deleted, [Touched::Id(product_id)]);
    deleted?;
    Ok(())
}
