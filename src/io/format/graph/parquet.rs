//! `export --format parquet -o DIR`: `DIR/actors.parquet` and
//! `DIR/links.parquet`, for Spark, DuckDB and pandas (and the tables that
//! `compile --target spark-sql` queries).
//!
//! Fixed columns come first and start with `_` so that no property can take
//! their name: actors `_id` (internal id), `_labels` (list of strings);
//! links `_id`, `_src`, `_dst` (internal actor ids), `_type`. Then one
//! column per property key, typed by the values it holds: bigint, double
//! (integers and floats mixed), boolean, string, list of strings, bigint or
//! double. An estimate is two doubles `KEY_lo`, `KEY_hi`; a (partial) date
//! is the interval it covers, two dates `KEY_from`, `KEY_to` (`2022` is
//! 2022-01-01 .. 2022-12-31), so that range predicates stay plain SQL. A
//! key whose values mix other types is a string column (lists and maps as
//! JSON text), reported as a warning.

use super::Parts;
use crate::io::format::value_to_json;
use crate::result::Entities;
use crate::value::{Date, Value};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// The field metadata of a column whose values are JSON text (a key whose
/// values mix types, temporals among them).
pub const JSON_TEXT: (&str, &str) = ("supplygraph.values", "json");
use std::sync::Arc;

/// What an export wrote, and what was adapted on the way.
#[derive(Debug, Default)]
pub struct Report {
    pub actors: usize,
    pub links: usize,
    pub warnings: Vec<String>,
}

/// How one property key is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Bool,
    Str,
    Date,
    Estimate,
    StrList,
    IntList,
    FloatList,
    /// Mixed types: text (lists and maps as JSON).
    Text,
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Int(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Bool(_) => Kind::Bool,
        Value::String(_) => Kind::Str,
        Value::Date(_) => Kind::Date,
        Value::Estimate(_) => Kind::Estimate,
        Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))) => Kind::StrList,
        Value::List(items) if items.iter().all(|i| matches!(i, Value::Int(_))) => Kind::IntList,
        Value::List(items)
            if items
                .iter()
                .all(|i| matches!(i, Value::Int(_) | Value::Float(_))) =>
        {
            Kind::FloatList
        }
        _ => Kind::Text,
    }
}

fn join(a: Kind, b: Kind) -> Kind {
    use Kind::*;
    match (a, b) {
        (a, b) if a == b => a,
        (Int | Float, Int | Float) => Float,
        (Int | Float | Estimate, Int | Float | Estimate) => Estimate,
        (IntList | FloatList, IntList | FloatList) => FloatList,
        _ => Text,
    }
}

/// The parquet column names one key of `kind` takes.
fn column_names(key: &str, kind: Kind) -> Vec<String> {
    match kind {
        Kind::Estimate => vec![format!("{key}_lo"), format!("{key}_hi")],
        Kind::Date => vec![format!("{key}_from"), format!("{key}_to")],
        _ => vec![key.to_string()],
    }
}

/// The property columns of one table, by key (sorted), leaving out keys
/// whose columns would clash with a fixed column or another key's.
fn columns<'a>(
    props: impl Iterator<Item = &'a BTreeMap<String, Value>>,
    fixed: &[&str],
    what: &str,
    warnings: &mut Vec<String>,
) -> Vec<(String, Kind)> {
    let mut kinds: BTreeMap<String, Kind> = BTreeMap::new();
    for p in props {
        for (k, v) in p {
            if v.is_null() {
                continue;
            }
            let kind = kind_of(v);
            kinds
                .entry(k.clone())
                .and_modify(|c| *c = join(*c, kind))
                .or_insert(kind);
        }
    }
    let mut taken: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    for (k, kind) in kinds {
        let names = column_names(&k, kind);
        if names.iter().any(|n| taken.contains(n)) {
            warnings.push(format!(
                "the {what} property '{k}' would take the name of another column ({}) and was left out",
                names.join(", ")
            ));
            continue;
        }
        if kind == Kind::Text {
            warnings.push(format!(
                "the {what} property '{k}' holds values of several types: written as text"
            ));
        }
        taken.extend(names);
        out.push((k, kind));
    }
    out
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: u8, d: u8) -> i32 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146097 + doe - 719468) as i32
}

