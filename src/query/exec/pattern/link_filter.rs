//! A hop's links sifted by a `r.key = 'text'` conjunct before the matcher
//! takes them one by one (`Rule::SiftLinks`). Over a hub's links most fail
//! such a test (Q2 at scale M keeps 1,858 of the 15,483 SUPPLIES links into
//! the workload's hub); reading every record in one batch
//! (`Tx::with_rels`) and binding only the links that pass spares the rest
//! the matcher's binding, checking and unbinding, and a lock per read.
//!
//! When the property is kept as a link column, or its columns on disk can
//! make one for less than the records would cost (`Tx::link_column`), the
//! links are judged from the column: a hub's first sift at scale L read
//! some 55,000 blocks from the records.

use super::{Matcher, Step};
use crate::query::exec::context::Ctx;
use crate::query::exec::rules::Rule;
use crate::store::adjacency::AdjEntry;
use crate::store::codec;
use crate::store::link_columns::Column;
use crate::value::{RelId, Value};
use std::sync::Arc;

/// Links sifted in the first batch, so that a search the sink stops at
/// once (a LIMIT) reads at most this many records it did not need.
const FIRST_BATCH: usize = 256;

/// The most links sifted in one batch.
const MAX_BATCH: usize = 16384;

/// Shorter lists are not sifted: the batch's own costs would outweigh it.
pub(super) const MIN_LINKS: usize = 64;

/// The batches a hop takes `entries` in: all at once, or when they are
/// `sifted`, `FIRST_BATCH` links, then twice as many each time up to
/// `MAX_BATCH`. A search the sink stops (a LIMIT) has then read about as
/// many records again as it used, and a hub's links are read in batches
/// long enough to share between two cores (`Tx::with_rels`; 256 at a
/// time, Q2 at scale L read them all on one).
pub(super) fn batches<T>(entries: &[T], sifted: bool) -> impl Iterator<Item = &[T]> {
    let first = match sifted {
        true => FIRST_BATCH,
        false => entries.len(),
    };
    let (mut rest, mut size) = (entries, first);
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (batch, after) = rest.split_at(size.min(rest.len()));
        rest = after;
        size = (size * 2).min(MAX_BATCH);
        Some(batch)
    })
}

/// The conjunct a hop's links are sifted by.
pub(super) struct LinkFilter<'q> {
    conj: usize,
    key: u32,
    text: &'q str,
    /// The property as a column of every committed link, if there is one.
    column: Option<Arc<Column>>,
}

/// The conjunct to sift the links of `step` by, if sifting them first
/// changes no answer and no error. That holds when the conjunct reads the
/// hop's link only (it is ready the moment the link is bound); the link is
/// not bound already; the end node is matched by its labels only (a
/// property map or an actor name could fail with an error for a link the
/// conjunct rejects); and no conjunct listed before it could be checked in
/// this hop (it is checked first, and could fail with an error). `links`
/// is how many links the hop sifts.
pub(super) fn find<'q>(
    ctx: &Ctx<'_, '_>,
    m: &Matcher<'_, 'q>,
    step: &Step<'_>,
    links: usize,
) -> Option<LinkFilter<'q>> {
    let rel = step.rel.variable.as_ref()?;
    if !m.early || !ctx.rules.on(Rule::SiftLinks) || step.rel.length.is_some() {
        return None;
    }
    if step.node.properties.is_some() || step.node.actor.is_some() || m.bound[m.slot(rel.sym)?] {
        return None;
    }
    let end = step.node.variable.as_ref().map(|v| v.sym);
    let here = |sym| {
        sym == rel.sym
            || Some(sym) == end
            || match m.slot(sym) {
                Some(s) => m.bound[s],
                None => m.outer.is_some_and(|o| o.lookup(sym).is_some()),
            }
    };
    for (i, c) in m.conjuncts.iter().enumerate() {
        if m.checked[i] {
            continue;
        }
        if let (Some(f), Some((_, key))) = (&c.str_eq, m.str_eqs[i]) {
            if f.var == rel.sym && c.syms.iter().all(|&s| s == rel.sym) {
                // A column that cannot be read leaves the links to the
                // records, whose reads report any damage.
                let column = ctx.tx.link_column(key, links).ok().flatten();
                return Some(LinkFilter {
                    conj: i,
                    key,
                    text: f.text,
                    column,
                });
            }
        }
        if c.syms.iter().all(|&s| here(s)) {
            return None;
        }
    }
    None
}

