//! Kills a batch of small updating statements (CREATE, MERGE, SET, DELETE)
//! with SIGKILL at several pseudo-random moments. Each statement returns a
//! marker (`ok-N`) once it has committed; after every kill the database must
//! pass `check` and hold exactly the statements whose marker was printed
//! (the one in flight may be there or not, but whole or not at all).
//!
//! The oracle is the same statements run on an in-memory database in this
//! process: after a kill, the database on disk must equal the oracle after
//! the printed statements, or after one more.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use supplygraph::value::Value;
use supplygraph::{Database, Params};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Statement `i` (0-based) returns `ok-i`. Every statement changes the
/// graph, so the states after `k` and `k + 1` statements always differ.
fn script(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut pairs: Vec<usize> = Vec::new(); // p{i} exist for these (never deleted)
    let mut qs: Vec<usize> = Vec::new(); // q{i} that still exist
    let mut links: Vec<(usize, usize)> = Vec::new(); // live TRADES links: (tag, q target or usize::MAX)
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let roll = if pairs.len() < 3 { 0 } else { rng.below(100) };
        let s = match roll {
            0..=34 => {
                pairs.push(i);
                qs.push(i);
                format!(
                    "CREATE (a:Actor {{id: 'p{i}', seq: {i}}})-[:SUPPLIES {{seq: {i}, category: 'c{}'}}]->\
                     (b:Actor:Factory {{id: 'q{i}', seq: {i}}})",
                    i % 7
                )
            }
            35..=49 if !qs.is_empty() => {
                let x = pairs[rng.below(pairs.len())];
                let y = qs[rng.below(qs.len())];
                links.push((i, y));
                format!(
                    "MERGE (a:Actor {{id: 'p{x}'}}) MERGE (b:Actor {{id: 'q{y}'}}) \
                     MERGE (a)-[r:TRADES {{tag: 'm{i}'}}]->(b) ON CREATE SET r.at = {i}"
                )
            }
            50..=57 => {
                // MERGE that creates both a new actor and a link to it
                let x = pairs[rng.below(pairs.len())];
                links.push((i, usize::MAX));
                format!(
                    "MERGE (a:Actor {{id: 'p{x}'}}) MERGE (b:Actor {{id: 'n{i}'}}) \
                     MERGE (a)-[r:TRADES {{tag: 'm{i}'}}]->(b)"
                )
            }
            58..=72 => {
                let x = pairs[rng.below(pairs.len())];
                format!(
                    "MATCH (a:Actor {{id: 'p{x}'}}) SET a.last = {i}, \
                     a.hits = coalesce(a.hits, 0) + 1, a:Touched, a.name = 'name {i}'"
                )
            }
            73..=80 if !links.is_empty() => {
                let (t, _) = links[rng.below(links.len())];
                format!("MATCH ()-[r:TRADES {{tag: 'm{t}'}}]->() SET r.w = {i}, r.note = null")
            }
            81..=93 if !links.is_empty() => {
                let (t, _) = links.swap_remove(rng.below(links.len()));
                format!("MATCH ()-[r:TRADES {{tag: 'm{t}'}}]->() DELETE r")
            }
            94..=99 if qs.len() > 1 => {
                let y = qs.swap_remove(rng.below(qs.len()));
                links.retain(|&(_, q)| q != y);
                format!("MATCH (b:Actor {{id: 'q{y}'}}) DETACH DELETE b")
            }
            _ => {
                pairs.push(i);
                qs.push(i);
                format!(
                    "CREATE (a:Actor {{id: 'p{i}', seq: {i}}})-[:SUPPLIES {{seq: {i}}}]->\
                     (b:Actor {{id: 'q{i}', seq: {i}}})"
                )
            }
        };
        out.push(format!("{s} RETURN 'ok-{i}' AS done"));
    }
    out
}

fn run(db: &mut Database, q: &str) -> Vec<Vec<Value>> {
    match db.execute(q, &Params::new()) {
        Ok(r) => r.rows,
        Err(e) => panic!("{q}: {}", e.message),
    }
}

/// Every node and link, order-independent, with sorted labels.
/// `check`'s line for a sound database (`1 link`, `2 links`).
fn ok_line(actors: usize, links: usize) -> String {
    use supplygraph::io::format::count;
    format!(
        "ok: {}, {}",
        count(actors as u64, "actor", "actors"),
        count(links as u64, "link", "links")
    )
}

fn dump(db: &mut Database) -> (usize, usize, Vec<String>) {
    let mut lines = Vec::new();
    let nodes = run(db, "MATCH (n) RETURN n.id, labels(n), properties(n)");
    for r in &nodes {
        let mut labels = match &r[1] {
            Value::List(l) => l.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>(),
            other => panic!("labels: {other:?}"),
        };
        labels.sort();
        lines.push(format!("node {:?} {labels:?} {:?}", r[0], r[2]));
    }
    let links = run(
        db,
        "MATCH (a)-[r]->(b) RETURN a.id, type(r), b.id, properties(r)",
    );
    for r in &links {
        lines.push(format!("link {:?} {:?} {:?} {:?}", r[0], r[1], r[2], r[3]));
    }
    lines.sort();
    (nodes.len(), links.len(), lines)
}

fn check(db: &Path) -> String {
    let o = bin().arg("check").arg(db).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "check failed after a kill:\n{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.trim().lines().last().unwrap_or("").to_string()
}

fn diff(a: &[String], b: &[String]) -> String {
    let mut s = String::new();
    for l in a.iter().filter(|l| !b.contains(l)).take(5) {
        let _ = writeln!(s, "  only on disk: {l}");
    }
    for l in b.iter().filter(|l| !a.contains(l)).take(5) {
        let _ = writeln!(s, "  only in oracle: {l}");
    }
    s
}

