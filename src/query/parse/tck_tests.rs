//! Parses the query of every openCypher TCK scenario (shared/tck/features).
//!
//! Queries expected to succeed, or to fail with an error the parser does not
//! own, must parse (>= 98%); those expected to fail with a syntax-time code
//! the parser owns must fail (reported, with the code matches).

use std::path::{Path, PathBuf};

use super::parse_statement;

/// Codes the parser raises itself.
const OWNED: &[&str] = &[
    "UnexpectedSyntax",
    "IntegerOverflow",
    "FloatingPointOverflow",
    "InvalidNumberLiteral",
    "InvalidUnicodeLiteral",
    "InvalidUnicodeCharacter",
    "InvalidRelationshipPattern",
    "InvalidArgumentPassingMode",
    "RequiresDirectedRelationship",
    "NoSingleRelationshipType",
    "CreatingVarLength",
    "InvalidParameterUse",
];

struct Case {
    place: String,
    query: String,
    /// `Some(code)` when a compile-time SyntaxError is expected.
    syntax_error: Option<String>,
}

fn features_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tck/features")
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

/// Reads a `"""` docstring starting after line `i`; returns it and the
/// index of the closing line.
fn docstring(lines: &[&str], mut i: usize) -> Option<(String, usize)> {
    while i < lines.len() && lines[i].trim().is_empty() {
        i += 1;
    }
    if lines.get(i)?.trim() != "\"\"\"" {
        return None;
    }
    let mut body = Vec::new();
    i += 1;
    while i < lines.len() && lines[i].trim() != "\"\"\"" {
        body.push(lines[i]);
        i += 1;
    }
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let text: Vec<&str> = body
        .iter()
        .map(|l| {
            if l.len() >= indent {
                &l[indent..]
            } else {
                l.trim_start()
            }
        })
        .collect();
    Some((text.join("\n"), i))
}

fn table_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'|') {
            cur.push('|');
            chars.next();
        } else if c == '|' {
            cells.push(cur.trim().to_string());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

fn scenario_cases(file: &Path, out: &mut Vec<Case>) {
    let Ok(src) = std::fs::read_to_string(file) else {
        return;
    };
    let lines: Vec<&str> = src.lines().collect();
    let name = file.file_name().map(|n| n.to_string_lossy().to_string());
    let name = name.unwrap_or_default();
    // Split into scenarios.
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with("Scenario"))
        .collect();
    for (n, &s) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        let block = &lines[s..end];
        let mut queries = Vec::new();
        let mut error = None;
        let mut examples: Vec<Vec<String>> = Vec::new();
        let mut i = 0;
        while i < block.len() {
            let t = block[i].trim();
            if t.starts_with("When executing query:") || t.starts_with("And having executed:") {
                if let Some((q, close)) = docstring(block, i + 1) {
                    queries.push((q, t.starts_with("When")));
                    i = close;
                }
            } else if let Some(rest) = t.split("should be raised at compile time:").nth(1) {
                if t.contains("SyntaxError") {
                    error = Some(rest.trim().to_string());
                }
            } else if t.starts_with("Examples:") {
                i += 1;
                while i < block.len() && block[i].trim().starts_with('|') {
                    examples.push(table_row(block[i]));
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
        let rows: Vec<Vec<(String, String)>> = if examples.len() > 1 {
            examples[1..]
                .iter()
                .map(|r| examples[0].iter().cloned().zip(r.iter().cloned()).collect())
                .collect()
        } else {
            vec![Vec::new()]
        };
        for (ri, row) in rows.iter().enumerate() {
            for (q, main) in &queries {
                let mut query = q.clone();
                for (k, v) in row {
                    query = query.replace(&format!("<{k}>"), v);
                }
                out.push(Case {
                    place: format!("{name}:{} row {ri}", s + 1),
                    query,
                    syntax_error: if *main { error.clone() } else { None },
                });
            }
        }
    }
}

#[test]
fn tck_queries_parse() {
    let dir = features_dir();
    if !dir.is_dir() {
        eprintln!("TCK features not found at {}; skipped", dir.display());
        return;
    }
    let mut files = Vec::new();
    feature_files(&dir, &mut files);
    files.sort();
    let mut cases = Vec::new();
    for f in &files {
        scenario_cases(f, &mut cases);
    }
    let (mut should_parse, mut parsed) = (0usize, 0usize);
    let (mut should_fail, mut failed, mut same_code) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut missed = Vec::new();
    for case in &cases {
        let result = parse_statement(&case.query);
        match &case.syntax_error {
            Some(code) if OWNED.contains(&code.as_str()) => {
                should_fail += 1;
                match result {
                    Err(e) => {
                        failed += 1;
                        if e.code == code {
                            same_code += 1;
                        } else {
                            missed.push(format!("{}: wanted {code}, got {}", case.place, e.code));
                        }
                    }
                    Ok(_) => missed.push(format!("{}: wanted {code}, parsed", case.place)),
                }
            }
            _ => {
                should_parse += 1;
                match result {
                    Ok(_) => parsed += 1,
                    Err(e) => failures.push(format!(
                        "{}: {e}\n    {}",
                        case.place,
                        case.query.replace('\n', "\n    ")
                    )),
                }
            }
        }
    }
    for f in &failures {
        eprintln!("PARSE FAILURE {f}");
    }
    for m in &missed {
        eprintln!("NOT REJECTED {m}");
    }
    let rate = parsed as f64 / should_parse.max(1) as f64;
    eprintln!(
        "TCK: {parsed}/{should_parse} parse ({:.2}%); {failed}/{should_fail} owned syntax errors \
         rejected, {same_code} with the expected code",
        rate * 100.0
    );
    assert!(rate >= 0.98, "TCK parse rate {:.2}% < 98%", rate * 100.0);
}
