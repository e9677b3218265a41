//! The orders a run was told about, kept so they can be read back and the
//! store's stock balanced after the run. It holds one entry per order (not
//! per sample): a buy is the rare, expensive request.

use std::sync::{Mutex, PoisonError};

/// One line of an order: product id, name and units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub product_id: i64,
    pub name: String,
    pub quantity: u32,
}

/// An order the store acknowledged with a number.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub number: u64,
    /// The shop's customer; `None` for a lab buy.
    pub customer: Option<String>,
    /// What the order should contain; `None` when the cart could not be
    /// read just before checkout, so only the number can be checked.
    pub lines: Option<Vec<Line>>,
}

#[derive(Debug, Default)]
pub struct Entries {
    pub acknowledged: Vec<Acknowledged>,
    /// Buys or checkouts that got no answer (timeout, lost connection, 5xx):
    /// they may or may not have taken stock.
    pub unknown: Vec<Line>,
    /// Checkouts with an unknown outcome whose cart could not be read:
    /// any product may have lost stock to them.
    pub unknown_unlisted: u64,
}

#[derive(Debug, Default)]
pub struct Ledger {
    entries: Mutex<Entries>,
}

impl Ledger {
    pub fn acknowledged(&self, order: Acknowledged) {
        self.lock().acknowledged.push(order);
    }

    pub fn unknown(&self, lines: impl IntoIterator<Item = Line>) {
        self.lock().unknown.extend(lines);
    }

    pub fn unknown_unlisted(&self) {
        self.lock().unknown_unlisted += 1;
    }

    pub fn take(&self) -> Entries {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
