//! Damaged files are detected, never served as a smaller database.
//!
//! A database is made as the issue found it losing data: one large commit
//! (an import, all in sled's log with no snapshot after it), then a reopen
//! and 20 small acknowledged commits after the last snapshot. Each seeded
//! trial copies it, damages one file of the directory (a flipped bit, a
//! zeroed 4 KiB page, or a truncation; files taken in turn so every file
//! gets its share) and runs the binary on it. Every trial must end one of
//! two ways:
//! - it opens and holds everything that was acknowledged (and `check` passes);
//! - it refuses, exit 3, `error[StorageError]: database … is damaged … (Corrupted)`,
//!   and so does `check` after it.
//!
//! Anything else fails the test: fewer rows, another exit code, a signal.
//! `SUPPLYGRAPH_DAMAGE_TRIALS=N` runs more trials than the default.

use std::path::{Path, PathBuf};
use std::process::Command;
use supplygraph::{Database, Params};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

const DUMP: &str = "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) \
    RETURN n.id AS n, n.seq AS s, size(n.blob) AS z, type(r) AS t, m.id AS m, r.w AS w \
    ORDER BY n, t, m, w";

/// A value too large for a sled page (over 128 KiB once compressed), so
/// sled writes it to a file of its own under `blobs/`.
fn blob_param(seed: u64) -> Params {
    let mut rng = Rng(seed);
    let s: String = (0..300_000)
        .map(|_| char::from(b'a' + rng.below(26) as u8))
        .collect();
    let mut p = Params::new();
    p.insert("blob".into(), supplygraph::value::Value::String(s));
    p
}

/// Makes the database: one large commit and a blob, then (if `more`) 20
/// small commits and a blob after a reopen. Returns what a reader must see.
fn make_template(db: &Path, more: bool) -> String {
    let p = Params::new();
    {
        let mut d = Database::open(db).unwrap();
        let mut q = String::from("UNWIND range(0, 399) AS i CREATE (:Actor {id: 'a' + i, seq: i, name: 'Actor number ' + i})");
        d.execute(&q, &p).unwrap();
        q = "MATCH (a:Actor), (b:Actor) WHERE b.seq = (a.seq * 7 + 3) % 400 \
             CREATE (a)-[:SUPPLIES {w: a.seq}]->(b)"
            .into();
        d.execute(&q, &p).unwrap();
        d.execute("CREATE (:Big {id: 'big0', blob: $blob})", &blob_param(0))
            .unwrap();
    }
    if more {
        let mut d = Database::open(db).unwrap();
        for i in 0..20 {
            let q = format!(
                "MATCH (a:Actor {{id: 'a{i}'}}) CREATE (a)-[:OWNS {{w: {i}}}]->(:Company {{id: 'c{i}', seq: {i}}})"
            );
            d.execute(&q, &p).unwrap();
        }
        d.execute("CREATE (:Big {id: 'big1', blob: $blob})", &blob_param(1))
            .unwrap();
    }
    // Read from a copy: opening writes a snapshot of what sled recovered,
    // and the damage must meet the files as the writer left them.
    let copy = db.with_extension("copy");
    copy_dir(db, &copy);
    let want = dump(&copy).expect("the undamaged database opens");
    std::fs::remove_dir_all(&copy).unwrap();
    want
}

/// The binary's CSV of `DUMP`, or its exit code and stderr.
fn dump(db: &Path) -> Result<String, (Option<i32>, String)> {
    let o = bin()
        .arg(db)
        .args(["--format", "csv", "-c", DUMP])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    if o.status.success() && err.is_empty() {
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    } else {
        Err((o.status.code(), err))
    }
}

/// A file's kind: its name, but one for all snapshots and one for all blobs.
fn kind_of(name: &Path) -> String {
    let file = name.display().to_string();
    if file.starts_with("snap.") {
        "snap.*".into()
    } else if file.starts_with("blobs") {
        "blobs/*".into()
    } else {
        file
    }
}

