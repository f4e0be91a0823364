//! `check` must name every kind of damage: each test corrupts one keyspace
//! of a small, consistent graph behind the graph's back.

use super::*;
use crate::store::graph::{NodeRecord, RelRecord};
use crate::store::memory::MemoryStore;
use crate::store::{block, bucket, codec};
use crate::value::Value;

/// Actors a, b, c (c with aliases) and links a→b, b→c (SUPPLIES), a→c (OWNS).
fn sample() -> Graph {
    sample_in(Box::new(MemoryStore::new()))
}

fn sample_in(store: Box<dyn crate::store::KvStore>) -> Graph {
    let mut g = Graph::open(store).unwrap();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let cat = t.catalog_mut();
    let (l, k, n, al) = (
        cat.intern(NameKind::Label, "Actor"),
        cat.intern(NameKind::Key, "id"),
        cat.intern(NameKind::Key, "name"),
        cat.intern(NameKind::Key, "aliases"),
    );
    let (sup, owns) = (
        cat.intern(NameKind::Type, "SUPPLIES"),
        cat.intern(NameKind::Type, "OWNS"),
    );
    let s = |v: &str| Value::String(v.into());
    let recs = ["a", "b", "c"]
        .iter()
        .map(|id| NodeRecord {
            labels: vec![l],
            props: vec![(k, s(id)), (n, s(&id.to_uppercase()))],
        })
        .collect::<Vec<_>>();
    t.create_nodes(recs).unwrap();
    let mut c = t.node(2).unwrap().unwrap();
    let old = c.clone();
    c.props.push((al, Value::List(vec![s("sea"), s("see")])));
    t.update_node(2, &old, c).unwrap();
    let rel = |rel_type, src, dst| RelRecord {
        rel_type,
        src,
        dst,
        props: vec![],
    };
    t.create_rels(vec![rel(sup, 0, 1), rel(sup, 1, 2), rel(owns, 0, 2)], true)
        .unwrap();
    g.commit(tx).unwrap();
    g
}

fn problems(g: &Graph) -> Vec<String> {
    check(g).unwrap().problems
}

fn assert_reports(g: &Graph, needle: &str) {
    let p = problems(g);
    assert!(
        p.iter().any(|m| m.contains(needle)),
        "expected '{needle}' in {p:#?}"
    );
}

fn put(g: &Graph, k: Vec<u8>, v: Vec<u8>) {
    g.store().apply(vec![(k, Some(v))]).unwrap();
}

fn keys_of(g: &Graph, tag: u8) -> Vec<Vec<u8>> {
    g.store()
        .scan(&[tag], Some(&[tag + 1]))
        .map(|r| r.unwrap().0)
        .collect()
}

fn delete_all(g: &Graph, tag: u8) {
    g.store()
        .apply(keys_of(g, tag).into_iter().map(|k| (k, None)).collect())
        .unwrap();
}

fn clear_slot(g: &Graph, (key, slot): (Vec<u8>, usize)) {
    let b = g.store().get(&key).unwrap().unwrap();
    match block::with_slot(Some(&b), slot, &[]).unwrap() {
        Some(b) => put(g, key, b),
        None => g.store().apply(vec![(key, None)]).unwrap(),
    }
}

#[test]
fn a_consistent_graph_has_no_problems() {
    let g = sample();
    let r = check(&g).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.nodes, r.rels), (3, 3));
}

#[test]
fn a_missing_node_record_leaves_dangling_links_and_orphan_index_entries() {
    let g = sample();
    clear_slot(&g, keys::node_block(2));
    assert_reports(&g, "dangling relationship 1: its end node 2 does not exist");
    assert_reports(&g, "label index entry for node 2 has no matching record");
    assert_reports(&g, "property index entry for node 2 has no matching record");
    assert_reports(
        &g,
        "actor name index entry for node 2 has no matching record",
    );
    assert_reports(&g, "counters say 3 actors");
}

#[test]
fn a_damaged_node_block_is_reported() {
    let g = sample();
    put(&g, keys::node_block(0).0, vec![1, 2, 3]);
    assert_reports(&g, "node block");
}

#[test]
fn a_missing_relationship_record_leaves_adjacency_entries_unmatched() {
    let g = sample();
    clear_slot(&g, keys::rel_block(1));
    assert_reports(&g, "names relationship 1, which does not match a record");
    assert_reports(&g, "records hold 3 and 2");
}

#[test]
fn a_damaged_relationship_block_is_reported() {
    let g = sample();
    put(&g, keys::rel_block(0).0, vec![0xff; 40]);
    assert_reports(&g, "relationship block");
}

/// On disk a block is stored compact (format 6): lengths that do not add
/// up are reported as a damaged block, not an error that stops the check.
#[test]
fn a_damaged_block_on_disk_is_reported() {
    use crate::store::sled_store::SledStore;
    use crate::store::KvStore;
    let dir = tempfile::tempdir().unwrap();
    drop(sample_in(Box::new(SledStore::open(dir.path()).unwrap())));
    let store = SledStore::open(dir.path()).unwrap();
    let key = keys::rel_block(0).0;
    let block = store.get(&key).unwrap().unwrap();
    let mut damaged = block::compact(&block);
    damaged.pop();
    store.put_stored(&key, &crate::store::compress::pack_as_format_5(&damaged));
    drop(store);
    let g = Graph::open_path(dir.path()).unwrap();
    assert_reports(
        &g,
        "relationship block [03, 00, 00, 00, 00, 00, 00, 00, 00]: damaged",
    );
}

