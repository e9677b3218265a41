//! The public client API at the gateway (the lab protocol).

use serde::{Deserialize, Serialize};

use crate::shop::MultiItemOrder;
use crate::{Money, ProductName, Quantity};

/// `GET /products/<name>`: exactly the three fields lab clients expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductQuote {
    pub name: String,
    pub price: Money,
    pub quantity: i64,
}

/// One entry of `GET /products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductListing {
    pub id: i64,
    pub name: String,
    pub price: Money,
    pub quantity: i64,
}

/// `POST /orders` body. Unknown fields are ignored so clients may send more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceOrder {
    pub name: ProductName,
    pub quantity: Quantity,
}

/// `POST /orders` body in either form: the lab protocol's one product
/// (`{"name","quantity"}`) or the shop's lines (`{"customer_id"?,"items"}`),
/// told apart by the presence of `items`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderForm {
    Lab(PlaceOrder),
    Multi(MultiItemOrder),
}

impl<'de> Deserialize<'de> for OrderForm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let is_multi = value.as_object().is_some_and(|o| o.contains_key("items"));
        if is_multi {
            MultiItemOrder::deserialize(value)
                .map(OrderForm::Multi)
                .map_err(D::Error::custom)
        } else {
            PlaceOrder::deserialize(value)
                .map(OrderForm::Lab)
                .map_err(D::Error::custom)
        }
    }
}

/// `POST /orders` success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPlaced {
    pub order_number: u64,
}

/// `GET /orders/<number>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderRecord {
    pub number: u64,
    pub name: String,
    pub quantity: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_order_forms_are_told_apart_by_items() {
        let lab: OrderForm = serde_json::from_str(r#"{"name":"Tux","quantity":1}"#).unwrap();
        assert!(matches!(lab, OrderForm::Lab(_)));
        let multi: OrderForm =
            serde_json::from_str(r#"{"items":[{"name":"Tux","quantity":1}]}"#).unwrap();
        assert!(matches!(multi, OrderForm::Multi(_)));
        let err = serde_json::from_str::<OrderForm>(r#"{"name":"Tux","quantity":"1"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("whole number"), "{err}");
        assert!(serde_json::from_str::<OrderForm>(r#"{"items":"x"}"#).is_err());
    }
}
