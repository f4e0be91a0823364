//! Bulk CSV import: every file is read and checked before anything is
//! written, and the whole import commits as one batch (all or nothing).

mod columns;

use crate::error::{Error, ErrorKind, Phase};
use crate::store::adjacency::Stored;
use crate::store::catalog::NameKind;
use crate::store::graph::{Graph, NodeRecord, RelRecord, Tx};
use crate::store::keys::{Dir, BLOCK_SLOTS};
use crate::value::{NodeId, Value};
use columns::{parse_header, ColType, Column, Inference};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

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
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} actors, {} links in {:.2} s",
            self.nodes, self.rels, self.seconds
        )
    }
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

struct CsvFile {
    path: PathBuf,
    columns: Vec<Column>,
}

fn open_reader(path: &Path) -> Result<csv::Reader<std::fs::File>, Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| import_error(path, 0, None, format!("cannot read file: {e}")))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(file))
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("row has {len} fields, the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "row is not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    import_error(path, line, None, msg)
}

/// First pass: header, annotations, and the inferred type of every column.
fn scan_file(
    path: &Path,
    required: &[&str],
    progress: &mut dyn FnMut(u64),
) -> Result<CsvFile, Error> {
    let mut rdr = open_reader(path)?;
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
    let mut columns = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let c = parse_header(h).map_err(|m| import_error(path, 1, None, m))?;
        if columns.iter().any(|o: &Column| o.name == c.name) {
            return Err(import_error(
                path,
                1,
                None,
                format!("column '{}' appears twice", c.name),
            ));
        }
        columns.push(c);
    }
    for r in required {
        if !columns.iter().any(|c| c.name == *r) {
            return Err(import_error(
                path,
                1,
                None,
                format!("missing required column '{r}'"),
            ));
        }
    }
    let mut inference = vec![Inference::default(); columns.len()];
    let mut record = csv::StringRecord::new();
    while rdr
        .read_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        for (i, field) in record.iter().enumerate() {
            if columns[i].ty.is_none() {
                inference[i].observe(field);
            }
        }
        progress(record.position().map(|p| p.byte()).unwrap_or(0));
    }
    for (c, inf) in columns.iter_mut().zip(inference) {
        if c.ty.is_none() {
            c.ty = Some(inf.result());
        }
    }
    Ok(CsvFile {
        path: path.to_path_buf(),
        columns,
    })
}

/// Columns with a meaning of their own that are not stored as properties.
enum Role {
    Property(u32, ColType),
    Skip,
}

