//! Matching actual result rows against an expected TCK table.
//!
//! Rules: integers and floats never equal each other; floats are equal when
//! bit-for-bit the same number, both NaN, or within a relative 1e-15 (a few
//! ulps: the TCK writes e.g. `3985764.3405892686` for the literal
//! `3985764.3405892687`, and summation order may differ in the last bit).
//! Nodes compare by label set and property map, relationships by type and
//! property map, paths by their nodes, relationships and directions.
//! Temporal values are written as strings in the TCK, so a `Date` (or an
//! `Estimate`) matches the string of its display form.

use super::notation::{self, ExpNode, ExpRel, Expected};
use crate::result::{Entities, QueryResult};
use crate::value::{format_float, Value};
use std::fmt::Write;

/// How rows (and list cells) are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mode {
    /// Rows must appear in the given order.
    pub ordered: bool,
    /// Lists in cells are compared as multisets.
    pub ignore_list_order: bool,
}

pub fn float_eq(a: f64, b: f64) -> bool {
    if a == b || (a.is_nan() && b.is_nan()) {
        return true;
    }
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    (a - b).abs() <= 1e-15 * a.abs().max(b.abs())
}

/// Whether `act` (resolved through `ents`) is the value `exp` describes.
pub fn matches(exp: &Expected, act: &Value, ents: &Entities, ignore_list_order: bool) -> bool {
    match (exp, act) {
        (Expected::Null, Value::Null) => true,
        (Expected::Bool(a), Value::Bool(b)) => a == b,
        (Expected::Int(a), Value::Int(b)) => a == b,
        (Expected::Float(a), Value::Float(b)) => float_eq(*a, *b),
        (Expected::String(a), Value::String(b)) => a == b,
        (Expected::String(a), Value::Date(d)) => *a == d.to_string(),
        (Expected::String(a), Value::Temporal(t)) => *a == t.to_string(),
        (Expected::String(a), Value::Estimate(e)) => *a == e.to_string(),
        (Expected::List(a), Value::List(b)) => {
            if a.len() != b.len() {
                return false;
            }
            if ignore_list_order {
                multiset_match(a, b, |e, v| matches(e, v, ents, true)).is_ok()
            } else {
                a.iter()
                    .zip(b)
                    .all(|(e, v)| matches(e, v, ents, ignore_list_order))
            }
        }
        (Expected::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, e)| {
                    b.get(k)
                        .is_some_and(|v| matches(e, v, ents, ignore_list_order))
                })
        }
        (Expected::Node(n), Value::Node(id)) => node_matches(n, *id, ents),
        (Expected::Rel(r), Value::Rel(id)) => rel_matches(r, *id, ents),
        (Expected::Path(p), Value::Path(path)) => {
            if path.rels.len() != p.steps.len()
                || path.nodes.len() != path.rels.len() + 1
                || !node_matches(&p.start, path.nodes[0], ents)
            {
                return false;
            }
            p.steps.iter().enumerate().all(|(i, (r, fwd, n))| {
                let (from, to) = (path.nodes[i], path.nodes[i + 1]);
                let Some(data) = ents.rels.get(&path.rels[i]) else {
                    return false;
                };
                let dir_ok = if *fwd {
                    data.start == from && data.end == to
                } else {
                    data.start == to && data.end == from
                };
                dir_ok && rel_matches(r, path.rels[i], ents) && node_matches(n, to, ents)
            })
        }
        _ => false,
    }
}

fn props_match(
    exp: &std::collections::BTreeMap<String, Expected>,
    act: &std::collections::BTreeMap<String, Value>,
    ents: &Entities,
) -> bool {
    exp.len() == act.len()
        && exp
            .iter()
            .all(|(k, e)| act.get(k).is_some_and(|v| matches(e, v, ents, false)))
}

fn node_matches(exp: &ExpNode, id: u64, ents: &Entities) -> bool {
    let Some(n) = ents.nodes.get(&id) else {
        return false;
    };
    let mut a: Vec<&String> = exp.labels.iter().collect();
    let mut b: Vec<&String> = n.labels.iter().collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b && props_match(&exp.properties, &n.properties, ents)
}

