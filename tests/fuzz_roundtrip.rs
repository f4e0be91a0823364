//! Parse → print → parse: every statement the parser accepts prints
//! (`query::print`) as text the parser reads as the same tree.
//!
//! Inputs: every `-STATEMENT` of the golden files, the queries of the
//! openCypher TCK scenarios (`../shared/tck/features`, skipped with a message
//! when absent), and the mutants of `tests/fuzz.rs`'s mutator that parse.
//! Statements that do not parse in the first place are skipped. For each:
//! `parse(print(ast))` succeeds, has the same tree as `ast` once spans,
//! depths and projection source texts are reset, and prints the same text.
//!
//! Deterministic: mutant `i` uses seed `i`. `SUPPLYGRAPH_FUZZ_ROUNDTRIPS=N`
//! tries N mutants (default 2,000).

use std::path::{Path, PathBuf};
use std::time::Instant;

use supplygraph::query::parse::parse_statement;
use supplygraph::query::print::{print_statement, shape_of};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// Fragments the mutator splices in (a subset of `tests/fuzz.rs`'s, with
/// more that keep a statement parseable).
const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "`",
    ",",
    ".",
    "..",
    ":",
    "|",
    "-",
    "->",
    "<-",
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
    " AS ",
    " IS NULL",
    " NOT ",
    " AND ",
    " OR ",
    " XOR ",
    "count(*)",
    "-0.0",
    "1e300",
    "0x1F",
    "中国",
    "`a b`",
    "'it\\'s'",
    "NOT ",
    "-",
    " + 1",
    " * 2",
    ".x",
    "[0]",
    "[1..]",
    ":L",
    " IN [1]",
    " STARTS WITH 'a'",
    "exists(",
    "shortestPath(",
    "(a)-[r]->(b)",
    "[x IN ",
    " | ",
    "reduce(",
    "9223372036854775808",
];

fn golden() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/queries");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for line in text.lines() {
            if let Some(q) = line.strip_prefix("-STATEMENT ") {
                out.push(q.to_string());
            }
        }
    }
    out
}

fn feature_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            feature_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "feature") {
            out.push(p);
        }
    }
}

/// Every `"""` docstring of the TCK's feature files (queries, and graph
/// setups that are queries too); `None` when the TCK is absent.
fn tck() -> Option<Vec<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tck/features");
    if !dir.is_dir() {
        return None;
    }
    let mut files = Vec::new();
    feature_files(&dir, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let mut body: Option<Vec<&str>> = None;
        for line in text.lines() {
            if line.trim() == "\"\"\"" {
                match body.take() {
                    Some(lines) => out.push(lines.join("\n")),
                    None => body = Some(Vec::new()),
                }
            } else if let Some(lines) = &mut body {
                lines.push(line);
            }
        }
    }
    Some(out)
}

fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

/// One to three small edits (the `tests/fuzz.rs` mutator, milder).
fn mutate(base: &str, other: &str, rng: &mut Rng) -> String {
    let mut s = base.to_string();
    for _ in 0..1 + rng.below(3) {
        let b = boundaries(&s);
        let i = rng.below(b.len());
        let at = b[i];
        let to = b[(i + 1 + rng.below(8)).min(b.len() - 1)];
        match rng.below(5) {
            0 => s.insert_str(at, PIECES[rng.below(PIECES.len())]),
            1 => s.replace_range(at..to, ""),
            2 => {
                let piece = s[at..to].to_string();
                s.insert_str(at, &piece.repeat(1 + rng.below(3)));
            }
            3 => {
                let ob = boundaries(other);
                let from = ob[rng.below(ob.len())];
                let till = ob[rng.below(ob.len())].max(from);
                s.insert_str(at, &other[from..till]);
            }
            _ => s.replace_range(at..to, PIECES[rng.below(PIECES.len())]),
        }
    }
    s
}

/// `Ok(true)`: round-tripped; `Ok(false)`: did not parse in the first place.
fn round_trip(src: &str) -> Result<bool, String> {
    let Ok(first) = parse_statement(src) else {
        return Ok(false);
    };
    let printed = print_statement(&first);
    let second = parse_statement(&printed)
        .map_err(|e| format!("{src:?}\n  printed {printed:?}\n  does not parse: {e}"))?;
    if shape_of(&first) != shape_of(&second) {
        return Err(format!(
            "{src:?}\n  printed {printed:?}\n  parses as another tree:\n  {}\n  {}",
            shape_of(&first),
            shape_of(&second)
        ));
    }
    let again = print_statement(&second);
    if again != printed {
        return Err(format!("{src:?}\n  printed {printed:?}\n  then {again:?}"));
    }
    Ok(true)
}

/// Runs `f` on a thread with room for the deepest statements (the parser,
/// the printer and `Debug` all recurse over the tree).
fn big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn run(name: &str, inputs: &[String], failures: &mut Vec<String>) -> usize {
    let started = Instant::now();
    let mut ok = 0;
    for (i, src) in inputs.iter().enumerate() {
        match round_trip(src) {
            Ok(true) => ok += 1,
            Ok(false) => {}
            Err(e) => failures.push(format!("{name} #{i}: {e}")),
        }
    }
    eprintln!(
        "{name}: {ok} of {} statements parsed and round-tripped in {:.1} s",
        inputs.len(),
        started.elapsed().as_secs_f64()
    );
    ok
}

#[test]
fn golden_statements_round_trip() {
    big_stack(golden_statements)
}

fn golden_statements() {
    let mut failures = Vec::new();
    let ok = run("golden", &golden(), &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ok > 100, "{ok}");
}

#[test]
fn tck_queries_round_trip() {
    big_stack(tck_queries)
}

fn tck_queries() {
    let Some(queries) = tck() else {
        eprintln!("TCK not found at ../shared/tck/features: skipped");
        return;
    };
    let mut failures = Vec::new();
    run("tck", &queries, &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn mutated_statements_that_parse_round_trip() {
    big_stack(mutated_statements)
}

fn mutated_statements() {
    let trials: u64 = std::env::var("SUPPLYGRAPH_FUZZ_ROUNDTRIPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    // The deepest cases take long in a debug build and add nothing here.
    let corpus: Vec<String> = golden().into_iter().filter(|q| q.len() < 600).collect();
    let started = Instant::now();
    let (mut parsed, mut failures) = (0u64, Vec::new());
    for seed in 0..trials {
        let mut rng = Rng(seed);
        let base = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        let text = mutate(base, other, &mut rng);
        match round_trip(&text) {
            Ok(true) => parsed += 1,
            Ok(false) => {}
            Err(e) => failures.push(format!("seed {seed}: {e}")),
        }
    }
    eprintln!(
        "fuzz: {parsed} of {trials} mutants parsed and round-tripped in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
