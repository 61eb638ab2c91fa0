//! A value's trail: the hops a path followed to reach it, shared with the
//! trails it grew from.
//!
//! A walk over a chain of n records reaches each with a trail one hop
//! longer than its parent's. Were each a [`Chain`] of its own (a vector),
//! the walk would hold n²/2 hops; a [`Trail`] is one node on its parent's,
//! so it holds n. Evidence needs a [`Chain`]: [`Trail::shown`] builds one
//! only where a value is shown, in time independent of the trail's length
//! unless every hop is wanted (`explain --full`).

use std::rc::Rc;

use crate::eval::{CHAIN_ENDS, Chain, Hop, Shown, elide};

/// The hops from a rule's record to a value (empty for literals, and while
/// no evidence is collected). A clone is a count; adding a hop is one node.
#[derive(Clone, Default)]
pub(crate) struct Trail(Option<Rc<Node>>);

struct Node {
    /// The trail's last hop.
    hop: Hop,
    /// The trail before it.
    before: Trail,
    /// How many hops, this one included.
    len: usize,
    /// How many hops [`elide`] counts: an elided hop for those it stands for.
    weight: usize,
    /// Once the trail is longer than `CHAIN_ENDS` hops: the node of its
    /// `CHAIN_ENDS`-th, where its front ends.
    front_end: Option<Rc<Node>>,
}

/// What [`elide`] counts a hop as.
fn weight(hop: &Hop) -> usize {
    match hop.to {
        Shown::Elided(n) => n,
        _ => 1,
    }
}

impl Trail {
    /// A trail of one hop: a rule's record, or a record ranged over.
    pub(crate) fn start(hop: Hop) -> Trail {
        let mut trail = Trail::default();
        trail.push(hop);
        trail
    }

    /// How many hops.
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    /// No hops.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Adds a hop at the end; the trail it grew from is shared, not copied.
    pub(crate) fn push(&mut self, hop: Hop) {
        let before = std::mem::take(self);
        let front_end = match &before.0 {
            Some(node) if node.len == CHAIN_ENDS => Some(Rc::clone(node)),
            Some(node) => node.front_end.clone(),
            None => None,
        };
        let node = Node { len: before.len() + 1, weight: before.weight() + weight(&hop), hop, before, front_end };
        *self = Trail(Some(Rc::new(node)));
    }

    /// Replaces what the last hop led to (a string followed as a link
    /// shows the record it named); nothing when the trail is empty.
    pub(crate) fn set_last(&mut self, to: Shown) {
        if let Some(node) = self.0.take() {
            let via = node.hop.via.clone();
            *self = node.before.clone();
            self.push(Hop { via, to });
        }
    }

    fn weight(&self) -> usize {
        self.0.as_ref().map_or(0, |n| n.weight)
    }

    /// The hops, last to first.
    fn rev(&self) -> impl Iterator<Item = &Hop> {
        std::iter::successors(self.0.as_deref(), |n| n.before.0.as_deref()).map(|n| &n.hop)
    }

    /// The last `n` hops (all of them if fewer), first to last.
    fn last_hops(&self, n: usize) -> Vec<Hop> {
        let mut hops: Vec<Hop> = self.rev().take(n).cloned().collect();
        hops.reverse();
        hops
    }

    /// Every hop, as a chain.
    fn whole(&self) -> Chain {
        Chain::from(self.last_hops(self.len()))
    }

    /// The chain as evidence shows it: its middle left out when long
    /// ([`elide`]), unless `full` asks for every hop.
    pub(crate) fn shown(&self, full: bool) -> Chain {
        if full {
            return self.whole();
        }
        let mut chain = self.ends();
        elide(&mut chain);
        chain
    }

    /// The trail with its middle summed into one elided hop when it is
    /// longer than `2 × CHAIN_ENDS + 1` hops, else whole. [`elide`] leaves
    /// this as it would leave the whole chain: it sees the same total and
    /// the same `CHAIN_ENDS` hops at either end, and replaces everything
    /// between the hops it keeps (at most `2 × CHAIN_ENDS`) by one.
    fn ends(&self) -> Chain {
        let Some(node) = &self.0 else { return Chain::default() };
        let Some(front_end) = node.front_end.as_ref().filter(|_| node.len > 2 * CHAIN_ENDS + 1) else {
            return self.whole();
        };
        let mut hops = Trail(Some(Rc::clone(front_end))).last_hops(CHAIN_ENDS);
        let last = self.last_hops(CHAIN_ENDS);
        let middle = node.weight - hops.iter().chain(&last).map(weight).sum::<usize>();
        hops.push(Hop::start(Shown::Elided(middle)));
        hops.extend(last);
        Chain::from(hops)
    }
}

impl Drop for Node {
    /// Lets a long trail go a node at a time: dropping the nodes through
    /// their own `Drop` would recurse once per hop and could overflow the
    /// stack on a long walk.
    fn drop(&mut self) {
        let mut before = self.before.0.take();
        while let Some(node) = before {
            match Rc::try_unwrap(node) {
                Ok(mut alone) => before = alone.before.0.take(),
                Err(_) => break,
            }
        }
    }
}

impl std::fmt::Debug for Trail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.whole().iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(i: usize) -> Hop {
        Hop { via: "next".into(), to: Shown::Value(serde_json::json!(i)) }
    }

    fn trail_of(hops: &[Hop]) -> Trail {
        let mut trail = Trail::default();
        hops.iter().for_each(|h| trail.push(h.clone()));
        trail
    }

    fn shown(chain: &Chain) -> String {
        format!("{chain:?}")
    }

    #[test]
    fn shown_is_the_whole_chain_elided_at_every_length() {
        for len in 0..60 {
            let hops: Vec<Hop> = (0..len).map(hop).collect();
            let mut expected = Chain::from(hops.clone());
            elide(&mut expected);
            let trail = trail_of(&hops);
            assert_eq!(trail.len(), len);
            assert_eq!(shown(&trail.shown(false)), shown(&expected), "length {len}");
            assert_eq!(shown(&trail.shown(true)), shown(&Chain::from(hops)), "length {len}, full");
        }
    }

    #[test]
    fn shown_counts_elided_hops_as_elide_does() {
        for at in 0..40 {
            let mut hops: Vec<Hop> = (0..40).map(hop).collect();
            hops[at] = Hop::start(Shown::Elided(5));
            let mut expected = Chain::from(hops.clone());
            elide(&mut expected);
            assert_eq!(shown(&trail_of(&hops).shown(false)), shown(&expected), "elided hop at {at}");
        }
    }

    #[test]
    fn trails_share_the_hops_they_grew_from() {
        let base = trail_of(&(0..30).map(hop).collect::<Vec<_>>());
        let mut longer = base.clone();
        longer.push(hop(30));
        longer.set_last(Shown::Value(serde_json::json!("last")));
        assert_eq!(base.len(), 30);
        assert_eq!(longer.len(), 31);
        assert_eq!(longer.rev().next().map(|h| h.to.clone()), Some(Shown::Value(serde_json::json!("last"))));
        let before = longer.0.as_ref().and_then(|n| n.before.0.clone());
        assert!(matches!((&before, &base.0), (Some(a), Some(b)) if Rc::ptr_eq(a, b)));
    }

    #[test]
    fn a_long_trail_drops_without_recursing() {
        let mut trail = Trail::default();
        (0..1_000_000).for_each(|i| trail.push(hop(i)));
        drop(trail);
    }
}