/// Runs statements `from..` of the script in a child; kills it after
/// `delay` (or lets it finish). Returns the markers it printed and its stderr.
fn run_child(
    dir: &Path,
    db: &Path,
    stmts: &[String],
    from: usize,
    delay: Option<Duration>,
) -> (Vec<usize>, String, bool) {
    let file = dir.join(format!("script-{from}.cypher"));
    let mut text = String::new();
    for s in &stmts[from..] {
        text.push_str(s);
        text.push_str(";\n");
    }
    std::fs::write(&file, text).unwrap();
    let mut child = bin()
        .arg(db)
        .arg("-f")
        .arg(&file)
        .args(["--format", "csv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let finished = match delay {
        Some(d) => {
            std::thread::sleep(d);
            let _ = child.kill(); // SIGKILL on Unix
            let status = child.wait().unwrap();
            status.success()
        }
        None => {
            let status = child.wait().unwrap();
            assert!(status.success(), "the batch failed: {status:?}");
            true
        }
    };
    let out = out_t.join().unwrap();
    let err = err_t.join().unwrap();
    let mut markers = Vec::new();
    for line in out.lines() {
        match line {
            "done" | "" => {}
            l => markers.push(
                l.strip_prefix("ok-")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("unexpected output line {l:?}")),
            ),
        }
    }
    (markers, err, finished)
}

#[test]
fn updates_killed_at_any_moment_keep_exactly_what_was_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let stmts = script(1500, 0x2545f4914f6cdd1d);
    let mut oracle = Database::open_memory().unwrap();
    let mut applied = 0; // statements the oracle (and the disk) hold
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut reported_total = 0;
    let mut in_flight_committed = 0;
    for round in 0..8 {
        if applied == stmts.len() {
            break;
        }
        let delay = Duration::from_millis(120 + rng.below(700) as u64);
        let (markers, err, finished) = run_child(dir.path(), &db, &stmts, applied, Some(delay));
        assert!(!err.contains("error["), "round {round}: {err}");
        // markers come in order, one per statement, starting where we resumed
        let expect: Vec<usize> = (applied..applied + markers.len()).collect();
        assert_eq!(markers, expect, "round {round}: markers out of order");
        reported_total += markers.len();
        let reported = applied + markers.len();
        let counts = check(&db);
        // bring the oracle to the reported prefix
        for (i, s) in stmts.iter().enumerate().take(reported).skip(applied) {
            let rows = run(&mut oracle, s);
            assert_eq!(rows, vec![vec![Value::String(format!("ok-{i}"))]], "{s}");
        }
        applied = reported;
        let want = dump(&mut oracle);
        let got = {
            let mut disk = Database::open(&db).unwrap();
            dump(&mut disk)
        };
        if got != want && !finished && applied < stmts.len() {
            // the statement in flight committed but had no time to report
            let s = &stmts[applied];
            run(&mut oracle, s);
            applied += 1;
            in_flight_committed += 1;
            let want1 = dump(&mut oracle);
            assert!(
                got == want1,
                "round {round} (killed after {delay:?}, {} reported): the database holds \
                 neither the reported statements nor one more ({s}):\n{}",
                markers.len(),
                diff(&got.2, &want1.2)
            );
        } else {
            assert!(
                got == want,
                "round {round}: the database differs from the reported statements:\n{}",
                diff(&got.2, &want.2)
            );
        }
        assert_eq!(counts, ok_line(got.0, got.1), "round {round}: check counts");
        // explicit spot checks: every reported CREATE pair is whole
        let mut disk = Database::open(&db).unwrap();
        for (i, s) in stmts.iter().enumerate().take(applied) {
            if s.starts_with("CREATE") && i % 5 == 0 {
                let rows = run(
                    &mut disk,
                    &format!(
                        "MATCH (a:Actor {{id: 'p{i}'}})-[:SUPPLIES]->(b:Actor {{id: 'q{i}'}}) \
                         RETURN count(*) AS c"
                    ),
                );
                let c = &rows[0][0];
                // q{i} may have been DETACH DELETEd (and re-MERGEd) since
                assert!(
                    *c == Value::Int(1) || *c == Value::Int(0),
                    "pair {i}: {c:?}"
                );
                let p = run(
                    &mut disk,
                    &format!("MATCH (a:Actor {{id: 'p{i}'}}) RETURN a.seq"),
                );
                assert_eq!(p, vec![vec![Value::Int(i as i64)]], "p{i} missing");
            }
        }
    }
    assert!(
        reported_total > 0,
        "no killed child reported anything: is stdout flushed per statement?"
    );
    // finish the script; the result must be the whole of it
    let (markers, err, _) = run_child(dir.path(), &db, &stmts, applied, None);
    // Outside tables, update counters go to stderr: nothing else may.
    assert!(
        err.lines()
            .all(|l| l.starts_with('+') || l.starts_with('-')),
        "{err}"
    );
    assert_eq!(markers.len(), stmts.len() - applied);
    for s in &stmts[applied..] {
        run(&mut oracle, s);
    }
    let want = dump(&mut oracle);
    let got = dump(&mut Database::open(&db).unwrap());
    assert!(got == want, "final state:\n{}", diff(&got.2, &want.2));
    assert_eq!(check(&db), ok_line(got.0, got.1));
    eprintln!(
        "{reported_total} statements reported before kills, {in_flight_committed} in-flight commits seen"
    );
}
