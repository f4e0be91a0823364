//! Spark's answer, Arrow IPC streams, as a [`QueryResult`] the CLI's
//! formats print. A struct with an `actors` row's fixed columns (`_id`,
//! `_labels`) is the node it was exported from, one with a `links` row's
//! (`_id`, `_src`, `_dst`, `_type`) the relationship, so that `RETURN a`
//! prints as the embedded engine prints it; other structs are maps.

use crate::result::{Entities, NodeData, QueryResult, RelData};
use crate::value::{Date, Value};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::DataType;
use std::collections::BTreeMap;

/// Decodes the IPC streams of one result, in order, into rows.
pub fn decode(streams: &[Vec<u8>]) -> Result<QueryResult, String> {
    let mut result = QueryResult::default();
    for (i, bytes) in streams.iter().enumerate() {
        let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)
            .map_err(|e| format!("Spark sent an unreadable Arrow stream: {e}"))?;
        if i == 0 {
            result.columns = reader
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
        }
        for batch in reader {
            let batch = batch.map_err(|e| format!("Spark sent an unreadable Arrow batch: {e}"))?;
            append(&mut result, &batch)?;
        }
    }
    Ok(result)
}

fn append(result: &mut QueryResult, batch: &RecordBatch) -> Result<(), String> {
    if batch.num_columns() != result.columns.len() {
        return Err("Spark's Arrow batches disagree on their columns".into());
    }
    for row in 0..batch.num_rows() {
        let values = batch
            .columns()
            .iter()
            .map(|c| value(c, row, &mut result.entities))
            .collect::<Result<Vec<_>, _>>()?;
        result.rows.push(values);
    }
    Ok(())
}

/// The value at `row` of `array`; nodes and relationships go to `entities`.
fn value(array: &ArrayRef, row: usize, entities: &mut Entities) -> Result<Value, String> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    Ok(match array.data_type() {
        DataType::Null => Value::Null,
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        DataType::Int8 => Value::Int(array.as_primitive::<Int8Type>().value(row).into()),
        DataType::Int16 => Value::Int(array.as_primitive::<Int16Type>().value(row).into()),
        DataType::Int32 => Value::Int(array.as_primitive::<Int32Type>().value(row).into()),
        DataType::Int64 => Value::Int(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float32 => Value::Float(array.as_primitive::<Float32Type>().value(row).into()),
        DataType::Float64 => Value::Float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(_, scale) => {
            let v = array.as_primitive::<Decimal128Type>().value(row);
            match (*scale, i64::try_from(v)) {
                (0, Ok(i)) => Value::Int(i),
                (s, _) => Value::Float(v as f64 / 10f64.powi(s.into())),
            }
        }
        DataType::Utf8 => Value::String(array.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Value::String(array.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Value::String(array.as_string_view().value(row).to_string()),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(row);
            Value::Date(Date::from_days(days.into()).ok_or("a date out of range")?)
        }
        DataType::List(_) => list(&array.as_list::<i32>().value(row), entities)?,
        DataType::LargeList(_) => list(&array.as_list::<i64>().value(row), entities)?,
        DataType::Struct(_) => structure(array.as_struct(), row, entities)?,
        DataType::Map(_, _) => {
            let entries = array.as_map().value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            let mut map = BTreeMap::new();
            for i in 0..entries.len() {
                let key = match value(keys, i, entities)? {
                    Value::String(s) => s,
                    other => crate::io::format::render_value(&other, entities),
                };
                map.insert(key, value(values, i, entities)?);
            }
            Value::Map(map)
        }
        other => {
            return Err(format!(
                "Spark answered a column of type {other}, which has no value here"
            ))
        }
    })
}

fn list(items: &ArrayRef, entities: &mut Entities) -> Result<Value, String> {
    (0..items.len())
        .map(|i| value(items, i, entities))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::List)
}