/// One batch of a hop's links, sifted.
pub(super) struct Sifted {
    conj: usize,
    /// Per link of the batch: false when the conjunct rejects it.
    keep: Vec<bool>,
    /// The conjunct holds for every link kept, and is marked checked (the
    /// matcher does not read their records again) until `release`.
    holds: bool,
    /// `Tx::writes` when the records were read.
    writes: u64,
    /// A write came since: every link from then on goes to the matcher.
    stale: bool,
}

impl LinkFilter<'_> {
    /// Reads the records of `part`'s links and judges each. A link whose
    /// value the bytes cannot judge (a number, a list), a link that is
    /// gone, and a record that cannot be read are kept: the matcher checks
    /// them, and meets their errors, where it would have without sifting.
    pub fn sift(
        &self,
        ctx: &mut Ctx<'_, '_>,
        m: &mut Matcher<'_, '_>,
        part: &[AdjEntry],
    ) -> Sifted {
        let ids: Vec<RelId> = part.iter().map(|e| e.rel).collect();
        let writes = ctx.tx.writes();
        let (key, text) = (self.key, self.text);
        // The column holds the committed links: not once this statement
        // has staged one.
        let known = match self.column.as_ref().filter(|_| !ctx.tx.links_staged()) {
            // As `codec::rel_prop_is_str` judges a record: absent is false,
            // a value of another kind unknown.
            Some(col) => ids
                .iter()
                .map(|&id| match col.get(id as usize) {
                    None => Some(Some(false)),
                    Some(Value::String(s)) => Some(Some(s == text)),
                    Some(_) => Some(None),
                })
                .collect(),
            None => ctx
                .tx
                .with_rels(&ids, |b| {
                    Ok(codec::rel_prop_is_str(b, key, text).ok().flatten())
                })
                .unwrap_or_else(|_| vec![None; ids.len()]),
        };
        let keep: Vec<bool> = known.iter().map(|k| *k != Some(Some(false))).collect();
        let holds = known.iter().all(|k| matches!(k, Some(Some(_))));
        ctx.sifted[0] += part.len() as u64;
        ctx.sifted[1] += keep.iter().filter(|&&k| k).count() as u64;
        if holds {
            m.checked[self.conj] = true;
        }
        Sifted {
            conj: self.conj,
            keep,
            holds,
            writes,
            stale: false,
        }
    }
}

impl Sifted {
    /// Whether link `j` of the batch goes on to the matcher. A write since
    /// the records were read (a `CALL { … }` of the same statement, run for
    /// an earlier link) may have changed them: from then on every link goes
    /// on, and the conjunct is checked on each again.
    pub fn admits(&mut self, ctx: &Ctx<'_, '_>, m: &mut Matcher<'_, '_>, j: usize) -> bool {
        if !self.stale && ctx.tx.writes() != self.writes {
            self.stale = true;
            self.release(m);
        }
        self.stale || self.keep[j]
    }

