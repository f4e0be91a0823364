//! The query language: parse (pest pairs to a typed AST) → check → execute.

pub mod ast;
pub mod check;
pub mod exec;
pub mod notify;
pub mod parse;
