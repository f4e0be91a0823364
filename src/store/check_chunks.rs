//! `check` of the link columns kept on disk (`link_chunks.rs`): each
//! chunk's columns against the records of its links, made again from them.
//! A column that said other than the records would answer an aggregate
//! or a filter wrongly without any error.

use super::catalog::{Catalog, NameKind};
use super::check::Report;
use super::keys::{self, CHUNK_HEAD};
use super::{block, link_chunks, KvPair, KvStore, StorageError};

pub(super) fn check_chunks(
    store: &dyn KvStore,
    catalog: &Catalog,
    report: &mut Report,
) -> Result<(), StorageError> {
    let mut chunk: Option<(u64, Vec<(u32, Vec<u8>)>)> = None;
    for item in store.scan(&[keys::LCOL], Some(&[keys::LCOL + 1])) {
        let (k, v) = item?;
        let Some((c, key)) = keys::parse_chunk_column(&k) else {
            report.problem(format!("malformed link column key {k:02x?}"));
            continue;
        };
        if chunk.as_ref().is_some_and(|(at, _)| *at != c) {
            if let Some((at, cols)) = chunk.take() {
                check_chunk(store, catalog, at, &cols, report)?;
            }
        }
        chunk
            .get_or_insert_with(|| (c, Vec::new()))
            .1
            .push((key, v));
    }
    if let Some((at, cols)) = chunk {
        check_chunk(store, catalog, at, &cols, report)?;
    }
    Ok(())
}

/// The records of chunk `c`'s links, by slot in the chunk; `None` when a
/// block cannot be read (the pass over the records reports it).
fn chunk_records(
    store: &dyn KvStore,
    c: u64,
) -> Result<Option<Vec<(usize, Vec<u8>)>>, StorageError> {
    let blocks = keys::chunk_blocks(c);
    let start = keys::tag_u64(keys::REL, blocks.start);
    let end = keys::tag_u64(keys::REL, blocks.end);
    let mut out = Vec::new();
    for item in store.scan(&start, Some(&end)) {
        let (k, v): KvPair = item?;
        let Some(base) = keys::block_base(&k) else {
            return Ok(None);
        };
        let Ok(slots) = block::slots(&v) else {
            return Ok(None);
        };
        let first = (base - c * keys::CHUNK_LINKS as u64) as usize;
        for (i, r) in slots.into_iter().enumerate() {
            if !r.is_empty() {
                out.push((first + i, r.to_vec()));
            }
        }
    }
    Ok(Some(out))
}

fn check_chunk(
    store: &dyn KvStore,
    catalog: &Catalog,
    c: u64,
    stored: &[(u32, Vec<u8>)],
    report: &mut Report,
) -> Result<(), StorageError> {
    let first = c << keys::CHUNK_BITS;
    let links = format!("links {first}..{}", first + keys::CHUNK_LINKS as u64 - 1);
    let Some(records) = chunk_records(store, c)? else {
        return Ok(());
    };
    let expected = match link_chunks::encode(records.iter().map(|(s, r)| (*s, &r[..]))) {
        Ok(e) => e.unwrap_or_default(),
        // A record that cannot be read: the pass over the records says so.
        Err(_) => return Ok(()),
    };
    let get = |cols: &[(u32, Vec<u8>)], key: u32| {
        cols.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
    };
    let (Some(head), Some(want)) = (get(stored, CHUNK_HEAD), get(&expected, CHUNK_HEAD)) else {
        report.problem(format!(
            "link columns of {links} are kept without a head or without links"
        ));
        return Ok(());
    };
    let (head, want) = match (
        link_chunks::head(&head, true),
        link_chunks::head(&want, true),
    ) {
        (Ok(h), Ok(w)) => (h, w),
        (Err(e), _) | (_, Err(e)) => {
            report.problem(format!("link columns of {links}: {e}"));
            return Ok(());
        }
    };
    if head.types != want.types || head.keys != want.keys {
        report.problem(format!(
            "link columns of {links}: the types or properties disagree with the records"
        ));
        return Ok(());
    }
    for &(key, _) in stored.iter().filter(|(k, _)| *k != CHUNK_HEAD) {
        if want.answers(key) != Some(true) {
            report.problem(format!(
                "link columns of {links}: a column of {} that the head does not list",
                name(catalog, key)
            ));
        }
    }
    for (key, _) in want.keys.iter().filter(|(_, kept)| *kept) {
        let (Some(have), Some(should)) = (get(stored, *key), get(&expected, *key)) else {
            report.problem(format!(
                "link columns of {links}: the column of {} is missing",
                name(catalog, *key)
            ));
            continue;
        };
        let (have, should) = match (link_chunks::column(&have), link_chunks::column(&should)) {
            (Ok(h), Ok(s)) => (h, s),
            (Err(e), _) | (_, Err(e)) => {
                report.problem(format!("link columns of {links}: {e}"));
                continue;
            }
        };
        let value = |col: &link_chunks::Column, s: usize| match col.codes[s] {
            0 => None,
            code => Some(col.value(code as usize - 1).to_vec()),
        };
        if let Some(s) = (0..keys::CHUNK_LINKS).find(|&s| value(&have, s) != value(&should, s)) {
            report.problem(format!(
                "link column of {} disagrees with the record of link {}",
                name(catalog, *key),
                first + s as u64
            ));
        }
    }
    Ok(())
}

fn name(catalog: &Catalog, key: u32) -> String {
    match catalog.names(NameKind::Key).get(key as usize) {
        Some(n) => format!("'{n}'"),
        None => format!("property #{key}"),
    }
}
