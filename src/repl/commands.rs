//! Dot commands: `.help`, `.read`, `.import`, `.mode`, `.paths`, `.timer`,
//! `.output`, `.schema`, `.stats`, `.explain`, `.param`, `.params`,
//! `.export`, `.quit`. They run the same at the prompt and in scripts (see
//! `session`); a failing one reports `error[UsageError]` and counts as a
//! failed statement.

use super::session::Output;
use super::Session;
use crate::io::format::{render_value, Format};
use std::io::Write;
use std::path::PathBuf;

pub struct Command {
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        name: ".help",
        args: "[COMMAND]",
        help: "Show the commands, or the help of one",
    },
    Command {
        name: ".read",
        args: "FILE",
        help: "Run the statements and dot commands of FILE",
    },
    Command {
        name: ".import",
        args: "[--nodes [LABEL=]FILE...] [--relationships [TYPE=]FILE...] [--ftm FILE...] [--sipri FILE...] [--create-missing-actors] [--map NEW=COLUMN,...]",
        help: "Bulk-load CSV, FollowTheMoney or SIPRI files, all or nothing (as `supplygraph import`)",
    },
    Command {
        name: ".mode",
        args: "table|csv|json|jsonl|markdown|graphml|dot",
        help: "Set the result format",
    },
    Command {
        name: ".paths",
        args: "short|full",
        help: "Paths in tables: nodes by name and links by type (short), or links with properties (full)",
    },
    Command {
        name: ".timer",
        args: "on|off",
        help: "Show `N rows (T ms)` after each result",
    },
    Command {
        name: ".output",
        args: "FILE|stdout",
        help: "Send results to FILE, or back to the terminal",
    },
    Command {
        name: ".schema",
        args: "",
        help: "Labels, relationship types and property keys with counts",
    },
    Command {
        name: ".stats",
        args: "",
        help: "Database size: actors, links, names, bytes on disk",
    },
    Command {
        name: ".explain",
        args: "QUERY",
        help: "Show the plan of QUERY without running it",
    },
    Command {
        name: ".param",
        args: "NAME [VALUE]",
        help: "Bind $NAME to a Cypher literal (no VALUE: unbind)",
    },
    Command {
        name: ".params",
        args: "",
        help: "List the bound parameters",
    },
    Command {
        name: ".export",
        args: "graphml|dot|jsonl FILE [QUERY] | csv|parquet DIR [QUERY]",
        help: "Write the nodes and links of the last result (or of QUERY) for Gephi, yEd, networkx (graphml), Graphviz (dot), as JSON lines, as actors.csv + links.csv for import, or as Parquet tables for Spark, DuckDB, pandas",
    },
    Command {
        name: ".quit",
        args: "",
        help: "Leave (also .exit or Ctrl-D)",
    },
];

/// Splits arguments at whitespace; `"..."` and `'...'` quote.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                any = true;
            }
            None if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            None => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The command name closest to `name`.
pub fn closest(name: &str) -> &'static str {
    COMMANDS
        .iter()
        .map(|c| c.name)
        .chain([".exit", ".params"])
        .min_by_key(|c| edit_distance(name, c))
        .unwrap_or(".help")
}