fn rel_matches(exp: &ExpRel, id: u64, ents: &Entities) -> bool {
    ents.rels.get(&id).is_some_and(|r| {
        r.rel_type == exp.rel_type && props_match(&exp.properties, &r.properties, ents)
    })
}

/// Pairs every expected item with a distinct actual item. On failure returns
/// (indices of unmatched expected, indices of unmatched actual).
/// Uses augmenting paths, so it is exact even when equality is not transitive.
pub fn multiset_match<E, A>(
    exp: &[E],
    act: &[A],
    eq: impl Fn(&E, &A) -> bool,
) -> Result<(), (Vec<usize>, Vec<usize>)> {
    let adj: Vec<Vec<usize>> = exp
        .iter()
        .map(|e| (0..act.len()).filter(|&j| eq(e, &act[j])).collect())
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; act.len()];
    fn augment(
        i: usize,
        adj: &[Vec<usize>],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
    ) -> bool {
        for &j in &adj[i] {
            if seen[j] {
                continue;
            }
            seen[j] = true;
            if owner[j].is_none_or(|k| augment(k, adj, owner, seen)) {
                owner[j] = Some(i);
                return true;
            }
        }
        false
    }
    let mut unmatched_exp = Vec::new();
    for i in 0..exp.len() {
        let mut seen = vec![false; act.len()];
        if !augment(i, &adj, &mut owner, &mut seen) {
            unmatched_exp.push(i);
        }
    }
    let unmatched_act: Vec<usize> = (0..act.len()).filter(|&j| owner[j].is_none()).collect();
    if unmatched_exp.is_empty() && unmatched_act.is_empty() {
        Ok(())
    } else {
        Err((unmatched_exp, unmatched_act))
    }
}

/// Renders an actual value in the TCK notation.
pub fn render(v: &Value, ents: &Entities) -> String {
    let mut s = String::new();
    render_into(&mut s, v, ents);
    s
}

fn render_props(
    out: &mut String,
    props: &std::collections::BTreeMap<String, Value>,
    ents: &Entities,
) {
    out.push('{');
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{k}: ");
        render_into(out, v, ents);
    }
    out.push('}');
}

fn render_node(out: &mut String, id: u64, ents: &Entities) {
    let Some(n) = ents.nodes.get(&id) else {
        let _ = write!(out, "(<node {id} missing from entities>)");
        return;
    };
    out.push('(');
    for l in &n.labels {
        let _ = write!(out, ":{l}");
    }
    if !n.properties.is_empty() {
        if !n.labels.is_empty() {
            out.push(' ');
        }
        render_props(out, &n.properties, ents);
    }
    out.push(')');
}

fn render_rel(out: &mut String, id: u64, ents: &Entities) {
    let Some(r) = ents.rels.get(&id) else {
        let _ = write!(out, "[<relationship {id} missing from entities>]");
        return;
    };
    let _ = write!(out, "[:{}", r.rel_type);
    if !r.properties.is_empty() {
        out.push(' ');
        render_props(out, &r.properties, ents);
    }
    out.push(']');
}

fn render_into(out: &mut String, v: &Value, ents: &Entities) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => out.push_str(&notation::quote(s)),
        Value::Date(d) => {
            let _ = write!(out, "'{d}'");
        }
        Value::Temporal(t) => {
            let _ = write!(out, "'{t}'");
        }
        Value::Estimate(e) => {
            let _ = write!(out, "'{e}'");
        }
        Value::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(out, x, ents);
            }
            out.push(']');
        }
        Value::Map(m) => render_props(out, m, ents),
        Value::Node(id) => render_node(out, *id, ents),
        Value::Rel(id) => render_rel(out, *id, ents),
        Value::Path(p) => {
            out.push('<');
            if let Some(first) = p.nodes.first() {
                render_node(out, *first, ents);
            }
            for (i, rid) in p.rels.iter().enumerate() {
                let from = p.nodes.get(i).copied();
                let forward = ents.rels.get(rid).is_none_or(|r| Some(r.start) == from);
                out.push_str(if forward { "-" } else { "<-" });
                render_rel(out, *rid, ents);
                out.push_str(if forward { "->" } else { "-" });
                if let Some(n) = p.nodes.get(i + 1) {
                    render_node(out, *n, ents);
                }
            }
            out.push('>');
        }
    }
}

