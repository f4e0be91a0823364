//! Dot commands that load or describe data: `.import`, `.schema`,
//! `.stats`, `.export`.

use super::vocab::schema_counts;
use super::Session;
use crate::io::format::count;
use crate::io::format::graph::{self, GraphFormat};
use crate::io::import::{self, Source};
use std::io::IsTerminal;

fn human_bytes(n: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// Which list the file arguments that follow an option go to.
enum Target {
    Nodes,
    Rels,
    Ftm,
    Sipri,
}

/// Reads `.import`'s arguments: `--nodes`, `--relationships` (`--rels`),
/// `--ftm` and `--sipri` each take the files after them;
/// `--create-missing-actors` and `--map NEW=COLUMN,…` as for `import`.
fn import_args(args: &[String]) -> Result<import::Inputs, String> {
    let mut inputs = import::Inputs::default();
    let mut maps = Vec::new();
    let mut target = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--nodes" => target = Some(Target::Nodes),
            "--relationships" | "--rels" => target = Some(Target::Rels),
            "--ftm" => target = Some(Target::Ftm),
            "--sipri" => target = Some(Target::Sipri),
            "--create-missing-actors" => inputs.create_missing_actors = true,
            "--map" => maps.push(
                it.next()
                    .ok_or("--map needs NEW=COLUMN pairs, e.g. --map src=Supplier,dst=Recipient")?
                    .clone(),
            ),
            other if other.starts_with("--") => {
                return Err(format!(
                    "unknown option {other} (.import takes --nodes, --relationships, --ftm, --sipri, --create-missing-actors, --map)"
                ))
            }
            file => match target {
                Some(Target::Nodes) => inputs.nodes.push(Source::parse(file)),
                Some(Target::Rels) => inputs.rels.push(Source::parse(file)),
                Some(Target::Ftm) => inputs.ftm.push(file.into()),
                Some(Target::Sipri) => inputs.sipri.push(file.into()),
                None => {
                    return Err(format!(
                        "{file}: say what it holds first (--nodes, --relationships, --ftm or --sipri)"
                    ))
                }
            },
        }
    }
    inputs.map = import::ColumnMap::parse(&maps)?;
    Ok(inputs)
}

