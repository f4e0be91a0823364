//! Seeded mutation fuzzing of CSV import (issue 16): a mutated node or link
//! file never panics the importer, and the import is all or nothing: either
//! every node and link it reports is in the database, or it fails with an
//! `ImportError` that names the file and line, and the database is empty.
//!
//! Trial `i` uses seed `i`; a failure names the seed. The default is 300
//! trials; `SUPPLYGRAPH_FUZZ_IMPORTS=N` runs N (nightly: 100,000 with
//! `cargo test --release --test fuzz_import`).

#[path = "common/rng.rs"]
mod rng;

use rng::Rng;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use supplygraph::io::import::{self, Source};
use supplygraph::{Database, Params};

const NODES: &str = "id,name,kind,since:int,share:float,tags:string[],when:date\n\
a1,Alpha,Country,2001,0.5,x;y,2022\n\
a2,\"Beta, Inc\",Company,2002,0.25,,2022-03\n\
a3,\"Gam \"\"ma\"\"\",Factory,,1e3,z,2022-03-01\n\
a4,Delta,Person,2004,,,\n";

const LINKS: &str = "src,dst,type,value,evidence,since\n\
a1,a2,SUPPLIES,10,confirmed,2020\n\
a2,a3,SUPPLIES,2.5,reported,2021\n\
a3,a1,OWNS,,alleged,\n\
a4,a4,LEADS,1,,2019\n";

/// Pieces that stress a CSV reader and the column types.
const PIECES: &[&str] = &[
    "\"",
    "\"\"",
    ",",
    "\n",
    "\r\n",
    "\r",
    ";",
    ":int",
    ":float",
    ":date",
    ":bool",
    ":string[]",
    ":nope",
    "id",
    "src",
    "dst",
    "type",
    "labels",
    "kind",
    "a1",
    "a9",
    "-",
    "1e999",
    "NaN",
    "9223372036854775808",
    "2022-13-40",
    "0..1",
    "\u{feff}",
    "\0",
    "中国",
    " ",
    "",
];

fn mutate(base: &str, rng: &mut Rng) -> String {
    let mut s = base.to_string();
    for _ in 0..1 + rng.below(3) {
        let b: Vec<usize> = s
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(s.len()))
            .collect();
        let i = rng.below(b.len());
        let at = b[i];
        // A few characters on, on a character boundary.
        let till = |n: usize, rng: &mut Rng| b[(i + rng.below(n)).min(b.len() - 1)];
        match rng.below(5) {
            0 => s.insert_str(at, rng.pick(PIECES)),
            1 => s.replace_range(at..till(12, rng), ""),
            2 => {
                let to = till(6, rng);
                s.replace_range(at..to, rng.pick(PIECES));
            }
            3 => {
                let piece = s[at..till(40, rng)].to_string();
                s.insert_str(at, &piece);
            }
            _ => s.truncate(at),
        }
    }
    s
}

fn count(db: &mut Database, q: &str) -> i64 {
    let r = db.execute(q, &Params::new()).unwrap();
    match r.rows[0][0] {
        supplygraph::value::Value::Int(n) => n,
        ref v => panic!("{v:?}"),
    }
}

/// Runs one trial; `Err` describes a broken promise.
fn trial(seed: u64, dir: &Path) -> Result<bool, String> {
    let mut rng = Rng(seed);
    let (nodes, links) = match rng.below(3) {
        0 => (mutate(NODES, &mut rng), LINKS.to_string()),
        1 => (NODES.to_string(), mutate(LINKS, &mut rng)),
        _ => (mutate(NODES, &mut rng), mutate(LINKS, &mut rng)),
    };
    let (np, lp) = (dir.join("nodes.csv"), dir.join("links.csv"));
    std::fs::write(&np, &nodes).unwrap();
    std::fs::write(&lp, &links).unwrap();
    let label = if rng.below(2) == 0 { "Actor=" } else { "" };
    let mut db = Database::open_memory().unwrap();
    let run = catch_unwind(AssertUnwindSafe(|| {
        import::import(
            db.graph_mut(),
            &[Source::parse(&format!("{label}{}", np.display()))],
            &[Source::parse(&lp.display().to_string())],
            &mut |_, _| {},
        )
    }));
    let show = || format!("nodes {nodes:?}\nlinks {links:?}");
    let (n, r) = (
        count(&mut db, "MATCH (n) RETURN count(*)"),
        count(&mut db, "MATCH ()-[r]->() RETURN count(*)"),
    );
    match run {
        Err(_) => Err(format!("import panicked\n{}", show())),
        Ok(Ok(s)) if (s.nodes as i64, s.rels as i64) == (n, r) => Ok(true),
        Ok(Ok(s)) => Err(format!(
            "reported {} nodes {} links, holds {n}, {r}\n{}",
            s.nodes,
            s.rels,
            show()
        )),
        Ok(Err(e)) => {
            let placed = [&np, &lp].iter().any(|p| {
                e.message
                    .strip_prefix(&format!("{}:", p.display()))
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            });
            if (n, r) != (0, 0) {
                Err(format!(
                    "failed ({}) but wrote {n} nodes, {r} links\n{}",
                    e.message,
                    show()
                ))
            } else if e.kind != supplygraph::ErrorKind::ImportError || e.code.is_empty() || !placed
            {
                Err(format!(
                    "error without a file:line or code: {:?} {} ({})\n{}",
                    e.kind,
                    e.message,
                    e.code,
                    show()
                ))
            } else {
                Ok(false)
            }
        }
    }
}

#[test]
fn mutated_csv_imports_all_or_nothing_with_a_placed_error() {
    let trials: u64 = std::env::var("SUPPLYGRAPH_FUZZ_IMPORTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let dir = tempfile::tempdir().unwrap();
    let (mut imported, mut refused) = (0u64, 0u64);
    let mut failures = Vec::new();
    for seed in 0..trials {
        match trial(seed, dir.path()) {
            Ok(true) => imported += 1,
            Ok(false) => refused += 1,
            Err(m) => failures.push(format!("seed {seed}: {m}")),
        }
    }
    eprintln!("{trials} mutated imports: {imported} imported, {refused} refused with a place");
    assert!(imported > 0 && refused > 0, "{imported} {refused}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
