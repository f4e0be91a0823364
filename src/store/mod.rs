//! Storage: an ordered key-value engine behind a small trait, and the graph
//! laid out on top of it (records, packed adjacency, indexes).
//!
//! Everything lives in one keyspace, each kind of key marked by a leading tag
//! byte (`keys.rs`), so that one atomic batch commits a whole statement.

pub mod adjacency;
pub mod adjacency_unpacked;
pub mod block;
pub mod block_cache;
pub mod bucket;
pub mod catalog;
pub mod check;
mod check_chunks;
pub mod codec;
pub mod compress;
pub mod epoch;
pub mod graph;
pub mod index;
pub mod keys;
pub mod link_chunks;
pub mod link_columns;
pub mod manifest;
#[cfg(test)]
mod manifest_tests;
pub mod memory;
pub mod overlay;
pub mod sled_store;
pub mod varint;

use std::fmt;

pub use graph::{Graph, NodeRecord, RelRecord};
pub use overlay::{Overlay, View};

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// Another process holds the database.
    Locked(String),
    /// The files or a record are damaged.
    Corrupt(String),
    /// Written by a newer or unknown format version.
    Format(String),
    Io(String),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Locked(m)
            | StorageError::Corrupt(m)
            | StorageError::Format(m)
            | StorageError::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for StorageError {}

impl StorageError {
    /// The detail code the CLI prints after the message.
    pub fn code(&self) -> &'static str {
        match self {
            StorageError::Locked(_) => "DatabaseLocked",
            StorageError::Corrupt(_) => "Corrupted",
            StorageError::Format(_) => "UnsupportedFormat",
            StorageError::Io(_) => "IoError",
        }
    }

    /// `error[StorageError]: message (Code)`, as the CLI prints it.
    pub fn headline(&self) -> String {
        crate::error::Error::from(self.clone()).headline()
    }
}

impl From<StorageError> for crate::error::Error {
    fn from(e: StorageError) -> Self {
        let code = e.code();
        crate::error::Error {
            code,
            ..crate::error::Error::storage(e.to_string())
        }
    }
}

pub type KvPair = (Vec<u8>, Vec<u8>);
pub type KvIter<'a> = Box<dyn Iterator<Item = Result<KvPair, StorageError>> + 'a>;

/// One atomic write: puts (`Some`) and deletes (`None`), applied all or none.
pub type Batch = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// The contract every engine keeps:
/// - `scan(start, end)` (`scan_rev`: descending) yields keys in ascending byte order, `start`
///   inclusive, `end` exclusive (`None`: to the end of the keyspace);
/// - `apply` makes the whole batch visible at once and durable before it
///   returns: after a crash either all of it or none of it is there.
pub trait KvStore: Send + Sync {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;
    fn scan<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> KvIter<'a>;
    /// As `scan`, in descending key order.
    fn scan_rev<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> KvIter<'a>;
    fn apply(&self, batch: Batch) -> Result<(), StorageError>;
    /// Writes the parts of a bulk load, whose keys each appear in one part
    /// only, stopping at the first error. Every part but the last may be
    /// written in any order and key by key, so an engine may write several
    /// at once (the sled store does, on two threads); the last is written
    /// as `apply` would, once all the others are durable. A crash before it
    /// may leave any subset of the other parts' keys, which the caller
    /// must be able to undo (`Graph::commit_load` writes a marker first).
    fn apply_parts(&self, parts: &mut dyn Iterator<Item = Batch>) -> Result<(), StorageError> {
        for part in parts {
            self.apply(part)?;
        }
        Ok(())
    }
    /// Bytes the database takes on disk (0 in memory).
    fn size_on_disk(&self) -> u64;
    /// Gives back to the file system space that large writes left
    /// allocated but no longer use, where the engine can, moving live
    /// data together to free it (and leaving it as durable as a commit);
    /// a bulk load calls it once its records are durable.
    fn reclaim(&mut self) -> Result<(), StorageError> {
        Ok(())
    }
    /// The directory of the engine's files, where the manifest
    /// (`manifest.rs`) is kept; `None` for an engine that keeps no files.
    fn dir(&self) -> Option<&std::path::Path> {
        None
    }
}

/// The smallest key greater than every key that starts with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(&[1, 2]), Some(vec![1, 3]));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
    }
}