impl Session<'_> {
    /// Runs one dot command line (`.name args`).
    pub fn command(&mut self, line: &str) {
        let (name, rest) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(n, r)| (n, r.trim()));
        let args = split_args(rest);
        match name {
            ".help" => self.help(args.first().map(String::as_str)),
            ".quit" | ".exit" | ".q" => self.quit = true,
            ".read" => match args.as_slice() {
                [file] => self.read(file),
                _ => self.usage(".read"),
            },
            ".import" => self.import(&args),
            ".mode" => match args.as_slice() {
                [] => println!("{}", self.format.name()),
                [m] => match m.parse::<Format>() {
                    Ok(f) => self.format = f,
                    Err(e) => self.fail(format!("error[UsageError]: {e}")),
                },
                _ => self.usage(".mode"),
            },
            ".paths" => match args.first().map(|s| s.to_ascii_lowercase()).as_deref() {
                Some("short") if args.len() == 1 => self.style.path_props = false,
                Some("full") if args.len() == 1 => self.style.path_props = true,
                None => println!("{}", if self.style.path_props { "full" } else { "short" }),
                _ => self.usage(".paths"),
            },
            ".timer" => match args.first().map(|s| s.to_ascii_lowercase()).as_deref() {
                Some("on") if args.len() == 1 => self.timer = true,
                Some("off") if args.len() == 1 => self.timer = false,
                None => println!("{}", if self.timer { "on" } else { "off" }),
                _ => self.usage(".timer"),
            },
            ".output" | ".o" => match args.as_slice() {
                [] => self.set_output(None),
                [f] if f == "stdout" || f == "-" => self.set_output(None),
                [f] => self.set_output(Some(PathBuf::from(f))),
                _ => self.usage(".output"),
            },
            ".schema" => self.schema(),
            ".stats" => self.stats(),
            ".explain" => {
                if rest.is_empty() {
                    self.usage(".explain");
                } else {
                    let q = rest.trim_end_matches(';');
                    self.run_one(&format!("EXPLAIN {q}"), "<explain>", 1, 1);
                }
            }
            ".param" => self.param(rest),
            ".params" => {
                let lines: Vec<String> = self
                    .params
                    .iter()
                    .map(|(k, v)| format!("${k} = {}", literal(v)))
                    .collect();
                if lines.is_empty() {
                    println!("(no parameters)");
                }
                for l in lines {
                    println!("{l}");
                }
            }
            ".export" => self.export(rest),
            _ => self.fail(format!(
                "error[UsageError]: unknown command {name}; did you mean {}? (.help lists the commands)",
                closest(name)
            )),
        }
    }

    fn help(&mut self, topic: Option<&str>) {
        if let Some(t) = topic {
            let want = if t.starts_with('.') {
                t.to_string()
            } else {
                format!(".{t}")
            };
            match COMMANDS.iter().find(|c| c.name == want) {
                Some(c) => println!("{} {}\n    {}", c.name, c.args, c.help),
                None => self.fail(format!(
                    "error[UsageError]: no command {want}; did you mean {}?",
                    closest(&want)
                )),
            }
            return;
        }
        println!(
            "Statements end with ';' and may span lines. Tab completes, Ctrl-R searches history,"
        );
        println!("Ctrl-C cancels a running statement, Ctrl-D leaves.\n");
        for c in COMMANDS {
            let head = format!("{} {}", c.name, c.args);
            if head.chars().count() < 40 {
                println!("{head:<40} {}", c.help);
            } else {
                println!("{head}\n{:<40} {}", "", c.help);
            }
        }
    }

    fn read(&mut self, file: &str) {
        if self.depth >= 16 {
            return self.fail("error[UsageError]: .read nested too deeply");
        }
        match std::fs::read_to_string(file) {
            Ok(text) => {
                self.depth += 1;
                self.run_script(&text, file);
                self.depth -= 1;
            }
            Err(e) => self.fail(format!("error[UsageError]: cannot read {file}: {e}")),
        }
    }

    pub(super) fn close_output(&mut self) {
        if let Output::File(file) = &mut self.output {
            let _ = file.flush();
        }
        self.output = Output::Stdout;
    }

    fn set_output(&mut self, path: Option<PathBuf>) {
        self.close_output();
        let Some(path) = path else { return };
        match std::fs::File::create(&path) {
            Ok(f) => self.output = Output::File(std::io::BufWriter::new(f)),
            Err(e) => self.fail(format!(
                "error[UsageError]: cannot write {}: {e}",
                path.display()
            )),
        }
    }

    fn param(&mut self, rest: &str) {
        let rest = rest.trim();
        let (name, value) = match rest.split_once(|c: char| c.is_whitespace() || c == '=') {
            Some((n, v)) => (n.trim(), v.trim().trim_start_matches('=').trim_start()),
            None => (rest, ""),
        };
        let name = name.trim_start_matches('$');
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return self.usage(".param");
        }
        if value.is_empty() {
            if self.params.remove(name).is_none() {
                self.fail(format!("error[UsageError]: ${name} is not bound"));
            }
            return;
        }
        match self.execute_quiet(&format!("RETURN {value} AS v")) {
            Ok(r) => {
                let v = r
                    .rows
                    .into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next())
                    .unwrap_or_default();
                self.params.insert(name.to_string(), v);
            }
            Err(e) => self.fail(e.render("<param>", &format!("RETURN {value} AS v"), 1, 1)),
        }
    }

    /// Reports the usage of a dot command after a wrong call.
    pub(super) fn usage(&mut self, name: &str) {
        if let Some(c) = COMMANDS.iter().find(|c| c.name == name) {
            self.fail(format!("error[UsageError]: usage: {} {}", c.name, c.args));
        }
    }
}

/// A value as a Cypher literal (strings quoted).
fn literal(v: &crate::value::Value) -> String {
    match v {
        crate::value::Value::String(s) => {
            let mut out = String::new();
            out.push('\'');
            for c in s.chars() {
                match c {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    c => out.push(c),
                }
            }
            out.push('\'');
            out
        }
        other => render_value(other, &Default::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_and_splits() {
        assert_eq!(closest(".moed"), ".mode");
        assert_eq!(closest(".scheam"), ".schema");
        assert_eq!(split_args("a 'b c' \"\" d"), vec!["a", "b c", "", "d"]);
    }
}
