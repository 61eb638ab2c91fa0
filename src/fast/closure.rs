//! A hop-range quantifier (`any c in p.contacts{1..}: …`) whose body reads
//! only the record reached, judged once for the whole store: in time linear
//! in records and links, where walking from each record is quadratic on a
//! long chain or a ring.
//!
//! The body is worked out on every record first (the set `S` of records
//! that settle the quantifier: those where `any`'s and `none`'s body holds,
//! where `all`'s fails). Each record's distance to `S`, the depth of its
//! witness, is worked out a level at a time (a record is one hop farther
//! than the nearest record it links to), or for a chain by a breadth-first
//! search backwards from the last level.
//! Which witness the walk from a record shows depends on how each depth of
//! that walk is ordered (the position in the list a record was reached
//! from, then id), and that order depends on where the walk started — but
//! not when the way is forced: a record whose list holds one record of `S`
//! first, or whose links on the way to `S` all lead to one record `v`,
//! settles exactly as the walk from `v` does, one hop later (every record
//! the walk from it orders on the way to its witness is one the walk from
//! `v` orders, in the same order). Such records get their witness and
//! their next record here; the others (several shortest ways) are left to
//! their own walk, as are the records the walk from which reaches only
//! what it started from. When nothing settles the walk, its evidence
//! counts the records it reached: the strongly connected components give
//! that count, added up where the components reached form a tree.

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::records::RecordIdx;

/// The store-wide closures of a program's quantifiers, by the quantifier's
/// address; each worked out when first needed. Looked up once per
/// quantifier evaluated, so with a fast hash (SipHash was 1 % of a run).
pub(crate) type Closures = super::store::FastMap<usize, OnceLock<Option<Closure>>>;

/// The records of `S` are at distance 0; unreachable ones are at `FAR`.
const FAR: u32 = u32::MAX;

/// Every record's links over one field, in list order: record `r`'s are
/// `links[starts[r]..starts[r + 1]]`, each (position in the list, target).
pub(crate) struct Links<'a> {
    pub(crate) starts: &'a [u32],
    pub(crate) links: &'a [(u32, RecordIdx)],
}

