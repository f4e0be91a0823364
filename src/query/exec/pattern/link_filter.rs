//! A hop's links sifted by a `r.key = 'text'` conjunct before the matcher
//! takes them one by one. Over a hub's links (18,214 into the workload's
//! hub at scale M) most fail such a test; reading every record in one
//! batch (`Tx::with_rels`) and binding only the links that pass spares the
//! rest the matcher's binding, checking and unbinding, and a lock per read.

use super::{Matcher, Step};
use crate::error::Error;
use crate::query::exec::context::Ctx;
use crate::store::adjacency::AdjEntry;
use crate::store::codec;
use crate::value::RelId;

/// Links sifted at a time, so that a search the sink stops (a LIMIT)
/// reads at most this many records it did not need.
pub(super) const CHUNK: usize = 256;

/// The conjunct a hop's links are sifted by.
pub(super) struct LinkFilter<'q> {
    /// Its place among the matcher's conjuncts.
    pub conj: usize,
    key: u32,
    text: &'q str,
}

/// The conjunct to sift the links of `step` by, if sifting them first
/// changes no answer and no error. That holds when the conjunct reads the
/// hop's link only (it is ready the moment the link is bound); the link is
/// not bound already; the end node is matched by its labels only (a
/// property map or an actor name could fail with an error for a link the
/// conjunct rejects); and no conjunct listed before it could be checked in
/// this hop (it is checked first, and could fail with an error).
pub(super) fn find<'q>(m: &Matcher<'_, 'q>, step: &Step<'_>) -> Option<LinkFilter<'q>> {
    let rel = step.rel.variable.as_ref()?;
    if !m.early || step.rel.length.is_some() || step.node.properties.is_some() {
        return None;
    }
    if step.node.actor.is_some() || m.bound[m.slot(rel.sym)?] {
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
                return Some(LinkFilter {
                    conj: i,
                    key,
                    text: f.text,
                });
            }
        }
        if c.syms.iter().all(|&s| here(s)) {
            return None;
        }
    }
    None
}

impl LinkFilter<'_> {
    /// The links of `part` the conjunct does not reject, and whether it
    /// holds for every one of them (else some hold a value it cannot judge
    /// in the record's bytes, or are gone, and the matcher checks them).
    pub fn sift(
        &self,
        ctx: &Ctx<'_, '_>,
        m: &Matcher<'_, '_>,
        part: &[AdjEntry],
    ) -> Result<(Vec<AdjEntry>, bool), Error> {
        let ids: Vec<RelId> = part.iter().map(|e| e.rel).collect();
        let known = ctx
            .tx
            .with_rels(&ids, |b| codec::rel_prop_is_str(b, self.key, self.text))
            .map_err(|e| Error::from(e).with_span(m.conjuncts[self.conj].expr.span))?;
        let mut all = true;
        let kept = part
            .iter()
            .zip(known)
            .filter(|(_, k)| match k {
                Some(Some(pass)) => *pass,
                _ => {
                    all = false;
                    true
                }
            })
            .map(|(e, _)| *e)
            .collect();
        Ok((kept, all))
    }
}

#[cfg(test)]
mod tests {
    use crate::database::{Database, Params};
    use crate::query::exec::rules::{Rule, Rules};

    /// A hub with 700 links in (almost three batches): `c` is 'x' on every
    /// third, 'y' on the next, and on the rest by turns an integer, a list,
    /// nothing, or 'é'; `k` is a string on every link.
    fn hub() -> Database {
        let mut db = Database::open_memory().unwrap();
        db.execute(
            "CREATE (h:H {id: 'h'}) WITH h UNWIND range(0, 699) AS i
             CREATE (s:S {i: i})-[:L {i: i, k: 'k' + toString(i % 5), c: CASE i % 3 WHEN 0 THEN 'x' WHEN 1 THEN 'y'
                 ELSE [7, ['x'], null, 'é'][(i / 3) % 4] END}]->(h)",
            &Params::new(),
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
    /// and the errors that checking each bound link keeps: across batches,
    /// under a LIMIT, beside other conjuncts, inside a transaction.
    #[test]
    fn sifted_links_answer_as_links_checked_one_by_one() {
        let mut db = hub();
        let cases = [
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' RETURN s.i",
            "MATCH (h:H)<-[r:L]-(s:S) WHERE 'é' = r.c RETURN r.i",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' RETURN s.i LIMIT 3",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' AND s.i > 600 RETURN count(*)",
            "MATCH (h:H)<-[r:L]-(s) WHERE s.i > 600 AND r.c = 'y' RETURN s.i",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'nowhere' RETURN count(*)",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'k3' AND r.c = 'x' RETURN r.i",
            "MATCH (h:H)<-[r:L]-(s) WHERE r.c = 'x' AND r.i % 2 = 0 RETURN count(*)",
            // A conjunct listed first fails at once, whatever the link.
            "MATCH (h:H)<-[r:L]-(s) WHERE s.i / (s.i - s.i) = 1 AND r.k = 'nowhere' RETURN s.i",
            // Listed after, it is never reached.
            "MATCH (h:H)<-[r:L]-(s) WHERE r.k = 'nowhere' AND s.i / (s.i - s.i) = 1 RETURN s.i",
            // The end node's property map can fail for any link.
            "MATCH (h:H)<-[r:L]-(s {i: size(h.id) / (size(h.id) - 1)}) WHERE r.k = 'nowhere' RETURN s.i",
        ];
        let run = |db: &mut Database| -> Vec<_> { cases.iter().map(|q| answer(db, q)).collect() };
        let sifted = run(&mut db);
        db.rules = Rules::default().without(Rule::PredicatePushdown);
        let checked = run(&mut db);
        db.rules = Rules::default();
        for ((q, a), b) in cases.iter().zip(&sifted).zip(&checked) {
            assert_eq!(a, b, "{q}");
        }
        let xs = sifted[0].as_ref().unwrap();
        assert_eq!(xs.len(), 234);
        assert_eq!(sifted[1].as_ref().unwrap().len(), 58);
        assert_eq!(sifted[2].as_ref().unwrap().len(), 3);
        assert_eq!(sifted[6].as_ref().unwrap().len(), 47);
        assert!(sifted[8].is_err() && sifted[9].is_ok() && sifted[10].is_err());
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
}
