//! Typed client for the catalog service's internal API.

use std::time::Duration;

use bytes::Bytes;
use http::Method;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::internal::{
    CatalogProduct, Deleted, ProductChanges, Released, Reservation, ReserveStock,
};
use crate::shop::{Page, ProductDraft};
use crate::{ClientError, ServiceClient};

/// Characters escaped in one path segment (RFC 3986 `pchar` minus the unsafe).
pub const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// Encodes a value for use as one URL path segment.
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, PATH_SEGMENT).to_string()
}

/// Which product [`CatalogClient::public_product`] asks for.
#[derive(Debug, Clone, Copy)]
pub enum PublicKey<'a> {
    Name(&'a str),
    Id(i64),
}

#[derive(Clone)]
pub struct CatalogClient {
    inner: ServiceClient,
}

/// The plain client underneath, for calls every service answers (such as
/// `/health`).
impl AsRef<ServiceClient> for CatalogClient {
    fn as_ref(&self) -> &ServiceClient {
        &self.inner
    }
}

impl CatalogClient {
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        Self {
            inner: ServiceClient::new("catalog", base_url, timeout),
        }
    }

    pub async fn product_by_name(
        &self,
        name: &str,
        request_id: Option<&str>,
    ) -> Result<CatalogProduct, ClientError> {
        let path = format!("/products/{}", encode_segment(name));
        self.inner
            .call::<(), _>(Method::GET, &path, None, request_id)
            .await
    }

    pub async fn product_by_id(
        &self,
        id: i64,
        request_id: Option<&str>,
    ) -> Result<CatalogProduct, ClientError> {
        self.inner
            .call::<(), _>(Method::GET, &format!("/products/{id}"), None, request_id)
            .await
    }

    /// `GET /products/<name or id>` of the public API, rendered by the
    /// catalog (a quote for a name, the record for an id), for the gateway
    /// to pass on unparsed: `{"data": …}` as it arrived.
    pub async fn public_product(
        &self,
        key: PublicKey<'_>,
        request_id: Option<&str>,
    ) -> Result<Bytes, ClientError> {
        let path = match key {
            PublicKey::Name(name) => format!("/public/products/{}", encode_segment(name)),
            PublicKey::Id(id) => format!("/public/products/{id}"),
        };
        self.inner.get_unparsed(&path, request_id).await
    }

    /// A page of `GET /products` of the public API, rendered by the catalog,
    /// likewise.
    pub async fn public_products(
        &self,
        page: Page,
        request_id: Option<&str>,
    ) -> Result<Bytes, ClientError> {
        let path = format!("/public/products?{}", page.query());
        self.inner.get_unparsed(&path, request_id).await
    }

    /// Adds a product; a duplicate name is refused with 409.
    pub async fn create_product(
        &self,
        draft: &ProductDraft,
        request_id: Option<&str>,
    ) -> Result<CatalogProduct, ClientError> {
        self.inner
            .call(Method::POST, "/products", Some(draft), request_id)
            .await
    }

    /// Replaces a product's record; 404 when there is no such id.
    pub async fn update_product(
        &self,
        id: i64,
        draft: &ProductDraft,
        request_id: Option<&str>,
    ) -> Result<CatalogProduct, ClientError> {
        let path = format!("/products/{id}");
        self.inner
            .call(Method::PUT, &path, Some(draft), request_id)
            .await
    }

    /// Removes a product; 404 when there is no such id.
    pub async fn delete_product(
        &self,
        id: i64,
        request_id: Option<&str>,
    ) -> Result<Deleted, ClientError> {
        let path = format!("/products/{id}");
        self.inner
            .call::<(), _>(Method::DELETE, &path, None, request_id)
            .await
    }

    /// Long-polls for the product list newer than `since` (epoch, version);
    /// the catalog holds the call for up to `wait`. This client's timeout
    /// must be longer than `wait`.
    pub async fn product_changes(
        &self,
        since: Option<(&str, u64)>,
        wait: Duration,
    ) -> Result<ProductChanges, ClientError> {
        let mut path = format!("/product-changes?wait_ms={}", wait.as_millis());
        if let Some((epoch, version)) = since {
            path.push_str(&format!("&epoch={}&after={version}", encode_segment(epoch)));
        }
        self.inner
            .call::<(), _>(Method::GET, &path, None, None)
            .await
    }

    /// Takes stock for every line of an order attempt, all or none;
    /// idempotent per `order_key`.
    pub async fn reserve(
        &self,
        request: &ReserveStock,
        request_id: Option<&str>,
    ) -> Result<Reservation, ClientError> {
        self.inner
            .call(Method::POST, "/reservations", Some(request), request_id)
            .await
    }

    /// Returns an attempt's stock (if held) and bars the key from reserving.
    pub async fn release(
        &self,
        order_key: &str,
        request_id: Option<&str>,
    ) -> Result<Released, ClientError> {
        let path = format!("/reservations/{}", encode_segment(order_key));
        self.inner
            .call::<(), _>(Method::DELETE, &path, None, request_id)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_as_one_segment() {
        assert_eq!(encode_segment("Rubber Duck"), "Rubber%20Duck");
        assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(encode_segment("Élan"), "%C3%89lan");
    }
}
