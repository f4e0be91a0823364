//! Printing a [`Summary`] and reading/writing the passing-scenario list.

use super::run::{Outcome, Summary};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// Passed / failed / total per feature folder, then a total row.
pub fn folder_table(summary: &Summary) -> String {
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &summary.results {
        let e = per.entry(r.folder.as_str()).or_default();
        if r.passed() {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let width = per
        .keys()
        .map(|k| k.len())
        .max()
        .unwrap_or(0)
        .max("folder".len())
        .max("total".len());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>6}  {:>6}  {:>6}",
        "folder", "passed", "failed", "total"
    );
    let _ = writeln!(out, "{}", "-".repeat(width + 24));
    for (folder, (p, f)) in &per {
        let _ = writeln!(out, "{folder:<width$}  {p:>6}  {f:>6}  {:>6}", p + f);
    }
    let _ = writeln!(out, "{}", "-".repeat(width + 24));
    let (p, f) = (summary.passed(), summary.failed());
    let _ = writeln!(out, "{:<width$}  {p:>6}  {f:>6}  {:>6}", "total", p + f);
    out
}

/// The exact last line of a run: `N passed, M failed`.
pub fn final_line(summary: &Summary) -> String {
    format!("{} passed, {} failed", summary.passed(), summary.failed())
}

/// Every failure with its reason (diffs indented), for narrowed runs.
pub fn failure_details(summary: &Summary) -> String {
    let mut out = String::new();
    for r in &summary.results {
        if let Outcome::Failed(why) = &r.outcome {
            let _ = writeln!(out, "FAIL {}", r.id);
            for line in why.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    out
}

/// The whole report: load errors, the folder table, the final line.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    for e in &summary.load_errors {
        let _ = writeln!(out, "cannot load {e}");
    }
    if summary.timed_out > 0 {
        let _ = writeln!(out, "{} scenario(s) timed out", summary.timed_out);
    }
    out.push_str(&folder_table(summary));
    out.push_str(&final_line(summary));
    out
}

/// Reads a passing list: one id per line; blank lines and `#` comments skipped.
pub fn read_list(path: &Path) -> std::io::Result<Vec<String>> {
    Ok(parse_list(&std::fs::read_to_string(path)?))
}

pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Writes the ids (sorted, deduplicated), one per line.
pub fn write_list(path: &Path, ids: &[String]) -> std::io::Result<()> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut text = ids.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    std::fs::write(path, text)
}

/// The listed scenarios that did not pass, each with a reason. A listed id
/// that was not run counts only when `require_all` (a full, unfiltered run).
pub fn list_failures(
    summary: &Summary,
    listed: &[String],
    require_all: bool,
) -> Vec<(String, String)> {
    let by_id: BTreeMap<&str, &Outcome> = summary
        .results
        .iter()
        .map(|r| (r.id.as_str(), &r.outcome))
        .collect();
    let mut out = Vec::new();
    for id in listed {
        match by_id.get(id.as_str()) {
            Some(Outcome::Passed) => {}
            Some(Outcome::Failed(why)) => out.push((id.clone(), why.clone())),
            None if require_all => out.push((id.clone(), "no such scenario in the TCK".into())),
            None => {}
        }
    }
    out
}
