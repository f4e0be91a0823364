//! Link columns on disk (`link_chunks.rs`) through the graph: a load
//! writes them, column builds read them, commits that write a link drop
//! its chunk's, and `check` finds any that say other than the records.

use super::*;
use crate::store::check::check;
use crate::store::memory::MemoryStore;

const CAT: u32 = 0;
const NUM: u32 = 1;
const TEXT: u32 = 2;
const CHUNK: u64 = keys::CHUNK_LINKS as u64;

fn s(v: &str) -> Value {
    Value::String(v.into())
}

fn graph() -> Graph {
    Graph::open(Box::new(MemoryStore::new())).unwrap()
}

/// `n` links between two actors: `cat` one of four strings, `num` an
/// integer on most, `text` a string of its own on each; two types.
fn links(n: u64, from: u64) -> Vec<RelRecord> {
    (from..from + n)
        .map(|i| {
            let mut props = vec![(
                CAT,
                s(["fuel", "drones", "shells", "radios"][i as usize % 4]),
            )];
            if i % 7 != 0 {
                props.push((NUM, Value::Int(i as i64 * 31 % 1000)));
            }
            props.push((TEXT, s(&format!("source {i}"))));
            RelRecord {
                rel_type: (i % 3 == 0) as u32,
                src: i % 2,
                dst: 1 - i % 2,
                props,
            }
        })
        .collect()
}

/// Loads `n` links (and, into an empty graph, two actors and the names).
fn load(g: &mut Graph, n: u64) {
    let mut st = g.begin();
    let mut t = g.tx(&mut st);
    if t.meta().next_node == 0 {
        for name in ["cat", "num", "text"] {
            t.catalog_mut().intern(NameKind::Key, name);
        }
        for _ in 0..2 {
            let rec = NodeRecord {
                labels: vec![],
                props: vec![],
            };
            t.create_node(rec).unwrap();
        }
    }
    let from = t.meta().next_rel;
    t.create_rels(links(n, from), true).unwrap();
    g.commit_load(st).unwrap();
}

fn columns(g: &Graph, keys: &[u32], ends: EndsWanted) -> Result<LinkColumns, StorageError> {
    let mut st = g.begin();
    let cols = g
        .tx(&mut st)
        .link_columns(keys, ends, || Ok::<(), StorageError>(()))?;
    Ok(cols.expect("columns"))
}

/// Every link's type, `cat` and `num` in `cols` are its record's.
fn answer_as_the_records(g: &Graph, cols: &LinkColumns) {
    let mut st = g.begin();
    let t = g.tx(&mut st);
    let (cat, num) = (cols.column(CAT).unwrap(), cols.column(NUM).unwrap());
    for id in 0..t.meta().next_rel {
        let i = id as usize;
        match t.rel(id).unwrap() {
            Some(rec) => {
                assert_eq!(cols.ends.ty[i], rec.rel_type, "link {id}");
                assert_eq!(cat.get(i), rec.prop(CAT), "link {id}");
                assert_eq!(num.get(i), rec.prop(NUM), "link {id}");
            }
            None => assert_eq!(cols.ends.ty[i], link_columns::ABSENT, "link {id}"),
        }
    }
}

fn head(g: &Graph, c: u64) -> Option<link_chunks::Head> {
    let stored = g
        .store()
        .get(&keys::chunk_column(c, keys::CHUNK_HEAD))
        .unwrap()?;
    Some(link_chunks::head(&stored, true).unwrap())
}

fn chunk_keys(g: &Graph) -> Vec<(u64, u32)> {
    g.store()
        .scan(&[keys::LCOL], Some(&[keys::LCOL + 1]))
        .map(|kv| keys::parse_chunk_column(&kv.unwrap().0).unwrap())
        .collect()
}

fn problems(g: &Graph) -> Vec<String> {
    check(g).unwrap().problems
}

#[test]
fn a_load_keeps_link_columns_that_answer_as_the_records() {
    let mut g = graph();
    load(&mut g, 2 * CHUNK + 300);
    // Three chunks; a column of distinct texts is left to the records.
    for c in 0..3 {
        let h = head(&g, c).expect("a head");
        assert_eq!(h.keys, vec![(CAT, true), (NUM, true), (TEXT, false)]);
    }
    assert!(head(&g, 3).is_none());
    assert!(chunk_keys(&g).iter().all(|&(_, k)| k != TEXT));
    assert!(problems(&g).is_empty(), "{:?}", problems(&g));

    // Types only, from the chunks; then the sources and targets as well,
    // from the records, with the same columns.
    let cols = columns(&g, &[CAT, NUM], EndsWanted::Types).unwrap();
    assert!(!cols.ends.has_nodes());
    answer_as_the_records(&g, &cols);
    let cols = columns(&g, &[NUM, CAT], EndsWanted::Nodes).unwrap();
    assert!(cols.ends.has_nodes());
    answer_as_the_records(&g, &cols);
    assert_eq!((cols.ends.src[5], cols.ends.dst[5]), (1, 0));

    // One column alone, for a filter over at least as many links as
    // there are chunks, never for a column the chunks do not keep.
    g.columns.clear();
    let mut st = g.begin();
    let t = g.tx(&mut st);
    assert!(t.link_column(CAT, 2).unwrap().is_none());
    assert!(t.link_column(TEXT, 100_000).unwrap().is_none());
    let cat = t
        .link_column(CAT, 3)
        .unwrap()
        .expect("a column from the chunks");
    for id in [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 299] {
        assert_eq!(cat.get(id as usize), t.rel(id).unwrap().unwrap().prop(CAT));
    }
    assert_eq!(cat.values.len(), 4);
    // Kept: asked again, for any number of links.
    assert!(t.link_column(CAT, 0).unwrap().is_some());
}

