//! Names as numbers. The parser gives every variable of a statement a
//! `Sym` (the same name, the same `Sym`); each operator, when built, maps
//! the symbols to the columns of its rows (`Names`), so evaluation finds a
//! variable by index and never compares its name per row. Labels, property
//! keys and parameters are numbered in tables of their own, which each run
//! maps to the store's codes and the given values once (`Ctx::bind`).

use std::ops::Deref;

/// A statement's variable, numbered in the order first written (or, in its
/// own table, a label or key name, or a parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sym(pub u32);

impl Sym {
    /// A name the statement never uses as a variable.
    pub const NONE: Sym = Sym(u32::MAX);
    /// The column `shortestPath(…)` in an expression binds its path to.
    pub const PATH: Sym = Sym(0);
}

/// The names behind a statement's symbols: its variables, and apart from
/// them the labels and property keys it reads (`stored`) and its
/// parameters, which each run maps to the store's codes and the values
/// given once (`Ctx::bind`).
#[derive(Debug, Clone, PartialEq)]
pub struct Symbols {
    variables: Table,
    stored: Table,
    /// For each stored name, the kinds it is written as: bit `k` for
    /// `NameKind` `k` (a name may be a label in one place, a key in another).
    stored_kinds: Vec<u8>,
    params: Table,
}

/// Names numbered in the order first met.
#[derive(Debug, Clone, Default, PartialEq)]
struct Table {
    names: Vec<String>,
    by_name: fxhash::FxHashMap<String, u32>,
}

impl Table {
    fn intern(&mut self, name: &str) -> Sym {
        if let Some(&i) = self.by_name.get(name) {
            return Sym(i);
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.by_name.insert(name.to_string(), i);
        Sym(i)
    }
}

impl Default for Symbols {
    /// A table with `Sym::PATH` taken: no name the statement writes (not
    /// even `` ` path` ``) has it.
    fn default() -> Symbols {
        let variables = Table {
            names: vec![String::new()],
            by_name: Default::default(),
        };
        Symbols {
            variables,
            stored: Table::default(),
            stored_kinds: Vec::new(),
            params: Table::default(),
        }
    }
}

impl Symbols {
    /// An empty table, shared: a context holds it until a statement binds,
    /// and a subquery's `Query` (its names are in its statement's table).
    pub fn none() -> std::sync::Arc<Symbols> {
        static NONE: std::sync::OnceLock<std::sync::Arc<Symbols>> = std::sync::OnceLock::new();
        std::sync::Arc::clone(NONE.get_or_init(Default::default))
    }

    /// The symbol of variable `name`, numbering it if new.
    pub fn intern(&mut self, name: &str) -> Sym {
        self.variables.intern(name)
    }

    /// The symbol of `name`, `Sym::NONE` when no variable has that name.
    pub fn get(&self, name: &str) -> Sym {
        self.variables
            .by_name
            .get(name)
            .map_or(Sym::NONE, |&i| Sym(i))
    }

    /// The number of a label, type or property key name (`kind`, a
    /// `NameKind` as a number), numbering it if new.
    pub fn intern_stored(&mut self, name: &str, kind: usize) -> Sym {
        let sym = self.stored.intern(name);
        let i = sym.0 as usize;
        if self.stored_kinds.len() <= i {
            self.stored_kinds.resize(i + 1, 0);
        }
        self.stored_kinds[i] |= 1 << kind;
        sym
    }

    /// The number of parameter `name`, numbering it if new.
    pub fn intern_param(&mut self, name: &str) -> Sym {
        self.params.intern(name)
    }

    /// The parameter names, by their numbers.
    pub fn params(&self) -> &[String] {
        &self.params.names
    }

    /// The label and key names, by their numbers.
    pub fn stored(&self) -> &[String] {
        &self.stored.names
    }

    /// Each stored name with the kinds (`NameKind` numbers) it is written
    /// as.
    pub fn stored_with_kinds(&self) -> impl Iterator<Item = (&str, impl Iterator<Item = usize>)> {
        self.stored
            .names
            .iter()
            .zip(&self.stored_kinds)
            .map(|(n, &bits)| (n.as_str(), (0..8).filter(move |k| bits & (1 << k) != 0)))
    }
}

const NO_SLOT: u32 = u32::MAX;

/// The names of a row's columns, and the column of each symbol. When a
/// name repeats, the last column has it (as a lookup from the end would).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    list: Vec<String>,
    slots: Vec<u32>,
}

impl Names {
    /// `list` with each name's symbol looked up in `symbols` (once, here).
    pub fn new(list: Vec<String>, symbols: &Symbols) -> Names {
        let mut slots = Vec::new();
        for (i, name) in list.iter().enumerate() {
            set_slot(&mut slots, symbols.get(name), i);
        }
        Names { list, slots }
    }

    pub fn empty() -> &'static Names {
        static EMPTY: Names = Names {
            list: Vec::new(),
            slots: Vec::new(),
        };
        &EMPTY
    }

    pub fn push(&mut self, name: String, symbols: &Symbols) {
        let sym = symbols.get(&name);
        self.push_as(name, sym);
    }

    /// A column whose symbol is known: a variable's (`Ident::sym`), or one
    /// the executor adds for itself, found by `sym` alone.
    pub fn push_as(&mut self, name: String, sym: Sym) {
        set_slot(&mut self.slots, sym, self.list.len());
        self.list.push(name);
    }

    pub fn extend<I: IntoIterator<Item = String>>(&mut self, names: I, symbols: &Symbols) {
        for name in names {
            self.push(name, symbols);
        }
    }

    /// The column holding `sym`, if any.
    #[inline]
    pub fn slot(&self, sym: Sym) -> Option<usize> {
        match self.slots.get(sym.0 as usize) {
            Some(&s) if s != NO_SLOT => Some(s as usize),
            _ => None,
        }
    }

    pub fn into_vec(self) -> Vec<String> {
        self.list
    }
}

/// Records that `sym` (unless `NONE`) is in column `at`.
fn set_slot(slots: &mut Vec<u32>, sym: Sym, at: usize) {
    if sym != Sym::NONE {
        let s = sym.0 as usize;
        if slots.len() <= s {
            slots.resize(s + 1, NO_SLOT);
        }
        slots[s] = at as u32;
    }
}

impl Deref for Names {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_finds_the_last_column_of_its_name() {
        let mut symbols = Symbols::default();
        assert_ne!(symbols.intern(" path"), Sym::PATH);
        let (a, b) = (symbols.intern("a"), symbols.intern("b"));
        assert_eq!(symbols.intern("a"), a);
        let names = Names::new(
            vec!["a".into(), " anon".into(), "b".into(), "a".into()],
            &symbols,
        );
        assert_eq!(names.slot(a), Some(3));
        assert_eq!(names.slot(b), Some(2));
        assert_eq!(names.slot(Sym::NONE), None);
        assert_eq!(names.slot(symbols.get("c")), None);
        assert_eq!(names.len(), 4);
        let mut more = names.clone();
        more.push("b".into(), &symbols);
        assert_eq!(more.slot(b), Some(4));
        assert_eq!(names.slot(b), Some(2));
    }
}
