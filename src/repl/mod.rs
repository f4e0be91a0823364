//! The interactive shell: `supplygraph [DB]` on a terminal.
//!
//! A statement may span lines and ends with `;` (prompt `supplygraph> `,
//! continuation `      ...> `); several statements on one line run in
//! order. A line starting with `.` between statements is a dot command
//! (`commands.rs`). History persists in `$SUPPLYGRAPH_HISTORY`, else the
//! user's data directory. Ctrl-C while a statement runs cancels it (the
//! handler in `cli` sets `Database.cancel.flag`); at the prompt it clears the
//! line and the statement being typed; Ctrl-D leaves.

mod commands;
mod data;
pub mod helper;
mod highlight;
mod session;
mod stop_writer;
pub mod vocab;

use crate::query::parse;
use helper::SgHelper;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::{DefaultHistory, History};
use rustyline::Editor;
use std::path::PathBuf;
use std::process::ExitCode;

pub use session::{Outcome, Session};

pub const PROMPT: &str = "supplygraph> ";
pub const CONTINUATION: &str = "      ...> ";

/// True when `buf` holds whole statements: complete by the parser's
/// measure, or ended by a `;` outside strings and comments even though a
/// bracket is left open (so that a typo gets its error instead of an
/// endless continuation prompt).
pub fn is_complete(buf: &str) -> bool {
    if !parse::is_incomplete(buf) {
        return true;
    }
    let t = buf.trim_end();
    t.ends_with(';')
        && parse::split_statements(t)
            .last()
            .is_none_or(|(off, s)| off + s.len() < t.len())
}

/// The history file: `$SUPPLYGRAPH_HISTORY`, else
/// `$XDG_DATA_HOME/supplygraph/history`, else
/// `~/.local/share/supplygraph/history`.
pub fn history_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(p) = var("SUPPLYGRAPH_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let data = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("supplygraph").join("history"))
}

fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

/// Runs the shell on `session` (after `--init`, whose settings it keeps)
/// until Ctrl-D or `.quit`.
pub fn run(session: &mut Session<'_>, db_label: &str) -> ExitCode {
    let color = use_color();
    let built = Config::builder()
        .history_ignore_space(true)
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .color_mode(if color {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .max_history_size(1000)
        .and_then(|b| b.history_ignore_dups(true));
    let config = match built {
        Ok(b) => b.build(),
        Err(_) => Config::default(),
    };
    let mut rl: Editor<SgHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("error[UsageError]: cannot start the line editor: {e}");
            return ExitCode::from(crate::cli::EXIT_USAGE);
        }
    };
    // What `--init` collected in a graph format is written before the prompt.
    session.write_collected();
    session.bail = false;
    session.batch = false;
    rl.set_helper(Some(SgHelper::new(session.vocab.clone(), color)));
    let history = history_path();
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.load_history(h);
    }
    println!(
        "supplygraph {} — database {}\nEnter \".help\" for usage hints; statements end with ';', Ctrl-D leaves.",
        env!("CARGO_PKG_VERSION"),
        db_label
    );
    let mut buffer = String::new();
    while !session.quit {
        session.vocab.borrow_mut().refresh(session.db);
        session.vocab.borrow_mut().params = session.params.keys().cloned().collect();
        if let Some(h) = rl.helper() {
            h.continuing.set(!buffer.is_empty());
        }
        let prompt = if buffer.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        match rl.readline(prompt) {
            Ok(text) => {
                session.width = rl.dimensions().map(|(cols, _)| cols as usize);
                for line in text.split('\n') {
                    handle_line(session, &mut rl, &mut buffer, line);
                    if session.quit || session.cancelled {
                        break;
                    }
                }
                if session.cancelled {
                    session.cancelled = false;
                    buffer.clear();
                }
                if let Some(h) = &history {
                    let _ = rl.save_history(h);
                }
            }
            Err(ReadlineError::Interrupted) => {
                if buffer.is_empty() {
                    eprintln!("(Ctrl-D or .quit to leave)");
                }
                buffer.clear();
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error[UsageError]: cannot read input: {e}");
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    session.finish();
    ExitCode::SUCCESS
}

/// One line typed at the prompt.
fn handle_line(
    session: &mut Session<'_>,
    rl: &mut Editor<SgHelper, DefaultHistory>,
    buffer: &mut String,
    line: &str,
) {
    if buffer.trim().is_empty() && line.trim_start().starts_with('.') {
        buffer.clear();
        let _ = rl.history_mut().add(line.trim());
        session.command(line.trim());
        return;
    }
    if buffer.is_empty() && line.trim().is_empty() {
        return;
    }
    if !buffer.is_empty() {
        buffer.push('\n');
    }
    buffer.push_str(line);
    if !is_complete(buffer) {
        return;
    }
    let text = std::mem::take(buffer);
    let _ = rl.history_mut().add(text.trim());
    session.run_statements(&text, "<repl>", 1);
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_end_at_a_semicolon_outside_strings() {
        use super::is_complete;
        assert!(is_complete("RETURN 1;"));
        assert!(!is_complete("RETURN 1"));
        assert!(!is_complete("MATCH (n\nRETURN n"));
        assert!(is_complete("MATCH (n RETURN n;"));
        assert!(!is_complete("RETURN 'a;"));
        assert!(!is_complete("RETURN 1 // x;"));
        assert!(is_complete("RETURN 1; RETURN 2;"));
        assert!(!is_complete("RETURN 1; RETURN 2"));
    }
}
