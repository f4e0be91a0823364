//! The rustyline helper: completion (keywords, functions, labels, types,
//! property keys, parameters, `@actor`s, dot commands and file paths),
//! highlighting (keywords, strings, numbers, comments, the bracket matching
//! the one under the cursor) and a hint that closes open brackets.

use super::commands::COMMANDS;
use super::highlight::{tokens, Kind};
use super::vocab::Vocab;
use crate::query::bind::func::{AGGREGATES, SCALARS};
use crate::query::exec::temporal_fns;
use crate::query::parse::KEYWORDS;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::validate::Validator;
use rustyline::Context;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Functions whose usual spelling is not all lower-case.
const CAMEL: &[&str] = &[
    "duration.inMonths",
    "duration.inDays",
    "duration.inSeconds",
    "datetime.fromEpoch",
    "datetime.fromEpochMillis",
    "startNode",
    "endNode",
    "toString",
    "toInteger",
    "toFloat",
    "toBoolean",
    "toUpper",
    "toLower",
    "lTrim",
    "rTrim",
    "shortestPath",
    "allShortestPaths",
    "strongestPath",
];

/// Procedures for `CALL`.
const PROCEDURES: &[&str] = &[
    "algo.chokepoints",
    "algo.wcc",
    "algo.pagerank",
    "algo.degree",
];

pub struct SgHelper {
    pub vocab: Rc<RefCell<Vocab>>,
    /// True while a statement continues from earlier lines.
    pub continuing: Cell<bool>,
    /// Colours on (off with NO_COLOR or TERM=dumb).
    pub color: bool,
    files: FilenameCompleter,
    /// Byte offset of the bracket whose partner is highlighted.
    pub(super) bracket: Cell<Option<usize>>,
}

impl SgHelper {
    pub fn new(vocab: Rc<RefCell<Vocab>>, color: bool) -> SgHelper {
        SgHelper {
            vocab,
            continuing: Cell::new(false),
            color,
            files: FilenameCompleter::new(),
            bracket: Cell::new(None),
        }
    }
}

impl rustyline::Helper for SgHelper {}

/// Statements end at `;`: the loop in `mod.rs` joins lines (so that the
/// continuation prompt shows), so every line is accepted as typed.
impl Validator for SgHelper {}

pub(super) fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `name` as Cypher writes it: bare when an identifier, else in backticks.
fn quote_name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(is_ident);
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.to_lowercase().starts_with(&prefix.to_lowercase())
}

fn pairs<I: IntoIterator<Item = String>>(items: I) -> Vec<Pair> {
    let mut out: Vec<Pair> = Vec::new();
    for s in items {
        if !out.iter().any(|p| p.replacement == s) {
            out.push(Pair {
                display: s.clone(),
                replacement: s,
            });
        }
    }
    out
}

