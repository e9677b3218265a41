//! Types only services exchange with each other (never seen by clients).

use serde::{Deserialize, Serialize};

use crate::api::{ProductListing, ProductQuote};
use crate::shop::{OrderLine, ProductRecord};
use crate::{CustomerId, Money};

/// A product as the catalog reports it; prices travel as integer cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogProduct {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The public API's shapes of a product, made in one place: the gateway
/// renders them from its cache, the catalog for the gateway to pass through.
impl From<CatalogProduct> for ProductQuote {
    fn from(p: CatalogProduct) -> Self {
        Self {
            name: p.name,
            price: Money::from_cents(p.price_cents),
            quantity: p.quantity,
        }
    }
}

impl From<CatalogProduct> for ProductListing {
    fn from(p: CatalogProduct) -> Self {
        Self {
            id: p.id,
            name: p.name,
            price: Money::from_cents(p.price_cents),
            quantity: p.quantity,
        }
    }
}

impl From<CatalogProduct> for ProductRecord {
    fn from(p: CatalogProduct) -> Self {
        Self {
            id: p.id,
            name: p.name,
            price: Money::from_cents(p.price_cents),
            quantity: p.quantity,
            description: p.description,
        }
    }
}

/// `POST /reservations` to the catalog: take every line's units for the
/// order attempt `order_key`, all or none. The key makes the call
/// idempotent: the same key always gets the first answer, and a released key
/// can never reserve again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveStock {
    pub order_key: String,
    pub items: Vec<OrderLine>,
}

/// A reservation the catalog holds for an order attempt: one entry per
/// line, in request order, with the price per unit at reservation time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub order_key: String,
    pub items: Vec<ReservedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservedItem {
    pub product_id: i64,
    pub name: String,
    pub quantity: u32,
    pub price_cents: i64,
}

/// `POST /orders` to the orders service, from the gateway (both order forms)
/// and from the carts service (a checkout). A key makes the call idempotent:
/// a repeat with the same key and request returns the first order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    pub items: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// Answer to `DELETE /reservations/<key>`: whether stock went back (false
/// when there was nothing held, which still leaves the key unusable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    pub returned_to_stock: bool,
}

/// Answer to a delete of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    pub deleted: bool,
}

/// `GET /product-changes`: the whole product list at a catalog version.
/// Versions move forward after every commit that changed stock; `epoch`
/// changes whenever the catalog process restarts (its versions start over).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChanges {
    pub epoch: String,
    pub version: u64,
    pub products: Vec<CatalogProduct>,
}

/// `GET /health` of any role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub role: String,
    pub status: String,
    /// Orders only: attempts still waiting to be resolved after a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved_orders: Option<u64>,
}

/// `GET /ready` of any role, when ready (otherwise a 503 error naming each
/// failed check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ready {
    pub role: String,
    /// Always `ready`.
    pub status: String,
    /// Each dependency checked (`database`, a peer's role), all `ok`.
    pub checks: std::collections::BTreeMap<String, String>,
}
