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

#[test]
fn import_killed_at_any_moment_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), 20_000, 120_000);
    let db = dir.path().join("db");
    let full = "ok: 20000 actors, 120000 links";
    let mut seen_empty = false;
    for delay_ms in [30u64, 150, 400, 900, 1600] {
        let mut child = bin()
            .arg("import")
            .arg(&db)
            .arg("--nodes")
            .arg(dir.path().join("actors.csv"))
            .arg("--relationships")
            .arg(dir.path().join("links.csv"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        let counts = check_counts(&db);
        if counts == full {
            return; // the import had committed before the kill: all of it is there
        }
        assert_eq!(
            counts, "ok: 0 actors, 0 links",
            "a killed import left part of its data"
        );
        seen_empty = true;
    }
    assert!(seen_empty);
    let o = bin()
        .arg("import")
        .arg(&db)
        .arg("--nodes")
        .arg(dir.path().join("actors.csv"))
        .arg("--relationships")
        .arg(dir.path().join("links.csv"))
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(check_counts(&db), full);
}
