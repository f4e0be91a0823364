//! 10,000 single-link MERGE statements through the binary, each committing
//! on its own (one sled flush per statement). Only correctness is asserted:
//! the actors and links the statements name, each once, and a second run of
//! statements that all match changes nothing. The throughput is measured by
//! hand with the release binary (see the issue #6 report), never asserted.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const STATEMENTS: usize = 10_000;
const ACTORS: u64 = 2_000;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

/// The script, and the distinct actors and (source, target) pairs it names.
fn script() -> (String, HashSet<u64>, HashSet<(u64, u64)>) {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut text = String::new();
    let mut actors = HashSet::new();
    let mut pairs = HashSet::new();
    for _ in 0..STATEMENTS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let (a, b) = (x % ACTORS, (x >> 32) % ACTORS);
        actors.insert(a);
        actors.insert(b);
        pairs.insert((a, b));
        writeln!(
            text,
            "MERGE (a:Actor {{id: 'a{a}'}}) MERGE (b:Actor {{id: 'a{b}'}}) \
             MERGE (a)-[:SUPPLIES {{category: 'c'}}]->(b);"
        )
        .unwrap();
    }
    (text, actors, pairs)
}

fn query(db: &Path, q: &str) -> String {
    let o = bin()
        .arg(db)
        .args(["--format", "csv", "-c", q])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{q}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn ten_thousand_single_link_merges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let file = dir.path().join("merges.cypher");
    let (text, actors, pairs) = script();
    std::fs::write(&file, &text).unwrap();
    let run = |file: &Path| {
        let o = bin()
            .arg(&db)
            .arg("-f")
            .arg(file)
            .args(["--format", "csv"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // MERGE without RETURN prints nothing
        assert_eq!(String::from_utf8_lossy(&o.stdout), "");
    };
    run(&file);
    let expect = format!("ok: {} actors, {} links", actors.len(), pairs.len());
    let check = || {
        let o = bin().arg("check").arg(&db).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    assert_eq!(check(), expect);
    assert_eq!(
        query(
            &db,
            "MATCH (a:Actor) WITH count(a) AS n \
             MATCH ()-[r:SUPPLIES {category: 'c'}]->() RETURN n, count(r) AS r"
        ),
        format!("n,r\n{},{}\n", actors.len(), pairs.len())
    );
    // no pair got two links, no id two actors
    assert_eq!(
        query(
            &db,
            "MATCH (a)-[r]->(b) WITH a, b, count(r) AS c WHERE c > 1 RETURN count(*) AS dup"
        ),
        "dup\n0\n"
    );
    assert_eq!(
        query(
            &db,
            "MATCH (a:Actor) WITH a.id AS id, count(*) AS c WHERE c > 1 RETURN count(*) AS dup"
        ),
        "dup\n0\n"
    );
    // a pair the script names is linked the way round it says
    let (a, b) = *pairs
        .iter()
        .find(|(a, b)| !pairs.contains(&(*b, *a)))
        .unwrap();
    assert_eq!(
        query(
            &db,
            &format!("MATCH (:Actor {{id: 'a{a}'}})-[r:SUPPLIES]->(:Actor {{id: 'a{b}'}}) RETURN count(r) AS c")
        ),
        "c\n1\n"
    );
    assert_eq!(
        query(
            &db,
            &format!("MATCH (:Actor {{id: 'a{b}'}})-[r:SUPPLIES]->(:Actor {{id: 'a{a}'}}) RETURN count(r) AS c")
        ),
        "c\n0\n"
    );
    // every MERGE now matches: running part of the script again changes nothing
    let again = dir.path().join("again.cypher");
    let part: String = text.lines().take(1000).map(|l| format!("{l}\n")).collect();
    std::fs::write(&again, part).unwrap();
    run(&again);
    assert_eq!(check(), expect);
}
