//! The sled engine: one default tree, one `apply_batch` plus `flush` per
//! commit (sled's own timer would leave up to 500 ms of acknowledged writes
//! in memory), and sled's failure modes turned into clear errors.

use super::{compress, Batch, KvIter, KvStore, StorageError};
use std::path::{Path, PathBuf};

/// sled may use several times this in RAM (PITFALLS.md), so it stays modest.
const CACHE_BYTES: u64 = 64 << 20;

pub struct SledStore {
    db: sled::Db,
    path: PathBuf,
}

impl SledStore {
    pub fn open(path: &Path) -> Result<SledStore, StorageError> {
        let shown = path.display().to_string();
        std::fs::create_dir_all(path).map_err(|e| {
            StorageError::Io(format!("cannot create database directory {shown}: {e}"))
        })?;
        let config = |compress: bool| {
            sled::Config::new()
                .path(path)
                .cache_capacity(CACHE_BYTES)
                // Values are compressed here (`compress.rs`), not by sled:
                // sled makes a zstd context for every page it writes.
                // Format 3 used sled's compression; such a database opens
                // with it only to report its format.
                .use_compression(compress)
                .compression_factor(1)
                .flush_every_ms(None)
        };
        // sled 0.34 panics on some damaged files instead of returning an error.
        let open = |compress: bool| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config(compress).open()))
        };
        let mut opened = open(false);
        // A handle dropped a moment ago in this process can hold the file
        // lock until sled's flusher thread lets go (sled#1289): wait a
        // little before calling the database in use.
        for _ in 0..LOCK_RETRIES {
            match &opened {
                Ok(Err(e)) if matches!(open_error(&shown, e.clone()), StorageError::Locked(_)) => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    opened = open(false);
                }
                _ => break,
            }
        }
        if let Ok(Err(sled::Error::Unsupported(m))) = &opened {
            // Written with sled's compression (format 3): open it as it
            // is, so that its format record can be read and reported.
            if m.contains("use_compression") {
                opened = open(true);
            }
        }
        match opened {
            Ok(Ok(db)) => Ok(SledStore {
                db,
                path: path.to_path_buf(),
            }),
            Ok(Err(e)) => Err(open_error(&shown, e)),
            Err(_) => Err(StorageError::Corrupt(format!(
                "database {shown} is damaged and cannot be opened"
            ))),
        }
    }
}

/// Tries after a lock failure, 50 ms apart.
const LOCK_RETRIES: usize = 10;

fn open_error(shown: &str, e: sled::Error) -> StorageError {
    match e {
        sled::Error::Io(io)
            if io.kind() == std::io::ErrorKind::WouldBlock
                || io.raw_os_error() == Some(11)
                || io.to_string().contains("could not acquire lock") =>
        {
            StorageError::Locked(format!("database {shown} is in use by another process"))
        }
        sled::Error::Io(io) => StorageError::Io(format!("cannot open database {shown}: {io}")),
        sled::Error::Corruption { .. } => {
            StorageError::Corrupt(format!("database {shown} is damaged: {e}"))
        }
        other => StorageError::Corrupt(format!("database {shown} cannot be opened: {other}")),
    }
}

fn sled_err(e: sled::Error) -> StorageError {
    match e {
        sled::Error::Io(io) => StorageError::Io(format!("storage I/O error: {io}")),
        sled::Error::Corruption { .. } => StorageError::Corrupt(format!("storage is damaged: {e}")),
        other => StorageError::Io(format!("storage error: {other}")),
    }
}

/// One scanned entry, its value as it was put.
fn unpacked(r: sled::Result<(sled::IVec, sled::IVec)>) -> Result<(Vec<u8>, Vec<u8>), StorageError> {
    let (k, v) = r.map_err(sled_err)?;
    let v = compress::unpack(&k, &v)?;
    Ok((k.to_vec(), v))
}

