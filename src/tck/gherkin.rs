//! A parser for the Gherkin subset the openCypher TCK uses: one `Feature:`,
//! an optional `Background:`, `Scenario:` and `Scenario Outline:` with
//! `Examples:` tables, steps with `"""` docstrings or `|` tables, tags and
//! `#` comments. Outlines are expanded into one concrete scenario per
//! example row by [`expand`].

use std::fmt;

/// One step: `Given an empty graph`, `When executing query:` + docstring, …
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `Given`, `When`, `Then`, `And` or `But`.
    pub keyword: String,
    /// The text after the keyword, trimmed.
    pub text: String,
    pub docstring: Option<String>,
    /// Rows of trimmed, unescaped cells (a header row, if any, is row 0).
    pub table: Option<Vec<Vec<String>>>,
    /// 1-based line of the step in its file.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Examples {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A `Scenario:` or `Scenario Outline:` as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioDef {
    pub name: String,
    pub tags: Vec<String>,
    pub outline: bool,
    pub steps: Vec<Step>,
    pub examples: Vec<Examples>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Feature {
    pub name: String,
    pub tags: Vec<String>,
    pub background: Vec<Step>,
    pub scenarios: Vec<ScenarioDef>,
}

/// One executable scenario: background steps plus its own steps, with an
/// outline's placeholders already replaced by one example row.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    /// 1-based index of the example row across all `Examples:` blocks of an outline.
    pub example: Option<usize>,
    pub tags: Vec<String>,
    pub steps: Vec<Step>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        line,
        message: message.into(),
    })
}

const STEP_KEYWORDS: [&str; 6] = ["Given", "When", "Then", "And", "But", "*"];

/// Where the next step, table or `Examples:` goes.
enum Section {
    None,
    Background,
    Scenario,
    Examples,
}

