//! A statement's plan kept between its runs, as SQLite keeps a prepared
//! statement's program: a statement run again (by its text or prepared)
//! resets the operators it ran with instead of planning anew. Planning a
//! point lookup cost as much as running it (Q1: 22k of 55k instructions).
//!
//! A kept plan is run again only under the stamp it was built under: the
//! store's counters and names (which change with every commit: the
//! statistics the planner chose by, the codes its names resolved to) and
//! the planner's rules. A run that fails drops its plan, so a kept plan
//! always ended its last run whole; it is reset before it is put back.

use super::context::Ctx;
use super::pipeline::{self, Pipeline};
use super::rules::Rules;
use crate::error::Error;
use crate::query::ast::{Body, Query, Statement};
use crate::store::catalog::KINDS;
use crate::store::graph::Meta;
use std::sync::Arc;

type Plan<'q> = Pipeline<'q>;

self_cell::self_cell!(
    /// A plan with the statement whose tree its operators borrow.
    struct Owned {
        owner: Arc<Statement>,
        #[covariant]
        dependent: Plan,
    }
);

/// What a plan was built under; a different one means planning again.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    meta: Meta,
    names: usize,
    rules: Rules,
}

impl Stamp {
    fn of(ctx: &Ctx<'_, '_>) -> Stamp {
        let catalog = ctx.tx.catalog();
        Stamp {
            meta: ctx.tx.meta(),
            names: KINDS.iter().map(|&k| catalog.names(k).len()).sum(),
            rules: ctx.rules,
        }
    }
}

struct Kept {
    stamp: Stamp,
    plan: Owned,
    /// The codes of the statement's names (`Ctx::take_codes`): the same
    /// under the same stamp, as the catalog only grows.
    codes: Vec<[Option<u32>; 3]>,
}

/// One statement's kept plan, if any. A statement run by two threads at
/// once plans a second time for the one that finds the slot empty.
#[derive(Default)]
pub struct PlanCache {
    slot: parking_lot::Mutex<Option<Kept>>,
}

impl std::fmt::Debug for PlanCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.slot.lock().is_some();
        f.debug_struct("PlanCache").field("kept", &kept).finish()
    }
}

impl PlanCache {
    /// Runs the query of `stmt` through `run`, with the plan kept from an
    /// earlier run when it was built under what holds now, else with a new
    /// one, which is kept if it may be run again and this run succeeds.
    /// Only for a statement read in a transaction of its own: the stamp
    /// does not see another statement's uncommitted writes.
    pub fn run<R>(
        &self,
        ctx: &mut Ctx<'_, '_>,
        stmt: &Arc<Statement>,
        run: impl for<'q> FnOnce(&mut Ctx<'_, '_>, &mut Pipeline<'q>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let stamp = Stamp::of(ctx);
        let kept = self.slot.lock().take().filter(|k| k.stamp == stamp);
        let mut plan = match kept {
            Some(k) => {
                ctx.bind_with(&query_of(stmt)?.symbols, k.codes);
                k.plan
            }
            None => Owned::try_new(Arc::clone(stmt), |s| pipeline::build(ctx, query_of(s)?))?,
        };
        let out = plan.with_dependent_mut(|_, p| run(ctx, p))?;
        if plan.borrow_dependent().reusable() {
            plan.with_dependent_mut(|_, p| p.reset());
            let codes = ctx.take_codes();
            *self.slot.lock() = Some(Kept { stamp, plan, codes });
        }
        Ok(out)
    }
}