#[test]
fn a_missing_or_damaged_adjacency_list_is_reported() {
    let g = sample();
    g.store()
        .apply(vec![(keys::adj_chunk(0, 0), None)])
        .unwrap();
    assert_reports(&g, "relationship 0 is missing from an adjacency list");
    assert_reports(&g, "relationship 2 is missing from an adjacency list");

    let g = sample();
    put(&g, keys::adj_chunk(1, 0), vec![0x80]);
    assert_reports(&g, "adjacency list of node 1");

    let g = sample();
    put(&g, vec![keys::ADJ, 1], vec![0]);
    assert_reports(&g, "malformed adjacency key");
}

#[test]
fn an_adjacency_entry_listed_twice_is_reported() {
    let g = sample();
    let k = keys::adj_chunk(2, 0);
    let mut v = g.store().get(&k).unwrap().unwrap();
    let first: Vec<u8> = {
        let e = adjacency::decode_chunk(&v).next().unwrap().unwrap();
        let mut b = Vec::new();
        adjacency::push_entry(&mut b, &e);
        b
    };
    v.extend_from_slice(&first);
    put(&g, k, v);
    assert_reports(&g, "is listed twice in adjacency");
}

#[test]
fn a_missing_label_bucket_is_reported() {
    let g = sample();
    delete_all(&g, keys::LABEL);
    assert_reports(&g, "node 0 is missing from the label index");
}

#[test]
fn a_stray_property_entry_is_reported() {
    let g = sample();
    let id = g.catalog().id(NameKind::Key, "id").unwrap();
    let (b, encoded) = index::prop_lookup(id, &Value::String("ghost".into())).unwrap();
    let old = g.store().get(&b).unwrap();
    let new = bucket::apply(old.as_deref(), &[bucket::entry(&encoded, 99)], &[])
        .unwrap()
        .unwrap();
    put(&g, b, new);
    assert_reports(
        &g,
        "property index entry for node 99 has no matching record",
    );
}

#[test]
fn a_missing_actor_bucket_and_a_damaged_bucket_are_reported() {
    let g = sample();
    delete_all(&g, keys::ACTOR);
    assert_reports(&g, "node 2 is missing from the actor name index");

    let g = sample();
    let k = keys_of(&g, keys::PROP).remove(0);
    put(&g, k, vec![0, 0, 0, 1]);
    assert_reports(&g, "index bucket");

    // A lookup through such a bucket is an error, not an answer: one cut
    // short, and one whose entries are out of order (a halving search
    // would find what a reading in turn misses).
    let id = g.catalog().id(NameKind::Key, "id").unwrap();
    let (b, a) = index::prop_lookup(id, &Value::String("a".into())).unwrap();
    let z = keys::encode_index_value(&Value::String("z".into())).unwrap();
    let reversed = bucket::encode([&bucket::entry(&z, 7)[..], &bucket::entry(&a, 0)[..]]);
    let whole = bucket::encode([&bucket::entry(&a, 0)[..]]);
    for damaged in [whole[..whole.len() - 1].to_vec(), reversed] {
        let g = sample();
        put(&g, b.clone(), damaged);
        assert_reports(&g, "index bucket");
        let mut tx = g.begin();
        let found = g
            .tx(&mut tx)
            .nodes_with_prop(id, &Value::String("a".into()));
        assert!(found.is_err(), "{found:?}");
    }
    // Whole and in order, it answers.
    let g = sample();
    put(&g, b, whole);
    let mut tx = g.begin();
    let found = g
        .tx(&mut tx)
        .nodes_with_prop(id, &Value::String("a".into()));
    assert_eq!(found.unwrap(), vec![0]);
}

#[test]
fn a_duplicate_id_is_reported() {
    let g = sample();
    // A fourth node with b's id, written with all its index entries but
    // without the uniqueness check.
    let mut tx = g.begin();
    let t = g.tx(&mut tx);
    let mut rec = t.node(1).unwrap().unwrap();
    rec.props.truncate(1);
    let (key, slot) = keys::node_block(3);
    let b = g.store().get(&key).unwrap();
    put(
        &g,
        key,
        block::with_slot(b.as_deref(), slot, &codec::encode(&rec))
            .unwrap()
            .unwrap(),
    );
    for (bk, e) in index::node_entries(g.catalog(), 3, &rec) {
        let old = g.store().get(&bk).unwrap();
        put(
            &g,
            bk,
            bucket::apply(old.as_deref(), &[e], &[]).unwrap().unwrap(),
        );
    }
    let p = problems(&g);
    assert!(p.iter().any(|m| m == "duplicate id 'b' (node 3)"), "{p:#?}");
    assert!(
        !p.iter().any(|m| m.contains("index entry")),
        "indexes match the records: {p:#?}"
    );
}

#[test]
fn counters_that_disagree_with_the_records_are_reported() {
    let mut g = sample();
    let mut tx = g.begin();
    tx.meta.rels += 1;
    tx.meta.next_node = 1;
    g.commit(tx).unwrap();
    assert_reports(
        &g,
        "counters say 3 actors and 4 links, records hold 3 and 3",
    );
    assert_reports(&g, "id counters are behind the highest record id");
}
