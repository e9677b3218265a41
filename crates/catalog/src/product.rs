//! A product as the catalog stores it.

use storefront_wire::internal::CatalogProduct;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub quantity: i64,
    pub description: Option<String>,
}

impl From<Product> for CatalogProduct {
    fn from(p: Product) -> Self {
        CatalogProduct {
            id: p.id,
            name: p.name,
            price_cents: p.price_cents,
            quantity: p.quantity,
            description: p.description,
        }
    }
}