impl KvStore for SledStore {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.db.get(key).map_err(sled_err)? {
            Some(v) => Ok(Some(compress::unpack(key, &v)?)),
            None => Ok(None),
        }
    }

    fn scan<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> KvIter<'a> {
        let iter = match end {
            Some(end) => self.db.range(start.to_vec()..end.to_vec()),
            None => self.db.range(start.to_vec()..),
        };
        Box::new(iter.map(unpacked))
    }

    fn scan_rev<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> KvIter<'a> {
        let iter = match end {
            Some(end) => self.db.range(start.to_vec()..end.to_vec()),
            None => self.db.range(start.to_vec()..),
        };
        Box::new(iter.rev().map(unpacked))
    }

    fn apply(&self, batch: Batch) -> Result<(), StorageError> {
        let mut b = sled::Batch::default();
        for (k, v) in batch {
            match v {
                Some(v) => {
                    let v = compress::pack(&k, v);
                    b.insert(k, v)
                }
                None => b.remove(k),
            }
        }
        self.db.apply_batch(b).map_err(sled_err)?;
        self.db.flush().map_err(sled_err)?;
        Ok(())
    }

    fn size_on_disk(&self) -> u64 {
        dir_size(&self.path)
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        let _ = self.db.flush();
    }
}

/// Allocated bytes under a directory, as `du` counts them.
pub fn dir_size(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            if let Ok(meta) = entry.metadata() {
                if meta.is_dir() {
                    total += dir_size(&entry.path());
                } else {
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::MetadataExt;
                        total += meta.blocks() * 512;
                    }
                    #[cfg(not(unix))]
                    {
                        total += meta.len();
                    }
                }
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_apply_and_scan_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let s = SledStore::open(dir.path()).unwrap();
        s.apply(vec![
            (vec![2], Some(vec![b'b'])),
            (vec![1], Some(vec![b'a'])),
            (vec![3], Some(vec![])),
        ])
        .unwrap();
        s.apply(vec![(vec![3], None)]).unwrap();
        let keys: Vec<_> = s.scan(&[0], None).map(|r| r.unwrap().0).collect();
        assert_eq!(keys, vec![vec![1], vec![2]]);
        let back: Vec<_> = s.scan_rev(&[0], Some(&[2])).map(|r| r.unwrap().0).collect();
        assert_eq!(back, vec![vec![1]]);
        assert_eq!(s.get(&[2]).unwrap(), Some(vec![b'b']));
    }

    /// The patched sled (vendor/sled/PATCHED.md) leaves the free segments
    /// it finds on open as holes instead of writing zeros over them each
    /// time: overwritten data frees segments, and reopening neither loses a
    /// value nor takes their space again.
    #[cfg(target_os = "linux")]
    #[test]
    fn free_segments_stay_holes_across_opens_and_every_value_survives() {
        use crate::store::keys;
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db");
        let allocated = || std::fs::metadata(&file).unwrap().blocks() * 512;
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut noise = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect()
        };
        let key = |i: u8| vec![keys::META, b'k', i];
        // Writes 4 MiB, then deletes all but every 32nd value: several of
        // the segments that held them are free when the store next opens.
        let mut last = vec![Vec::new(); 256];
        {
            let s = SledStore::open(dir.path()).unwrap();
            for chunk in 0..8u8 {
                let batch = (0..32u8)
                    .map(|j| {
                        let i = chunk * 32 + j;
                        last[i as usize] = noise(16 << 10);
                        (key(i), Some(last[i as usize].clone()))
                    })
                    .collect();
                s.apply(batch).unwrap();
            }
            let doomed = (0..=255u8).filter(|i| i % 32 != 0);
            s.apply(doomed.map(|i| (key(i), None)).collect()).unwrap();
        }
        // Each size is (allocated, length) after an open and close. How
        // many segments sled frees depends on its flusher's timing (four
        // here, 2 MiB, in every run measured); the unpatched engine leaves
        // every byte of the file allocated.
        let mut sizes = Vec::new();
        for _ in 0..3 {
            let s = SledStore::open(dir.path()).unwrap();
            for i in 0..=255u8 {
                let kept = (i % 32 == 0).then_some(&last[i as usize]);
                assert_eq!(s.get(&key(i)).unwrap().as_ref(), kept);
            }
            drop(s);
            sizes.push((allocated(), std::fs::metadata(&file).unwrap().len()));
        }
        for &(allocated, length) in &sizes {
            assert!(
                allocated + (1 << 20) <= length,
                "free segments are holes: {sizes:?} (allocated, length)"
            );
        }
        assert!(
            sizes[2].0 <= sizes[0].0,
            "no open fills them again: {sizes:?}"
        );
    }
}
