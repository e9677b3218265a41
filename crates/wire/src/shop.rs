//! The shop half of the client API at the gateway: product administration,
//! carts, multi-item orders and order history. The lab protocol's shapes stay
//! in [`crate::api`].

use serde::{Deserialize, Serialize};

use crate::{CustomerId, Money, ProductName, Quantity};

/// `GET /products/<id>`: the full product record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductRecord {
    pub id: i64,
    pub name: String,
    pub price: Money,
    pub quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /products` and `PUT /products/<id>` (admin): the whole record
/// but the id. Unknown fields are refused so a typo is not silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductDraft {
    pub name: ProductName,
    /// From 0 to 1,000,000,000.00, in whole cents.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = f64, minimum = 0, maximum = 1_000_000_000, multiple_of = 0.01)
    )]
    pub price: Money,
    /// Units in stock: zero or more.
    #[cfg_attr(feature = "openapi", schema(maximum = 1_000_000))]
    #[serde(deserialize_with = "crate::whole_number::u32")]
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description: Option<String>,
}

impl ProductDraft {
    /// Longest description accepted, in characters.
    pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
    /// Highest price accepted: 1,000,000,000.00.
    pub const MAX_PRICE: Money = Money::from_cents(100_000_000_000);

    /// Checks what the types alone cannot: price and sizes.
    pub fn validate(&self) -> Result<(), String> {
        if self.price.cents() < 0 {
            return Err("price must not be negative".into());
        }
        if self.price > Self::MAX_PRICE {
            return Err(format!("price must be at most {}", Self::MAX_PRICE));
        }
        if self.quantity > Quantity::MAX {
            return Err(format!("quantity must be at most {}", Quantity::MAX));
        }
        if let Some(text) = &self.description
            && text.chars().count() > Self::MAX_DESCRIPTION_CHARS
        {
            return Err(format!(
                "description must be at most {} characters",
                Self::MAX_DESCRIPTION_CHARS
            ));
        }
        Ok(())
    }
}

/// Which product an order line means: by name (as the lab protocol does) or
/// by id (as carts do).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProductRef {
    Name(ProductName),
    Id(i64),
}

/// One line of a multi-item order: `{"name"|"product_id", "quantity"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawOrderLine", into = "RawOrderLine")]
pub struct OrderLine {
    pub product: ProductRef,
    pub quantity: Quantity,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrderLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<ProductName>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole_number::option_i64"
    )]
    product_id: Option<i64>,
    quantity: Quantity,
}

impl TryFrom<RawOrderLine> for OrderLine {
    type Error = String;
    fn try_from(raw: RawOrderLine) -> Result<Self, String> {
        let product = match (raw.name, raw.product_id) {
            (Some(name), None) => ProductRef::Name(name),
            (None, Some(id)) => ProductRef::Id(id),
            _ => return Err("each item needs exactly one of \"name\" or \"product_id\"".into()),
        };
        Ok(Self {
            product,
            quantity: raw.quantity,
        })
    }
}

impl From<OrderLine> for RawOrderLine {
    fn from(line: OrderLine) -> Self {
        let (name, product_id) = match line.product {
            ProductRef::Name(name) => (Some(name), None),
            ProductRef::Id(id) => (None, Some(id)),
        };
        Self {
            name,
            product_id,
            quantity: line.quantity,
        }
    }
}

/// Most lines one order may have.
pub const MAX_ORDER_LINES: usize = 100;

/// `POST /orders`, multi-item form: `{"customer_id"?, "items":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MultiItemOrder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub items: Vec<OrderLine>,
}

/// One line of a placed order, with the price paid per unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderItem {
    pub product_id: i64,
    pub name: String,
    pub quantity: u32,
    pub unit_price: Money,
}

/// `GET /orders/<number>` of a multi-item or customer order, and each entry
/// of `GET /orders`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDetail {
    pub number: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    pub items: Vec<OrderItem>,
    pub total: Money,
    /// When it was placed (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub placed_at: String,
}

/// `POST /carts/<customer_id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddToCart {
    #[serde(deserialize_with = "crate::whole_number::i64")]
    pub product_id: i64,
    pub quantity: Quantity,
}

/// `PUT /carts/<customer_id>/<product_id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetCartQuantity {
    pub quantity: Quantity,
}

