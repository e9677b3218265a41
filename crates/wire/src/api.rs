//! The public client API at the gateway (the lab protocol).

use serde::{Deserialize, Serialize};

use crate::{Money, ProductName, Quantity};

/// `GET /products/<name>`: exactly the three fields lab clients expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductQuote {
    pub name: String,
    pub price: Money,
    pub quantity: i64,
}

/// One entry of `GET /products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductListing {
    pub id: i64,
    pub name: String,
    pub price: Money,
    pub quantity: i64,
}

/// `POST /orders` body. Unknown fields are ignored so clients may send more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceOrder {
    pub name: ProductName,
    pub quantity: Quantity,
}

/// `POST /orders` success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlaced {
    pub order_number: u64,
}

/// `GET /orders/<number>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    pub number: u64,
    pub name: String,
    pub quantity: u32,
}
