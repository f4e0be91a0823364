//! A projection that reads properties of a node variable (`RETURN
//! DISTINCT s.name`) over a batch of rows asks for each row's node record
//! a few rows before it projects the row, as a hop asks for link records
//! (`block_cache::PIPELINE`): the nodes of a hub's suppliers lie anywhere
//! among a million, and each read waited on memory alone (at scale L the
//! projection was a quarter of Q2).

use super::context::Ctx;
use super::rules::Rule;
use crate::query::ast::{ExprKind, Projection};
use crate::query::bind::symbols::Names;
use crate::store::block_cache::{Prefetch, PIPELINE};
use crate::value::{NodeId, Value};

/// Batches shorter than this are projected without asking ahead: a
/// point query's few rows gain nothing for the work.
const FROM_ROWS: usize = 16;

/// The row slots whose nodes' properties a projection reads (none for a
/// grouping, which reads them for keys and aggregates alike).
#[derive(Default)]
pub(crate) struct ReadAhead(Vec<usize>);

impl ReadAhead {
    /// The slots of the variables that items of the form `v.key` read
    /// (none when `Rule::ReadNodesAhead` is off).
    pub fn of(ctx: &Ctx<'_, '_>, p: &Projection, names: &Names) -> ReadAhead {
        let mut slots = Vec::new();
        let items = match ctx.rules.on(Rule::ReadNodesAhead) {
            true => &p.items[..],
            false => &[],
        };
        for item in items {
            if let ExprKind::Property(target, _) = &item.expr.kind {
                if let ExprKind::Variable(_, sym) = &target.kind {
                    if let Some(s) = names.slot(*sym) {
                        if !slots.contains(&s) {
                            slots.push(s);
                        }
                    }
                }
            }
        }
        ReadAhead(slots)
    }

    /// The nodes the rows' projections will read, one per slot read to a
    /// row (`NodeId::MAX` where a slot holds no node); empty when there is
    /// nothing to ask ahead for.
    pub fn nodes(&self, rows: &[Vec<Value>]) -> Vec<NodeId> {
        if self.0.is_empty() || rows.len() < FROM_ROWS {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(rows.len() * self.0.len());
        for row in rows {
            for &s in &self.0 {
                out.push(match row.get(s) {
                    Some(Value::Node(id)) => *id,
                    _ => NodeId::MAX,
                });
            }
        }
        out
    }

    /// Asks, before row `j` is projected, for what rows a few after it
    /// will read (`ahead`), under one hold of the block cache.
    pub fn ask(&self, ctx: &mut Ctx<'_, '_>, nodes: &[NodeId], j: usize) {
        if nodes.is_empty() {
            return;
        }
        ctx.read_ahead += ctx.tx.prefetch_nodes(ahead(nodes, self.0.len(), j)) as u64;
    }
}

/// What to ask for before row `j` of rows holding `per_row` nodes each:
/// each stage of `PIPELINE` for the row as far ahead as the stage says
/// (the cache entry six rows ahead, the offsets four, the record two), so
/// that each stage reads what an earlier one asked for.
fn ahead(
    nodes: &[NodeId],
    per_row: usize,
    j: usize,
) -> impl Iterator<Item = (NodeId, Prefetch)> + '_ {
    PIPELINE.into_iter().flat_map(move |(d, what)| {
        let at = (j + d) * per_row;
        nodes
            .get(at..at + per_row)
            .unwrap_or(&[])
            .iter()
            .filter(|&&id| id != NodeId::MAX)
            .map(move |&id| (id, what))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::{Database, Params};
    use crate::query::exec::rules::{Rule, Rules};

    #[test]
    fn each_stage_asks_for_the_row_it_is_ahead_by() {
        // Rows of two slots: row i holds nodes 10i and 10i + 1, except
        // that row 6's second slot holds no node.
        let mut nodes: Vec<NodeId> = (0..10).flat_map(|i| [10 * i, 10 * i + 1]).collect();
        nodes[13] = NodeId::MAX;
        let asked: Vec<_> = ahead(&nodes, 2, 0).collect();
        assert_eq!(
            asked,
            [
                (60, Prefetch::Entry),
                (40, Prefetch::Offsets),
                (41, Prefetch::Offsets),
                (20, Prefetch::Record),
                (21, Prefetch::Record),
            ]
        );
        // Near the end only the stages whose rows exist.
        let asked: Vec<_> = ahead(&nodes, 2, 6).collect();
        assert_eq!(asked, [(80, Prefetch::Record), (81, Prefetch::Record)]);
        assert_eq!(ahead(&nodes, 2, 9).count(), 0);
    }

    /// PROFILE counts the node records asked for ahead: one per row and
    /// node variable read (in batches of `FROM_ROWS` rows or more), none
    /// for a few rows, a grouping, or with the rule off; the rows are the
    /// same either way.
    #[test]
    fn projections_ask_for_the_nodes_they_read_ahead() {
        let mut db = Database::open_memory().unwrap();
        let setup = "UNWIND range(0, 99) AS i CREATE (:A {i: i})-[:L]->(:B {j: i})";
        db.execute(setup, &Params::new()).unwrap();
        let run = |db: &mut Database, q: &str| {
            let r = db.execute(&format!("PROFILE {q}"), &Params::new()).unwrap();
            (format!("{:?}", r.rows), r.plan.unwrap())
        };
        let note = "node records asked for ahead of projecting";
        for (q, asked) in [
            ("MATCH (a:A)-[:L]->(b) RETURN a.i, b.j, a.i + 1", Some(200)),
            (
                "MATCH (a:A)-[:L]->(b) RETURN DISTINCT b.j ORDER BY b.j DESC LIMIT 3",
                Some(100),
            ),
            ("MATCH (a:A) WHERE a.i < 5 RETURN a.i", None),
            ("MATCH (a:A)-[:L]->(b) RETURN b.j % 3, count(*)", None),
            ("MATCH (a:A) RETURN a", None),
        ] {
            db.rules = Rules::default();
            let (rows, plan) = run(&mut db, q);
            match asked {
                // Batches of fewer than `FROM_ROWS` rows ask for nothing.
                Some(most) => {
                    let asked: u64 = plan
                        .split(&format!("{note}: "))
                        .nth(1)
                        .and_then(|t| t.lines().next()?.parse().ok())
                        .unwrap_or_else(|| panic!("{q}\n{plan}"));
                    assert!(asked > most / 2 && asked <= most, "{q}\n{plan}");
                }
                None => assert!(!plan.contains(note), "{q}\n{plan}"),
            }
            db.rules = Rules::default().without(Rule::ReadNodesAhead);
            let (rows_off, plan_off) = run(&mut db, q);
            assert!(!plan_off.contains(note), "{q}\n{plan_off}");
            assert_eq!(rows, rows_off, "{q}");
        }
    }
}
