//! The gateway's errors and their one mapping to HTTP. A peer's refusal
//! (4xx) reaches the client with its status and message unchanged; a peer
//! that cannot answer becomes 503.

use storefront_service_kit::ApiError;
use storefront_wire::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("order number must be a whole number from 0")]
    BadOrderNumber,
    #[error("invalid product name: {0}")]
    InvalidName(String),
    #[error("order not found")]
    OrderNotFound,
    /// Known from the product cache (the catalog says the same thing).
    #[error("product not found")]
    ProductNotFound,
    #[error("{0}")]
    BadQuery(String),
    #[error("invalid product: {0}")]
    InvalidProduct(String),
    #[error("product id must be a whole number")]
    NotAProductId,
    #[error("Idempotency-Key must be 1 to {0} visible ASCII characters")]
    BadIdempotencyKey(usize),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too many failed authentications from this address: retry after this.
    #[error("too many failed authentications from this address: retry in {} s", .0.as_secs().max(1))]
    TooManyFailedAttempts(std::time::Duration),
    #[error("no such service: {0} (catalog, orders or carts)")]
    UnknownService(String),
    #[error(transparent)]
    Peer(#[from] ClientError),
}

impl From<GatewayError> for ApiError {
    fn from(error: GatewayError) -> Self {
        match error {
            GatewayError::BadOrderNumber
            | GatewayError::InvalidName(_)
            | GatewayError::BadQuery(_)
            | GatewayError::NotAProductId
            | GatewayError::BadIdempotencyKey(_) => ApiError::bad_request(error.to_string()),
            GatewayError::InvalidProduct(_) => ApiError::unprocessable(error.to_string()),
            GatewayError::Unauthorized(_) => {
                ApiError::new(http::StatusCode::UNAUTHORIZED, error.to_string())
            }
            GatewayError::Forbidden(_) => {
                ApiError::new(http::StatusCode::FORBIDDEN, error.to_string())
            }
            GatewayError::TooManyFailedAttempts(_) => {
                ApiError::new(http::StatusCode::TOO_MANY_REQUESTS, error.to_string())
            }
            GatewayError::OrderNotFound
            | GatewayError::ProductNotFound
            | GatewayError::UnknownService(_) => ApiError::not_found(error.to_string()),
            GatewayError::Peer(ClientError::Rejected {
                status, message, ..
            }) => ApiError::new(status, message),
            GatewayError::Peer(ClientError::Unavailable {
                service,
                cause,
                peer_message,
            }) => {
                tracing::warn!(service, %cause, "peer unavailable");
                ApiError::unavailable(
                    peer_message.unwrap_or_else(|| format!("{service} service unavailable")),
                )
            }
        }
    }
}

impl axum::response::IntoResponse for GatewayError {
    fn into_response(self) -> axum::response::Response {
        let challenge = matches!(self, GatewayError::Unauthorized(_));
        let retry_after = match &self {
            GatewayError::TooManyFailedAttempts(wait) => Some(wait.as_secs().max(1)),
            _ => None,
        };
        let mut response = ApiError::from(self).into_response();
        if challenge {
            response.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer"),
            );
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        response
    }
}
