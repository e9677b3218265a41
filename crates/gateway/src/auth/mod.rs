//! Who may do what at the gateway, decided here and nowhere else:
//!
//! - the **admin token** (`Authorization: Bearer <admin token>`) opens
//!   product administration and the shop-wide lists, and may act for any
//!   customer;
//! - a **customer token** (from `POST /customers` or `POST
//!   /customers/{id}/tokens`) opens that customer's cart, checkout and
//!   orders, and nobody else's;
//! - the lab protocol (`GET /products/…`, `POST /orders` without a customer,
//!   an order without a customer) needs nothing.
//!
//! With `customers = "open"` the customer checks are off, as before tokens
//! existed (for replaying the bookstore study's API); the admin checks stay.
//! The services behind the gateway trust it: they are not reachable from
//! outside (docs/ARCHITECTURE.md, "Threat model").

mod caller;
mod failed_attempts;
mod token;

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) use caller::same_secret;
pub use caller::{Admin, Caller, ClientAddress};
pub use failed_attempts::FailedAttempts;
pub use token::{Signer, TokenError};

/// Whether carts and customers' orders need the customer's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomerAuth {
    /// A customer's routes answer only its token (or the admin token).
    #[default]
    Tokens,
    /// Anyone may use any customer's cart and orders (the API before
    /// tokens). Logged loudly at start.
    Open,
}

/// The `[auth]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    pub customers: CustomerAuth,
    /// Signs customer tokens and secrets. Every gateway replica needs the
    /// same one; unset, it is derived from the admin token (which replicas
    /// share), or made at random when there is none either (then tokens
    /// and secrets last as long as this gateway process).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_secret: Option<String>,
    /// How long a customer token is valid, in seconds.
    pub token_ttl_s: u64,
    /// Failed authentications per client address and minute before its
    /// credentials are refused with 429 for the rest of the minute; 0
    /// turns the limit off.
    pub failed_auth_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            customers: CustomerAuth::Tokens,
            token_secret: None,
            token_ttl_s: 3_600,
            failed_auth_per_minute: 10,
        }
    }
}

/// The gateway's credentials, built once at start.
#[derive(Debug)]
pub struct Auth {
    pub customers: CustomerAuth,
    /// The bearer token administration routes require; `None` refuses them.
    pub admin_token: Option<String>,
    pub signer: Signer,
    pub failures: FailedAttempts,
}

impl Auth {
    pub fn new(settings: &AuthSettings, admin_token: Option<String>) -> Self {
        let master: Vec<u8> = match (&settings.token_secret, &admin_token) {
            (Some(secret), _) => secret.as_bytes().to_vec(),
            (None, Some(admin)) => [
                b"derived from the admin token:".as_slice(),
                admin.as_bytes(),
            ]
            .concat(),
            (None, None) => {
                tracing::warn!(
                    "no auth.token_secret and no admin token: customer tokens and secrets are \
                     signed with a random key and stop working when this gateway restarts"
                );
                random_key()
            }
        };
        if settings.customers == CustomerAuth::Open {
            tracing::warn!(
                "auth.customers = \"open\": ANYONE CAN READ AND CHANGE ANY CUSTOMER'S CART AND \
                 ORDERS. Use it only to replay the bookstore study's API"
            );
        }
        Self {
            customers: settings.customers,
            admin_token,
            signer: Signer::new(&master, Duration::from_secs(settings.token_ttl_s.max(1))),
            failures: FailedAttempts::new(settings.failed_auth_per_minute),
        }
    }
}

fn random_key() -> Vec<u8> {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut key = vec![0; 32];
    // The system's generator only fails where no OS randomness exists at
    // all; a gateway there cannot keep anything secret.
    SystemRandom::new()
        .fill(&mut key)
        .expect("the operating system's random number generator");
    key
}
