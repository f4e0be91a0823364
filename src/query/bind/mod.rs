//! Binding: what a statement's names stand for, settled once per statement
//! so that no row pays for a name. `func`: function names to `Func`.

pub mod func;
