//! The importer's own CSV files, so that `export --format csv -o DIR`
//! followed by `import DB --nodes DIR/actors.csv --relationships
//! DIR/links.csv` gives the graph back.
//!
//! `actors.csv`: `id`, `labels` (`;`-joined), then one column per property
//! key, its type in the header (`pop:int`, `since:date`, `aliases:string[]`,
//! `share:estimate`, …) so that import does not have to guess. `links.csv`:
//! `src`, `dst` (the actors' `id`), `type`, then the link properties alike.
//! A key whose values mix types is written as `:string` (lists as JSON
//! text), and what cannot come back exactly is reported as a warning: an
//! actor without an `id` property (given `#N`, N its internal id), an `id`
//! used twice, a list of non-strings or with a `;` in an element, an empty
//! string or list (import reads an empty field as absent), NaN or infinity (written
//! empty), a property named like a fixed column (`labels`; `src`, `dst`,
//! `type`; left out).

use super::Parts;
use crate::io::format::value_to_json;
use crate::result::Entities;
use crate::value::{format_float, NodeId, Temporal, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::Path;

/// What an export wrote, and what will not come back exactly.
#[derive(Debug, Default)]
pub struct Report {
    pub actors: usize,
    pub links: usize,
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColKind {
    Int,
    Float,
    Bool,
    Str,
    Date,
    StrList,
    Estimate,
    LocalTime,
    Time,
    LocalDateTime,
    DateTime,
    Duration,
    /// Mixed types: text (lists and maps as JSON).
    Text,
}

impl ColKind {
    fn annotation(self) -> &'static str {
        match self {
            ColKind::Int => "int",
            ColKind::Float => "float",
            ColKind::Bool => "bool",
            ColKind::Str | ColKind::Text => "string",
            ColKind::Date => "date",
            ColKind::StrList => "string[]",
            ColKind::Estimate => "estimate",
            ColKind::LocalTime => "localtime",
            ColKind::Time => "time",
            ColKind::LocalDateTime => "localdatetime",
            ColKind::DateTime => "datetime",
            ColKind::Duration => "duration",
        }
    }
}

fn kind_of(v: &Value) -> ColKind {
    match v {
        Value::Int(_) => ColKind::Int,
        Value::Float(_) => ColKind::Float,
        Value::Bool(_) => ColKind::Bool,
        Value::String(_) => ColKind::Str,
        Value::Date(_) => ColKind::Date,
        Value::Estimate(_) => ColKind::Estimate,
        Value::Temporal(t) => match t {
            Temporal::LocalTime(_) => ColKind::LocalTime,
            Temporal::Time(_) => ColKind::Time,
            Temporal::LocalDateTime(_) => ColKind::LocalDateTime,
            Temporal::DateTime(_) => ColKind::DateTime,
            Temporal::Duration(_) => ColKind::Duration,
        },
        Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))) => {
            ColKind::StrList
        }
        _ => ColKind::Text,
    }
}

fn join(a: ColKind, b: ColKind) -> ColKind {
    use ColKind::*;
    match (a, b) {
        (a, b) if a == b => a,
        (Int | Float, Int | Float) => Float,
        (Int | Float | Estimate, Int | Float | Estimate) => Estimate,
        _ => Text,
    }
}

/// The property columns of one file: name and kind, sorted by name.
fn columns<'a>(
    props: impl Iterator<Item = &'a BTreeMap<String, Value>>,
    fixed: &[&str],
    what: &str,
    warnings: &mut Vec<String>,
) -> Vec<(String, ColKind)> {
    let mut kinds: BTreeMap<String, ColKind> = BTreeMap::new();
    for p in props {
        for (k, v) in p {
            let kind = kind_of(v);
            kinds
                .entry(k.clone())
                .and_modify(|c| *c = join(*c, kind))
                .or_insert(kind);
        }
    }
    let mut out = Vec::new();
    for (k, kind) in kinds {
        if fixed.contains(&k.as_str()) {
            warnings.push(format!(
                "the {what} property '{k}' is named like a fixed column and was left out"
            ));
            continue;
        }
        if kind == ColKind::Text {
            warnings.push(format!(
                "the {what} property '{k}' holds values of several types (or lists of non-strings): written as text"
            ));
        }
        out.push((k, kind));
    }
    out
}

/// Tallies of values that will not come back exactly.
#[derive(Default)]
struct Lossy {
    empty: usize,
    non_finite: usize,
    semicolons: usize,
}

fn float(f: f64, lossy: &mut Lossy) -> String {
    if f.is_finite() {
        format_float(f)
    } else {
        lossy.non_finite += 1;
        String::new()
    }
}

