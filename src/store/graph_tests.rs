//! Tests of the packed layout through the `Tx` API: index buckets follow
//! record changes, hash collisions stay apart, blocks and lists empty out.

use super::*;
use crate::store::memory::MemoryStore;

fn graph() -> Graph {
    Graph::open(Box::new(MemoryStore::new())).unwrap()
}

fn actor(t: &mut Tx<'_>, id: &str, name: &str) -> NodeRecord {
    let l = t.catalog_mut().intern(NameKind::Label, "Actor");
    let k = t.catalog_mut().intern(NameKind::Key, "id");
    let n = t.catalog_mut().intern(NameKind::Key, "name");
    NodeRecord {
        labels: vec![l],
        props: vec![
            (k, Value::String(id.into())),
            (n, Value::String(name.into())),
        ],
    }
}

/// Creates actors "a" and "b".
fn two_actors(t: &mut Tx<'_>) -> (NodeId, NodeId) {
    let (ra, rb) = (actor(t, "a", "A"), actor(t, "b", "B"));
    (t.create_node(ra).unwrap(), t.create_node(rb).unwrap())
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn updating_an_indexed_property_moves_its_entries() {
    let mut g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let rec = actor(&mut t, "by", "Belarus");
    let id = t.create_node(rec.clone()).unwrap();
    g.commit(tx).unwrap();

    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let name = t.catalog().id(NameKind::Key, "name").unwrap();
    let mut new = rec.clone();
    new.props[1].1 = s("Republic of Belarus");
    t.update_node(id, &rec, new).unwrap();
    assert_eq!(
        t.nodes_with_prop(name, &s("Belarus")).unwrap(),
        Vec::<u64>::new()
    );
    assert_eq!(
        t.nodes_with_prop(name, &s("Republic of Belarus")).unwrap(),
        vec![id]
    );
    assert!(t.actors_named("belarus").unwrap().is_empty());
    assert_eq!(t.actors_named("REPUBLIC OF BELARUS").unwrap(), vec![id]);
    assert_eq!(
        t.actors_named("BY").unwrap(),
        vec![id],
        "the id still names it"
    );
    g.commit(tx).unwrap();
    let report = super::super::check::check(&g).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

/// Two strings whose encoded values share a hash bucket.
fn colliding_ids(key: u32) -> (String, String) {
    let mut seen = std::collections::HashMap::new();
    for i in 0.. {
        let v = format!("a{i}");
        let (bucket, _) = index::prop_lookup(key, &s(&v)).unwrap();
        if let Some(other) = seen.insert(bucket, v.clone()) {
            return (other, v);
        }
    }
    unreachable!()
}

#[test]
fn values_sharing_a_bucket_are_told_apart() {
    let mut g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let k = t.catalog_mut().intern(NameKind::Key, "id");
    let (x, y) = colliding_ids(k);
    let (rx, ry) = (actor(&mut t, &x, "X"), actor(&mut t, &y, "Y"));
    assert_eq!(t.create_nodes(vec![rx]).unwrap(), 0..1);
    // y's uniqueness check reads the bucket holding x: no false conflict.
    assert_eq!(t.create_nodes(vec![ry]).unwrap(), 1..2);
    assert_eq!(t.nodes_with_prop(k, &s(&x)).unwrap(), vec![0]);
    assert_eq!(t.nodes_with_prop(k, &s(&y)).unwrap(), vec![1]);
    assert!(t.nodes_with_prop(k, &s("a-not-there")).unwrap().is_empty());
    let dup = actor(&mut t, &x, "again");
    assert_eq!(
        t.create_node(dup).unwrap_err().kind,
        ErrorKind::ConstraintError
    );
    g.commit(tx).unwrap();
    assert!(super::super::check::check(&g).unwrap().problems.is_empty());
}

#[test]
fn a_kept_index_bucket_follows_every_commit_and_never_a_rolled_back_one() {
    let mut g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let k = t.catalog_mut().intern(NameKind::Key, "id");
    let (x, y) = colliding_ids(k);
    let rx = actor(&mut t, &x, "X");
    t.create_node(rx.clone()).unwrap();
    g.commit(tx).unwrap();

    let lookup = |g: &Graph, v: &str| {
        let mut tx = g.begin();
        let t = g.tx(&mut tx);
        (
            t.nodes_with_prop(k, &s(v)).unwrap(),
            t.actors_named(v).unwrap(),
        )
    };
    // Read once so that the bucket holding x and y is kept.
    assert_eq!(lookup(&g, &x), (vec![0], vec![0]));
    assert_eq!(lookup(&g, &y), (vec![], vec![]));

    // Staged but rolled back: seen inside, never kept.
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let ry = actor(&mut t, &y, "Y");
    t.create_node(ry.clone()).unwrap();
    assert_eq!(t.nodes_with_prop(k, &s(&y)).unwrap(), vec![1]);
    drop(tx);
    assert_eq!(lookup(&g, &y), (vec![], vec![]));

    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    t.create_node(ry).unwrap();
    g.commit(tx).unwrap();
    assert_eq!(lookup(&g, &y), (vec![1], vec![1]));

    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    t.delete_node(0, &rx);
    g.commit(tx).unwrap();
    assert_eq!(lookup(&g, &x), (vec![], vec![]));
    assert_eq!(lookup(&g, &y), (vec![1], vec![1]));
}

#[test]
fn a_label_is_universal_while_every_committed_node_carries_it() {
    let mut g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let (ra, rb) = (actor(&mut t, "a", "A"), actor(&mut t, "b", "B"));
    let l = ra.labels[0];
    t.create_nodes(vec![ra, rb]).unwrap();
    g.commit(tx).unwrap();
    let universal = |g: &Graph| {
        let mut tx = g.begin();
        let t = g.tx(&mut tx);
        t.label_is_universal(l).unwrap()
    };
    assert!(universal(&g));
    assert!(universal(&g), "remembered");

    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let bare = NodeRecord {
        labels: vec![],
        props: vec![],
    };
    let id = t.create_node(bare.clone()).unwrap();
    assert!(!t.label_is_universal(l).unwrap(), "not known while writing");
    g.commit(tx).unwrap();
    assert!(!universal(&g), "forgotten at the commit");

    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    t.delete_node(id, &bare);
    g.commit(tx).unwrap();
    assert!(universal(&g));
}

#[test]
fn a_duplicate_inside_one_bulk_create_stages_nothing() {
    let g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let (a, b) = (actor(&mut t, "same", "A"), actor(&mut t, "same", "B"));
    assert_eq!(
        t.create_nodes(vec![a, b]).unwrap_err().kind,
        ErrorKind::ConstraintError
    );
    assert!(t.st.overlay.is_empty());
    assert_eq!(t.meta().nodes, 0);
}

/// Bulk creates group their index entries by bucket: into a database
/// without nodes (no id looked up) and then beside stored nodes, sharing
/// label, id and name buckets, every entry is found and none is extra.
#[test]
fn bulk_created_nodes_share_their_buckets_with_stored_ones() {
    let mut g = graph();
    for (batch, first) in [(0u64, 0u64), (1, 3000)] {
        let mut tx = g.begin();
        let mut t = g.tx(&mut tx);
        let recs: Vec<NodeRecord> = (0..3000)
            .map(|i| actor(&mut t, &format!("n{batch}-{i}"), &format!("Name {}", i % 7)))
            .collect();
        assert_eq!(t.create_nodes(recs).unwrap(), first..first + 3000);
        g.commit(tx).unwrap();
    }
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let key = t.catalog_mut().intern(NameKind::Key, "id");
    assert_eq!(t.nodes_with_prop(key, &s("n0-17")).unwrap(), vec![17]);
    assert_eq!(t.nodes_with_prop(key, &s("n1-17")).unwrap(), vec![3017]);
    let named = t.actors_named("name 3").unwrap();
    assert_eq!(named.len(), 2 * (0..3000).filter(|i| i % 7 == 3).count());
    let dup = vec![actor(&mut t, "n2-0", "A"), actor(&mut t, "n0-5", "B")];
    assert_eq!(
        t.create_nodes(dup).unwrap_err().kind,
        ErrorKind::ConstraintError
    );
    let report = super::super::check::check(&g).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn aliases_are_indexed_by_membership() {
    let g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let al = t.catalog_mut().intern(NameKind::Key, "aliases");
    let mut rec = actor(&mut t, "ru", "Russia");
    rec.props
        .push((al, Value::List(vec![s("Russian Federation"), s("RF")])));
    let id = t.create_node(rec).unwrap();
    assert_eq!(t.nodes_with_prop(al, &s("RF")).unwrap(), vec![id]);
    assert_eq!(t.actors_named("russian federation").unwrap(), vec![id]);
}

#[test]
fn records_blocks_and_lists_empty_out_on_delete() {
    let mut g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let ty = t.catalog_mut().intern(NameKind::Type, "SUPPLIES");
    let (ra, rb) = (actor(&mut t, "a", "A"), actor(&mut t, "b", "B"));
    let (a, b) = (
        t.create_node(ra.clone()).unwrap(),
        t.create_node(rb.clone()).unwrap(),
    );
    let rels: Vec<RelRecord> = (0..300)
        .map(|_| RelRecord {
            rel_type: ty,
            src: a,
            dst: b,
            props: vec![],
        })
        .collect();
    let ids = t.create_rels(rels, true).unwrap();
    assert_eq!(ids, 0..300);
    g.commit(tx).unwrap();

    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let mut seen = 0;
    t.for_each_rel(|_, _| -> Result<(), StorageError> {
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, 300);
    let mut out = Vec::new();
    t.expand(b, Some(Dir::In), Some(&[ty]), &mut out).unwrap();
    assert_eq!(out.len(), 300);
    let r5 = t.rel(5).unwrap().unwrap();
    t.delete_rel(5, &r5).unwrap();
    assert_eq!(t.rel(5).unwrap(), None);
    out.clear();
    t.expand(a, None, None, &mut out).unwrap();
    assert_eq!(out.len(), 299);
    for id in (0..300).filter(|&i| i != 5) {
        let r = t.rel(id).unwrap().unwrap();
        t.delete_rel(id, &r).unwrap();
    }
    t.delete_node(a, &ra);
    t.delete_node(b, &rb);
    assert_eq!(t.all_node_ids().unwrap(), Vec::<u64>::new());
    let label = t.catalog().id(NameKind::Label, "Actor").unwrap();
    assert!(t.nodes_with_label(label).unwrap().is_empty());
    g.commit(tx).unwrap();
    assert_eq!(
        g.store().scan(&[keys::NODE], None).count(),
        0,
        "no block, list or bucket is left"
    );
    assert!(super::super::check::check(&g).unwrap().problems.is_empty());
}

#[test]
fn all_node_ids_and_labels_span_blocks_in_order() {
    let g = graph();
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let recs: Vec<NodeRecord> = (0..3000)
        .map(|i| actor(&mut t, &format!("n{i}"), "x"))
        .collect();
    t.create_nodes(recs).unwrap();
    let ids = t.all_node_ids().unwrap();
    assert_eq!(ids, (0..3000).collect::<Vec<u64>>());
    let label = t.catalog().id(NameKind::Label, "Actor").unwrap();
    assert_eq!(t.nodes_with_label(label).unwrap(), ids);
    assert_eq!(t.actors_named("X").unwrap(), ids);
    assert_eq!(t.node(2999).unwrap().unwrap().props[0].1, s("n2999"));
    assert_eq!(t.node(3000).unwrap(), None);
}

/// A store over shared memory whose applies fail once `budget` runs out,
/// standing in for a process killed in the middle of a load.
struct Failing {
    inner: std::sync::Arc<MemoryStore>,
    budget: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl KvStore for Failing {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.get(key)
    }
    fn scan<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> super::super::KvIter<'a> {
        self.inner.scan(start, end)
    }
    fn scan_rev<'a>(&'a self, start: &[u8], end: Option<&[u8]>) -> super::super::KvIter<'a> {
        self.inner.scan_rev(start, end)
    }
    fn apply(&self, batch: super::super::Batch) -> Result<(), StorageError> {
        use std::sync::atomic::Ordering;
        let left = self.budget.load(Ordering::SeqCst);
        if left == 0 {
            return Err(StorageError::Io("injected failure".into()));
        }
        self.budget.store(left - 1, Ordering::SeqCst);
        self.inner.apply(batch)
    }
    fn size_on_disk(&self) -> u64 {
        0
    }
}

/// Nodes of 100 KB each, one and a half parts' worth.
const BIG_NODES: u64 = (PART_BYTES / 100_000 * 3 / 2) as u64;
/// Links among them, in two chunks of link columns.
const BIG_LINKS: u64 = keys::CHUNK_LINKS as u64 + 300;

fn big_load(g: &Graph) -> TxState {
    let mut tx = g.begin();
    let mut t = g.tx(&mut tx);
    let k = t.catalog_mut().intern(NameKind::Key, "blob");
    let l = t.catalog_mut().intern(NameKind::Label, "Big");
    let recs = (0..BIG_NODES)
        .map(|i| NodeRecord {
            labels: vec![l],
            props: vec![(k, Value::String(format!("{i}{}", "x".repeat(100_000))))],
        })
        .collect();
    let nodes = t.create_nodes(recs).unwrap();
    let c = t.catalog_mut().intern(NameKind::Key, "category");
    let links = (0..BIG_LINKS)
        .map(|i| RelRecord {
            rel_type: 0,
            src: nodes.start + i % BIG_NODES,
            dst: nodes.start,
            props: vec![(c, s(["fuel", "drones"][i as usize % 2]))],
        })
        .collect();
    t.create_rels(links, true).unwrap();
    tx
}

#[test]
fn a_large_load_is_written_in_parts_and_an_interrupted_one_leaves_no_records() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let open = |inner: &Arc<MemoryStore>, budget: &Arc<AtomicUsize>| {
        Graph::open(Box::new(Failing {
            inner: inner.clone(),
            budget: budget.clone(),
        }))
        .unwrap()
    };
    // Whole: every record, counters and names, and no marker left.
    let (inner, budget) = (Arc::new(MemoryStore::new()), Arc::new(AtomicUsize::new(9)));
    let mut g = open(&inner, &budget);
    let tx = big_load(&g);
    g.commit_load(tx).unwrap();
    let applies = 9 - budget.load(Ordering::SeqCst);
    assert!(
        applies >= 4,
        "the format record, then the marker, at least one part and the last: {applies}"
    );
    let g = open(&inner, &Arc::new(AtomicUsize::new(usize::MAX)));
    assert_eq!(g.meta().nodes, BIG_NODES);
    assert_eq!(g.meta().rels, BIG_LINKS);
    assert!(g.store().get(&keys::meta(LOAD_MARKER)).unwrap().is_none());
    // The links' columns on disk went down with the parts.
    for c in 0..2 {
        let head = keys::chunk_column(c, keys::CHUNK_HEAD);
        assert!(g.store().get(&head).unwrap().is_some(), "chunk {c}");
    }
    let report = super::super::check::check(&g).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.nodes, BIG_NODES);

    // Stopped after each number of applies: reopening leaves no records.
    for allowed in 0..3 {
        let (inner, budget) = (Arc::new(MemoryStore::new()), Arc::new(AtomicUsize::new(1)));
        let mut g = open(&inner, &budget);
        let tx = big_load(&g);
        budget.store(allowed, Ordering::SeqCst);
        assert!(g.commit_load(tx).is_err());
        let g = open(&inner, &Arc::new(AtomicUsize::new(usize::MAX)));
        assert_eq!((g.meta().nodes, g.meta().next_node), (0, 0));
        assert!(g.store().get(&keys::meta(LOAD_MARKER)).unwrap().is_none());
        assert!(inner
            .scan(&[keys::NODE], Some(&[keys::LCOL + 1]))
            .next()
            .is_none());
        let report = super::super::check::check(&g).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        // The database takes the load afterwards.
        let mut g = g;
        let tx = big_load(&g);
        g.commit_load(tx).unwrap();
        assert_eq!(g.meta().nodes, BIG_NODES);
    }
}

