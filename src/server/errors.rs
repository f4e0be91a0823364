//! Our errors as Neo4j status codes: drivers pick their exception class
//! from the code (`Neo.ClientError.Statement.SyntaxError` is Python's
//! `CypherSyntaxError`, a `TransientError` is retried by managed
//! transactions), and the message keeps our text, detail code and position.

use crate::error::{Error, ErrorKind};
use boltr::error::BoltError;

/// The Neo4j status code for one of our error kinds.
pub fn status_code(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::SyntaxError => "Neo.ClientError.Statement.SyntaxError",
        ErrorKind::SemanticError => "Neo.ClientError.Statement.SemanticError",
        ErrorKind::TypeError => "Neo.ClientError.Statement.TypeError",
        ErrorKind::ArgumentError => "Neo.ClientError.Statement.ArgumentError",
        ErrorKind::ParameterMissing => "Neo.ClientError.Statement.ParameterMissing",
        ErrorKind::EntityNotFound => "Neo.ClientError.Statement.EntityNotFound",
        ErrorKind::ConstraintVerificationFailed | ErrorKind::ConstraintError => {
            "Neo.ClientError.Schema.ConstraintValidationFailed"
        }
        ErrorKind::ProcedureError => "Neo.ClientError.Procedure.ProcedureCallFailed",
        ErrorKind::ImportError => "Neo.ClientError.Statement.ExecutionFailed",
        ErrorKind::StorageError => "Neo.DatabaseError.Statement.ExecutionFailed",
        // Only the server's shutdown cancels a statement.
        ErrorKind::Cancelled => "Neo.TransientError.General.DatabaseUnavailable",
        ErrorKind::Timeout => "Neo.ClientError.Transaction.TransactionTimedOut",
        // Neo4j's code when a query's memory pool is exhausted.
        ErrorKind::MemoryError => "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
        ErrorKind::UsageError => "Neo.ClientError.Request.Invalid",
        // The server never runs Spark; kept for the match to be total.
        ErrorKind::SparkError => "Neo.DatabaseError.General.UnknownError",
    }
}

/// `message (DetailCode) (line L, column C (offset: O))`, then the line
/// quoted with a caret under the position, as Neo4j writes syntax errors.
pub fn message(e: &Error, query: &str) -> String {
    let mut out = e.message.clone();
    if !e.code.is_empty() {
        out.push_str(&format!(" ({})", e.code));
    }
    if let Some(span) = e.span {
        let mut start = span.start.min(query.len());
        while start > 0 && !query.is_char_boundary(start) {
            start -= 1;
        }
        let before = &query[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = query[line_start..start].chars().count() + 1;
        let text = query[line_start..].lines().next().unwrap_or("");
        out.push_str(&format!(
            " (line {line}, column {col} (offset: {start}))\n\"{text}\"\n{}^",
            " ".repeat(col)
        ));
    }
    out
}

/// The FAILURE a driver receives for one of our errors.
pub fn to_bolt(e: &Error, query: &str) -> BoltError {
    if e.code == "AccessMode" {
        // `Database::stream_read` refused a statement that can write.
        return failure("Neo.ClientError.Statement.AccessMode", e.message.clone());
    }
    failure(status_code(e.kind), message(e, query))
}

pub fn failure(code: &str, message: impl Into<String>) -> BoltError {
    BoltError::Query {
        code: code.to_string(),
        message: message.into(),
    }
}

/// Another session holds the database in an explicit transaction for
/// longer than a statement may wait: transient, so managed transactions
/// retry it.
pub fn lock_timeout(waited: std::time::Duration) -> BoltError {
    failure(
        "Neo.TransientError.Transaction.LockAcquisitionTimeout",
        format!(
            "another session held the database for more than {:.0} s: a write or a write \
             transaction holds it until it ends, and reads or read transactions still open keep \
             a write waiting",
            waited.as_secs_f64()
        ),
    )
}

pub fn shutting_down() -> BoltError {
    failure(
        "Neo.TransientError.General.DatabaseUnavailable",
        "the server is shutting down",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::ast::Span;

    #[test]
    fn a_syntax_error_carries_its_code_and_position() {
        let q = "MATCH (n)\nRETURN x";
        let e = Error::compile(
            ErrorKind::SyntaxError,
            "UndefinedVariable",
            "variable `x` is not defined",
            Span::new(17, 18),
        );
        let BoltError::Query { code, message } = to_bolt(&e, q) else {
            panic!("not a query error")
        };
        assert_eq!(code, "Neo.ClientError.Statement.SyntaxError");
        assert_eq!(
            message,
            "variable `x` is not defined (UndefinedVariable) (line 2, column 8 (offset: 17))\n\"RETURN x\"\n        ^"
        );
    }

    #[test]
    fn a_span_past_the_text_or_inside_a_character_does_not_panic() {
        for (start, end) in [(100, 200), (1, 2), (2, 1)] {
            let e = Error::compile(ErrorKind::TypeError, "", "bad", Span::new(start, end));
            let m = message(&e, "é");
            assert!(m.starts_with("bad (line 1"), "{m}");
        }
    }
}
