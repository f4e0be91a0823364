//! Where a streamed result goes: the result operator (`pipeline.rs`,
//! `Produce`) hands each row to `Ctx::sink` as it is produced instead of
//! keeping it, so a reader (the Bolt server's PULL n) gets rows while the
//! statement runs and nothing holds the whole result.

use super::pattern::Flow;
use crate::error::Error;
use crate::store::graph::Tx;
use crate::value::Value;

pub trait ResultSink {
    /// The result's columns, once the statement is planned, before any row.
    fn columns(&mut self, columns: &[String]) -> Result<(), Error>;
    /// One row of the result; `tx` reads the entities it mentions.
    /// `Flow::Stop`: the reader wants no more, the statement stops.
    fn row(&mut self, tx: &Tx<'_>, row: Vec<Value>) -> Result<Flow, Error>;
}