/// The first and last day a date of any precision covers, as days since the epoch.
pub fn date_interval(d: &Date) -> (i32, i32) {
    match (d.month, d.day) {
        (Some(m), Some(day)) => {
            let x = days_from_civil(d.year, m, day);
            (x, x)
        }
        (Some(m), None) => {
            let first = days_from_civil(d.year, m, 1);
            let next = if m == 12 {
                days_from_civil(d.year + 1, 1, 1)
            } else {
                days_from_civil(d.year, m + 1, 1)
            };
            (first, next - 1)
        }
        _ => (
            days_from_civil(d.year, 1, 1),
            days_from_civil(d.year + 1, 1, 1) - 1,
        ),
    }
}

/// The arrays of one property key over `rows`, and their fields.
fn property_arrays(
    key: &str,
    kind: Kind,
    rows: &[&BTreeMap<String, Value>],
) -> Vec<(Field, ArrayRef)> {
    let get = |p: &&BTreeMap<String, Value>| p.get(key).filter(|v| !v.is_null()).cloned();
    let names = column_names(key, kind);
    let one = |dt: DataType, a: ArrayRef| vec![(Field::new(&names[0], dt, true), a)];
    match kind {
        Kind::Int => {
            let mut b = Int64Builder::with_capacity(rows.len());
            for p in rows {
                b.append_option(match get(p) {
                    Some(Value::Int(i)) => Some(i),
                    _ => None,
                });
            }
            one(DataType::Int64, Arc::new(b.finish()))
        }
        Kind::Float => {
            let mut b = Float64Builder::with_capacity(rows.len());
            for p in rows {
                b.append_option(get(p).and_then(|v| v.as_f64()));
            }
            one(DataType::Float64, Arc::new(b.finish()))
        }
        Kind::Bool => {
            let mut b = BooleanBuilder::with_capacity(rows.len());
            for p in rows {
                b.append_option(match get(p) {
                    Some(Value::Bool(x)) => Some(x),
                    _ => None,
                });
            }
            one(DataType::Boolean, Arc::new(b.finish()))
        }
        Kind::Str | Kind::Text => {
            let mut b = StringBuilder::new();
            for p in rows {
                b.append_option(get(p).map(|v| match v {
                    Value::String(s) => s,
                    other => value_to_json(&other, &Entities::default()).to_string(),
                }));
            }
            let a: ArrayRef = Arc::new(b.finish());
            if kind == Kind::Text {
                // Said in the field's metadata, so that `compile --schema`
                // does not take JSON text for string values.
                let meta = [(JSON_TEXT.0.to_string(), JSON_TEXT.1.to_string())];
                let f = Field::new(&names[0], DataType::Utf8, true)
                    .with_metadata(std::collections::HashMap::from(meta));
                vec![(f, a)]
            } else {
                one(DataType::Utf8, a)
            }
        }
        Kind::Estimate => {
            let (mut lo, mut hi) = (Float64Builder::new(), Float64Builder::new());
            for p in rows {
                let (l, h) = match get(p) {
                    Some(Value::Estimate(e)) => (Some(e.lo), Some(e.hi)),
                    Some(v) => (v.as_f64(), v.as_f64()),
                    None => (None, None),
                };
                lo.append_option(l);
                hi.append_option(h);
            }
            vec![
                (
                    Field::new(&names[0], DataType::Float64, true),
                    Arc::new(lo.finish()),
                ),
                (
                    Field::new(&names[1], DataType::Float64, true),
                    Arc::new(hi.finish()),
                ),
            ]
        }
        Kind::Date => {
            let (mut from, mut to) = (Date32Builder::new(), Date32Builder::new());
            for p in rows {
                let span = match get(p) {
                    Some(Value::Date(d)) => Some(date_interval(&d)),
                    _ => None,
                };
                from.append_option(span.map(|s| s.0));
                to.append_option(span.map(|s| s.1));
            }
            vec![
                (
                    Field::new(&names[0], DataType::Date32, true),
                    Arc::new(from.finish()),
                ),
                (
                    Field::new(&names[1], DataType::Date32, true),
                    Arc::new(to.finish()),
                ),
            ]
        }
        Kind::StrList => {
            let mut b = ListBuilder::new(StringBuilder::new());
            for p in rows {
                match get(p) {
                    Some(Value::List(items)) => {
                        for i in items {
                            if let Value::String(s) = i {
                                b.values().append_value(s);
                            }
                        }
                        b.append(true);
                    }
                    _ => b.append(false),
                }
            }
            let a = b.finish();
            one(a.data_type().clone(), Arc::new(a))
        }
        Kind::IntList | Kind::FloatList => {
            let float = kind == Kind::FloatList;
            let mut ib = ListBuilder::new(Int64Builder::new());
            let mut fb = ListBuilder::new(Float64Builder::new());
            for p in rows {
                match get(p) {
                    Some(Value::List(items)) => {
                        for i in items {
                            match (&i, float) {
                                (Value::Int(x), false) => ib.values().append_value(*x),
                                (v, true) => fb.values().append_option(v.as_f64()),
                                _ => ib.values().append_null(),
                            }
                        }
                        ib.append(true);
                        fb.append(true);
                    }
                    _ => {
                        ib.append(false);
                        fb.append(false);
                    }
                }
            }
            if float {
                let a = fb.finish();
                one(a.data_type().clone(), Arc::new(a))
            } else {
                let a = ib.finish();
                one(a.data_type().clone(), Arc::new(a))
            }
        }
    }
}

