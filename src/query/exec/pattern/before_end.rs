//! A variable-length hop whose end is known by id (`Hops::end_ids`) does
//! not list the links of a node one hop before its last depth when none of
//! them leads to an end: each would end the walk nowhere. Q8 at scale M
//! reaches 84 nodes at that depth, and few of them link to its end.
//!
//! Whether a node links to an end is read from the node's own kept list in
//! place, without copying it out. Once the walk has looked at as many
//! links there as the ends have, the nodes that link to an end are read
//! from the ends' lists instead, and a node is looked up among them: a
//! walk through hubs towards a small end reads the end's few links, and a
//! walk towards a hub never reads the hub's thousands to save a few.
//!
//! Like the end's ids, this is used only while nothing has been written
//! since the walk began. Answers, their order, warnings and errors are
//! those of listing every node: the links left unread are only those that
//! would end nowhere, and none of them would have been tested or bound.

use super::{rel_types, walk_dir, Hops, Step};
use crate::error::Error;
use crate::query::exec::context::Ctx;
use crate::value::NodeId;

/// What a walk knows of the nodes one hop before its ends.
pub(super) struct BeforeEnd {
    /// Links the walk has looked at one hop before its ends.
    looked_at: usize,
    /// The hop's link types, read once (`rel_types`).
    types: Option<Option<Vec<u32>>>,
    state: State,
}

enum State {
    /// The ends' links are not counted yet.
    Uncounted,
    /// The ends have this many links (of any type, in the direction the
    /// walk would reach them from).
    Counted(usize),
    /// The nodes from which the hop reaches an end, ascending.
    Known(Vec<NodeId>),
}

impl BeforeEnd {
    pub(super) fn new() -> BeforeEnd {
        BeforeEnd {
            looked_at: 0,
            types: None,
            state: State::Uncounted,
        }
    }

    /// Whether the walk, at `node` one hop before its last depth, lists
    /// its links: false when none of them can reach an end.
    pub(super) fn may_reach(
        &mut self,
        ctx: &mut Ctx<'_, '_>,
        step: &Step<'_>,
        hops: &Hops<'_>,
        node: NodeId,
    ) -> Result<bool, Error> {
        let Some(ends) = hops.end_ids.as_deref() else {
            return Ok(true);
        };
        if ctx.tx.writes() != hops.writes {
            return Ok(true);
        }
        let types = self.types.get_or_insert_with(|| rel_types(ctx, step.rel));
        if types.as_ref().is_some_and(|t| t.is_empty()) {
            return Ok(false);
        }
        if let State::Known(nodes) = &self.state {
            return Ok(nodes.binary_search(&node).is_ok());
        }
        // Towards the ends, each reached from the other side.
        let back = walk_dir(step.rel, !step.flipped);
        if let State::Uncounted = self.state {
            let mut links = 0;
            for &end in ends {
                links += ctx.tx.degree(end, back)?;
            }
            self.state = State::Counted(links);
        }
        if let State::Counted(links) = self.state {
            if self.looked_at >= links {
                // Without the hop's property map or AS OF: a superset, and
                // nothing is evaluated for a link the walk may never meet.
                let mut nodes = Vec::new();
                let mut entries = Vec::new();
                for &end in ends {
                    ctx.tx.expand(end, back, types.as_deref(), &mut entries)?;
                    nodes.extend(entries.drain(..).map(|e| e.other));
                }
                nodes.sort_unstable();
                nodes.dedup();
                let reaches = nodes.binary_search(&node).is_ok();
                self.state = State::Known(nodes);
                return Ok(reaches);
            }
        }
        let dir = walk_dir(step.rel, step.flipped);
        let (reaches, looked_at) = ctx.tx.links_reach(node, dir, types.as_deref(), ends)?;
        self.looked_at += looked_at;
        Ok(reaches)
    }
}
