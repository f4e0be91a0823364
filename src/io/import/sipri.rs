//! The SIPRI Arms Transfers Database trade register (CSV export). Each record
//! is one deal: `(supplier)-[:SUPPLIES {…}]->(recipient)`. Reads SIPRI's own
//! export (Windows-1252, a preamble before the header, blank headers on the
//! three uncertainty-flag columns) as well as a UTF-8 copy with those
//! columns named (`Order year uncertain`, …).

use super::load::{Load, Meter};
use super::{file_len, import_error, quote};
use crate::error::Error;
use crate::io::format::count;
use crate::store::catalog::NameKind;
use crate::store::graph::Graph;
use crate::value::{Date, Estimate, NodeId, Value};
use std::collections::HashMap;
use std::path::Path;

/// The register's columns, by the header SIPRI gives them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Col {
    Recipient,
    Supplier,
    OrderYear,
    OrderYearUncertain,
    Ordered,
    OrderedUncertain,
    Designation,
    Description,
    Delivered,
    DeliveredUncertain,
    DeliveryYears,
    Status,
    Comments,
    TivUnit,
    TivOrder,
    TivDelivered,
}

const HEADERS: [(&str, Col); 16] = [
    ("recipient", Col::Recipient),
    ("supplier", Col::Supplier),
    ("year of order", Col::OrderYear),
    ("order year uncertain", Col::OrderYearUncertain),
    ("number ordered", Col::Ordered),
    ("number ordered uncertain", Col::OrderedUncertain),
    ("weapon designation", Col::Designation),
    ("weapon description", Col::Description),
    ("number delivered", Col::Delivered),
    ("number delivered uncertain", Col::DeliveredUncertain),
    ("year(s) of delivery", Col::DeliveryYears),
    ("status", Col::Status),
    ("comments", Col::Comments),
    ("sipri tiv per unit", Col::TivUnit),
    ("sipri tiv for total order", Col::TivOrder),
    ("sipri tiv of delivered weapons", Col::TivDelivered),
];

const REQUIRED: [Col; 4] = [
    Col::Recipient,
    Col::Supplier,
    Col::OrderYear,
    Col::Designation,
];

/// The flag column that follows a value column in SIPRI's export.
fn flag_after(c: Col) -> Option<Col> {
    match c {
        Col::OrderYear => Some(Col::OrderYearUncertain),
        Col::Ordered => Some(Col::OrderedUncertain),
        Col::Delivered => Some(Col::DeliveredUncertain),
        _ => None,
    }
}

/// Maps header cells to columns; a blank cell is the flag of the column
/// before it.
fn columns(headers: &csv::StringRecord) -> Result<HashMap<Col, usize>, String> {
    let mut out = HashMap::new();
    let mut prev: Option<Col> = None;
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
        let col = if h.is_empty() {
            prev.and_then(flag_after)
        } else {
            HEADERS.iter().find(|(n, _)| *n == h).map(|(_, c)| *c)
        };
        if let Some(c) = col {
            if out.insert(c, i).is_some() {
                return Err(format!("column '{h}' appears twice"));
            }
        }
        prev = col;
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !out.contains_key(c))
        .filter_map(|c| HEADERS.iter().find(|(_, x)| x == c).map(|(n, _)| *n))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "not a SIPRI trade register: no column {}",
            missing.join(", ")
        ));
    }
    Ok(out)
}

/// The file as text: UTF-8 if it is, else Windows-1252 (SIPRI's encoding).
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// The 0-based index of the header line: the first line naming both a
/// Recipient and a Supplier column (SIPRI's export has a preamble).
fn header_line(text: &str) -> Option<usize> {
    text.lines().take(64).position(|l| {
        let cells: Vec<String> = l.split(',').map(|c| c.trim().to_lowercase()).collect();
        cells.iter().any(|c| c == "recipient") && cells.iter().any(|c| c == "supplier")
    })
}

/// What kind of actor a register name is, by SIPRI's conventions: a
/// trailing `**` marks a multinational organisation, `*` a non-state armed
/// group; `unknown …` an unidentified party; anything else a state.
fn actor_kind(raw: &str) -> (&str, &'static str, &'static str) {
    let raw = raw.trim();
    if let Some(name) = raw.strip_suffix("**") {
        (name.trim(), "Organization", "multinational organisation")
    } else if let Some(name) = raw.strip_suffix('*') {
        (name.trim(), "NonStateActor", "non-state armed group")
    } else if raw.to_lowercase().starts_with("unknown") {
        (raw, "Unknown", "unidentified")
    } else {
        (raw, "Country", "state")
    }
}

struct Keys {
    name: u32,
    aliases: u32,
    kind: u32,
    link: [(Col, u32); 13],
    since: u32,
    until: u32,
    source: u32,
}