/// The columns are read from the chunks, not from the records: with a
/// record block taken away under the graph, its links are still there.
#[test]
fn a_build_reads_the_chunks_not_the_records() {
    let mut g = graph();
    load(&mut g, 300);
    g.store()
        .apply(vec![(keys::tag_u64(keys::REL, 1), None)])
        .unwrap();
    let cols = columns(&g, &[CAT], EndsWanted::Types).unwrap();
    assert_eq!(cols.ends.ty[200], 0);
    assert_eq!(cols.column(CAT).unwrap().get(200), Some(&s("fuel")));
    // The sources and targets come from the records.
    g.columns.clear();
    let cols = columns(&g, &[CAT], EndsWanted::Nodes).unwrap();
    assert_eq!(cols.ends.ty[200], link_columns::ABSENT);
    assert!(!problems(&g).is_empty());
}

#[test]
fn a_commit_that_writes_a_link_drops_the_columns_of_its_chunk() {
    let mut g = graph();
    load(&mut g, 2 * CHUNK + 300);
    // An update in chunk 1.
    let mut st = g.begin();
    let mut t = g.tx(&mut st);
    let id = CHUNK + 5;
    let mut rec = t.rel(id).unwrap().unwrap();
    rec.props[0].1 = s("changed");
    t.update_rel(id, &rec);
    g.commit(st).unwrap();
    assert!(head(&g, 0).is_some() && head(&g, 1).is_none() && head(&g, 2).is_some());
    assert!(chunk_keys(&g).iter().all(|&(c, _)| c != 1));
    let cols = columns(&g, &[CAT, NUM], EndsWanted::Types).unwrap();
    assert_eq!(
        cols.column(CAT).unwrap().get(id as usize),
        Some(&s("changed"))
    );
    answer_as_the_records(&g, &cols);
    // A link added to chunk 2, a link deleted from chunk 0.
    let mut st = g.begin();
    let mut t = g.tx(&mut st);
    t.create_rel(links(1, 0).remove(0), true).unwrap();
    let old = t.rel(3).unwrap().unwrap();
    t.delete_rel(3, &old).unwrap();
    g.commit(st).unwrap();
    assert!(chunk_keys(&g).is_empty());
    let cols = columns(&g, &[CAT, NUM], EndsWanted::Types).unwrap();
    answer_as_the_records(&g, &cols);
    assert!(problems(&g).is_empty(), "{:?}", problems(&g));
}

#[test]
fn a_load_into_a_graph_with_links_keeps_the_columns_of_new_chunks_only() {
    let mut g = graph();
    load(&mut g, 100);
    assert!(head(&g, 0).is_some());
    // The second load writes chunk 0's blocks, which it shares with the
    // first: its columns go, and only wholly new chunks get theirs.
    load(&mut g, 2 * CHUNK);
    assert!(head(&g, 0).is_none());
    assert!(head(&g, 1).is_some() && head(&g, 2).is_some());
    let cols = columns(&g, &[CAT, NUM], EndsWanted::Types).unwrap();
    answer_as_the_records(&g, &cols);
    assert!(problems(&g).is_empty(), "{:?}", problems(&g));
}

#[test]
fn stale_or_damaged_link_columns_are_found() {
    let mut g = graph();
    load(&mut g, 3 * CHUNK);
    let put = |g: &Graph, c: u64, key: u32, v: Option<Vec<u8>>| {
        g.store()
            .apply(vec![(keys::chunk_column(c, key), v)])
            .unwrap();
    };
    let get = |g: &Graph, c: u64, key: u32| g.store().get(&keys::chunk_column(c, key)).unwrap();
    // Chunk 1's numbers in chunk 0: well formed, and wrong.
    put(&g, 0, NUM, get(&g, 1, NUM));
    let found = problems(&g);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("link column of 'num' disagrees with the record of link "),
        "{found:?}"
    );
    // A damaged head is an error where it is read, and found by check.
    put(&g, 1, keys::CHUNK_HEAD, Some(vec![1, 2, 3]));
    let err = columns(&g, &[CAT], EndsWanted::Types)
        .err()
        .expect("an error");
    assert!(matches!(err, StorageError::Corrupt(_)), "{err:?}");
    assert_eq!(problems(&g).len(), 2);
    // A column the head lists, gone.
    put(&g, 2, NUM, None);
    put(&g, 1, keys::CHUNK_HEAD, get(&g, 0, keys::CHUNK_HEAD));
    g.columns.clear();
    let err = columns(&g, &[NUM], EndsWanted::Types)
        .err()
        .expect("an error");
    assert!(err.to_string().contains("lacks a column"), "{err}");
    let found = problems(&g);
    assert!(
        found
            .iter()
            .any(|p| p.contains("the column of 'num' is missing")),
        "{found:?}"
    );
}