/// The innermost bracket left open in `text` (outside strings).
fn open_bracket(text: &str) -> Option<char> {
    let mut stack = Vec::new();
    for (_, c, kind) in tokens(text) {
        if kind == Kind::Plain {
            match c {
                '(' | '[' | '{' => stack.push(c),
                ')' | ']' | '}' => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    stack.pop()
}

impl SgHelper {
    fn complete_query(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = &line[..pos];
        let vocab = self.vocab.borrow();
        if let Some((start, typed, quoted)) = actor_prefix(before) {
            return (start, actor_candidates(&vocab, typed, quoted));
        }
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !is_ident(*c))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        let prev = before[..start].chars().next_back();
        let names = |list: &[String]| -> Vec<String> {
            list.iter()
                .filter(|n| starts_with_ci(n, word))
                .map(|n| quote_name(n))
                .collect()
        };
        let found = match prev {
            Some('$') => names(&vocab.params),
            Some('.') => {
                let before_dot = before[..start - 1].chars().next_back();
                if before_dot.is_some_and(|c| c.is_ascii_digit()) {
                    Vec::new()
                } else {
                    let base = before[..start - 1]
                        .rsplit(|c: char| !is_ident(c))
                        .next()
                        .unwrap_or("");
                    if base.eq_ignore_ascii_case("algo") {
                        PROCEDURES
                            .iter()
                            .filter_map(|p| p.strip_prefix("algo."))
                            .filter(|p| starts_with_ci(p, word))
                            .map(|p| p.to_string())
                            .collect()
                    } else {
                        names(&vocab.keys)
                    }
                }
            }
            Some(':') | Some('|') => match open_bracket(before) {
                Some('(') => names(&vocab.labels),
                Some('[') => names(&vocab.types),
                Some('{') => Vec::new(),
                _ => {
                    let mut v = names(&vocab.labels);
                    v.extend(names(&vocab.types));
                    v
                }
            },
            _ if word.is_empty() => Vec::new(),
            _ => {
                let mut v = Vec::new();
                if open_bracket(before) == Some('{') {
                    v.extend(names(&vocab.keys));
                }
                let lower = word.chars().all(|c| !c.is_uppercase());
                for k in KEYWORDS {
                    if starts_with_ci(k, word) {
                        v.push(if lower {
                            k.to_lowercase()
                        } else {
                            k.to_string()
                        });
                    }
                }
                for f in function_names() {
                    if starts_with_ci(&f, word) {
                        v.push(format!("{f}("));
                    }
                }
                if starts_with_ci("algo", word) {
                    v.push("algo.".into());
                }
                v
            }
        };
        (start, pairs(found))
    }

    fn complete_command(&self, line: &str, pos: usize) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let indent = before.len() - before.trim_start().len();
        let words: Vec<&str> = before.split_whitespace().collect();
        let at_word_start = before.ends_with(char::is_whitespace);
        if words.is_empty() || (words.len() == 1 && !at_word_start) {
            let typed = words.first().copied().unwrap_or(".");
            let found = COMMANDS
                .iter()
                .filter(|c| c.name.starts_with(typed))
                .map(|c| c.name.to_string());
            return Ok((indent, pairs(found)));
        }
        let cmd = words.first().copied().unwrap_or("");
        let arg_index = if at_word_start {
            words.len() - 1
        } else {
            words.len() - 2
        };
        let word_start = if at_word_start {
            pos
        } else {
            before.rfind(char::is_whitespace).map_or(0, |i| i + 1)
        };
        let word = &before[word_start..];
        let choose = |options: &[&str]| -> (usize, Vec<Pair>) {
            let found = options
                .iter()
                .filter(|o| o.starts_with(word))
                .map(|o| o.to_string());
            (word_start, pairs(found))
        };
        Ok(match (cmd, arg_index) {
            (".mode", 0) => choose(&[
                "table", "csv", "json", "jsonl", "markdown", "graphml", "dot",
            ]),
            (".timer", 0) => choose(&["on", "off"]),
            (".paths", 0) => choose(&["short", "full"]),
            (".help", 0) => {
                let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
                choose(&names)
            }
            (".export", 0) => choose(&["graphml", "dot", "jsonl", "csv"]),
            (".export", 1) | (".read", 0) => self.files.complete_path(line, pos)?,
            (".output", 0) => {
                let (s, mut v) = self.files.complete_path(line, pos)?;
                if "stdout".starts_with(word) {
                    v.insert(
                        0,
                        Pair {
                            display: "stdout".into(),
                            replacement: "stdout".into(),
                        },
                    );
                }
                (s, v)
            }
            (".import", _) if word.starts_with('-') => choose(&[
                "--nodes",
                "--relationships",
                "--ftm",
                "--sipri",
                "--create-missing-actors",
                "--map",
            ]),
            (".import", _) => {
                // `LABEL=FILE`: complete the part after `=`.
                match word.find('=') {
                    Some(eq) => {
                        let (s, v) = self.files.complete_path(&line[..pos], pos)?;
                        (s.max(word_start + eq + 1), v)
                    }
                    None => self.files.complete_path(line, pos)?,
                }
            }
            _ => (pos, Vec::new()),
        })
    }
}

/// Function names for completion, in their usual spelling.
pub fn function_names() -> Vec<String> {
    let mut out: Vec<String> = AGGREGATES.iter().map(|(s, ..)| s.to_string()).collect();
    let scalars = SCALARS.iter().map(|(name, ..)| name);
    for name in scalars.chain(temporal_fns::FUNCTIONS.iter().map(|(name, ..)| name)) {
        let pretty = CAMEL
            .iter()
            .find(|c| c.eq_ignore_ascii_case(name))
            .map_or(name.to_string(), |c| c.to_string());
        out.push(pretty);
    }
    for c in CAMEL {
        if !out.iter().any(|o| o == c) && !c.ends_with("Path") && !c.ends_with("Paths") {
            out.push(c.to_string());
        }
    }
    out
}

/// Where an `@actor` being typed starts: (offset of `@`, text typed after
/// `@` and any opening quote, quoted?).
fn actor_prefix(before: &str) -> Option<(usize, &str, bool)> {
    for q in ["@\"", "@'"] {
        if let Some(i) = before.rfind(q) {
            let rest = &before[i + 2..];
            if !rest.contains(&q[1..]) {
                return Some((i, rest, true));
            }
        }
    }
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !is_ident(*c))
        .map(|(i, c)| (i, i + c.len_utf8()));
    match start {
        Some((at, s)) if before[at..].starts_with('@') => Some((at, &before[s..], false)),
        _ => None,
    }
}

