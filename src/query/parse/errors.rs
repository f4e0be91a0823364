//! pest errors -> [`SyntaxError`]s in the user's words (never rule names).

use pest::error::{ErrorVariant, InputLocation};

use super::{Rule, SyntaxError};
use crate::query::ast::Span;

/// Tokens that can only start an expression (reported as "an expression").
const EXPRESSION_STARTS: &[&str] = &[
    "'\"'",
    "'''",
    "'('",
    "'['",
    "'{'",
    "'$'",
    "'@'",
    "'.'",
    "'-'",
    "'+'",
    "NOT",
    "CASE",
    "NULL",
    "TRUE",
    "FALSE",
    "COUNT",
    "EXISTS",
    "COLLECT",
    "ALL",
    "ANY",
    "NONE",
    "SINGLE",
    "REDUCE",
    "SHORTESTPATH",
    "ALLSHORTESTPATHS",
    "a variable name",
    "a name",
    "a node pattern such as (n)",
    "an actor such as @name",
    "an expression",
];

/// Operator tokens (reported as "an operator").
const OPERATORS: &[&str] = &[
    "'%'",
    "'*'",
    "'+'",
    "'-'",
    "'/'",
    "'^'",
    "'='",
    "'<'",
    "'>'",
    "'<>'",
    "'<='",
    "'>='",
    "'=~'",
    "'.'",
    "'['",
    "':'",
    "AND",
    "OR",
    "XOR",
    "IN",
    "IS",
    "STARTS",
    "ENDS",
    "CONTAINS",
    "a label such as :Label",
];

/// Keywords that start a clause: seeing any of them expected means "a clause".
const CLAUSE_WORDS: &[&str] = &[
    "MATCH", "RETURN", "CREATE", "WITH", "UNWIND", "MERGE", "DELETE", "SET", "REMOVE", "CALL",
];

pub(super) fn from_pest(text: &str, err: pest::error::Error<Rule>) -> SyntaxError {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    if let Some((start, what)) = super::split::open_token(text) {
        return SyntaxError {
            message: what.to_string(),
            code: "UnexpectedSyntax",
            span: Span::new(start, text.len()),
        };
    }
    let (positives, custom) = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => (positives.clone(), None),
        ErrorVariant::CustomError { message } => (Vec::new(), Some(message.clone())),
    };
    if let Some(message) = custom {
        let message = if message.contains("limit") {
            "the statement is too complex or nested too deeply".to_string()
        } else {
            message
        };
        return SyntaxError {
            message,
            code: "UnexpectedSyntax",
            span: Span::new(pos, pos),
        };
    }
    let mut expected: Vec<String> = Vec::new();
    let push = |w: String, expected: &mut Vec<String>| {
        if !expected.contains(&w) {
            expected.push(w);
        }
    };
    if let Some(attempts) = err.parse_attempts() {
        // `ParsingToken` is not exported: tell its kinds apart by their text.
        for tok in attempts.expected_tokens() {
            let token = tok.to_string();
            if let Some(w) = token_word(&token) {
                push(w, &mut expected);
            }
        }
    }
    for rule in &positives {
        if let Some(w) = rule_word(*rule) {
            push(w.to_string(), &mut expected);
        }
    }
    let (found, span, code) = unexpected(text, pos);
    let expected = summarize(expected);
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("unexpected {found}, expected {expected}")
    };
    SyntaxError {
        message,
        code,
        span,
    }
}

/// What stands at `pos`: `'word'`, `'x'` or "end of input", its span, and
/// the error code it implies.
fn unexpected(text: &str, pos: usize) -> (String, Span, &'static str) {
    let rest = &text[pos..];
    let trimmed = rest.trim_start();
    let start = pos + (rest.len() - trimmed.len());
    let Some(first) = trimmed.chars().next() else {
        return (
            "end of input".into(),
            Span::new(start, start),
            "UnexpectedSyntax",
        );
    };
    if first == ';' && trimmed[1..].trim().is_empty() {
        return (
            "end of input".into(),
            Span::new(start, start),
            "UnexpectedSyntax",
        );
    }
    let len: usize = if first.is_alphanumeric() || first == '_' {
        trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum()
    } else {
        first.len_utf8()
    };
    let code = if !first.is_ascii() && !first.is_alphanumeric() && !first.is_whitespace() {
        "InvalidUnicodeCharacter"
    } else {
        "UnexpectedSyntax"
    };
    let word = &trimmed[..len];
    (format!("'{word}'"), Span::new(start, start + len), code)
}

fn token_word(token: &str) -> Option<String> {
    match token {
        // Pieces of tokens the user does not think about.
        "//" | "/*" | "*/" | "`" | "``" | "\\" | "0x" | "0o" | "_" | "BUILTIN_RULE" => None,
        t if t.len() > 1 && t.contains("..") && t.chars().count() == 4 => None,
        t if t.len() == 1 && t.chars().all(|c| c.is_ascii_alphabetic()) => None,
        t if t.chars().all(|c| c.is_ascii_alphabetic()) => Some(t.to_uppercase()),
        t => Some(format!("'{t}'")),
    }
}

fn rule_word(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of input",
        Rule::expr
        | Rule::integer
        | Rule::float
        | Rule::hex_integer
        | Rule::octal_integer
        | Rule::string_literal
        | Rule::parameter
        | Rule::list_literal
        | Rule::map_literal
        | Rule::function_call
        | Rule::paren_expr
        | Rule::case_expr
        | Rule::null_lit
        | Rule::true_lit
        | Rule::false_lit => "an expression",
        Rule::variable => "a variable name",
        Rule::schema_name | Rule::plain_name | Rule::escaped_name => "a name",
        Rule::node_pattern | Rule::pattern | Rule::pattern_part | Rule::pattern_element => {
            "a node pattern such as (n)"
        }
        Rule::rel_pattern => "a relationship pattern such as -[r]->",
        Rule::node_labels | Rule::label_check => "a label such as :Label",
        Rule::actor => "an actor such as @name",
        _ => return None,
    })
}

/// Joins what was expected into one phrase, most useful first.
fn summarize(mut words: Vec<String>) -> String {
    if words.iter().any(|w| CLAUSE_WORDS.contains(&w.as_str())) {
        let end = words.iter().any(|w| w == "end of input" || w == "';'");
        return if end {
            "a clause such as MATCH, RETURN or CREATE, or the end of the statement".into()
        } else {
            "a clause such as MATCH, RETURN or CREATE".into()
        };
    }
    // A string could start here: an expression is expected; its first
    // tokens are noise.
    if words.iter().any(|w| w == "'\"'" || w == "an expression") {
        words.retain(|w| !EXPRESSION_STARTS.contains(&w.as_str()));
        words.push("an expression".into());
    }
    // An infix operator could follow: summarise them all.
    if words.iter().any(|w| w == "'%'") {
        words.retain(|w| !OPERATORS.contains(&w.as_str()));
        words.push("an operator".into());
    }
    // Closing brackets first: they are the likeliest fix.
    let rank = |w: &String| match w.as_str() {
        "')'" | "']'" | "'}'" => 0,
        "an expression" => 1,
        "an operator" => 5,
        "end of input" => 4,
        w if w.starts_with('\'') || w.chars().all(|c| c.is_ascii_uppercase()) => 2,
        _ => 3,
    };
    words.sort_by_key(rank);
    words.truncate(5);
    match words.len() {
        0 => String::new(),
        1 => words.remove(0),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}