/// A node, a relationship, or a map, by the struct's field names.
fn structure(s: &StructArray, row: usize, entities: &mut Entities) -> Result<Value, String> {
    let mut fields = BTreeMap::new();
    for (name, column) in s.column_names().iter().zip(s.columns()) {
        fields.insert(name.to_string(), value(column, row, entities)?);
    }
    let int = |f: &BTreeMap<String, Value>, k: &str| match f.get(k) {
        Some(Value::Int(i)) if *i >= 0 => Some(*i as u64),
        _ => None,
    };
    let is_node = fields.contains_key("_labels");
    let is_rel = fields.contains_key("_src") && fields.contains_key("_type");
    let Some(id) = int(&fields, "_id").filter(|_| is_node || is_rel) else {
        return Ok(Value::Map(fields));
    };
    if is_node {
        let labels = match fields.remove("_labels") {
            Some(Value::List(l)) => l
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        entities.nodes.insert(
            id,
            NodeData {
                id,
                labels,
                properties: properties(fields),
            },
        );
        return Ok(Value::Node(id));
    }
    let (Some(start), Some(end)) = (int(&fields, "_src"), int(&fields, "_dst")) else {
        return Ok(Value::Map(fields));
    };
    let rel_type = match fields.remove("_type") {
        Some(Value::String(t)) => t,
        _ => String::new(),
    };
    entities.rels.insert(
        id,
        RelData {
            id,
            rel_type,
            start,
            end,
            properties: properties(fields),
        },
    );
    Ok(Value::Rel(id))
}

/// The row's properties: its non-fixed, non-null columns.
fn properties(fields: BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    fields
        .into_iter()
        .filter(|(k, v)| !k.starts_with('_') && !v.is_null())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::builder::{Int64Builder, ListBuilder, StringBuilder};
    use arrow_array::{Float64Array, Int64Array, StringArray};
    use arrow_schema::{Field, Fields, Schema};
    use std::sync::Arc;

    fn ipc(batch: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
        drop(w);
        out
    }

    #[test]
    fn decodes_scalars_and_nulls_across_streams() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
            Field::new("v", DataType::Float64, true),
        ]));
        let batch = |names: Vec<Option<&str>>, ns: Vec<Option<i64>>, vs: Vec<Option<f64>>| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(StringArray::from(names)),
                    Arc::new(Int64Array::from(ns)),
                    Arc::new(Float64Array::from(vs)),
                ],
            )
            .unwrap()
        };
        let a = batch(
            vec![Some("x"), None],
            vec![Some(1), Some(2)],
            vec![None, Some(0.5)],
        );
        let b = batch(vec![Some("y")], vec![None], vec![Some(2.0)]);
        let r = decode(&[ipc(&a), ipc(&b)]).unwrap();
        assert_eq!(r.columns, ["name", "n", "v"]);
        assert_eq!(
            r.rows,
            vec![
                vec![Value::String("x".into()), Value::Int(1), Value::Null],
                vec![Value::Null, Value::Int(2), Value::Float(0.5)],
                vec![Value::String("y".into()), Value::Null, Value::Float(2.0)],
            ]
        );
    }

    #[test]
    fn an_actors_row_struct_is_its_node() {
        let mut labels = ListBuilder::new(StringBuilder::new());
        labels.values().append_value("Actor");
        labels.append(true);
        let fields = Fields::from(vec![
            Field::new("_id", DataType::Int64, false),
            Field::new("_labels", labels.finish().data_type().clone(), false),
            Field::new("name", DataType::Utf8, true),
            Field::new("pop", DataType::Int64, true),
        ]);
        let mut labels = ListBuilder::new(StringBuilder::new());
        labels.values().append_value("Actor");
        labels.append(true);
        let mut ids = Int64Builder::new();
        ids.append_value(7);
        let s = StructArray::new(
            fields.clone(),
            vec![
                Arc::new(ids.finish()),
                Arc::new(labels.finish()),
                Arc::new(StringArray::from(vec![Some("Acme")])),
                Arc::new(Int64Array::from(vec![None::<i64>])),
            ],
            None,
        );
        let schema = Arc::new(Schema::new(vec![Field::new(
            "a",
            DataType::Struct(fields),
            true,
        )]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(s)]).unwrap();
        let r = decode(&[ipc(&batch)]).unwrap();
        assert_eq!(r.rows, vec![vec![Value::Node(7)]]);
        let node = &r.entities.nodes[&7];
        assert_eq!(node.labels, ["Actor"]);
        // A null column is a property the actor does not have.
        assert_eq!(
            node.properties,
            BTreeMap::from([("name".to_string(), Value::String("Acme".into()))])
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(&[vec![1, 2, 3]]).is_err());
        assert!(decode(&[]).unwrap().columns.is_empty());
    }
}
