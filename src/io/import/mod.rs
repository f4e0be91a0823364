//! Bulk import: CSV node and link files, FollowTheMoney entities
//! (`ftm.rs`) and the SIPRI arms-transfers register (`sipri.rs`). Every file
//! is read and checked before anything is written, and the whole import
//! commits as one batch (all or nothing).

mod columns;
mod csv_files;
mod ftm;
mod ftm_schema;
mod huge_pages;
mod ids;
mod link_ends;
mod link_rows;
mod load;
mod mapping;
mod quote;
mod sipri;

use crate::error::{Error, ErrorKind, Phase};
use crate::io::format::count;
use crate::store::graph::Graph;
use load::{Load, Meter};
pub use mapping::ColumnMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// One `--nodes [LABEL=]FILE` or `--relationships [TYPE=]FILE` argument.
#[derive(Debug, Clone)]
pub struct Source {
    /// The label (nodes) or default type (relationships) before `=`.
    pub name: Option<String>,
    pub path: PathBuf,
}

impl Source {
    /// Parses `[NAME=]FILE`; a `=` inside a path is kept if the part before
    /// it is not a plain name.
    pub fn parse(arg: &str) -> Source {
        if let Some((name, path)) = arg.split_once('=') {
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Source {
                    name: Some(name.to_string()),
                    path: PathBuf::from(path),
                };
            }
        }
        Source {
            name: None,
            path: PathBuf::from(arg),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub nodes: u64,
    pub rels: u64,
    pub seconds: f64,
    /// What the user should know but that did not fail the import:
    /// references to entities not in the input, actors created for links.
    pub notes: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {}, {} in {:.2} s",
            count(self.nodes, "actor", "actors"),
            count(self.rels, "link", "links"),
            self.seconds
        )
    }
}

/// A CSV row whose field count differs from its header's.
fn fields_mismatch(len: u64, expected: u64) -> String {
    format!(
        "row has {}, the header has {expected}",
        count(len, "field", "fields")
    )
}

/// Called with (bytes read so far, total bytes) as files are read.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

fn import_error(
    path: &Path,
    line: u64,
    col: Option<(usize, &str)>,
    msg: impl Into<String>,
) -> Error {
    let place = match col {
        Some((i, name)) => format!("{}:{}:{} (column '{}')", path.display(), line, i + 1, name),
        None => format!("{}:{}", path.display(), line),
    };
    Error::new(
        ErrorKind::ImportError,
        "InvalidInput",
        Phase::Runtime,
        format!("{place}: {}", msg.into()),
    )
}

/// Everything one `import` reads, in the order it is loaded: node files,
/// FollowTheMoney files, SIPRI registers, then link files (which may name
/// actors from any of the others).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub nodes: Vec<Source>,
    pub rels: Vec<Source>,
    pub ftm: Vec<PathBuf>,
    pub sipri: Vec<PathBuf>,
    /// Links may create the actors they name that exist nowhere.
    pub create_missing_actors: bool,
    /// `--map`: columns of CSV files read under other names.
    pub map: ColumnMap,
}

impl Inputs {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.rels.is_empty()
            && self.ftm.is_empty()
            && self.sipri.is_empty()
    }
}

/// Imports CSV node and relationship files into `graph` as one transaction.
pub fn import(
    graph: &mut Graph,
    nodes: &[Source],
    rels: &[Source],
    progress: Progress<'_>,
) -> Result<Summary, Error> {
    let inputs = Inputs {
        nodes: nodes.to_vec(),
        rels: rels.to_vec(),
        ..Inputs::default()
    };
    import_inputs(graph, &inputs, progress)
}

