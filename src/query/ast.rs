//! The typed syntax tree of one statement. Every node keeps the byte span of
//! its source text (relative to the statement's text) so later layers can
//! point at it in errors.

pub use crate::query::bind::symbols::{Sym, Symbols};
/// Byte offsets `[start, end)` into the statement's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

impl Expr {
    /// Structural equality that ignores where the expressions were written
    /// (`ORDER BY a.name` names the projected `a.name`).
    pub fn same_as(&self, other: &Expr) -> bool {
        fn shape(e: &Expr) -> String {
            let text = format!("{e:?}");
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(i) = rest.find("Span {") {
                out.push_str(&rest[..i]);
                rest = rest[i..]
                    .find('}')
                    .map(|j| &rest[i + j + 1..])
                    .unwrap_or("");
            }
            out.push_str(rest);
            out
        }
        shape(self) == shape(other)
    }
}

/// One statement as typed by the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub mode: Mode,
    pub body: Body,
    pub span: Span,
    /// Levels of the deepest expression tree in it (`parse::MAX_TREE_DEPTH`).
    pub depth: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// `EXPLAIN <query>`: print the plan, run nothing.
    Explain,
    /// `PROFILE <query>`: run and report rows per operator.
    Profile,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Query(Query),
    Begin,
    Commit,
    Rollback,
}

/// `single (UNION [ALL] single)*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub first: SingleQuery,
    pub unions: Vec<UnionPart>,
    /// The statement's variables (`bind::symbols`), on the statement's own
    /// query; a subquery's is the shared empty table (`Symbols::none`):
    /// its names are numbered in its statement's.
    pub symbols: std::sync::Arc<Symbols>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionPart {
    pub all: bool,
    pub query: SingleQuery,
    /// The `UNION` keyword(s).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SingleQuery {
    pub clauses: Vec<Clause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    Match(Match),
    Unwind(Unwind),
    With(With),
    Return(Return),
    Create(Create),
    Merge(Merge),
    Set(SetClause),
    Remove(Remove),
    Delete(Delete),
    Call(Call),
    /// `CALL { … }`
    CallSubquery(CallSubquery),
}

