//! The products a new catalog starts with: a JSON list the user can replace
//! (`catalog.seed_file`), or the built-in toys.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use storefront_wire::{Money, ProductName};

const BUILT_IN: &str = include_str!("../seed/products.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProduct {
    pub name: ProductName,
    pub price: Money,
    pub quantity: u32,
    #[serde(default)]
    pub description: Option<String>,
}

/// Reads a seed file, or the built-in list when `path` is `None`.
pub fn load(path: Option<&Path>) -> Result<Vec<SeedProduct>, String> {
    let (origin, text) = match path {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        ),
        None => ("built-in seed".to_owned(), BUILT_IN.to_owned()),
    };
    parse(&text).map_err(|e| format!("{origin}: {e}"))
}

fn parse(text: &str) -> Result<Vec<SeedProduct>, String> {
    let products: Vec<SeedProduct> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut seen = HashSet::new();
    for product in &products {
        if product.price.cents() < 0 {
            return Err(format!("{}: price must not be negative", product.name));
        }
        if !seen.insert(product.name.as_str()) {
            return Err(format!("{}: listed twice", product.name));
        }
    }
    Ok(products)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_seed_has_at_least_ten_toys_with_a_hundred_each() {
        let products = load(None).unwrap();
        assert!(products.len() >= 10);
        assert!(products.iter().all(|p| p.quantity == 100));
        let tux = products.iter().find(|p| p.name.as_str() == "Tux").unwrap();
        assert_eq!(tux.price.cents(), 1599);
    }

    #[test]
    fn refuses_duplicates_negative_prices_and_bad_names() {
        assert!(
            parse(r#"[{"name":"A","price":1,"quantity":1},{"name":"A","price":1,"quantity":1}]"#)
                .is_err()
        );
        assert!(parse(r#"[{"name":"A","price":-1,"quantity":1}]"#).is_err());
        assert!(parse(r#"[{"name":"","price":1,"quantity":1}]"#).is_err());
        assert!(parse(r#"[{"name":"A","price":1.999,"quantity":1}]"#).is_err());
        assert!(parse(r#"[{"name":"A","price":1,"quantity":-1}]"#).is_err());
    }
}
