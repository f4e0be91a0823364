//! What every operator needs: the transaction, parameters, counters and the
//! cancellation flag.

use crate::error::{Error, ErrorKind, Phase};
use crate::result::Stats;
use crate::store::catalog::NameKind;
use crate::store::graph::{NodeRecord, RelRecord, Tx};
use crate::value::{NodeId, RelId, Value};
use std::collections::{BTreeMap, HashSet};
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

pub struct Ctx<'a, 'g> {
    pub tx: Tx<'g>,
    pub params: &'a BTreeMap<String, Value>,
    pub stats: Stats,
    pub cancel: &'a Cancel,
    /// Entities deleted by this statement: reading them is an error.
    pub deleted_nodes: HashSet<NodeId>,
    pub deleted_rels: HashSet<RelId>,
    ticks: u32,
}

impl<'a, 'g> Ctx<'a, 'g> {
    pub fn new(tx: Tx<'g>, params: &'a BTreeMap<String, Value>, cancel: &'a Cancel) -> Self {
        Ctx {
            tx,
            params,
            stats: Stats::default(),
            cancel,
            deleted_nodes: HashSet::new(),
            deleted_rels: HashSet::new(),
            ticks: 0,
        }
    }

    /// Cheap enough for inner loops: looks at the clock every 1024 calls.
    pub fn tick(&mut self) -> Result<(), Error> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(1024) {
            self.cancel.check()?;
        }
        Ok(())
    }

    pub fn node(&self, id: NodeId) -> Result<NodeRecord, Error> {
        match self.tx.node(id)? {
            Some(r) => Ok(r),
            None => Err(Error::runtime(
                ErrorKind::EntityNotFound,
                "DeletedEntityAccess",
                format!("node {id} has been deleted"),
            )),
        }
    }

    pub fn rel(&self, id: RelId) -> Result<RelRecord, Error> {
        match self.tx.rel(id)? {
            Some(r) => Ok(r),
            None => Err(Error::runtime(
                ErrorKind::EntityNotFound,
                "DeletedEntityAccess",
                format!("relationship {id} has been deleted"),
            )),
        }
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
        props
            .iter()
            .map(|(k, v)| (self.key_name(*k), v.clone()))
            .collect()
    }
}
