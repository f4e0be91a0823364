//! supplygraph: an embedded graph database for analysing who supplies whom.

pub mod error;
pub mod query;
pub mod result;
pub mod store;
pub mod value;
