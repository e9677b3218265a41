//! What the cache holds: one copy of the catalog's product list, and the
//! fences that writes through this gateway put on it. Plain data and rules,
//! no I/O and no clock: callers pass the instants in, so the rules are
//! tested directly.

use std::collections::HashMap;
use std::time::Instant;

use storefront_wire::internal::{CatalogProduct, ProductChanges};

/// The product list at one catalog version.
pub(super) struct Copy {
    epoch: String,
    version: u64,
    /// When the request for this list (or for one no newer) was sent: every
    /// write acknowledged before this instant is in the copy.
    pub(super) asked: Instant,
    pub(super) products: Vec<CatalogProduct>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
}

impl Copy {
    fn new(changes: ProductChanges, asked: Instant) -> Self {
        let mut by_name = HashMap::with_capacity(changes.products.len());
        let mut by_id = HashMap::with_capacity(changes.products.len());
        for (i, p) in changes.products.iter().enumerate() {
            by_name.insert(p.name.clone(), i);
            by_id.insert(p.id, i);
        }
        Self {
            epoch: changes.epoch,
            version: changes.version,
            asked,
            products: changes.products,
            by_name,
            by_id,
        }
    }

    /// Puts `changes`, asked for at `asked`, over `current`.
    ///
    /// An older version never replaces a newer one. (Replies come one at a
    /// time from one subscription today, so they arrive in order; the rule
    /// keeps the copy right if another fetcher is ever added.) The catalog
    /// moves its version before it acknowledges a write, so a list of version
    /// V holds every write acknowledged before any request that was answered
    /// with a version up to V: the newer list inherits the later `asked`.
    pub(super) fn install(current: &mut Option<Copy>, changes: ProductChanges, asked: Instant) {
        if let Some(copy) = current
            && copy.epoch == changes.epoch
        {
            copy.asked = copy.asked.max(asked);
            if changes.version > copy.version {
                let asked = copy.asked;
                *copy = Copy::new(changes, asked);
            }
            return;
        }
        // A first copy, or a catalog that restarted (its versions start over).
        *current = Some(Copy::new(changes, asked));
    }

    pub(super) fn by_name(&self, name: &str) -> Option<&CatalogProduct> {
        self.by_name.get(name).map(|&i| &self.products[i])
    }

    pub(super) fn by_id(&self, id: i64) -> Option<&CatalogProduct> {
        self.by_id.get(&id).map(|&i| &self.products[i])
    }
}

/// Writes this gateway relayed and the copy has not caught up with yet:
/// each is the instant the write's reply reached the gateway. A copy may
/// answer for a product only if it was asked for after every fence on that
/// product, so a client always sees its own buy or change in its next query
/// through the same gateway (read-your-writes).
#[derive(Default)]
pub(super) struct Fences {
    names: HashMap<String, Instant>,
    ids: HashMap<i64, Instant>,
    /// A write whose products the gateway does not know (a checkout).
    everything: Option<Instant>,
    /// The latest fence of any kind: the whole list must be newer.
    latest: Option<Instant>,
}

impl Fences {
    pub(super) fn name(&mut self, name: &str, at: Instant) {
        self.names.insert(name.to_owned(), at);
        self.moved(at);
    }

    pub(super) fn id(&mut self, id: i64, at: Instant) {
        self.ids.insert(id, at);
        self.moved(at);
    }

    pub(super) fn everything(&mut self, at: Instant) {
        self.everything = Some(at);
        self.moved(at);
    }

    fn moved(&mut self, at: Instant) {
        self.latest = Some(self.latest.map_or(at, |latest| latest.max(at)));
    }

    /// Whether a copy asked for at `asked` may answer for the product known
    /// by `name` and/or `id` (both, when the copy has it: a rename or a
    /// delete fences the id, a create fences the new name).
    pub(super) fn allow(&self, asked: Instant, name: Option<&str>, id: Option<i64>) -> bool {
        let before = |fence: Option<&Instant>| fence.is_none_or(|&at| at < asked);
        self.allow_all(asked)
            || (before(self.everything.as_ref())
                && before(name.and_then(|n| self.names.get(n)))
                && before(id.and_then(|i| self.ids.get(&i))))
    }