#[test]
fn link_columns_are_kept_until_a_commit_writes_a_link() {
    let mut g = graph();
    let mut st = g.begin();
    let (a, b) = {
        let mut t = g.tx(&mut st);
        let (a, b) = two_actors(&mut t);
        for (i, cat) in ["fuel", "drones", "fuel"].into_iter().enumerate() {
            let rec = RelRecord {
                rel_type: 0,
                src: a,
                dst: b,
                props: vec![(7, s(cat)), (8, Value::Int(i as i64))],
            };
            t.create_rel(rec, true).unwrap();
        }
        (a, b)
    };
    // A transaction that has staged links reads records, not columns.
    assert!(g
        .tx(&mut st)
        .link_columns(&[7], EndsWanted::Nodes, || Ok::<(), StorageError>(()))
        .unwrap()
        .is_none());
    g.commit(st).unwrap();
    let mut st = g.begin();
    let cols = g
        .tx(&mut st)
        .link_columns(&[8, 7, 7], EndsWanted::Nodes, || Ok::<(), StorageError>(()))
        .unwrap()
        .expect("columns");
    assert_eq!(cols.ends.ty, vec![0, 0, 0]);
    assert_eq!((cols.ends.src[1], cols.ends.dst[1]), (a, b));
    let cat = cols.column(7).unwrap();
    // Equal values share a code.
    assert_eq!(cat.values, vec![s("fuel"), s("drones")]);
    assert_eq!(cat.codes, vec![0, 1, 0]);
    assert_eq!(cols.column(8).unwrap().get(2), Some(&Value::Int(2)));
    let kept = g.columns.bytes();
    assert!(kept > 0);
    // A commit of nodes only keeps them; one that writes a link drops them.
    let mut t = g.tx(&mut st);
    let rc = actor(&mut t, "c", "C");
    t.create_node(rc).unwrap();
    g.commit(st).unwrap();
    assert_eq!(g.columns.bytes(), kept);
    let mut st = g.begin();
    let mut t = g.tx(&mut st);
    let old = t.rel(1).unwrap().unwrap();
    t.delete_rel(1, &old).unwrap();
    g.commit(st).unwrap();
    assert_eq!(g.columns.bytes(), 0);
    let mut st = g.begin();
    let cols = g
        .tx(&mut st)
        .link_columns(&[7], EndsWanted::Nodes, || Ok::<(), StorageError>(()))
        .unwrap()
        .unwrap();
    assert_eq!(cols.ends.ty, vec![0, link_columns::ABSENT, 0]);
    assert_eq!(cols.column(7).unwrap().get(1), None);
    // A build stopped by its check keeps nothing.
    g.columns.clear();
    let mut st = g.begin();
    let mut many = g.tx(&mut st);
    for _ in 0..2000 {
        let rec = RelRecord {
            rel_type: 0,
            src: a,
            dst: b,
            props: vec![],
        };
        many.create_rel(rec, true).unwrap();
    }
    g.commit(st).unwrap();
    let mut st = g.begin();
    let stopped = g.tx(&mut st).link_columns(&[7], EndsWanted::Nodes, || {
        Err(StorageError::Io("cancelled".into()))
    });
    assert!(stopped.is_err());
    assert_eq!(g.columns.bytes(), 0);
}

