//! What every operator needs: the transaction, parameters, counters and the
//! cancellation flag.

use crate::error::{Error, ErrorKind, Phase};
use crate::query::ast::{BinaryOp, Span};
use crate::result::{Stats, Warning};
use crate::store::catalog::NameKind;
use crate::store::codec::Number;
use crate::store::graph::{NodeRecord, RelRecord, Tx};
use crate::value::{NodeId, RelId, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Stops a running statement: Ctrl-C sets the flag, `--timeout` the deadline.
#[derive(Clone, Default)]
pub struct Cancel {
    pub flag: Arc<AtomicBool>,
    pub deadline: Option<Instant>,
}

impl Cancel {
    pub fn check(&self) -> Result<(), Error> {
        if self.flag.load(Ordering::Relaxed) {
            return Err(Error::new(
                ErrorKind::Cancelled,
                "",
                Phase::Runtime,
                "query cancelled",
            ));
        }
        if let Some(d) = self.deadline {
            if Instant::now() >= d {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "",
                    Phase::Runtime,
                    "query stopped: it ran longer than the timeout",
                ));
            }
        }
        Ok(())
    }
}

/// A node or a relationship, for the property counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Node(NodeId),
    Rel(RelId),
}

/// What variable-length hops cut short (`pattern::hop_prune`) or searched
/// breadth-first (`pattern::ends_once`).
#[derive(Debug, Default, Clone, Copy)]
pub struct HopsCut {
    /// Links that failed the path's test, not walked on from.
    pub links: u64,
    /// Nodes reached that are not among the end's ids.
    pub nodes: u64,
    /// Searches that sent each end of a hop once, found breadth-first
    /// (one per row the hop starts from).
    pub searches: u64,
    /// Links whose test was had ahead of the walk (`LinkTest::ahead`).
    pub ahead: u64,
    /// Nodes one hop before a walk's last depth whose links were not
    /// listed, as none leads to an end (`pattern::before_end`): each time
    /// a trail reaches one, nodes without links included.
    pub unlisted: u64,
}

pub struct Ctx<'a, 'g> {
    pub tx: Tx<'g>,
    /// The running statement's variables: operators map them to their
    /// rows' columns when built (`Names`).
    pub symbols: std::sync::Arc<crate::query::ast::Symbols>,
    /// The store's label, type and key codes of `symbols.stored()`, as the
    /// statement began (`bind`).
    codes: Vec<[Option<u32>; 3]>,
    /// The values given for `symbols.params()` (`bind`).
    param_values: Vec<Option<&'a Value>>,
    /// `=~` patterns compiled so far: a pattern is compiled once per
    /// statement, not once per row (`regex_match`).
    regexes: std::cell::RefCell<fxhash::FxHashMap<String, regex::Regex>>,
    pub params: &'a BTreeMap<String, Value>,
    pub procedures: &'a super::procedures::Procedures,
    pub stats: Stats,
    pub cancel: &'a Cancel,
    /// Entities deleted by this statement: reading them is an error.
    pub deleted_nodes: HashSet<NodeId>,
    pub deleted_rels: HashSet<RelId>,
    /// The type of each link this statement deleted: `type(r)` still
    /// answers it, as openCypher has it (its properties are gone).
    pub deleted_rel_types: HashMap<RelId, u32>,
    /// Entities this statement created (a create then delete nets to zero).
    pub created_nodes: HashSet<NodeId>,
    pub created_rels: HashSet<RelId>,
    /// Labels this statement added to or removed from some node, with
    /// whether any node carried them before (for the `+labels`/`-labels`
    /// counters, which count label names appearing or vanishing).
    labels_touched: HashMap<u32, bool>,
    /// Each property this statement changed, with its value before the
    /// statement: the `+properties`/`-properties` counters are the
    /// difference between before and after, as the TCK counts them.
    props_touched: HashMap<(Entity, u32), Option<Value>>,
    ticks: u32,
    /// Rows seen by `check_batch`, for when it looks at the process's size.
    batch_rows: u64,
    /// What the statement's pipeline breakers hold, against its limit.
    pub mem: super::memory::MemoryBudget,
    /// PROFILE: operators time themselves.
    pub profiling: bool,
    /// The planner's rewrites that may fire (all, but in tests).
    pub rules: super::rules::Rules,
    /// Notifications found while running (each once per place).
    pub warnings: std::cell::RefCell<Vec<Warning>>,
    /// The statement's clock (nanoseconds since the epoch): `date()`,
    /// `datetime.statement()` and the like all read this one instant, taken
    /// when the first of them asks (`Ctx::now`): a statement that reads no
    /// clock does not pay for one.
    now: std::cell::Cell<Option<i128>>,
    /// Where the result's rows go as they are produced (`exec::stream_query`);
    /// `None`: the result operator keeps them.
    pub sink: Option<Box<dyn super::sink::ResultSink + 'a>>,
    /// A streamed UNION (not ALL): the keys of the rows sent so far, so
    /// that a row any part made before is not sent again (charged to `mem`).
    pub union_seen: Option<fxhash::FxHashSet<String>>,
    /// Links sifted before binding (`pattern::link_filter`), and how many
    /// of them went on to the matcher: PROFILE reports both.
    pub sifted: [u64; 2],
    /// Node records a projection asked for rows ahead (`read_ahead`):
    /// PROFILE reports it.
    pub read_ahead: u64,
    /// What variable-length hops cut (`pattern::hop_prune`): PROFILE
    /// reports it.
    pub hops_cut: HopsCut,
}

