//! The query language: parse (pest pairs to a typed AST) → bind → check → execute;
//! `print` writes an AST back as text the parser reads as the same AST.

pub mod ast;
pub mod bind;
pub mod check;
pub mod compile;
pub mod exec;
pub mod notify;
pub mod parse;
pub mod print;
pub mod read_only;
