//! The SQLite catalog's writer: what it owns besides its connection (the
//! in-memory product snapshot and the change version) and how a committed
//! batch is mirrored there. Its commands live by job: stock reservations in
//! [`super::sqlite_stock`], product administration in [`super::sqlite_admin`].

use std::sync::{Arc, RwLock};

use storefront_service_kit::sqlite::WriterState;
use tokio::sync::watch;

pub(super) use super::snapshot::ProductChange;
use super::snapshot::Snapshot;

pub(super) struct CatalogWriter {
    snapshot: Arc<RwLock<Snapshot>>,
    versions: Arc<watch::Sender<u64>>,
}

impl CatalogWriter {
    pub(super) fn new(snapshot: Arc<RwLock<Snapshot>>, versions: Arc<watch::Sender<u64>>) -> Self {
        Self { snapshot, versions }
    }
}

impl WriterState for CatalogWriter {
    type Effects = Vec<ProductChange>;

    fn after_commit(&mut self, changes: Vec<ProductChange>) {
        if changes.is_empty() {
            return;
        }
        {
            let mut snapshot = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
            for change in changes {
                snapshot.apply(change);
            }
        }
        // After the snapshot: whoever wakes on the new version reads new data.
        self.versions.send_modify(|version| *version += 1);
    }
}
