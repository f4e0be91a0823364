//! Interned names: labels, relationship types and property keys are stored
//! as small integers. The whole catalog is loaded at open; a transaction
//! works on a copy and commits the names it added.

use super::{codec, keys, Batch, KvStore, StorageError};
use fxhash::FxHashMap;
use serde::{Deserialize, Serialize};

/// One stored name (format 5 on: bincode behind `codec.rs`; format 4 kept
/// the bare UTF-8 bytes).
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    name: String,
}

/// Longest stored entry read back; a longer one is damage.
const MAX_ENTRY_BYTES: usize = 1 << 20;

fn encode_entry(name: &str) -> Vec<u8> {
    codec::encode_structured(&Entry {
        name: name.to_string(),
    })
}

/// The writes that move a format-4 catalog (bare UTF-8 names) to entries.
pub fn migrate_from_bare_names(store: &dyn KvStore) -> Result<Batch, StorageError> {
    let mut batch = Vec::new();
    for item in store.scan(&[keys::CATALOG], Some(&[keys::CATALOG + 1])) {
        let (k, v) = item?;
        let name = String::from_utf8(v)
            .map_err(|_| StorageError::Corrupt("damaged name catalog".into()))?;
        batch.push((k, Some(encode_entry(&name))));
    }
    Ok(batch)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    Label = 0,
    Type = 1,
    Key = 2,
}

/// Every kind, in `NameKind`'s numbering (`Ctx::code` indexes by it).
pub(crate) const KINDS: [NameKind; 3] = [NameKind::Label, NameKind::Type, NameKind::Key];

/// Shared between the committed catalog and every transaction's copy until
/// one of them adds a name: a statement that adds none (almost all) copies
/// nothing but a pointer.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    names: std::sync::Arc<Names>,
    /// Names added since the last commit: (kind, id).
    added: Vec<(NameKind, u32)>,
}

#[derive(Debug, Clone, Default)]
struct Names {
    names: [Vec<String>; 3],
    ids: [FxHashMap<String, u32>; 3],
}

impl Catalog {
    pub fn load(store: &dyn KvStore) -> Result<Catalog, StorageError> {
        let mut c = Names::default();
        for kind in KINDS {
            let prefix = vec![keys::CATALOG, kind as u8];
            let end = vec![keys::CATALOG, kind as u8 + 1];
            for item in store.scan(&prefix, Some(&end)) {
                let (k, v) = item?;
                let id = k
                    .get(2..6)
                    .and_then(|b| b.try_into().ok())
                    .map(u32::from_be_bytes);
                let name = codec::decode_structured::<Entry>(&v, MAX_ENTRY_BYTES)
                    .ok()
                    .map(|e| e.name);
                match (id, name) {
                    (Some(id), Some(name)) if id as usize == c.names[kind as usize].len() => {
                        c.ids[kind as usize].insert(name.clone(), id);
                        c.names[kind as usize].push(name);
                    }
                    _ => return Err(StorageError::Corrupt("damaged name catalog".into())),
                }
            }
        }
        Ok(Catalog {
            names: std::sync::Arc::new(c),
            added: Vec::new(),
        })
    }

    pub fn id(&self, kind: NameKind, name: &str) -> Option<u32> {
        self.names.ids[kind as usize].get(name).copied()
    }

    pub fn name(&self, kind: NameKind, id: u32) -> &str {
        self.names.names[kind as usize]
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("?")
    }

    /// The id of `name`, adding it if new.
    pub fn intern(&mut self, kind: NameKind, name: &str) -> u32 {
        if let Some(id) = self.id(kind, name) {
            return id;
        }
        let names = std::sync::Arc::make_mut(&mut self.names);
        let id = names.names[kind as usize].len() as u32;
        names.names[kind as usize].push(name.to_string());
        names.ids[kind as usize].insert(name.to_string(), id);
        self.added.push((kind, id));
        id
    }

    /// A record's interned properties as a map by key name.
    pub fn props_map(
        &self,
        props: &[(u32, crate::value::Value)],
    ) -> std::collections::BTreeMap<String, crate::value::Value> {
        props
            .iter()
            .map(|(k, v)| (self.name(NameKind::Key, *k).to_string(), v.clone()))
            .collect()
    }

    /// No name of any kind.
    pub fn is_empty(&self) -> bool {
        self.names.names.iter().all(Vec::is_empty)
    }

    pub fn names(&self, kind: NameKind) -> &[String] {
        &self.names.names[kind as usize]
    }

    /// The writes that persist the names added since the last commit.
    pub fn take_added(&mut self) -> Vec<(Vec<u8>, Vec<u8>)> {
        std::mem::take(&mut self.added)
            .into_iter()
            .map(|(kind, id)| {
                (
                    keys::catalog(kind as u8, id),
                    encode_entry(self.name(kind, id)),
                )
            })
            .collect()
    }
}
