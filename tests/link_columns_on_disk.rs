//! Through the binary: an import keeps link columns on disk (format 7).
//! An aggregate over every link and a filter over a hub's links, each run
//! first in a fresh process, answer as the records do; after a commit
//! changes links in every chunk they answer with the change; `check`
//! agrees with the columns throughout.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

fn run(db: &Path, q: &str) -> String {
    let o: Output = bin()
        .arg(db)
        .args(["--format", "csv", "-c", q])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{q}: {err}");
    String::from_utf8(o.stdout).unwrap()
}

const LINKS: usize = 5000;
const CATS: [&str; 3] = ["x", "y", "z"];

/// Link `i`: from `s{i % 99}` to the hub on even `i`, else to the next
/// supplier; category by turns, weight `i % 10`.
fn link(i: usize) -> (String, String, &'static str, usize) {
    let dst = match i % 2 {
        0 => "h".to_string(),
        _ => format!("s{}", (i + 1) % 99),
    };
    (format!("s{}", i % 99), dst, CATS[i % 3], i % 10)
}

/// The aggregate's csv, from the links as `cat` has them.
fn aggregate(cat: &dyn Fn(usize) -> &'static str) -> String {
    let mut by: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for i in 0..LINKS {
        let e = by.entry(cat(i)).or_default();
        e.0 += link(i).3;
        e.1 += 1;
    }
    let mut out = "c,w,n\n".to_string();
    for (c, (w, n)) in by {
        out += &format!("{c},{w},{n}\n");
    }
    out
}

#[test]
fn link_columns_on_disk_answer_as_the_records_before_and_after_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let (db, nodes, links) = (
        dir.path().join("db"),
        dir.path().join("n.csv"),
        dir.path().join("l.csv"),
    );
    let mut n = "id,name\nh,Hub\n".to_string();
    for s in 0..99 {
        n += &format!("s{s},Supplier {s}\n");
    }
    std::fs::write(&nodes, n).unwrap();
    let mut l = "src,dst,type,c,w:int\n".to_string();
    for i in 0..LINKS {
        let (src, dst, c, w) = link(i);
        l += &format!("{src},{dst},T,{c},{w}\n");
    }
    std::fs::write(&links, l).unwrap();
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(&nodes)
        .arg("--relationships")
        .arg(&links)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let check = |db: &Path| {
        let o = bin().arg("check").arg(db).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(o.status.success(), "{out}");
        assert!(out.ends_with("ok: 100 actors, 5000 links\n"), "{out}");
    };
    check(&db);

    let agg = "MATCH ()-[r:T]->() RETURN r.c AS c, sum(r.w) AS w, count(*) AS n ORDER BY c";
    let hub = "MATCH (h {id: 'h'})<-[r:T]-(s) WHERE r.c = 'x' RETURN count(*) AS n";
    let at_hub = |cat: &dyn Fn(usize) -> &'static str| {
        let n = (0..LINKS).filter(|&i| i % 2 == 0 && cat(i) == "x").count();
        format!("n\n{n}\n")
    };
    let loaded = |i: usize| link(i).2;
    assert_eq!(run(&db, agg), aggregate(&loaded));
    assert_eq!(run(&db, hub), at_hub(&loaded));

    // Links of weight 3 lie in every chunk; the commit drops the columns
    // of each, and the next fresh process reads their records.
    run(&db, "MATCH ()-[r:T]->() WHERE r.w = 3 SET r.c = 'x'");
    let changed = |i: usize| match link(i).3 {
        3 => "x",
        _ => link(i).2,
    };
    assert_ne!(aggregate(&changed), aggregate(&loaded));
    assert_eq!(run(&db, agg), aggregate(&changed));
    assert_eq!(run(&db, hub), at_hub(&changed));
    check(&db);
}
