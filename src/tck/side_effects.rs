//! `And the side effects should be:` tables (`| +nodes | 1 |`) against
//! [`Stats`]; counters not listed must be 0.

use crate::result::Stats;

/// The counter names the TCK uses, with the matching field of `Stats`.
pub const COUNTERS: [&str; 8] = [
    "+nodes",
    "-nodes",
    "+relationships",
    "-relationships",
    "+labels",
    "-labels",
    "+properties",
    "-properties",
];

fn get(stats: &Stats, name: &str) -> Option<u64> {
    Some(match name {
        "+nodes" => stats.nodes_created,
        "-nodes" => stats.nodes_deleted,
        "+relationships" => stats.relationships_created,
        "-relationships" => stats.relationships_deleted,
        "+labels" => stats.labels_added,
        "-labels" => stats.labels_removed,
        "+properties" => stats.properties_set,
        "-properties" => stats.properties_removed,
        _ => return None,
    })
}

/// Builds the expected counters from a two-column table.
pub fn parse_table(table: &[Vec<String>]) -> Result<Stats, String> {
    let mut s = Stats::default();
    for row in table {
        let [name, n] = row.as_slice() else {
            return Err(format!("side-effect row {row:?} must have two cells"));
        };
        let n: u64 = n
            .parse()
            .map_err(|_| format!("side-effect count `{n}` is not a number"))?;
        let slot = match name.as_str() {
            "+nodes" => &mut s.nodes_created,
            "-nodes" => &mut s.nodes_deleted,
            "+relationships" => &mut s.relationships_created,
            "-relationships" => &mut s.relationships_deleted,
            "+labels" => &mut s.labels_added,
            "-labels" => &mut s.labels_removed,
            "+properties" => &mut s.properties_set,
            "-properties" => &mut s.properties_removed,
            other => return Err(format!("unknown side-effect counter `{other}`")),
        };
        *slot = n;
    }
    Ok(s)
}

/// `Ok` when equal, otherwise a message listing each differing counter.
pub fn compare(expected: &Stats, actual: &Stats) -> Result<(), String> {
    let diffs: Vec<String> = COUNTERS
        .iter()
        .filter_map(|c| {
            let (e, a) = (get(expected, c)?, get(actual, c)?);
            (e != a).then(|| format!("{c}: expected {e}, got {a}"))
        })
        .collect();
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!("side effects differ: {}", diffs.join("; ")))
    }
}

/// Renders non-zero counters as `+nodes 1, +labels 1` (or `none`).
pub fn describe(stats: &Stats) -> String {
    let parts: Vec<String> = COUNTERS
        .iter()
        .filter_map(|c| {
            get(stats, c)
                .filter(|n| *n != 0)
                .map(|n| format!("{c} {n}"))
        })
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: &[(&str, &str)]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|(a, b)| vec![a.to_string(), b.to_string()])
            .collect()
    }

    #[test]
    fn tables_and_comparison() {
        let e = parse_table(&t(&[("+nodes", "2"), ("+labels", "1")])).unwrap();
        assert_eq!(e.nodes_created, 2);
        assert_eq!(e.labels_added, 1);
        let mut a = e;
        assert!(compare(&e, &a).is_ok());
        a.properties_set = 3;
        let msg = compare(&e, &a).unwrap_err();
        assert!(msg.contains("+properties: expected 0, got 3"), "{msg}");
        assert_eq!(describe(&a), "+nodes 2, +labels 1, +properties 3");
        assert!(parse_table(&t(&[("+widgets", "1")])).is_err());
        assert!(parse_table(&t(&[("+nodes", "x")])).is_err());
        assert!(parse_table(&[vec!["+nodes".into()]]).is_err());
        assert_eq!(describe(&Stats::default()), "none");
    }
}