/// `check` refuses the damaged database too (it was already opened once).
fn refused_by_check(db: &Path) -> bool {
    let o = bin().arg("check").arg(db).output().unwrap();
    o.status.code() == Some(3) && String::from_utf8_lossy(&o.stderr).contains("(Corrupted)")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if std::fs::metadata(&p).map(|m| m.len() > 0).unwrap_or(false) {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Damages `file` as trial `kind` says; returns what was done.
fn damage(file: &Path, kind: u64, rng: &mut Rng) -> String {
    let mut bytes = std::fs::read(file).unwrap();
    let len = bytes.len() as u64;
    match kind {
        0 => {
            let at = rng.below(len as usize) as u64;
            let bit = rng.below(8) as u64;
            bytes[at as usize] ^= 1 << bit;
            std::fs::write(file, &bytes).unwrap();
            format!("flipped bit {bit} of byte {at}")
        }
        1 => {
            let page = rng.below(len.div_ceil(4096) as usize) as u64 * 4096;
            let end = (page + 4096).min(len);
            bytes[page as usize..end as usize].fill(0);
            std::fs::write(file, &bytes).unwrap();
            format!("zeroed bytes {page}..{end}")
        }
        _ => {
            let at = rng.below(len as usize) as u64;
            bytes.truncate(at as usize);
            std::fs::write(file, &bytes).unwrap();
            format!("truncated to {at} bytes")
        }
    }
}

#[test]
fn damaged_files_open_whole_or_are_refused() {
    let trials: u64 = std::env::var("SUPPLYGRAPH_DAMAGE_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let work = tempfile::tempdir().unwrap();
    let mut templates = Vec::new();
    for (i, more) in [false, true].into_iter().enumerate() {
        let template = work.path().join(format!("template{i}"));
        let want = make_template(&template, more);
        assert!(want.lines().count() > 400, "{want}");
        let names: Vec<PathBuf> = files(&template)
            .into_iter()
            .map(|p| p.strip_prefix(&template).unwrap().to_path_buf())
            .collect();
        assert!(
            names.iter().any(|n| n.ends_with("supplygraph.manifest")),
            "{names:?}"
        );
        templates.push((template, want, names));
    }
    let mut rng = Rng(16);
    let mut outcomes = std::collections::BTreeMap::<String, u32>::new();
    let mut failures = Vec::new();
    for trial in 0..trials {
        let db = work.path().join(format!("t{trial}"));
        let (template, want, names) = &templates[trial as usize % 2];
        copy_dir(template, &db);
        // Each kind of file in turn (there may be many blobs), then one
        // file of that kind at random.
        let t = trial / 2;
        let mut kinds: Vec<String> = names.iter().map(|n| kind_of(n)).collect();
        kinds.dedup();
        let of_kind: Vec<&PathBuf> = names
            .iter()
            .filter(|n| kind_of(n) == kinds[t as usize % kinds.len()])
            .collect();
        let name = of_kind[rng.below(of_kind.len())];
        let kind = (t / kinds.len() as u64) % 3;
        let what = damage(&db.join(name), kind, &mut rng);
        let outcome = match dump(&db) {
            Ok(got) if &got == want => {
                let c = bin().arg("check").arg(&db).output().unwrap();
                if c.status.success() {
                    "opened whole"
                } else {
                    "opened whole but check failed"
                }
            }
            Ok(_) => "opened with other rows",
            Err((Some(3), err))
                if err.contains(" is damaged")
                    && err.contains("(Corrupted)")
                    && refused_by_check(&db) =>
            {
                // The first would have opened as a smaller database
                // without the manifest.
                if err.contains("were acknowledged") || err.contains("lost its format") {
                    "refused as damaged: commits lost"
                } else {
                    "refused as damaged"
                }
            }
            Err((code, err)) => {
                failures.push(format!(
                    "trial {trial}: {} {what}: exit {code:?}: {err}",
                    name.display()
                ));
                "other failure"
            }
        };
        let file = kind_of(name);
        let made = ["import only", "import, reopen, 20 commits"][trial as usize % 2];
        *outcomes
            .entry(format!("{made}: {file}: {outcome}"))
            .or_default() += 1;
        if !outcome.starts_with("opened whole") && !outcome.starts_with("refused") {
            if outcome != "other failure" {
                failures.push(format!(
                    "trial {trial}: {} {what}: {outcome}",
                    name.display()
                ));
            }
        } else if outcome.ends_with("check failed") {
            failures.push(format!(
                "trial {trial}: {} {what}: {outcome}",
                name.display()
            ));
        }
        let _ = std::fs::remove_dir_all(&db);
    }
    eprintln!("{trials} trials: {outcomes:#?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let refused: u32 = outcomes
        .iter()
        .filter(|(k, _)| k.ends_with("refused as damaged"))
        .map(|(_, n)| n)
        .sum();
    assert!(refused > 0, "no trial damaged anything: {outcomes:#?}");
}
