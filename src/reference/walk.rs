//! Following paths: fields, links, multi-links and hop ranges.
//!
//! A path yields one value or, once it passes through a list, several
//! ([`Cursor::Many`]). Hop ranges are breadth-first with a visited set, so
//! their cost is linear in the records and links reached, cycles included;
//! the records they start from are never in the result.

use std::collections::HashSet;

use serde_json::Value;

use crate::ast::HopRange;
use crate::check::{Head, PathExpr, PathStep};
use crate::eval::{Budget, Hop, Shown};
use crate::records::{RecordIdx, RecordStore};

use super::engine::Engine;
use super::trail::Trail;
use super::value::{Val, record_shown};

/// One evaluation of conditions on a record, with or without evidence
/// (`trace`): paths are followed here, conditions in `cond.rs`.
pub(crate) struct Ctx<'e, 'a> {
    pub(crate) engine: &'e Engine<'a>,
    pub(crate) trace: bool,
    /// What this evaluation may still spend.
    pub(crate) budget: &'e Budget<'a>,
    /// `explain`: quantifiers keep the elements that did not satisfy them.
    pub(crate) examine: bool,
    /// `and` terms that held so far (counted while examining): how near an
    /// element came.
    pub(crate) terms_held: std::cell::Cell<usize>,
}

/// One element of a list, with how it was reached.
#[derive(Clone, Debug)]
pub(crate) struct Item<'a> {
    pub(crate) val: Val<'a>,
    pub(crate) trail: Trail,
    /// Hops from the start (hop ranges), else 0.
    pub(crate) depth: u32,
    /// Position in the list it came from.
    pub(crate) pos: usize,
}

/// Where a path has got to.
#[derive(Clone, Debug)]
pub(crate) enum Cursor<'a> {
    /// One value, with the trail that reached it (empty unless tracing).
    One(Val<'a>, Trail),
    /// Several, once a path passes through a list.
    Many(Vec<Item<'a>>),
}

impl Default for Cursor<'_> {
    /// The missing value.
    fn default() -> Self {
        Cursor::One(Val::Missing, Trail::default())
    }
}

impl<'a> Cursor<'a> {
    /// The value, when the path leads to one; several count as missing.
    pub(crate) fn one(&self) -> Val<'a> {
        match self {
            Cursor::One(v, _) => *v,
            Cursor::Many(_) => Val::Missing,
        }
    }
}

impl<'e, 'a> Ctx<'e, 'a> {
    /// An evaluation on `budget`; it examines quantifiers' misses when it
    /// traces for `explain`.
    pub(crate) fn new(engine: &'e Engine<'a>, trace: bool, budget: &'e Budget<'a>) -> Self {
        let examine = trace && engine.examining.get();
        Ctx { engine, trace, budget, examine, terms_held: std::cell::Cell::new(0) }
    }
}