impl Links<'_> {
    /// Which of `n` records some link leads to: the only ones a walk can
    /// reach (a walk never reaches its own start again).
    pub(crate) fn targets(&self, n: usize) -> Vec<bool> {
        let mut targeted = vec![false; n];
        for &(_, t) in self.links {
            if let Some(mark) = targeted.get_mut(t.index()) {
                *mark = true;
            }
        }
        targeted
    }

    fn of(&self, r: usize) -> &[(u32, RecordIdx)] {
        match (self.starts.get(r), self.starts.get(r + 1)) {
            (Some(&from), Some(&to)) => self.links.get(from as usize..to as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// What the walk from one record comes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// It reaches no record of `S` (besides itself); for a range with an
    /// end, none within it.
    Unsettled,
    /// It stops at `witness`, `depth` hops away, reached from position
    /// `pos` of the list before it; `next` is the record after the start
    /// (the witness at depth 1), and `anchor` the record on the way at most
    /// [`Closure::tail`] hops before the witness.
    Settled { next: RecordIdx, depth: u32, witness: RecordIdx, pos: u32, anchor: RecordIdx },
    /// Only the record's own walk can tell which witness it stops at;
    /// `depth` is how far away that is, where known (for a record outside
    /// `S`: its distance to `S`), which is all a walk without evidence
    /// needs.
    Walk { depth: Option<u32> },
}

/// The walks of every record, worked out together.
pub(crate) struct Closure {
    ends: Vec<End>,
    /// How many records the whole walk from each record reaches (itself
    /// not counted), where the records reachable form a tree of strongly
    /// connected components so that the count adds up; else `FAR`. Empty
    /// when not counted.
    reached: Vec<u32>,
    /// How many hops before the witness `anchor` is (at most).
    tail: u32,
    /// Which records settle the quantifier (`S`; only those some link
    /// leads to are worked out), a bit a record: what a walk with evidence
    /// looks for at the depth its witness is known to be at, and a short
    /// walk without evidence from a record of `S`, both at random (a byte
    /// a record outgrew the cache at 10M bench records).
    settles: Vec<u64>,
}

/// The records a settled walk goes through to its witness (the start not
/// included): all of them in `first`, or the first and the last `tail` ones
/// with how many are left out between.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Way {
    pub(crate) first: Vec<RecordIdx>,
    pub(crate) left_out: u32,
    pub(crate) last: Vec<RecordIdx>,
}

impl Closure {
    /// The walks over `links` of every record, where `settles[r]` says
    /// whether record `r` settles the quantifier; the way to a witness is
    /// kept as its first and last `tail` records. What each whole walk
    /// reaches is counted only when `count_reached` asks (a hop range
    /// with an end never reads it, and the count is the costly part: one
    /// depth-first pass over every link, in no cache-friendly order).
    /// A range with an end (`{1..max}`) needs no distance past it: the
    /// records farther from `S` are left [`End::Unsettled`], which a walk
    /// over that range reads as a farther one (with evidence both are
    /// walked; without, neither is settled in range).
    pub(crate) fn new(links: &Links<'_>, settles: &[bool], tail: u32, max: Option<u32>) -> Closure {
        let count_reached = max.is_none();
        let reached = if count_reached { reach_counts(links, settles.len()) } else { Vec::new() };
        let ends = vec![End::Unsettled; settles.len()];
        let mut closure = Closure { ends, reached, tail, settles: bits(settles) };
        let mut dist: Vec<u32> = settles.iter().map(|&s| if s { 0 } else { FAR }).collect();
        let farthest = max.unwrap_or(FAR - 1);
        if let Some(frontier) = closure.levels_forwards(links, &mut dist, farthest) {
            // Nearest first: a record's end is read from one a hop nearer.
            for r in backwards_from(links, &mut dist, frontier, farthest) {
                closure.settle_outside(links, &dist, r as usize);
            }
        }
        for (r, &settles_here) in settles.iter().enumerate() {
            if settles_here {
                // Its distance to `S` is 0: the depth of its own witness is unknown.
                closure.ends[r] = match closure.end_inside(links, &dist, r) {
                    End::Walk { .. } => End::Walk { depth: None },
                    end => end,
                };
            }
        }
        closure
    }

    /// Each record's distance to `S` and its end, a level at a time,
    /// nearest first, each level in record order: a record is at level
    /// `d` when a link of its leads to level `d - 1`. Records are read in
    /// order and only the distances (one number a record) at random, where
    /// a search backwards from `S` read the links reversed, the distances
    /// and the ends all at random (at 10M bench records the tables outgrow
    /// the cache: 22 times the time of 1M). A level reads the links of
    /// every record not yet reached, so a long chain (one record a level)
    /// would take a pass a level: once a level reaches few of the many
    /// records still open, or the levels have read the links three times
    /// over, the rest is left to the search backwards, from the last level
    /// (returned; `None` when every level is done, or level `farthest` is).
    fn levels_forwards(&mut self, links: &Links<'_>, dist: &mut [u32], farthest: u32) -> Option<Vec<u32>> {
        // The records not yet reached that have links, and how many links.
        let mut open: Vec<u32> =
            (0..dist.len() as u32).filter(|&r| dist[r as usize] == FAR && !links.of(r as usize).is_empty()).collect();
        let mut open_links = links.links.len();
        let (budget, mut spent) = (3 * open_links, 0);
        // Built on a judging thread (on first use), a parallel loop could
        // pick up judging that waits for this closure: there, one thread.
        let parallel = rayon::current_thread_index().is_none();
        let mut level = Vec::new();
        for d in 1..=farthest {
            if d > 1 && spent + open_links > budget {
                return Some(level);
            }
            spent += open_links;
            // A level reads the distances of the level before and the ends
            // worked out there, and writes only its own: on every core.
            let near = |r: &u32| links.of(*r as usize).iter().any(|(_, t)| dist[t.index()] == d - 1);
            level = in_parts(&open, parallel, |part| part.iter().copied().filter(near).collect());
            if level.is_empty() {
                return None;
            }
            for &r in &level {
                dist[r as usize] = d;
                open_links = open_links.saturating_sub(links.of(r as usize).len());
            }
            let dist = &*dist;
            let ends =
                in_parts(&level, parallel, |part| part.iter().map(|&r| self.end_at(links, dist, r as usize)).collect());
            for (&r, end) in level.iter().zip(ends) {
                self.ends[r as usize] = end;
            }
            open.retain(|&r| dist[r as usize] == FAR);
            // A level that reached few of many records still open, with
            // many links to read again: a chain, best walked backwards.
            if level.len() * 64 < open.len() && open_links * 4 > links.links.len() {
                return Some(level);
            }
        }
        None
    }

    /// Works out the end of record `r` outside `S`, at distance `dist[r]`
    /// from it, once the ends of the records a hop nearer are known.
    fn settle_outside(&mut self, links: &Links<'_>, dist: &[u32], r: usize) {
        self.ends[r] = self.end_at(links, dist, r);
    }

    /// What [`Closure::settle_outside`] sets record `r`'s end to.
    fn end_at(&self, links: &Links<'_>, dist: &[u32], r: usize) -> End {
        match self.end_outside(links, dist, r) {
            End::Walk { .. } => End::Walk { depth: Some(dist[r]) },
            end => end,
        }
    }

    pub(crate) fn end(&self, r: RecordIdx) -> End {
        self.ends.get(r.index()).copied().unwrap_or(End::Walk { depth: None })
    }

    /// Whether `r` settles the quantifier (only known where a link leads
    /// to `r`: no walk reaches another record).
    pub(crate) fn settles(&self, r: RecordIdx) -> bool {
        self.settles.get(r.index() / 64).is_some_and(|w| w >> (r.index() % 64) & 1 == 1)
    }

    /// How many records the whole walk from `r` reaches, if known.
    pub(crate) fn reached(&self, r: RecordIdx) -> Option<usize> {
        self.reached.get(r.index()).filter(|n| **n != FAR).map(|n| *n as usize)
    }

    /// The way from `r` to its witness; `None` unless its walk is settled.
    pub(crate) fn way(&self, r: RecordIdx) -> Option<Way> {
        let End::Settled { depth, anchor, .. } = self.end(r) else { return None };
        let follow = |from: RecordIdx, n: u32| -> Option<Vec<RecordIdx>> {
            let mut out = Vec::with_capacity(n as usize);
            let mut at = from;
            for _ in 0..n {
                let End::Settled { next, .. } = self.end(at) else { return None };
                out.push(next);
                at = next;
            }
            Some(out)
        };
        if depth <= 2 * self.tail {
            return Some(Way { first: follow(r, depth)?, left_out: 0, last: Vec::new() });
        }
        let first = follow(r, self.tail)?;
        let last = follow(anchor, self.tail)?;
        Some(Way { first, left_out: depth - 2 * self.tail, last })
    }

    /// The end of a record outside `S` that `S` can be reached from.
    fn end_outside(&self, links: &Links<'_>, dist: &[u32], r: usize) -> End {
        let d = dist[r];
        if d == 1 {
            return self.first_in_s(links, r).unwrap_or(End::Walk { depth: None });
        }
        // Every link on the way to `S` must lead to the same record.
        let mut only = None;
        for &(_, t) in links.of(r) {
            if dist[t.index()] == d - 1 {
                match only {
                    Some(o) if o != t => return End::Walk { depth: None },
                    _ => only = Some(t),
                }
            }
        }
        match only {
            Some(v) => self.after(r, v),
            None => End::Walk { depth: None },
        }
    }

    /// The end of a record of `S`: its walk starts from it, so it cannot
    /// be its own witness.
    fn end_inside(&self, links: &Links<'_>, dist: &[u32], r: usize) -> End {
        if let Some(end) = self.first_in_s(links, r) {
            return end;
        }
        let own = RecordIdx(r as u32);
        let mut only = None;
        let mut several = false;
        for &(_, t) in links.of(r).iter().filter(|(_, t)| *t != own) {
            several |= only.is_some_and(|o| o != t);
            only = Some(t);
        }
        let reaching = links.of(r).iter().any(|(_, t)| *t != own && dist[t.index()] != FAR);
        match only {
            _ if !reaching => End::Unsettled,
            Some(c) if !several => match self.after(r, c) {
                // `c` is nearest to `S` through `r`: the walk from `r` must tell.
                End::Settled { witness, .. } if witness == own => End::Walk { depth: None },
                end => end,
            },
            _ => End::Walk { depth: None },
        }
    }

    /// The first record of `S` in `r`'s list, besides `r` itself: the
    /// witness at depth 1.
    fn first_in_s(&self, links: &Links<'_>, r: usize) -> Option<End> {
        let own = RecordIdx(r as u32);
        let &(pos, t) = links.of(r).iter().find(|(_, t)| *t != own && self.settles(*t))?;
        Some(End::Settled { next: t, depth: 1, witness: t, pos, anchor: own })
    }

    /// The end of `r` whose walk goes on as the walk from `v` does.
    fn after(&self, r: usize, v: RecordIdx) -> End {
        match self.end(v) {
            End::Settled { depth, witness, pos, anchor, .. } => {
                let depth = depth + 1;
                let anchor = if depth <= self.tail { RecordIdx(r as u32) } else { anchor };
                End::Settled { next: v, depth, witness, pos, anchor }
            }
            other => other,
        }
    }
}

/// `flags` a bit each, 64 to a word.
fn bits(flags: &[bool]) -> Vec<u64> {
    let mut out = vec![0u64; flags.len().div_ceil(64)];
    for (i, _) in flags.iter().enumerate().filter(|(_, f)| **f) {
        out[i / 64] |= 1 << (i % 64);
    }
    out
}

/// Records at a time, one part on a core where `parallel`.
const PART: usize = 1 << 13;

/// `f` of `items`, a part at a time, on every core where `parallel`; the
/// results in order.
fn in_parts<T: Send>(items: &[u32], parallel: bool, f: impl Fn(&[u32]) -> Vec<T> + Sync) -> Vec<T> {
    if !parallel {
        return f(items);
    }
    items.par_chunks(PART).map(&f).collect::<Vec<Vec<T>>>().into_iter().flatten().collect()
}

/// The distances to `S` of the records not yet reached, up to `farthest`,
/// found by a breadth-first search backwards over the links from
/// `frontier` (the farthest level reached so far); returns those records,
/// nearest first.
fn backwards_from(links: &Links<'_>, dist: &mut [u32], frontier: Vec<u32>, farthest: u32) -> Vec<u32> {
    let n = dist.len();
    // The links reversed, in the same compressed rows.
    let mut starts = vec![0u32; n + 1];
    for r in 0..n {
        for &(_, t) in links.of(r) {
            if let Some(s) = starts.get_mut(t.index() + 1) {
                *s += 1;
            }
        }
    }
    for i in 0..n {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    let mut from = vec![0u32; starts[n] as usize];
    for r in 0..n {
        for &(_, t) in links.of(r) {
            if let Some(at) = fill.get_mut(t.index()) {
                from[*at as usize] = r as u32;
                *at += 1;
            }
        }
    }
    let reached = frontier.len();
    let mut order = frontier;
    let mut at = 0;
    while let Some(&u) = order.get(at) {
        at += 1;
        let u = u as usize;
        if dist[u] >= farthest {
            continue;
        }
        for &s in &from[starts[u] as usize..starts[u + 1] as usize] {
            if dist[s as usize] == FAR {
                dist[s as usize] = dist[u] + 1;
                order.push(s);
            }
        }
    }
    order.split_off(reached)
}

/// How many records each record reaches (see [`Closure::reached`]): the
/// strongly connected components, then their sizes added up from the last
/// component reached back, where no component is reached two ways.
fn reach_counts(links: &Links<'_>, n: usize) -> Vec<u32> {
    let (comp, comps) = components(links, n);
    let mut size = vec![0u32; comps];
    for &c in &comp {
        size[c as usize] += 1;
    }
    // The links between components, each once: (from, to).
    let mut edges: Vec<(u32, u32)> = Vec::new();
    for (r, &from) in comp.iter().enumerate() {
        for &(_, t) in links.of(r) {
            let to = comp[t.index()];
            if to != from {
                edges.push((from, to));
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    let mut parents = vec![0u32; comps];
    for &(_, to) in &edges {
        parents[to as usize] += 1;
    }
    // Components are numbered in the order they were completed: every
    // component a component reaches has a smaller number.
    let mut total: Vec<u32> = size;
    let mut at = 0;
    for c in 0..comps {
        while let Some(&(from, to)) = edges.get(at).filter(|e| e.0 as usize == c) {
            at += 1;
            let add = if parents[to as usize] == 1 { total[to as usize] } else { FAR };
            total[from as usize] = total[from as usize].saturating_add(add);
        }
    }
    comp.iter().map(|&c| if total[c as usize] == FAR { FAR } else { total[c as usize] - 1 }).collect()
}

/// Each record's strongly connected component (Tarjan's, without
/// recursion), numbered in the order completed, and how many there are.
fn components(links: &Links<'_>, n: usize) -> (Vec<u32>, usize) {
    const NEW: u32 = u32::MAX;
    let mut index = vec![NEW; n];
    let mut low = vec![0u32; n];
    let mut comp = vec![NEW; n];
    let mut stack: Vec<u32> = Vec::new();
    // (record, next link to look at)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let (mut next_index, mut comps) = (0u32, 0u32);
    for root in 0..n {
        if index[root] != NEW {
            continue;
        }
        calls.push((root, 0));
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root as u32);
        while let Some(&mut (v, ref mut i)) = calls.last_mut() {
            if let Some(&(_, t)) = links.of(v).get(*i) {
                *i += 1;
                let w = t.index();
                if index[w] == NEW {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w as u32);
                    calls.push((w, 0));
                } else if comp[w] == NEW {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    comp[w as usize] = comps;
                    if w as usize == v {
                        break;
                    }
                }
                comps += 1;
            }
        }
    }
    (comp, comps as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Links from lists of targets (`None`: a link that leads nowhere is
    /// left out, as the adjacency arrays leave it out).
    fn closure(lists: &[&[Option<u32>]], settles: &[bool], tail: u32) -> Closure {
        let mut starts = vec![0];
        let mut links = Vec::new();
        for list in lists {
            for (pos, t) in list.iter().enumerate() {
                if let Some(t) = t {
                    links.push((pos as u32, RecordIdx(*t)));
                }
            }
            starts.push(links.len() as u32);
        }
        Closure::new(&Links { starts: &starts, links: &links }, settles, tail, None)
    }

    fn settled(next: u32, depth: u32, witness: u32, pos: u32, anchor: u32) -> End {
        let (next, witness, anchor) = (RecordIdx(next), RecordIdx(witness), RecordIdx(anchor));
        End::Settled { next, depth, witness, pos, anchor }
    }

    #[test]
    fn a_ring_settles_every_record_at_the_one_that_holds() {
        // 0 → 1 → 2 → 3 → 0; only 3 holds.
        let c = closure(&[&[Some(1)], &[Some(2)], &[Some(3)], &[Some(0)]], &[false, false, false, true], 1);
        assert_eq!(c.end(RecordIdx(2)), settled(3, 1, 3, 0, 2));
        assert_eq!(c.end(RecordIdx(1)), settled(2, 2, 3, 0, 2));
        assert_eq!(c.end(RecordIdx(0)), settled(1, 3, 3, 0, 2));
        // 3 is not its own witness, and the ring reaches nothing else.
        assert_eq!(c.end(RecordIdx(3)), End::Walk { depth: None });
        let way = c.way(RecordIdx(0));
        assert_eq!(way, Some(Way { first: vec![RecordIdx(1)], left_out: 1, last: vec![RecordIdx(3)] }));
    }

    /// A chain is one record a level: the levels give way to the search
    /// backwards part of the way along, and the ends are the same.
    #[test]
    fn a_long_chain_is_settled_the_same_by_levels_and_by_the_search_backwards() {
        // 0 → 1 → … → 199, and a branch 200 → 150; only 199 holds.
        let n = 201u32;
        let lists: Vec<Vec<Option<u32>>> = (0..n)
            .map(|r| {
                if r == 199 {
                    vec![]
                } else if r == 200 {
                    vec![Some(150)]
                } else {
                    vec![Some(r + 1)]
                }
            })
            .collect();
        let lists: Vec<&[Option<u32>]> = lists.iter().map(Vec::as_slice).collect();
        let mut settles = vec![false; n as usize];
        settles[199] = true;
        let tail = 8;
        let c = closure(&lists, &settles, tail);
        for r in 0..199 {
            let depth = 199 - r;
            let anchor = if depth <= tail { r } else { 199 - tail };
            assert_eq!(c.end(RecordIdx(r)), settled(r + 1, depth, 199, 0, anchor), "record {r}");
        }
        assert_eq!(c.end(RecordIdx(200)), settled(150, 50, 199, 0, 199 - tail));
        assert_eq!(c.end(RecordIdx(199)), End::Unsettled);
    }

    #[test]
    fn several_shortest_ways_are_left_to_the_walk() {
        // 0 → [1, 2], both → 3 (holds).
        let c = closure(&[&[Some(1), Some(2)], &[Some(3)], &[Some(3)], &[]], &[false, false, false, true], 8);
        assert_eq!(c.end(RecordIdx(0)), End::Walk { depth: Some(2) });
        assert_eq!(c.end(RecordIdx(1)), settled(3, 1, 3, 0, 1));
        assert_eq!(c.end(RecordIdx(3)), End::Unsettled);
    }

    #[test]
    fn depth_one_takes_the_first_in_list_order_and_skips_the_start() {
        // 0 → [missing, 0, 2, 1]; 0, 1 and 2 hold.
        let c = closure(&[&[None, Some(0), Some(2), Some(1)], &[], &[]], &[true, true, true], 8);
        assert_eq!(c.end(RecordIdx(0)), settled(2, 1, 2, 2, 0));
        assert_eq!(c.end(RecordIdx(1)), End::Unsettled);
    }

    #[test]
    fn what_a_walk_reaches_is_counted_where_no_component_is_reached_two_ways() {
        // 0 → 1 ⇄ 2 → 3; 4 → [0, 0]; 5 → [6, 7] → 8: 8 is reached two
        // ways, so what reaches it is not counted (it is walked instead).
        let lists: &[&[Option<u32>]] = &[
            &[Some(1)],
            &[Some(2)],
            &[Some(1), Some(3)],
            &[],
            &[Some(0), Some(0)],
            &[Some(6), Some(7)],
            &[Some(8)],
            &[Some(8)],
            &[],
        ];
        let c = closure(lists, &[false; 9], 8);
        let reached: Vec<Option<usize>> = (0..9).map(|r| c.reached(RecordIdx(r))).collect();
        assert_eq!(reached, [Some(3), Some(2), Some(2), Some(0), Some(4), None, None, None, Some(0)]);
        // A ring reaches every other record.
        let c = closure(&[&[Some(1)], &[Some(2)], &[Some(0), Some(0)]], &[false; 3], 8);
        assert_eq!(c.reached(RecordIdx(1)), Some(2));
    }

    #[test]
    fn whether_a_record_no_link_leads_to_settles_changes_no_end() {
        // 0 → 1 → 2 (holds); 3 → [1, 2]: nothing links to 0 or 3.
        let lists: &[&[Option<u32>]] = &[&[Some(1)], &[Some(2)], &[], &[Some(1), Some(2)]];
        let all = closure(lists, &[true, false, true, true], 8);
        let targets_only = closure(lists, &[false, false, true, false], 8);
        for r in 0..4 {
            assert_eq!(all.end(RecordIdx(r)), targets_only.end(RecordIdx(r)), "record {r}");
        }
        assert_eq!(targets_only.end(RecordIdx(0)), settled(1, 2, 2, 0, 0));
    }

    /// `{1..2}`: the records three hops from `S` are left unsettled, the
    /// nearer ones as an unbounded range settles them.
    #[test]
    fn a_bounded_range_works_out_no_distance_past_its_end() {
        // 0 → 1 → 2 → 3 (holds); 4 → [1, 2]; 5 → [0, 4].
        let lists: &[&[Option<u32>]] =
            &[&[Some(1)], &[Some(2)], &[Some(3)], &[], &[Some(1), Some(2)], &[Some(0), Some(4)]];
        let settles = [false, false, false, true, false, false];
        let (mut starts, mut links) = (vec![0], Vec::new());
        for list in lists {
            links.extend(list.iter().enumerate().filter_map(|(pos, t)| Some((pos as u32, RecordIdx((*t)?)))));
            starts.push(links.len() as u32);
        }
        let links = Links { starts: &starts, links: &links };
        let bounded = Closure::new(&links, &settles, 8, Some(2));
        let unbounded = Closure::new(&links, &settles, 8, None);
        for r in [1, 2, 3, 4] {
            assert_eq!(bounded.end(RecordIdx(r)), unbounded.end(RecordIdx(r)), "record {r}");
        }
        assert_eq!(bounded.end(RecordIdx(4)), settled(2, 2, 3, 0, 4));
        assert_eq!(unbounded.end(RecordIdx(0)), settled(1, 3, 3, 0, 0));
        assert_eq!(unbounded.end(RecordIdx(5)), settled(4, 3, 3, 0, 5));
        for r in [0, 5] {
            assert_eq!(bounded.end(RecordIdx(r)), End::Unsettled, "record {r}");
        }
    }

    #[test]
    fn a_bounded_range_counts_nothing_reached() {
        let lists: &[&[Option<u32>]] = &[&[Some(1)], &[Some(2)], &[]];
        let (starts, links) = ([0, 1, 2, 2], [(0, RecordIdx(1)), (0, RecordIdx(2))]);
        let links = Links { starts: &starts, links: &links };
        assert_eq!(links.targets(3), [false, true, true]);
        let bounded = Closure::new(&links, &[false; 3], 8, Some(2));
        assert_eq!(bounded.reached(RecordIdx(0)), None);
        assert_eq!(closure(lists, &[false; 3], 8).reached(RecordIdx(0)), Some(2));
    }

    #[test]
    fn a_record_of_s_goes_on_through_its_one_link() {
        // 0 (holds) → 1 → 2 (holds); 3 (holds) → 4 → 3.
        let settles = [true, false, true, true, false];
        let c = closure(&[&[Some(1)], &[Some(2)], &[], &[Some(4)], &[Some(3)]], &settles, 8);
        assert_eq!(c.end(RecordIdx(0)), settled(1, 2, 2, 0, 0));
        assert_eq!(c.end(RecordIdx(3)), End::Walk { depth: None });
    }
}
