//! The product table in memory, by id and by name: the SQLite catalog's
//! copy of its own file, and each PostgreSQL replica's copy of the shared
//! table ([`super::postgres_mirror`]). Whoever keeps one changes it only with
//! committed data, so a read from it never shows what is not durable.

use std::collections::{BTreeMap, HashMap};

use storefront_wire::shop::Page;

use crate::Product;

/// A committed change to mirror in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ProductChange {
    Stock { id: i64, quantity: i64 },
    Upsert(Product),
    Removed(i64),
}

/// Committed products, by id and by name.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
    by_id: BTreeMap<i64, Product>,
    by_name: HashMap<String, i64>,
}

impl Snapshot {
    pub(super) fn new(products: Vec<Product>) -> Self {
        let mut snapshot = Self::default();
        for product in products {
            snapshot.apply(ProductChange::Upsert(product));
        }
        snapshot
    }

    pub(super) fn apply(&mut self, change: ProductChange) {
        match change {
            ProductChange::Stock { id, quantity } => {
                if let Some(product) = self.by_id.get_mut(&id) {
                    product.quantity = quantity;
                }
            }
            ProductChange::Upsert(product) => {
                // The old name is freed only if it still means this product:
                // another may have taken it over in a change applied first.
                if let Some(old) = self.by_id.get(&product.id)
                    && self.by_name.get(&old.name) == Some(&product.id)
                {
                    self.by_name.remove(&old.name);
                }
                self.by_name.insert(product.name.clone(), product.id);
                self.by_id.insert(product.id, product);
            }
            ProductChange::Removed(id) => {
                if let Some(old) = self.by_id.remove(&id)
                    && self.by_name.get(&old.name) == Some(&id)
                {
                    self.by_name.remove(&old.name);
                }
            }
        }
    }

    /// One page of products, by id.
    pub(super) fn page(&self, page: Page) -> Vec<Product> {
        self.by_id
            .values()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(page.limit as usize)
            .cloned()
            .collect()
    }

    pub(super) fn by_name(&self, name: &str) -> Option<Product> {
        self.by_name
            .get(name)
            .and_then(|id| self.by_id.get(id))
            .cloned()
    }

    pub(super) fn by_id(&self, id: i64) -> Option<Product> {
        self.by_id.get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, name: &str, quantity: i64) -> Product {
        Product {
            id,
            name: name.to_owned(),
            price_cents: 100,
            quantity,
            description: None,
        }
    }

    #[test]
    fn changes_keep_both_indexes_in_step() {
        let mut copy = Snapshot::new(vec![product(1, "Tux", 5), product(2, "Whale", 7)]);
        copy.apply(ProductChange::Stock { id: 1, quantity: 4 });
        assert_eq!(copy.by_name("Tux").unwrap().quantity, 4);
        // Renamed: the old name is free, the new one finds it.
        copy.apply(ProductChange::Upsert(product(2, "Orca", 7)));
        assert!(copy.by_name("Whale").is_none());
        assert_eq!(copy.by_name("Orca").unwrap().id, 2);
        copy.apply(ProductChange::Removed(1));
        assert!(copy.by_id(1).is_none() && copy.by_name("Tux").is_none());
        assert_eq!(copy.page(Page::default()), vec![product(2, "Orca", 7)]);
    }

    #[test]
    fn a_name_taken_over_is_not_lost_whatever_order_the_changes_come_in() {
        // Product 3 took the name "Tux" from product 1, and the copy hears of
        // product 3 first (a refresh applies rows in id order, not commit
        // order): product 1's rename or removal must not free "Tux".
        let mut copy = Snapshot::new(vec![product(1, "Tux", 5)]);
        copy.apply(ProductChange::Upsert(product(3, "Tux", 2)));
        copy.apply(ProductChange::Upsert(product(1, "Old Tux", 5)));
        assert_eq!(copy.by_name("Tux").unwrap().id, 3);
        assert_eq!(copy.by_name("Old Tux").unwrap().id, 1);
        copy.apply(ProductChange::Removed(1));
        assert_eq!(copy.by_name("Tux").unwrap().id, 3);
    }
}
