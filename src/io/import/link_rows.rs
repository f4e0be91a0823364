//! A link file's rows read, and their properties parsed, on a second
//! thread while the loading thread looks up their ends and stages them.
//! At ten million links the loading thread spent 13 s alone staging links
//! while the other core idled; reading and parsing were about a third of
//! that (`csv_core`, `row_props`, number parsing).
//!
//! Rows reach the loader in file order, in batches, and an error ends the
//! rows where it stands: the loader meets it only after every row before
//! it, as when it read the file itself. A row's parsed properties wait in
//! it, so that the loader reports a row's faults in its own order; they
//! are encoded as the record will hold them, into a buffer each row keeps
//! from batch to batch.

use super::csv_files::csv_error;
use crate::error::Error;
use crate::store::graph::EncodedProps;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};

/// Rows per batch handed over.
const BATCH: usize = 512;

/// How many rows ahead of the one being loaded `for_each_row` shows.
const AHEAD: usize = 8;

/// One row as the loader gets it.
pub(super) struct Row {
    pub record: csv::StringRecord,
    /// Its properties, encoded.
    pub props: EncodedProps,
    /// Why its properties do not parse, if they do not.
    pub parsed: Result<(), Error>,
}

enum Chunk {
    Rows(Vec<Row>),
    Failed(csv::Error),
}

/// What parses a row's properties into (empty) encoded ones.
pub(super) type Parse<'a> =
    &'a (dyn Fn(&csv::StringRecord, &mut EncodedProps) -> Result<(), Error> + Sync);

/// Calls `f` on every row of `rdr` in order, with the record `AHEAD` rows
/// later when it is at hand (to ask for what that row will need), until
/// the rows end or `f` or the file fails.
pub(super) fn for_each_row(
    rdr: csv::Reader<std::fs::File>,
    path: &Path,
    parse: Parse<'_>,
    mut f: impl FnMut(&mut Row, Option<&csv::StringRecord>) -> Result<(), Error>,
) -> Result<(), Error> {
    std::thread::scope(|s| {
        let (send, chunks) = mpsc::sync_channel(4);
        let (give_back, back) = mpsc::channel();
        std::thread::Builder::new()
            .name("supplygraph-parse".into())
            .spawn_scoped(s, move || read_rows(rdr, parse, send, back))
            .map_err(|e| {
                super::import_error(path, 0, None, format!("cannot start a reader: {e}"))
            })?;
        // Returning drops `chunks`, which stops the reader.
        for chunk in chunks.iter() {
            let mut rows = match chunk {
                Chunk::Rows(rows) => rows,
                Chunk::Failed(e) => return Err(csv_error(path, e)),
            };
            for j in 0..rows.len() {
                let (now, later) = rows.split_at_mut(j + 1);
                f(&mut now[j], later.get(AHEAD - 1).map(|r| &r.record))?;
            }
            let _ = give_back.send(rows);
        }
        Ok(())
    })
}

/// The reader's side: batches of parsed rows, reusing the batches the
/// loader gives back; after a read error, the rows before it and then the
/// error.
fn read_rows(
    mut rdr: csv::Reader<std::fs::File>,
    parse: Parse<'_>,
    send: SyncSender<Chunk>,
    back: Receiver<Vec<Row>>,
) {
    loop {
        let mut rows = back.try_recv().unwrap_or_default();
        let mut n = 0;
        let mut failed = None;
        while n < BATCH {
            if n == rows.len() {
                rows.push(Row {
                    record: csv::StringRecord::new(),
                    props: EncodedProps::default(),
                    parsed: Ok(()),
                });
            }
            let row = &mut rows[n];
            match rdr.read_record(&mut row.record) {
                Ok(true) => {
                    row.props.clear();
                    row.parsed = parse(&row.record, &mut row.props);
                    n += 1;
                }
                Ok(false) => break,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        rows.truncate(n);
        let last = n < BATCH;
        if n > 0 && send.send(Chunk::Rows(rows)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = send.send(Chunk::Failed(e));
        }
        if last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, Phase};
    use crate::value::Value;
    use std::io::Write;

    /// A file of `n` rows `i,i*2`, the row numbered `short` (if any)
    /// missing its second field.
    fn rows_file(n: usize, short: Option<usize>) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(f, "a,b").unwrap();
        for i in 0..n {
            match short {
                Some(s) if s == i => writeln!(f, "{i}").unwrap(),
                _ => writeln!(f, "{i},{}", i * 2).unwrap(),
            }
        }
        f
    }

    fn reader(f: &tempfile::NamedTempFile) -> csv::Reader<std::fs::File> {
        csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(std::fs::File::open(f.path()).unwrap())
    }

    /// Parses field `b` as the property, refusing the value `bad`.
    fn parse_refusing(
        bad: i64,
    ) -> impl Fn(&csv::StringRecord, &mut EncodedProps) -> Result<(), Error> + Sync {
        move |r: &csv::StringRecord, props: &mut EncodedProps| {
            let v: i64 = r[1].parse().unwrap();
            if v == bad {
                return Err(Error::new(
                    ErrorKind::ImportError,
                    "",
                    Phase::Runtime,
                    "bad value",
                ));
            }
            props.push(0, &Value::Int(v));
            Ok(())
        }
    }

    fn int_prop(v: i64) -> EncodedProps {
        let mut props = EncodedProps::default();
        props.push(0, &Value::Int(v));
        props
    }

    #[test]
    fn every_row_comes_in_order_with_the_row_ahead_and_its_properties() {
        let f = rows_file(1_500, None);
        let parse = parse_refusing(-1);
        let (mut seen, mut with_ahead) = (0, 0);
        for_each_row(reader(&f), f.path(), &parse, |row, ahead| {
            assert_eq!(row.record[0].parse::<usize>().unwrap(), seen);
            assert!(row.parsed.is_ok());
            // Each row's own, though the buffers are reused.
            assert_eq!(row.props, int_prop(seen as i64 * 2));
            if let Some(a) = ahead {
                assert_eq!(a[0].parse::<usize>().unwrap(), seen + AHEAD);
                with_ahead += 1;
            }
            seen += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, 1_500);
        // All but the last `AHEAD` rows of each batch (512, 512, 476).
        assert_eq!(with_ahead, 1_500 - 3 * AHEAD);
    }

    #[test]
    fn a_read_error_comes_after_every_row_before_it_and_a_failed_row_stops_the_rows() {
        // Row 1,400 lacks a field: rows 0..1,400 are seen, then the error.
        let f = rows_file(1_500, Some(1_400));
        let parse = parse_refusing(-1);
        let mut seen = 0;
        let e = for_each_row(reader(&f), f.path(), &parse, |_, _| {
            seen += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(seen, 1_400);
        assert!(e.to_string().contains(":1402"), "{e}");
        // A row whose properties do not parse fails when the loader takes
        // them (here row 1,200, before the read error), and nothing after
        // it is seen.
        let parse = parse_refusing(2_400);
        let mut seen = 0;
        let e = for_each_row(reader(&f), f.path(), &parse, |row, _| {
            std::mem::replace(&mut row.parsed, Ok(()))?;
            seen += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(seen, 1_200);
        assert!(e.to_string().contains("bad value"), "{e}");
    }
}
