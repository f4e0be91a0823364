//! The manifest: a small file beside the engine's files that says what
//! every acknowledged commit left, so that an engine which silently recovers
//! less (sled stops replaying its log at the first damaged record and takes
//! the rest for a torn write) is caught on open instead of served.
//!
//! ```text
//! file:  MAGIC (8 bytes) | length (u32 BE) | bincode(Manifest) | crc32 of all before (u32 BE)
//! ```
//!
//! Each commit puts its sequence number into the engine in the same atomic
//! batch as its writes, makes that durable, and only then replaces this file
//! (temp file, fsync, rename, fsync of the directory). So after any crash the
//! engine's number is the manifest's (the manifest was written) or one more
//! (the process died between the two): both are whole databases. Less than
//! the manifest's means acknowledged commits were lost: the files are damaged.

use super::{codec, StorageError};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's name inside the database directory.
pub const FILE_NAME: &str = "supplygraph.manifest";
const TEMP_NAME: &str = "supplygraph.manifest.tmp";
const MAGIC: &[u8; 8] = b"SGMANIF1";
/// Far more than a manifest takes; a longer length field is damage.
const MAX_LEN: u32 = 4096;

/// What the last acknowledged commit left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The database's layout version when it was written.
    pub format: u32,
    /// Commits acknowledged since the database was made (or since its
    /// manifest was first written).
    pub seq: u64,
    pub nodes: u64,
    pub rels: u64,
}

/// What a database directory holds of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    Missing,
    Found(Manifest),
}

impl Manifest {
    pub fn to_bytes(&self) -> Vec<u8> {
        let body = codec::encode_structured(self);
        let mut out = Vec::with_capacity(body.len() + 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    /// The manifest in `bytes`, or why they are not one.
    pub fn from_bytes(bytes: &[u8]) -> Result<Manifest, String> {
        let head = MAGIC.len() + 4;
        if bytes.len() < head + 4 || &bytes[..MAGIC.len()] != MAGIC {
            return Err("its manifest file is not a manifest".into());
        }
        let len = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if len > MAX_LEN || bytes.len() != head + len as usize + 4 {
            return Err("its manifest file has the wrong length".into());
        }
        let (body, crc) = bytes.split_at(head + len as usize);
        let want = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
        if crc32fast::hash(body) != want {
            return Err("its manifest file fails its checksum".into());
        }
        codec::decode_structured(&body[head..], MAX_LEN as usize)
            .map_err(|e| format!("its manifest file cannot be read: {e}"))
    }
}

/// Reads the manifest in `dir`.
pub fn read(dir: &Path) -> Result<Kept, StorageError> {
    let path = dir.join(FILE_NAME);
    match std::fs::read(&path) {
        Ok(bytes) => Manifest::from_bytes(&bytes)
            .map(Kept::Found)
            .map_err(|why| damaged(dir, &why)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Kept::Missing),
        Err(e) => Err(StorageError::Io(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Replaces the manifest in `dir` so that a crash leaves the old one or the
/// new one whole, and the new one is on disk when this returns.
pub fn write(dir: &Path, m: &Manifest) -> Result<(), StorageError> {
    let temp = dir.join(TEMP_NAME);
    let io = |what: &str, p: &PathBuf, e: std::io::Error| {
        StorageError::Io(format!("cannot {what} {}: {e}", p.display()))
    };
    let mut f = std::fs::File::create(&temp).map_err(|e| io("create", &temp, e))?;
    f.write_all(&m.to_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| io("write", &temp, e))?;
    drop(f);
    let path = dir.join(FILE_NAME);
    std::fs::rename(&temp, &path).map_err(|e| io("replace", &path, e))?;
    sync_dir(dir).map_err(|e| io("sync", &dir.to_path_buf(), e))
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The error for a database whose files are damaged.
pub fn damaged(dir: &Path, why: &str) -> StorageError {
    StorageError::Corrupt(format!("database {} is damaged: {why}", dir.display()))
}

/// Checks what the engine recovered (`seq` and counts in `found`) against
/// the manifest. `Ok(true)` if the manifest should be rewritten (the
/// process stopped between a commit and its manifest).
pub fn verify(m: &Manifest, found: &Manifest) -> Result<bool, String> {
    if found.seq < m.seq {
        return Err(format!(
            "it holds {} commits but {} were acknowledged (the engine's log was cut short, likely at a damaged record)",
            found.seq, m.seq
        ));
    }
    if found.seq == m.seq && (found.nodes != m.nodes || found.rels != m.rels) {
        return Err(format!(
            "it holds {} actors and {} links where the last commit left {} and {}",
            found.nodes, found.rels, m.nodes, m.rels
        ));
    }
    Ok(found != m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(seq: u64) -> Manifest {
        Manifest {
            format: 4,
            seq,
            nodes: 10,
            rels: 20,
        }
    }

    #[test]
    fn round_trips_and_every_damaged_byte_is_caught() {
        let bytes = m(7).to_bytes();
        assert_eq!(Manifest::from_bytes(&bytes), Ok(m(7)));
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(Manifest::from_bytes(&b).is_err(), "byte {i} bit {bit}");
            }
            assert!(Manifest::from_bytes(&bytes[..i]).is_err(), "cut at {i}");
        }
    }

    #[test]
    fn written_atomically_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), Kept::Missing);
        write(dir.path(), &m(1)).unwrap();
        write(dir.path(), &m(2)).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Kept::Found(m(2)));
        assert!(!dir.path().join(TEMP_NAME).exists());
        std::fs::write(dir.path().join(FILE_NAME), b"garbage").unwrap();
        let e = read(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is damaged"), "{e}");
    }

    #[test]
    fn behind_is_damage_one_ahead_is_a_crash_before_the_manifest() {
        assert_eq!(verify(&m(5), &m(5)), Ok(false));
        assert_eq!(verify(&m(5), &m(6)), Ok(true));
        assert!(verify(&m(5), &m(4)).is_err());
        let fewer = Manifest { nodes: 9, ..m(5) };
        assert!(verify(&m(5), &fewer).is_err());
    }
}
