//! Paths over the compact store: fields by id, links already resolved,
//! and hop ranges walked breadth-first depth by depth with a reusable
//! visited set, ordering a depth only when a witness must be shown.
//! Conditions are in `cond.rs`.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::Arc;

use serde_json::Value;

use super::engine::FastEngine;
use super::store::{FVal, FastRecord};
use super::value::{Cursor, Env, Item, ItemChain, Parent, Val, WalkTree};
use crate::ast::HopRange;
use crate::check::{Head, PathExpr, PathStep};
use crate::eval::{Budget, CHAIN_ENDS, Chain, Hop, Shown, const_shown, shared};
use crate::records::{RecordIdx, Records};

/// One evaluation of conditions on a record, with or without evidence
/// (`trace`).
pub(crate) struct Ctx<'e, 's> {
    pub(crate) engine: &'e FastEngine<'s>,
    pub(crate) trace: bool,
    /// What this evaluation may still spend.
    pub(crate) budget: &'e Budget<'s>,
}

thread_local! {
    /// Visited sets for hop walks, reused across calls (a stack, for walks
    /// inside walks). A small hash set stays in cache where a mark per
    /// record would not.
    static VISITED: RefCell<Vec<Visited>> = const { RefCell::new(Vec::new()) };
}

thread_local! {
    /// Record types' names as evidence shows them, by type number.
    static TYPES_SHOWN: RefCell<Vec<Option<Arc<str>>>> = const { RefCell::new(Vec::new()) };
}

type Visited = std::collections::HashSet<RecordIdx, foldhash::fast::RandomState>;

thread_local! {
    /// A hop walk's working vectors, reused across calls like [`VISITED`]:
    /// growing them afresh for every record cost 8 % of a 100k-record run.
    static WALK_BUFS: RefCell<Vec<WalkBufs>> = const { RefCell::new(Vec::new()) };
}

/// A link followed at one depth: (list position, target, parent's index in
/// the frontier, the target id's first bytes when sorting).
type Reached = (usize, RecordIdx, usize, u64);

/// What one hop walk works in; empty whenever it is in the pool.
#[derive(Default)]
pub(crate) struct WalkBufs {
    /// The links followed at this depth.
    reached: Vec<Reached>,
    /// The records of the current depth and where each came from.
    frontier: Vec<(RecordIdx, Parent)>,
    /// The next depth's frontier, being built.
    next: Vec<(RecordIdx, Parent)>,
    /// Every record reached: its parent and itself (the walk tree).
    pub(crate) nodes: Vec<(Parent, RecordIdx)>,
    /// The records first reached at this depth, when the depth is in the
    /// range: (node, record, list position).
    pub(crate) level: Vec<(u32, RecordIdx, usize)>,
    /// Where each frontier record's links are in the adjacency arrays.
    rows: Vec<(usize, usize)>,
}

/// A breadth-first walk over one link field, a depth at a time. Its
/// buffers go back to the thread's pools when it is dropped.
pub(crate) struct HopWalk {
    visited: Visited,
    pub(crate) bufs: WalkBufs,
    /// The chains of the records the walk started from.
    pub(crate) start_chains: Vec<Chain>,
    /// The depth last walked.
    pub(crate) depth: u32,
}

/// What walking one more depth came to.
#[derive(PartialEq, Eq)]
pub(crate) enum Depth {
    /// `bufs.level` holds the records first reached at it.
    Walked,
    /// Nothing left to reach, or the range's last depth was walked.
    Done,
    /// `--max-visited` ran out (the budget says so at its next check).
    OutOfBudget,
}

impl Drop for HopWalk {
    fn drop(&mut self) {
        let mut bufs = std::mem::take(&mut self.bufs);
        // Back to the pools, unless a huge walk made them too big to keep.
        if bufs.reached.capacity() + bufs.nodes.capacity() <= 1 << 16 {
            bufs.reached.clear();
            bufs.level.clear();
            bufs.frontier.clear();
            bufs.next.clear();
            bufs.nodes.clear();
            bufs.rows.clear();
            WALK_BUFS.with(|b| b.borrow_mut().push(bufs));
        }
        if self.visited.capacity() <= 1 << 16 {
            let visited = std::mem::take(&mut self.visited);
            VISITED.with(|v| v.borrow_mut().push(visited));
        }
    }
}