pub(super) fn load(
    graph: &Graph,
    load: &mut Load,
    path: &Path,
    meter: &mut Meter<'_>,
) -> Result<(), Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| import_error(path, 0, None, format!("cannot read file: {e}")))?;
    let text = decode(&bytes);
    let Some(skip) = header_line(&text) else {
        return Err(import_error(
            path,
            1,
            None,
            "not a SIPRI trade register: no header line naming Recipient and Supplier",
        ));
    };
    // The text from the header on, and the file line the header is on.
    let body = text.split_inclusive('\n').skip(skip).collect::<String>();
    let first_line = skip as u64;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(body.as_bytes());
    // The reader may place a record before the previous line's end, which
    // it had not consumed yet: the byte there says so.
    let at = |pos: Option<&csv::Position>| match pos {
        Some(p) => {
            let b = body.as_bytes().get(p.byte() as usize).copied();
            first_line + p.line() + u64::from(matches!(b, Some(b'\n' | b'\r')))
        }
        None => first_line,
    };
    let headers = rdr
        .headers()
        .map_err(|e| import_error(path, first_line + 1, None, e.to_string()))?
        .clone();
    let cols = columns(&headers).map_err(|m| import_error(path, first_line + 1, None, m))?;
    let header_names: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();

    let mut k = |n: &str| load.key(graph, n);
    let keys = Keys {
        name: k("name"),
        aliases: k("aliases"),
        kind: k("kind"),
        link: [
            (Col::Designation, k("designation")),
            (Col::Description, k("category")),
            (Col::OrderYear, k("orderYear")),
            (Col::OrderYearUncertain, k("orderYearUncertain")),
            (Col::Ordered, k("ordered")),
            (Col::OrderedUncertain, k("orderedUncertain")),
            (Col::Delivered, k("delivered")),
            (Col::DeliveredUncertain, k("deliveredUncertain")),
            (Col::DeliveryYears, k("deliveryYears")),
            (Col::Status, k("status")),
            (Col::Comments, k("comments")),
            (Col::TivUnit, k("tivUnit")),
            (Col::TivOrder, k("tivOrder")),
        ],
        since: k("since"),
        until: k("until"),
        source: k("source"),
    };
    let tiv_delivered = k("tivDelivered");
    let supplies = load.name(graph, NameKind::Type, "SUPPLIES");
    let (links_before, nodes_before) = (load.summary.rels, load.summary.nodes);

    let mut record = csv::StringRecord::new();
    let mut last = (0u64, 1u64);
    loop {
        let more = rdr.read_record(&mut record).map_err(|e| {
            let line = at(e.position());
            let msg = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => super::fields_mismatch(*len, *expected_len),
                _ => e.to_string(),
            };
            import_error(path, line, None, msg)
        })?;
        if !more {
            break;
        }
        let line = at(record.position());
        if let Some(p) = record.position() {
            last = (p.byte(), p.line());
        }
        let field = |c: Col| cols.get(&c).map(|&i| record[i].trim()).unwrap_or("");
        let here = |c: Col, m: String| {
            let i = cols.get(&c).copied().unwrap_or(0);
            import_error(path, line, Some((i, &header_names[i])), m)
        };
        let mut ends = [0 as NodeId; 2];
        for (slot, c) in [Col::Supplier, Col::Recipient].into_iter().enumerate() {
            let raw = field(c);
            if raw.is_empty() {
                return Err(here(c, "empty actor name".into()));
            }
            ends[slot] = actor(graph, load, &keys, raw).map_err(|m| here(c, m))?;
        }
        let mut props: Vec<(u32, Value)> = Vec::with_capacity(16);
        let mut delivery_years: Vec<i64> = Vec::new();
        let mut order_year = None;
        let mut delivered = None;
        for &(c, key) in &keys.link {
            let raw = field(c);
            let value = match c {
                Col::OrderYearUncertain | Col::OrderedUncertain | Col::DeliveredUncertain => {
                    match raw {
                        "" => Value::Bool(false),
                        "?" => Value::Bool(true),
                        other => return Err(here(c, format!("'{other}' is not '?' or empty"))),
                    }
                }
                _ if raw.is_empty() => continue,
                Col::OrderYear | Col::Ordered | Col::Delivered => {
                    let n: i64 = raw
                        .parse()
                        .map_err(|_| here(c, format!("'{raw}' is not a whole number")))?;
                    match c {
                        Col::OrderYear => order_year = Some(n),
                        Col::Delivered => delivered = Some(n),
                        _ => {}
                    }
                    Value::Int(n)
                }
                Col::DeliveryYears => {
                    for y in raw.split(';').map(str::trim).filter(|y| !y.is_empty()) {
                        delivery_years.push(
                            y.parse()
                                .map_err(|_| here(c, format!("'{y}' is not a year")))?,
                        );
                    }
                    Value::List(delivery_years.iter().map(|&y| Value::Int(y)).collect())
                }
                Col::TivUnit | Col::TivOrder => tiv(raw).ok_or_else(|| here(c, not_tiv(raw)))?,
                _ => Value::String(raw.to_string()),
            };
            props.push((key, value));
        }
        // `0` for the delivered TIV means "between 0 and 0.5 million" when
        // something was delivered (SIPRI rounds), and nothing when not.
        let raw = field(Col::TivDelivered);
        if !raw.is_empty() {
            let v = tiv(raw).ok_or_else(|| here(Col::TivDelivered, not_tiv(raw)))?;
            let v = match v {
                Value::Float(f) if f == 0.0 && delivered.unwrap_or(0) > 0 => {
                    Value::Estimate(Estimate { lo: 0.0, hi: 0.5 })
                }
                v => v,
            };
            props.push((tiv_delivered, v));
        }
        if let Some(y) = order_year {
            props.push((keys.since, Value::Date(Date::year_only(y as i32))));
        }
        if let Some(&y) = delivery_years.iter().max() {
            props.push((keys.until, Value::Date(Date::year_only(y as i32))));
        }
        props.push((
            keys.source,
            Value::String("SIPRI Arms Transfers Database".into()),
        ));
        load.add_link(graph, supplies, ends[0], ends[1], props)?;
        if load.summary.rels.is_multiple_of(1024) {
            meter.at(record.position().map(|p| p.byte()).unwrap_or(0));
        }
    }
    if let Some(open) = quote::unterminated(&body.as_bytes()[last.0 as usize..], last.1, b',') {
        let name = header_names
            .get(open.field)
            .map(String::as_str)
            .unwrap_or("");
        return Err(import_error(
            path,
            first_line + open.line,
            Some((open.field, name)),
            quote::message(),
        ));
    }
    load.summary.notes.push(format!(
        "{}: {}, {}",
        path.display(),
        count(
            load.summary.rels - links_before,
            "deal (SUPPLIES link)",
            "deals (SUPPLIES links)"
        ),
        count(load.summary.nodes - nodes_before, "new actor", "new actors")
    ));
    meter.passed(file_len(path));
    Ok(())
}

