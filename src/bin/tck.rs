//! `tck [FEATURES_DIR] [--feature NAME] [--scenario NAME] [--update-list FILE] [--list FILE] [--timeout SECS]`
//!
//! Runs the openCypher TCK scenarios against `supplygraph::Database` and
//! prints passed/failed per feature folder, then `N passed, M failed`.
//! With `--feature`/`--scenario` (substring match) only that subset runs and
//! every failure is shown with its expected-vs-actual diff. `--update-list`
//! rewrites a passing list; `--list` exits 1 if a listed scenario failed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use supplygraph::tck::{self, report, Filter};
use supplygraph::Database;

const USAGE: &str = "usage: tck [FEATURES_DIR] [--feature NAME] [--scenario NAME] [--update-list FILE] [--list FILE] [--timeout SECS]";

struct Args {
    dir: Option<PathBuf>,
    filter: Filter,
    update_list: Option<PathBuf>,
    list: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dir: None,
        filter: Filter::default(),
        update_list: None,
        list: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--feature" => args.filter.feature = Some(value("--feature")?),
            "--scenario" => args.filter.scenario = Some(value("--scenario")?),
            "--update-list" => args.update_list = Some(value("--update-list")?.into()),
            "--list" => args.list = Some(value("--list")?.into()),
            "--timeout" => {
                let secs: f64 = value("--timeout")?
                    .parse()
                    .map_err(|_| "--timeout takes seconds".to_string())?;
                args.filter.timeout = Duration::from_secs_f64(secs);
            }
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s if args.dir.is_none() => args.dir = Some(s.into()),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    Ok(args)
}

fn default_dir() -> PathBuf {
    let local = Path::new("../shared/tck/features");
    if local.is_dir() {
        return local.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tck/features")
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("tck: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let dir = args.dir.clone().unwrap_or_else(default_dir);
    if !dir.exists() {
        eprintln!("tck: TCK not found at {}", dir.display());
        return ExitCode::from(2);
    }
    // Panics inside scenarios are recorded as failures; keep their noise out.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("tck-scenario") {
            default_hook(info);
        }
    }));

    let narrowed = args.filter.is_narrowed();
    let summary = tck::run_features::<Database>(&dir, &args.filter);
    if narrowed {
        print!("{}", report::failure_details(&summary));
    }

    if let Some(path) = &args.update_list {
        // A narrowed run only updates the entries it ran.
        let mut ids: BTreeSet<String> = if narrowed {
            report::read_list(path)
                .unwrap_or_default()
                .into_iter()
                .collect()
        } else {
            BTreeSet::new()
        };
        for r in &summary.results {
            if r.passed() {
                ids.insert(r.id.clone());
            } else {
                ids.remove(&r.id);
            }
        }
        let ids: Vec<String> = ids.into_iter().collect();
        match tck::write_list(path, &ids) {
            Ok(()) => eprintln!(
                "wrote {} passing scenarios to {}",
                ids.len(),
                path.display()
            ),
            Err(e) => {
                eprintln!("tck: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }

    let mut code = ExitCode::SUCCESS;
    if let Some(path) = &args.list {
        match report::read_list(path) {
            Ok(listed) => {
                let bad = tck::list_failures(&summary, &listed, !narrowed);
                if !bad.is_empty() {
                    println!(
                        "{} listed scenario(s) in {} no longer pass:",
                        bad.len(),
                        path.display()
                    );
                    for (id, why) in &bad {
                        println!("  {id}");
                        if narrowed {
                            println!("      {}", why.lines().next().unwrap_or(""));
                        }
                    }
                    code = ExitCode::from(1);
                }
            }
            Err(e) => {
                eprintln!("tck: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    println!("{}", report::render(&summary));
    code
}
