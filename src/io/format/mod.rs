//! Result formatters: how one statement's [`QueryResult`] is printed in each
//! `--format` / `.mode` (see DESIGN.md, "CLI contract" and "REPL").
//!
//! Every writer prints one statement's result and nothing else; a caller
//! printing several statements just calls [`write_result`] once per statement.
//! Update counters are not part of any format but the table: callers print
//! [`describe_stats`] on stderr for the others.
//!
//! - **table** ([`table`]): box-drawing borders (`┌─┬─┐ │ ├─┼─┤ └─┴─┘`, like
//!   sqlite3 `.mode box`); numbers right-aligned; cells in Cypher notation
//!   for people ([`render_human`]: floats to 15 significant digits, paths as
//!   `(China)-[:COOPERATES_WITH]->(Belarus)` unless [`Style::path_props`])
//!   with control characters shown escaped (`\n`) so each row is one line;
//!   `max_width` (set only when stdout is a terminal) narrows the widest
//!   columns and cuts cells with `…`. An empty result prints the header box
//!   and `(no rows)`. Then the footer, if given, then the [`describe_stats`]
//!   line if any counter is set. A result without columns prints only the
//!   stats line (no footer).
//! - **csv** ([`csv`]): header row, then rows; null is an empty field,
//!   strings raw, floats exact, dates ISO (`2022-03`), estimates `lo..hi`;
//!   lists, maps, nodes, relationships and paths as JSON text (the shapes
//!   below).
//! - **json** ([`json`]): one JSON array of row objects per statement with
//!   columns, one row object per line, keys in column order; an empty
//!   result is `[]`, a statement without columns prints nothing:
//!   ```text
//!   [
//!     {"name": "Belarus", "n": 42}
//!   ]
//!   ```
//! - **jsonl**: one row object per line.
//! - **markdown** ([`markdown`]): GitHub table of the table's cell text, `|`
//!   escaped as `\|`, line breaks as `<br>`.
//! - **graphml**, **dot** ([`graph`]): the nodes and links the result
//!   mentions, as one document (batch mode collects every statement's
//!   result into one document instead; see `repl::session`).
//!
//! JSON values ([`value_to_json`]): integers bare, floats always with a decimal
//! point or exponent (`1.0`), NaN and infinities as the bare tokens `NaN`,
//! `Infinity`, `-Infinity`; strings JSON-escaped; dates as strings
//! (`"2022-03"`); estimates `{"lo": 0.6, "hi": 0.7}`; maps with sorted keys;
//! node `{"id": n, "labels": [...], "properties": {...}}`, relationship
//! `{"id": n, "type": "...", "start": n, "end": n, "properties": {...}}`, path
//! `{"nodes": [...], "relationships": [...]}`. An entity missing from
//! `Entities` (should not happen) keeps that shape with empty labels and
//! properties (and null type/start/end); in Cypher notation it is `(#id)` or
//! `[#id]`.
//!
//! `QueryResult::plan` is not printed by any format; the caller prints it.

mod csv;
mod cypher;
pub mod graph;
mod json;
mod markdown;
mod table;
#[cfg(test)]
mod testdata;

pub use self::cypher::{render_human, render_value, short_float, Style};
pub use self::json::value_to_json;

use crate::result::{QueryResult, Stats};
use std::io;

/// An output format, as `--format` and `.mode` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Jsonl,
    Markdown,
    GraphMl,
    Dot,
}

impl Format {
    /// The name `--format` and `.mode` take.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Markdown => "markdown",
            Format::GraphMl => "graphml",
            Format::Dot => "dot",
        }
    }

    /// The graph format of `graphml` and `dot`, which print nodes and links
    /// rather than rows.
    pub fn graph(self) -> Option<graph::GraphFormat> {
        match self {
            Format::GraphMl => Some(graph::GraphFormat::GraphMl),
            Format::Dot => Some(graph::GraphFormat::Dot),
            _ => None,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    /// `table`, `csv`, `json`, `jsonl`, `markdown` or `md`, `graphml`, `dot`
    /// (case-insensitive).
    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "markdown" | "md" => Ok(Format::Markdown),
            "graphml" => Ok(Format::GraphMl),
            "dot" => Ok(Format::Dot),
            _ => Err(format!(
                "unknown format '{s}': expected one of table, csv, json, jsonl, markdown (or md), graphml, dot"
            )),
        }
    }
}

