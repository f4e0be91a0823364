//! sled patch 4 (`Db::compact`) as `reclaim` uses it: the log packed to
//! its live pages, and nothing lost to a kill while pages move.

use super::tests::{layout, SEGMENT};
use super::*;
use crate::test_process::{in_own_process, this_test};

const KEYS: u16 = 2048;
const VALUE: usize = 2 << 10;

fn key(i: u16) -> Vec<u8> {
    let [a, b] = i.to_be_bytes();
    vec![crate::store::keys::META, b'c', a, b]
}

/// Writes 4 MiB under 2,048 keys, then writes every third key again:
/// the first round's segments are left about two thirds live, above
/// the half that sled's own cleaner waits for. Returns each key's last
/// value.
fn write_then_overwrite_a_third(s: &SledStore) -> Vec<Vec<u8>> {
    let rounds = rounds();
    for round in &rounds {
        for chunk in round.chunks(64) {
            s.apply(
                chunk
                    .iter()
                    .map(|(i, v)| (key(*i), Some(v.clone())))
                    .collect(),
            )
            .unwrap();
        }
    }
    last_values(rounds)
}

/// The two rounds of writes, the same every time.
fn rounds() -> Vec<Vec<(u16, Vec<u8>)>> {
    let mut rng = crate::test_rng::XorShift(0x2545_f491_4f6c_dd1d);
    let mut noise = || -> Vec<u8> { (0..VALUE).map(|_| rng.next() as u8).collect() };
    (0..2)
        .map(|round| {
            (0..KEYS)
                .filter(|i| round == 0 || i % 3 == 0)
                .map(|i| (i, noise()))
                .collect()
        })
        .collect()
}

fn last_values(rounds: Vec<Vec<(u16, Vec<u8>)>>) -> Vec<Vec<u8>> {
    let mut last = vec![Vec::new(); KEYS as usize];
    for (i, v) in rounds.into_iter().flatten() {
        last[i as usize] = v;
    }
    last
}

fn assert_all(s: &SledStore, last: &[Vec<u8>]) {
    for i in 0..KEYS {
        assert_eq!(
            s.get(&key(i)).unwrap().as_ref(),
            Some(&last[i as usize]),
            "key {i}"
        );
    }
}

