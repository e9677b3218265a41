//! Types only services exchange with each other (never seen by clients).

use serde::{Deserialize, Serialize};

use crate::{ProductName, Quantity};

/// A product as the catalog reports it; prices travel as integer cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogProduct {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub quantity: i64,
}

/// `POST /reservations` to the catalog: take `quantity` units for the order
/// attempt `order_key`. The key makes the call idempotent: the same key
/// always gets the first answer, and a released key can never reserve again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveStock {
    pub order_key: String,
    pub name: ProductName,
    pub quantity: Quantity,
}

/// A reservation the catalog holds for an order attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    pub order_key: String,
    pub product_id: i64,
    pub name: String,
    pub quantity: u32,
    pub price_cents: i64,
}

/// Answer to `DELETE /reservations/<key>`: whether stock went back (false
/// when there was nothing held, which still leaves the key unusable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    pub returned_to_stock: bool,
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
pub struct Health {
    pub role: String,
    pub status: String,
    /// Orders only: attempts still waiting to be resolved after a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved_orders: Option<u64>,
}
