//! Aligned tables with box-drawing borders (like sqlite3's `.mode box`).
//!
//! ```text
//! ┌─────────┬────┐
//! │ name    │  n │
//! ├─────────┼────┤
//! │ Belarus │ 42 │
//! └─────────┴────┘
//! ```
//! Integer and float cells are right-aligned (so is the header of a column
//! whose non-null cells are all numbers); everything else is left-aligned.
//! Control characters in cells are shown escaped (`\n`, `\t`, `\r`, `\u{..}`)
//! so that every row stays on one line. With `max_width`, the widest columns
//! are narrowed until the table fits, and cut cells end with `…`.

use super::cypher::render_human;
use super::{describe_stats, TableOptions};
use crate::result::QueryResult;
use crate::value::Value;
use std::io::{self, Write};

/// Columns are never narrowed below this many character cells.
const MIN_COL_WIDTH: usize = 3;

/// Approximate terminal width of a character: 0 for combining marks and
/// zero-width characters, 2 for East Asian wide characters and emoji, else 1.
fn char_width(c: char) -> usize {
    let u = c as u32;
    match u {
        0x0300..=0x036F
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x200B..=0x200F
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F => 0,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

pub(super) fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` cut to at most `width` cells, ending with `…` when anything was cut.
pub(super) fn truncate(s: &str, width: usize) -> String {
    if text_width(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Escapes control characters so that a cell stays on one line.
fn one_line(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

/// Narrows `widths` so that their sum is at most `budget`: every column wider
/// than some cap is cut to the cap (never below `MIN_COL_WIDTH`).
fn fit_widths(widths: &mut [usize], budget: usize) {
    let total: usize = widths.iter().sum();
    if total <= budget {
        return;
    }
    let capped = |cap: usize, ws: &[usize]| ws.iter().map(|&w| w.min(cap)).sum::<usize>();
    let max = widths.iter().copied().max().unwrap_or(0);
    // Largest cap whose capped total fits (binary search on a monotone sum).
    let (mut lo, mut hi) = (MIN_COL_WIDTH, max);
    if capped(lo, widths) > budget {
        for w in widths.iter_mut() {
            *w = (*w).min(MIN_COL_WIDTH);
        }
        return;
    }
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if capped(mid, widths) <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut spare = budget - capped(lo, widths);
    for w in widths.iter_mut() {
        if *w > lo {
            *w = if spare > 0 {
                spare -= 1;
                lo + 1
            } else {
                lo
            };
        }
    }
}

fn border(out: &mut dyn Write, widths: &[usize], l: &str, m: &str, r: &str) -> io::Result<()> {
    let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
    writeln!(out, "{l}{}{r}", parts.join(m))
}

fn line(out: &mut dyn Write, cells: &[String], widths: &[usize], right: &[bool]) -> io::Result<()> {
    let mut s = String::from("│");
    for ((cell, &w), &r) in cells.iter().zip(widths).zip(right) {
        let cell = truncate(cell, w);
        let pad = " ".repeat(w.saturating_sub(text_width(&cell)));
        s.push(' ');
        if r {
            s.push_str(&pad);
            s.push_str(&cell);
        } else {
            s.push_str(&cell);
            s.push_str(&pad);
        }
        s.push_str(" │");
    }
    writeln!(out, "{s}")
}

pub(super) fn write_table(
    out: &mut dyn Write,
    r: &QueryResult,
    opts: &TableOptions,
) -> io::Result<()> {
    if !r.columns.is_empty() {
        write_grid(out, r, opts)?;
    }
    if !r.stats.is_empty() {
        writeln!(out, "{}", describe_stats(&r.stats))?;
    }
    Ok(())
}

fn write_grid(out: &mut dyn Write, r: &QueryResult, opts: &TableOptions) -> io::Result<()> {
    let ncols = r.columns.len();
    let header: Vec<String> = r.columns.iter().map(|c| one_line(c)).collect();
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(r.rows.len());
    let mut nums: Vec<Vec<bool>> = Vec::with_capacity(r.rows.len());
    let mut numeric_col = vec![true; ncols];
    let mut has_number = vec![false; ncols];
    let mut widths: Vec<usize> = header.iter().map(|h| text_width(h)).collect();
    for row in &r.rows {
        let mut cs = Vec::with_capacity(ncols);
        let mut rs = Vec::with_capacity(ncols);
        for col in 0..ncols {
            let v = row.get(col).unwrap_or(&Value::Null);
            let text = one_line(&render_human(v, &r.entities, opts.style));
            widths[col] = widths[col].max(text_width(&text));
            if !is_number(v) && !v.is_null() {
                numeric_col[col] = false;
            }
            cs.push(text);
            has_number[col] |= is_number(v);
            rs.push(is_number(v));
        }
        cells.push(cs);
        nums.push(rs);
    }
    if let Some(max) = opts.max_width {
        // Each column costs two spaces and one border, plus the left border.
        fit_widths(&mut widths, max.saturating_sub(3 * ncols + 1));
    }
    // A column is numeric when it holds numbers and nothing else but nulls.
    for (n, &has) in numeric_col.iter_mut().zip(&has_number) {
        *n &= has;
    }
    let header_right = numeric_col.clone();
    border(out, &widths, "┌", "┬", "┐")?;
    line(out, &header, &widths, &header_right)?;
    if cells.is_empty() {
        border(out, &widths, "└", "┴", "┘")?;
        writeln!(out, "(no rows)")?;
    } else {
        border(out, &widths, "├", "┼", "┤")?;
        for (cs, ns) in cells.iter().zip(&nums) {
            // Numbers, and the nulls of an all-number column, go right.
            let right: Vec<bool> = ns
                .iter()
                .zip(&numeric_col)
                .map(|(&num, &num_col)| num || num_col)
                .collect();
            line(out, cs, &widths, &right)?;
        }
        border(out, &widths, "└", "┴", "┘")?;
    }
    if let Some(footer) = &opts.footer {
        writeln!(out, "{footer}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{created, sample, small};
    use super::*;
    use crate::result::Stats;

    fn run(r: &QueryResult, opts: &TableOptions) -> String {
        let mut buf = Vec::new();
        write_table(&mut buf, r, opts).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn aligned_with_numbers_right() {
        let r = small(vec![
            vec![s("Belarus"), Value::Int(42)],
            vec![s("中国"), Value::Float(0.5)],
            vec![Value::Null, Value::Null],
        ]);
        let opts = TableOptions {
            footer: Some("3 rows (1.2 ms)".into()),
            ..TableOptions::default()
        };
        let expected = "\
┌─────────┬──────┐
│ name    │    n │
├─────────┼──────┤
│ Belarus │   42 │
│ 中国    │  0.5 │
│ null    │ null │
└─────────┴──────┘
3 rows (1.2 ms)
";
        assert_eq!(run(&r, &opts), expected);
        let r = small(vec![
            vec![Value::Int(1), Value::Null],
            vec![Value::Int(10), s("x")],
        ]);
        assert!(run(&r, &TableOptions::default()).contains("│    1 │ null │"));
    }

    #[test]
    fn every_kind_of_value_fits_one_line() {
        let got = run(&sample(), &TableOptions::default());
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 6, "{got}");
        let w = text_width(lines[0]);
        assert!(lines[..6].iter().all(|l| text_width(l) == w), "{got}");
        assert!(got.contains(r#"a, "quoted"\nline | pipe"#));
        // Paths show nodes by name and links by type unless asked for more.
        assert!(got.contains("│ (Belarus)-[:SUPPLIES]->(Russia)<-[:SUPPLIES]-(China) │"));
        let full = TableOptions {
            style: crate::io::format::Style {
                path_props: true,
                ..Default::default()
            },
            ..TableOptions::default()
        };
        let got_full = run(&sample(), &full);
        assert!(got_full.contains("(Belarus)-[:SUPPLIES {category: 'ammunition'}]->(Russia)"));
        assert!(got_full.contains("<-[:SUPPLIES {category: 'vehicles'}]-(China)"));
        assert!(got.contains("│ estimate(0.6, 0.7) │"));
        assert!(got.contains("['it\\'s', NaN]"));
        assert!(got.contains("│ (#99)"));
        assert!(got.contains("│ [#99]"));
        assert!(got.contains(" Infinity │"));
        assert!(got.contains("│ 2022-03 "));
    }

    #[test]
    fn floats_show_at_most_15_significant_digits() {
        let r = small(vec![vec![
            Value::Float(0.32000000000000006),
            Value::List(vec![Value::Float(0.1 + 0.2)]),
        ]]);
        let got = run(&r, &TableOptions::default());
        assert!(got.contains("│ 0.32 │ [0.3] │"), "{got}");
    }

    #[test]
    fn truncates_to_max_width() {
        let long = "x".repeat(200);
        let r = small(vec![
            vec![s(&long), Value::Int(1)],
            vec![s("short"), Value::Int(22)],
        ]);
        let opts = TableOptions {
            max_width: Some(40),
            ..TableOptions::default()
        };
        let got = run(&r, &opts);
        for l in got.lines() {
            assert_eq!(text_width(l), 40, "{got}");
        }
        assert!(got.contains("xxx…"));
        assert!(got.contains("│ short "));
        // A terminal too narrow still prints, with minimal columns.
        let tiny = TableOptions {
            max_width: Some(5),
            ..TableOptions::default()
        };
        assert!(run(&r, &tiny).contains("xx…"));
    }

    #[test]
    fn fit_widths_caps_widest_first() {
        let mut w = vec![10, 50, 4, 30];
        fit_widths(&mut w, 60);
        assert_eq!(w.iter().sum::<usize>(), 60);
        assert_eq!(w[0], 10);
        assert_eq!(w[2], 4);
        let mut w = vec![5, 5];
        fit_widths(&mut w, 20);
        assert_eq!(w, vec![5, 5]);
    }

    #[test]
    fn truncate_respects_wide_chars() {
        assert_eq!(truncate("中国中国", 5), "中国…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("abcd", 0), "");
    }

    #[test]
    fn empty_and_stats() {
        let mut r = small(vec![]);
        r.stats = Stats {
            nodes_deleted: 1,
            ..Stats::default()
        };
        let got = run(&r, &TableOptions::default());
        assert_eq!(
            got,
            "┌──────┬───┐\n│ name │ n │\n└──────┴───┘\n(no rows)\n-1 node\n"
        );
        let update = QueryResult {
            stats: created(),
            ..QueryResult::default()
        };
        let opts = TableOptions {
            footer: Some("ignored".into()),
            ..TableOptions::default()
        };
        assert_eq!(
            run(&update, &opts),
            "+2 nodes, +1 relationship, +3 properties\n"
        );
        assert_eq!(run(&QueryResult::default(), &opts), "");
    }
}
