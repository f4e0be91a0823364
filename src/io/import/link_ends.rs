//! The ends of every link a load adds, kept compactly until the load writes
//! each actor's adjacency list once: 20 bytes a link, grouped by actor with
//! a counting sort (two passes, no comparison sort and no copy of the
//! entries with their owners, which took 32 bytes an entry and a merge
//! sort's buffer on top: about 1 GB at ten million links).

use crate::store::adjacency::Stored;
use crate::store::keys::Dir;
use crate::value::{NodeId, RelId};

#[derive(Default)]
pub(crate) struct LinkEnds {
    /// The id of the first link; the others follow in order.
    first: RelId,
    src: Vec<NodeId>,
    dst: Vec<NodeId>,
    types: Vec<u32>,
}

impl LinkEnds {
    /// Records link `rel`, which must follow the previous one.
    pub fn push(&mut self, rel: RelId, src: NodeId, dst: NodeId, rel_type: u32) {
        if self.src.is_empty() {
            self.first = rel;
        }
        self.src.push(src);
        self.dst.push(dst);
        self.types.push(rel_type);
    }

    /// Calls `each(node, entries)` once per actor with links, actors in
    /// ascending order, each actor's entries in link order (a link from
    /// an actor to itself: outgoing first).
    pub fn for_each_actor<E>(
        self,
        each: impl FnMut(NodeId, &[Stored]) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(&last) = self.src.iter().chain(&self.dst).max() else {
            return Ok(());
        };
        let actors = last as usize + 1;
        // start[a]..start[a + 1]: where actor a's entries go.
        let mut start = vec![0u64; actors + 1];
        for &n in self.src.iter().chain(&self.dst) {
            start[n as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        // Each entry as link index * 2 + direction: 4 bytes an entry while
        // the load has fewer than 2^31 links (80 MB at ten million).
        if 2 * self.src.len() <= u32::MAX as usize + 1 {
            let order = self.order::<u32>(&start);
            return self.walk(actors, &start, &order, each);
        }
        let order = self.order::<u64>(&start);
        self.walk(actors, &start, &order, each)
    }

    /// Every entry's link index * 2 + direction, grouped by actor.
    fn order<T: Copy + Default + TryFrom<u64>>(&self, start: &[u64]) -> Vec<T> {
        let entry = |e: u64| T::try_from(e).unwrap_or_default();
        let mut order = vec![T::default(); 2 * self.src.len()];
        let mut next = start.to_vec();
        for (i, (&s, &d)) in self.src.iter().zip(&self.dst).enumerate() {
            let i = i as u64;
            order[next[s as usize] as usize] = entry(i * 2);
            next[s as usize] += 1;
            order[next[d as usize] as usize] = entry(i * 2 + 1);
            next[d as usize] += 1;
        }
        order
    }

    fn walk<T: Copy + Into<u64>, E>(
        &self,
        actors: usize,
        start: &[u64],
        order: &[T],
        mut each: impl FnMut(NodeId, &[Stored]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut entries = Vec::new();
        for node in 0..actors {
            let span = &order[start[node] as usize..start[node + 1] as usize];
            if span.is_empty() {
                continue;
            }
            entries.clear();
            entries.extend(span.iter().map(|&e| {
                let e: u64 = e.into();
                let i = (e / 2) as usize;
                let (other, dir) = if e.is_multiple_of(2) {
                    (self.dst[i], Dir::Out)
                } else {
                    (self.src[i], Dir::In)
                };
                Stored {
                    rel: self.first + i as u64,
                    other,
                    rel_type: self.types[i],
                    dir,
                }
            }));
            each(node as NodeId, &entries)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(ends: LinkEnds) -> Vec<(NodeId, Vec<Stored>)> {
        let mut out = Vec::new();
        ends.for_each_actor::<()>(|n, e| {
            out.push((n, e.to_vec()));
            Ok(())
        })
        .unwrap();
        out
    }

    fn st(rel: RelId, other: NodeId, rel_type: u32, dir: Dir) -> Stored {
        Stored {
            rel,
            other,
            rel_type,
            dir,
        }
    }

    #[test]
    fn entries_are_grouped_by_actor_in_link_order() {
        let mut ends = LinkEnds::default();
        ends.push(10, 3, 1, 7);
        ends.push(11, 1, 3, 8);
        ends.push(12, 5, 5, 7);
        ends.push(13, 3, 5, 9);
        assert_eq!(
            collect(ends),
            vec![
                (1, vec![st(10, 3, 7, Dir::In), st(11, 3, 8, Dir::Out)]),
                (
                    3,
                    vec![
                        st(10, 1, 7, Dir::Out),
                        st(11, 1, 8, Dir::In),
                        st(13, 5, 9, Dir::Out)
                    ]
                ),
                (
                    5,
                    vec![
                        st(12, 5, 7, Dir::Out),
                        st(12, 5, 7, Dir::In),
                        st(13, 3, 9, Dir::In)
                    ]
                ),
            ]
        );
    }

    #[test]
    fn narrow_and_wide_orders_agree() {
        let mut ends = LinkEnds::default();
        for (i, (s, d)) in [(3, 1), (1, 3), (5, 5), (3, 5), (0, 4)]
            .into_iter()
            .enumerate()
        {
            ends.push(20 + i as RelId, s, d, 1);
        }
        let mut start = vec![0u64; 7];
        for &n in ends.src.iter().chain(&ends.dst) {
            start[n as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let narrow: Vec<u64> = ends
            .order::<u32>(&start)
            .into_iter()
            .map(u64::from)
            .collect();
        assert_eq!(narrow, ends.order::<u64>(&start));
        let mut wide = Vec::new();
        ends.walk::<u64, ()>(6, &start, &ends.order::<u64>(&start), |n, e| {
            wide.push((n, e.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(wide, collect(ends));
    }

    #[test]
    fn no_links_no_calls_and_errors_stop_the_walk() {
        assert!(collect(LinkEnds::default()).is_empty());
        let mut ends = LinkEnds::default();
        ends.push(0, 0, 1, 0);
        let mut calls = 0;
        let r = ends.for_each_actor(|_, _| {
            calls += 1;
            Err("stop")
        });
        assert_eq!((r, calls), (Err("stop"), 1));
    }
}
