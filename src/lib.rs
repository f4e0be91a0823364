//! supplygraph: an embedded graph database for analysing who supplies whom.

pub mod cli;
pub mod error;
pub mod io;
pub mod query;
pub mod result;
pub mod store;
pub mod value;
pub mod tck;

mod database;
pub use database::{Database, Params};
pub use error::{Error, ErrorKind};
pub use result::QueryResult;
