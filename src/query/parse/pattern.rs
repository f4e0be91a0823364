//! Graph patterns: `p = (a:L {k: v})-[r:T*1..3]->(b @actor)`.

use pest::iterators::Pair;

use super::literal;
use super::{internal, missing, span_of, syntax, Lower, Result, Rule};
use crate::query::ast::{
    ActorRef, Direction, Ident, LengthRange, NodePattern, PathKind, PatternElement, PatternPart,
    RelPattern,
};
use crate::store::catalog::NameKind;

impl Lower<'_> {
    /// `pattern`: comma-separated parts.
    pub(super) fn pattern(&self, pair: Pair<'_, Rule>) -> Result<Vec<PatternPart>> {
        pair.into_inner().map(|p| self.pattern_part(p)).collect()
    }

    pub(super) fn pattern_part(&self, pair: Pair<'_, Rule>) -> Result<PatternPart> {
        let span = span_of(&pair);
        let mut variable = None;
        let mut found = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.variable_ident(&p)),
                Rule::pattern_element => found = Some((PathKind::Normal, self.pattern_element(p)?)),
                Rule::shortest_path | Rule::all_shortest_paths | Rule::strongest_path => {
                    let kind = match p.as_rule() {
                        Rule::shortest_path => PathKind::Shortest,
                        Rule::all_shortest_paths => PathKind::AllShortest,
                        _ => PathKind::Strongest,
                    };
                    let element = self.only_child(p, Rule::pattern_element)?;
                    found = Some((kind, self.pattern_element(element)?));
                }
                _ => return Err(internal(&p)),
            }
        }
        let (kind, element) = found.ok_or_else(|| missing(span, "pattern"))?;
        Ok(PatternPart {
            variable,
            kind,
            element,
            span,
        })
    }

    /// `pattern_element` or `relationships_pattern`.
    pub(super) fn pattern_element(&self, pair: Pair<'_, Rule>) -> Result<PatternElement> {
        let span = span_of(&pair);
        let mut start = None;
        let mut chain = Vec::new();
        let mut rel = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                // `((a)-->(b))`: a parenthesised element.
                Rule::pattern_element => return self.pattern_element(p),
                Rule::node_pattern => {
                    let node = self.node_pattern(p)?;
                    match rel.take() {
                        Some(r) => chain.push((r, node)),
                        None => start = Some(node),
                    }
                }
                Rule::rel_pattern => rel = Some(self.rel_pattern(p)?),
                _ => return Err(internal(&p)),
            }
        }
        Ok(PatternElement {
            start: start.ok_or_else(|| missing(span, "node pattern"))?,
            chain,
            span,
        })
    }

    fn node_pattern(&self, pair: Pair<'_, Rule>) -> Result<NodePattern> {
        let span = span_of(&pair);
        let mut node = NodePattern {
            variable: None,
            labels: Vec::new(),
            properties: None,
            actor: None,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => node.variable = Some(self.variable_ident(&p)),
                Rule::node_labels => node.labels = self.labels(p)?,
                Rule::actor => {
                    let span = span_of(&p);
                    node.actor = Some(ActorRef {
                        name: literal::actor(p)?,
                        span,
                    });
                }
                Rule::properties => node.properties = Some(self.properties(p)?),
                _ => return Err(internal(&p)),
            }
        }
        Ok(node)
    }

    /// `node_labels` (or `label_check`, which wraps one).
    pub(super) fn labels(&self, pair: Pair<'_, Rule>) -> Result<Vec<Ident>> {
        let mut out = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::schema_name => out.push(self.stored_ident(&p, NameKind::Label)),
                Rule::node_labels => out.extend(self.labels(p)?),
                _ => return Err(internal(&p)),
            }
        }
        Ok(out)
    }

    /// `properties`: a map literal or a parameter.
    fn properties(&self, pair: Pair<'_, Rule>) -> Result<crate::query::ast::Expr> {
        let span = span_of(&pair);
        let inner = pair
            .into_inner()
            .next()
            .ok_or_else(|| missing(span, "properties"))?;
        let mut kind = match inner.as_rule() {
            Rule::map_literal => self.map_literal(inner)?,
            Rule::parameter => self.parameter(inner)?,
            _ => return Err(internal(&inner)),
        };
        // A pattern's keys are property keys the statement reads (or
        // writes): numbered with the others, for `notify`'s quick check and
        // so that a run finds their codes where `Ctx::bind` put them.
        if let crate::query::ast::ExprKind::Map(entries) = &mut kind {
            let mut symbols = self.symbols.borrow_mut();
            for (k, _) in entries {
                k.sym = symbols.intern_stored(&k.name, NameKind::Key as usize);
            }
        }
        Ok(crate::query::ast::Expr { kind, span })
    }

    fn rel_pattern(&self, pair: Pair<'_, Rule>) -> Result<RelPattern> {
        let span = span_of(&pair);
        let (mut left, mut right) = (false, false);
        let mut rel = RelPattern {
            variable: None,
            types: Vec::new(),
            direction: Direction::Both,
            length: None,
            properties: None,
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::left_arrow => left = true,
                Rule::right_arrow => right = true,
                Rule::rel_detail => self.rel_detail(p, &mut rel)?,
                _ => return Err(internal(&p)),
            }
        }
        rel.direction = match (left, right) {
            (true, false) => Direction::Incoming,
            (false, true) => Direction::Outgoing,
            _ => Direction::Both,
        };
        Ok(rel)
    }

    fn rel_detail(&self, pair: Pair<'_, Rule>, rel: &mut RelPattern) -> Result<()> {
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => rel.variable = Some(self.variable_ident(&p)),
                Rule::rel_types => {
                    rel.types = p
                        .into_inner()
                        .map(|t| self.stored_ident(&t, NameKind::Type))
                        .collect();
                }
                Rule::range => rel.length = Some(range(p)?),
                Rule::properties => rel.properties = Some(self.properties(p)?),
                Rule::bad_rel_detail => {
                    return Err(syntax(
                        format!(
                            "invalid relationship pattern '{}': a variable length is written \
                             *, *2, *1..3, *..3 or *2..",
                            p.as_str()
                        ),
                        "InvalidRelationshipPattern",
                        span_of(&p),
                    ))
                }
                _ => return Err(internal(&p)),
            }
        }
        Ok(())
    }
}

/// `range`: `*`, `*2`, `*1..3`, `*..5`, `*2..`.
fn range(pair: Pair<'_, Rule>) -> Result<LengthRange> {
    let (mut min, mut max, mut dots) = (None, None, false);
    for p in pair.into_inner() {
        let bound = |p: &Pair<'_, Rule>| -> Result<u64> {
            p.as_str().trim().parse::<u64>().map_err(|_| {
                syntax(
                    format!("invalid relationship length '{}'", p.as_str()),
                    "InvalidRelationshipPattern",
                    span_of(p),
                )
            })
        };
        match p.as_rule() {
            Rule::range_min => min = Some(bound(&p)?),
            Rule::range_max => max = Some(bound(&p)?),
            Rule::range_dots => dots = true,
            _ => return Err(internal(&p)),
        }
    }
    if !dots {
        max = min;
    }
    Ok(LengthRange { min, max })
}