/// A build of columns over enough links for two threads gives what the
/// records hold, and keeps none of the link blocks it read that the cache
/// did not hold already.
#[test]
fn link_columns_over_many_links_are_built_in_halves_without_keeping_blocks() {
    let mut g = graph();
    let mut st = g.begin();
    let mut t = g.tx(&mut st);
    let (a, b) = two_actors(&mut t);
    let cats = ["fuel", "drones", "shells", "radios"];
    let n = 2 * SPLIT_READS + 300;
    for i in 0..n {
        // The second half meets "radios" first, and only it meets it.
        let cat = match i < n / 2 {
            true => cats[i % 3],
            false => cats[3 - i % 3],
        };
        let mut props = vec![(7, s(cat))];
        if i % 5 != 0 {
            props.push((8, Value::Int(i as i64)));
        }
        let rec = RelRecord {
            rel_type: (i % 2) as u32,
            src: if i % 3 == 0 { b } else { a },
            dst: a,
            props,
        };
        t.create_rel(rec, true).unwrap();
    }
    g.commit(st).unwrap();
    let mut st = g.begin();
    let t = g.tx(&mut st);
    // One block read before is kept, and read from the cache.
    t.rel(3).unwrap().unwrap();
    assert!(g.cache.get(keys::REL, 0).is_some());
    let cols = t
        .link_columns(&[8, 7], EndsWanted::Nodes, || Ok::<(), StorageError>(()))
        .unwrap()
        .expect("columns");
    let blocks = t.rel_blocks();
    assert!((1..blocks).all(|n| g.cache.get(keys::REL, n).is_none()));
    let (cat, num) = (cols.column(7).unwrap(), cols.column(8).unwrap());
    assert_eq!(cat.values.len(), 4, "each value once: {:?}", cat.values);
    for id in 0..n as u64 {
        let rec = t.rel(id).unwrap().unwrap();
        let i = id as usize;
        assert_eq!(cols.ends.ty[i], rec.rel_type);
        assert_eq!((cols.ends.src[i], cols.ends.dst[i]), (rec.src, rec.dst));
        assert_eq!(cat.get(i), rec.prop(7), "link {id}");
        assert_eq!(num.get(i), rec.prop(8), "link {id}");
    }
}

