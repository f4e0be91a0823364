//! Expressions: operator precedence (pest's Pratt parser) and atoms.

use std::sync::OnceLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::literal::{self, ident};
use super::{internal, missing, span_of, syntax, too_deep, Lower, Result, Rule};
use crate::query::ast::{BinaryOp, Expr, ExprKind, Quantifier, Span, UnaryOp};
use crate::query::bind::func::Func;
use crate::store::catalog::NameKind;

/// Lowest precedence first (openCypher 9).
fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        use Assoc::Left;
        PrattParser::new()
            .op(Op::infix(Rule::or_op, Left))
            .op(Op::infix(Rule::xor_op, Left))
            .op(Op::infix(Rule::and_op, Left))
            .op(Op::prefix(Rule::not_op))
            .op(Op::infix(Rule::eq, Left)
                | Op::infix(Rule::ne, Left)
                | Op::infix(Rule::lt, Left)
                | Op::infix(Rule::le, Left)
                | Op::infix(Rule::gt, Left)
                | Op::infix(Rule::ge, Left)
                | Op::infix(Rule::regex_match, Left))
            .op(Op::infix(Rule::in_op, Left)
                | Op::infix(Rule::starts_with, Left)
                | Op::infix(Rule::ends_with, Left)
                | Op::infix(Rule::contains, Left)
                | Op::postfix(Rule::is_null)
                | Op::postfix(Rule::is_not_null)
                | Op::postfix(Rule::label_check))
            .op(Op::infix(Rule::add, Left) | Op::infix(Rule::sub, Left))
            .op(Op::infix(Rule::mul, Left)
                | Op::infix(Rule::div, Left)
                | Op::infix(Rule::modulo, Left))
            .op(Op::infix(Rule::pow, Left))
            .op(Op::prefix(Rule::neg) | Op::prefix(Rule::pos))
            .op(Op::postfix(Rule::property_lookup)
                | Op::postfix(Rule::index)
                | Op::postfix(Rule::slice))
    })
}

fn join(a: Span, b: Span) -> Span {
    Span::new(a.start.min(b.start), a.end.max(b.end))
}

fn boxed(kind: ExprKind, span: Span) -> Box<Expr> {
    Box::new(Expr { kind, span })
}

fn comparison(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::eq => BinaryOp::Eq,
        Rule::ne => BinaryOp::Ne,
        Rule::lt => BinaryOp::Lt,
        Rule::le => BinaryOp::Le,
        Rule::gt => BinaryOp::Gt,
        Rule::ge => BinaryOp::Ge,
        _ => return None,
    })
}

/// A prefix, postfix or infix operator of `expr`: each may add a level.
fn is_operator(rule: Rule) -> bool {
    comparison(rule).is_some()
        || matches!(
            rule,
            Rule::not_op
                | Rule::neg
                | Rule::pos
                | Rule::property_lookup
                | Rule::slice
                | Rule::index
                | Rule::is_null
                | Rule::is_not_null
                | Rule::label_check
                | Rule::or_op
                | Rule::xor_op
                | Rule::and_op
                | Rule::regex_match
                | Rule::add
                | Rule::sub
                | Rule::mul
                | Rule::div
                | Rule::modulo
                | Rule::pow
                | Rule::in_op
                | Rule::starts_with
                | Rule::ends_with
                | Rule::contains
        )
}