/// Imports node and relationship files into `graph` as one transaction.
/// Writes are grouped so that each packed key is written about once: a
/// file's nodes (with their index buckets) at its end, links a record block
/// (128) at a time, every actor's adjacency list once at the end.
pub fn import(
    graph: &mut Graph,
    nodes: &[Source],
    rels: &[Source],
    progress: Progress<'_>,
) -> Result<Summary, Error> {
    let started = Instant::now();
    let total: u64 = nodes
        .iter()
        .chain(rels)
        .map(|s| std::fs::metadata(&s.path).map(|m| m.len()).unwrap_or(0))
        .sum::<u64>()
        * 2;
    let mut done = 0u64;
    let mut tx = graph.begin();
    let mut ids: HashMap<String, NodeId> = HashMap::new();
    let mut summary = Summary::default();

    for src in nodes {
        let file = scan_file(&src.path, &["id"], &mut |b| progress(done + b, total))?;
        done += file_len(&src.path);
        let mut t = graph.tx(&mut tx);
        let cat = t.catalog_mut();
        let fixed_label = src.name.as_ref().map(|l| cat.intern(NameKind::Label, l));
        let has_labels = file.columns.iter().any(|c| c.name == "labels");
        let roles: Vec<Role> = file
            .columns
            .iter()
            .map(|c| match c.name.as_str() {
                "labels" => Role::Skip,
                // The stable key is always a string, whatever it looks like.
                "id" => Role::Property(cat.intern(NameKind::Key, "id"), ColType::String),
                _ => Role::Property(
                    cat.intern(NameKind::Key, &c.name),
                    c.ty.unwrap_or(ColType::String),
                ),
            })
            .collect();
        let id_col = file
            .columns
            .iter()
            .position(|c| c.name == "id")
            .unwrap_or(0);
        let labels_col = file.columns.iter().position(|c| c.name == "labels");
        let kind_col = if has_labels {
            None
        } else {
            file.columns.iter().position(|c| c.name == "kind")
        };
        let id_key = cat.intern(NameKind::Key, "id");
        let first = t.meta().next_node;
        let mut pending: Vec<NodeRecord> = Vec::new();
        let mut rdr = open_reader(&src.path)?;
        let mut record = csv::StringRecord::new();
        while rdr
            .read_record(&mut record)
            .map_err(|e| csv_error(&src.path, e))?
        {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let key = record.get(id_col).unwrap_or("").to_string();
            if key.is_empty() {
                return Err(import_error(
                    &src.path,
                    line,
                    Some((id_col, "id")),
                    "empty id",
                ));
            }
            let mut labels: Vec<u32> = fixed_label.into_iter().collect();
            let mut label_names: Vec<String> = Vec::new();
            if let Some(i) = labels_col {
                label_names.extend(
                    record[i]
                        .split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            }
            if let Some(i) = kind_col {
                if !record[i].is_empty() {
                    label_names.push(label_from_kind(&record[i]));
                }
            }
            let mut t = graph.tx(&mut tx);
            for name in label_names {
                let l = t.catalog_mut().intern(NameKind::Label, &name);
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
            let props = row_props(&file, &roles, &record, line)?;
            if ids.contains_key(&key) {
                return Err(import_error(
                    &src.path,
                    line,
                    Some((id_col, "id")),
                    format!("duplicate id '{key}'"),
                ));
            }
            if !t
                .nodes_with_prop(id_key, &Value::String(key.clone()))?
                .is_empty()
            {
                return Err(import_error(
                    &src.path,
                    line,
                    Some((id_col, "id")),
                    format!("an actor with id '{key}' already exists"),
                ));
            }
            ids.insert(key, first + pending.len() as NodeId);
            pending.push(NodeRecord { labels, props });
            summary.nodes += 1;
            if summary.nodes % 4096 == 0 {
                progress(
                    done + record.position().map(|p| p.byte()).unwrap_or(0),
                    total,
                );
            }
        }
        let created = graph
            .tx(&mut tx)
            .create_nodes(pending)
            .map_err(|e| import_error(&src.path, 0, None, e.message))?;
        debug_assert_eq!(created.start, first);
        done += file_len(&src.path);
    }

    let id_key = graph.tx(&mut tx).catalog_mut().intern(NameKind::Key, "id");
    // (owner, entry) for every link end, in link order.
    let mut adjacency: Vec<(NodeId, Stored)> = Vec::new();
    let mut pending: Vec<RelRecord> = Vec::with_capacity(BLOCK_SLOTS);
    for src in rels {
        let mut required = vec!["src", "dst"];
        if src.name.is_none() {
            required.push("type");
        }
        let file = scan_file(&src.path, &required, &mut |b| progress(done + b, total))?;
        done += file_len(&src.path);
        let col = |n: &str| file.columns.iter().position(|c| c.name == n);
        let (src_col, dst_col, type_col) = (
            col("src").unwrap_or(0),
            col("dst").unwrap_or(0),
            col("type"),
        );
        let mut t = graph.tx(&mut tx);
        let cat = t.catalog_mut();
        let roles: Vec<Role> = file
            .columns
            .iter()
            .map(|c| match c.name.as_str() {
                "src" | "dst" | "type" => Role::Skip,
                _ => Role::Property(
                    cat.intern(NameKind::Key, &c.name),
                    c.ty.unwrap_or(ColType::String),
                ),
            })
            .collect();
        let default_type = src.name.as_ref().map(|t| cat.intern(NameKind::Type, t));
        let mut type_ids: HashMap<String, u32> = HashMap::new();
        let mut rdr = open_reader(&src.path)?;
        let mut record = csv::StringRecord::new();
        while rdr
            .read_record(&mut record)
            .map_err(|e| csv_error(&src.path, e))?
        {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let mut t = graph.tx(&mut tx);
            let mut endpoint = |i: usize, name: &str| -> Result<NodeId, Error> {
                let key = &record[i];
                if let Some(&n) = ids.get(key) {
                    return Ok(n);
                }
                let found = if key.is_empty() {
                    Vec::new()
                } else {
                    t.nodes_with_prop(id_key, &Value::String(key.to_string()))?
                };
                match found.first() {
                    Some(&n) => {
                        ids.insert(key.to_string(), n);
                        Ok(n)
                    }
                    None => Err(import_error(
                        &src.path,
                        line,
                        Some((i, name)),
                        format!("unknown actor '{key}'"),
                    )),
                }
            };
            let s = endpoint(src_col, "src")?;
            let d = endpoint(dst_col, "dst")?;
            let rel_type = match type_col.map(|i| &record[i]).filter(|v| !v.is_empty()) {
                Some(name) => match type_ids.get(name) {
                    Some(&id) => id,
                    None => {
                        let id = t.catalog_mut().intern(NameKind::Type, name);
                        type_ids.insert(name.to_string(), id);
                        id
                    }
                },
                None => default_type.ok_or_else(|| {
                    import_error(&src.path, line, type_col.map(|i| (i, "type")), "empty type")
                })?,
            };
            let props = row_props(&file, &roles, &record, line)?;
            let rel = t.meta().next_rel + pending.len() as u64;
            pending.push(RelRecord {
                rel_type,
                src: s,
                dst: d,
                props,
            });
            adjacency.push((
                s,
                Stored {
                    rel,
                    other: d,
                    rel_type,
                    dir: Dir::Out,
                },
            ));
            adjacency.push((
                d,
                Stored {
                    rel,
                    other: s,
                    rel_type,
                    dir: Dir::In,
                },
            ));
            if (rel + 1).is_multiple_of(BLOCK_SLOTS as u64) {
                flush_rels(&mut t, &mut pending)?;
            }
            summary.rels += 1;
            if summary.rels % 4096 == 0 {
                progress(
                    done + record.position().map(|p| p.byte()).unwrap_or(0),
                    total,
                );
            }
        }
        done += file_len(&src.path);
    }
    let mut t = graph.tx(&mut tx);
    flush_rels(&mut t, &mut pending)?;
    // Stable: each actor's entries stay in link order.
    adjacency.sort_by_key(|(node, _)| *node);
    let mut entries: Vec<Stored> = Vec::new();
    for group in adjacency.chunk_by(|a, b| a.0 == b.0) {
        entries.clear();
        entries.extend(group.iter().map(|(_, e)| *e));
        t.append_adjacency_entries(group[0].0, &entries)?;
    }
    drop(adjacency);
    graph.commit_load(tx)?;
    progress(total, total);
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn flush_rels(t: &mut Tx<'_>, pending: &mut Vec<RelRecord>) -> Result<(), Error> {
    if !pending.is_empty() {
        t.create_rels(std::mem::take(pending), false)?;
    }
    Ok(())
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// `kind` values such as `country` become the label `Country`.
fn label_from_kind(kind: &str) -> String {
    let mut chars = kind.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn row_props(
    file: &CsvFile,
    roles: &[Role],
    record: &csv::StringRecord,
    line: u64,
) -> Result<Vec<(u32, Value)>, Error> {
    let mut props = Vec::with_capacity(roles.len());
    for (i, (role, field)) in roles.iter().zip(record.iter()).enumerate() {
        if let Role::Property(key, ty) = role {
            if field.is_empty() {
                continue;
            }
            let v = columns::convert(field, *ty)
                .map_err(|m| import_error(&file.path, line, Some((i, &file.columns[i].name)), m))?;
            props.push((*key, v));
        }
    }
    Ok(props)
}
