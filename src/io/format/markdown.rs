//! GitHub-flavoured Markdown tables.
//!
//! Cells are the text of values as tables show them; `|` is
//! escaped as `\|` and line breaks become `<br>` so that a row stays one line.
//! An empty result prints the header and the `---` row only.

use super::cypher::{render_human, Style};
use crate::result::QueryResult;
use crate::value::Value;
use std::io::{self, Write};

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => out.push_str("\\|"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn line(out: &mut dyn Write, cells: impl Iterator<Item = String>) -> io::Result<()> {
    let mut s = String::from("|");
    for c in cells {
        s.push(' ');
        s.push_str(&c);
        s.push_str(" |");
    }
    writeln!(out, "{s}")
}

pub(super) fn write_markdown(out: &mut dyn Write, r: &QueryResult, style: Style) -> io::Result<()> {
    if r.columns.is_empty() {
        return Ok(());
    }
    line(out, r.columns.iter().map(|c| escape(c)))?;
    line(out, r.columns.iter().map(|_| "---".to_string()))?;
    for row in &r.rows {
        let cells = (0..r.columns.len()).map(|i| {
            escape(&render_human(
                row.get(i).unwrap_or(&Value::Null),
                &r.entities,
                style,
            ))
        });
        line(out, cells)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{sample, small};
    use super::*;

    fn run(r: &QueryResult) -> String {
        let mut buf = Vec::new();
        write_markdown(&mut buf, r, Style::default()).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn small_table() {
        let r = small(vec![
            vec![Value::String("a|b".into()), Value::Int(1)],
            vec![Value::Null, Value::Float(f64::NAN)],
        ]);
        assert_eq!(
            run(&r),
            "| name | n |\n| --- | --- |\n| a\\|b | 1 |\n| null | NaN |\n"
        );
        assert_eq!(run(&small(vec![])), "| name | n |\n| --- | --- |\n");
        assert_eq!(run(&QueryResult::default()), "");
    }

    #[test]
    fn every_kind_of_value() {
        let text = run(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("| name | n | f | note | tags |"));
        assert!(lines[2].contains("| a, \"quoted\"<br>line \\| pipe |"));
        assert!(lines[2].contains("| estimate(0.6, 0.7) |"));
        assert!(lines[2].contains("| (Belarus)-[:SUPPLIES]->(Russia)<-[:SUPPLIES]-(China) |"));
        assert!(lines[3].contains("| Беларусь 中国 | -7 | 0.5 | null |"));
        // Every row has as many cells as the header.
        let bars = |l: &str| l.replace("\\|", "").matches('|').count();
        assert!(lines.iter().all(|l| bars(l) == bars(lines[0])));
    }
}