impl<'a, 'g> Ctx<'a, 'g> {
    pub fn new(
        tx: Tx<'g>,
        params: &'a BTreeMap<String, Value>,
        procedures: &'a super::procedures::Procedures,
        cancel: &'a Cancel,
    ) -> Self {
        Ctx {
            tx,
            symbols: crate::query::bind::symbols::Symbols::none(),
            codes: Vec::new(),
            param_values: Vec::new(),
            regexes: Default::default(),
            params,
            procedures,
            stats: Stats::default(),
            cancel,
            deleted_nodes: HashSet::new(),
            deleted_rels: HashSet::new(),
            deleted_rel_types: HashMap::new(),
            created_nodes: HashSet::new(),
            created_rels: HashSet::new(),
            labels_touched: HashMap::new(),
            props_touched: HashMap::new(),
            ticks: 0,
            batch_rows: 0,
            mem: Default::default(),
            profiling: false,
            rules: Default::default(),
            warnings: Default::default(),
            now: Default::default(),
            sink: None,
            union_seen: None,
            sifted: [0, 0],
            read_ahead: 0,
            hops_cut: HopsCut::default(),
        }
    }

    /// The statement's clock: the same instant for every read.
    pub fn now(&self) -> i128 {
        match self.now.get() {
            Some(t) => t,
            None => {
                let t = super::temporal_fns::now_nanos();
                self.now.set(Some(t));
                t
            }
        }
    }

    /// Call before a node gains or loses `label`.
    pub fn touch_label(&mut self, label: u32) -> Result<(), Error> {
        if !self.labels_touched.contains_key(&label) {
            let before = self.tx.label_in_use(label)?;
            self.labels_touched.insert(label, before);
        }
        Ok(())
    }

    /// Call before property `key` of `who` changes; `before` is its value now.
    pub fn note_prop(&mut self, who: Entity, key: u32, before: Option<Value>) {
        self.props_touched.entry((who, key)).or_insert(before);
    }

