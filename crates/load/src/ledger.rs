//! The orders a run was told about, kept so they can be read back and the
//! store's stock balanced after the run. It holds one entry per order (not
//! per sample): a buy is the rare, expensive request.

use std::sync::{Mutex, PoisonError};

use storefront_wire::Data;
use storefront_wire::api::{OrderPlaced, ProductListing};

use crate::user::Answer;
use crate::workload::Customer;

/// One line of an order: product id, name and units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub product_id: i64,
    pub name: String,
    pub quantity: u32,
}

impl Line {
    /// One unit of `product`: what a lab buy and the bookstore's orders ask.
    pub fn one_of(product: &ProductListing) -> Self {
        Self {
            product_id: product.id,
            name: product.name.clone(),
            quantity: 1,
        }
    }
}

/// An order the store acknowledged with a number.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    pub number: u64,
    /// The shop's customer; `None` for a lab buy.
    pub customer: Option<String>,
    /// That customer's secret, to get a token and read the order back
    /// (the tokens used during the run may have expired by then).
    pub secret: Option<String>,
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

    /// Records the answer to a request that places an order (a buy, a
    /// checkout) of `lines` (`None`: not known): acknowledged with its
    /// number; refused (4xx) or never sent, nothing taken; anything else
    /// (no answer, a 5xx, a success without a readable number) unknown, as
    /// it may have taken stock.
    pub fn settle(&self, answer: &Answer, customer: Option<&Customer>, lines: Option<Vec<Line>>) {
        match answer {
            Answer::Reply(r) if (200..300).contains(&r.status) => {
                match serde_json::from_slice::<Data<OrderPlaced>>(&r.body) {
                    Ok(placed) => self.acknowledged(Acknowledged {
                        number: placed.data.order_number,
                        customer: customer.map(|c| c.id.clone()),
                        secret: customer.and_then(|c| c.secret().map(str::to_owned)),
                        lines,
                    }),
                    Err(_) => self.unknown_lines(lines),
                }
            }
            Answer::Reply(r) if (400..500).contains(&r.status) => {}
            Answer::NotSent => {}
            _ => self.unknown_lines(lines),
        }
    }

    fn unknown_lines(&self, lines: Option<Vec<Line>>) {
        match lines {
            Some(lines) => self.unknown(lines),
            None => self.unknown_unlisted(),
        }
    }

    pub fn take(&self) -> Entries {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
