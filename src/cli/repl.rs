//! A plain line-based interactive loop: prompt, multi-line statements ended
//! by `;`, `.quit`/Ctrl-D to leave. (Completion, history and highlighting
//! are the REPL issue's work.)

use super::batch::{Runner, Script};
use crate::query::parse;
use std::io::{BufRead, Write};
use std::process::ExitCode;

pub fn run(runner: &mut Runner<'_>) -> ExitCode {
    println!(
        "supplygraph {} — type a query ending with ';', or .quit to leave",
        env!("CARGO_PKG_VERSION")
    );
    let stdin = std::io::stdin();
    let mut buffer = String::new();
    loop {
        print!(
            "{}",
            if buffer.is_empty() {
                "supplygraph> "
            } else {
                "      ...> "
            }
        );
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if buffer.is_empty() && line.trim().starts_with('.') {
            match line.trim() {
                ".quit" | ".exit" => break,
                other => {
                    eprintln!("unknown command {other}: try .quit");
                    continue;
                }
            }
        }
        buffer.push_str(&line);
        if parse::is_incomplete(&buffer) {
            continue;
        }
        let script = Script {
            origin: "<repl>".into(),
            text: std::mem::take(&mut buffer),
        };
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        runner.run_script(&script, &mut out);
    }
    ExitCode::SUCCESS
}
