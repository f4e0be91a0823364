//! openCypher TCK conformance runner.
//!
//! Reads the TCK's `.feature` files at run time (never copied into the
//! crate), runs each scenario on a fresh database through the [`Engine`]
//! trait and reports passed/failed per feature folder.
//!
//! * [`gherkin`] — feature-file parser and outline expansion.
//! * [`notation`] — the TCK value notation of result/parameter tables.
//! * [`compare`] — expected table vs actual rows.
//! * [`side_effects`] — `+nodes | 1` tables vs [`crate::result::Stats`].
//! * [`run`] — the step driver, panic and timeout guard.
//! * [`report`] — folder table, final line, passing lists.
//!
//! Scenario ids (the passing-list line format) are
//! `features/<relative path>.feature :: <scenario name>` plus ` #<n>` for the
//! n-th (1-based) example row of an outline.

pub mod compare;
pub mod gherkin;
pub mod notation;
pub mod report;
pub mod run;
pub mod side_effects;
mod steps;

#[cfg(test)]
mod tests;

pub use report::{final_line, folder_table, list_failures, read_list, write_list};
pub use run::{
    load_features, run_features, run_features_with, run_scenario, scenario_id, Filter, Outcome,
    ScenarioResult, Summary,
};

use std::collections::BTreeMap;

/// What the runner needs from a database.
pub trait Engine {
    /// A fresh, empty in-memory database for one scenario.
    fn fresh() -> Result<Self, crate::error::Error>
    where
        Self: Sized;
    /// Runs one statement with parameters; errors carry kind, detail code and phase.
    fn execute(
        &mut self,
        query: &str,
        params: &BTreeMap<String, crate::value::Value>,
    ) -> Result<crate::result::QueryResult, crate::error::Error>;
    /// Registers a test procedure (`And there exists a procedure test.my.proc(in :: INTEGER?) :: (out :: STRING?):` with its table of rows); return Err if unsupported.
    fn register_procedure(
        &mut self,
        signature: &str,
        header: Vec<String>,
        rows: Vec<Vec<crate::value::Value>>,
    ) -> Result<(), String> {
        let _ = (signature, header, rows);
        Err("procedures are not supported".into())
    }
}
