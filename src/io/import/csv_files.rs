//! `--nodes` and `--relationships` CSV files: every file is read twice, once
//! to check it and infer its column types, once to stage its rows.

use super::columns::{self, parse_header, ColType, Column, Inference};
use super::link_rows;
use super::load::{Load, Meter};
use super::mapping::ColumnMap;
use super::{file_len, import_error, quote, Source};
use crate::error::Error;
use crate::store::catalog::NameKind;
use crate::store::graph::{EncodedProps, Graph};
use crate::value::{NodeId, Value};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub(super) struct CsvFile {
    pub path: PathBuf,
    pub columns: Vec<Column>,
}

fn open_reader(path: &Path) -> Result<csv::Reader<std::fs::File>, Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| import_error(path, 0, None, format!("cannot read file: {e}")))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(file))
}

/// The line a record starts on. The reader may report a record's position
/// before the previous record's line end, which it had not consumed yet (so
/// one line early); the byte there says which, read only for an error.
pub(super) fn line_of(path: &Path, pos: Option<&csv::Position>) -> u64 {
    let Some(p) = pos else { return 0 };
    let mut at = [0u8; 1];
    let ends_previous = std::fs::File::open(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::Start(p.byte()))?;
            f.read_exact(&mut at)
        })
        .is_ok()
        && matches!(at[0], b'\n' | b'\r');
    p.line() + u64::from(ends_previous)
}

pub(super) fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = line_of(path, e.position());
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => super::fields_mismatch(*len, *expected_len),
        csv::ErrorKind::Utf8 { .. } => "row is not valid UTF-8".to_string(),
        _ => e.to_string(),
    };
    import_error(path, line, None, msg)
}

/// The headers of a file as the importer reads them (after `--map`).
pub(super) fn raw_headers(path: &Path) -> Result<Vec<String>, Error> {
    let mut rdr = open_reader(path)?;
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?;
    Ok(headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect())
}

/// First pass: header, annotations, and the inferred type of every column;
/// a quote left open (which swallows the rest of the file) is an error.
pub(super) fn scan_file(
    path: &Path,
    required: &[&str],
    map: &ColumnMap,
    meter: &mut Meter<'_>,
) -> Result<CsvFile, Error> {
    let mut rdr = open_reader(path)?;
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
    let mut columns = Vec::with_capacity(headers.len());
    for h in headers.iter() {
        let c = parse_header(map.apply(h)).map_err(|m| import_error(path, 1, None, m))?;
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
            let hint = if map.is_empty() {
                format!(" (to read another column as it: --map {r}=COLUMN)")
            } else {
                String::new()
            };
            return Err(import_error(
                path,
                1,
                None,
                format!("missing required column '{r}'{hint}"),
            ));
        }
    }
    let mut inference = vec![Inference::default(); columns.len()];
    let mut record = csv::StringRecord::new();
    // Where the last record starts: an open quote can only be in it.
    let mut last = (0u64, 1u64);
    while rdr.read_record(&mut record).map_err(|e| {
        // A quote left open makes its record short: say so, not the count.
        let from = e.position().map(|p| (p.byte(), p.line()));
        match from.map(|from| check_last_record(path, from, &columns)) {
            Some(Err(quote)) => quote,
            _ => csv_error(path, e),
        }
    })? {
        if meter.stopped() {
            return Err(import_error(path, 0, None, "the import stopped"));
        }
        for (i, field) in record.iter().enumerate() {
            if columns[i].ty.is_none() {
                inference[i].observe(field);
            }
        }
        if let Some(p) = record.position() {
            last = (p.byte(), p.line());
            meter.at(p.byte());
        }
    }
    check_last_record(path, last, &columns)?;
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

fn check_last_record(
    path: &Path,
    (byte, line): (u64, u64),
    columns: &[Column],
) -> Result<(), Error> {
    let mut tail = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::Start(byte))?;
            f.read_to_end(&mut tail)
        })
        .map_err(|e| import_error(path, 0, None, format!("cannot read file: {e}")))?;
    match quote::unterminated(&tail, line, b',') {
        Some(open) => {
            let name = columns
                .get(open.field)
                .map(|c| c.name.as_str())
                .unwrap_or("");
            Err(import_error(
                path,
                open.line,
                Some((open.field, name)),
                quote::message(),
            ))
        }
        None => Ok(()),
    }
}

