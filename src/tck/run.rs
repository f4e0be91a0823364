//! Loading feature files, selecting scenarios, and running each against an
//! [`Engine`] on its own thread with a panic guard and a timeout.

use super::gherkin::{self, Scenario};
pub use super::steps::{
    error_matches, parse_error_step, run_scenario, split_statements, ExpectedError,
};
use super::Engine;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Which scenarios to run.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Substring of the feature path (`features/clauses/match/Match4.feature`) or feature name.
    pub feature: Option<String>,
    /// Substring of the scenario name or of its full id.
    pub scenario: Option<String>,
    /// Only these scenario ids (the passing-list format), when set.
    pub only: Option<BTreeSet<String>>,
    /// Per-scenario time limit; a scenario over it is failed and its thread abandoned.
    pub timeout: Duration,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            feature: None,
            scenario: None,
            only: None,
            timeout: Duration::from_secs(10),
        }
    }
}

impl Filter {
    pub fn accepts(&self, s: &LoadedScenario) -> bool {
        self.feature.as_ref().is_none_or(|f| {
            s.feature_path.contains(f.as_str()) || s.feature_name.contains(f.as_str())
        }) && self
            .scenario
            .as_ref()
            .is_none_or(|n| s.scenario.name.contains(n.as_str()) || s.id.contains(n.as_str()))
            && self.only.as_ref().is_none_or(|set| set.contains(&s.id))
    }

    /// Whether a subset was asked for (`--feature` / `--scenario`).
    pub fn is_narrowed(&self) -> bool {
        self.feature.is_some() || self.scenario.is_some()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    /// Why, with the diff of expected vs actual where there is one.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub id: String,
    /// The feature's folder below `features/`, e.g. `clauses/match`.
    pub folder: String,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub results: Vec<ScenarioResult>,
    /// Feature files that could not be read or parsed.
    pub load_errors: Vec<String>,
    /// Scenarios that hit the timeout (their threads were left running).
    pub timed_out: usize,
}

impl Summary {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// Ids of passing scenarios, sorted (the `--update-list` content).
    pub fn passing_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .results
            .iter()
            .filter(|r| r.passed())
            .map(|r| r.id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    pub fn get(&self, id: &str) -> Option<&ScenarioResult> {
        self.results.iter().find(|r| r.id == id)
    }
}

/// A scenario ready to run, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub id: String,
    /// `features/clauses/match/Match4.feature`.
    pub feature_path: String,
    pub feature_name: String,
    pub folder: String,
    pub scenario: Scenario,
}

/// `features/<path>.feature :: <name>` plus ` #<n>` for an outline example.
pub fn scenario_id(feature_path: &str, name: &str, example: Option<usize>) -> String {
    match example {
        Some(n) => format!("{feature_path} :: {name} #{n}"),
        None => format!("{feature_path} :: {name}"),
    }
}

/// The `features` directory at or above `dir` (or `dir` itself), and the
/// `graphs` directory next to it.
pub fn locate_roots(dir: &Path) -> (PathBuf, PathBuf) {
    let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let root = canon
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "features"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|| canon.clone());
    let graphs = root
        .parent()
        .map(|p| p.join("graphs"))
        .unwrap_or_else(|| root.join("graphs"));
    (root, graphs)
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "feature") {
            out.push(p);
        }
    }
    Ok(())
}

/// Parses every `.feature` file under `dir` (sorted by path) and expands
/// outlines. Returns the scenarios and one message per unreadable file.
pub fn load_features(dir: &Path) -> (Vec<LoadedScenario>, Vec<String>) {
    let (root, _) = locate_roots(dir);
    let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if let Err(e) = collect_files(&canon, &mut files) {
        errors.push(format!("{}: {e}", dir.display()));
    }
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&root).unwrap_or(&file);
        let rel_str = rel.to_string_lossy().replace('\\', "/");
        let feature_path = format!("features/{rel_str}");
        let folder = rel
            .parent()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                errors.push(format!("{feature_path}: {e}"));
                continue;
            }
        };
        let feature = match gherkin::parse_feature(&text) {
            Ok(f) => f,
            Err(e) => {
                errors.push(format!("{feature_path}: {e}"));
                continue;
            }
        };
        for sc in gherkin::expand(&feature) {
            out.push(LoadedScenario {
                id: scenario_id(&feature_path, &sc.name, sc.example),
                feature_path: feature_path.clone(),
                feature_name: feature.name.clone(),
                folder: folder.clone(),
                scenario: sc,
            });
        }
    }
    (out, errors)
}

/// Runs every accepted scenario under `dir` with a fresh `E` each.
pub fn run_features<E: Engine + 'static>(dir: &Path, filter: &Filter) -> Summary {
    run_features_with::<E>(dir, filter, |_| {})
}

/// Like [`run_features`], calling `progress` after each scenario.
pub fn run_features_with<E: Engine + 'static>(
    dir: &Path,
    filter: &Filter,
    mut progress: impl FnMut(&ScenarioResult),
) -> Summary {
    let (scenarios, load_errors) = load_features(dir);
    let (_, graphs) = locate_roots(dir);
    let mut summary = Summary {
        load_errors,
        ..Default::default()
    };
    for s in scenarios.into_iter().filter(|s| filter.accepts(s)) {
        let start = Instant::now();
        let outcome = run_guarded::<E>(s.scenario, graphs.clone(), filter.timeout);
        if matches!(&outcome, Outcome::Failed(m) if m.starts_with(TIMEOUT_PREFIX)) {
            summary.timed_out += 1;
        }
        let r = ScenarioResult {
            id: s.id,
            folder: s.folder,
            outcome,
            elapsed: start.elapsed(),
        };
        progress(&r);
        summary.results.push(r);
    }
    summary
}

const TIMEOUT_PREFIX: &str = "timed out after";

/// Runs one scenario on its own thread: a panic becomes a failure, and a
/// scenario still running after `timeout` is failed and its thread left
/// behind (it owns its database, so nothing shared is corrupted).
pub fn run_guarded<E: Engine + 'static>(
    sc: Scenario,
    graphs: PathBuf,
    timeout: Duration,
) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("tck-scenario".into())
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            let r = panic::catch_unwind(AssertUnwindSafe(|| run_scenario::<E>(&sc, &graphs)));
            let _ = tx.send(r);
        });
    let handle = match spawned {
        Ok(h) => h,
        Err(e) => return Outcome::Failed(format!("cannot spawn scenario thread: {e}")),
    };
    match rx.recv_timeout(timeout) {
        Ok(r) => {
            let _ = handle.join();
            match r {
                Ok(Ok(())) => Outcome::Passed,
                Ok(Err(msg)) => Outcome::Failed(msg),
                Err(payload) => Outcome::Failed(format!("panicked: {}", panic_message(&*payload))),
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Outcome::Failed(format!("{TIMEOUT_PREFIX} {:.1?}", timeout))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Outcome::Failed("scenario thread ended without a result".into())
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".into()
    }
}