/// Imports every input into `graph` as one transaction: on any error
/// nothing is written.
pub fn import_inputs(
    graph: &mut Graph,
    inputs: &Inputs,
    progress: Progress<'_>,
) -> Result<Summary, Error> {
    let _no_huge_pages = huge_pages::HugePagesOff::new();
    let csv_paths = inputs.nodes.iter().chain(&inputs.rels).map(|s| &s.path);
    if !inputs.map.is_empty() {
        let mut headers = Vec::new();
        for p in csv_paths.clone() {
            headers.extend(csv_files::raw_headers(p)?);
        }
        let unused = inputs.map.unused(&headers);
        if !unused.is_empty() {
            return Err(Error::new(
                ErrorKind::ImportError,
                "",
                Phase::Runtime,
                format!(
                    "--map names columns that no CSV file has: {}",
                    unused.join(", ")
                ),
            ));
        }
    }
    // CSV and FtM files are read twice, SIPRI registers once.
    let total: u64 = csv_paths
        .chain(&inputs.ftm)
        .map(|p| file_len(p) * 2)
        .chain(inputs.sipri.iter().map(|p| file_len(p)))
        .sum();
    let mut meter = Meter::new(progress, total);
    let mut load = Load::new(graph);
    // The first link file's first pass needs nothing loaded before it, so
    // it runs on the other core while the other inputs load; its result
    // (or error) is taken where the pass would have been made.
    let before_links =
        !(inputs.nodes.is_empty() && inputs.ftm.is_empty() && inputs.sipri.is_empty());
    let stop = AtomicBool::new(false);
    let (loaded, scanned) = std::thread::scope(|s| {
        let early = inputs.rels.first().filter(|_| before_links).map(|src| {
            let (map, stop) = (&inputs.map, &stop);
            s.spawn(move || {
                let mut quiet = |_: u64, _: u64| {};
                csv_files::scan_rels(src, map, &mut Meter::new(&mut quiet, 0).stopping(stop))
            })
        });
        let loaded = load_before_links(graph, &mut load, inputs, &mut meter);
        if loaded.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        let scanned = early.map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (loaded, scanned)
    });
    loaded?;
    let mut scanned = scanned;
    for src in &inputs.rels {
        csv_files::load_rels(
            graph,
            &mut load,
            src,
            (&inputs.map, scanned.take()),
            inputs.create_missing_actors,
            &mut meter,
        )?;
    }
    let summary = load.finish(graph)?;
    progress_done(&mut meter);
    Ok(summary)
}

/// Node files, FollowTheMoney files and SIPRI registers, in that order.
fn load_before_links(
    graph: &Graph,
    load: &mut Load,
    inputs: &Inputs,
    meter: &mut Meter<'_>,
) -> Result<(), Error> {
    for src in &inputs.nodes {
        csv_files::load_nodes(graph, load, src, &inputs.map, meter)?;
    }
    if !inputs.ftm.is_empty() {
        ftm::load(
            graph,
            load,
            &inputs.ftm,
            inputs.create_missing_actors,
            meter,
        )?;
    }
    for path in &inputs.sipri {
        sipri::load(graph, load, path, meter)?;
    }
    Ok(())
}

fn progress_done(meter: &mut Meter<'_>) {
    meter.done = meter.total;
    meter.at(0);
}

