//! The query language: parse (pest pairs to a typed AST) → plan → execute.

pub mod ast;
