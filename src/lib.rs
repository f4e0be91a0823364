//! supplygraph: an embedded graph database for analysing who supplies whom.

// Row and adjacency tuples read better inline than behind aliases; nested
// `if` inside match arms keeps each check next to its error text.
#![allow(clippy::type_complexity, clippy::collapsible_match)]

pub mod allocator;
pub mod cli;
pub mod error;
pub mod io;
pub mod query;
pub mod repl;
pub mod result;
pub mod server;
pub mod spark_connect;
pub mod store;
pub mod tck;
pub mod value;

mod database;
mod prefetch;
#[cfg(test)]
mod test_process;
#[cfg(test)]
mod test_rng;
mod two_threads;
pub use database::{Database, Params};
pub use error::{Error, ErrorKind};
pub use result::QueryResult;
