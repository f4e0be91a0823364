//! The manifest through `Graph`: what each kind of stop or damage leaves,
//! and what opening makes of it.

use super::graph::Graph;
use super::keys;
use super::manifest::{self, Kept, Manifest};
use super::StorageError;
use std::path::Path;

/// Commits `n` nodes, one per commit.
fn commit_nodes(dir: &Path, n: usize) {
    let mut g = Graph::open_path(dir).unwrap();
    for _ in 0..n {
        let mut st = g.begin();
        g.tx(&mut st)
            .create_node(super::NodeRecord::default())
            .unwrap();
        g.commit(st).unwrap();
    }
}

/// The format record saying `v`, as written to the store.
fn format(v: u32) -> (Vec<u8>, Option<Vec<u8>>) {
    (keys::meta("format"), Some(v.to_be_bytes().to_vec()))
}

fn kept(dir: &Path) -> Manifest {
    match manifest::read(dir).unwrap() {
        Kept::Found(m) => m,
        Kept::Missing => panic!("no manifest"),
    }
}

#[test]
fn every_commit_is_counted_in_the_engine_and_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    commit_nodes(dir.path(), 3);
    let m = kept(dir.path());
    assert_eq!((m.seq, m.nodes, m.rels), (3, 3, 0));
    let g = Graph::open_path(dir.path()).unwrap();
    assert_eq!(g.meta().seq, 3);
    assert!(g.notice().is_none());
}

#[test]
fn a_stop_between_a_commit_and_its_manifest_opens_and_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    commit_nodes(dir.path(), 2);
    let file = dir.path().join(manifest::FILE_NAME);
    let before = std::fs::read(&file).unwrap();
    commit_nodes(dir.path(), 1);
    // As if the process died after the engine's flush: the old manifest.
    std::fs::write(&file, before).unwrap();
    assert_eq!(kept(dir.path()).seq, 2);
    let g = Graph::open_path(dir.path()).unwrap();
    assert_eq!(g.meta().nodes, 3);
    drop(g);
    assert_eq!(kept(dir.path()).seq, 3);
}