/// Where a cart is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CartStatus {
    /// Open for changes.
    Active,
    /// Its order is being placed; changes wait until that settles.
    CheckingOut,
    /// Turned into an order; the customer's next add starts a new cart.
    Ordered,
}

/// One line of a cart, priced at the catalog's current price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    pub product_id: i64,
    /// Absent when the product no longer exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_total: Option<Money>,
    /// False when the product was deleted from the catalog.
    pub available: bool,
}

/// `GET /carts/<customer_id>`: the active cart (empty when there is none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartView {
    pub customer_id: CustomerId,
    /// Absent for the empty cart of a customer who has none yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_id: Option<i64>,
    pub status: CartStatus,
    pub items: Vec<CartLine>,
    pub total: Money,
}

/// An entry of `GET /carts` (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartSummary {
    pub cart_id: i64,
    pub customer_id: CustomerId,
    pub status: CartStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<u64>,
    pub item_count: u64,
}

/// An entry of `GET /cart_items` (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartItemRow {
    pub cart_id: i64,
    pub customer_id: CustomerId,
    pub product_id: i64,
    pub quantity: u32,
}

/// Page size when a list request names none.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Largest page a list request may ask for.
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// `?limit=&offset=` of every list endpoint, already bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            limit: DEFAULT_PAGE_SIZE,
            offset: 0,
        }
    }
}

/// `?limit=&offset=` as a client sent them, before [`Page::new`] bounds
/// them.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageQuery {
    /// Page size, 1 to 1000 (default 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1000))]
    pub limit: Option<u32>,
    /// Entries to skip (default 0).
    pub offset: Option<u64>,
}

/// `?customer_id=` of `GET /orders`: only this customer's orders.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CustomerFilter {
    /// Only this customer's orders.
    #[cfg_attr(feature = "openapi", param(value_type = Option<CustomerId>))]
    pub customer_id: Option<String>,
}

impl CustomerFilter {
    /// The checked customer id, if one was given.
    pub fn customer(self) -> Result<Option<CustomerId>, String> {
        self.customer_id.map(CustomerId::parse).transpose()
    }
}

impl Page {
    /// Checks a requested page: a limit of 1 to [`MAX_PAGE_SIZE`].
    pub fn new(limit: Option<u32>, offset: Option<u64>) -> Result<Self, String> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if limit == 0 || limit > MAX_PAGE_SIZE {
            return Err(format!("limit must be from 1 to {MAX_PAGE_SIZE}"));
        }
        let offset = offset.unwrap_or(0);
        if offset > i64::MAX as u64 {
            return Err("offset is too large".into());
        }
        Ok(Self { limit, offset })
    }

    pub fn query(self) -> String {
        format!("limit={}&offset={}", self.limit, self.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_line_names_its_product_one_way() {
        let by_name: OrderLine = serde_json::from_str(r#"{"name":"Tux","quantity":2}"#).unwrap();
        assert_eq!(
            by_name.product,
            ProductRef::Name(ProductName::parse("Tux").unwrap())
        );
        let by_id: OrderLine = serde_json::from_str(r#"{"product_id":7,"quantity":1}"#).unwrap();
        assert_eq!(by_id.product, ProductRef::Id(7));
        for bad in [
            r#"{"quantity":1}"#,
            r#"{"name":"Tux","product_id":7,"quantity":1}"#,
            r#"{"product_id":"7","quantity":1}"#,
            r#"{"product_id":7,"quantity":0}"#,
        ] {
            assert!(serde_json::from_str::<OrderLine>(bad).is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&by_id).unwrap(),
            r#"{"product_id":7,"quantity":1}"#
        );
    }

    #[test]
    fn drafts_refuse_negative_prices_and_huge_stock() {
        let draft = |price: &str, quantity: u32| ProductDraft {
            name: ProductName::parse("Kite").unwrap(),
            price: Money::parse_decimal(price).unwrap(),
            quantity,
            description: None,
        };
        assert!(draft("1.00", 0).validate().is_ok());
        assert!(draft("-1.00", 1).validate().is_err());
        assert!(draft("1.00", Quantity::MAX + 1).validate().is_err());
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(Page::new(None, None).unwrap(), Page::default());
        assert!(Page::new(Some(0), None).is_err());
        assert!(Page::new(Some(MAX_PAGE_SIZE + 1), None).is_err());
        assert_eq!(
            Page::new(Some(5), Some(10)).unwrap().query(),
            "limit=5&offset=10"
        );
    }
}
