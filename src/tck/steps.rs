//! The step driver: runs one scenario's steps against an [`Engine`] and
//! explains the first step that does not hold.

use super::compare::{self, Mode};
use super::gherkin::{Scenario, Step};
use super::{notation, side_effects, Engine};
use crate::error::{Error, Phase};
use crate::result::{QueryResult, Stats};
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;

struct State<E> {
    engine: Option<E>,
    params: BTreeMap<String, Value>,
    /// The latest `executing query` / `executing control query` outcome.
    last: Option<Result<QueryResult, Error>>,
    /// Stats of the latest `executing query` (not control query), or its error.
    main: Option<Result<Stats, Error>>,
    /// Whether an error step has checked the main query's error.
    error_checked: bool,
}

impl<E: Engine> State<E> {
    fn engine(&mut self) -> Result<&mut E, String> {
        if self.engine.is_none() {
            self.engine = Some(
                E::fresh().map_err(|e| format!("cannot create a database: {}", e.headline()))?,
            );
        }
        Ok(self.engine.as_mut().expect("just set"))
    }
}

/// Runs a scenario's steps in order on a fresh `E`; `Err` explains the first failing step.
pub fn run_scenario<E: Engine>(sc: &Scenario, graphs: &Path) -> Result<(), String> {
    let mut st = State::<E> {
        engine: None,
        params: BTreeMap::new(),
        last: None,
        main: None,
        error_checked: false,
    };
    for step in &sc.steps {
        run_step(&mut st, step, graphs)
            .map_err(|e| format!("line {}: `{} {}`: {e}", step.line, step.keyword, step.text))?;
    }
    if let Some(Err(e)) = &st.main {
        if !st.error_checked {
            return Err(format!("query failed: {}", e.headline()));
        }
    }
    Ok(())
}

fn docstring(step: &Step) -> Result<&str, String> {
    step.docstring
        .as_deref()
        .ok_or_else(|| "step needs a docstring".to_string())
}

fn table(step: &Step) -> Result<&[Vec<String>], String> {
    step.table
        .as_deref()
        .ok_or_else(|| "step needs a table".to_string())
}

fn run_step<E: Engine>(st: &mut State<E>, step: &Step, graphs: &Path) -> Result<(), String> {
    let text = step.text.as_str();
    match text {
        "an empty graph" | "any graph" => {
            st.engine = None;
            st.engine()?;
            return Ok(());
        }
        "having executed:" => {
            let q = docstring(step)?;
            return st
                .engine()?
                .execute(q, &BTreeMap::new())
                .map(|_| ())
                .map_err(|e| format!("set-up query failed: {}", e.headline()));
        }
        "parameters are:" => {
            for row in table(step)? {
                let [name, value] = row.as_slice() else {
                    return Err(format!("parameter row {row:?} must have two cells"));
                };
                let v =
                    notation::parse_value(value).map_err(|e| format!("parameter `{name}`: {e}"))?;
                st.params.insert(name.clone(), v);
            }
            return Ok(());
        }
        "executing query:" | "executing control query:" => {
            let q = docstring(step)?;
            let params = st.params.clone();
            let r = st.engine()?.execute(q, &params);
            if text == "executing query:" {
                st.main = Some(r.as_ref().map(|r| r.stats).map_err(Clone::clone));
                st.error_checked = false;
            }
            st.last = Some(r);
            return Ok(());
        }
        "no side effects" => return check_side_effects(st, &Stats::default()),
        "the side effects should be:" => {
            let expected = side_effects::parse_table(table(step)?)?;
            return check_side_effects(st, &expected);
        }
        "the result should be empty" => {
            let r = last_result(st)?;
            if r.rows.is_empty() {
                return Ok(());
            }
            return Err(format!(
                "expected no rows, got {}:\n{}",
                r.rows.len(),
                compare::render_result(r)
            ));
        }
        _ => {}
    }
    if let Some(mode) = result_mode(text) {
        let r = last_result(st)?;
        return compare::compare_table(table(step)?, r, mode);
    }
    if let Some(rest) = text
        .strip_prefix("the ")
        .and_then(|r| r.strip_suffix(" graph"))
    {
        let name = rest.trim();
        let file = graphs.join(name).join(format!("{name}.cypher"));
        let script = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read graph script {}: {e}", file.display()))?;
        st.engine = None;
        let engine = st.engine()?;
        for stmt in split_statements(&script) {
            engine
                .execute(&stmt, &BTreeMap::new())
                .map_err(|e| format!("graph `{name}` set-up failed: {}", e.headline()))?;
        }
        return Ok(());
    }
    if let Some(sig) = text
        .strip_prefix("there exists a procedure ")
        .and_then(|r| r.strip_suffix(':'))
    {
        let rows = table(step)?;
        let (header, body) = rows
            .split_first()
            .map(|(h, b)| (h.clone(), b))
            .unwrap_or_default();
        let mut values = Vec::with_capacity(body.len());
        for row in body {
            let parsed: Result<Vec<Value>, String> =
                row.iter().map(|c| notation::parse_value(c)).collect();
            values.push(parsed?);
        }
        return st
            .engine()?
            .register_procedure(sig.trim(), header, values)
            .map_err(|e| format!("cannot register procedure: {e}"));
    }
    if let Some(exp) = parse_error_step(text) {
        return check_error(st, &exp);
    }
    Err("unknown step".into())
}