/// A large load into files ends by reopening them (`KvStore::reclaim`):
/// the same graph reads the load and takes writes afterwards, and they are
/// all there when the files are opened again.
#[test]
fn a_large_load_into_files_leaves_the_graph_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = Graph::open_path(dir.path()).unwrap();
    let tx = big_load(&g);
    g.commit_load(tx).unwrap();
    let mut st = g.begin();
    let last = BIG_NODES - 1;
    let rec = g.tx(&mut st).node(last).unwrap().expect("last node");
    assert!(matches!(&rec.props[0].1, Value::String(s) if s.starts_with(&last.to_string())));
    let extra = {
        let mut t = g.tx(&mut st);
        let rec = actor(&mut t, "late", "Late");
        t.create_node(rec).unwrap()
    };
    g.commit(st).unwrap();
    drop(g);
    let g = Graph::open_path(dir.path()).unwrap();
    assert_eq!(g.meta().nodes, BIG_NODES + 1);
    let mut st = g.begin();
    assert!(g.tx(&mut st).node(extra).unwrap().is_some());
}

/// A batch of link reads long enough to be shared between two threads
/// (`Tx::with_rels`, `SPLIT_READS`) reads what one read at a time does,
/// in order: records in kept blocks and in blocks not yet kept, deleted
/// and never-made links, inside a transaction that has staged a write;
/// and an error in a record read on the second thread is the batch's.
#[test]
fn a_batch_of_link_reads_split_between_threads_reads_as_one_at_a_time() {
    let mut g = graph();
    let mut st = g.begin();
    let mut t = g.tx(&mut st);
    let (a, b) = two_actors(&mut t);
    let n = 3 * SPLIT_READS as u64;
    for i in 0..n {
        let rec = RelRecord {
            rel_type: 0,
            src: a,
            dst: b,
            props: vec![(7, Value::Int(i as i64))],
        };
        t.create_rel(rec, true).unwrap();
    }
    for id in (0..n).step_by(97) {
        let old = t.rel(id).unwrap().unwrap();
        t.delete_rel(id, &old).unwrap();
    }
    g.commit(st).unwrap();
    // Links in an order that visits blocks back and forth, past the last.
    let ids: Vec<RelId> = (0..n + 300).map(|i| (i * 7919) % (n + 300)).collect();
    let one_by_one = |t: &Tx<'_>| -> Vec<Option<Option<Value>>> {
        ids.iter()
            .map(|&id| t.rel(id).unwrap().map(|r| r.prop(7).cloned()))
            .collect()
    };
    let batch = |t: &Tx<'_>| t.with_rels(&ids, |r| codec::rel_prop(r, 7)).unwrap();
    let mut st = g.begin();
    let mut t = g.tx(&mut st);
    // No block kept, every block kept, every other block kept.
    g.cache.clear();
    let cold = batch(&t);
    let want = one_by_one(&t);
    assert_eq!(cold, want);
    let gone = want.iter().filter(|r| r.is_none()).count();
    assert_eq!(gone, 300 + (n as usize).div_ceil(97));
    assert_eq!(want[1], Some(Some(Value::Int((7919 % (n + 300)) as i64))));
    assert_eq!(batch(&t), want);
    g.cache.clear();
    for id in (0..n).step_by(2 * keys::BLOCK_SLOTS) {
        t.rel(id).unwrap();
    }
    assert_eq!(batch(&t), want);
    // A record that cannot be read, met on the second thread.
    let late = *ids
        .iter()
        .rev()
        .find(|&&id| id < n && id % 97 != 0)
        .unwrap();
    let failed = t.with_rels(&ids, |r| match codec::rel_prop(r, 7)? {
        Some(Value::Int(i)) if i as u64 == late => Err(StorageError::Corrupt("late".into())),
        v => Ok(v),
    });
    assert!(matches!(failed, Err(StorageError::Corrupt(m)) if m == "late"));
    // Read from the engine, split between threads too: the first error
    // in the links' order is the one reported.
    let early = *ids.iter().find(|&&id| id < n && id % 97 != 0).unwrap();
    let failing = |t: &Tx<'_>, early_fails: bool| {
        t.with_rels(&ids, |r| match codec::rel_prop(r, 7)? {
            Some(Value::Int(i)) if i as u64 == late => Err(StorageError::Corrupt("late".into())),
            Some(Value::Int(i)) if i as u64 == early && early_fails => {
                Err(StorageError::Corrupt("early".into()))
            }
            v => Ok(v),
        })
    };
    for (early_fails, first) in [(false, "late"), (true, "early")] {
        g.cache.clear();
        let failed = failing(&t, early_fails);
        assert!(
            matches!(failed, Err(StorageError::Corrupt(m)) if m == first),
            "{first}"
        );
    }
    // With a write staged, every record is read through the overlay.
    let old = t.rel(1).unwrap().unwrap();
    t.delete_rel(1, &old).unwrap();
    let mut staged = want.clone();
    for (j, &id) in ids.iter().enumerate() {
        if id == 1 {
            staged[j] = None;
        }
    }
    assert_eq!(batch(&t), staged);
}