fn render_row(row: &[Value], ents: &Entities) -> String {
    let cells: Vec<String> = row.iter().map(|v| render(v, ents)).collect();
    format!("| {} |", cells.join(" | "))
}

/// Checks `result` against an expected table (header row first). On a
/// mismatch returns a readable diff: `-` rows expected but missing, `+` rows
/// returned but not expected.
pub fn compare_table(
    table: &[Vec<String>],
    result: &QueryResult,
    mode: Mode,
) -> Result<(), String> {
    let Some((header, rows)) = table.split_first() else {
        return Err("expected-result table has no header row".into());
    };
    if *header != result.columns {
        return Err(format!(
            "columns differ\n  expected: {:?}\n  actual:   {:?}",
            header, result.columns
        ));
    }
    let mut expected = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if row.len() != header.len() {
            return Err(format!(
                "expected row {} has {} cells, header has {}",
                i + 1,
                row.len(),
                header.len()
            ));
        }
        let parsed: Result<Vec<Expected>, String> =
            row.iter().map(|c| notation::parse(c)).collect();
        expected.push(parsed.map_err(|e| format!("cannot parse expected row {}: {e}", i + 1))?);
    }
    if let Some((i, r)) = result
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != header.len())
    {
        return Err(format!(
            "actual row {} has {} values for {} columns",
            i + 1,
            r.len(),
            header.len()
        ));
    }
    let ents = &result.entities;
    let row_eq = |e: &Vec<Expected>, a: &Vec<Value>| {
        e.iter()
            .zip(a)
            .all(|(e, a)| matches(e, a, ents, mode.ignore_list_order))
    };
    let exp_text = |i: usize| format!("| {} |", rows[i].join(" | "));
    if mode.ordered {
        let ok = expected.len() == result.rows.len()
            && expected.iter().zip(&result.rows).all(|(e, a)| row_eq(e, a));
        if ok {
            return Ok(());
        }
        let mut out = format!(
            "rows differ (in order): expected {}, got {}\n",
            expected.len(),
            result.rows.len()
        );
        for i in 0..expected.len().max(result.rows.len()) {
            match (expected.get(i), result.rows.get(i)) {
                (Some(e), Some(a)) if row_eq(e, a) => {
                    let _ = writeln!(out, "    {}", exp_text(i));
                }
                (e, a) => {
                    if e.is_some() {
                        let _ = writeln!(out, "  - {}", exp_text(i));
                    }
                    if let Some(a) = a {
                        let _ = writeln!(out, "  + {}", render_row(a, ents));
                    }
                }
            }
        }
        return Err(out.trim_end().to_string());
    }
    match multiset_match(&expected, &result.rows, |e, a| row_eq(e, a)) {
        Ok(()) => Ok(()),
        Err((missing, extra)) => {
            let mut out = format!(
                "rows differ (in any order): expected {}, got {}; {} missing, {} unexpected\n",
                expected.len(),
                result.rows.len(),
                missing.len(),
                extra.len()
            );
            for i in 0..expected.len() {
                let mark = if missing.contains(&i) { "-" } else { " " };
                let _ = writeln!(out, "  {mark} {}", exp_text(i));
            }
            for j in extra {
                let _ = writeln!(out, "  + {}", render_row(&result.rows[j], ents));
            }
            Err(out.trim_end().to_string())
        }
    }
}

/// Renders all rows of a result, for messages.
pub fn render_result(result: &QueryResult) -> String {
    let mut out = format!("| {} |", result.columns.join(" | "));
    for r in &result.rows {
        out.push('\n');
        out.push_str(&render_row(r, &result.entities));
    }
    out
}