    /// Settles the label and property counters once the statement's writes are done.
    pub fn finish_counts(&mut self) -> Result<(), Error> {
        for ((who, key), before) in std::mem::take(&mut self.props_touched) {
            let after = match who {
                Entity::Node(id) => self.tx.node_prop(id, key)?.flatten(),
                Entity::Rel(id) => self.tx.rel_prop(id, key)?.flatten(),
            };
            match (before, after) {
                (None, Some(_)) => self.stats.properties_set += 1,
                (Some(_), None) => self.stats.properties_removed += 1,
                (Some(b), Some(a)) if b != a => {
                    self.stats.properties_set += 1;
                    self.stats.properties_removed += 1;
                }
                _ => {}
            }
        }
        for (label, before) in std::mem::take(&mut self.labels_touched) {
            match (before, self.tx.label_in_use(label)?) {
                (false, true) => self.stats.labels_added += 1,
                (true, false) => self.stats.labels_removed += 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Warns, once per place in the statement, when `x op y` compares a
    /// date with a number or a string: that is never true (null, or false
    /// for `=`), while `r.since >= 2022` or `>= '2022'` was surely meant as
    /// `>= date('2022')`.
    pub fn note_comparison(&self, op: BinaryOp, x: &Value, y: &Value, span: Option<Span>) {
        use BinaryOp::*;
        if !matches!(op, Lt | Le | Gt | Ge | Eq) {
            return;
        }
        let other = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_) | Value::String(_));
        let (date, n) = match (x, y) {
            (Value::Date(d), n) if other(n) => (d, n),
            (n, Value::Date(d)) if other(n) => (d, n),
            _ => return,
        };
        let mut warnings = self.warnings.borrow_mut();
        if warnings
            .iter()
            .any(|w| w.span == span && (w.code == DATE_NUMBER || w.code == DATE_STRING))
        {
            return;
        }
        let (code, what, shown) = match n {
            Value::String(s) => {
                let cut: String = s.chars().take(40).collect();
                let more = if cut.len() < s.len() { "…" } else { "" };
                (DATE_STRING, "a string", format!("'{cut}{more}'"))
            }
            Value::Float(f) => (DATE_NUMBER, "a number", crate::value::format_float(*f)),
            Value::Int(i) => (DATE_NUMBER, "a number", i.to_string()),
            _ => return,
        };
        let year = match n {
            Value::Int(i) => format!("date('{i}')"),
            Value::String(s) if crate::value::Date::parse(s).is_some() => format!("date('{s}')"),
            _ => "a date".to_string(),
        };
        warnings.push(Warning {
            code,
            message: format!(
                "a date ({date}) compared with {what} ({shown}) is never true; write {year}"
            ),
            span,
        });
    }

    /// Once per batch in every operator (`operator.rs`): cancellation and
    /// the timeout are looked at on each batch, the process's size every
    /// 8,192 rows (the first time after 1,024).
    pub fn check_batch(&mut self, rows: usize) -> Result<(), Error> {
        self.cancel.check()?;
        let before = self.batch_rows;
        self.batch_rows = before.wrapping_add(rows as u64);
        let every = if self.mem.watching() {
            1 << 13
        } else {
            1 << 10
        };
        if before / every != self.batch_rows / every {
            self.mem.check_process()?;
        }
        Ok(())
    }

    /// Cheap enough for inner loops: looks at the clock every 1024 calls.
    /// Inlined, its checks apart: left to itself the compiler called it
    /// out of line from a walk's loop in one build and not the next.
    #[inline]
    pub fn tick(&mut self) -> Result<(), Error> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(1024) {
            return self.tick_checks();
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn tick_checks(&mut self) -> Result<(), Error> {
        self.cancel.check()?;
        if self.ticks.is_multiple_of(1 << 13) || !self.mem.watching() {
            self.mem.check_process()?;
        }
        Ok(())
    }

    pub fn node(&self, id: NodeId) -> Result<NodeRecord, Error> {
        self.tx.node(id)?.ok_or_else(|| deleted("node", id))
    }

    pub fn rel(&self, id: RelId) -> Result<RelRecord, Error> {
        self.tx.rel(id)?.ok_or_else(|| deleted("relationship", id))
    }

    /// Property `key` of node `id`, reading only that property.
    pub fn node_prop(&self, id: NodeId, key: u32) -> Result<Option<Value>, Error> {
        self.tx
            .node_prop(id, key)?
            .ok_or_else(|| deleted("node", id))
    }

    /// Property `key` of link `id`, reading only that property.
    pub fn rel_prop(&self, id: RelId, key: u32) -> Result<Option<Value>, Error> {
        self.tx
            .rel_prop(id, key)?
            .ok_or_else(|| deleted("relationship", id))
    }

    /// Property `key` of link `id` when it is absent, null or a number
    /// (`codec::rel_prop_number`); `None` for another kind, undecoded.
    pub fn rel_prop_number(&self, id: RelId, key: u32) -> Result<Option<Number>, Error> {
        self.tx
            .rel_prop_number(id, key)?
            .ok_or_else(|| deleted("relationship", id))
    }

    /// Whether property `key` of link `id` is the string `want`, without
    /// decoding it; `None` when it holds another kind of value.
    pub fn rel_prop_is_str(&self, id: RelId, key: u32, want: &str) -> Result<Option<bool>, Error> {
        self.tx
            .rel_prop_is_str(id, key, want)?
            .ok_or_else(|| deleted("relationship", id))
    }

    /// Binds the statement `symbols` to this run: its label and key names
    /// to the store's codes and its parameters to their values, looked up
    /// once here, not per row.
    pub fn bind(&mut self, symbols: &std::sync::Arc<crate::query::ast::Symbols>) {
        let cat = self.tx.catalog();
        let codes = symbols
            .stored()
            .iter()
            .map(|n| crate::store::catalog::KINDS.map(|k| cat.id(k, n)))
            .collect();
        self.bind_with(symbols, codes);
    }

    /// `bind` with the codes an earlier run of the statement found
    /// (`take_codes`), for a catalog that has not changed since: a kept
    /// plan runs again only then (`plan_cache`). Three name lookups per
    /// name cost a point query 50-70 ns.
    pub fn bind_with(
        &mut self,
        symbols: &std::sync::Arc<crate::query::ast::Symbols>,
        codes: Vec<[Option<u32>; 3]>,
    ) {
        let given = self.params;
        self.param_values = symbols.params().iter().map(|p| given.get(p)).collect();
        self.codes = codes;
        self.symbols = std::sync::Arc::clone(symbols);
    }

    /// The codes `bind` found, for `bind_with` at the statement's next run.
    pub fn take_codes(&mut self) -> Vec<[Option<u32>; 3]> {
        std::mem::take(&mut self.codes)
    }

    /// The code of label, type or key `name` (numbered `sym` among the
    /// statement's store names). A name the store lacked when the statement
    /// began is looked up again: the statement may have made it since.
    #[inline]
    pub fn code(&self, kind: NameKind, sym: crate::query::ast::Sym, name: &str) -> Option<u32> {
        match self.codes.get(sym.0 as usize) {
            Some(c) if c[kind as usize].is_some() => c[kind as usize],
            _ => self.tx.catalog().id(kind, name),
        }
    }

    /// The value given for parameter `name`, numbered `sym`.
    #[inline]
    pub fn param(&self, sym: crate::query::ast::Sym, name: &str) -> Option<&'a Value> {
        match self.param_values.get(sym.0 as usize) {
            Some(v) => *v,
            None => self.params.get(name),
        }
    }

    /// Whether `s` matches the whole of `pattern`, compiled at its first use
    /// in the statement. A statement whose patterns change per row keeps at
    /// most `KEPT` of them.
    pub fn regex_match(&self, pattern: &str, s: &str) -> Result<bool, Error> {
        const KEPT: usize = 64;
        let mut kept = self.regexes.borrow_mut();
        if let Some(re) = kept.get(pattern) {
            return Ok(re.is_match(s));
        }
        let re = super::functions::regex(pattern)?;
        let matched = re.is_match(s);
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(pattern.to_string(), re);
        Ok(matched)
    }

    pub fn key_id(&self, name: &str) -> Option<u32> {
        self.tx.catalog().id(NameKind::Key, name)
    }

    pub fn key_name(&self, id: u32) -> String {
        self.tx.catalog().name(NameKind::Key, id).to_string()
    }

    pub fn label_name(&self, id: u32) -> String {
        self.tx.catalog().name(NameKind::Label, id).to_string()
    }

    pub fn type_name(&self, id: u32) -> String {
        self.tx.catalog().name(NameKind::Type, id).to_string()
    }

    pub fn props_map(&self, props: &[(u32, Value)]) -> BTreeMap<String, Value> {
        self.tx.catalog().props_map(props)
    }
}

/// The detail codes of the date-with-number and date-with-string warnings.
const DATE_NUMBER: &str = "DateComparedWithNumberWarning";
const DATE_STRING: &str = "DateComparedWithStringWarning";

fn deleted(what: &str, id: u64) -> Error {
    Error::runtime(
        ErrorKind::EntityNotFound,
        "DeletedEntityAccess",
        format!("{what} {id} has been deleted"),
    )
}