/// `FILE:LINE (field 'NAME'): message`, for inputs whose fields have names
/// rather than columns (JSON).
fn field_error(path: &Path, line: u64, field: &str, msg: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::ImportError,
        "",
        Phase::Runtime,
        format!(
            "{}:{} (field '{}'): {}",
            path.display(),
            line,
            field,
            msg.into()
        ),
    )
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Database;

    fn source(dir: &Path, name: &str, body: &str) -> Source {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        Source { name: None, path }
    }

    fn run(nodes: &str, links: &str) -> Result<Summary, Error> {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open_memory().unwrap();
        let nodes = [source(dir.path(), "a.csv", nodes)];
        let links = [source(dir.path(), "l.csv", links)];
        import(db.graph_mut(), &nodes, &links, &mut |_, _| {})
    }

    /// The link file's first pass runs beside the node file; what each
    /// reports, and in which order, is as if they ran one after another.
    #[test]
    fn the_early_link_pass_keeps_results_and_the_order_of_errors() {
        let links = "src,dst,type,w\na1,a2,SUPPLIES,1\na2,a1,OWNS,2.5\n";
        let s = run("id,name\na1,A\na2,B\n", links).unwrap();
        assert_eq!((s.nodes, s.rels), (2, 2));
        // Both files bad: the node file's error, which comes first.
        let e = run("id,name\na1,A,extra\n", "src,dst\na1,a2\n").unwrap_err();
        assert!(e.message.contains("a.csv:2"), "{}", e.message);
        // Only the link file bad: its first pass's error, with its line.
        let e = run("id,name\na1,A\n", "src,dst,type\na1,a1,SUPPLIES\na1\n").unwrap_err();
        assert!(e.message.contains("l.csv:3"), "{}", e.message);
        let e = run("id,name\na1,A\n", "src,type\na1,SUPPLIES\n").unwrap_err();
        assert!(
            e.message.contains("missing required column 'dst'"),
            "{}",
            e.message
        );
    }

    /// A load into a database without actors skips the index when it
    /// resolves ids (`Load::stored_actors`); one into a database with
    /// actors still finds them there, and refuses their ids as new ones.
    #[test]
    fn ids_resolve_against_stored_actors_only_when_there_are_some() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open_memory().unwrap();
        let mut load = |nodes: &str, links: &str| {
            let nodes: Vec<Source> = (!nodes.is_empty())
                .then(|| source(dir.path(), "a.csv", nodes))
                .into_iter()
                .collect();
            let links: Vec<Source> = (!links.is_empty())
                .then(|| source(dir.path(), "l.csv", links))
                .into_iter()
                .collect();
            import(db.graph_mut(), &nodes, &links, &mut |_, _| {})
        };
        let e = load("", "src,dst,type\na1,a2,SUPPLIES\n").unwrap_err();
        assert!(e.message.contains("unknown actor 'a1'"), "{}", e.message);
        let s = load("id,name\na1,A\na2,B\n", "").unwrap();
        assert_eq!((s.nodes, s.rels), (2, 0));
        let s = load("", "src,dst,type\na1,a2,SUPPLIES\na2,a1,SUPPLIES\n").unwrap();
        assert_eq!((s.nodes, s.rels), (0, 2));
        // Refused as the row is read (with its line), not only when the
        // staged actors are written.
        let e = load("id,name\na3,C\na1,A\n", "").unwrap_err();
        assert!(
            e.message.contains("a.csv:3")
                && e.message.contains("an actor with id 'a1' already exists"),
            "{}",
            e.message
        );
        let e = load("", "src,dst,type\na1,a9,SUPPLIES\n").unwrap_err();
        assert!(e.message.contains("unknown actor 'a9'"), "{}", e.message);
    }

    /// A load into a database that never held a link writes each actor's
    /// list without looking for one (`Load::stored_links`); a later load
    /// appends to the lists the first wrote, as a load into any database
    /// with links does.
    #[test]
    fn a_load_after_links_appends_to_the_lists_of_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open_memory().unwrap();
        let nodes = [source(dir.path(), "a.csv", "id\na1\na2\na3\n")];
        let links = |body: &str| [source(dir.path(), "l.csv", body)];
        let first =
            "src,dst,type\na1,a2,SUPPLIES\na1,a3,SUPPLIES\na3,a1,SUPPLIES\na2,a2,SUPPLIES\n";
        import(db.graph_mut(), &nodes, &links(first), &mut |_, _| {}).unwrap();
        let second = "src,dst,type\na3,a2,SUPPLIES\na1,a2,SUPPLIES\n";
        import(db.graph_mut(), &[], &links(second), &mut |_, _| {}).unwrap();
        let r = db
            .execute(
                "MATCH (a) OPTIONAL MATCH (a)-[o]->(x) WITH a, collect(x.id) AS outs
                 OPTIONAL MATCH (a)<-[i]-(y) RETURN a.id, outs, collect(y.id) AS ins ORDER BY a.id",
                &crate::Params::new(),
            )
            .unwrap();
        let rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
        let expected = [
            r#"[String("a1"), List([String("a2"), String("a3"), String("a2")]), List([String("a3")])]"#,
            r#"[String("a2"), List([String("a2")]), List([String("a1"), String("a2"), String("a3"), String("a1")])]"#,
            r#"[String("a3"), List([String("a1"), String("a2")]), List([String("a1")])]"#,
        ];
        assert_eq!(rows, expected);
        let report = crate::store::check::check(db.graph_mut()).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
}
