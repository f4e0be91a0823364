//! A Spark Connect client for `supplygraph spark --remote sc://HOST:PORT`:
//! the SQL that `compile --target spark-sql` makes runs on a Spark server
//! over its gRPC protocol, and the Arrow batches that come back print as
//! any result does.
//!
//! Written here rather than taken from a crate: `spark-connect-rs` (0.0.2)
//! pins arrow 53 and tonic 0.11, `spark-connect` (0.3) arrow 58, each a
//! second copy of Arrow beside the arrow 60 of the Parquet export, for a
//! DataFrame API we do not use. What we need is one RPC with a SQL
//! relation, on tonic and prost, which are maintained.

mod client;
mod proto;
mod rows;
mod url;

pub use client::Session;
pub use url::Remote;
