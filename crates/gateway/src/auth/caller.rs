//! Who sent a request, from its `Authorization: Bearer …` header: the admin,
//! a customer (by a token this store signed), or nobody. Every route that
//! needs to know asks through [`Caller`] or [`Admin`], so the rules live in
//! this file.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::extract::{ConnectInfo, FromRequestParts};
use http::header;
use http::request::Parts;
use storefront_wire::CustomerId;

use super::{CustomerAuth, TokenError};
use crate::{Gateway, GatewayError};

/// Who sent the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// The configured admin token.
    Admin,
    /// A valid, unexpired token of this customer.
    Customer(CustomerId),
}

/// Proof that the request carried the configured admin token.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl Caller {
    /// Whether this caller may use `customer`'s cart and orders: the
    /// customer itself or the admin (anyone, with `customers = "open"`).
    pub fn may_act_for(&self, gw: &Gateway, customer: &CustomerId) -> Result<(), GatewayError> {
        if gw.auth.customers == CustomerAuth::Open {
            return Ok(());
        }
        match self {
            Caller::Admin => Ok(()),
            Caller::Customer(c) if c == customer => Ok(()),
            Caller::Customer(_) => Err(GatewayError::Forbidden(
                "this token is for another customer",
            )),
            Caller::Anonymous => Err(GatewayError::Unauthorized(
                "this route needs the customer's token (Authorization: Bearer <token>, from \
                 POST /customers or POST /customers/{customer_id}/tokens) or the admin token",
            )),
        }
    }

    /// Whether this caller may see what belongs to every customer (all
    /// orders): the admin (anyone, with `customers = "open"`).
    pub fn may_see_everyone(&self, gw: &Gateway) -> Result<(), GatewayError> {
        if gw.auth.customers == CustomerAuth::Open {
            return Ok(());
        }
        self.admin(gw).map(|Admin| ())
    }

    fn admin(&self, gw: &Gateway) -> Result<Admin, GatewayError> {
        if gw.auth.admin_token.is_none() {
            return Err(GatewayError::Unauthorized(
                "administration is disabled: no admin token is configured",
            ));
        }
        match self {
            Caller::Admin => Ok(Admin),
            Caller::Customer(_) => Err(GatewayError::Forbidden(
                "this route needs the admin token; a customer token does not open it",
            )),
            Caller::Anonymous => Err(GatewayError::Unauthorized(
                "this route needs the admin token (Authorization: Bearer <token>)",
            )),
        }
    }
}

impl FromRequestParts<Arc<Gateway>> for Caller {
    type Rejection = GatewayError;

    async fn from_request_parts(
        parts: &mut Parts,
        gw: &Arc<Gateway>,
    ) -> Result<Self, GatewayError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(Caller::Anonymous);
        };
        let client = client_address(parts);
        let now = Instant::now();
        gw.auth
            .failures
            .check(client, now)
            .map_err(GatewayError::TooManyFailedAttempts)?;
        let offered = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(GatewayError::Unauthorized(
                "the Authorization header must be `Bearer <token>`",
            ))?;
        if let Some(admin) = gw.auth.admin_token.as_deref()
            && same_secret(offered.as_bytes(), admin.as_bytes())
        {
            return Ok(Caller::Admin);
        }
        match gw.auth.signer.verify(offered, SystemTime::now()) {
            Ok(customer) => Ok(Caller::Customer(customer)),
            Err(TokenError::Expired) => Err(GatewayError::Unauthorized(
                "the token has expired: get a new one from POST /customers/{customer_id}/tokens",
            )),
            Err(TokenError::Invalid) => {
                gw.auth.failures.record(client, now);
                Err(GatewayError::Unauthorized(
                    "the bearer token is neither the admin token nor a customer token of this store",
                ))
            }
        }
    }
}

impl FromRequestParts<Arc<Gateway>> for Admin {
    type Rejection = GatewayError;

    async fn from_request_parts(
        parts: &mut Parts,
        gw: &Arc<Gateway>,
    ) -> Result<Self, GatewayError> {
        Caller::from_request_parts(parts, gw).await?.admin(gw)
    }
}

/// The address a request came from (the connection's peer; behind a
/// proxy, the proxy's), for counting failed authentications.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl<S: Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(parts)))
    }
}

/// Requests built without a connection count as one unknown client.
fn client_address(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Compares without stopping at the first difference, so the time taken
/// does not tell an attacker how much of a guess was right.
pub(crate) fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
    }
}