/// Columns with a meaning of their own that are not stored as properties.
enum Role {
    Property(u32, ColType),
    Skip,
}

/// Stages the actors of one node file (written at its end).
pub(super) fn load_nodes(
    graph: &Graph,
    load: &mut Load,
    src: &Source,
    map: &ColumnMap,
    meter: &mut Meter<'_>,
) -> Result<(), Error> {
    let file = scan_file(&src.path, &["id"], map, meter)?;
    meter.passed(file_len(&src.path));
    let fixed_label = src
        .name
        .as_ref()
        .map(|l| load.name(graph, NameKind::Label, l));
    let has_labels = file.columns.iter().any(|c| c.name == "labels");
    let mut roles = Vec::with_capacity(file.columns.len());
    for c in &file.columns {
        roles.push(match c.name.as_str() {
            "labels" => Role::Skip,
            // The stable key is always a string, whatever it looks like.
            "id" => Role::Property(load.id_key, ColType::String),
            _ => Role::Property(load.key(graph, &c.name), c.ty.unwrap_or(ColType::String)),
        });
    }
    let col = |n: &str| file.columns.iter().position(|c| c.name == n);
    let id_col = col("id").unwrap_or(0);
    let labels_col = col("labels");
    let kind_col = if has_labels { None } else { col("kind") };
    let mut rdr = open_reader(&src.path)?;
    let mut record = csv::StringRecord::new();
    while rdr
        .read_record(&mut record)
        .map_err(|e| csv_error(&src.path, e))?
    {
        let line = || line_of(&src.path, record.position());
        let key = record.get(id_col).unwrap_or("").to_string();
        if key.is_empty() {
            return Err(import_error(
                &src.path,
                line(),
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
        for name in label_names {
            let l = load.name(graph, NameKind::Label, &name);
            if !labels.contains(&l) {
                labels.push(l);
            }
        }
        let mut props = Vec::with_capacity(roles.len());
        row_props(&file, &roles, &record, |key, field| {
            props.push(match field {
                Field::Str(s) => (key, Value::String(s.to_string())),
                Field::Value(v) => (key, v),
            })
        })?;
        load.add_node(graph, Some(&key), labels, props)
            .map_err(|m| import_error(&src.path, line(), Some((id_col, "id")), m))?;
        if load.summary.nodes.is_multiple_of(4096) {
            meter.at(record.position().map(|p| p.byte()).unwrap_or(0));
        }
    }
    load.flush_nodes(graph)
        .map_err(|e| import_error(&src.path, 0, None, e.message))?;
    meter.passed(file_len(&src.path));
    Ok(())
}

/// The first pass over a relationship file (`scan_file`), which needs
/// nothing loaded before it: the import runs it beside the node files.
pub(super) fn scan_rels(
    src: &Source,
    map: &ColumnMap,
    meter: &mut Meter<'_>,
) -> Result<CsvFile, Error> {
    let mut required = vec!["src", "dst"];
    if src.name.is_none() {
        required.push("type");
    }
    scan_file(&src.path, &required, map, meter)
}

/// Stages the links of one relationship file; with `create_missing`, an
/// actor a link names that exists nowhere is created (`id` and `name` only).
/// `scanned` is the file's first pass if it was already made.
pub(super) fn load_rels(
    graph: &Graph,
    load: &mut Load,
    src: &Source,
    (map, scanned): (&ColumnMap, Option<Result<CsvFile, Error>>),
    create_missing: bool,
    meter: &mut Meter<'_>,
) -> Result<(), Error> {
    let file = match scanned {
        Some(file) => file?,
        None => scan_rels(src, map, meter)?,
    };
    meter.passed(file_len(&src.path));
    let col = |n: &str| file.columns.iter().position(|c| c.name == n);
    let (src_col, dst_col, type_col) = (
        col("src").unwrap_or(0),
        col("dst").unwrap_or(0),
        col("type"),
    );
    let mut roles = Vec::with_capacity(file.columns.len());
    for c in &file.columns {
        roles.push(match c.name.as_str() {
            "src" | "dst" | "type" => Role::Skip,
            _ => Role::Property(load.key(graph, &c.name), c.ty.unwrap_or(ColType::String)),
        });
    }
    let default_type = src
        .name
        .as_ref()
        .map(|t| load.name(graph, NameKind::Type, t));
    let name_key = load.key(graph, "name");
    let mut type_ids: HashMap<String, u32> = HashMap::new();
    let created_before = load.summary.nodes;
    let parse = |record: &csv::StringRecord, props: &mut EncodedProps| {
        row_props(&file, &roles, record, |key, field| match field {
            Field::Str(s) => props.push_str(key, s),
            Field::Value(v) => props.push(key, &v),
        })
    };
    let rdr = open_reader(&src.path)?;
    link_rows::for_each_row(rdr, &src.path, &parse, |row, ahead| {
        if let Some(ahead) = ahead {
            for i in [src_col, dst_col] {
                load.ids.prefetch(ahead.get(i).unwrap_or(""));
            }
        }
        let record = &row.record;
        let line = || line_of(&src.path, record.position());
        let endpoint = |load: &mut Load, i: usize, name: &str| -> Result<NodeId, Error> {
            let key = &record[i];
            if let Some(n) = load.find(graph, key)? {
                return Ok(n);
            }
            let here = |m: String| import_error(&src.path, line(), Some((i, name)), m);
            if key.is_empty() {
                return Err(here("empty actor id".into()));
            }
            if !create_missing {
                return Err(here(format!(
                    "unknown actor '{key}' (--create-missing-actors creates the actors links name)"
                )));
            }
            let props = vec![
                (load.id_key, Value::String(key.to_string())),
                (name_key, Value::String(key.to_string())),
            ];
            load.add_node(graph, Some(key), Vec::new(), props)
                .map_err(here)
        };
        let s = endpoint(load, src_col, "src")?;
        let d = endpoint(load, dst_col, "dst")?;
        let rel_type = match type_col.map(|i| &record[i]).filter(|v| !v.is_empty()) {
            Some(name) => match type_ids.get(name) {
                Some(&id) => id,
                None => {
                    let id = load.name(graph, NameKind::Type, name);
                    type_ids.insert(name.to_string(), id);
                    id
                }
            },
            None => default_type.ok_or_else(|| {
                import_error(
                    &src.path,
                    line(),
                    type_col.map(|i| (i, "type")),
                    "empty type",
                )
            })?,
        };
        std::mem::replace(&mut row.parsed, Ok(()))?;
        load.add_encoded_link(graph, rel_type, s, d, &row.props)?;
        if load.summary.rels.is_multiple_of(4096) {
            meter.at(record.position().map(|p| p.byte()).unwrap_or(0));
        }
        Ok(())
    })?;
    let created = load.summary.nodes - created_before;
    if created > 0 {
        load.summary.notes.push(format!(
            "{}: created {} that its links name (--create-missing-actors)",
            src.path.display(),
            crate::io::format::count(created, "actor", "actors")
        ));
    }
    meter.passed(file_len(&src.path));
    Ok(())
}

/// `kind` values such as `country` become the label `Country`.
fn label_from_kind(kind: &str) -> String {
    let mut chars = kind.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A row's property field as `row_props` hands it on: a string as it
/// stands, any other type converted.
enum Field<'r> {
    Str(&'r str),
    Value(Value),
}

/// Hands `each` the key and value of every non-empty property field of a
/// row, in column order.
fn row_props(
    file: &CsvFile,
    roles: &[Role],
    record: &csv::StringRecord,
    mut each: impl FnMut(u32, Field<'_>),
) -> Result<(), Error> {
    for (i, (role, field)) in roles.iter().zip(record.iter()).enumerate() {
        if let Role::Property(key, ty) = role {
            if field.is_empty() {
                continue;
            }
            if *ty == ColType::String {
                each(*key, Field::Str(field));
                continue;
            }
            let v = columns::convert(field, *ty).map_err(|m| {
                let line = line_of(&file.path, record.position());
                import_error(&file.path, line, Some((i, &file.columns[i].name)), m)
            })?;
            each(*key, Field::Value(v));
        }
    }
    Ok(())
}