/// The query `s` runs; only a query has a plan to keep.
fn query_of(s: &Statement) -> Result<&Query, Error> {
    match &s.body {
        Body::Query(q) => Ok(q),
        _ => Err(Error::runtime(
            crate::error::ErrorKind::SemanticError,
            "NotAQuery",
            "only a query has a plan to keep",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::Stamp;
    use crate::database::prepared_tests::params;
    use crate::database::{Database, Params};
    use crate::value::Value;

    /// Twelve actors in a chain of links, one a year from 2001.
    fn chain() -> Database {
        let mut db = Database::open_memory().unwrap();
        db.execute(
            "UNWIND range(1, 12) AS i CREATE (:Actor {id: 'a' + toString(i), n: i % 4})",
            &Params::new(),
        )
        .unwrap();
        db.execute(
            "MATCH (a:Actor), (b:Actor) WHERE toInteger(substring(b.id, 1)) = \
             toInteger(substring(a.id, 1)) + 1 \
             CREATE (a)-[:SUPPLIES {since: date(toString(2000 + a.n * 3 + 1)), v: a.n}]->(b)",
            &Params::new(),
        )
        .unwrap();
        db
    }

    /// What `text` gives with a plan made for this run alone.
    fn planned_anew(db: &mut Database, text: &str, ps: &Params) -> Vec<Vec<Value>> {
        let stmt = crate::query::parse::parse_statement(text).unwrap();
        db.execute_parsed(&stmt, ps).unwrap().rows
    }

    #[test]
    fn a_kept_plan_answers_each_run_as_a_new_plan_would() {
        let mut db = chain();
        let statements = [
            "MATCH (a)-[r:SUPPLIES]->(b) AS OF $y RETURN a.id, b.id",
            "MATCH (a:Actor) RETURN a.id ORDER BY a.id SKIP $s LIMIT $k",
            "MATCH (a:Actor) RETURN DISTINCT a.n ORDER BY a.n LIMIT $k",
            "MATCH (a:Actor) WHERE a.n >= $s RETURN a.n, count(*), collect(a.id)",
            "MATCH (a:Actor) OPTIONAL MATCH (a)-[r]->(b) WHERE r.v > $s \
             RETURN a.id, count(DISTINCT b) ORDER BY a.id",
            "UNWIND range(1, $k) AS x WITH x WHERE x > $s RETURN x",
            "MATCH (a:Actor)-[r]->() WITH a.n AS n, sum(r.v) AS t RETURN n, t",
            // One group without a key, kept between runs, and none at all.
            "MATCH (a:Actor) WHERE a.n >= $s AND a.n < $k \
             RETURN count(*) AS c, collect(a.id) AS ids, min(a.n) AS lo, count(DISTINCT a.n) AS d",
            "MATCH (a:Actor {id: 'a' + toString($k)})-[:SUPPLIES]->()-[:SUPPLIES]->(c) \
             RETURN count(DISTINCT c) AS n",
            // Groups ranked by an aggregate before their rows are built.
            "MATCH (a:Actor) WHERE a.n >= $s RETURN a.n AS n, count(*) AS c \
             ORDER BY c DESC, n LIMIT $k",
            // Two parts, each walked from its own start nodes.
            "MATCH p = (a:Actor {n: $s})-[:SUPPLIES]->(b), q = (c:Actor {n: $k % 4})-[r]->(d) \
             RETURN a.id, b.id, c.id, d.id, r.v, length(p) + length(q)",
            // Many input rows, each matched in the row of the one before.
            "UNWIND range(1, $k) AS i MATCH (a:Actor {n: i % 4})-[r:SUPPLIES]->(b) \
             RETURN i, a.id, b.id, r.v",
        ];
        let runs = [(2003, 0, 1), (2010, 2, 5), (2000, 1, 12), (2020, 3, 2)];
        for text in statements {
            let prepared = db.prepare(text).unwrap();
            for (y, s, k) in runs {
                let ps = params(&[
                    ("y", Value::Int(y)),
                    ("s", Value::Int(s)),
                    ("k", Value::Int(k)),
                ]);
                let want = planned_anew(&mut db, text, &ps);
                let by_text = db.execute(text, &ps).unwrap().rows;
                assert_eq!(by_text, want, "{text} with {ps:?}");
                let by_prepared = db.run_prepared(&prepared, &ps).unwrap().rows;
                assert_eq!(by_prepared, want, "{text} prepared, with {ps:?}");
            }
        }
    }

    /// What `text`'s kept plan was made under, if it has one.
    fn kept(db: &Database, text: &str) -> Option<Stamp> {
        let p = db.statement(text).unwrap();
        let slot = p.plan.slot.lock();
        slot.as_ref().map(|k| k.stamp)
    }

    #[test]
    fn a_commit_or_a_rule_change_makes_the_next_run_plan_again() {
        let mut db = chain();
        let q = "MATCH (d:Depot) RETURN count(d)";
        assert_eq!(
            db.execute(q, &Params::new()).unwrap().rows[0][0],
            Value::Int(0)
        );
        let first = kept(&db, q).expect("a read keeps its plan").meta.seq;
        db.execute("CREATE (:Depot)", &Params::new()).unwrap();
        assert_eq!(
            db.execute(q, &Params::new()).unwrap().rows[0][0],
            Value::Int(1)
        );
        let second = kept(&db, q).unwrap().meta.seq;
        assert!(second > first, "planned again after the commit");
        db.disable_rule("TopK").unwrap();
        let by_rules = kept(&db, q).unwrap().rules;
        db.execute(q, &Params::new()).unwrap();
        let now = kept(&db, q).unwrap().rules;
        assert_ne!(by_rules, now, "planned again under the new rules");
        // A write keeps no plan.
        db.execute("CREATE (:Depot)", &Params::new()).unwrap();
        assert!(kept(&db, "CREATE (:Depot)").is_none());
    }

    /// The label code a kept plan runs with again: none while the catalog
    /// lacks the name, found anew once a commit adds it.
    #[test]
    fn a_kept_plan_keeps_its_names_codes_until_the_catalog_changes() {
        let mut db = chain();
        let q = "MATCH (d:Depot) RETURN count(d)";
        let label = |db: &Database| {
            let p = db.statement(q).unwrap();
            let slot = p.plan.slot.lock();
            slot.as_ref().map(|k| k.codes[0][0])
        };
        for _ in 0..2 {
            db.execute(q, &Params::new()).unwrap();
            assert_eq!(label(&db), Some(None), "no Depot yet");
        }
        db.execute("CREATE (:Depot)", &Params::new()).unwrap();
        for _ in 0..2 {
            let rows = db.execute(q, &Params::new()).unwrap().rows;
            assert_eq!(rows[0][0], Value::Int(1));
            assert!(matches!(label(&db), Some(Some(_))), "Depot's code found");
        }
    }

    #[test]
    fn a_run_that_fails_drops_its_plan_and_the_next_plans_again() {
        let mut db = chain();
        let q = "UNWIND $xs AS x RETURN 12 / x";
        let ok = params(&[("xs", Value::List(vec![Value::Int(3), Value::Int(4)]))]);
        let zero = params(&[("xs", Value::List(vec![Value::Int(3), Value::Int(0)]))]);
        assert_eq!(db.execute(q, &ok).unwrap().rows.len(), 2);
        assert!(kept(&db, q).is_some());
        assert!(db.execute(q, &zero).is_err());
        assert!(kept(&db, q).is_none());
        let rows = db.execute(q, &ok).unwrap().rows;
        assert_eq!(rows, vec![vec![Value::Int(4)], vec![Value::Int(3)]]);
        assert!(kept(&db, q).is_some());
    }

    #[test]
    fn a_read_in_an_open_transaction_plans_anew_and_sees_its_writes() {
        let mut db = chain();
        let q = "MATCH (d:Depot) RETURN count(d)";
        db.execute(q, &Params::new()).unwrap();
        let before = kept(&db, q).expect("a read keeps its plan");
        db.execute("BEGIN", &Params::new()).unwrap();
        db.execute("CREATE (:Depot)", &Params::new()).unwrap();
        assert_eq!(
            db.execute(q, &Params::new()).unwrap().rows[0][0],
            Value::Int(1)
        );
        // The read in the transaction neither took the kept plan nor left
        // one of its own.
        assert_eq!(kept(&db, q), Some(before));
        db.execute("ROLLBACK", &Params::new()).unwrap();
        assert_eq!(
            db.execute(q, &Params::new()).unwrap().rows[0][0],
            Value::Int(0)
        );
    }
}