fn actor_literal(name: &str, quoted: bool) -> String {
    if !quoted && !name.is_empty() && name.chars().all(is_ident) {
        format!("@{name}")
    } else {
        format!("@\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn actor_candidates(vocab: &Vocab, typed: &str, quoted: bool) -> Vec<Pair> {
    let mut out: Vec<Pair> = Vec::new();
    let mut push = |lit: String, display: String| {
        if !out.iter().any(|p| p.replacement.eq_ignore_ascii_case(&lit)) {
            out.push(Pair {
                display,
                replacement: lit,
            });
        }
    };
    for a in &vocab.actors {
        let label = a.name.clone().or_else(|| a.id.clone()).unwrap_or_default();
        let mut names: Vec<&String> = a.id.iter().chain(a.name.iter()).collect();
        names.extend(a.aliases.iter());
        for n in names {
            if starts_with_ci(n, typed) {
                let lit = actor_literal(n, quoted);
                let display = if n == &label {
                    lit.clone()
                } else {
                    format!("{lit} ({label})")
                };
                push(lit, display);
            }
        }
    }
    out.sort_by(|a, b| a.replacement.cmp(&b.replacement));
    out
}

impl Completer for SgHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let pos = pos.min(line.len());
        if !line.is_char_boundary(pos) {
            return Ok((pos, Vec::new()));
        }
        if !self.continuing.get() && line.trim_start().starts_with('.') {
            return self.complete_command(line, pos);
        }
        Ok(self.complete_query(line, pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::highlight::{colorize, matching_bracket};
    use crate::repl::vocab::ActorName;
    use rustyline::highlight::{CmdKind, Highlighter};
    use rustyline::hint::Hinter;

    fn helper() -> SgHelper {
        let vocab = Vocab {
            labels: vec!["Country".into(), "Company".into(), "Odd Label".into()],
            types: vec!["SUPPLIES".into()],
            keys: vec!["name".into(), "category".into()],
            actors: vec![ActorName {
                id: Some("belarus".into()),
                name: Some("Belarus".into()),
                aliases: vec!["Republic of Belarus".into()],
            }],
            params: vec!["who".into()],
            stale: false,
        };
        SgHelper::new(Rc::new(RefCell::new(vocab)), true)
    }

    fn complete(line: &str) -> (usize, Vec<String>) {
        let h = helper();
        let (s, v) = if line.starts_with('.') {
            h.complete_command(line, line.len()).unwrap()
        } else {
            h.complete_query(line, line.len())
        };
        (s, v.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn completes_names_by_context() {
        assert_eq!(complete("MATCH (n:Cou"), (9, vec!["Country".into()]));
        assert_eq!(complete("MATCH (n:O").1, vec!["`Odd Label`".to_string()]);
        assert_eq!(complete("MATCH ()-[r:SU").1, vec!["SUPPLIES".to_string()]);
        assert_eq!(complete("RETURN n.na").1, vec!["name".to_string()]);
        assert_eq!(complete("RETURN $w").1, vec!["who".to_string()]);
        assert!(complete("mat").1.contains(&"match".to_string()));
        assert!(complete("RETURN toStr")
            .1
            .contains(&"toString(".to_string()));
        assert_eq!(complete("CALL algo.pa").1, vec!["pagerank".to_string()]);
    }

    #[test]
    fn completes_actors() {
        assert_eq!(complete("MATCH (@bel"), (7, vec!["@belarus".into()]));
        assert_eq!(
            complete("MATCH (@\"Rep").1,
            vec!["@\"Republic of Belarus\"".to_string()]
        );
    }

    #[test]
    fn completes_commands() {
        assert_eq!(complete(".mo").1, vec![".mode".to_string()]);
        assert_eq!(complete(".mode c").1, vec!["csv".to_string()]);
        assert_eq!(complete(".timer ").1, vec!["on".to_string(), "off".into()]);
        assert_eq!(complete(".paths f").1, vec!["full".to_string()]);
        // Never panics, wherever the cursor is.
        let h = helper();
        let alphabet: Vec<char> = "(.'\"@$:`/*é[{ a1|\\".chars().collect();
        let mut lines: Vec<String> = ["  .mode x", ".export dot ", "MATCH (n:", "RETURN 'é' @"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for a in &alphabet {
            for b in &alphabet {
                for c in &alphabet {
                    lines.push([*a, *b, *c].iter().collect());
                }
            }
        }
        for line in lines.iter().map(String::as_str) {
            for pos in 0..=line.len() {
                if line.is_char_boundary(pos) {
                    let hist = rustyline::history::DefaultHistory::new();
                    let _ = h.complete(line, pos, &Context::new(&hist));
                    let _ = h.hint(line, pos, &Context::new(&hist));
                    h.highlight_char(line, pos, CmdKind::Other);
                    let _ = h.highlight(line, pos);
                }
            }
        }
    }

    #[test]
    fn highlights_tokens_and_hints_brackets() {
        let s = colorize("MATCH (n) RETURN 'x', 42 // c", None, false);
        assert!(s.contains("\x1b[1;34mMATCH\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[32m'x'\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[33m42\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[90m// c\x1b[0m"), "{s:?}");
        let toks = tokens("f((a), '(')");
        assert_eq!(matching_bracket(&toks, 1), Some(10));
        assert_eq!(matching_bracket(&toks, 4), Some(2));
        let h = helper();
        let hist = rustyline::history::DefaultHistory::new();
        let ctx = Context::new(&hist);
        assert_eq!(h.hint("MATCH (a {k: [1", 15, &ctx), Some("]})".to_string()));
        assert_eq!(h.hint("RETURN ')'", 10, &ctx), None);
    }
}
