//! The carts service's errors and their one mapping to HTTP.

use http::StatusCode;
use storefront_service_kit::ApiError;
use storefront_service_kit::is_transient;
use storefront_wire::Quantity;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CartsError {
    #[error("{0}")]
    BadRequest(String),
    #[error("product not found")]
    ProductNotFound,
    #[error("no such item in the cart")]
    ItemNotFound,
    #[error("insufficient stock: {available} available, {in_cart} already in the cart")]
    InsufficientStock { available: i64, in_cart: u32 },
    #[error("a cart line may hold at most {} units", Quantity::MAX)]
    LineTooLarge,
    #[error("checkout in progress")]
    CheckoutInProgress,
    #[error("cart is empty")]
    EmptyCart,
    /// The orders service definitely refused the cart's order; its status
    /// and message go back to the client, and the cart is active again.
    #[error("{message}")]
    OrderRefused { status: StatusCode, message: String },
    /// The order's outcome is not known yet; the resolver settles it.
    #[error("checkout is being completed; retry with the same Idempotency-Key")]
    CheckoutPending,
    #[error("catalog service unavailable")]
    CatalogUnavailable,
    /// A checkout task ended without an answer (it panicked); the cart stays
    /// checking out and the resolver settles it.
    #[error("checkout was interrupted: {0}")]
    Interrupted(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CartsError {
    /// The `outcome` label of a checkout that ended in this error.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::BadRequest(_) | Self::LineTooLarge => "bad_request",
            Self::ProductNotFound | Self::ItemNotFound => "not_found",
            Self::InsufficientStock { .. } => "insufficient_stock",
            Self::CheckoutInProgress => "in_progress",
            Self::EmptyCart => "empty_cart",
            Self::OrderRefused { .. } => "order_refused",
            Self::CheckoutPending => "pending",
            Self::CatalogUnavailable => "catalog_unavailable",
            Self::Interrupted(_) => "interrupted",
            Self::Store(_) => "store_error",
        }
    }
}

impl From<CartsError> for ApiError {
    fn from(error: CartsError) -> Self {
        match error {
            CartsError::BadRequest(_) => ApiError::bad_request(error.to_string()),
            CartsError::ProductNotFound | CartsError::ItemNotFound => {
                ApiError::not_found(error.to_string())
            }
            CartsError::InsufficientStock { .. }
            | CartsError::CheckoutInProgress
            | CartsError::EmptyCart => ApiError::conflict(error.to_string()),
            CartsError::LineTooLarge => ApiError::unprocessable(error.to_string()),
            CartsError::OrderRefused { status, message } => ApiError::new(status, message),
            CartsError::CheckoutPending | CartsError::CatalogUnavailable => {
                ApiError::unavailable(error.to_string())
            }
            CartsError::Store(StoreError::Database(cause)) if is_transient(&cause) => {
                tracing::warn!(%cause, "cart storage unavailable");
                ApiError::unavailable("cart storage unavailable")
            }
            // The SQLite writer rolled a batch back or stopped: the write did
            // not happen and may be retried, as the catalog and orders answer.
            CartsError::Store(StoreError::Write(cause)) => {
                tracing::warn!(%cause, "cart storage unavailable");
                ApiError::unavailable("cart storage unavailable")
            }
            CartsError::Store(other) => ApiError::internal(&other),
            CartsError::Interrupted(cause) => ApiError::internal(&cause),
        }
    }
}

impl axum::response::IntoResponse for CartsError {
    fn into_response(self) -> axum::response::Response {
        ApiError::from(self).into_response()
    }
}

#[cfg(test)]
mod tests {
    use storefront_service_kit::sqlite::CommitError;

    use super::*;

    #[test]
    fn a_write_the_sqlite_writer_could_not_commit_is_a_503() {
        for cause in [
            CommitError::WriterStopped,
            CommitError::Database("disk I/O error".into()),
        ] {
            let api = ApiError::from(CartsError::Store(StoreError::Write(cause)));
            assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
        }
    }
}
