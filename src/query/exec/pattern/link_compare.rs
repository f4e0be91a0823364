//! A WHERE conjunct `r.key op value` (either way round), `op` a comparison
//! and `value` a number literal or a parameter holding a number, judged
//! for a link in its record's bytes (`codec::rel_prop_number`) when the
//! property is stored as a number or null: no value decoded from the
//! record or made to compare (`ops::compare_numbers`), no expression
//! walked. Checked the general way, `r.confidence > 0.9` over the 120,000
//! second links of a 2-hop pattern into the workload's hub at scale M
//! cost some 2,260 instructions a link. Any other stored kind (a string,
//! a date) goes the general way, which also notes what it compares; a
//! number with a number notes nothing.

use super::Conjunct;
use crate::error::Error;
use crate::query::ast::{BinaryOp, Expr, ExprKind, Ident};
use crate::query::bind::symbols::{Names, Sym};
use crate::query::exec::context::Ctx;
use crate::query::exec::ops::compare_numbers;
use crate::store::catalog::NameKind;
use crate::store::codec::Number;
use crate::value::{RelId, Value};

/// The parts of a `var.key op value` conjunct.
pub struct LinkCompare<'q> {
    var: Sym,
    key: &'q Ident,
    op: BinaryOp,
    value: &'q Expr,
    /// The property is the left operand.
    prop_left: bool,
}

impl<'q> LinkCompare<'q> {
    pub fn of(e: &'q Expr) -> Option<LinkCompare<'q>> {
        let c = LinkCompare::shape(e)?;
        matches!(
            c.value.kind,
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Parameter(..)
        )
        .then_some(c)
    }

    /// `e` as `var.key op value` either way round, `op` a comparison and
    /// `value` anything but a variable's property, shared with the walk's
    /// link test (`hop_prune`), which takes other values and binds them
    /// its own way.
    pub(super) fn shape(e: &'q Expr) -> Option<LinkCompare<'q>> {
        use BinaryOp::*;
        let ExprKind::Binary(op @ (Eq | Ne | Lt | Le | Gt | Ge), a, b) = &e.kind else {
            return None;
        };
        let prop = |p: &'q Expr| match &p.kind {
            ExprKind::Property(v, key) => match v.kind {
                ExprKind::Variable(_, var) => Some((var, key)),
                _ => None,
            },
            _ => None,
        };
        let ((var, key), value, prop_left) = match (prop(a), prop(b)) {
            (Some(p), None) => (p, &**b, true),
            (None, Some(p)) => (p, &**a, false),
            _ => return None,
        };
        Some(LinkCompare {
            var,
            key,
            op: *op,
            value,
            prop_left,
        })
    }

    pub(super) fn var(&self) -> Sym {
        self.var
    }

    pub(super) fn key(&self) -> &'q Ident {
        self.key
    }

    pub(super) fn op(&self) -> BinaryOp {
        self.op
    }

    /// The operand compared with the property.
    pub(super) fn value(&self) -> &'q Expr {
        self.value
    }

    pub(super) fn prop_left(&self) -> bool {
        self.prop_left
    }

    /// For one input row: the variable's slot, the key's code and the
    /// number; `None` (the general way) for a key the store lacks or a
    /// parameter that holds no number.
    pub(super) fn bind(&self, ctx: &Ctx<'_, '_>, names: &Names) -> Option<Bound> {
        let value = match &self.value.kind {
            ExprKind::Int(i) => Number::Int(*i),
            ExprKind::Float(f) => Number::Float(*f),
            ExprKind::Parameter(p, sym) => match ctx.param(*sym, p)? {
                Value::Int(i) => Number::Int(*i),
                Value::Float(f) => Number::Float(*f),
                _ => return None,
            },
            _ => return None,
        };
        Some(Bound {
            slot: names.slot(self.var)?,
            key: ctx.code(NameKind::Key, self.key.sym, &self.key.name)?,
            op: self.op,
            value,
            prop_left: self.prop_left,
        })
    }
}

/// A `LinkCompare` bound to a run.
pub(super) struct Bound {
    slot: usize,
    key: u32,
    op: BinaryOp,
    value: Number,
    prop_left: bool,
}

impl Bound {
    /// The row slot of the conjunct's variable.
    pub(super) fn slot(&self) -> usize {
        self.slot
    }