impl Session<'_> {
    /// `.import` takes the inputs and options of `supplygraph import`.
    pub(super) fn import(&mut self, args: &[String]) {
        let inputs = match import_args(args) {
            Ok(i) if !i.is_empty() => i,
            Ok(_) => return self.usage(".import"),
            Err(e) => return self.fail(format!("error[UsageError]: {e} (InvalidArguments)")),
        };
        if self.db.in_transaction() {
            return self.fail("error[UsageError]: .import cannot run inside an open transaction (COMMIT or ROLLBACK first)");
        }
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(1);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {percent:>3}% {bytes}/{total_bytes} {eta}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        let mut report = |done: u64, total: u64| {
            if let Some(b) = &bar {
                b.set_length(total.max(1));
                b.set_position(done.min(total));
            }
        };
        let result = import::import_inputs(self.db.graph_mut(), &inputs, &mut report);
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        match result {
            Ok(summary) => {
                self.vocab.borrow_mut().stale = true;
                for note in &summary.notes {
                    eprintln!("note: {note}");
                }
                println!("{summary}");
            }
            Err(e) => self.fail(format!("{}\nnothing was imported", e.headline())),
        }
    }

    pub(super) fn schema(&mut self) {
        let counts = match schema_counts(self.db.graph()) {
            Ok(c) => c,
            Err(e) => return self.fail(format!("error[StorageError]: {e}")),
        };
        let mut text = String::new();
        let mut section = |title: &str, items: Vec<(String, String)>| {
            text.push_str(title);
            text.push('\n');
            if items.is_empty() {
                text.push_str("  (none)\n");
            }
            let w = items
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0);
            for (k, v) in items {
                text.push_str(&format!("  {k:<w$}  {v}\n"));
            }
        };
        section(
            "Labels",
            counts
                .labels
                .iter()
                .map(|(k, n)| (format!(":{k}"), count(*n, "actor", "actors")))
                .collect(),
        );
        section(
            "Relationship types",
            counts
                .types
                .iter()
                .map(|(k, n)| (format!(":{k}"), count(*n, "link", "links")))
                .collect(),
        );
        let mut keys: Vec<String> = counts
            .node_keys
            .keys()
            .chain(counts.rel_keys.keys())
            .cloned()
            .collect();
        keys.sort();
        keys.dedup();
        section(
            "Property keys",
            keys.into_iter()
                .map(|k| {
                    let parts: Vec<String> = [
                        counts
                            .node_keys
                            .get(&k)
                            .map(|n| count(*n, "actor", "actors")),
                        counts.rel_keys.get(&k).map(|n| count(*n, "link", "links")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    (k, parts.join(", "))
                })
                .collect(),
        );
        self.emit(|w| w.write_all(text.as_bytes()));
    }

    pub(super) fn stats(&mut self) {
        let g = self.db.graph();
        let meta = g.meta();
        let cat = g.catalog();
        use crate::store::catalog::NameKind;
        let bytes = g.store().size_on_disk();
        let text = format!(
            "actors      {}\nlinks       {}\nlabels      {}\ntypes       {}\nkeys        {}\ndisk bytes  {} ({})\n",
            meta.nodes,
            meta.rels,
            cat.names(NameKind::Label).len(),
            cat.names(NameKind::Type).len(),
            cat.names(NameKind::Key).len(),
            bytes,
            human_bytes(bytes)
        );
        self.emit(|w| w.write_all(text.as_bytes()));
    }

    /// `.export FORMAT FILE|DIR [QUERY]`: the last result's (or QUERY's)
    /// nodes and links.
    pub(super) fn export(&mut self, rest: &str) {
        let mut parts = rest.splitn(2, char::is_whitespace);
        let fmt = parts.next().unwrap_or("");
        let after = parts.next().unwrap_or("").trim_start();
        let Ok(format) = fmt.parse::<GraphFormat>() else {
            return self.usage(".export");
        };
        let (file, query) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                Some(end) => (after[1..1 + end].to_string(), after[2 + end..].trim()),
                None => return self.usage(".export"),
            },
            Some(_) => match after.split_once(char::is_whitespace) {
                Some((f, q)) => (f.to_string(), q.trim()),
                None => (after.to_string(), ""),
            },
            None => return self.usage(".export"),
        };
        let query = query.trim_end_matches(';').trim();
        if !query.is_empty() {
            match self.execute_quiet(query) {
                Ok(r) => self.last = Some(r),
                Err(e) => return self.fail(e.render("<export>", query, 1, 1)),
            }
        }
        let Some(last) = &self.last else {
            return self
                .fail("error[UsageError]: no result to export yet: run a query first or give one");
        };
        let (n, m) = graph::counts(&last.entities);
        let written = match format {
            GraphFormat::Csv => graph::csv_dir::write(std::path::Path::new(&file), &last.entities)
                .map(|report| report.warnings),
            GraphFormat::Parquet => {
                graph::parquet::write(std::path::Path::new(&file), &last.entities)
                    .map(|report| report.warnings)
            }
            _ => std::fs::File::create(&file)
                .map(std::io::BufWriter::new)
                .and_then(|mut w| {
                    graph::write(&mut w, &last.entities, format)?;
                    std::io::Write::flush(&mut w)
                })
                .map(|()| Vec::new()),
        };
        match written {
            Ok(warnings) => {
                for w in warnings {
                    eprintln!("warning: {w}");
                }
                eprintln!(
                    "wrote {} and {} to {file}",
                    count(n as u64, "actor", "actors"),
                    count(m as u64, "link", "links")
                );
            }
            Err(e) => self.fail(format!("error[UsageError]: cannot write {file}: {e}")),
        }
    }
}
