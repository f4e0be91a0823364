//! Seeded mutation fuzzing of the parser and the whole statement path, run
//! for a bounded number of statements in `cargo test`.
//!
//! The corpus is every `-STATEMENT` of the golden files; each trial takes
//! one and mutates it (bytes and tokens inserted, deleted, repeated,
//! swapped; brackets and quotes left open). For every mutant:
//! - `parse_statement` returns (no panic), and an error's span lies inside
//!   the text on character boundaries;
//! - one that parses prints (`query::print`) as text that parses to the
//!   same tree;
//! - every tenth one also runs on a small in-memory graph with a 200 ms
//!   deadline: it returns a result or an error, never a panic.
//!
//! Deterministic: trial `i` uses seed `i`, so a failure names the seed that
//! reproduces it. `SUPPLYGRAPH_FUZZ_STATEMENTS=N` runs N trials (the
//! default is 3,000; a nightly-length run is e.g. 1,000,000 in a release
//! test build: `cargo test --release --test fuzz`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};
use supplygraph::query::parse::parse_statement;
use supplygraph::query::print::{print_statement, shape_of};
use supplygraph::{Database, Params};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// Fragments worth splicing in: tokens, openers and closers, odd characters.
const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "`",
    "/*",
    "*/",
    "//",
    ";",
    ",",
    ".",
    "..",
    ":",
    "|",
    "-",
    "->",
    "<-",
    "-[",
    "]->",
    "*",
    "*1..3",
    "+",
    "^",
    "%",
    "=~",
    "<>",
    "<=",
    "$p",
    "@x",
    "MATCH ",
    "RETURN ",
    "WITH ",
    "WHERE ",
    "CREATE ",
    "MERGE ",
    "DELETE ",
    "SET ",
    "UNWIND ",
    " AS ",
    " IS NULL",
    " NOT ",
    " AND ",
    " OR ",
    "CASE ",
    " END",
    "count(*)",
    "9223372036854775808",
    "1e999",
    "0x",
    "0o9",
    "-0.0",
    "\\u",
    "中国",
    "\u{301}",
    "\t",
    "\n",
    "\0",
    "exists(",
    "shortestPath(",
    "(a)-[r]->(b)",
    "[x IN ",
    " | ",
    "reduce(",
];

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/queries");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for line in text.lines() {
            if let Some(q) = line.strip_prefix("-STATEMENT ") {
                // The deepest cases take long in a debug build and add nothing here.
                if q.len() < 600 {
                    out.push(q.to_string());
                }
            }
        }
    }
    out
}

/// Char boundaries of `s`, the end included.
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

fn mutate(base: &str, other: &str, rng: &mut Rng) -> String {
    let mut s = base.to_string();
    for _ in 0..1 + rng.below(4) {
        let b = boundaries(&s);
        let i = rng.below(b.len());
        let at = b[i];
        let to = b[rng.below(b.len())].max(at);
        match rng.below(7) {
            0 => s.insert_str(at, PIECES[rng.below(PIECES.len())]),
            1 => s.replace_range(at..b[(i + 1 + rng.below(8)).min(b.len() - 1)], ""),
            2 => {
                let piece = s[at..to].to_string();
                let times = 1 + rng.below(4);
                s.insert_str(at, &piece.repeat(times));
            }
            3 => s.truncate(at),
            4 => {
                let ob = boundaries(other);
                let from = ob[rng.below(ob.len())];
                let till = ob[rng.below(ob.len())].max(from);
                s.insert_str(at, &other[from..till]);
            }
            5 => {
                // A random byte that is a whole character.
                let c = char::from_u32(rng.below(0x3000) as u32).unwrap_or('?');
                s.insert(at, c);
            }
            _ => s.replace_range(at..to, PIECES[rng.below(PIECES.len())]),
        }
        if s.len() > 4000 {
            s.truncate(
                boundaries(&s)
                    .into_iter()
                    .rfind(|&i| i <= 4000)
                    .unwrap_or(0),
            );
        }
    }
    s
}

fn graph() -> Database {
    let mut db = Database::open_memory().unwrap();
    db.execute(
        "UNWIND range(1, 6) AS i CREATE (:Actor {id: 'a' + i, name: 'A' + i, n: i})",
        &Params::new(),
    )
    .unwrap();
    db.execute(
        "MATCH (a:Actor), (b:Actor) WHERE b.n = a.n % 6 + 1 CREATE (a)-[:SUPPLIES {value: a.n}]->(b)",
        &Params::new(),
    )
    .unwrap();
    db
}

#[test]
fn mutated_statements_never_panic_and_errors_point_inside_the_text() {
    let trials: u64 = std::env::var("SUPPLYGRAPH_FUZZ_STATEMENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3_000);
    let corpus = corpus();
    assert!(corpus.len() > 100, "{}", corpus.len());
    let mut db = graph();
    let (mut parsed, mut rejected, mut ran) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    let started = Instant::now();
    for seed in 0..trials {
        let mut rng = Rng(seed);
        let base = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        let text = mutate(base, other, &mut rng);
        match catch_unwind(|| parse_statement(&text)) {
            Ok(Ok(ast)) => {
                parsed += 1;
                // Parse -> print -> parse gives the same tree (tests/fuzz_roundtrip.rs).
                let printed = print_statement(&ast);
                match parse_statement(&printed) {
                    Ok(again) if shape_of(&again) == shape_of(&ast) => {}
                    Ok(_) => failures.push(format!(
                        "seed {seed}: {text:?} printed as {printed:?} reads as another tree"
                    )),
                    Err(e) => failures.push(format!(
                        "seed {seed}: {text:?} printed as {printed:?} does not parse: {e}"
                    )),
                }
            }
            Ok(Err(e)) => {
                rejected += 1;
                let ok = e.span.start <= e.span.end
                    && e.span.end <= text.len()
                    && text.is_char_boundary(e.span.start)
                    && text.is_char_boundary(e.span.end);
                if !ok {
                    failures.push(format!("seed {seed}: span {:?} outside {text:?}", e.span));
                }
            }
            Err(_) => failures.push(format!("seed {seed}: parser panicked on {text:?}")),
        }
        if seed % 10 == 0 {
            db.cancel.deadline = Some(Instant::now() + Duration::from_millis(200));
            let run = catch_unwind(AssertUnwindSafe(|| db.execute(&text, &Params::new())));
            db.cancel.deadline = None;
            match run {
                Ok(_) => ran += 1,
                Err(_) => {
                    failures.push(format!("seed {seed}: executing panicked on {text:?}"));
                    db = graph();
                }
            }
            if db.in_transaction() {
                let _ = db.execute("ROLLBACK", &Params::new());
            }
        }
    }
    eprintln!(
        "{trials} mutants in {:.1} s: {parsed} parsed, {rejected} rejected with a span, {ran} run",
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