#[test]
fn an_engine_behind_its_manifest_is_refused_every_time() {
    let dir = tempfile::tempdir().unwrap();
    commit_nodes(dir.path(), 2);
    let m = kept(dir.path());
    // As if the engine's log had lost the last commit.
    manifest::write(dir.path(), &Manifest { seq: 3, ..m }).unwrap();
    for _ in 0..2 {
        match Graph::open_path(dir.path()) {
            Err(StorageError::Corrupt(msg)) => {
                assert!(msg.contains("is damaged"), "{msg}");
                assert!(msg.contains("2 commits but 3 were acknowledged"), "{msg}");
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
    // The same commit count with other counts is damage too.
    std::fs::remove_file(dir.path().join(manifest::FILE_NAME)).unwrap();
    manifest::write(dir.path(), &Manifest { nodes: 5, ..m }).unwrap();
    assert!(matches!(
        Graph::open_path(dir.path()),
        Err(StorageError::Corrupt(_))
    ));
}

#[test]
fn a_removed_manifest_is_damage_but_a_database_from_before_manifests_gets_one() {
    let dir = tempfile::tempdir().unwrap();
    commit_nodes(dir.path(), 1);
    let file = dir.path().join(manifest::FILE_NAME);
    std::fs::remove_file(&file).unwrap();
    let e = Graph::open_path(dir.path()).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("manifest file"), "{e}");
    // An older build (format 4) wrote no commit count and no manifest: the
    // database moves to this format and gets one.
    {
        let store = super::sled_store::SledStore::open(dir.path()).unwrap();
        let batch = vec![(keys::meta("commit_seq"), None), format(4)];
        super::KvStore::apply(&store, batch).unwrap();
    }
    let g = Graph::open_path(dir.path()).unwrap();
    assert!(
        g.notice().unwrap().contains("had no manifest"),
        "{:?}",
        g.notice()
    );
    assert_eq!(
        super::KvStore::get(g.store(), &keys::meta("format")).unwrap(),
        format(super::graph::FORMAT_VERSION).1
    );
    drop(g);
    assert_eq!(kept(dir.path()).nodes, 1);
    // A new, empty database says nothing.
    let fresh = tempfile::tempdir().unwrap();
    assert!(Graph::open_path(fresh.path()).unwrap().notice().is_none());
}

/// A format-4 database: bare UTF-8 names in the catalog, no commit count,
/// no manifest. Opening moves it to this format with every name intact.
#[test]
fn a_format_4_database_moves_to_this_format_with_its_names() {
    use super::catalog::NameKind;
    let dir = tempfile::tempdir().unwrap();
    let names = |g: &Graph| -> Vec<Vec<String>> {
        [NameKind::Label, NameKind::Type, NameKind::Key]
            .map(|k| g.catalog().names(k).to_vec())
            .to_vec()
    };
    let before = {
        let mut g = Graph::open_path(dir.path()).unwrap();
        let mut st = g.begin();
        {
            let mut t = g.tx(&mut st);
            let label = t.catalog_mut().intern(NameKind::Label, "Fabrik");
            let key = t.catalog_mut().intern(NameKind::Key, "名前");
            t.create_node(super::NodeRecord {
                labels: vec![label],
                props: vec![(key, crate::value::Value::Int(1))],
            })
            .unwrap();
        }
        g.commit(st).unwrap();
        names(&g)
    };
    {
        let store = super::sled_store::SledStore::open(dir.path()).unwrap();
        let mut batch = vec![(keys::meta("commit_seq"), None), format(4)];
        for (kind, list) in before.iter().enumerate() {
            for (id, name) in list.iter().enumerate() {
                batch.push((
                    keys::catalog(kind as u8, id as u32),
                    Some(name.as_bytes().to_vec()),
                ));
            }
        }
        super::KvStore::apply(&store, batch).unwrap();
    }
    std::fs::remove_file(dir.path().join(manifest::FILE_NAME)).unwrap();
    let g = Graph::open_path(dir.path()).unwrap();
    assert!(g.notice().is_some());
    assert_eq!(names(&g), before);
    drop(g);
    let g = Graph::open_path(dir.path()).unwrap();
    assert_eq!(names(&g), before);
    assert_eq!(g.meta().nodes, 1);
}

/// A format-5 database: record blocks stored with end offsets. Opening
/// reads them as they are and moves the database to this format.
#[test]
fn a_format_5_database_reads_its_blocks_and_moves_to_this_format() {
    use super::catalog::NameKind;
    use super::sled_store::SledStore;
    use super::KvStore;
    let dir = tempfile::tempdir().unwrap();
    let records = {
        let mut g = Graph::open_path(dir.path()).unwrap();
        let mut st = g.begin();
        {
            let mut t = g.tx(&mut st);
            let key = t.catalog_mut().intern(NameKind::Key, "name");
            for i in 0..3 {
                t.create_node(super::NodeRecord {
                    labels: vec![],
                    props: vec![(key, crate::value::Value::String(format!("Factory {i}")))],
                })
                .unwrap();
            }
        }
        g.commit(st).unwrap();
        let mut st = g.begin();
        (0..3)
            .map(|i| g.tx(&mut st).node(i).unwrap())
            .collect::<Vec<_>>()
    };
    let (block_key, _) = keys::node_block(0);
    {
        let store = SledStore::open(dir.path()).unwrap();
        let block = store.get(&block_key).unwrap().unwrap();
        store.put_stored(&block_key, &super::compress::pack_as_format_5(&block));
        store.apply(vec![format(5)]).unwrap();
    }
    manifest::write(
        dir.path(),
        &Manifest {
            format: 5,
            ..kept(dir.path())
        },
    )
    .unwrap();
    let mut g = Graph::open_path(dir.path()).unwrap();
    let notice = g.notice().unwrap_or_default().to_string();
    assert!(notice.contains("moved from format 5 to 7"), "{notice}");
    let mut st = g.begin();
    let read: Vec<_> = (0..3).map(|i| g.tx(&mut st).node(i).unwrap()).collect();
    assert_eq!(read, records);
    assert_eq!(
        KvStore::get(g.store(), &keys::meta("format")).unwrap(),
        format(super::graph::FORMAT_VERSION).1
    );
    // A commit rewrites the block in this format; every record reads back.
    let mut changed = records.clone();
    let renamed = changed[1].as_mut().unwrap();
    renamed.props[0].1 = crate::value::Value::String("Factory 1, renamed".into());
    let (old, new) = (records[1].clone().unwrap(), renamed.clone());
    g.tx(&mut st).update_node(1, &old, new).unwrap();
    g.commit(st).unwrap();
    drop(g);
    assert_eq!(kept(dir.path()).format, super::graph::FORMAT_VERSION);
    let g = Graph::open_path(dir.path()).unwrap();
    assert!(g.notice().is_none());
    let mut st = g.begin();
    let read: Vec<_> = (0..3).map(|i| g.tx(&mut st).node(i).unwrap()).collect();
    assert_eq!(read, changed);
}

/// A database of a newer format is refused, and left as it was.
#[test]
fn a_newer_format_is_refused_and_left_alone() {
    use super::KvStore;
    let dir = tempfile::tempdir().unwrap();
    commit_nodes(dir.path(), 1);
    let newer = format(super::graph::FORMAT_VERSION + 1);
    {
        let store = super::sled_store::SledStore::open(dir.path()).unwrap();
        store.apply(vec![newer.clone()]).unwrap();
    }
    let before = kept(dir.path());
    let e = Graph::open_path(dir.path()).map(|_| ()).unwrap_err();
    assert!(e.to_string().contains("newer than this build's"), "{e}");
    let store = super::sled_store::SledStore::open(dir.path()).unwrap();
    assert_eq!(store.get(&newer.0).unwrap(), newer.1);
    assert_eq!(kept(dir.path()), before);
}
