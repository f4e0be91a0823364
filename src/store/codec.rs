//! The only user of bincode: record values, each behind a version byte so a
//! later layout can be told apart. Keys never come here (`keys.rs`).

use super::StorageError;
use crate::value::Value;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Version byte in front of every record.
const RECORD_VERSION: u8 = 1;
/// Upper bound on one decoded record, so a damaged length cannot allocate wildly.
const LIMIT: usize = 64 << 20;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<LIMIT>()
}

pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![RECORD_VERSION];
    // Encoding into a Vec only fails for types serde cannot describe, which
    // none of ours are; an empty payload would then fail loudly on decode.
    if let Ok(bytes) = bincode::serde::encode_to_vec(value, config()) {
        out.extend_from_slice(&bytes);
    }
    out
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StorageError> {
    match bytes.split_first() {
        Some((&RECORD_VERSION, body)) => {
            let (v, used) = bincode::serde::decode_from_slice::<T, _>(body, config())
                .map_err(|e| StorageError::Corrupt(format!("damaged {what} record: {e}")))?;
            if used != body.len() {
                return Err(StorageError::Corrupt(format!(
                    "damaged {what} record: {} trailing bytes",
                    body.len() - used
                )));
            }
            Ok(v)
        }
        Some((v, _)) => Err(StorageError::Format(format!(
            "{what} record has version {v}, this build reads version {RECORD_VERSION}"
        ))),
        None => Err(StorageError::Corrupt(format!("empty {what} record"))),
    }
}

/// A node as stored: interned labels and property keys.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NodeRecord {
    pub labels: Vec<u32>,
    pub props: Vec<(u32, Value)>,
}

/// A relationship as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelRecord {
    pub rel_type: u32,
    pub src: u64,
    pub dst: u64,
    pub props: Vec<(u32, Value)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Date, Estimate};

    fn every_value() -> Vec<Value> {
        vec![
            Value::Bool(true),
            Value::Int(-42),
            Value::Int(i64::MAX),
            Value::Float(0.1),
            Value::Float(f64::NEG_INFINITY),
            Value::String("Беларусь, \"quoted\"".into()),
            Value::Date(Date::parse("2022-03").unwrap()),
            Value::Date(Date::parse("2022-03-01").unwrap()),
            Value::Estimate(Estimate { lo: 0.6, hi: 0.7 }),
            Value::List(vec![Value::String("a".into()), Value::String("b".into())]),
            Value::List(vec![]),
        ]
    }

    #[test]
    fn records_round_trip_every_value_type() {
        let props: Vec<(u32, Value)> = every_value()
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i as u32, v))
            .collect();
        let node = NodeRecord {
            labels: vec![0, 3],
            props: props.clone(),
        };
        assert_eq!(decode::<NodeRecord>(&encode(&node), "node").unwrap(), node);
        let rel = RelRecord {
            rel_type: 2,
            src: 1,
            dst: u64::MAX,
            props,
        };
        assert_eq!(
            decode::<RelRecord>(&encode(&rel), "relationship").unwrap(),
            rel
        );
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        let bytes = encode(&NodeRecord {
            labels: vec![1],
            props: vec![(0, Value::Int(1))],
        });
        for cut in 0..bytes.len() {
            let _ = decode::<NodeRecord>(&bytes[..cut], "node");
        }
        assert!(matches!(
            decode::<NodeRecord>(&[9, 0], "node"),
            Err(StorageError::Format(_))
        ));
        assert!(decode::<NodeRecord>(&[1, 0xff, 0xff, 0xff], "node").is_err());
    }
}
