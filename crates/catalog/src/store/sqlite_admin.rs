//! Product administration on SQLite (create, update, delete), applied by
//! the group-commit writer. Ids are never reused and names stay unique.

use rusqlite::{OptionalExtension, Transaction, params};
use storefront_service_kit::sqlite::WriteCommand;
use storefront_wire::shop::ProductDraft;

use super::AdminOutcome;
use super::sqlite_writer::{CatalogWriter, ProductChange};
use crate::Product;

/// Adds a product under a new id.
pub(super) struct Create(pub ProductDraft);

impl WriteCommand<CatalogWriter> for Create {
    type Output = AdminOutcome;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut CatalogWriter,
        changes: &mut Vec<ProductChange>,
    ) -> rusqlite::Result<AdminOutcome> {
        create(tx, &self.0, changes)
    }
}

/// Replaces a product's fields.
pub(super) struct Update {
    pub id: i64,
    pub draft: ProductDraft,
}

impl WriteCommand<CatalogWriter> for Update {
    type Output = AdminOutcome;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut CatalogWriter,
        changes: &mut Vec<ProductChange>,
    ) -> rusqlite::Result<AdminOutcome> {
        update(tx, self.id, &self.draft, changes)
    }
}

/// Removes a product; its id stays used.
pub(super) struct Delete {
    pub id: i64,
}

impl WriteCommand<CatalogWriter> for Delete {
    /// Whether there was such a product.
    type Output = bool;

    fn apply(
        &self,
        tx: &Transaction<'_>,
        _: &mut CatalogWriter,
        changes: &mut Vec<ProductChange>,
    ) -> rusqlite::Result<bool> {
        delete(tx, self.id, changes)
    }
}

fn name_taken(tx: &Transaction<'_>, name: &str, except: Option<i64>) -> rusqlite::Result<bool> {
    let owner: Option<i64> = tx
        .prepare_cached("SELECT id FROM products WHERE name = ?")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    Ok(owner.is_some_and(|id| Some(id) != except))
}

fn create(
    tx: &Transaction<'_>,
    draft: &ProductDraft,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<AdminOutcome> {
    if name_taken(tx, draft.name.as_str(), None)? {
        return Ok(AdminOutcome::DuplicateName);
    }
    // Ids are never reused: a cart or order naming a deleted product's id
    // must not come to mean a new product.
    let id: i64 = tx.query_row(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM products), 0),
                    COALESCE((SELECT CAST(value AS INTEGER) FROM catalog_meta
                              WHERE key = 'last_product_id'), 0)) + 1",
        [],
        |r| r.get(0),
    )?;
    tx.prepare_cached(
        "INSERT INTO products (id, name, price_cents, quantity, description) VALUES (?, ?, ?, ?, ?)",
    )?
    .execute(params![
        id,
        draft.name.as_str(),
        draft.price.cents(),
        i64::from(draft.quantity),
        draft.description
    ])?;
    remember_last_id(tx, id)?;
    let product = product_from(id, draft);
    changes.push(ProductChange::Upsert(product.clone()));
    Ok(AdminOutcome::Done(product))
}

fn update(
    tx: &Transaction<'_>,
    id: i64,
    draft: &ProductDraft,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<AdminOutcome> {
    if name_taken(tx, draft.name.as_str(), Some(id))? {
        return Ok(AdminOutcome::DuplicateName);
    }
    let updated = tx
        .prepare_cached(
            "UPDATE products SET name = ?, price_cents = ?, quantity = ?, description = ?
             WHERE id = ?",
        )?
        .execute(params![
            draft.name.as_str(),
            draft.price.cents(),
            i64::from(draft.quantity),
            draft.description,
            id
        ])?;
    if updated == 0 {
        return Ok(AdminOutcome::NotFound);
    }
    let product = product_from(id, draft);
    changes.push(ProductChange::Upsert(product.clone()));
    Ok(AdminOutcome::Done(product))
}

fn delete(
    tx: &Transaction<'_>,
    id: i64,
    changes: &mut Vec<ProductChange>,
) -> rusqlite::Result<bool> {
    let deleted = tx
        .prepare_cached("DELETE FROM products WHERE id = ?")?
        .execute([id])?;
    if deleted == 0 {
        return Ok(false);
    }
    remember_last_id(tx, id)?;
    changes.push(ProductChange::Removed(id));
    Ok(true)
}

fn remember_last_id(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO catalog_meta (key, value) VALUES ('last_product_id', ?1)
         ON CONFLICT (key) DO UPDATE
         SET value = MAX(CAST(value AS INTEGER), CAST(?1 AS INTEGER))",
    )?
    .execute([id])?;
    Ok(())
}

fn product_from(id: i64, draft: &ProductDraft) -> Product {
    Product {
        id,
        name: draft.name.as_str().to_owned(),
        price_cents: draft.price.cents(),
        quantity: i64::from(draft.quantity),
        description: draft.description.clone(),
    }
}
