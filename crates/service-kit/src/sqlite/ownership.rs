//! One process owns a database file. A store's in-memory state (the
//! catalog's product copy, the next order number) is only right while no
//! other process writes the same file, so a second owner is refused at start
//! with a clear message. The lock is an OS file lock: it goes away with the
//! process, even after `kill -9`.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    #[error("{0} is in use by another storefront process (one process owns each database)")]
    InUse(PathBuf),
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held for as long as the store is open.
#[derive(Debug)]
pub struct OwnershipLock {
    _file: File,
}

impl OwnershipLock {
    /// Takes the exclusive lock `<database>.lock` beside the database.
    pub fn acquire(database: &Path) -> Result<Self, OwnershipError> {
        let mut name = database.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| OwnershipError::Io {
                path: path.clone(),
                source,
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| OwnershipError::Io {
                path: path.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(OwnershipError::InUse(database.to_owned())),
            Err(TryLockError::Error(source)) => Err(OwnershipError::Io { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_owner_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("orders.db");
        let first = OwnershipLock::acquire(&db).unwrap();
        let second = OwnershipLock::acquire(&db).unwrap_err();
        assert!(second.to_string().contains("in use by another"), "{second}");
        drop(first);
        OwnershipLock::acquire(&db).unwrap();
    }
}