/// `reclaim` packs the live pages together (sled patch 4): afterwards
/// the log takes about what is live, and every value is still there.
#[test]
fn reclaim_packs_a_partly_live_log_to_its_live_pages() {
    if in_own_process(
        "store::sled_store::compaction_tests::reclaim_packs_a_partly_live_log_to_its_live_pages",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut s = SledStore::open(dir.path()).unwrap();
    let last = write_then_overwrite_a_third(&s);
    s.db().unwrap().flush().unwrap();
    let before = layout(dir.path());
    s.reclaim().unwrap();
    let after = layout(dir.path());
    assert_all(&s, &last);
    drop(s);
    let s = SledStore::open(dir.path()).unwrap();
    assert_all(&s, &last);
    // Without the compaction the log kept 8.5-9.5 MiB (sled cleans a
    // segment only once at most half of it is live); with it, 5.0-5.5.
    let live = u64::from(KEYS) * VALUE as u64;
    let reopened = layout(dir.path());
    let all = (live, &before, &after, &reopened);
    assert!(after.allocated <= live * 8 / 5, "packed: {all:?}");
    assert!(
        reopened.allocated <= after.allocated + SEGMENT,
        "stays packed: {all:?}"
    );
    // Opened once more, the free segments are holes already (patch 1
    // leaves them as they are), and every value still reads.
    drop(s);
    let s = SledStore::open(dir.path()).unwrap();
    assert_all(&s, &last);
    let again = layout(dir.path());
    assert!(
        again.allocated <= reopened.allocated + SEGMENT,
        "stays packed when opened again: {again:?} {all:?}"
    );
}

/// A process killed while sled patch 4 moves pages loses nothing:
/// moving a page is one of sled's logged writes, so the log replays to
/// the page's old place or its new one. Each trial kills a child
/// process a little later after it starts moving pages (7-8 ms of work
/// in a debug build); a kill that finds the moves done does not count.
#[test]
fn a_kill_while_pages_are_moved_loses_nothing() {
    const CHILD: &str = "SUPPLYGRAPH_COMPACT_CHILD";
    if let Some(dir) = std::env::var_os(CHILD) {
        let mut s = SledStore::open(Path::new(&dir)).unwrap();
        write_then_overwrite_a_third(&s);
        println!("compacting");
        s.db().unwrap().compact(COMPACT_AT_MOST_LIVE_PCT).unwrap();
        println!("compacted");
        s.reclaim().unwrap();
        return;
    }
    use std::io::{BufRead, Read};
    let last = last_values(rounds());
    let name = "store::sled_store::compaction_tests::a_kill_while_pages_are_moved_loses_nothing";
    let (mut landed, mut missed) = (0, 0);
    let mut delay_us = 1000;
    while landed < 4 {
        assert!(missed < 40, "only {landed} kills landed while pages moved");
        let dir = tempfile::tempdir().unwrap();
        let mut child = this_test(name)
            .env(CHILD, dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // libtest's "test … … " line has no newline before ours.
        while !line.trim_end().ends_with("compacting") {
            line.clear();
            assert_ne!(
                out.read_line(&mut line).unwrap(),
                0,
                "the child ended early"
            );
        }
        std::thread::sleep(std::time::Duration::from_micros(delay_us));
        child.kill().unwrap();
        child.wait().unwrap();
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        if rest.contains("compacted") {
            missed += 1;
            delay_us /= 2;
        } else {
            landed += 1;
            delay_us += 1000;
        }
        let s = SledStore::open(dir.path()).unwrap();
        assert_all(&s, &last);
    }
}

/// A page too large for a log segment lives in blob files, and the log
/// only points there; moving such a page writes it again, whole, into new
/// blob files, or for a lone blob only its pointer (which of the two, and
/// whether the segment holding the pointer is moved at all, depends on
/// sled's timing, so no test here can ask for either). Blobs written,
/// overwritten and deleted around a compaction all read back, before and
/// after a reopen, and the log is packed. (In a process of its own: in a full run, other tests'
/// sled instances once left the segment pointing at them unsettled.)
#[test]
fn pages_that_point_at_blobs_are_moved_too() {
    if in_own_process(
        "store::sled_store::compaction_tests::pages_that_point_at_blobs_are_moved_too",
    ) {
        return;
    }
    let blob_key = |i: usize| vec![crate::store::keys::META, b'b', i as u8];
    let dir = tempfile::tempdir().unwrap();
    let mut s = SledStore::open(dir.path()).unwrap();
    let mut rng = crate::test_rng::XorShift(0x51_7cc1_b727_220a);
    let mut blob = || -> Vec<u8> { (0..300 << 10).map(|_| rng.next() as u8).collect() };
    let mut want: Vec<Option<Vec<u8>>> = (0..8).map(|_| Some(blob())).collect();
    for (i, v) in want.iter().enumerate() {
        s.apply(vec![(blob_key(i), v.clone())]).unwrap();
    }
    let last = write_then_overwrite_a_third(&s);
    want[1] = Some(blob());
    want[6] = None;
    s.apply(vec![(blob_key(1), want[1].clone()), (blob_key(6), None)])
        .unwrap();
    let check = |s: &SledStore| {
        for (i, v) in want.iter().enumerate() {
            assert!(&s.get(&blob_key(i)).unwrap() == v, "blob {i}");
        }
        assert_all(s, &last);
    };
    let blobs = || std::fs::read_dir(dir.path().join("blobs")).unwrap().count();
    // Here the leaf that holds the large values is kept in blobs.
    assert!(blobs() >= 1, "the large values are in blobs");
    s.reclaim().unwrap();
    check(&s);
    drop(s);
    check(&SledStore::open(dir.path()).unwrap());
    assert!(blobs() >= 1, "and stay there");
    // The log (the blobs apart) was packed as in the test above: the
    // compaction ran over the pages that point at blobs.
    let live = u64::from(KEYS) * VALUE as u64;
    let l = layout(dir.path());
    assert!(l.allocated <= live * 8 / 5, "packed: {l:?}");
}
