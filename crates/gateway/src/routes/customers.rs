//! Customers and their credentials. The gateway keeps no customer records:
//! a customer's id is random, its secret is a signature of the id, and a
//! token is a signed claim (see [`crate::auth`]), so any replica with the
//! same key can check them all.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::extract::State;
use axum::response::Response;
use storefront_service_kit::{JsonBody, PathParam, created};
use storefront_wire::customers::{IssuedToken, NewCustomer, TokenRequest};
use storefront_wire::{CustomerId, Data, ErrorBody};

use crate::auth::{Caller, ClientAddress};
use crate::openapi::JsonBodyRejections;
use crate::{Gateway, GatewayError};

/// Makes a new customer: its id, its secret and a first token.
///
/// Keep the secret: `POST /customers/{customer_id}/tokens` trades it for a
/// new token when this one expires. Nothing else is needed (and no body is
/// read): this is the simplest sign-up, and the one place to change for a
/// real one.
#[utoipa::path(
    post,
    operation_id = "create_customer",
    path = "/customers",
    tag = "customers",
    responses(
        (status = 201, description = "The new customer, its secret and a first token", body = Data<NewCustomer>),
    )
)]
pub async fn create(State(gw): State<Arc<Gateway>>) -> Response {
    created(new_customer(&gw))
}

/// A new customer's id, secret and first token: the API's and the shop
/// pages' one way of making one.
pub(crate) fn new_customer(gw: &Gateway) -> NewCustomer {
    let id = format!("c-{}", uuid::Uuid::new_v4().simple());
    // 34 characters of `c-` and hex digits: always a valid id.
    let customer_id = CustomerId::parse(id).expect("a generated customer id is valid");
    let token = gw.auth.signer.issue(&customer_id, SystemTime::now());
    let secret = gw.auth.signer.secret_of(&customer_id);
    NewCustomer {
        customer_id,
        secret,
        token,
    }
}

/// A new token for a customer, for its secret (or for the admin token, for
/// any customer id: the way to act for customers whose ids were chosen
/// before tokens existed).
#[utoipa::path(
    post,
    operation_id = "issue_customer_token",
    path = "/customers/{customer_id}/tokens",
    tag = "customers",
    security((), ("admin_token" = [])),
    params(("customer_id" = CustomerId, Path, description = "The customer's id")),
    request_body(content = TokenRequest, example = json!({"secret": "3q2-7wQx…"})),
    responses(
        (status = 201, description = "A token for the customer", body = Data<IssuedToken>),
        (status = 400, description = "Not a valid customer id, or malformed JSON", body = ErrorBody),
        (status = 401, description = "No secret (and no admin token), or a wrong one; a token, even the customer's own, is not a secret", body = ErrorBody),
        JsonBodyRejections,
        (status = 422, description = "A body that is not `{\"secret\": string}` or `{}`", body = ErrorBody),
        (status = 429, description = "Too many failed authentications from this address in the last minute (`Retry-After` says when to try again)", body = ErrorBody),
    )
)]
pub async fn issue_token(
    State(gw): State<Arc<Gateway>>,
    ClientAddress(client): ClientAddress,
    caller: Caller,
    PathParam(customer_id): PathParam<String>,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Response, GatewayError> {
    let customer = CustomerId::parse(customer_id).map_err(GatewayError::BadQuery)?;
    let now = Instant::now();
    // A token, even the customer's own, never makes another: only the
    // secret does, so a stolen token dies when it expires.
    let proven = match (&caller, request.secret.as_deref()) {
        (Caller::Admin, _) => true,
        (_, Some(secret)) => {
            gw.auth
                .failures
                .check(client, now)
                .map_err(GatewayError::TooManyFailedAttempts)?;
            gw.auth.signer.is_secret_of(&customer, secret)
        }
        (_, None) => {
            return Err(GatewayError::Unauthorized(
                "send the customer's secret ({\"secret\": …}) or the admin token",
            ));
        }
    };
    if !proven {
        gw.auth.failures.record(client, now);
        return Err(GatewayError::Unauthorized("wrong secret for this customer"));
    }
    Ok(created(gw.auth.signer.issue(&customer, SystemTime::now())))
}