/// Options of the table and markdown formats (the others ignore them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// Terminal width: long cells are cut with `…` so that the table fits.
    pub max_width: Option<usize>,
    /// Printed under the table, e.g. `3 rows (1.2 ms)`.
    pub footer: Option<String>,
    /// How cells show values (`.paths full`).
    pub style: Style,
}

/// Writes one statement's result. A result with no columns (an update without
/// RETURN) writes nothing except, for Table, the stats line.
pub fn write_result(
    out: &mut dyn io::Write,
    result: &QueryResult,
    format: Format,
    opts: &TableOptions,
) -> io::Result<()> {
    match format {
        Format::Table => table::write_table(out, result, opts),
        Format::Csv => csv::write_csv(out, result),
        Format::Json => json::write_json_result(out, result),
        Format::Jsonl => json::write_jsonl_result(out, result),
        Format::Markdown => markdown::write_markdown(out, result, opts.style),
        Format::GraphMl | Format::Dot => match format.graph() {
            Some(g) if !result.columns.is_empty() => graph::write(out, &result.entities, g),
            _ => Ok(()),
        },
    }
}

/// `1 actor`, `2 actors`: a count with its noun in the right number.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The non-zero counters, e.g. `+2 nodes, +1 relationship, +3 properties`;
/// deletions and removals with a minus (`-1 node`, `-2 labels`). Empty when
/// nothing changed.
pub fn describe_stats(s: &Stats) -> String {
    let items = [
        ('+', s.nodes_created, "node", "nodes"),
        ('-', s.nodes_deleted, "node", "nodes"),
        (
            '+',
            s.relationships_created,
            "relationship",
            "relationships",
        ),
        (
            '-',
            s.relationships_deleted,
            "relationship",
            "relationships",
        ),
        ('+', s.labels_added, "label", "labels"),
        ('-', s.labels_removed, "label", "labels"),
        ('+', s.properties_set, "property", "properties"),
        ('-', s.properties_removed, "property", "properties"),
    ];
    items
        .iter()
        .filter(|(_, n, _, _)| *n > 0)
        .map(|&(sign, n, one, many)| format!("{sign}{}", count(n, one, many)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::testdata::{created, sample};
    use super::*;

    #[test]
    fn parses_format_names() {
        assert_eq!("table".parse::<Format>(), Ok(Format::Table));
        assert_eq!("CSV".parse::<Format>(), Ok(Format::Csv));
        assert_eq!("json".parse::<Format>(), Ok(Format::Json));
        assert_eq!("jsonl".parse::<Format>(), Ok(Format::Jsonl));
        assert_eq!("markdown".parse::<Format>(), Ok(Format::Markdown));
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
        assert_eq!("graphml".parse::<Format>(), Ok(Format::GraphMl));
        assert_eq!("DOT".parse::<Format>(), Ok(Format::Dot));
        let err = "xml".parse::<Format>().unwrap_err();
        assert!(err.contains("table, csv, json, jsonl, markdown"), "{err}");
        assert_eq!(count(1, "actor", "actors"), "1 actor");
        assert_eq!(count(0, "row", "rows"), "0 rows");
    }

    #[test]
    fn describes_stats() {
        assert_eq!(describe_stats(&Stats::default()), "");
        assert_eq!(
            describe_stats(&created()),
            "+2 nodes, +1 relationship, +3 properties"
        );
        let s = Stats {
            nodes_created: 1,
            nodes_deleted: 3,
            relationships_deleted: 2,
            labels_added: 1,
            labels_removed: 2,
            properties_removed: 1,
            ..Stats::default()
        };
        assert_eq!(
            describe_stats(&s),
            "+1 node, -3 nodes, -2 relationships, +1 label, -2 labels, -1 property"
        );
    }

    #[test]
    fn every_format_writes_every_value() {
        let opts = TableOptions {
            max_width: Some(400),
            footer: Some("2 rows".into()),
            ..TableOptions::default()
        };
        for f in [
            Format::Table,
            Format::Csv,
            Format::Json,
            Format::Jsonl,
            Format::Markdown,
        ] {
            let mut buf = Vec::new();
            write_result(&mut buf, &sample(), f, &opts).unwrap();
            let text = String::from_utf8(buf).unwrap();
            assert!(text.contains("Беларусь 中国"), "{f:?}: {text}");
        }
    }
}
