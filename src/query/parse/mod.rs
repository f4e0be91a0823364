//! openCypher text -> typed syntax tree ([`crate::query::ast`]).
//!
//! The grammar is `grammar/cypher.pest`; this module lowers pest's pairs into
//! the AST, one function per rule (`clause.rs`, `pattern.rs`, `expr.rs`,
//! `literal.rs`), and turns pest's errors into [`SyntaxError`]s that speak the
//! user's words (`errors.rs`). `split.rs` splits scripts into statements.
//!
//! Never panics: an unexpected pair shape is an `InternalError` with a span,
//! nesting is bounded before parsing, and pest runs with a call limit.

mod clause;
mod errors;
mod expr;
mod literal;
mod pattern;
mod split;

#[cfg(test)]
mod tck_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_expr;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use pest::iterators::Pair;
use pest::Parser;
use pest_derive::Parser;

use crate::query::ast::{self, Span};
use crate::store::catalog::NameKind;

pub use split::{is_incomplete, split_statements};

#[derive(Parser)]
#[grammar = "grammar/cypher.pest"]
struct CypherParser;

/// A statement that does not follow the grammar (or has an invalid literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    /// A TCK-style code: `UnexpectedSyntax`, `IntegerOverflow`, …
    pub code: &'static str,
    /// Byte offsets into the text given to [`parse_statement`].
    pub span: ast::Span,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for SyntaxError {}

/// Every keyword of the grammar (the upper-case rules of `cypher.pest`).
pub const KEYWORDS: &[&str] = &[
    "ALL",
    "ALLSHORTESTPATHS",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "ASCENDING",
    "BEGIN",
    "BY",
    "CALL",
    "CASE",
    "COLLECT",
    "COMMIT",
    "CONTAINS",
    "COUNT",
    "CREATE",
    "DELETE",
    "DESC",
    "DESCENDING",
    "DETACH",
    "DISTINCT",
    "ELSE",
    "END",
    "ENDS",
    "EXISTS",
    "EXPLAIN",
    "FALSE",
    "IN",
    "IS",
    "LIMIT",
    "MATCH",
    "MERGE",
    "NONE",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OPTIONAL",
    "OR",
    "ORDER",
    "PROFILE",
    "REDUCE",
    "REMOVE",
    "RETURN",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SET",
    "SHORTESTPATH",
    "SINGLE",
    "SKIP",
    "STARTS",
    "STRONGESTPATH",
    "THEN",
    "TRANSACTIONS",
    "TRUE",
    "UNION",
    "UNWIND",
    "WHEN",
    "WHERE",
    "WITH",
    "XOR",
    "YIELD",
];

/// Deepest bracket nesting accepted; deeper input is rejected before parsing
/// so neither pest nor the lowering can exhaust the stack.
const MAX_NESTING: usize = 64;
/// Deepest expression nesting the lowering accepts (prefix chains included).
const MAX_EXPR_DEPTH: usize = 200;
/// Deepest expression tree accepted, counting every operator as a level
/// (`1+1+…` is as deep as it is long): the checker and evaluator recurse
/// over the tree, and a statement deeper than [`SHALLOW_DEPTH`] runs on a
/// thread whose stack holds this many levels with room to spare.
pub const MAX_TREE_DEPTH: usize = 1000;
/// Trees up to this deep run on any thread (a test thread has 2 MiB).
pub const SHALLOW_DEPTH: usize = 64;

/// Parses one statement (a trailing `;` is allowed).
pub fn parse_statement(text: &str) -> std::result::Result<ast::Statement, SyntaxError> {
    split::check_nesting(text, MAX_NESTING)?;
    pest::set_call_limit(NonZeroUsize::new(200_000 + text.len() * 400));
    // Detailed attempts (for "expected …") cost time: only on failure. The
    // switch is process-wide, so failures take turns (parses that succeed
    // never touch it; at worst one runs with details on).
    let mut pairs = match CypherParser::parse(Rule::statement, text) {
        Ok(pairs) => pairs,
        Err(first) => {
            static DETAIL: Mutex<()> = Mutex::new(());
            let guard = DETAIL.lock().unwrap_or_else(|e| e.into_inner());
            pest::set_error_detail(true);
            let detailed = CypherParser::parse(Rule::statement, text).err();
            pest::set_error_detail(false);
            drop(guard);
            return Err(errors::from_pest(text, detailed.unwrap_or(first)));
        }
    };
    let lower = Lower::new(text);
    match pairs.next() {
        Some(pair) => lower.statement(pair),
        None => Err(SyntaxError {
            message: "empty statement".into(),
            code: "UnexpectedSyntax",
            span: Span::new(0, text.len()),
        }),
    }
}

type Result<T> = std::result::Result<T, SyntaxError>;

