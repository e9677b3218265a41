//! The orders service's errors and their one mapping to HTTP.

use storefront_service_kit::ApiError;

use storefront_wire::shop::MAX_ORDER_LINES;

use crate::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum OrdersError {
    #[error("{0}")]
    ProductNotFound(String),
    #[error("an order needs at least one and at most {MAX_ORDER_LINES} items")]
    BadLineCount,
    /// A retry carried the key of an earlier, different request.
    #[error("this idempotency key was already used for a different order")]
    IdempotencyKeyReused,
    #[error("an order with this idempotency key is in progress; retry shortly")]
    InProgress,
    #[error("{0}")]
    BadQuery(String),
    #[error("{0}")]
    InsufficientStock(String),
    #[error("order not found")]
    OrderNotFound,
    #[error("order number must be a whole number from 0")]
    BadOrderNumber,
    /// The catalog refused for a reason this service does not expect.
    #[error("catalog refused the order: {0}")]
    CatalogRefused(String),
    #[error("catalog service unavailable")]
    CatalogUnavailable,
    /// The saga's task ended without an answer (it panicked); the attempt
    /// stays pending and the reconciler's sweep resolves it.
    #[error("order processing was interrupted: {0}")]
    Interrupted(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OrdersError {
    /// The `outcome` label of a buy that ended in this error.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::ProductNotFound(_) => "product_not_found",
            Self::InsufficientStock(_) => "insufficient_stock",
            Self::BadLineCount | Self::BadQuery(_) | Self::BadOrderNumber => "bad_request",
            Self::IdempotencyKeyReused | Self::InProgress => "idempotency_conflict",
            Self::OrderNotFound => "order_not_found",
            Self::CatalogRefused(_) => "catalog_refused",
            Self::CatalogUnavailable => "catalog_unavailable",
            Self::Interrupted(_) => "interrupted",
            Self::Store(_) => "store_error",
        }
    }
}

impl From<OrdersError> for ApiError {
    fn from(error: OrdersError) -> Self {
        match error {
            OrdersError::ProductNotFound(_) | OrdersError::OrderNotFound => {
                ApiError::not_found(error.to_string())
            }
            OrdersError::BadOrderNumber | OrdersError::BadQuery(_) => {
                ApiError::bad_request(error.to_string())
            }
            OrdersError::BadLineCount | OrdersError::IdempotencyKeyReused => {
                ApiError::unprocessable(error.to_string())
            }
            OrdersError::InsufficientStock(_)
            | OrdersError::CatalogRefused(_)
            | OrdersError::InProgress => ApiError::conflict(error.to_string()),
            OrdersError::CatalogUnavailable => ApiError::unavailable(error.to_string()),
            OrdersError::Store(StoreError::Unavailable(cause)) => {
                tracing::warn!(%cause, "order storage unavailable");
                ApiError::unavailable("order storage unavailable")
            }
            // Recovery took the attempt over (it was stuck): it will not be an order.
            OrdersError::Store(StoreError::NotPending(key)) => {
                tracing::warn!(order_key = %key, "confirm refused: attempt is being aborted");
                ApiError::unavailable("order could not be completed; it was not placed")
            }
            OrdersError::Store(other) => ApiError::internal(&other),
            OrdersError::Interrupted(cause) => ApiError::internal(&cause),
        }
    }
}

impl axum::response::IntoResponse for OrdersError {
    fn into_response(self) -> axum::response::Response {
        ApiError::from(self).into_response()
    }
}
