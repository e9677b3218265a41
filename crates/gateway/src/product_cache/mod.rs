//! The gateway's copy of the catalog's products (on unless
//! `gateway.product_cache = false`), so a query (by name or by id) or the
//! product list needs no second hop.
//!
//! - **Kept current by a long poll** ([`subscription`]): the catalog answers
//!   `/product-changes` as soon as a commit changed a product, so the copy
//!   trails the catalog by the time one reply takes to arrive. That is how a
//!   gateway learns of writes made through other gateways (or psql).
//! - **Read-your-writes through this gateway**: a buy, a checkout or an
//!   admin change relayed here puts a fence on the products it touched
//!   before its reply leaves ([`ProductCache::wrote`]). Until a copy asked
//!   for after that instant arrives, queries of those products go to the
//!   catalog (`Cache-Status: fwd=stale`), and the subscription asks for one
//!   at once. So a client's next query always shows its own write.
//! - **Never trusted for buys**: buys go through the catalog's guarded stock
//!   update, so a stale copy can make a client try a buy that is refused,
//!   never oversell.
//! - **Dropped while the catalog is unreachable**: queries then go to the
//!   catalog as without a cache, and answer 503 rather than old data.

mod copy;
mod subscription;

use std::sync::{Arc, RwLock};
use std::time::Instant;

use storefront_wire::internal::{CatalogProduct, ProductChanges};
use storefront_wire::shop::ProductRef;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use copy::{Copy, Fences};

/// What the copy says about a query.
#[derive(Debug, PartialEq)]
pub enum Lookup<T> {
    /// The copy answers: for one product, `None` is "no such product".
    Hit(T),
    /// A write through this gateway touched it and the copy has not caught
    /// up yet: ask the catalog.
    Stale,
    /// No copy now (not filled yet, or the catalog is unreachable).
    Miss,
}

/// The copy and its fences, changed under one lock.
#[derive(Default)]
struct State {
    copy: Option<Copy>,
    fences: Fences,
}

/// A product a write touched, as the write named it.
#[derive(Debug, Clone, Copy)]
pub enum Touched<'a> {
    Name(&'a str),
    Id(i64),
}

pub struct ProductCache {
    state: RwLock<State>,
    /// Wakes the subscription when a write sets a fence.
    fenced: Notify,
}

impl ProductCache {
    /// Starts following the catalog at `catalog_url`.
    pub fn spawn(catalog_url: &str, shutdown: CancellationToken) -> Arc<Self> {
        let cache = Arc::new(Self {
            state: RwLock::default(),
            fenced: Notify::new(),
        });
        subscription::start(&cache, catalog_url, shutdown);
        cache
    }

    /// One product by name.
    pub fn product(&self, name: &str) -> Lookup<Option<CatalogProduct>> {
        self.find(Touched::Name(name), |copy| copy.by_name(name))
    }

    /// One product by id.
    pub fn product_by_id(&self, id: i64) -> Lookup<Option<CatalogProduct>> {
        self.find(Touched::Id(id), |copy| copy.by_id(id))
    }

    fn find(
        &self,
        asked_for: Touched<'_>,
        index: impl Fn(&Copy) -> Option<&CatalogProduct>,
    ) -> Lookup<Option<CatalogProduct>> {
        let state = self.read();
        let Some(copy) = &state.copy else {
            return Lookup::Miss;
        };
        let found = index(copy);
        // Fenced under the name or id it was asked by, and under the other
        // one the copy knows it by (a rename or a delete fences the id).
        let (name, id) = match asked_for {
            Touched::Name(name) => (Some(name), found.map(|p| p.id)),
            Touched::Id(id) => (found.map(|p| p.name.as_str()), Some(id)),
        };
        if state.fences.allow(copy.asked, name, id) {
            Lookup::Hit(found.cloned())
        } else {
            Lookup::Stale
        }
    }

    /// A page of the product list, in id order: `limit` products after the
    /// first `offset` (only the page is copied out).
    pub fn page(&self, offset: usize, limit: usize) -> Lookup<Vec<CatalogProduct>> {
        let state = self.read();
        match &state.copy {
            None => Lookup::Miss,
            Some(copy) if state.fences.allow_all(copy.asked) => Lookup::Hit(
                copy.products
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .cloned()
                    .collect(),
            ),
            Some(_) => Lookup::Stale,
        }
    }

    /// A write touching `products` was answered: hold them back until a
    /// copy asked for from now on arrives.
    pub fn wrote<'a>(&self, products: impl IntoIterator<Item = Touched<'a>>) {
        let now = Instant::now();
        {
            let mut state = self.write();
            for product in products {
                match product {
                    Touched::Name(name) => state.fences.name(name, now),
                    Touched::Id(id) => state.fences.id(id, now),
                }
            }
        }
        self.fenced.notify_one();
    }

    /// A write that may have touched any product (a checkout: the gateway
    /// relays it without reading the cart) was answered.
    pub fn wrote_anything(&self) {
        self.write().fences.everything(Instant::now());
        self.fenced.notify_one();
    }

    /// Whether a write answered after the copy was asked for still holds
    /// something back, so the subscription must ask again at once.
    fn behind(&self) -> bool {
        let state = self.read();
        state
            .copy
            .as_ref()
            .is_some_and(|copy| !state.fences.allow_all(copy.asked))
    }

    fn install(&self, changes: ProductChanges, asked: Instant) {
        let mut state = self.write();
        let State { copy, fences } = &mut *state;
        Copy::install(copy, changes, asked);
        if let Some(copy) = copy {
            fences.lift(copy.asked);
        }
    }

    fn drop_copy(&self) {
        self.write().copy = None;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl<'a> Touched<'a> {
    /// What an order line names.
    pub fn line(product: &'a ProductRef) -> Self {
        match product {
            ProductRef::Name(name) => Touched::Name(name.as_str()),
            ProductRef::Id(id) => Touched::Id(*id),
        }
    }
}
