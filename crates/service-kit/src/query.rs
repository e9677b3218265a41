//! Query-string extractors whose rejections are the JSON error envelope:
//! [`QueryParams<T>`] for any query, and [`Paged`] for the `?limit=&offset=`
//! every list route takes, already bounded.

use axum::extract::{FromRequestParts, Query};
use http::request::Parts;
use serde::de::DeserializeOwned;
use storefront_wire::shop::{Page, PageQuery};

use crate::ApiError;

/// axum's `Query<T>`, with a malformed query answered 400 in the envelope.
#[derive(Debug, Clone)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| QueryParams(value))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}

/// The page a list request asked for: 400 when `limit` or `offset` is not a
/// number or out of bounds (see [`Page::new`]). Other query fields are left
/// to other extractors.
#[derive(Debug, Clone, Copy)]
pub struct Paged(pub Page);

impl<S: Send + Sync> FromRequestParts<S> for Paged {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let QueryParams(query) = QueryParams::<PageQuery>::from_request_parts(parts, state).await?;
        Page::new(query.limit, query.offset)
            .map(Paged)
            .map_err(ApiError::bad_request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn paged(uri: &str) -> Result<Page, ApiError> {
        let (mut parts, ()) = http::Request::builder()
            .uri(uri)
            .body(())
            .unwrap()
            .into_parts();
        Paged::from_request_parts(&mut parts, &())
            .await
            .map(|Paged(page)| page)
    }

    #[tokio::test]
    async fn a_page_defaults_and_is_bounded() {
        assert_eq!(paged("/x").await.unwrap(), Page::default());
        assert_eq!(
            paged("/x?limit=5&offset=10&customer_id=a").await.unwrap(),
            Page {
                limit: 5,
                offset: 10
            }
        );
        for bad in [
            "/x?limit=0",
            "/x?limit=1001",
            "/x?limit=abc",
            "/x?offset=-1",
        ] {
            let error = paged(bad).await.unwrap_err();
            assert_eq!(error.status, http::StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}