/// The field of `v` in a column of `kind`.
fn field(v: &Value, kind: ColKind, lossy: &mut Lossy) -> String {
    match (v, kind) {
        (Value::String(s), _) => {
            if s.is_empty() {
                lossy.empty += 1;
            }
            s.clone()
        }
        (Value::Int(i), ColKind::Int | ColKind::Text) => i.to_string(),
        (Value::Int(i), _) => float(*i as f64, lossy),
        (Value::Float(f), _) => float(*f, lossy),
        (Value::Bool(b), _) => b.to_string(),
        (Value::Date(d), _) => d.to_string(),
        (Value::Temporal(t), _) => t.to_string(),
        (Value::Estimate(e), _) => {
            if e.lo.is_finite() && e.hi.is_finite() {
                format!("{}..{}", format_float(e.lo), format_float(e.hi))
            } else {
                lossy.non_finite += 1;
                String::new()
            }
        }
        (Value::List(items), ColKind::StrList) if items.is_empty() => {
            lossy.empty += 1;
            String::new()
        }
        (Value::List(items), ColKind::StrList) => {
            let parts: Vec<&str> = items
                .iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect();
            if parts
                .iter()
                .any(|p| p.contains(';') || p.trim() != *p || p.is_empty())
            {
                lossy.semicolons += 1;
            }
            parts.join(";")
        }
        (other, _) => value_to_json(other, &Entities::default()),
    }
}

fn write_file(
    path: &Path,
    header: Vec<String>,
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    let mut w = ::csv::Writer::from_path(path).map_err(csv_io)?;
    w.write_record(&header).map_err(csv_io)?;
    for r in rows {
        w.write_record(&r).map_err(csv_io)?;
    }
    w.flush()
}

fn csv_io(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The `id` each actor is written with: its `id` property as text, else
/// `#N`; an id already taken gets `#N` appended.
fn actor_keys(parts: &Parts<'_>, warnings: &mut Vec<String>) -> HashMap<NodeId, String> {
    let mut keys = HashMap::new();
    let mut taken: HashSet<String> = HashSet::new();
    let (mut missing, mut twice) = (0, 0);
    for &(id, data) in &parts.nodes {
        let own = data.and_then(|d| match d.properties.get("id") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Null) | None => None,
            Some(Value::String(_)) => None,
            Some(v) => Some(field(v, ColKind::Text, &mut Lossy::default())),
        });
        let mut key = own.unwrap_or_else(|| {
            missing += 1;
            format!("#{id}")
        });
        if taken.contains(&key) {
            twice += 1;
            key = format!("{key}#{id}");
        }
        taken.insert(key.clone());
        keys.insert(id, key);
    }
    if missing > 0 {
        warnings.push(format!(
            "{} had no id property and {} written with id #N (N the internal id)",
            crate::io::format::count(missing, "actor", "actors"),
            if missing == 1 { "was" } else { "were" }
        ));
    }
    if twice > 0 {
        warnings.push(format!(
            "{} an id already taken: #N was appended",
            crate::io::format::count(twice, "actor has", "actors have")
        ));
    }
    keys
}

