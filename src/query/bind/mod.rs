//! Binding: what a statement's names stand for, settled once per statement
//! so that no row pays for a name. `func`: function names to `Func`;
//! `symbols`: variables to numbers, and numbers to row columns.

pub mod func;
pub mod symbols;