    /// The conjunct is checked by the matcher again.
    pub fn release(&mut self, m: &mut Matcher<'_, '_>) {
        if self.holds {
            m.checked[self.conj] = false;
            self.holds = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::database::{Database, Params};
    use crate::query::exec::rules::{Rule, Rules};

    /// A hub with `n` links in (700: almost three batches): `c` is 'x' on
    /// every third, 'y' on the next, and on the rest by turns an integer, a
    /// list, nothing, or 'é'; `k` is a string on every link.
    fn hub(n: i64) -> Database {
        let mut db = Database::open_memory().unwrap();
        let mut params = Params::new();
        params.insert("n".into(), crate::value::Value::Int(n));
        db.execute(
            "CREATE (h:H {id: 'h'}) WITH h UNWIND range(0, $n - 1) AS i
             CREATE (s:S {i: i})-[:L {i: i, k: 'k' + toString(i % 5), c: CASE i % 3 WHEN 0 THEN 'x' WHEN 1 THEN 'y'
                 ELSE [7, ['x'], null, 'é'][(i / 3) % 4] END}]->(h)",
            &params,
        )
        .unwrap();
        db
    }

    /// The rows (or the error) of `q`, in the order given.
    fn answer(db: &mut Database, q: &str) -> Result<Vec<String>, String> {
        db.execute(q, &Params::new())
            .map(|r| r.rows.iter().map(|row| format!("{row:?}")).collect())
            .map_err(|e| e.to_string())
    }

    /// Sifting a hop's links first keeps exactly the links, in the order,
    /// and the errors that checking each bound link keeps (`SiftLinks`
    /// off), and that checking on the finished row keeps (pushdown off):
    /// across batches, under a LIMIT, beside other conjuncts, inside a
    /// transaction.
    #[test]
    fn sifted_links_answer_as_links_checked_one_by_one() {
        let mut db = hub(700);
        let cases = [
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' RETURN s.i",
            "MATCH (h:H)<-[r:L]-(s:S) WHERE 'é' = r.c RETURN r.i",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' RETURN s.i LIMIT 3",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' AND s.i > 600 RETURN count(*)",
            "MATCH (h:H)<-[r:L]-(s) WHERE s.i > 600 AND r.c = 'y' RETURN s.i",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'nowhere' RETURN count(*)",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k3' AND r.c = 'x' RETURN r.i",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k2' RETURN s.i LIMIT 7",
            "OPTIONAL MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'nowhere' RETURN s.i",
            // A conjunct listed first fails at once, whatever the link.
            "MATCH (h:H)<-[r:L]-(s) WHERE s.i / (s.i - s.i) = 1 AND r.k = 'nowhere' RETURN s.i",
            // Listed after, it is never reached.
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'nowhere' AND s.i / (s.i - s.i) = 1 RETURN s.i",
            // The end node's property map can fail for any link.
            "MATCH (h:H)<-[r:L]-(s {i: size(h.id) / (size(h.id) - 1)}) WHERE r.k = 'nowhere' RETURN s.i",
        ];
        let run = |db: &mut Database| -> Vec<_> { cases.iter().map(|q| answer(db, q)).collect() };
        let sifted = run(&mut db);
        for off in [Rule::SiftLinks, Rule::PredicatePushdown] {
            db.rules = Rules::default().without(off);
            for ((q, a), b) in cases.iter().zip(&sifted).zip(run(&mut db)) {
                assert_eq!(*a, b, "{q} without {off:?}");
            }
        }
        db.rules = Rules::default();
        let n = |i: usize| sifted[i].as_ref().map(Vec::len);
        assert_eq!(
            [n(0), n(1), n(2), n(6), n(7), n(8)],
            [Ok(234), Ok(58), Ok(3), Ok(47), Ok(7), Ok(1)]
        );
        assert!(sifted[9].is_err() && sifted[10].is_ok() && sifted[11].is_err());
        // In a transaction, links it made and changed are sifted too.
        db.execute("BEGIN", &Params::new()).unwrap();
        db.execute(
            "MATCH (h:H)<-[r:L]-(s) WHERE r.i < 4 SET r.c = 'x'
             WITH DISTINCT h CREATE (h)<-[:L {i: 700, c: 'x'}]-(:S {i: 700})",
            &Params::new(),
        )
        .unwrap();
        let q = "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' RETURN count(*)";
        assert_eq!(answer(&mut db, q).unwrap(), ["[Int(237)]"]);
        db.execute("ROLLBACK", &Params::new()).unwrap();
        assert_eq!(answer(&mut db, q).unwrap(), ["[Int(234)]"]);
    }

    /// Sifted links are taken in batches that double from 256 to 16,384
    /// (all at once when not sifted), and a hub's links sifted in batches
    /// long enough to be read on two threads answer as checked one by one.
    #[test]
    fn a_hubs_links_are_sifted_in_doubling_batches() {
        let sizes = |n: usize, sifted: bool| -> Vec<usize> {
            let v = vec![0u8; n];
            super::batches(&v, sifted).map(<[u8]>::len).collect()
        };
        assert_eq!(
            sizes(40_000, true),
            [256, 512, 1024, 2048, 4096, 8192, 16384, 7488]
        );
        assert_eq!(sizes(300, true), [256, 44]);
        assert_eq!(sizes(40_000, false), [40_000]);
        assert!(sizes(0, true).is_empty() && sizes(0, false).is_empty());
        let mut db = hub(9000);
        let cases = [
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' RETURN s.i",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k4' RETURN s.i ORDER BY s.i DESC LIMIT 5",
            "PROFILE MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'é' RETURN s.i",
        ];
        let sifted: Vec<_> = cases.iter().map(|q| answer(&mut db, q)).collect();
        let every_third: Vec<String> = (0..3000).map(|i| format!("[Int({})]", 3 * i)).collect();
        assert_eq!(sifted[0].as_ref().unwrap(), &every_third);
        assert_eq!(
            sifted[1].as_ref().unwrap(),
            &[
                "[Int(8999)]",
                "[Int(8994)]",
                "[Int(8989)]",
                "[Int(8984)]",
                "[Int(8979)]"
            ]
        );
        let plan = db.execute(cases[2], &Params::new()).unwrap().plan.unwrap();
        assert!(plan.contains("links sifted before binding: 9000"), "{plan}");
        db.rules = Rules::default().without(Rule::SiftLinks);
        for (q, a) in cases.iter().zip(&sifted).take(2) {
            assert_eq!(*a, answer(&mut db, q), "{q}");
        }
    }

    /// PROFILE says how many links were sifted and kept; with the rule
    /// off, or over fewer links than it pays for, none are.
    #[test]
    fn profile_counts_the_links_sifted() {
        let mut db = hub(700);
        let q = "PROFILE MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k1' RETURN s.i";
        let plan = |db: &mut Database| db.execute(q, &Params::new()).unwrap().plan.unwrap();
        assert!(
            plan(&mut db).contains("links sifted before binding: 700, 140 kept"),
            "{}",
            plan(&mut db)
        );
        db.rules = Rules::default().without(Rule::SiftLinks);
        assert!(!plan(&mut db).contains("sifted"));
        db.rules = Rules::default();
        db.execute(
            "MATCH (s:S) WHERE s.i >= 63 DETACH DELETE s",
            &Params::new(),
        )
        .unwrap();
        assert!(!plan(&mut db).contains("sifted"), "63 links");
    }

    /// A write made while a batch's links are taken (a `CALL { … }` run for
    /// each row) is seen by the links after it, as without sifting: a test
    /// that passed may fail, one that failed may pass, a deleted link is
    /// an error.
    #[test]
    fn a_write_between_the_links_of_a_batch_is_seen_by_the_rest() {
        let cases = [
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k1'
             CALL { WITH h MATCH (h)<-[q:L]-() SET q.k = 'z' } RETURN count(*)",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k1'
             CALL { WITH h MATCH (h)<-[q:L]-() SET q.k = 'k1' } RETURN count(*)",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k1'
             CALL { WITH h, r MATCH (h)<-[q:L]-() WHERE q <> r DELETE q } RETURN count(*)",
        ];
        for q in cases {
            let mut answers = Vec::new();
            for rules in [Rules::default(), Rules::default().without(Rule::SiftLinks)] {
                let mut db = hub(100);
                db.rules = rules;
                answers.push(answer(&mut db, q));
            }
            assert_eq!(answers[0], answers[1], "{q}");
        }
    }
}