/// Parses the text of one `.feature` file (LF or CRLF line endings).
pub fn parse_feature(text: &str) -> Result<Feature, ParseError> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut feature = Feature::default();
    let mut seen_feature = false;
    let mut section = Section::None;
    let mut pending_tags: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let line_no = i + 1;
        let t = raw.trim();
        i += 1;
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('@') {
            pending_tags.extend(t.split_whitespace().map(str::to_string));
            continue;
        }
        if let Some(rest) = t.strip_prefix("Feature:") {
            if seen_feature {
                return err(line_no, "second `Feature:`");
            }
            seen_feature = true;
            feature.name = rest.trim().to_string();
            feature.tags = std::mem::take(&mut pending_tags);
            continue;
        }
        if !seen_feature {
            return err(line_no, format!("expected `Feature:`, found `{t}`"));
        }
        if t.starts_with("Background:") {
            section = Section::Background;
            pending_tags.clear();
            continue;
        }
        let outline = if let Some(rest) = t
            .strip_prefix("Scenario Outline:")
            .or_else(|| t.strip_prefix("Scenario Template:"))
        {
            Some((true, rest))
        } else {
            t.strip_prefix("Scenario:")
                .or_else(|| t.strip_prefix("Example:"))
                .map(|rest| (false, rest))
        };
        if let Some((is_outline, rest)) = outline {
            feature.scenarios.push(ScenarioDef {
                name: rest.trim().to_string(),
                tags: std::mem::take(&mut pending_tags),
                outline: is_outline,
                steps: Vec::new(),
                examples: Vec::new(),
                line: line_no,
            });
            section = Section::Scenario;
            continue;
        }
        if t.starts_with("Examples:") || t.starts_with("Scenarios:") {
            pending_tags.clear();
            match feature.scenarios.last_mut() {
                Some(s) if s.outline => s.examples.push(Examples::default()),
                _ => return err(line_no, "`Examples:` outside a scenario outline"),
            }
            section = Section::Examples;
            continue;
        }
        if t.starts_with('|') {
            let row = parse_row(t, line_no)?;
            match section {
                Section::Examples => {
                    let ex = feature
                        .scenarios
                        .last_mut()
                        .and_then(|s| s.examples.last_mut())
                        .expect("examples section has a block");
                    if ex.header.is_empty() && ex.rows.is_empty() {
                        ex.header = row;
                    } else {
                        if row.len() != ex.header.len() {
                            return err(line_no, "example row width differs from its header");
                        }
                        ex.rows.push(row);
                    }
                }
                _ => match current_steps(&mut feature, &section).and_then(|s| s.last_mut()) {
                    Some(step) if step.docstring.is_none() => {
                        step.table.get_or_insert_with(Vec::new).push(row)
                    }
                    _ => return err(line_no, "table without a step"),
                },
            }
            continue;
        }
        if t.starts_with("\"\"\"") || t.starts_with("```") {
            let fence = &t[..3];
            let indent = raw.len() - raw.trim_start().len();
            let mut body = Vec::new();
            let mut closed = false;
            while i < lines.len() {
                let l = lines[i];
                i += 1;
                if l.trim() == fence {
                    closed = true;
                    break;
                }
                body.push(strip_indent(l, indent));
            }
            if !closed {
                return err(line_no, "unterminated docstring");
            }
            match current_steps(&mut feature, &section).and_then(|s| s.last_mut()) {
                Some(step) if step.docstring.is_none() && step.table.is_none() => {
                    step.docstring = Some(body.join("\n"))
                }
                _ => return err(line_no, "docstring without a step"),
            }
            continue;
        }
        let keyword = STEP_KEYWORDS.iter().find(|k| {
            t.strip_prefix(**k)
                .is_some_and(|r| r.is_empty() || r.starts_with(' '))
        });
        if let Some(k) = keyword {
            let step = Step {
                keyword: k.to_string(),
                text: t[k.len()..].trim().to_string(),
                docstring: None,
                table: None,
                line: line_no,
            };
            match current_steps(&mut feature, &section) {
                Some(steps) => steps.push(step),
                None => return err(line_no, "step outside a scenario"),
            }
            continue;
        }
        // Free description text is allowed right after a Feature/Scenario title.
        let in_description = match section {
            Section::None => true,
            Section::Background => feature.background.is_empty(),
            Section::Scenario => feature.scenarios.last().is_some_and(|s| s.steps.is_empty()),
            Section::Examples => false,
        };
        if !in_description {
            return err(line_no, format!("unexpected line `{t}`"));
        }
    }
    if !seen_feature {
        return err(1, "no `Feature:`");
    }
    Ok(feature)
}

fn current_steps<'a>(feature: &'a mut Feature, section: &Section) -> Option<&'a mut Vec<Step>> {
    match section {
        Section::Background => Some(&mut feature.background),
        Section::Scenario => feature.scenarios.last_mut().map(|s| &mut s.steps),
        _ => None,
    }
}

fn strip_indent(line: &str, indent: usize) -> String {
    let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
    line[lead.min(indent)..].to_string()
}

/// Splits `| a | b\|c |` into trimmed cells, undoing Gherkin's cell escapes
/// (`\|`, `\\`, `\n`); any other backslash is kept as written.
pub fn parse_row(line: &str, line_no: usize) -> Result<Vec<String>, ParseError> {
    let t = line.trim();
    let Some(body) = t.strip_prefix('|') else {
        return err(line_no, "table row must start with `|`");
    };
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = body.chars();
    let mut terminated = body.is_empty();
    while let Some(c) = chars.next() {
        terminated = false;
        match c {
            '\\' => match chars.next() {
                Some('|') => cur.push('|'),
                Some('\\') => cur.push('\\'),
                Some('n') => cur.push('\n'),
                Some(o) => {
                    cur.push('\\');
                    cur.push(o);
                }
                None => cur.push('\\'),
            },
            '|' => {
                cells.push(cur.trim().to_string());
                cur.clear();
                terminated = true;
            }
            _ => cur.push(c),
        }
    }
    if !terminated {
        return err(line_no, "table row must end with `|`");
    }
    Ok(cells)
}

fn substitute(text: &str, header: &[String], row: &[String]) -> String {
    let mut out = text.to_string();
    for (h, v) in header.iter().zip(row) {
        out = out.replace(&format!("<{h}>"), v);
    }
    out
}

