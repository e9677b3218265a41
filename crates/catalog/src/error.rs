//! The catalog's errors and their one mapping to HTTP.

use storefront_service_kit::ApiError;

use crate::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("product not found")]
    ProductNotFound,
    #[error("invalid product name: {0}")]
    InvalidName(String),
    #[error("insufficient stock: {available} available")]
    InsufficientStock { available: i64 },
    #[error("order attempt was already refused or released")]
    AttemptClosed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CatalogError> for ApiError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::ProductNotFound => ApiError::not_found(error.to_string()),
            CatalogError::InvalidName(_) => ApiError::bad_request(error.to_string()),
            CatalogError::InsufficientStock { .. } | CatalogError::AttemptClosed => {
                ApiError::conflict(error.to_string())
            }
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