/// `CALL { query }`: the query runs once per incoming row. It sees only
/// the variables its first clause imports (`WITH a, b`, or `WITH *`); the
/// columns its RETURN yields join the row (none: a unit subquery, the
/// row passes on once).
#[derive(Debug, Clone, PartialEq)]
pub struct CallSubquery {
    pub query: Query,
    /// `IN TRANSACTIONS [OF n ROWS]`: commit after every `n` input rows.
    pub in_transactions: Option<InTransactions>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InTransactions {
    /// `OF n ROWS`; without it, 1000 rows a batch (as Neo4j).
    pub rows: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub optional: bool,
    pub pattern: Vec<PatternPart>,
    /// `AS OF <expr>` after the pattern (domain extension).
    pub as_of: Option<Expr>,
    pub where_: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unwind {
    pub expr: Expr,
    pub variable: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct With {
    pub projection: Projection,
    pub where_: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Return {
    pub projection: Projection,
    pub span: Span,
}

/// The shared body of `WITH` and `RETURN`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub distinct: bool,
    /// `*` was written (items may follow: `RETURN *, a.x AS y`).
    pub star: bool,
    pub items: Vec<ProjectionItem>,
    pub order_by: Vec<SortItem>,
    pub skip: Option<Expr>,
    pub limit: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionItem {
    pub expr: Expr,
    pub alias: Option<Ident>,
    /// The item's source text exactly as typed (without the alias); it names
    /// the column when there is no alias (`RETURN a.name` -> `a.name`).
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortItem {
    pub expr: Expr,
    pub descending: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    pub pattern: Vec<PatternPart>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    pub part: PatternPart,
    pub on_create: Vec<SetItem>,
    pub on_match: Vec<SetItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetClause {
    pub items: Vec<SetItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetItem {
    /// `n.prop = expr` (the target is any property expression, e.g. `(n).a`).
    Property {
        target: Expr,
        key: Ident,
        value: Expr,
        span: Span,
    },
    /// `n = {map}`: replace all properties.
    Replace {
        variable: Ident,
        value: Expr,
        span: Span,
    },
    /// `n += {map}`: merge properties.
    Append {
        variable: Ident,
        value: Expr,
        span: Span,
    },
    /// `n:A:B`.
    Labels {
        variable: Ident,
        labels: Vec<Ident>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Remove {
    pub items: Vec<RemoveItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RemoveItem {
    Property {
        target: Expr,
        key: Ident,
        span: Span,
    },
    Labels {
        variable: Ident,
        labels: Vec<Ident>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub detach: bool,
    pub exprs: Vec<Expr>,
    pub span: Span,
}

/// `CALL ns.name(args) YIELD a, b AS c WHERE …`
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Dotted name parts: `algo.chokepoints` -> `["algo", "chokepoints"]`.
    pub procedure: Vec<String>,
    /// `None` when written without parentheses (implicit arguments).
    pub args: Option<Vec<Expr>>,
    /// `None` without `YIELD`; `Some(vec![])` never happens (`YIELD *` is `star`).
    pub yields: Option<Vec<YieldItem>>,
    pub yield_star: bool,
    pub where_: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YieldItem {
    pub field: Ident,
    pub alias: Option<Ident>,
}

/// A name as written, with backticks removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
    /// Its number in the statement (`bind::symbols`): as a variable's
    /// symbol, or for a label or property key its number among the names
    /// of the store the statement reads; `Sym::NONE` for other names.
    pub sym: Sym,
}

// ---------------------------------------------------------------- patterns

/// `[p =] element`, or `[p =] shortestPath(element)` etc.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternPart {
    pub variable: Option<Ident>,
    pub kind: PathKind,
    pub element: PatternElement,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Normal,
    Shortest,
    AllShortest,
    /// `strongestPath(...)`: maximises the product of link confidences.
    Strongest,
}

/// `(a)-[r]->(b)<-[s]-(c)…`
#[derive(Debug, Clone, PartialEq)]
pub struct PatternElement {
    pub start: NodePattern,
    pub chain: Vec<(RelPattern, NodePattern)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodePattern {
    pub variable: Option<Ident>,
    /// Conjunction: `(n:A:B)` has both labels.
    pub labels: Vec<Ident>,
    /// `{k: v}` (an `ExprKind::Map`) or a parameter `$props`.
    pub properties: Option<Expr>,
    /// `(@belarus)` or `(b @belarus)`: the actor literal this node must be.
    pub actor: Option<ActorRef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorRef {
    /// The name without `@` and without quotes.
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `-[]->`
    Outgoing,
    /// `<-[]-`
    Incoming,
    /// `-[]-` (also `<-[]->`)
    Both,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelPattern {
    pub variable: Option<Ident>,
    /// Alternatives: `[:A|B]` (also accepts `[:A|:B]`).
    pub types: Vec<Ident>,
    pub direction: Direction,
    /// `None` for a single hop; `Some` for `*`, `*2`, `*1..3`, `*..5`, `*2..`.
    pub length: Option<LengthRange>,
    pub properties: Option<Expr>,
    pub span: Span,
}

/// Bounds of a variable-length relationship; `*` alone is `{None, None}`,
/// `*2` is `{Some(2), Some(2)}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthRange {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

// ------------------------------------------------------------- expressions

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    /// `$name` or `$0`, and its number among the statement's parameters.
    Parameter(String, Sym),
    /// A variable, and its number in the statement.
    Variable(String, Sym),
    /// `@belarus` / `@"Republic of Belarus"` in an expression.
    Actor(String),
    List(Vec<Expr>),
    /// Keys in source order; duplicates kept (the planner reports them).
    Map(Vec<(Ident, Expr)>),
    /// `expr.key`
    Property(Box<Expr>, Ident),
    /// `expr[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `expr[from..to]`, either bound optional.
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `expr IS NULL` (`negated`: `IS NOT NULL`).
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    /// `n:A:B` used as a predicate.
    HasLabels(Box<Expr>, Vec<Ident>),
    /// `name(args)` / `ns.name(DISTINCT args)`. `name` keeps its dots and
    /// its case as typed (`toUpper`, `algo.degree`); `func` is what it
    /// names, resolved in any case when the statement is parsed.
    Function {
        name: String,
        distinct: bool,
        args: Vec<Expr>,
        func: crate::query::bind::func::Func,
    },
    /// `count(*)`
    CountStar,
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        else_: Option<Box<Expr>>,
    },
    /// `[x IN list WHERE pred | map]`
    ListComprehension {
        variable: Ident,
        list: Box<Expr>,
        predicate: Option<Box<Expr>>,
        map: Option<Box<Expr>>,
    },
    /// `[p = (a)-->(b) WHERE pred | map]`
    PatternComprehension {
        variable: Option<Ident>,
        pattern: Box<PatternElement>,
        predicate: Option<Box<Expr>>,
        map: Box<Expr>,
    },
    /// `all|any|none|single(x IN list WHERE pred)`
    Quantifier {
        kind: Quantifier,
        variable: Ident,
        list: Box<Expr>,
        predicate: Option<Box<Expr>>,
    },
    /// `reduce(acc = init, x IN list | expr)`
    Reduce {
        accumulator: Ident,
        init: Box<Expr>,
        variable: Ident,
        list: Box<Expr>,
        expr: Box<Expr>,
    },
    /// A relationship pattern used as a predicate: `WHERE (a)-[:T]->()`.
    PatternPredicate(Box<PatternElement>),
    /// `EXISTS { … }`, `COUNT { … }`, `COLLECT { … }` (`exists(n.prop)` is
    /// a Function).
    Subquery(Box<Subquery>),
    /// `shortestPath((a)-[*]-(b))` used as an expression.
    ShortestPathExpr {
        all: bool,
        element: Box<PatternElement>,
    },
}

/// A subquery used as an expression. It sees every variable of the
/// enclosing scope; what it binds stays inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Subquery {
    pub kind: SubqueryKind,
    pub query: Query,
    /// Written as a pattern (`EXISTS { (a)-->(b) WHERE … }`): `query` is
    /// that MATCH alone.
    pub short: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubqueryKind {
    /// Whether the query yields a row (it stops at the first).
    Exists,
    /// How many rows it yields.
    Count,
    /// The list of its one returned column.
    Collect,
}

impl SubqueryKind {
    pub fn keyword(self) -> &'static str {
        match self {
            SubqueryKind::Exists => "EXISTS",
            SubqueryKind::Count => "COUNT",
            SubqueryKind::Collect => "COLLECT",
        }
    }
}

/// What an expression holds directly: a subexpression, the pattern of a
/// pattern predicate, pattern comprehension or shortestPath expression, or
/// the query of a subquery.
pub enum Child<'e> {
    Expr(&'e Expr),
    Pattern(&'e PatternElement),
    Query(&'e Query),
}

impl Expr {
    /// Calls `f` on each child of `self`, in source order, until one
    /// fails: the one walk over an expression's children that the passes
    /// over expressions (free variables, aggregates, the checker, name
    /// notifications) share, each handling only the kinds it cares about.
    pub fn try_for_each_child<'e, E>(
        &'e self,
        mut f: impl FnMut(Child<'e>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut all = |xs: &mut dyn Iterator<Item = &'e Expr>| -> Result<(), E> {
            for x in xs {
                f(Child::Expr(x))?;
            }
            Ok(())
        };
        match &self.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::String(_)
            | ExprKind::Parameter(..)
            | ExprKind::Variable(..)
            | ExprKind::Actor(_)
            | ExprKind::CountStar => Ok(()),
            ExprKind::List(items) => all(&mut items.iter()),
            ExprKind::Map(entries) => all(&mut entries.iter().map(|(_, v)| v)),
            ExprKind::Property(t, _)
            | ExprKind::HasLabels(t, _)
            | ExprKind::Unary(_, t)
            | ExprKind::IsNull { expr: t, .. } => all(&mut std::iter::once(&**t)),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => all(&mut [&**a, &**b].into_iter()),
            ExprKind::Slice(a, from, to) => all(&mut std::iter::once(&**a)
                .chain(from.as_deref())
                .chain(to.as_deref())),
            ExprKind::Function { args, .. } => all(&mut args.iter()),
            ExprKind::Case {
                operand,
                whens,
                else_,
            } => all(&mut operand
                .as_deref()
                .into_iter()
                .chain(whens.iter().flat_map(|(w, t)| [w, t]))
                .chain(else_.as_deref())),
            ExprKind::ListComprehension {
                list,
                predicate,
                map,
                ..
            } => all(&mut std::iter::once(&**list)
                .chain(predicate.as_deref())
                .chain(map.as_deref())),
            ExprKind::Quantifier {
                list, predicate, ..
            } => all(&mut std::iter::once(&**list).chain(predicate.as_deref())),
            ExprKind::Reduce {
                init, list, expr, ..
            } => all(&mut [&**init, &**list, &**expr].into_iter()),
            ExprKind::PatternPredicate(p) | ExprKind::ShortestPathExpr { element: p, .. } => {
                f(Child::Pattern(p))
            }
            ExprKind::Subquery(s) => f(Child::Query(&s.query)),
            ExprKind::PatternComprehension {
                pattern,
                predicate,
                map,
                ..
            } => {
                f(Child::Pattern(pattern))?;
                predicate
                    .as_deref()
                    .into_iter()
                    .chain(std::iter::once(&**map))
                    .try_for_each(|x| f(Child::Expr(x)))
            }
        }
    }

    /// `try_for_each_child` for walks that cannot fail.
    pub fn for_each_child<'e>(&'e self, mut f: impl FnMut(Child<'e>)) {
        let _ = self.try_for_each_child(|c| {
            f(c);
            Ok::<(), std::convert::Infallible>(())
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
    Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    Xor,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    In,
    StartsWith,
    EndsWith,
    Contains,
    /// `=~`
    Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    All,
    Any,
    None,
    Single,
}