fn substitute_step(step: &Step, header: &[String], row: &[String]) -> Step {
    Step {
        keyword: step.keyword.clone(),
        text: substitute(&step.text, header, row),
        docstring: step.docstring.as_ref().map(|d| substitute(d, header, row)),
        table: step.table.as_ref().map(|t| {
            t.iter()
                .map(|r| r.iter().map(|c| substitute(c, header, row)).collect())
                .collect()
        }),
        line: step.line,
    }
}

/// The executable scenarios of a feature, outlines expanded (example rows are
/// numbered from 1 across all of an outline's `Examples:` blocks).
pub fn expand(feature: &Feature) -> Vec<Scenario> {
    let mut out = Vec::new();
    for def in &feature.scenarios {
        let mut tags = feature.tags.clone();
        tags.extend(def.tags.iter().cloned());
        if !def.outline {
            let mut steps = feature.background.clone();
            steps.extend(def.steps.iter().cloned());
            out.push(Scenario {
                name: def.name.clone(),
                example: None,
                tags,
                steps,
                line: def.line,
            });
            continue;
        }
        let mut n = 0;
        for ex in &def.examples {
            for row in &ex.rows {
                n += 1;
                let steps = feature
                    .background
                    .iter()
                    .chain(def.steps.iter())
                    .map(|s| substitute_step(s, &ex.header, row))
                    .collect();
                out.push(Scenario {
                    name: def.name.clone(),
                    example: Some(n),
                    tags: tags.clone(),
                    steps,
                    line: def.line,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# comment\r\nFeature: F1 - demo\r\n  Some description.\r\n\r\n  Background:\r\n    Given an empty graph\r\n\r\n  @tag1\r\n  Scenario: [1] plain\r\n    When executing query:\r\n      \"\"\"\r\n      RETURN 1 AS x\r\n        , 2 AS y\r\n      \"\"\"\r\n    Then the result should be, in any order:\r\n      | x | y |\r\n      | 1 | 'a\\|b' |\r\n\r\n  Scenario Outline: [2] outline <v>\r\n    When executing query:\r\n      \"\"\"\r\n      RETURN <v> AS x\r\n      \"\"\"\r\n    Then the result should be, in any order:\r\n      | x   |\r\n      | <v> |\r\n\r\n    Examples:\r\n      | v |\r\n      | 1 |\r\n      | 2 |\r\n\r\n    Examples:\r\n      | v |\r\n      | 3 |\r\n";

    #[test]
    fn parses_and_expands_a_sample() {
        let f = parse_feature(SAMPLE).unwrap();
        assert_eq!(f.name, "F1 - demo");
        assert_eq!(f.background.len(), 1);
        assert_eq!(f.scenarios.len(), 2);
        assert_eq!(f.scenarios[0].tags, vec!["@tag1".to_string()]);
        let s = &f.scenarios[0].steps[0];
        assert_eq!(s.docstring.as_deref(), Some("RETURN 1 AS x\n  , 2 AS y"));
        let t = f.scenarios[0].steps[1].table.as_ref().unwrap();
        assert_eq!(t[1], vec!["1".to_string(), "'a|b'".to_string()]);
        let all = expand(&f);
        assert_eq!(all.len(), 4);
        assert_eq!(all[3].example, Some(3));
        assert_eq!(all[3].steps.len(), 3);
        assert_eq!(all[3].steps[1].docstring.as_deref(), Some("RETURN 3 AS x"));
        assert_eq!(all[3].steps[2].table.as_ref().unwrap()[1][0], "3");
    }

    #[test]
    fn rows_unescape_cells() {
        assert_eq!(parse_row("|", 1).unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_row(r"| '\nA' | 'a\\\\b\'' |", 1).unwrap(),
            vec!["'\nA'".to_string(), r"'a\\b\''".to_string()]
        );
        assert!(parse_row("| a ", 1).is_err());
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_feature("Scenario: x").is_err());
        assert!(parse_feature("Feature: f\n Scenario: s\n Given x\n   \"\"\"\n open").is_err());
        assert!(parse_feature("Feature: f\n Scenario: s\n Given x\n stray text").is_err());
    }
}