/// Writes `DIR/actors.csv` and `DIR/links.csv` (creating DIR).
pub fn write(dir: &Path, ent: &Entities) -> io::Result<Report> {
    std::fs::create_dir_all(dir)?;
    let parts = Parts::of(ent);
    let mut report = Report {
        actors: parts.nodes.len(),
        links: parts.rels.len(),
        warnings: Vec::new(),
    };
    let keys = actor_keys(&parts, &mut report.warnings);
    let mut lossy = Lossy::default();
    let node_cols = columns(
        parts
            .nodes
            .iter()
            .filter_map(|(_, d)| d.map(|d| &d.properties)),
        &["id", "labels"],
        "actor",
        &mut report.warnings,
    );
    // `id` is the key column; it is not a fixed column to warn about.
    report.warnings.retain(|w| !w.contains("property 'id'"));
    let mut header = vec!["id".to_string(), "labels".to_string()];
    header.extend(
        node_cols
            .iter()
            .map(|(k, c)| format!("{k}:{}", c.annotation())),
    );
    let rows = parts.nodes.iter().map(|&(id, data)| {
        let mut row = vec![
            keys.get(&id).cloned().unwrap_or_default(),
            data.map(|d| d.labels.join(";")).unwrap_or_default(),
        ];
        for (k, kind) in &node_cols {
            row.push(match data.and_then(|d| d.properties.get(k)) {
                Some(v) => field(v, *kind, &mut lossy),
                None => String::new(),
            });
        }
        row
    });
    write_file(&dir.join("actors.csv"), header, rows)?;
    let rel_cols = columns(
        parts.rels.iter().map(|r| &r.properties),
        &["src", "dst", "type"],
        "link",
        &mut report.warnings,
    );
    let mut header = vec!["src".to_string(), "dst".to_string(), "type".to_string()];
    header.extend(
        rel_cols
            .iter()
            .map(|(k, c)| format!("{k}:{}", c.annotation())),
    );
    let rows = parts.rels.iter().map(|r| {
        let mut row = vec![
            keys.get(&r.start).cloned().unwrap_or_default(),
            keys.get(&r.end).cloned().unwrap_or_default(),
            r.rel_type.clone(),
        ];
        for (k, kind) in &rel_cols {
            row.push(match r.properties.get(k) {
                Some(v) => field(v, *kind, &mut lossy),
                None => String::new(),
            });
        }
        row
    });
    write_file(&dir.join("links.csv"), header, rows)?;
    if lossy.empty > 0 {
        report.warnings.push(format!(
            "{} written as empty fields, which import reads as absent",
            crate::io::format::count(
                lossy.empty as u64,
                "empty string or list was",
                "empty strings or lists were"
            )
        ));
    }
    if lossy.non_finite > 0 {
        report.warnings.push(format!(
            "{} (NaN or infinite) written as empty fields",
            crate::io::format::count(lossy.non_finite as u64, "number", "numbers")
        ));
    }
    if lossy.semicolons > 0 {
        report.warnings.push(format!(
            "{} an element with ';', spaces at its ends or nothing, which import splits or trims",
            crate::io::format::count(lossy.semicolons as u64, "list has", "lists have")
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn writes_the_importer_format_with_typed_headers() {
        let dir = tempfile::tempdir().unwrap();
        let report = write(dir.path(), &sample::graph()).unwrap();
        assert_eq!((report.actors, report.links), (4, 3));
        let actors = std::fs::read_to_string(dir.path().join("actors.csv")).unwrap();
        let links = std::fs::read_to_string(dir.path().join("links.csv")).unwrap();
        let mut lines = actors.lines();
        assert_eq!(
            lines.next(),
            Some("id,labels,aliases:string[],founded:date,name:string,pop:string")
        );
        assert_eq!(
            lines.next(),
            Some("by,Country,Belarus;Беларусь,,\"A \"\"q\"\" <&>")
        );
        assert!(
            actors.contains("\n#3,Company;Factory,,1990-05,,many\n"),
            "{actors}"
        );
        assert!(actors.ends_with("\n#4,,,,,\n"), "{actors}");
        assert!(actors.contains("ru,Country,,,Russia,143.5\n"), "{actors}");
        let mut lines = links.lines();
        assert_eq!(
            lines.next(),
            Some("src,dst,type,category:string,confidence:float,evidence:string,share:estimate,since:date,verified:bool")
        );
        assert_eq!(
            lines.next(),
            Some("by,ru,SUPPLIES,x'y,0.32000000000000006,reported,0.6..0.7,2022-02,")
        );
        assert_eq!(lines.next(), Some("#3,ru,SUPPLIES,,,alleged,0.9,,true"));
        assert_eq!(lines.next(), Some("#3,#4,OWNS,,,,,,"));
        let w = report.warnings.join("\n");
        assert!(w.contains("'pop' holds values of several types"), "{w}");
        assert!(w.contains("2 actors had no id property"), "{w}");
    }

    #[test]
    fn duplicate_ids_and_lossy_values_are_reported() {
        let mut ent = sample::graph();
        let s = |x: &str| Value::String(x.into());
        ent.nodes
            .get_mut(&2)
            .unwrap()
            .properties
            .insert("id".into(), s("by"));
        let p = &mut ent.nodes.get_mut(&1).unwrap().properties;
        p.insert("aliases".into(), Value::List(vec![s("a;b")]));
        p.insert("note".into(), s(""));
        p.insert("labels".into(), s("x"));
        p.insert("x".into(), Value::Float(f64::NAN));
        let dir = tempfile::tempdir().unwrap();
        let report = write(dir.path(), &ent).unwrap();
        let w = report.warnings.join("\n");
        for needle in [
            "1 actor has an id already taken",
            "1 empty string or list was written",
            "1 number (NaN or infinite)",
            "1 list has an element with ';'",
            "property 'labels' is named like a fixed column",
        ] {
            assert!(w.contains(needle), "{needle}: {w}");
        }
        let actors = std::fs::read_to_string(dir.path().join("actors.csv")).unwrap();
        assert!(actors.contains("\nby#2,Country,"), "{actors}");
    }
}