/// A TIV figure (millions): a number, never negative.
fn tiv(raw: &str) -> Option<Value> {
    let f: f64 = raw.parse().ok()?;
    (f.is_finite() && f >= 0.0).then_some(Value::Float(f))
}

fn not_tiv(raw: &str) -> String {
    format!("'{raw}' is not a TIV figure (a number of millions)")
}

/// The actor a register name stands for, created on first use with the
/// stable id `sipri:NAME` (so a later import of another register reuses it).
fn actor(graph: &Graph, load: &mut Load, keys: &Keys, raw: &str) -> Result<NodeId, String> {
    let id = format!("sipri:{raw}");
    if let Some(n) = load.find(graph, &id).map_err(|e| e.message)? {
        return Ok(n);
    }
    let (name, label, kind) = actor_kind(raw);
    let mut props = vec![
        (load.id_key, Value::String(id.clone())),
        (keys.name, Value::String(name.to_string())),
        (keys.kind, Value::String(kind.to_string())),
    ];
    if name != raw {
        props.push((
            keys.aliases,
            Value::List(vec![Value::String(raw.to_string())]),
        ));
    }
    let label = load.name(graph, NameKind::Label, label);
    load.add_node(graph, Some(&id), vec![label], props)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_names_carry_the_actor_kind() {
        assert_eq!(actor_kind("Russia"), ("Russia", "Country", "state"));
        assert_eq!(
            actor_kind("Hezbollah (Lebanon)*"),
            (
                "Hezbollah (Lebanon)",
                "NonStateActor",
                "non-state armed group"
            )
        );
        assert_eq!(
            actor_kind("NATO**"),
            ("NATO", "Organization", "multinational organisation")
        );
        assert_eq!(
            actor_kind("unknown supplier(s)"),
            ("unknown supplier(s)", "Unknown", "unidentified")
        );
    }

    #[test]
    fn sipri_s_own_export_is_recognised() {
        let text = "Notes on recipient, supplier and more\n\nSource: SIPRI\nRecipient,Supplier,Year of order, ,Number ordered, ,Weapon designation\n";
        assert_eq!(header_line(text), Some(3));
        let headers = csv::StringRecord::from(vec![
            "Recipient",
            "Supplier",
            "Year of order",
            " ",
            "Number ordered",
            " ",
            "Weapon designation",
        ]);
        let cols = columns(&headers).unwrap();
        assert_eq!(cols[&Col::OrderYearUncertain], 3);
        assert_eq!(cols[&Col::OrderedUncertain], 5);
        assert_eq!(decode(b"Bol\xeda \x96 x"), "Bolía – x");
        assert!(columns(&csv::StringRecord::from(vec!["Recipient"])).is_err());
    }
}
