//! The catalog's errors and their one mapping to HTTP.

use storefront_service_kit::ApiError;

use crate::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("product not found")]
    ProductNotFound,
    #[error("product {0} not found")]
    LineProductNotFound(String),
    #[error("invalid product name: {0}")]
    InvalidName(String),
    #[error("invalid product: {0}")]
    InvalidProduct(String),
    #[error("a product with this name already exists")]
    DuplicateName,
    #[error("insufficient stock of {product}: {available} available")]
    InsufficientStock { product: String, available: i64 },
    #[error("an order needs at least one and at most {0} items")]
    BadLineCount(usize),
    #[error("order attempt was already refused or released")]
    AttemptClosed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::ProductNotFound | CatalogError::LineProductNotFound(_) => {
                ApiError::not_found(error.to_string())
            }
            CatalogError::InvalidName(_) => ApiError::bad_request(error.to_string()),
            CatalogError::InvalidProduct(_) | CatalogError::BadLineCount(_) => {
                ApiError::unprocessable(error.to_string())
            }
            CatalogError::InsufficientStock { .. }
            | CatalogError::AttemptClosed
            | CatalogError::DuplicateName => ApiError::conflict(error.to_string()),
            CatalogError::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) => ApiError::unavailable("catalog storage is unavailable"),
            other => ApiError::internal(&other),
        }
    }
}

impl axum::response::IntoResponse for CatalogError {
    fn into_response(self) -> axum::response::Response {
        ApiError::from(self).into_response()
    }
}
