//! Customer credentials at the gateway: `POST /customers` makes a customer
//! and answers its id, its secret and a first token; `POST
//! /customers/{id}/tokens` trades the secret (or the admin token) for a
//! fresh token. Carts, checkout and a customer's orders answer only a
//! request carrying that customer's token (or the admin token).
//!
//! The token fields are named as OAuth 2.0's token response names them
//! (RFC 6749 §5.1), so a client library that knows one knows these.

use serde::{Deserialize, Serialize};

use crate::CustomerId;

/// The `token_type` every token has: send it as `Authorization: Bearer <token>`.
pub const BEARER: &str = "Bearer";

/// `POST /customers`: a new customer. Keep the secret: it is the only way
/// to get another token once this one expires (the store cannot show it
/// again without the admin token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCustomer {
    /// The customer's id, for `/carts/{customer_id}` and `customer_id` fields.
    pub customer_id: CustomerId,
    /// Proves who the customer is to `POST /customers/{customer_id}/tokens`.
    pub secret: String,
    #[serde(flatten)]
    pub token: IssuedToken,
}

/// A bearer token for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedToken {
    /// A signed token (a JWT, HS256) naming the customer and its expiry.
    pub access_token: String,
    /// Always `Bearer`.
    #[cfg_attr(feature = "openapi", schema(example = "Bearer"))]
    pub token_type: String,
    /// Seconds until the token expires.
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
}

/// `POST /customers/{customer_id}/tokens`: the customer's secret. A request
/// with the admin token may leave it out (`{}`), to act for any customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}