/// What a record holds under a field.
enum Field<'s> {
    Val(&'s FVal<'s>),
    Json(&'s Value),
    Text(&'s str),
    Absent,
}

impl<'s> Ctx<'_, 's> {
    /// The same evaluation without evidence (to find a witness before
    /// tracing only it).
    pub(crate) fn untraced(&self) -> Ctx<'_, 's> {
        Ctx { engine: self.engine, trace: false, budget: self.budget }
    }

    fn rec(&self, r: RecordIdx) -> &'s FastRecord<'s> {
        self.engine.store.record(r)
    }

    pub(crate) fn id(&self, r: RecordIdx) -> &'s str {
        self.rec(r).id.as_str()
    }

    pub(crate) fn record_shown(&self, r: RecordIdx) -> Shown {
        let store = self.engine.store;
        Shown::Record { id: store.id(r).into(), record_type: self.type_shown(r), name: store.name(r).map(Into::into) }
    }

    /// A record's type as a shared string, kept a thread by type number
    /// (cheaper than finding it by its text among the [`shared`] ones);
    /// used only while its text is the type's (a thread serves one store
    /// after another).
    fn type_shown(&self, r: RecordIdx) -> Arc<str> {
        let store = self.engine.store;
        let ty = store.record(r).ty.0 as usize;
        let text = store.type_name(store.record(r).ty);
        TYPES_SHOWN.with_borrow_mut(|kept| {
            if let Some(Some(name)) = kept.get(ty)
                && **name == *text
            {
                return Arc::clone(name);
            }
            if kept.len() <= ty {
                kept.resize(ty + 1, None);
            }
            let name: Arc<str> = text.into();
            kept[ty] = Some(Arc::clone(&name));
            name
        })
    }

    /// The chain of a rule's record: itself, when tracing.
    pub(crate) fn start_chain(&self, r: RecordIdx) -> Chain {
        match self.trace {
            true => Chain::from(vec![Hop::start(self.record_shown(r))]),
            false => Chain::default(),
        }
    }

    /// The chain to an element of a range (for evidence); a record ranged
    /// over by type starts its own chain.
    pub(crate) fn element_chain(&self, val: Val<'s>, chain: ItemChain) -> Chain {
        match val {
            Val::Rec(i) if chain.is_empty() => self.start_chain(i),
            _ => self.chain(chain),
        }
    }

    /// `v` as evidence shows it beside the chain that reached it: a record
    /// the chain's last hop already shows is cloned from there (its shared
    /// strings counted, not allocated again: a witness and a def's argument
    /// are the record their chain ends at).
    pub(crate) fn shown_at(&self, v: Val<'s>, chain: &Chain) -> Shown {
        match (v, chain.last().map(|h| &h.to)) {
            // Ids are unique: the same id is the same record.
            (Val::Rec(r), Some(to @ Shown::Record { id, .. })) if **id == *self.id(r) => to.clone(),
            // A field's string is the one its hop shows.
            (Val::Str(s), Some(to @ Shown::Text(t))) if **t == *s => to.clone(),
            _ => self.shown(v),
        }
    }

    pub(crate) fn shown(&self, v: Val<'s>) -> Shown {
        let store = self.engine.store;
        match v {
            Val::Rec(r) => self.record_shown(r),
            Val::List(items) => Shown::Value(Value::Array(items.iter().map(|i| store.json(i)).collect())),
            Val::Links(ids) => {
                Shown::Value(Value::Array(ids.iter().map(|r| Value::String(self.id(*r).to_string())).collect()))
            }
            Val::Json(v) => Shown::Value(v.clone()),
            Val::Const(l) => Shown::List(l.items.iter().map(const_shown).collect()),
            scalar => scalar.scalar(|r| self.id(r)).shown(),
        }
    }

    /// The chain of hops that reached a list element.
    pub(crate) fn chain(&self, t: ItemChain) -> Chain {
        match t {
            ItemChain::Built(t) => t,
            ItemChain::Indexed(mut t, hop) => {
                t.push(hop);
                t
            }
            ItemChain::Walk(walk, node) => self.walk_chain(&walk.starts, &walk.nodes, &walk.via, node),
        }
    }

    /// The hops from a walk's start to one of its nodes.
    pub(crate) fn walk_chain(
        &self,
        starts: &[Chain],
        nodes: &[(Parent, RecordIdx)],
        via: &str,
        mut node: u32,
    ) -> Chain {
        let mut records = Vec::new();
        let start = loop {
            let (parent, r) = nodes[node as usize];
            records.push(r);
            match parent {
                Parent::Node(p) => node = p,
                Parent::Start(s) => break s,
            }
        };
        records.reverse();
        let mut chain = starts.get(start as usize).cloned().unwrap_or_default();
        let via = shared(via);
        let hop = |r: &RecordIdx| Hop { via: Arc::clone(&via), to: self.record_shown(*r) };
        // A long walk's middle is left out here, never built.
        let (first, last) = match records.len().checked_sub(2 * CHAIN_ENDS) {
            Some(left_out) if left_out > 0 => {
                (&records[..CHAIN_ENDS], Some((left_out, &records[records.len() - CHAIN_ENDS..])))
            }
            _ => (&records[..], None),
        };
        chain.extend(first.iter().map(hop));
        if let Some((left_out, last)) = last {
            chain.push(Hop::start(Shown::Elided(left_out)));
            chain.extend(last.iter().map(hop));
        }
        chain
    }

    fn hop(&self, via: &str, v: Val<'s>) -> Hop {
        Hop { via: shared(via), to: self.shown(v) }
    }

    /// The record a value names.
    pub(crate) fn resolve_val(&self, v: Val<'s>) -> Option<RecordIdx> {
        match v {
            Val::Rec(r) | Val::IdStr(r) => Some(r),
            Val::Str(s) => self.engine.store.lookup(s),
            _ => None,
        }
    }

    /// The length of a list value, without building its items.
    pub(crate) fn count(&self, c: Cursor<'s>) -> Option<usize> {
        match c {
            Cursor::Many(items) => Some(items.len()),
            Cursor::One(Val::List(items), _) => Some(items.len()),
            Cursor::One(Val::Links(ids), _) => Some(ids.len()),
            Cursor::One(Val::Json(Value::Array(a)), _) => Some(a.len()),
            Cursor::One(Val::Const(l), _) => Some(l.items.len()),
            Cursor::One(..) => None,
        }
    }

    /// The path's head followed by its first `n` steps.
    pub(crate) fn follow(&self, p: &'s PathExpr, env: &Env<'s>, n: usize) -> Cursor<'s> {
        let mut cur = match &p.head {
            Head::Var(slot, _) => env.get(*slot).cloned().unwrap_or_default(),
            Head::Const(c, _) => Cursor::One(Val::of_const(c), Chain::default()),
        };
        for step in &p.steps[..n.min(p.steps.len())] {
            cur = match step.hops {
                Some(range) => self.hops(cur, step, range),
                None => self.step(cur, step),
            };
        }
        cur
    }

    fn step(&self, cur: Cursor<'s>, step: &'s PathStep) -> Cursor<'s> {
        match cur {
            Cursor::One(Val::List(_) | Val::Links(_) | Val::Json(Value::Array(_)) | Val::Const(_), _) => {
                match self.items(cur) {
                    Some(items) => self.step_many(items, step),
                    None => Cursor::default(),
                }
            }
            Cursor::One(v, chain) => self.step_val(v, chain, step),
            Cursor::Many(items) => self.step_many(items, step),
        }
    }

    /// Maps a step over a list, flattening lists it leads to.
    fn step_many(&self, items: Vec<Item<'s>>, step: &'s PathStep) -> Cursor<'s> {
        let mut out = Vec::new();
        for item in items {
            let chain = if self.trace { self.chain(item.chain) } else { Chain::default() };
            match self.step_val(item.val, chain, step) {
                Cursor::One(Val::Missing, _) => {}
                c @ Cursor::One(Val::List(_) | Val::Links(_) | Val::Json(Value::Array(_)), _) => {
                    out.extend(self.items(c).unwrap_or_default())
                }
                Cursor::One(v, chain) => out.push(Item::built(v, chain, 0)),
                Cursor::Many(many) => out.extend(many),
            }
        }
        for (pos, item) in out.iter_mut().enumerate() {
            item.pos = pos;
        }
        Cursor::Many(out)
    }

    /// A field of the record `r`: `id` and `type` from the record itself.
    fn field(&self, r: RecordIdx, step: &PathStep) -> Field<'s> {
        let rec = self.rec(r);
        if Some(step.field_id) == self.engine.id_field {
            return Field::Text(rec.id.as_str());
        }
        if Some(step.field_id) == self.engine.type_field {
            return Field::Text(self.engine.store.type_name(rec.ty));
        }
        match rec.get(step.field_id) {
            Some(v) => Field::Val(v),
            None => Field::Absent,
        }
    }

    /// One step from one value: a field of the record it names (or of a
    /// nested object), followed as a declared link where it is one.
    pub(crate) fn step_val(&self, v: Val<'s>, mut chain: Chain, step: &'s PathStep) -> Cursor<'s> {
        let field = match v {
            Val::Json(Value::Object(map)) => map.get(&step.field).map_or(Field::Absent, Field::Json),
            other => match self.resolve_val(other) {
                Some(i) => {
                    if self.trace
                        && matches!(other, Val::Str(_) | Val::IdStr(_))
                        && let Some(last) = chain.last_mut()
                    {
                        // A string followed as a link: show the record it named.
                        last.to = self.record_shown(i);
                    }
                    self.field(i, step)
                }
                None => Field::Absent,
            },
        };
        let Some(entity) = &step.link_to else {
            return self.plain_field(field, chain, step);
        };
        match field {
            Field::Val(FVal::Links(ids)) => {
                self.link_items(ids.iter().map(|r| (Val::Rec(*r), None)), &chain, &step.text)
            }
            Field::Val(FVal::List(ids)) => {
                self.link_items(ids.iter().map(|id| (self.typed_link(id, entity), Some(id))), &chain, &step.text)
            }
            Field::Val(id) => {
                let val = self.typed_link(id, entity);
                if self.trace {
                    chain.push(self.link_hop(&step.text, val, Some(id)));
                }
                Cursor::One(val, chain)
            }
            Field::Json(j) => {
                // A declared link inside nested JSON: look the id up.
                let val = j.as_str().and_then(|s| self.engine.store.lookup(s)).map_or(Val::Missing, Val::Rec);
                if self.trace {
                    chain.push(self.hop(&step.text, val));
                }
                Cursor::One(val, chain)
            }
            field => self.plain_field(field, chain, step),
        }
    }

    /// A field that is not followed as a declared link: its value.
    fn plain_field(&self, field: Field<'s>, mut chain: Chain, step: &'s PathStep) -> Cursor<'s> {
        let val = match field {
            Field::Val(f) => Val::of_stored(f),
            Field::Json(j) => Val::of_json(j),
            Field::Text(s) => Val::Str(s),
            Field::Absent => Val::Missing,
        };
        if self.trace {
            chain.push(self.hop(&step.text, val));
        }
        Cursor::One(val, chain)
    }

    /// The records of a multi-link, each with its chain (`id`: the stored
    /// id, shown when it leads nowhere).
    fn link_items(
        &self,
        links: impl Iterator<Item = (Val<'s>, Option<&'s FVal<'s>>)>,
        chain: &Chain,
        via: &str,
    ) -> Cursor<'s> {
        let items = links
            .enumerate()
            .map(|(pos, (val, id))| {
                let mut chain = if self.trace { chain.clone() } else { Chain::default() };
                if self.trace {
                    chain.push(self.link_hop(via, val, id));
                }
                Item::built(val, chain, pos)
            })
            .collect();
        Cursor::Many(items)
    }

    /// A declared link: the record, if the id names one of the declared type.
    fn typed_link(&self, id: &'s FVal<'s>, entity: &str) -> Val<'s> {
        match id {
            // Resolved at load against the declared type.
            FVal::Link(r) => Val::Rec(*r),
            FVal::Str(s) => match self.engine.store.lookup(s.as_str()) {
                Some(r) if self.engine.store.record_type(r) == entity => Val::Rec(r),
                _ => Val::Missing,
            },
            _ => Val::Missing,
        }
    }

    fn link_hop(&self, via: &str, val: Val<'s>, id: Option<&FVal<'s>>) -> Hop {
        match (val, id) {
            (Val::Missing, Some(FVal::Str(s))) => {
                Hop { via: via.into(), to: Shown::Unresolved(s.as_str().to_string()) }
            }
            (Val::Missing, Some(FVal::Link(r))) => {
                Hop { via: via.into(), to: Shown::Unresolved(self.id(*r).to_string()) }
            }
            _ => self.hop(via, val),
        }
    }

    /// The elements of a list value, in order; `None` if it is missing or
    /// not a list.
    pub(crate) fn items(&self, cur: Cursor<'s>) -> Option<Vec<Item<'s>>> {
        match cur {
            Cursor::Many(items) => Some(items),
            Cursor::One(Val::Links(ids), chain) => Some(self.indexed(ids.iter().map(|r| Val::IdStr(*r)), &chain)),
            Cursor::One(Val::List(values), chain) => Some(self.indexed(values.iter().map(Val::of_stored), &chain)),
            Cursor::One(Val::Json(Value::Array(values)), chain) => {
                Some(self.indexed(values.iter().map(Val::of_json), &chain))
            }
            Cursor::One(Val::Const(list), _) => Some(
                list.items
                    .iter()
                    .enumerate()
                    .map(|(pos, c)| Item::built(Val::of_const(c), Chain::default(), pos))
                    .collect(),
            ),
            Cursor::One(..) => None,
        }
    }

    /// A list's elements, each reached by its index (`[2]`) from `chain`.
    fn indexed(&self, values: impl Iterator<Item = Val<'s>>, chain: &Chain) -> Vec<Item<'s>> {
        values
            .enumerate()
            .map(|(pos, val)| {
                if !self.trace {
                    return Item::built(val, Chain::default(), pos);
                }
                // Not through `shared`: indexes would crowd out the names.
                let hop = Hop { via: format!("[{pos}]").into(), to: self.shown(val) };
                Item { val, chain: ItemChain::Indexed(chain.clone(), hop), depth: 0, pos }
            })
            .collect()
    }

    /// `field{min..max}`, breadth-first with a visited set; the starts are
    /// never in the result. Within a depth the order (position in the list
    /// it came from, then id) only matters for the witness shown, so it is
    /// only computed when tracing.
    fn hops(&self, cur: Cursor<'s>, step: &'s PathStep, range: HopRange) -> Cursor<'s> {
        let mut walk = self.start_walk(cur);
        let mut found: Vec<(u32, u32, usize)> = Vec::new(); // (node, depth, pos)
        let followed = self.budget.follow(&step.field);
        loop {
            let depth = self.walk_depth(&mut walk, step, range);
            found.extend(walk.bufs.level.iter().map(|&(node, _, pos)| (node, walk.depth, pos)));
            if depth != Depth::Walked {
                break;
            }
        }
        self.budget.unfollow(followed);
        let nodes = &walk.bufs.nodes;
        let tree = self.trace.then(|| {
            let starts = std::mem::take(&mut walk.start_chains);
            Rc::new(WalkTree { via: step.field.clone(), starts, nodes: nodes.clone() })
        });
        let out = found
            .into_iter()
            .map(|(node, depth, pos)| Item {
                val: Val::Rec(nodes[node as usize].1),
                chain: match &tree {
                    Some(t) => ItemChain::Walk(Rc::clone(t), node),
                    None => ItemChain::Built(Chain::default()),
                },
                depth,
                pos,
            })
            .collect();
        Cursor::Many(out)
    }

    /// Starts a hop walk from the records a cursor names.
    pub(crate) fn start_walk(&self, cur: Cursor<'s>) -> HopWalk {
        let starts: Vec<(RecordIdx, Chain)> = match cur {
            Cursor::One(v, chain) => self.resolve_val(v).map(|i| (i, chain)).into_iter().collect(),
            Cursor::Many(items) => items
                .into_iter()
                .filter_map(|it| {
                    let r = self.resolve_val(it.val)?;
                    Some((r, if self.trace { self.chain(it.chain) } else { Chain::default() }))
                })
                .collect(),
        };
        let mut visited = VISITED.with(|v| v.borrow_mut().pop()).unwrap_or_default();
        visited.clear();
        visited.extend(starts.iter().map(|(r, _)| *r));
        let mut bufs = WALK_BUFS.with(|b| b.borrow_mut().pop()).unwrap_or_default();
        bufs.frontier.extend(starts.iter().enumerate().map(|(i, (r, _))| (*r, Parent::Start(i as u32))));
        let start_chains = starts.into_iter().map(|(_, chain)| chain).collect();
        HopWalk { visited, bufs, start_chains, depth: 0 }
    }

    /// Walks one more depth of `range`: the records first reached at it
    /// become the next frontier and, if the depth is in the range,
    /// `walk.bufs.level`.
    pub(crate) fn walk_depth(&self, walk: &mut HopWalk, step: &PathStep, range: HopRange) -> Depth {
        let HopWalk { visited, bufs, depth, .. } = walk;
        let WalkBufs { reached, frontier, next, nodes, level, rows } = bufs;
        level.clear();
        if frontier.is_empty() || range.max.is_some_and(|max| *depth >= max) {
            return Depth::Done;
        }
        *depth += 1;
        self.reach(step, frontier, visited, reached, rows, |_| true);
        // From one record the links come in list order already.
        if self.trace && frontier.len() > 1 {
            self.sort_level(reached);
        }
        next.clear();
        for &(pos, target, parent, _) in reached.iter() {
            if !visited.insert(target) {
                continue;
            }
            if !self.budget.visit() {
                return Depth::OutOfBudget;
            }
            let node = nodes.len() as u32;
            nodes.push((frontier[parent].1, target));
            if *depth >= range.min {
                level.push((node, target, pos));
            }
            next.push((target, Parent::Node(node)));
        }
        std::mem::swap(frontier, next);
        Depth::Walked
    }

    /// A depth's links in witness order: list position, then id, then the
    /// frontier's order. That key is total, so the unstable sort gives
    /// the stable order; each id is read once, and compared whole only
    /// when its first 8 bytes tie (zero padding makes "ab" and "ab\0" tie).
    fn sort_level(&self, reached: &mut [Reached]) {
        for (_, target, _, prefix) in reached.iter_mut() {
            *prefix = self.engine.id_prefix(*target);
        }
        reached.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.3.cmp(&b.3))
                .then_with(|| if a.1 == b.1 { Ordering::Equal } else { self.id(a.1).cmp(self.id(b.1)) })
                .then(a.2.cmp(&b.2))
        });
    }

    /// Walks one more depth only as far as its witness: the first link,
    /// in the order [`Ctx::sort_level`] gives, to a record not yet visited
    /// that `settles`, as (node, record, list position). For a depth known
    /// to hold the witness, where ordering and recording the whole depth
    /// would be wasted; `None` (nothing walked) if no record settles.
    pub(crate) fn witness_depth(
        &self,
        walk: &mut HopWalk,
        step: &PathStep,
        settles: impl Fn(RecordIdx) -> bool,
    ) -> Option<(u32, RecordIdx, usize)> {
        let HopWalk { visited, bufs, depth, .. } = walk;
        let WalkBufs { reached, frontier, nodes, rows, .. } = bufs;
        // Few records settle it: asking that first spares the visited set
        // a look-up for every other link.
        self.reach(step, frontier, visited, reached, rows, &settles);
        let witness_order = |a: &Reached, b: &Reached| {
            a.0.cmp(&b.0)
                .then_with(|| if a.1 == b.1 { Ordering::Equal } else { self.id(a.1).cmp(self.id(b.1)) })
                .then(a.2.cmp(&b.2))
        };
        let &(pos, target, parent, _) = reached.iter().min_by(|a, b| witness_order(a, b))?;
        *depth += 1;
        let node = nodes.len() as u32;
        nodes.push((frontier[parent].1, target));
        Some((node, target, pos))
    }

    /// One depth of a hop walk: the links from each record of `frontier` to
    /// a record not yet visited that `keep` keeps, as (list position,
    /// target, index of the record in `frontier`, 0), in frontier and then
    /// list order.
    fn reach(
        &self,
        step: &PathStep,
        frontier: &[(RecordIdx, Parent)],
        visited: &Visited,
        reached: &mut Vec<Reached>,
        rows: &mut Vec<(usize, usize)>,
        keep: impl Fn(RecordIdx) -> bool,
    ) {
        reached.clear();
        let Some(adjacency) = self.engine.adjacency(step) else {
            for (parent, (node, _)) in frontier.iter().enumerate() {
                self.links_in_record(*node, step, |pos, target| {
                    if keep(target) && !visited.contains(&target) {
                        reached.push((pos, target, parent, 0));
                    }
                });
            }
            return;
        };
        // Every row is located (and its first link read) before any is
        // walked: these reads are independent, so their cache misses
        // overlap instead of waiting on one another (a walk's frontier is
        // scattered over the store; 1M bench records: the two misses per
        // row were 60 % of an untraced walk).
        rows.clear();
        let mut first = 0;
        for (node, _) in frontier {
            let row = adjacency.row(*node);
            first ^= adjacency.links(row).first().map_or(0, |l| l.0);
            rows.push(row);
        }
        std::hint::black_box(first);
        for (parent, row) in rows.iter().enumerate() {
            for &(pos, target) in adjacency.links(*row) {
                if keep(target) && !visited.contains(&target) {
                    reached.push((pos as usize, target, parent, 0));
                }
            }
        }
    }

    /// Calls `each(position, record)` for the records a link field of
    /// `node` names, read from the record itself.
    pub(crate) fn links_in_record(&self, node: RecordIdx, step: &PathStep, mut each: impl FnMut(usize, RecordIdx)) {
        let store = self.engine.store;
        let ok = |i: RecordIdx| step.link_to.as_deref().is_none_or(|e| store.record_type(i) == e);
        // A resolved link was checked against the declared type at load.
        let resolve = |v: &FVal<'s>| match v {
            FVal::Link(r) => Some(*r),
            FVal::Str(s) => store.lookup(s.as_str()).filter(|i| ok(*i)),
            _ => None,
        };
        match self.field(node, step) {
            Field::Val(FVal::Links(ids)) => {
                for (pos, r) in ids.iter().enumerate() {
                    each(pos, *r);
                }
            }
            Field::Val(FVal::List(ids)) => {
                for (pos, v) in ids.iter().enumerate() {
                    if let Some(i) = resolve(v) {
                        each(pos, i);
                    }
                }
            }
            Field::Val(v) => {
                if let Some(i) = resolve(v) {
                    each(0, i);
                }
            }
            Field::Text(s) => {
                if let Some(i) = store.lookup(s).filter(|i| ok(*i)) {
                    each(0, i);
                }
            }
            Field::Json(_) | Field::Absent => {}
        }
    }
}