impl Lower<'_> {
    /// Lowers an `expr` pair.
    pub(super) fn expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        if pair.as_rule() != Rule::expr {
            return Err(internal(&pair));
        }
        // Prefix chains recurse in the Pratt parser: bound them. Every
        // operator may add a level to the tree (`1+1+…`, `x.a.a…`), and the
        // checker and evaluator recurse over it: bound the whole depth too.
        let mut run = 0usize;
        let mut levels = self.tree_depth.get() + 1;
        for p in pair.clone().into_inner() {
            if matches!(p.as_rule(), Rule::not_op | Rule::neg | Rule::pos) {
                run += 1;
                if run > super::MAX_EXPR_DEPTH / 2 {
                    return Err(too_deep(span));
                }
            } else {
                run = 0;
            }
            if is_operator(p.as_rule()) {
                levels += 1;
                if levels > super::MAX_TREE_DEPTH {
                    return Err(too_deep(span_of(&p)));
                }
            }
        }
        let outer = self.tree_depth.replace(levels);
        self.deepest.set(self.deepest.get().max(levels));
        let lowered = self.nested(span, || {
            pratt()
                .map_primary(|p| self.atom(p))
                .map_prefix(|op, rhs| self.prefix(op, rhs?))
                .map_postfix(|lhs, op| self.postfix(lhs?, op))
                .map_infix(|lhs, op, rhs| self.infix(lhs?, op, rhs?))
                .parse(pair.into_inner())
        });
        self.tree_depth.set(outer);
        lowered
    }

    /// Lowers the first `expr` child of `pair`.
    pub(super) fn first_expr(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let e = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::expr)
            .ok_or_else(|| missing(span, "expression"))?;
        self.expr(e)
    }

    fn prefix(&self, op: Pair<'_, Rule>, rhs: Expr) -> Result<Expr> {
        let span = join(span_of(&op), rhs.span);
        let kind = match op.as_rule() {
            Rule::not_op => ExprKind::Unary(UnaryOp::Not, Box::new(rhs)),
            Rule::pos => ExprKind::Unary(UnaryOp::Pos, Box::new(rhs)),
            Rule::neg => match rhs.kind {
                ExprKind::Int(i64::MIN) if self.take_pending_min(rhs.span) => {
                    ExprKind::Int(i64::MIN)
                }
                ExprKind::Int(v) if v != i64::MIN => ExprKind::Int(-v),
                ExprKind::Float(v) => ExprKind::Float(-v),
                _ => ExprKind::Unary(UnaryOp::Neg, Box::new(rhs)),
            },
            _ => return Err(internal(&op)),
        };
        Ok(Expr { kind, span })
    }

    pub(super) fn postfix(&self, lhs: Expr, op: Pair<'_, Rule>) -> Result<Expr> {
        let span = join(lhs.span, span_of(&op));
        let kind = match op.as_rule() {
            Rule::property_lookup => {
                let key = op
                    .into_inner()
                    .next()
                    .ok_or_else(|| missing(span, "property key"))?;
                ExprKind::Property(Box::new(lhs), self.stored_ident(&key, NameKind::Key))
            }
            Rule::index => {
                let index = self.first_expr(op)?;
                ExprKind::Index(Box::new(lhs), Box::new(index))
            }
            Rule::slice => {
                let (mut from, mut to) = (None, None);
                for p in op.into_inner() {
                    match p.as_rule() {
                        Rule::slice_from => from = Some(Box::new(self.first_expr(p)?)),
                        Rule::slice_to => to = Some(Box::new(self.first_expr(p)?)),
                        _ => return Err(internal(&p)),
                    }
                }
                ExprKind::Slice(Box::new(lhs), from, to)
            }
            Rule::is_null | Rule::is_not_null => ExprKind::IsNull {
                negated: op.as_rule() == Rule::is_not_null,
                expr: Box::new(lhs),
            },
            Rule::label_check => {
                let labels = self.labels(op)?;
                ExprKind::HasLabels(Box::new(lhs), labels)
            }
            _ => return Err(internal(&op)),
        };
        Ok(Expr { kind, span })
    }

    fn infix(&self, lhs: Expr, op: Pair<'_, Rule>, rhs: Expr) -> Result<Expr> {
        let span = join(lhs.span, rhs.span);
        if let Some(cmp) = comparison(op.as_rule()) {
            return Ok(self.compare(cmp, lhs, rhs));
        }
        let op = match op.as_rule() {
            Rule::or_op => BinaryOp::Or,
            Rule::xor_op => BinaryOp::Xor,
            Rule::and_op => BinaryOp::And,
            Rule::regex_match => BinaryOp::Regex,
            Rule::add => BinaryOp::Add,
            Rule::sub => BinaryOp::Sub,
            Rule::mul => BinaryOp::Mul,
            Rule::div => BinaryOp::Div,
            Rule::modulo => BinaryOp::Mod,
            Rule::pow => BinaryOp::Pow,
            Rule::in_op => BinaryOp::In,
            Rule::starts_with => BinaryOp::StartsWith,
            Rule::ends_with => BinaryOp::EndsWith,
            Rule::contains => BinaryOp::Contains,
            _ => return Err(internal(&op)),
        };
        Ok(Expr {
            kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            span,
        })
    }

    /// A comparison; `a < b < c` becomes `a < b AND b < c`.
    fn compare(&self, op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
        let span = join(lhs.span, rhs.span);
        let chained = self
            .chainable
            .borrow()
            .contains(&(lhs.span.start, lhs.span.end));
        let middle = if chained {
            match &lhs.kind {
                ExprKind::Binary(BinaryOp::And, _, last) => match &last.kind {
                    ExprKind::Binary(_, _, r) => Some((**r).clone()),
                    _ => None,
                },
                ExprKind::Binary(_, _, r) => Some((**r).clone()),
                _ => None,
            }
        } else {
            None
        };
        let expr = match middle {
            Some(mid) => {
                let right_span = join(mid.span, rhs.span);
                let right = boxed(
                    ExprKind::Binary(op, Box::new(mid), Box::new(rhs)),
                    right_span,
                );
                Expr {
                    kind: ExprKind::Binary(BinaryOp::And, Box::new(lhs), right),
                    span,
                }
            }
            None => Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            },
        };
        self.chainable.borrow_mut().insert((span.start, span.end));
        expr
    }

    pub(super) fn atom(&self, pair: Pair<'_, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::integer | Rule::hex_integer | Rule::octal_integer => self.integer(&pair)?,
            Rule::float => literal::float(&pair)?,
            Rule::bad_number => return Err(literal::bad_number(&pair)),
            Rule::string_literal => ExprKind::String(literal::string(pair)?),
            Rule::null_lit => ExprKind::Null,
            Rule::true_lit => ExprKind::Bool(true),
            Rule::false_lit => ExprKind::Bool(false),
            Rule::parameter => self.parameter(pair)?,
            Rule::actor => ExprKind::Actor(literal::actor(pair)?),
            Rule::variable => {
                let id = self.variable_ident(&pair);
                ExprKind::Variable(id.name, id.sym)
            }
            Rule::count_star => ExprKind::CountStar,
            Rule::subquery_expr => self.subquery(pair)?,
            Rule::paren_expr => {
                let inner = self.first_expr(pair)?;
                return Ok(Expr {
                    kind: inner.kind,
                    span,
                });
            }
            Rule::list_literal => ExprKind::List(
                pair.into_inner()
                    .map(|p| self.expr(p))
                    .collect::<Result<_>>()?,
            ),
            Rule::map_literal => self.map_literal(pair)?,
            Rule::case_expr => self.case(pair)?,
            Rule::list_comprehension => self.list_comprehension(pair)?,
            Rule::pattern_comprehension => self.pattern_comprehension(pair)?,
            Rule::quantifier_expr => self.quantifier(pair)?,
            Rule::reduce_expr => self.reduce(pair)?,
            Rule::function_call => self.function_call(pair)?,
            Rule::shortest_path_expr => {
                let inner = pair
                    .into_inner()
                    .next()
                    .ok_or_else(|| missing(span, "path pattern"))?;
                let all = inner.as_rule() == Rule::all_shortest_paths;
                let element =
                    self.pattern_element(self.only_child(inner, Rule::pattern_element)?)?;
                ExprKind::ShortestPathExpr {
                    all,
                    element: Box::new(element),
                }
            }
            Rule::relationships_pattern => {
                if self.where_depth.get() == 0 {
                    return Err(syntax(
                        "a pattern can only be used as a predicate in WHERE; \
                         use a pattern comprehension such as [(a)-->(b) | b] elsewhere",
                        "UnexpectedSyntax",
                        span,
                    ));
                }
                ExprKind::PatternPredicate(Box::new(self.pattern_element(pair)?))
            }
            _ => return Err(internal(&pair)),
        };
        Ok(Expr { kind, span })
    }

    pub(super) fn map_literal(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let mut entries = Vec::new();
        for entry in pair.into_inner() {
            let span = span_of(&entry);
            let mut it = entry.into_inner();
            let key = it.next().ok_or_else(|| missing(span, "map key"))?;
            let value = it.next().ok_or_else(|| missing(span, "map value"))?;
            entries.push((ident(&key), self.expr(value)?));
        }
        Ok(ExprKind::Map(entries))
    }

    fn case(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let (mut operand, mut whens, mut else_) = (None, Vec::new(), None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::CASE | Rule::END => {}
                Rule::case_operand => operand = Some(Box::new(self.first_expr(p)?)),
                Rule::case_when => {
                    let span = span_of(&p);
                    let mut es = p.into_inner().filter(|e| e.as_rule() == Rule::expr);
                    let (Some(w), Some(t)) = (es.next(), es.next()) else {
                        return Err(missing(span, "WHEN/THEN expression"));
                    };
                    whens.push((self.expr(w)?, self.expr(t)?));
                }
                Rule::case_else => else_ = Some(Box::new(self.first_expr(p)?)),
                _ => return Err(internal(&p)),
            }
        }
        Ok(ExprKind::Case {
            operand,
            whens,
            else_,
        })
    }

    /// `comp_where` / `comp_map` helpers.
    fn comp_parts(
        &self,
        p: Pair<'_, Rule>,
        predicate: &mut Option<Box<Expr>>,
        map: &mut Option<Box<Expr>>,
    ) -> Result<bool> {
        match p.as_rule() {
            Rule::comp_where => {
                *predicate = Some(Box::new(self.in_where(|| self.first_expr(p))?));
            }
            Rule::comp_map => *map = Some(Box::new(self.first_expr(p)?)),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn list_comprehension(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = span_of(&pair);
        let (mut variable, mut list, mut predicate, mut map) = (None, None, None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.variable_ident(&p)),
                Rule::expr => list = Some(Box::new(self.expr(p)?)),
                Rule::IN => {}
                _ => {
                    if !self.comp_parts(p.clone(), &mut predicate, &mut map)? {
                        return Err(internal(&p));
                    }
                }
            }
        }
        Ok(ExprKind::ListComprehension {
            variable: variable.ok_or_else(|| missing(span, "variable"))?,
            list: list.ok_or_else(|| missing(span, "list"))?,
            predicate,
            map,
        })
    }

    fn pattern_comprehension(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = span_of(&pair);
        let (mut variable, mut pattern, mut predicate, mut map) = (None, None, None, None);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => variable = Some(self.variable_ident(&p)),
                Rule::relationships_pattern => pattern = Some(self.pattern_element(p)?),
                _ => {
                    if !self.comp_parts(p.clone(), &mut predicate, &mut map)? {
                        return Err(internal(&p));
                    }
                }
            }
        }
        Ok(ExprKind::PatternComprehension {
            variable,
            pattern: Box::new(pattern.ok_or_else(|| missing(span, "pattern"))?),
            predicate,
            map: map.ok_or_else(|| missing(span, "projection"))?,
        })
    }

    fn quantifier(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = span_of(&pair);
        let (mut kind, mut variable, mut list, mut predicate) = (None, None, None, None);
        let mut unused = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ALL => kind = Some(Quantifier::All),
                Rule::ANY_KW => kind = Some(Quantifier::Any),
                Rule::NONE => kind = Some(Quantifier::None),
                Rule::SINGLE => kind = Some(Quantifier::Single),
                Rule::IN => {}
                Rule::variable => variable = Some(self.variable_ident(&p)),
                Rule::expr => list = Some(Box::new(self.expr(p)?)),
                _ => {
                    if !self.comp_parts(p.clone(), &mut predicate, &mut unused)? {
                        return Err(internal(&p));
                    }
                }
            }
        }
        Ok(ExprKind::Quantifier {
            kind: kind.ok_or_else(|| missing(span, "quantifier"))?,
            variable: variable.ok_or_else(|| missing(span, "variable"))?,
            list: list.ok_or_else(|| missing(span, "list"))?,
            predicate,
        })
    }

    fn reduce(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let span = span_of(&pair);
        let mut vars = Vec::new();
        let mut exprs = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => vars.push(self.variable_ident(&p)),
                Rule::expr => exprs.push(self.expr(p)?),
                Rule::REDUCE | Rule::IN => {}
                _ => return Err(internal(&p)),
            }
        }
        let mut vars = vars.into_iter();
        let mut exprs = exprs.into_iter();
        match (
            vars.next(),
            vars.next(),
            exprs.next(),
            exprs.next(),
            exprs.next(),
        ) {
            (Some(accumulator), Some(variable), Some(init), Some(list), Some(expr)) => {
                Ok(ExprKind::Reduce {
                    accumulator,
                    init: Box::new(init),
                    variable,
                    list: Box::new(list),
                    expr: Box::new(expr),
                })
            }
            _ => Err(missing(span, "reduce part")),
        }
    }

    fn function_call(&self, pair: Pair<'_, Rule>) -> Result<ExprKind> {
        let (mut name, mut distinct, mut args) = (String::new(), false, Vec::new());
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::function_name => {
                    let parts: Vec<String> = p
                        .into_inner()
                        .map(|n| literal::unquote_name(n.as_str()))
                        .collect();
                    name = parts.join(".");
                }
                Rule::DISTINCT => distinct = true,
                Rule::expr => args.push(self.expr(p)?),
                _ => return Err(internal(&p)),
            }
        }
        Ok(ExprKind::Function {
            func: Func::resolve(&name),
            name,
            distinct,
            args,
        })
    }

    /// The single child of `pair` with rule `rule`.
    pub(super) fn only_child<'i>(
        &self,
        pair: Pair<'i, Rule>,
        rule: Rule,
    ) -> Result<Pair<'i, Rule>> {
        let span = span_of(&pair);
        pair.into_inner()
            .find(|p| p.as_rule() == rule)
            .ok_or_else(|| missing(span, "pattern"))
    }
}
