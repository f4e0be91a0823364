//! Kills `import` with SIGKILL at several moments; every time the database
//! must reopen, pass `check`, and hold either none or all of the import.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supplygraph"))
}

fn write_dataset(dir: &Path, actors: usize, links: usize) {
    let mut a = std::io::BufWriter::new(std::fs::File::create(dir.join("actors.csv")).unwrap());
    writeln!(a, "id,name,kind").unwrap();
    for i in 0..actors {
        writeln!(a, "a{i},Actor {i},company").unwrap();
    }
    let mut l = std::io::BufWriter::new(std::fs::File::create(dir.join("links.csv")).unwrap());
    writeln!(l, "src,dst,type,value,confidence").unwrap();
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..links {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let s = x as usize % actors;
        let d = (x >> 20) as usize % actors;
        writeln!(l, "a{s},a{d},SUPPLIES,{},0.{}", x % 5000, x % 100).unwrap();
    }
}

fn check_counts(db: &Path) -> String {
    let o = bin().arg("check").arg(db).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "check failed after a kill:\n{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.trim().lines().last().unwrap_or("").to_string()
}

fn import_cmd(dir: &Path, db: &Path) -> Command {
    let mut c = bin();
    c.arg("import")
        .arg(db)
        .arg("--nodes")
        .arg(dir.join("actors.csv"))
        .arg("--relationships")
        .arg(dir.join("links.csv"));
    c
}

/// Each kill goes to an import into a fresh database. A kill that finds
/// the import already finished tests nothing, so it does not count: the
/// delays shrink until enough kills have landed while the import ran.
#[test]
fn import_killed_at_any_moment_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), 20_000, 120_000);
    let full = "ok: 20000 actors, 120000 links";
    let mut delays = [30u64, 150, 400, 900, 1600];
    let mut landed = 0;
    let mut emptied = None;
    for trial in 0..40 {
        if landed >= delays.len() {
            break;
        }
        let delay_ms = delays[trial % delays.len()];
        let db = dir.path().join(format!("db{trial}"));
        let mut child = import_cmd(dir.path(), &db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        // Killed before it made the directory: nothing was written at all.
        let counts = if db.exists() {
            check_counts(&db)
        } else {
            "ok: 0 actors, 0 links".to_string()
        };
        if finished {
            assert_eq!(counts, full, "a finished import is whole");
            for d in delays.iter_mut() {
                *d = (*d / 2).max(5);
            }
            continue;
        }
        landed += 1;
        if counts != full {
            assert_eq!(
                counts, "ok: 0 actors, 0 links",
                "a killed import left part of its data"
            );
            emptied = Some(db);
        }
    }
    assert!(
        landed >= delays.len(),
        "only {landed} kills landed while an import ran"
    );
    // A database a kill left empty takes the import again, whole.
    let db = emptied.expect("no kill landed before the import committed");
    let o = import_cmd(dir.path(), &db).output().unwrap();
    assert!(o.status.success());
    assert_eq!(check_counts(&db), full);
}
