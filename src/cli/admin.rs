//! `import` and `check`.

use super::{EXIT_FAILED, EXIT_OPEN, EXIT_USAGE};
use crate::io::import::{self, Source};
use crate::store::{check, Graph};
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

pub fn open_graph(db: &Path) -> Result<Graph, ExitCode> {
    let graph = Graph::open_path(db).map_err(|e| {
        eprintln!("{}", e.headline());
        ExitCode::from(EXIT_OPEN)
    })?;
    if let Some(notice) = graph.notice() {
        eprintln!("note: {notice}");
    }
    Ok(graph)
}

pub fn import(db: &Path, nodes: &[String], rels: &[String]) -> ExitCode {
    if nodes.is_empty() && rels.is_empty() {
        eprintln!("error[UsageError]: import needs --nodes and/or --relationships files");
        return ExitCode::from(EXIT_USAGE);
    }
    let mut graph = match open_graph(db) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let nodes: Vec<Source> = nodes.iter().map(|s| Source::parse(s)).collect();
    let rels: Vec<Source> = rels.iter().map(|s| Source::parse(s)).collect();
    let bar = progress_bar();
    let mut report = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total.max(1));
            b.set_position(done.min(total));
        }
    };
    let result = import::import(&mut graph, &nodes, &rels, &mut report);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.headline());
            eprintln!("nothing was imported");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(1);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}% {bytes}/{total_bytes} {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

pub fn check(db: &Path) -> ExitCode {
    if !db.exists() {
        eprintln!(
            "error[StorageError]: database {} does not exist (DatabaseNotFound)",
            db.display()
        );
        return ExitCode::from(EXIT_OPEN);
    }
    let graph = match open_graph(db) {
        Ok(g) => g,
        Err(code) => return code,
    };
    match check::check(&graph) {
        Ok(report) if report.problems.is_empty() => {
            println!("ok: {} actors, {} links", report.nodes, report.rels);
            ExitCode::SUCCESS
        }
        Ok(report) => {
            for p in &report.problems {
                println!("inconsistency: {p}");
            }
            println!(
                "{} inconsistencies: {} actors, {} links",
                report.problems.len(),
                report.nodes,
                report.rels
            );
            ExitCode::from(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!("{}", e.headline());
            ExitCode::from(EXIT_OPEN)
        }
    }
}