fn write_table(path: &Path, fields: Vec<(Field, ArrayRef)>) -> io::Result<()> {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = fields.into_iter().unzip();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(io::Error::other)?;
    let file = std::fs::File::create(path)?;
    // Snappy: what Spark writes by default; cheap to build and to read.
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut w = ArrowWriter::try_new(file, schema, Some(props)).map_err(io::Error::other)?;
    w.write(&batch).map_err(io::Error::other)?;
    w.close().map_err(io::Error::other)?;
    Ok(())
}

/// Writes `DIR/actors.parquet` and `DIR/links.parquet` (DIR is created).
pub fn write(dir: &Path, ent: &Entities) -> io::Result<Report> {
    std::fs::create_dir_all(dir)?;
    let parts = Parts::of(ent);
    let mut report = Report::default();
    let empty = BTreeMap::new();
    let node_props: Vec<&BTreeMap<String, Value>> = parts
        .nodes
        .iter()
        .map(|(_, d)| d.map_or(&empty, |d| &d.properties))
        .collect();
    let mut fields: Vec<(Field, ArrayRef)> = Vec::new();
    let mut ids = Int64Builder::new();
    let mut labels = ListBuilder::new(StringBuilder::new());
    for (id, d) in &parts.nodes {
        ids.append_value(*id as i64);
        for l in d.map_or(&[][..], |d| &d.labels[..]) {
            labels.values().append_value(l);
        }
        labels.append(true);
    }
    fields.push((
        Field::new("_id", DataType::Int64, false),
        Arc::new(ids.finish()),
    ));
    let labels = labels.finish();
    fields.push((
        Field::new("_labels", labels.data_type().clone(), false),
        Arc::new(labels),
    ));
    let cols = columns(
        node_props.iter().copied(),
        &["_id", "_labels"],
        "actor",
        &mut report.warnings,
    );
    for (k, kind) in &cols {
        fields.extend(property_arrays(k, *kind, &node_props));
    }
    write_table(&dir.join("actors.parquet"), fields)?;
    report.actors = parts.nodes.len();

    let link_props: Vec<&BTreeMap<String, Value>> =
        parts.rels.iter().map(|r| &r.properties).collect();
    let (mut id, mut src, mut dst, mut ty) = (
        Int64Builder::new(),
        Int64Builder::new(),
        Int64Builder::new(),
        StringBuilder::new(),
    );
    for r in &parts.rels {
        id.append_value(r.id as i64);
        src.append_value(r.start as i64);
        dst.append_value(r.end as i64);
        ty.append_value(&r.rel_type);
    }
    let mut fields: Vec<(Field, ArrayRef)> = vec![
        (
            Field::new("_id", DataType::Int64, false),
            Arc::new(id.finish()),
        ),
        (
            Field::new("_src", DataType::Int64, false),
            Arc::new(src.finish()),
        ),
        (
            Field::new("_dst", DataType::Int64, false),
            Arc::new(dst.finish()),
        ),
        (
            Field::new("_type", DataType::Utf8, false),
            Arc::new(ty.finish()),
        ),
    ];
    let cols = columns(
        link_props.iter().copied(),
        &["_id", "_src", "_dst", "_type"],
        "link",
        &mut report.warnings,
    );
    for (k, kind) in &cols {
        fields.extend(property_arrays(k, *kind, &link_props));
    }
    write_table(&dir.join("links.parquet"), fields)?;
    report.links = parts.rels.len();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_their_interval() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        let y = Date::parse("2024").unwrap();
        assert_eq!(
            date_interval(&y),
            (days_from_civil(2024, 1, 1), days_from_civil(2024, 12, 31))
        );
        let m = Date::parse("2024-02").unwrap();
        assert_eq!(
            date_interval(&m),
            (days_from_civil(2024, 2, 1), days_from_civil(2024, 2, 29))
        );
        let d = Date::parse("2023-12-31").unwrap();
        assert_eq!(date_interval(&d).0, date_interval(&d).1);
    }

    #[test]
    fn kinds_widen() {
        assert_eq!(join(Kind::Int, Kind::Float), Kind::Float);
        assert_eq!(join(Kind::Float, Kind::Estimate), Kind::Estimate);
        assert_eq!(join(Kind::Str, Kind::Int), Kind::Text);
        assert_eq!(join(Kind::IntList, Kind::FloatList), Kind::FloatList);
    }

    #[test]
    fn clashing_keys_are_left_out() {
        let mut a = BTreeMap::new();
        a.insert("_id".to_string(), Value::Int(1));
        a.insert(
            "x".to_string(),
            Value::Estimate(crate::value::Estimate { lo: 1.0, hi: 2.0 }),
        );
        a.insert("x_lo".to_string(), Value::Int(1));
        let mut w = Vec::new();
        let cols = columns([&a].into_iter(), &["_id"], "actor", &mut w);
        assert_eq!(cols, vec![("x".to_string(), Kind::Estimate)]);
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn tables_hold_typed_columns_and_read_back() {
        use crate::result::{NodeData, RelData};
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Date32Type, Float64Type, Int64Type};
        let mut ent = Entities::default();
        let props = |kv: Vec<(&str, Value)>| {
            kv.into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>()
        };
        ent.nodes.insert(
            7,
            NodeData {
                id: 7,
                labels: vec!["Country".into()],
                properties: props(vec![
                    ("id", Value::String("by".into())),
                    (
                        "aliases",
                        Value::List(vec![Value::String("Belarus".into())]),
                    ),
                    ("pop", Value::Int(9)),
                ]),
            },
        );
        ent.rels.insert(
            3,
            RelData {
                id: 3,
                rel_type: "SUPPLIES".into(),
                start: 7,
                end: 8,
                properties: props(vec![
                    (
                        "share",
                        Value::Estimate(crate::value::Estimate { lo: 0.6, hi: 0.7 }),
                    ),
                    ("since", Value::Date(Date::parse("2022-03").unwrap())),
                    ("value", Value::Float(1.5)),
                ]),
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let report = write(dir.path(), &ent).unwrap();
        assert_eq!((report.actors, report.links), (2, 1));
        let read = |name: &str| {
            let f = std::fs::File::open(dir.path().join(name)).unwrap();
            let mut r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                .unwrap()
                .build()
                .unwrap();
            r.next().unwrap().unwrap()
        };
        let actors = read("actors.parquet");
        let names: Vec<String> = actors
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["_id", "_labels", "aliases", "id", "pop"]);
        // Node 8 is only a link's end: a row with its id, no properties.
        assert_eq!(actors.num_rows(), 2);
        assert_eq!(actors.column(4).as_primitive::<Int64Type>().value(0), 9);
        assert!(actors.column(4).is_null(1));
        let links = read("links.parquet");
        let names: Vec<String> = links
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(
            names,
            [
                "_id",
                "_src",
                "_dst",
                "_type",
                "share_lo",
                "share_hi",
                "since_from",
                "since_to",
                "value"
            ]
        );
        assert_eq!(links.column(5).as_primitive::<Float64Type>().value(0), 0.7);
        let (from, to) = date_interval(&Date::parse("2022-03").unwrap());
        assert_eq!(links.column(6).as_primitive::<Date32Type>().value(0), from);
        assert_eq!(links.column(7).as_primitive::<Date32Type>().value(0), to);
        assert_eq!(to - from, 30);
    }
}