    /// Whether a copy asked for at `asked` may answer for every product.
    pub(super) fn allow_all(&self, asked: Instant) -> bool {
        self.latest.is_none_or(|at| at < asked)
    }

    /// Forgets the fences a copy asked for at `asked` has passed.
    pub(super) fn lift(&mut self, asked: Instant) {
        if self.allow_all(asked) {
            *self = Fences::default();
            return;
        }
        self.names.retain(|_, at| *at >= asked);
        self.ids.retain(|_, at| *at >= asked);
        self.everything = self.everything.filter(|at| *at >= asked);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn tux(quantity: i64) -> CatalogProduct {
        CatalogProduct {
            id: 1,
            name: "Tux".into(),
            price_cents: 1599,
            quantity,
            description: None,
        }
    }

    fn changes(epoch: &str, version: u64, quantity: i64) -> ProductChanges {
        ProductChanges {
            epoch: epoch.into(),
            version,
            products: vec![tux(quantity)],
        }
    }

    fn at(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one_but_lends_its_later_request() {
        let t = Instant::now();
        let mut copy = None;
        Copy::install(&mut copy, changes("a", 5, 90), at(t, 1));
        Copy::install(&mut copy, changes("a", 4, 95), at(t, 3));
        let c = copy.as_ref().unwrap();
        assert_eq!(c.by_name("Tux").unwrap().quantity, 90);
        assert_eq!(c.asked, at(t, 3));
        Copy::install(&mut copy, changes("a", 6, 80), at(t, 2));
        let c = copy.as_ref().unwrap();
        assert_eq!(c.by_id(1).unwrap().quantity, 80);
        assert_eq!(c.asked, at(t, 3), "a newer list keeps the later request");
    }

    #[test]
    fn a_new_epoch_replaces_the_copy_whatever_its_version() {
        let t = Instant::now();
        let mut copy = None;
        Copy::install(&mut copy, changes("a", 50, 90), at(t, 5));
        Copy::install(&mut copy, changes("b", 1, 100), at(t, 2));
        let c = copy.as_ref().unwrap();
        assert_eq!(c.by_name("Tux").unwrap().quantity, 100);
        assert_eq!(c.asked, at(t, 2));
    }

    #[test]
    fn a_fence_holds_back_only_copies_asked_for_before_it() {
        let t = Instant::now();
        let mut fences = Fences::default();
        assert!(fences.allow_all(t));
        fences.name("Tux", at(t, 10));
        assert!(!fences.allow(at(t, 5), Some("Tux"), Some(1)));
        assert!(
            !fences.allow(at(t, 10), Some("Tux"), Some(1)),
            "same instant"
        );
        assert!(fences.allow(at(t, 11), Some("Tux"), Some(1)));
        assert!(
            fences.allow(at(t, 5), Some("Duck"), Some(2)),
            "other products"
        );
        assert!(!fences.allow_all(at(t, 5)), "the list shows Tux too");
    }

    #[test]
    fn an_id_fence_holds_back_the_product_under_any_name() {
        let t = Instant::now();
        let mut fences = Fences::default();
        fences.id(1, at(t, 10));
        assert!(!fences.allow(at(t, 5), Some("Tux"), Some(1)));
        assert!(
            fences.allow(at(t, 5), Some("Tux"), None),
            "a name no longer in the copy"
        );
    }

    #[test]
    fn a_fence_on_everything_holds_back_every_product() {
        let t = Instant::now();
        let mut fences = Fences::default();
        fences.everything(at(t, 10));
        assert!(!fences.allow(at(t, 5), Some("Duck"), Some(2)));
        assert!(!fences.allow(at(t, 5), Some("Unicorn"), None));
    }

    #[test]
    fn lifting_forgets_only_the_fences_passed() {
        let t = Instant::now();
        let mut fences = Fences::default();
        fences.name("Tux", at(t, 10));
        fences.id(2, at(t, 20));
        fences.everything(at(t, 15));
        fences.lift(at(t, 16));
        assert!(fences.names.is_empty() && fences.everything.is_none());
        assert!(fences.allow(at(t, 17), Some("Tux"), Some(1)));
        assert!(!fences.allow(at(t, 17), Some("Duck"), Some(2)));
        fences.lift(at(t, 21));
        assert!(fences.latest.is_none() && fences.ids.is_empty());
    }
}
