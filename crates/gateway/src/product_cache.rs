//! An optional copy of the catalog's products inside the gateway
//! (`gateway.product_cache = true`), so a query (by name or by id) or the
//! product list needs no second hop.
//!
//! A subscriber long-polls the catalog's `/product-changes`: the catalog
//! answers as soon as a commit changed stock, so the copy trails the catalog
//! by the time one reply takes to arrive. While the subscription is broken
//! (the catalog is down or restarting) the copy is dropped and queries go to
//! the catalog as without a cache. The copy only answers queries; buys always
//! go through the catalog's guarded stock update, so a stale copy can make a
//! client try a buy that is refused, never oversell.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use storefront_wire::CatalogClient;
use storefront_wire::internal::{CatalogProduct, ProductChanges};
use tokio_util::sync::CancellationToken;

/// How long the catalog holds each long poll open.
const POLL_WAIT: Duration = Duration::from_secs(15);
const FIRST_RETRY: Duration = Duration::from_millis(50);
const LAST_RETRY: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Copy {
    products: Vec<CatalogProduct>,
    by_name: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
}

/// The gateway's copy; `None` while it cannot be trusted.
pub struct ProductCache {
    copy: RwLock<Option<Copy>>,
}

impl ProductCache {
    /// Starts the subscriber against the catalog at `catalog_url`.
    pub fn spawn(catalog_url: &str, shutdown: CancellationToken) -> Arc<Self> {
        let cache = Arc::new(Self {
            copy: RwLock::new(None),
        });
        let client = CatalogClient::new(catalog_url, POLL_WAIT + Duration::from_secs(5));
        tokio::spawn(subscribe(Arc::clone(&cache), client, shutdown));
        cache
    }

    /// `None` if the copy cannot answer now; `Some(None)` for no such product.
    pub fn product(&self, name: &str) -> Option<Option<CatalogProduct>> {
        self.find(|copy| copy.by_name.get(name).copied())
    }

    /// The same, by id.
    pub fn product_by_id(&self, id: i64) -> Option<Option<CatalogProduct>> {
        self.find(|copy| copy.by_id.get(&id).copied())
    }

    fn find(&self, index: impl Fn(&Copy) -> Option<usize>) -> Option<Option<CatalogProduct>> {
        let copy = self.copy.read().unwrap_or_else(|e| e.into_inner());
        let copy = copy.as_ref()?;
        Some(index(copy).map(|i| copy.products[i].clone()))
    }

    /// Every product, or `None` if the copy cannot answer now.
    pub fn products(&self) -> Option<Vec<CatalogProduct>> {
        let copy = self.copy.read().unwrap_or_else(|e| e.into_inner());
        copy.as_ref().map(|c| c.products.clone())
    }

    fn install(&self, changes: ProductChanges) {
        let mut by_name = HashMap::with_capacity(changes.products.len());
        let mut by_id = HashMap::with_capacity(changes.products.len());
        for (i, p) in changes.products.iter().enumerate() {
            by_name.insert(p.name.clone(), i);
            by_id.insert(p.id, i);
        }
        let copy = Copy {
            products: changes.products,
            by_name,
            by_id,
        };
        *self.copy.write().unwrap_or_else(|e| e.into_inner()) = Some(copy);
    }

    fn drop_copy(&self) {
        *self.copy.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

async fn subscribe(cache: Arc<ProductCache>, client: CatalogClient, shutdown: CancellationToken) {
    let mut since: Option<(String, u64)> = None;
    let mut retry = FIRST_RETRY;
    loop {
        let poll = client.product_changes(since.as_ref().map(|(e, v)| (e.as_str(), *v)), POLL_WAIT);
        let result = tokio::select! {
            result = poll => result,
            () = shutdown.cancelled() => return,
        };
        match result {
            Ok(changes) => {
                since = Some((changes.epoch.clone(), changes.version));
                cache.install(changes);
                retry = FIRST_RETRY;
            }
            Err(e) => {
                if since.take().is_some() {
                    tracing::warn!(error = %e, "product cache lost the catalog; queries go to the catalog");
                }
                cache.drop_copy();
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    () = shutdown.cancelled() => return,
                }
                retry = (retry * 2).min(LAST_RETRY);
            }
        }
    }
}