/// Lowering state for one statement.
struct Lower<'t> {
    /// The statement's text.
    text: &'t str,
    /// Current expression nesting depth.
    depth: Cell<usize>,
    /// Levels of the expression tree above the expression being lowered.
    tree_depth: Cell<usize>,
    /// The deepest the tree went.
    deepest: Cell<usize>,
    /// > 0 while lowering a `WHERE` predicate (pattern predicates allowed).
    where_depth: Cell<usize>,
    /// Spans of `9223372036854775808` literals that only a unary minus can save.
    pending_min_int: RefCell<Vec<Span>>,
    /// Spans of comparisons that a following comparison chains onto.
    chainable: RefCell<HashSet<(usize, usize)>>,
    /// The statement's variables, numbered as they are met.
    symbols: RefCell<ast::Symbols>,
}

impl<'t> Lower<'t> {
    fn new(text: &'t str) -> Self {
        Lower {
            text,
            depth: Cell::new(0),
            tree_depth: Cell::new(0),
            deepest: Cell::new(0),
            where_depth: Cell::new(0),
            pending_min_int: RefCell::new(Vec::new()),
            chainable: RefCell::new(HashSet::new()),
            symbols: RefCell::new(ast::Symbols::default()),
        }
    }

    /// A label, type or property key, with its number among the store's
    /// names.
    fn stored_ident(&self, pair: &Pair<'_, Rule>, kind: NameKind) -> ast::Ident {
        let mut id = literal::ident(pair);
        id.sym = self
            .symbols
            .borrow_mut()
            .intern_stored(&id.name, kind as usize);
        id
    }

    /// An identifier that names a variable, with the variable's symbol.
    fn variable_ident(&self, pair: &Pair<'_, Rule>) -> ast::Ident {
        let mut id = literal::ident(pair);
        id.sym = self.symbols.borrow_mut().intern(&id.name);
        id
    }

    /// `$name`, with the parameter's number in the statement.
    fn parameter(&self, pair: Pair<'_, Rule>) -> Result<ast::ExprKind> {
        let name = literal::parameter(pair)?;
        let sym = self.symbols.borrow_mut().intern_param(&name);
        Ok(ast::ExprKind::Parameter(name, sym))
    }

    fn statement(&self, pair: Pair<'_, Rule>) -> Result<ast::Statement> {
        let span = span_of(&pair);
        let mut mode = ast::Mode::Normal;
        let mut body = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::mode => {
                    let kw = p.into_inner().next();
                    mode = match kw.map(|k| k.as_rule()) {
                        Some(Rule::PROFILE) => ast::Mode::Profile,
                        _ => ast::Mode::Explain,
                    };
                }
                Rule::tx_begin => body = Some(ast::Body::Begin),
                Rule::tx_commit => body = Some(ast::Body::Commit),
                Rule::tx_rollback => body = Some(ast::Body::Rollback),
                Rule::query => {
                    let mut q = self.query(p)?;
                    q.symbols = std::sync::Arc::new(self.symbols.take());
                    body = Some(ast::Body::Query(q));
                }
                Rule::EOI => {}
                _ => return Err(internal(&p)),
            }
        }
        if let Some(sp) = self.pending_min_int.borrow().first() {
            return Err(integer_overflow(*sp));
        }
        let body = body.ok_or_else(|| SyntaxError {
            message: "empty statement".into(),
            code: "UnexpectedSyntax",
            span,
        })?;
        Ok(ast::Statement {
            mode,
            body,
            span,
            depth: self.deepest.get(),
        })
    }

    /// Runs `f` with the expression depth increased, failing when too deep.
    fn nested<T>(&self, span: Span, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let d = self.depth.get() + 1;
        if d > MAX_EXPR_DEPTH {
            return Err(too_deep(span));
        }
        self.depth.set(d);
        let r = f();
        self.depth.set(d - 1);
        r
    }

    /// Runs `f` as the predicate of a `WHERE`.
    fn in_where<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.where_depth.set(self.where_depth.get() + 1);
        let r = f();
        self.where_depth.set(self.where_depth.get() - 1);
        r
    }
}

/// The pair's span without trailing whitespace and comments (pest's
/// repetitions may swallow them).
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let text = pair.as_str();
    let trailing_space = text.chars().last().is_some_and(char::is_whitespace);
    let len = if trailing_space || text.contains('/') {
        split::content_len(text)
    } else {
        text.len()
    };
    Span::new(s.start(), s.start() + len)
}

/// A pair the lowering did not expect: a bug in the grammar/lowering pairing.
fn internal(pair: &Pair<'_, Rule>) -> SyntaxError {
    SyntaxError {
        message: format!("internal parser error: unexpected {:?}", pair.as_rule()),
        code: "InternalError",
        span: span_of(pair),
    }
}

/// A pair that should have had a child and did not.
fn missing(span: Span, what: &str) -> SyntaxError {
    SyntaxError {
        message: format!("internal parser error: missing {what}"),
        code: "InternalError",
        span,
    }
}

fn integer_overflow(span: Span) -> SyntaxError {
    SyntaxError {
        message: "integer literal is too large for a 64-bit integer".into(),
        code: "IntegerOverflow",
        span,
    }
}

fn too_deep(span: Span) -> SyntaxError {
    SyntaxError {
        message: "the statement is nested too deeply".into(),
        code: "UnexpectedSyntax",
        span,
    }
}

fn syntax(message: impl Into<String>, code: &'static str, span: Span) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        code,
        span,
    }
}
