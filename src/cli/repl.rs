//! Hands an interactive terminal to the REPL (`crate::repl`), after `--init`
//! and with the options of the command line.

use super::batch::Runner;
use std::process::ExitCode;

pub fn run(runner: &mut Runner<'_>, db_label: &str) -> ExitCode {
    crate::repl::run(&mut runner.session, db_label)
}