impl<'a> Ctx<'_, 'a> {
    pub(crate) fn store(&self) -> &'a RecordStore {
        self.engine.store
    }

    /// The trail of a rule's record: itself, when tracing.
    pub(crate) fn start_trail(&self, rec: RecordIdx) -> Trail {
        match self.trace {
            true => Trail::start(Hop::start(record_shown(self.store(), rec))),
            false => Trail::default(),
        }
    }

    fn hop(&self, via: &str, val: Val<'a>) -> Hop {
        Hop { via: via.into(), to: val.shown(self.store()) }
    }

    /// The record a value stands for: a record, or a string that is an id.
    pub(crate) fn resolve_val(&self, v: Val<'a>) -> Option<RecordIdx> {
        match v {
            Val::Record(i) => Some(i),
            Val::Str(s) => self.store().lookup(s),
            _ => None,
        }
    }

    /// Follows a path from its head (a binder or a literal).
    pub(crate) fn follow(&self, p: &'a PathExpr, env: &[Cursor<'a>]) -> Cursor<'a> {
        let mut cur = match &p.head {
            Head::Var(slot, _) => env.get(*slot).cloned().unwrap_or_else(Cursor::default),
            Head::Const(c, _) => Cursor::One(Val::of_const(c), Trail::default()),
        };
        for step in &p.steps {
            cur = match step.hops {
                Some(range) => self.hops(cur, step, range),
                None => self.step(cur, step),
            };
        }
        cur
    }

    fn step(&self, cur: Cursor<'a>, step: &'a PathStep) -> Cursor<'a> {
        match cur {
            Cursor::One(Val::Json(Value::Array(_)) | Val::List(_), _) => match self.items(cur) {
                Some(items) => self.step_many(items, step),
                None => Cursor::default(),
            },
            Cursor::One(v, trail) => self.step_val(v, trail, step),
            Cursor::Many(items) => self.step_many(items, step),
        }
    }

    /// Maps a step over a list, flattening lists it leads to.
    fn step_many(&self, items: Vec<Item<'a>>, step: &'a PathStep) -> Cursor<'a> {
        let mut out = Vec::new();
        for item in items {
            match self.step_val(item.val, item.trail, step) {
                Cursor::One(Val::Missing, _) => {}
                c @ Cursor::One(Val::Json(Value::Array(_)), _) => out.extend(self.items(c).unwrap_or_default()),
                Cursor::One(v, trail) => out.push(Item { val: v, trail, depth: 0, pos: 0 }),
                Cursor::Many(many) => out.extend(many),
            }
        }
        for (pos, item) in out.iter_mut().enumerate() {
            item.pos = pos;
        }
        Cursor::Many(out)
    }

    fn step_val(&self, v: Val<'a>, mut trail: Trail, step: &'a PathStep) -> Cursor<'a> {
        let store = self.store();
        let field = step.field.as_str();
        let json = match v {
            Val::Json(Value::Object(map)) => map.get(field),
            other => match self.resolve_val(other) {
                Some(i) => {
                    if self.trace && matches!(other, Val::Str(_)) {
                        // A string followed as a link: show the record it named.
                        trail.set_last(record_shown(store, i));
                    }
                    store.record(i).get(field)
                }
                None => None,
            },
        };
        match (json, &step.link_to) {
            (Some(Value::Array(ids)), Some(entity)) => {
                let items = ids
                    .iter()
                    .enumerate()
                    .map(|(pos, id)| {
                        let val = self.typed_link(id, entity);
                        let mut trail = if self.trace { trail.clone() } else { Trail::default() };
                        if self.trace {
                            trail.push(self.link_hop(&step.text, val, id));
                        }
                        Item { val, trail, depth: 0, pos }
                    })
                    .collect();
                Cursor::Many(items)
            }
            (Some(id), Some(entity)) => {
                let val = self.typed_link(id, entity);
                if self.trace {
                    trail.push(self.link_hop(&step.text, val, id));
                }
                Cursor::One(val, trail)
            }
            (json, _) => {
                let val = Val::of_json(json);
                if self.trace {
                    trail.push(self.hop(&step.text, val));
                }
                Cursor::One(val, trail)
            }
        }
    }

    /// A declared link: the record if the id exists with the declared type.
    fn typed_link(&self, id: &'a Value, entity: &str) -> Val<'a> {
        let store = self.store();
        match id.as_str().and_then(|s| store.lookup(s)) {
            Some(i) if store.record(i).record_type() == entity => Val::Record(i),
            _ => Val::Missing,
        }
    }

    fn link_hop(&self, via: &str, val: Val<'a>, id: &Value) -> Hop {
        match (val, id) {
            (Val::Missing, Value::String(s)) => Hop { via: via.into(), to: Shown::Unresolved(s.clone()) },
            _ => self.hop(via, val),
        }
    }

    /// The elements of a list value, in order; `None` if it is missing or
    /// not a list.
    pub(crate) fn items(&self, cur: Cursor<'a>) -> Option<Vec<Item<'a>>> {
        match cur {
            Cursor::Many(items) => Some(items),
            Cursor::One(Val::Json(Value::Array(values)), trail) => Some(
                values
                    .iter()
                    .enumerate()
                    .map(|(pos, v)| {
                        let val = Val::of_json(Some(v));
                        let mut trail = if self.trace { trail.clone() } else { Trail::default() };
                        if self.trace {
                            trail.push(self.hop(&format!("[{pos}]"), val));
                        }
                        Item { val, trail, depth: 0, pos }
                    })
                    .collect(),
            ),
            Cursor::One(Val::List(list), _) => Some(
                list.items
                    .iter()
                    .enumerate()
                    .map(|(pos, c)| Item { val: Val::of_const(c), trail: Trail::default(), depth: 0, pos })
                    .collect(),
            ),
            Cursor::One(..) => None,
        }
    }

    /// `field{min..max}`: records reachable in `min..=max` hops, breadth-first.
    /// Within a depth they are ordered by their position in the list they came
    /// from, then id; a record reached twice keeps its first place.
    fn hops(&self, cur: Cursor<'a>, step: &'a PathStep, range: HopRange) -> Cursor<'a> {
        let starts: Vec<(RecordIdx, Trail)> = match cur {
            Cursor::One(v, trail) => self.resolve_val(v).map(|i| (i, trail)).into_iter().collect(),
            Cursor::Many(items) => {
                items.into_iter().filter_map(|it| self.resolve_val(it.val).map(|i| (i, it.trail))).collect()
            }
        };
        let store = self.store();
        let mut visited: HashSet<RecordIdx> = starts.iter().map(|(i, _)| *i).collect();
        let mut frontier = starts;
        let mut out = Vec::new();
        let mut depth = 0u32;
        let followed = self.budget.follow(&step.field);
        'walk: while !frontier.is_empty() && range.max.is_none_or(|max| depth < max) {
            depth += 1;
            // (position, id, record, parent in frontier)
            let mut reached: Vec<(usize, &str, RecordIdx, usize)> = Vec::new();
            for (parent, (node, _)) in frontier.iter().enumerate() {
                for (pos, target) in self.links_of(*node, step) {
                    if !visited.contains(&target) {
                        reached.push((pos, store.record(target).id(), target, parent));
                    }
                }
            }
            reached.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            let mut next = Vec::new();
            for (pos, _, target, parent) in reached {
                if !visited.insert(target) {
                    continue;
                }
                if !self.budget.visit() {
                    break 'walk;
                }
                // One hop on the parent's trail, which it shares.
                let trail = if self.trace {
                    let mut t = frontier[parent].1.clone();
                    t.push(Hop { via: step.field.as_str().into(), to: record_shown(store, target) });
                    t
                } else {
                    Trail::default()
                };
                if depth >= range.min {
                    out.push(Item { val: Val::Record(target), trail: trail.clone(), depth, pos });
                }
                next.push((target, trail));
            }
            frontier = next;
        }
        self.budget.unfollow(followed);
        Cursor::Many(out)
    }

    /// The records a link field of `node` points to, with their positions.
    fn links_of(&self, node: RecordIdx, step: &PathStep) -> Vec<(usize, RecordIdx)> {
        let store = self.store();
        let ok = |i: RecordIdx| step.link_to.as_deref().is_none_or(|e| store.record(i).record_type() == e);
        let resolve = |v: &Value| v.as_str().and_then(|s| store.lookup(s)).filter(|i| ok(*i));
        match store.record(node).get(&step.field) {
            Some(Value::Array(ids)) => {
                ids.iter().enumerate().filter_map(|(pos, v)| resolve(v).map(|i| (pos, i))).collect()
            }
            Some(v) => resolve(v).map(|i| (0, i)).into_iter().collect(),
            None => Vec::new(),
        }
    }
}