    /// Whether conjunct `c` holds for link `id`, read in place; `None`
    /// when the property is stored as something other than a number or
    /// null.
    pub(super) fn judge(
        &self,
        ctx: &Ctx<'_, '_>,
        id: RelId,
        c: &Conjunct<'_>,
    ) -> Result<Option<bool>, Error> {
        let Some(have) = ctx
            .rel_prop_number(id, self.key)
            .map_err(|e| e.with_span(c.expr.span))?
        else {
            return Ok(None);
        };
        let (x, y) = match self.prop_left {
            true => (have, self.value),
            false => (self.value, have),
        };
        Ok(Some(compare_numbers(self.op, x, y) == Some(true)))
    }
}

#[cfg(test)]
mod tests {
    use crate::database::{Database, Params};
    use crate::value::Value;

    /// The rows (or the error) of `q`, sorted.
    fn answer(db: &mut Database, q: &str, params: &Params) -> Result<Vec<String>, String> {
        db.execute(q, params)
            .map(|r| {
                let mut rows: Vec<String> = r.rows.iter().map(|row| format!("{row:?}")).collect();
                rows.sort();
                rows
            })
            .map_err(|e| e.to_string())
    }

    /// Judged in the record's bytes, a comparison keeps the links the
    /// expression keeps (`NOT NOT`, walked the general way), with its
    /// warnings: over integers, floats, NaN, null, an absent key, a
    /// string, a list, a date and a boolean stored in the property, each
    /// operator either way round, literals and parameters of either
    /// number kind, a parameter that is no number, a key no link has, and
    /// a link of the same statement's CREATE.
    #[test]
    fn a_comparison_read_in_the_record_keeps_what_the_expression_keeps() {
        let mut db = Database::open_memory().unwrap();
        db.execute(
            "CREATE (h:H {id: 'h'}) WITH h
             UNWIND [1, 2, 2.5, 0.0 / 0.0, null, 'a', [1], date('2020-01-02'), true, 3] AS c
             CREATE (:S {c: c})-[:L {c: c}]->(h)
             WITH h LIMIT 1 CREATE (:S)-[:L]->(h)",
            &Params::new(),
        )
        .unwrap();
        let mut params = Params::new();
        params.insert("two".into(), Value::Int(2));
        params.insert("half".into(), Value::Float(2.5));
        params.insert("text".into(), Value::String("a".into()));
        let mut checked = 0;
        for op in ["=", "<>", "<", "<=", ">", ">="] {
            for (a, b) in [
                ("r.c", "2"),
                ("r.c", "2.5"),
                ("2", "r.c"),
                ("r.c", "$two"),
                ("$half", "r.c"),
                ("r.c", "$text"),
                ("r.nothing", "1"),
            ] {
                let cmp = format!("{a} {op} {b}");
                let fast = format!("MATCH (s:S)-[r:L]->(h:H) WHERE {cmp} RETURN s.c");
                let slow = format!("MATCH (s:S)-[r:L]->(h:H) WHERE NOT NOT ({cmp}) RETURN s.c");
                let want = answer(&mut db, &slow, &params);
                assert_eq!(answer(&mut db, &fast, &params), want, "{cmp}");
                let warned = |db: &mut Database, q: &str| {
                    db.execute(q, &params)
                        .map(|r| r.warnings.len())
                        .unwrap_or(0)
                };
                assert_eq!(warned(&mut db, &fast), warned(&mut db, &slow), "{cmp}");
                checked += 1;
            }
        }
        assert_eq!(checked, 42);
        let by_hand = answer(
            &mut db,
            "MATCH (s:S)-[r:L]->(h:H) WHERE r.c >= 2 RETURN s.c",
            &params,
        );
        assert_eq!(by_hand.unwrap(), ["[Float(2.5)]", "[Int(2)]", "[Int(3)]"]);
        // Links the statement made itself, read from its own writes.
        let made = answer(
            &mut db,
            "MATCH (h:H) CREATE (:T)-[:M {c: 5}]->(h), (:T)-[:M {c: 1}]->(h)
             WITH h MATCH (t:T)-[r:M]->(h) WHERE r.c > 2 RETURN count(t)",
            &params,
        );
        assert_eq!(made.unwrap(), ["[Int(1)]"]);
    }
}
