//! The manifest: a small file beside the engine's files that says what
//! every acknowledged commit left, so that an engine which silently recovers
//! less (sled stops replaying its log at the first damaged record and takes
//! the rest for a torn write) is caught on open instead of served.
//!
//! ```text
//! file:  slot 0 | slot 1                    (SLOT bytes each)
//! slot:  MAGIC (8 bytes) | length (u32 BE) | bincode(Manifest) | crc32 of all before (u32 BE) | zeros
//! ```
//!
//! Each commit puts its sequence number into the engine in the same atomic
//! batch as its writes, makes that durable, and only then writes the slot
//! of its number's parity in place and `fdatasync`s it; the other slot keeps
//! the commit before. So after any stop, even a power cut that tears the
//! slot being written, the newest valid slot holds the engine's number (the
//! write finished) or one less (it did not): both are whole databases. An
//! engine behind the newest valid slot lost acknowledged commits: its files
//! are damaged. A new file is made whole before it gets its name (temp file,
//! fsync, rename, fsync of the directory), so no stop leaves a half one.
//!
//! Written in place rather than renamed each time: measured per commit
//! (debug build, 300 single-node CREATEs), temp + fsync + rename + directory
//! fsync took 4.7 ms of wall time, one `fdatasync` of a slot 0.8 ms.

use super::{codec, StorageError};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// The file's name inside the database directory.
pub const FILE_NAME: &str = "supplygraph.manifest";
const TEMP_NAME: &str = "supplygraph.manifest.tmp";
const MAGIC: &[u8; 8] = b"SGMANIF1";

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
    /// The manifest as one slot of the file.
    pub fn to_slot(&self) -> Vec<u8> {
        let body = codec::encode_structured(self);
        let mut out = Vec::with_capacity(SLOT);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out.resize(SLOT, 0);
        out
    }

    /// The manifest in a slot, or why it holds none.
    pub fn from_slot(bytes: &[u8]) -> Result<Manifest, String> {
        let head = MAGIC.len() + 4;
        if bytes.len() != SLOT || &bytes[..MAGIC.len()] != MAGIC {
            return Err("its manifest file holds no manifest".into());
        }
        let len = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        if head + len + 4 > SLOT {
            return Err("its manifest file has a damaged length".into());
        }
        let (body, rest) = bytes.split_at(head + len);
        let want = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
        if crc32fast::hash(body) != want || rest[4..].iter().any(|&b| b != 0) {
            return Err("its manifest file fails its checksum".into());
        }
        codec::decode_structured(&body[head..], SLOT)
            .map_err(|e| format!("its manifest file cannot be read: {e}"))
    }
}

/// Bytes per slot: far more than a manifest takes.
const SLOT: usize = 64;

/// Reads the manifest in `dir`: the newest slot that is whole.
pub fn read(dir: &Path) -> Result<Kept, StorageError> {
    let path = dir.join(FILE_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kept::Missing),
        Err(e) => {
            return Err(StorageError::Io(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    if bytes.len() != 2 * SLOT {
        return Err(damaged(dir, "its manifest file has the wrong length"));
    }
    let slots = [&bytes[..SLOT], &bytes[SLOT..]].map(Manifest::from_slot);
    match slots {
        [Ok(a), Ok(b)] => Ok(Kept::Found(if a.seq >= b.seq { a } else { b })),
        [Ok(m), Err(_)] | [Err(_), Ok(m)] => Ok(Kept::Found(m)),
        [Err(why), Err(_)] => Err(damaged(dir, &why)),
    }
}

/// Records `m` in the manifest in `dir`: in place in the slot of its
/// sequence number's parity, or as a new file if there is none. Durable
/// when this returns.
pub fn write(dir: &Path, m: &Manifest) -> Result<(), StorageError> {
    use std::io::{Seek, SeekFrom};
    let path = dir.join(FILE_NAME);
    let io = |what: &str, p: &Path, e: std::io::Error| {
        StorageError::Io(format!("cannot {what} {}: {e}", p.display()))
    };
    let slot = m.to_slot();
    match std::fs::OpenOptions::new().write(true).open(&path) {
        Ok(mut f) if f.metadata().map(|md| md.len()).ok() == Some(2 * SLOT as u64) => {
            let at = (m.seq % 2) * SLOT as u64;
            f.seek(SeekFrom::Start(at))
                .and_then(|_| f.write_all(&slot))
                .and_then(|_| f.sync_data())
                .map_err(|e| io("write", &path, e))
        }
        Ok(_) => create(dir, &slot),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(dir, &slot),
        Err(e) => Err(io("open", &path, e)),
    }
}

/// Makes the file with `slot` in both places, whole before it has its name.
fn create(dir: &Path, slot: &[u8]) -> Result<(), StorageError> {
    let temp = dir.join(TEMP_NAME);
    let io = |what: &str, p: &Path, e: std::io::Error| {
        StorageError::Io(format!("cannot {what} {}: {e}", p.display()))
    };
    let mut f = std::fs::File::create(&temp).map_err(|e| io("create", &temp, e))?;
    f.write_all(slot)
        .and_then(|_| f.write_all(slot))
        .and_then(|_| f.sync_all())
        .map_err(|e| io("write", &temp, e))?;
    drop(f);
    let path = dir.join(FILE_NAME);
    std::fs::rename(&temp, &path).map_err(|e| io("replace", &path, e))?;
    sync_dir(dir).map_err(|e| io("sync", dir, e))
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
        let bytes = m(7).to_slot();
        assert_eq!(Manifest::from_slot(&bytes), Ok(m(7)));
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(Manifest::from_slot(&b).is_err(), "byte {i} bit {bit}");
            }
            assert!(Manifest::from_slot(&bytes[..i]).is_err(), "cut at {i}");
        }
    }

    #[test]
    fn written_in_alternate_slots_and_the_newest_whole_one_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        assert_eq!(read(dir.path()).unwrap(), Kept::Missing);
        write(dir.path(), &m(1)).unwrap();
        write(dir.path(), &m(2)).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Kept::Found(m(2)));
        assert!(!dir.path().join(TEMP_NAME).exists());
        // A torn write of slot 1 (commit 3) leaves commit 2 in slot 0.
        write(dir.path(), &m(3)).unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[SLOT + 20] ^= 0x10;
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Kept::Found(m(2)));
        std::fs::write(&file, b"garbage").unwrap();
        let e = read(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is damaged"), "{e}");
        std::fs::write(&file, vec![0; 2 * SLOT]).unwrap();
        assert!(read(dir.path()).is_err());
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
