//! The column types of the exported tables (`export --format parquet`), read
//! from the Parquet footers, so that the compiler knows which properties
//! exist, which are estimates or dates, and what `+` and `/` mean.

use crate::io::format::graph::parquet::JSON_TEXT;
use arrow_schema::DataType;
use std::collections::BTreeMap;
use std::path::Path;

/// What a column holds, as far as the compiler cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    Int,
    Float,
    Bool,
    Str,
    Date,
    List,
    Other,
}

/// The columns of `actors` and `links`, by name.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub actors: BTreeMap<String, ColType>,
    pub links: BTreeMap<String, ColType>,
}

fn col_type(dt: &DataType) -> ColType {
    match dt {
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => ColType::Int,
        DataType::Float32 | DataType::Float64 => ColType::Float,
        DataType::Boolean => ColType::Bool,
        DataType::Utf8 | DataType::LargeUtf8 => ColType::Str,
        DataType::Date32 | DataType::Date64 => ColType::Date,
        DataType::List(_) | DataType::LargeList(_) => ColType::List,
        _ => ColType::Other,
    }
}

fn read_table(path: &Path) -> Result<BTreeMap<String, ColType>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| format!("{} is not a Parquet file: {e}", path.display()))?;
    Ok(builder
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let json = f.metadata().get(JSON_TEXT.0).map(String::as_str) == Some(JSON_TEXT.1);
            let t = if json {
                ColType::Other
            } else {
                col_type(f.data_type())
            };
            (f.name().clone(), t)
        })
        .collect())
}

impl Schema {
    /// Reads `DIR/actors.parquet` and `DIR/links.parquet`.
    pub fn from_dir(dir: &Path) -> Result<Schema, String> {
        Ok(Schema {
            actors: read_table(&dir.join("actors.parquet"))?,
            links: read_table(&dir.join("links.parquet"))?,
        })
    }

    /// The schema `export --format parquet` writes for the workload's data
    /// (tests and examples).
    pub fn workload() -> Schema {
        let t = |cols: &[(&str, ColType)]| {
            cols.iter()
                .map(|(n, t)| (n.to_string(), *t))
                .collect::<BTreeMap<_, _>>()
        };
        use ColType::*;
        Schema {
            actors: t(&[
                ("_id", Int),
                ("_labels", List),
                ("country", Str),
                ("id", Str),
                ("kind", Str),
                ("name", Str),
            ]),
            links: t(&[
                ("_id", Int),
                ("_src", Int),
                ("_dst", Int),
                ("_type", Str),
                ("category", Str),
                ("confidence", Float),
                ("evidence", Str),
                ("share", Float),
                ("since", Int),
                ("source", Str),
                ("until", Int),
                ("value", Int),
            ]),
        }
    }
}
