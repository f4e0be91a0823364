//! A variable-length hop whose end is known by id (`Hops::end_ids`) does
//! not list the links of a node one hop before its last depth when none of
//! them leads to an end: each would end the walk nowhere. Q8 at scale M
//! reaches 84 nodes at that depth, and few of them link to its end.
//!
//! Whether a node links to an end is read from the node's own list in
//! place, without copying it out. Once the walk has looked at as many
//! links there as the ends have, the nodes that link to an end are read
//! from the ends' lists instead, and a node is looked up among them: a
//! walk through hubs towards a small end reads the end's few links, and a
//! walk towards a hub does not read the hub's thousands to save a few.
//!
//! Like the end's ids, this is used only while nothing has been written
//! since the walk began, and only for a hop that reads no link record to
//! list a node's links (no AS OF, no property map on the hop): the links
//! left unread would then have been listed, from the same list, and
//! dropped at the last depth without being tested, bound or read. So
//! answers, their order, warnings and errors are those of listing every
//! node. The ends' lists are read only to save work: one that cannot be
//! read (damage) leaves every node listed, its error to whatever reads it.

use super::{rel_types, walk_dir, Hops, Step, TypeCodes};
use crate::error::Error;
use crate::query::exec::context::Ctx;
use crate::store::keys::Dir;
use crate::value::NodeId;

/// What a walk knows of the nodes one hop before its ends.
pub(super) struct BeforeEnd {
    /// Whether the hop lists a node's links without reading their records.
    applies: bool,
    /// Links the walk has looked at one hop before its ends.
    looked_at: usize,
    /// The hop's link types, read once (`rel_types`).
    types: Option<Option<TypeCodes>>,
    state: State,
}

enum State {
    /// The first `ends` of the end ids have `links` links between them (of
    /// any type, in the direction the walk would reach them from), counted
    /// one end at a time while they are no more than the walk has looked
    /// at: a name the index finds on thousands of nodes is not counted
    /// whole for a walk of a few links.
    Counting { ends: usize, links: usize },
    /// The nodes from which the hop reaches an end, ascending.
    Known(Vec<NodeId>),
    /// The ends' lists could not be read: each node is looked at.
    Unread,
}

impl BeforeEnd {
    /// For a walk of `step`; `as_of`: the pattern is read AS OF a time.
    pub(super) fn new(step: &Step<'_>, as_of: bool) -> BeforeEnd {
        BeforeEnd {
            applies: !as_of && step.rel.properties.is_none(),
            looked_at: 0,
            types: None,
            state: State::Counting { ends: 0, links: 0 },
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
        let Some(ends) = hops.end_ids.as_deref().filter(|_| self.applies) else {
            return Ok(true);
        };
        if ctx.tx.writes() != hops.writes {
            return Ok(true);
        }
        let types = self.types.get_or_insert_with(|| rel_types(ctx, step.rel));
        if types.as_ref().is_some_and(|t| t.is_empty()) {
            return Ok(false);
        }
        // Towards the ends, each reached from the other side.
        let back = walk_dir(step.rel, !step.flipped);
        if let State::Counting {
            ends: counted,
            links,
        } = &mut self.state
        {
            let mut unread = false;
            while *counted < ends.len() && *links <= self.looked_at {
                match ctx.tx.degree(ends[*counted], back) {
                    Ok(n) => *links += n,
                    Err(_) => {
                        unread = true;
                        break;
                    }
                }
                *counted += 1;
            }
            if unread {
                self.state = State::Unread;
            } else if *counted == ends.len() && *links <= self.looked_at {
                self.state = match Self::link_to(ctx, ends, back, types.as_deref())? {
                    Some(nodes) => State::Known(nodes),
                    None => State::Unread,
                };
            }
        }
        if let State::Known(nodes) = &self.state {
            return Ok(nodes.binary_search(&node).is_ok());
        }
        // An error here is the one listing the node would meet.
        let dir = walk_dir(step.rel, step.flipped);
        let (reaches, looked_at) = ctx.tx.links_reach(node, dir, types.as_deref(), ends)?;
        self.looked_at += looked_at;
        Ok(reaches)
    }

    /// The nodes the ends list in direction `back`, ascending; `None` if
    /// a list cannot be read.
    fn link_to(
        ctx: &mut Ctx<'_, '_>,
        ends: &[NodeId],
        back: Option<Dir>,
        types: Option<&[u32]>,
    ) -> Result<Option<Vec<NodeId>>, Error> {
        let mut nodes = Vec::new();
        let mut entries = Vec::new();
        for &end in ends {
            ctx.tick()?;
            if ctx.tx.expand(end, back, types, &mut entries).is_err() {
                return Ok(None);
            }
            nodes.extend(entries.drain(..).map(|e| e.other));
        }
        nodes.sort_unstable();
        nodes.dedup();
        Ok(Some(nodes))
    }
}