fn result_mode(text: &str) -> Option<Mode> {
    let rest = text
        .strip_prefix("the result should be")?
        .strip_suffix(':')?;
    let (ordered, ignore_list_order) = match rest {
        ", in any order" => (false, false),
        ", in order" => (true, false),
        " (ignoring element order for lists)"
        | ", in any order (ignoring element order for lists)" => (false, true),
        ", in order (ignoring element order for lists)" => (true, true),
        _ => return None,
    };
    Some(Mode {
        ordered,
        ignore_list_order,
    })
}

fn last_result<E>(st: &State<E>) -> Result<&QueryResult, String> {
    match &st.last {
        None => Err("no query was executed".into()),
        Some(Err(e)) => Err(format!(
            "expected a result, but the query failed: {}",
            e.headline()
        )),
        Some(Ok(r)) => Ok(r),
    }
}

fn check_side_effects<E>(st: &State<E>, expected: &Stats) -> Result<(), String> {
    match &st.main {
        None => Err("no query was executed".into()),
        // An expected error implies no side effects; an unexpected one is reported.
        Some(Err(_)) if st.error_checked => Ok(()),
        Some(Err(e)) => Err(format!("the query failed: {}", e.headline())),
        Some(Ok(actual)) => side_effects::compare(expected, actual),
    }
}

/// `a SyntaxError should be raised at compile time: UndefinedVariable`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedError {
    pub kind: String,
    /// `None` for `any time`.
    pub phase: Option<Phase>,
    /// `*` accepts any code.
    pub code: String,
}

pub fn parse_error_step(text: &str) -> Option<ExpectedError> {
    let rest = text
        .strip_prefix("a ")
        .or_else(|| text.strip_prefix("an "))?;
    let (kind, rest) = rest.split_once(" should be raised at ")?;
    let (phase, code) = rest.split_once(':')?;
    let phase = match phase.trim() {
        "compile time" => Some(Phase::Compile),
        "runtime" => Some(Phase::Runtime),
        "any time" => None,
        _ => return None,
    };
    Some(ExpectedError {
        kind: kind.trim().to_string(),
        phase,
        code: code.trim().to_string(),
    })
}

fn phase_name(p: Option<Phase>) -> &'static str {
    match p {
        Some(Phase::Compile) => "compile time",
        Some(Phase::Runtime) => "runtime",
        None => "any time",
    }
}

/// Checks the main query's error against an expectation.
pub fn error_matches(exp: &ExpectedError, e: &Error) -> Result<(), String> {
    let ok = e.kind.as_str() == exp.kind
        && exp.phase.is_none_or(|p| p == e.phase)
        && (exp.code == "*" || exp.code == e.code);
    if ok {
        return Ok(());
    }
    Err(format!(
        "error differs\n  expected: {} at {}: {}\n  actual:   {} at {}: {} ({})",
        exp.kind,
        phase_name(exp.phase),
        exp.code,
        e.kind.as_str(),
        phase_name(Some(e.phase)),
        if e.code.is_empty() {
            "<no code>"
        } else {
            e.code
        },
        e.message
    ))
}

fn check_error<E>(st: &mut State<E>, exp: &ExpectedError) -> Result<(), String> {
    match &st.main {
        None => Err("no query was executed".into()),
        Some(Err(e)) => {
            error_matches(exp, e)?;
            st.error_checked = true;
            Ok(())
        }
        Some(Ok(_)) => {
            let shown = match &st.last {
                Some(Ok(r)) => compare::render_result(r),
                _ => String::new(),
            };
            Err(format!(
                "expected {} at {}: {}, but the query succeeded:\n{shown}",
                exp.kind,
                phase_name(exp.phase),
                exp.code
            ))
        }
    }
}

/// Splits a script on `;` outside quotes and comments; empty pieces dropped.
pub fn split_statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => {
                    quote = Some(c);
                    cur.push(c);
                }
                ';' => out.push(std::mem::take(&mut cur)),
                '/' if chars.peek() == Some(&'/') => {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            cur.push('\n');
                            break;
                        }
                    }
                }
                _ => cur.push(c),
            },
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
