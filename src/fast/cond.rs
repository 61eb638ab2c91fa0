//! Conditions and paths over the compact store. The semantics (and, when
//! tracing, the evidence) are exactly those of the reference evaluator in
//! `crate::eval`; what differs is how: fields by id, links already resolved,
//! no ordering work for hop sets unless a witness must be shown, and a
//! reusable visited set for breadth-first walks.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

use serde_json::Value;

use super::engine::FastEngine;
use super::store::{FVal, FastRecord, Text};
use crate::ast::{CmpOp, HopRange, Quantifier, VerdictWord};
use crate::check::{Cond, Const, ConstList, Head, PathExpr, PathStep, QRange, Term, num_key};
use crate::date::Date;
use crate::eval::{Budget, Decision, Fact, FactKind, Hop, Observed, Shown, Witness};
use crate::records::{RecordIdx, Records};
use crate::source::Loc;

/// Literal lists longer than this are shown by their size (as the reference does).
const LIST_EVIDENCE_LIMIT: usize = 16;

/// A value during evaluation.
#[derive(Clone, Copy, Debug)]
pub(crate) enum V<'s> {
    Missing,
    Bool(bool),
    Num(f64),
    Str(&'s str),
    Date(Date),
    /// A record (a binder, or a declared link).
    Rec(RecordIdx),
    /// A link string in an untyped rule set: it is its id string, and a step
    /// from it goes straight to the record.
    IdStr(RecordIdx),
    /// A list field.
    List(&'s [FVal<'s>]),
    /// A list field of link strings that all name records (untyped).
    Links(&'s [RecordIdx]),
    /// Nested JSON (an object, or an array inside one).
    Json(&'s Value),
    Const(&'s ConstList),
}

type Trail = Vec<Hop>;

/// How an element of a list was reached: built, or a node of a hop walk
/// (built only if the element becomes a witness).
#[derive(Clone, Debug)]
enum ItemTrail {
    Built(Trail),
    Walk(Rc<Walk>, u32),
}

impl ItemTrail {
    fn is_empty(&self) -> bool {
        matches!(self, ItemTrail::Built(t) if t.is_empty())
    }
}

/// The tree of a traced hop walk: where each reached record came from.
#[derive(Debug)]
struct Walk {
    via: String,
    starts: Vec<Trail>,
    /// (parent, record): the parent is a start (`Start`) or an earlier node.
    nodes: Vec<(Parent, RecordIdx)>,
}

#[derive(Clone, Copy, Debug)]
enum Parent {
    Start(u32),
    Node(u32),
}

#[derive(Clone, Debug)]
pub(crate) struct Item<'s> {
    val: V<'s>,
    trail: ItemTrail,
    depth: u32,
    pos: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum Cursor<'s> {
    One(V<'s>, Trail),
    Many(Vec<Item<'s>>),
}

impl<'s> Cursor<'s> {
    fn one(&self) -> V<'s> {
        match self {
            Cursor::One(v, _) => *v,
            Cursor::Many(_) => V::Missing,
        }
    }

    fn missing() -> Cursor<'s> {
        Cursor::One(V::Missing, Vec::new())
    }
}

/// Binders of one body; small enough to live on the stack.
pub(crate) type Env<'s> = smallvec::SmallVec<[Cursor<'s>; 4]>;

/// Why evaluation stopped (turned into a per-record error by the engine).
pub(crate) use crate::eval::Fault;

thread_local! {
    /// Visited sets for hop walks, reused across calls (a stack, for walks
    /// inside walks). A small hash set stays in cache where a mark per
    /// record would not.
    static VISITED: RefCell<Vec<Visited>> = const { RefCell::new(Vec::new()) };
}

type Visited = std::collections::HashSet<RecordIdx, foldhash::fast::RandomState>;

thread_local! {
    /// A hop walk's working vectors, reused across calls like [`VISITED`]:
    /// growing them afresh for every record cost 8 % of a 100k-record run.
    static WALK_BUFS: RefCell<Vec<WalkBufs>> = const { RefCell::new(Vec::new()) };
}

/// What one hop walk works in; empty whenever it is in the pool.
#[derive(Default)]
struct WalkBufs {
    /// The links followed at this depth: (list position, target, parent's
    /// index in `frontier`, the target id's first bytes when sorting).
    reached: Vec<(usize, RecordIdx, usize, u64)>,
    /// The records of the current depth and where each came from.
    frontier: Vec<(RecordIdx, Parent)>,
    /// The next depth's frontier, being built.
    next: Vec<(RecordIdx, Parent)>,
    /// Every record reached: its parent and itself (the walk tree).
    nodes: Vec<(Parent, RecordIdx)>,
    /// A quantifier's elements at this depth: (node, record, list position).
    level: Vec<(u32, RecordIdx, usize)>,
    /// Where each frontier record's links are in the adjacency arrays.
    rows: Vec<(usize, usize)>,
}

impl WalkBufs {
    fn take() -> WalkBufs {
        WALK_BUFS.with(|b| b.borrow_mut().pop()).unwrap_or_default()
    }

    /// Back to the pool, unless a huge walk made them too big to keep.
    fn give_back(mut self) {
        if self.reached.capacity() + self.nodes.capacity() <= 1 << 16 {
            self.reached.clear();
            self.level.clear();
            self.frontier.clear();
            self.next.clear();
            self.nodes.clear();
            self.rows.clear();
            WALK_BUFS.with(|b| b.borrow_mut().push(self));
        }
    }
}

/// The trail of the element a binder's slot holds, taken out once the
/// body is traced (the witness keeps it; cloning it cost an allocation per
/// hop and string).
fn take_trail(env: &mut Env<'_>, slot: usize) -> Trail {
    match env.get_mut(slot).map(|c| std::mem::replace(c, Cursor::missing())) {
        Some(Cursor::One(_, trail)) => trail,
        Some(Cursor::Many(_)) | None => Vec::new(),
    }
}

/// One evaluation: with or without evidence.
pub(crate) struct Ctx<'e, 's> {
    pub(crate) engine: &'e FastEngine<'s>,
    pub(crate) trace: bool,
    /// What this evaluation may still spend.
    pub(crate) budget: &'e Budget<'s>,
}

impl<'s> Ctx<'_, 's> {
    fn rec(&self, r: RecordIdx) -> &'s FastRecord<'s> {
        self.engine.store.record(r)
    }

    fn id(&self, r: RecordIdx) -> &'s str {
        self.rec(r).id.as_str()
    }

    /// A depth's links in witness order: list position, then id, then the
    /// frontier's order. That key is total, so the unstable sort gives
    /// the stable order; each id is read once, and compared whole only
    /// when its first 8 bytes tie (zero padding makes "ab" and "ab\0" tie).
    fn sort_level(&self, reached: &mut [(usize, RecordIdx, usize, u64)]) {
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

    pub(crate) fn record_shown(&self, r: RecordIdx) -> Shown {
        let store = self.engine.store;
        Shown::Record {
            id: store.id(r).to_string(),
            record_type: store.record_type(r).to_string(),
            name: store.name(r).map(str::to_string),
        }
    }

    fn start_hop(&self, r: RecordIdx) -> Hop {
        Hop { via: String::new(), to: self.record_shown(r) }
    }

    /// The chain to an element of a range (for evidence); a record ranged
    /// over by type starts its own chain.
    fn element_trail(&self, val: V<'s>, trail: ItemTrail) -> Trail {
        match val {
            V::Rec(i) if trail.is_empty() => vec![self.start_hop(i)],
            _ => self.trail(trail),
        }
    }

    fn shown(&self, v: V<'s>) -> Shown {
        match v {
            V::Missing => Shown::Missing,
            V::Bool(b) => Shown::Value(Value::Bool(b)),
            V::Num(n) => Shown::Value(crate::eval::number_value(n)),
            V::Str(s) => Shown::Value(Value::String(s.to_string())),
            V::IdStr(r) => Shown::Value(Value::String(self.id(r).to_string())),
            V::Date(d) => Shown::Value(Value::String(d.to_string())),
            V::Rec(r) => self.record_shown(r),
            V::List(items) => Shown::Value(Value::Array(items.iter().map(|i| self.json(i)).collect())),
            V::Links(ids) => {
                Shown::Value(Value::Array(ids.iter().map(|r| Value::String(self.id(*r).to_string())).collect()))
            }
            V::Json(v) => Shown::Value(v.clone()),
            V::Const(l) => Shown::List(l.items.iter().map(|c| self.shown(from_const(c))).collect()),
        }
    }

    /// A stored value as the JSON it was read from.
    pub(crate) fn json(&self, v: &FVal<'_>) -> Value {
        match v {
            FVal::Null => Value::Null,
            FVal::Bool(b) => Value::Bool(*b),
            FVal::Num(n) => Value::Number(n.clone()),
            FVal::Str(s) => Value::String(s.as_str().to_string()),
            FVal::Link(r) => Value::String(self.id(*r).to_string()),
            FVal::List(items) => Value::Array(items.iter().map(|i| self.json(i)).collect()),
            FVal::Links(ids) => Value::Array(ids.iter().map(|r| Value::String(self.id(*r).to_string())).collect()),
            FVal::Json(v) => (**v).clone(),
        }
    }

    /// The chain of hops that reached a list element.
    fn trail(&self, t: ItemTrail) -> Trail {
        match t {
            ItemTrail::Built(t) => t,
            ItemTrail::Walk(walk, node) => self.walk_trail(&walk.starts, &walk.nodes, &walk.via, node),
        }
    }

    /// The hops from a walk's start to one of its nodes.
    fn walk_trail(&self, starts: &[Trail], nodes: &[(Parent, RecordIdx)], via: &str, mut node: u32) -> Trail {
        let mut records = Vec::new();
        let start = loop {
            let (parent, r) = nodes[node as usize];
            records.push(r);
            match parent {
                Parent::Node(p) => node = p,
                Parent::Start(s) => break s,
            }
        };
        let mut trail = starts.get(start as usize).cloned().unwrap_or_default();
        trail.extend(records.into_iter().rev().map(|r| Hop { via: via.to_string(), to: self.record_shown(r) }));
        trail
    }

    fn hop(&self, via: &str, v: V<'s>) -> Hop {
        Hop { via: via.to_string(), to: self.shown(v) }
    }

    fn observed(&self, c: &Cursor<'s>) -> Observed {
        match c {
            Cursor::One(v, trail) => Observed { chain: trail.clone(), value: self.shown(*v) },
            Cursor::Many(items) => {
                Observed { chain: Vec::new(), value: Shown::List(items.iter().map(|i| self.shown(i.val)).collect()) }
            }
        }
    }

    /// [`Self::observed`] of a cursor no longer needed: its chain is moved, not copied.
    fn observed_from(&self, c: Cursor<'s>) -> Observed {
        match c {
            Cursor::One(v, chain) => Observed { chain, value: self.shown(v) },
            many => self.observed(&many),
        }
    }

    /// The record a value names.
    fn resolve(&self, v: V<'s>) -> Option<RecordIdx> {
        match v {
            V::Rec(r) | V::IdStr(r) => Some(r),
            V::Str(s) => self.engine.store.lookup(s),
            _ => None,
        }
    }

    // ------------------------------------------------------------ bodies

    pub(crate) fn body(
        &self,
        cond: &'s Cond,
        frame: usize,
        rec: RecordIdx,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let mut env: Env<'s> = smallvec::smallvec![Cursor::missing(); frame.max(1)];
        let trail = if self.trace { vec![self.start_hop(rec)] } else { Vec::new() };
        env[0] = Cursor::One(V::Rec(rec), trail);
        let holds = self.cond(cond, &mut env, facts)?;
        // A walk that ran out of budget after the last step.
        self.budget.check()?;
        Ok(holds)
    }

    fn fact(&self, facts: &mut Vec<Fact>, loc: &Loc, holds: bool, kind: impl FnOnce() -> FactKind) {
        if self.trace {
            facts.push(Fact { loc: loc.clone(), holds, kind: kind() });
        }
    }

    fn cond(&self, e: &'s Cond, env: &mut Env<'s>, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        self.budget.step()?;
        match e {
            Cond::And(terms, _) => {
                let mut held = Vec::new();
                for t in terms {
                    let mut sub = Vec::new();
                    if !self.cond(t, env, &mut sub)? {
                        facts.extend(sub);
                        return Ok(false);
                    }
                    held.extend(sub);
                }
                facts.extend(held);
                Ok(true)
            }
            Cond::Or(terms, _) => {
                let mut failed = Vec::new();
                for t in terms {
                    let mut sub = Vec::new();
                    if self.cond(t, env, &mut sub)? {
                        facts.extend(sub);
                        return Ok(true);
                    }
                    failed.extend(sub);
                }
                facts.extend(failed);
                Ok(false)
            }
            Cond::Not(inner) => Ok(!self.cond(inner, env, facts)?),
            Cond::Const(value) => Ok(*value),
            Cond::Cmp { op, lhs, rhs, dates, loc } => {
                let l = self.term(lhs, env);
                let r = self.term(rhs, env);
                let holds = self.compare(*op, &l, &r, *dates);
                self.fact(facts, loc, holds, move || FactKind::Compare {
                    lhs: self.observed_from(l),
                    op: *op,
                    rhs: self.observed_from(r),
                });
                Ok(holds)
            }
            Cond::InSet { lhs, set, negated, loc } => {
                let l = self.term(lhs, env);
                let v = l.one();
                let Const::List(list) = &**set else { return Ok(false) };
                let holds = !matches!(v, V::Missing) && self.in_const_list(v, list) != *negated;
                self.fact(facts, loc, holds, move || FactKind::Compare {
                    lhs: self.observed_from(l),
                    op: if *negated { CmpOp::NotIn } else { CmpOp::In },
                    rhs: Observed { chain: Vec::new(), value: self.list_shown(list) },
                });
                Ok(holds)
            }
            Cond::Matches { subject, re, loc } => {
                let s = self.term(subject, env);
                let holds = match s.one() {
                    V::Str(text) => re.is_match(text),
                    V::IdStr(r) => re.is_match(self.id(r)),
                    _ => false,
                };
                self.fact(facts, loc, holds, move || FactKind::Matches {
                    subject: self.observed_from(s),
                    pattern: re.as_str().to_string(),
                });
                Ok(holds)
            }
            Cond::Exists { path, loc } => {
                let c = self.path(path, env);
                let holds = match &c {
                    Cursor::One(v, _) => !matches!(v, V::Missing),
                    Cursor::Many(_) => true,
                };
                self.fact(facts, loc, holds, move || FactKind::Exists { path: self.observed_from(c) });
                Ok(holds)
            }
            Cond::Truthy { term, loc } => {
                let c = self.term(term, env);
                let holds = matches!(c.one(), V::Bool(true));
                self.fact(facts, loc, holds, move || FactKind::Truthy { value: self.observed_from(c) });
                Ok(holds)
            }
            Cond::Is { subject, verdict, by, loc, .. } => {
                let c = self.term(subject, env);
                let target = self.resolve(c.one());
                let holds = match target {
                    None => false,
                    Some(t) => match by {
                        Some(rule) => self.engine.rule_fired(t, *rule)?,
                        None => {
                            let d = self.engine.decision(t)?;
                            match verdict {
                                VerdictWord::Denied => d == Decision::Deny,
                                VerdictWord::Flagged => d == Decision::Flag,
                                VerdictWord::Allowed => d == Decision::Allow,
                            }
                        }
                    },
                };
                if self.trace {
                    let (decision, rules) = match target {
                        Some(t) => (Some(self.engine.decision(t)?), self.engine.fired_rule_names(t)?),
                        None => (None, Vec::new()),
                    };
                    facts.push(Fact {
                        loc: loc.clone(),
                        holds,
                        kind: FactKind::Is {
                            subject: self.observed_from(c),
                            verdict: *verdict,
                            by: by.map(|r| self.engine.program.rule(r).name.clone()),
                            decision,
                            rules,
                        },
                    });
                }
                Ok(holds)
            }
            Cond::Call { def, args, loc } => {
                let d = &self.engine.program.defs[def.0 as usize];
                // A def of one record is a pure function of that record:
                // remember its answer (not while collecting evidence).
                let memo = match (self.trace, args.as_slice()) {
                    (false, [arg]) => match self.term(arg, env) {
                        Cursor::One(V::Rec(r), _) => Some(r),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(r) = memo
                    && let Some((known, steps, visited)) = self.engine.def_memo(*def, r)
                {
                    self.budget.spend_steps(steps)?;
                    self.budget.spend_visited(visited)?;
                    return Ok(known);
                }
                let mut inner: Env<'s> = smallvec::smallvec![Cursor::missing(); d.frame.max(args.len())];
                for (i, a) in args.iter().enumerate() {
                    inner[i] = self.term(a, env);
                }
                let mut body = Vec::new();
                let before = self.budget.spent();
                let holds = self.cond(&d.body, &mut inner, &mut body)?;
                // The body binds only slots after the parameters, so these
                // still hold the arguments: shown from there, not copied.
                let shown: Vec<Observed> = if self.trace {
                    inner.drain(..args.len()).map(|c| self.observed_from(c)).collect()
                } else {
                    Vec::new()
                };
                if let Some(r) = memo {
                    // Only a complete answer is remembered.
                    self.budget.check()?;
                    let after = self.budget.spent();
                    self.engine.remember_def(*def, r, holds, (after.0 - before.0, after.1 - before.1));
                }
                self.fact(facts, loc, holds, || FactKind::Call { def: d.name.clone(), args: shown, body });
                Ok(holds)
            }
            Cond::Quant(q) => self.quantifier(q.quantifier, q.slot, &q.var, &q.range, &q.body, &q.head, env, facts),
            Cond::Sum(s) => self.sum(s.slot, &s.var, &s.range, &s.value, s.op, &s.rhs, &s.loc, env, facts),
        }
    }

    fn list_shown(&self, list: &'s ConstList) -> Shown {
        if list.items.len() <= LIST_EVIDENCE_LIMIT {
            self.shown(V::Const(list))
        } else {
            Shown::Value(format!("({} values)", list.items.len()).into())
        }
    }

    /// A quantifier's or sum's elements (`None`: the list is missing), its
    /// `where` filter and its range as written.
    #[allow(clippy::type_complexity)]
    fn range_items(&self, range: &'s QRange, env: &Env<'s>) -> (Option<Vec<Item<'s>>>, Option<&'s Cond>, &'s str) {
        match range {
            QRange::Path(term) => (self.items(self.term(term, env)), None, term.loc().text()),
            QRange::Type { record_type, filter, reverse } => {
                let candidates: Vec<RecordIdx> = match reverse {
                    Some(rev) => {
                        let target = self.term(&rev.target, env).one();
                        let key = match target {
                            V::Rec(i) | V::IdStr(i) => Some(self.id(i)),
                            V::Str(s) => Some(s),
                            _ => None,
                        };
                        key.map(|k| self.engine.reverse_lookup(record_type, rev.field_id, k)).unwrap_or_default()
                    }
                    None => self.engine.of_type(record_type).to_vec(),
                };
                let items = candidates
                    .into_iter()
                    .enumerate()
                    .map(|(pos, i)| Item { val: V::Rec(i), trail: ItemTrail::Built(Vec::new()), depth: 0, pos })
                    .collect();
                (Some(items), filter.as_deref(), record_type.as_str())
            }
        }
    }

    /// `sum(RANGE: value) op rhs`, as in the reference engine: each element
    /// that passes the filter adds its number, or its list's numbers.
    #[allow(clippy::too_many_arguments)]
    fn sum(
        &self,
        slot: usize,
        var: &str,
        range: &'s QRange,
        value: &'s PathExpr,
        op: CmpOp,
        rhs: &'s Term,
        loc: &Loc,
        env: &mut Env<'s>,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        if env.len() <= slot {
            env.resize(slot + 1, Cursor::missing());
        }
        let of_type = matches!(range, QRange::Type { .. });
        let (items, filter, over) = self.range_items(range, env);
        let fast = Ctx { engine: self.engine, trace: false, budget: self.budget };
        let mut total = 0.0;
        let mut terms = Vec::new();
        let mut body = Vec::new();
        let followed = self.budget.follow(over);
        for item in items.unwrap_or_default() {
            if of_type && !self.budget.visit() {
                self.budget.check()?;
            }
            let trail = if self.trace { self.element_trail(item.val, item.trail) } else { Vec::new() };
            env[slot] = Cursor::One(item.val, trail);
            if let Some(f) = filter
                && !fast.cond(f, env, &mut Vec::new())?
            {
                continue;
            }
            let c = self.path(value, env);
            let mut added = false;
            match &c {
                Cursor::One(V::Num(n), _) => {
                    total += n;
                    added = true;
                }
                _ => {
                    for x in self.items(c.clone()).unwrap_or_default() {
                        if let V::Num(n) = x.val {
                            total += n;
                            added = true;
                        }
                    }
                }
            }
            if added && self.trace {
                terms.push(self.observed(&c));
                if let Some(f) = filter {
                    self.cond(f, env, &mut body)?;
                }
            }
        }
        self.budget.unfollow(followed);
        let r = self.term(rhs, env);
        let holds = self.compare(op, &Cursor::One(V::Num(total), Vec::new()), &r, false);
        if self.trace {
            facts.push(Fact {
                loc: loc.clone(),
                holds,
                kind: FactKind::Sum {
                    var: var.to_string(),
                    over: over.to_string(),
                    of_type,
                    terms,
                    total,
                    op,
                    rhs: self.observed(&r),
                    body,
                },
            });
        }
        Ok(holds)
    }

    #[allow(clippy::too_many_arguments)]
    fn quantifier(
        &self,
        quantifier: Quantifier,
        slot: usize,
        var: &str,
        range: &'s QRange,
        body: &'s Cond,
        head: &Loc,
        env: &mut Env<'s>,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        if env.len() <= slot {
            env.resize(slot + 1, Cursor::missing());
        }
        if let QRange::Path(Term::Path(p)) = range
            && let Some(step) = p.steps.last()
            && let Some(hops) = step.hops
        {
            return self.quantifier_walk(quantifier, slot, var, p, step, hops, body, head, env, facts);
        }
        let of_type = matches!(range, QRange::Type { .. });
        let (items, filter, over) = self.range_items(range, env);
        let Some(items) = items else {
            self.fact(facts, head, false, || FactKind::Quantifier {
                quantifier,
                var: var.to_string(),
                over: over.to_string(),
                of_type,
                count: None,
                witness: None,
                body: Vec::new(),
            });
            return Ok(false);
        };
        let stop_when = !matches!(quantifier, Quantifier::All);
        let mut count = 0;
        let mut witness = None;
        // Find the witness without evidence; trace only the witness.
        let fast = Ctx { engine: self.engine, trace: false, budget: self.budget };
        let followed = self.budget.follow(over);
        for item in items {
            if of_type && !self.budget.visit() {
                self.budget.check()?;
            }
            env[slot] = Cursor::One(item.val, Vec::new());
            if let Some(f) = filter
                && !fast.cond(f, env, &mut Vec::new())?
            {
                continue;
            }
            count += 1;
            if fast.cond(body, env, &mut Vec::new())? != stop_when {
                continue;
            }
            if self.trace {
                let trail = self.element_trail(item.val, item.trail);
                env[slot] = Cursor::One(item.val, trail);
                let mut sub = Vec::new();
                if let Some(f) = filter {
                    self.cond(f, env, &mut sub)?;
                }
                self.cond(body, env, &mut sub)?;
                let element = Observed { chain: take_trail(env, slot), value: self.shown(item.val) };
                let depth = (item.depth > 0).then_some(item.depth);
                witness = Some((Witness { element, depth, position: item.pos }, sub));
            } else {
                witness = Some((Witness { element: Observed::default(), depth: None, position: 0 }, Vec::new()));
            }
            break;
        }
        self.budget.unfollow(followed);
        let holds = match quantifier {
            Quantifier::Any => witness.is_some(),
            Quantifier::All | Quantifier::None => witness.is_none(),
        };
        if self.trace {
            let complete = witness.is_none();
            let (witness, body_facts) = match witness {
                Some((w, f)) => (Some(w), f),
                None => (None, Vec::new()),
            };
            facts.push(Fact {
                loc: head.clone(),
                holds,
                kind: FactKind::Quantifier {
                    quantifier,
                    var: var.to_string(),
                    over: over.to_string(),
                    of_type,
                    count: complete.then_some(count),
                    witness,
                    body: body_facts,
                },
            });
        }
        Ok(holds)
    }

    /// A quantifier over a hop range (`any c in p.contacts{1..2}: …`),
    /// judged depth by depth as the walk goes: it stops at the first element
    /// that settles it (which, depth by depth in the witness order, is the
    /// witness) instead of walking the whole range first.
    #[allow(clippy::too_many_arguments)]
    fn quantifier_walk(
        &self,
        quantifier: Quantifier,
        slot: usize,
        var: &str,
        path: &'s PathExpr,
        step: &'s PathStep,
        range: HopRange,
        body: &'s Cond,
        head: &Loc,
        env: &mut Env<'s>,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let start = self.path_upto(path, env, path.steps.len() - 1);
        let resolved: Vec<(RecordIdx, Trail)> = match start {
            Cursor::One(v, trail) => self.resolve(v).map(|i| (i, trail)).into_iter().collect(),
            Cursor::Many(items) => items
                .into_iter()
                .filter_map(|it| {
                    let r = self.resolve(it.val)?;
                    Some((r, if self.trace { self.trail(it.trail) } else { Vec::new() }))
                })
                .collect(),
        };
        let (starts, start_trails): (Vec<RecordIdx>, Vec<Trail>) = resolved.into_iter().unzip();
        let mut visited = VISITED.with(|v| v.borrow_mut().pop()).unwrap_or_default();
        visited.clear();
        visited.extend(starts.iter().copied());
        let mut bufs = WalkBufs::take();
        let WalkBufs { reached, frontier, next, nodes, level, rows } = &mut bufs;
        frontier.extend(starts.iter().enumerate().map(|(i, r)| (*r, Parent::Start(i as u32))));
        let stop_when = !matches!(quantifier, Quantifier::All);
        let fast = Ctx { engine: self.engine, trace: false, budget: self.budget };
        let mut count = 0;
        let mut witness = None;
        let mut depth = 0u32;
        let mut outcome = Ok(());
        let followed = self.budget.follow(&step.field);
        'walk: while !frontier.is_empty() && range.max.is_none_or(|max| depth < max) {
            depth += 1;
            self.reach(step, frontier, &visited, reached, rows);
            // From one record the links come in list order already.
            if self.trace && frontier.len() > 1 {
                self.sort_level(reached);
            }
            next.clear();
            level.clear();
            for &(pos, target, parent, _) in reached.iter() {
                if !visited.insert(target) {
                    continue;
                }
                if !self.budget.visit() {
                    outcome = self.budget.check();
                    break 'walk;
                }
                let node = nodes.len() as u32;
                nodes.push((frontier[parent].1, target));
                if depth >= range.min {
                    level.push((node, target, pos));
                }
                next.push((target, Parent::Node(node)));
            }
            if let Cond::Call { def, .. } = body {
                self.engine.read_def_answers(*def, level.iter().map(|l| l.1));
            }
            for &(node, target, pos) in level.iter() {
                env[slot] = Cursor::One(V::Rec(target), Vec::new());
                count += 1;
                match fast.cond(body, env, &mut Vec::new()) {
                    Ok(settles) if settles == stop_when => {}
                    Ok(_) => continue,
                    Err(e) => {
                        outcome = Err(e);
                        break 'walk;
                    }
                }
                if self.trace {
                    let trail = self.walk_trail(&start_trails, nodes, &step.field, node);
                    env[slot] = Cursor::One(V::Rec(target), trail);
                    let mut sub = Vec::new();
                    if let Err(e) = self.cond(body, env, &mut sub) {
                        outcome = Err(e);
                        break 'walk;
                    }
                    let element = Observed { chain: take_trail(env, slot), value: self.shown(V::Rec(target)) };
                    witness = Some((Witness { element, depth: Some(depth), position: pos }, sub));
                } else {
                    witness = Some((Witness { element: Observed::default(), depth: None, position: 0 }, Vec::new()));
                }
                break 'walk;
            }
            std::mem::swap(frontier, next);
        }
        bufs.give_back();
        if visited.capacity() <= 1 << 16 {
            VISITED.with(|v| v.borrow_mut().push(visited));
        }
        outcome?;
        self.budget.unfollow(followed);
        let holds = match quantifier {
            Quantifier::Any => witness.is_some(),
            Quantifier::All | Quantifier::None => witness.is_none(),
        };
        if self.trace {
            let complete = witness.is_none();
            let (witness, body_facts) = match witness {
                Some((w, f)) => (Some(w), f),
                None => (None, Vec::new()),
            };
            facts.push(Fact {
                loc: head.clone(),
                holds,
                kind: FactKind::Quantifier {
                    quantifier,
                    var: var.to_string(),
                    over: path.loc.text().to_string(),
                    of_type: false,
                    count: complete.then_some(count),
                    witness,
                    body: body_facts,
                },
            });
        }
        Ok(holds)
    }

    fn term(&self, t: &'s Term, env: &Env<'s>) -> Cursor<'s> {
        match t {
            Term::Const(c, _) => Cursor::One(from_const(c), Vec::new()),
            Term::AsOf(_) => Cursor::One(V::Date(self.engine.as_of), Vec::new()),
            Term::Path(p) => self.path(p, env),
            Term::Count(p, _) => {
                let c = self.path(p, env);
                let trail = match &c {
                    Cursor::One(_, trail) => trail.clone(),
                    Cursor::Many(_) => Vec::new(),
                };
                match self.count(c) {
                    Some(n) => Cursor::One(V::Num(n as f64), trail),
                    None => Cursor::One(V::Missing, trail),
                }
            }
        }
    }

    /// The length of a list value, without building its items.
    fn count(&self, c: Cursor<'s>) -> Option<usize> {
        match c {
            Cursor::Many(items) => Some(items.len()),
            Cursor::One(V::List(items), _) => Some(items.len()),
            Cursor::One(V::Links(ids), _) => Some(ids.len()),
            Cursor::One(V::Json(Value::Array(a)), _) => Some(a.len()),
            Cursor::One(V::Const(l), _) => Some(l.items.len()),
            Cursor::One(..) => None,
        }
    }

    /// As in the reference engine: a list from the records against one
    /// value compares element by element.
    fn list_compare(&self, op: CmpOp, l: &Cursor<'s>, r: &Cursor<'s>, dates: bool) -> Option<bool> {
        if !matches!(op, CmpOp::Eq | CmpOp::Ne | CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) {
            return None;
        }
        let data_list = |c: &Cursor<'s>| {
            matches!(c, Cursor::Many(_) | Cursor::One(V::List(_) | V::Links(_) | V::Json(Value::Array(_)), _))
        };
        let (list, one, flipped) = match (data_list(l), data_list(r)) {
            (true, false) => (l, r, false),
            (false, true) => (r, l, true),
            _ => return None,
        };
        let v = one.one();
        if matches!(v, V::Missing | V::Const(_) | V::Json(_)) {
            return Some(false);
        }
        let items = self.items(list.clone())?;
        let rel = |i: &Item<'s>| if flipped { self.relate(v, i.val, dates) } else { self.relate(i.val, v, dates) };
        let wanted = |r: Rel| match op {
            CmpOp::Lt => r == Rel::Less,
            CmpOp::Le => matches!(r, Rel::Less | Rel::Equal),
            CmpOp::Gt => r == Rel::Greater,
            CmpOp::Ge => matches!(r, Rel::Greater | Rel::Equal),
            _ => r == Rel::Equal,
        };
        let some = items.iter().any(|i| rel(i).is_some_and(wanted));
        Some(if op == CmpOp::Ne { !some } else { some })
    }

    fn compare(&self, op: CmpOp, l: &Cursor<'s>, r: &Cursor<'s>, dates: bool) -> bool {
        if let Some(holds) = self.list_compare(op, l, r, dates) {
            return holds;
        }
        match op {
            CmpOp::In | CmpOp::NotIn => {
                let v = l.one();
                if matches!(v, V::Missing) {
                    return false;
                }
                match self.items(r.clone()) {
                    Some(items) => {
                        let found = items.iter().any(|i| self.relate(v, i.val, dates) == Some(Rel::Equal));
                        found == (op == CmpOp::In)
                    }
                    None => false,
                }
            }
            CmpOp::Contains => match (self.as_str(l.one()), self.as_str(r.one())) {
                (Some(hay), Some(needle)) => hay.contains(needle),
                _ => {
                    let needle = r.one();
                    if matches!(needle, V::Missing) {
                        return false;
                    }
                    self.items(l.clone()).is_some_and(|items| {
                        items.iter().any(|i| self.relate(i.val, needle, dates) == Some(Rel::Equal))
                    })
                }
            },
            CmpOp::StartsWith => match (self.as_str(l.one()), self.as_str(r.one())) {
                (Some(s), Some(p)) => s.starts_with(p),
                _ => false,
            },
            CmpOp::Eq | CmpOp::Ne if !dates => {
                // Equality of two strings needs no ordering: a quick byte check.
                if let (Some(a), Some(b)) = (self.plain_str(l.one()), self.plain_str(r.one())) {
                    return same(a, b) == (op == CmpOp::Eq);
                }
                let Some(rel) = self.relate(l.one(), r.one(), dates) else { return false };
                (rel == Rel::Equal) == (op == CmpOp::Eq)
            }
            _ => {
                let Some(rel) = self.relate(l.one(), r.one(), dates) else { return false };
                match op {
                    CmpOp::Eq => rel == Rel::Equal,
                    CmpOp::Ne => rel != Rel::Equal,
                    CmpOp::Lt => rel == Rel::Less,
                    CmpOp::Le => matches!(rel, Rel::Less | Rel::Equal),
                    CmpOp::Gt => rel == Rel::Greater,
                    CmpOp::Ge => matches!(rel, Rel::Greater | Rel::Equal),
                    _ => false,
                }
            }
        }
    }

    /// A string value that is not compared as a date or a record.
    fn plain_str(&self, v: V<'s>) -> Option<&'s str> {
        match v {
            V::Str(s) => Some(s),
            V::IdStr(r) => Some(self.id(r)),
            _ => None,
        }
    }

    /// A string value: a string, or an untyped link's id.
    fn as_str(&self, v: V<'s>) -> Option<&'s str> {
        match v {
            V::Str(s) => Some(s),
            V::IdStr(r) => Some(self.id(r)),
            _ => None,
        }
    }

    fn as_date(&self, v: V<'s>) -> Option<Date> {
        match v {
            V::Date(d) => Some(d),
            other => self.as_str(other).and_then(Date::parse_lenient),
        }
    }

    /// The reference's `relate`: an untyped link is its id string.
    fn relate(&self, a: V<'s>, b: V<'s>, dates: bool) -> Option<Rel> {
        if matches!(a, V::Missing) || matches!(b, V::Missing) {
            return None;
        }
        if dates || matches!(a, V::Date(_)) || matches!(b, V::Date(_)) {
            return Some(self.as_date(a)?.cmp(&self.as_date(b)?).into());
        }
        let eq = |same: bool| if same { Rel::Equal } else { Rel::Unequal };
        Some(match (a, b) {
            (V::Num(x), V::Num(y)) => x.partial_cmp(&y)?.into(),
            (V::Bool(x), V::Bool(y)) => eq(x == y),
            (V::Rec(x), V::Rec(y)) => eq(x == y),
            (V::Rec(r), other) | (other, V::Rec(r)) => eq(self.as_str(other)? == self.id(r)),
            (x, y) => self.as_str(x)?.cmp(self.as_str(y)?).into(),
        })
    }

    fn in_const_list(&self, v: V<'s>, set: &ConstList) -> bool {
        match v {
            V::Str(_) | V::IdStr(_) => {
                let s = self.as_str(v).unwrap_or("");
                set.strs.contains(s)
                    || (!set.dates.is_empty() && Date::parse_lenient(s).is_some_and(|d| set.dates.contains(&d)))
            }
            V::Num(n) => set.nums.contains(&num_key(n)),
            V::Bool(b) => set.bools[usize::from(b)],
            V::Date(d) => set.dates.contains(&d) || set.strs.iter().any(|s| Date::parse_lenient(s) == Some(d)),
            V::Rec(r) => set.strs.contains(self.id(r)),
            V::Missing | V::List(_) | V::Links(_) | V::Json(_) | V::Const(_) => false,
        }
    }

    // ------------------------------------------------------------ paths

    fn path(&self, p: &'s PathExpr, env: &Env<'s>) -> Cursor<'s> {
        self.path_upto(p, env, p.steps.len())
    }

    /// The path's head followed by its first `n` steps.
    fn path_upto(&self, p: &'s PathExpr, env: &Env<'s>, n: usize) -> Cursor<'s> {
        let mut cur = match &p.head {
            Head::Var(slot, _) => env.get(*slot).cloned().unwrap_or_else(Cursor::missing),
            Head::Const(c, _) => Cursor::One(from_const(c), Vec::new()),
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
            Cursor::One(V::List(_) | V::Links(_) | V::Json(Value::Array(_)) | V::Const(_), _) => {
                match self.items(cur) {
                    Some(items) => self.step_many(items, step),
                    None => Cursor::missing(),
                }
            }
            Cursor::One(v, trail) => self.step_val(v, trail, step),
            Cursor::Many(items) => self.step_many(items, step),
        }
    }

    fn step_many(&self, items: Vec<Item<'s>>, step: &'s PathStep) -> Cursor<'s> {
        let mut out = Vec::new();
        for item in items {
            let trail = if self.trace { self.trail(item.trail) } else { Vec::new() };
            match self.step_val(item.val, trail, step) {
                Cursor::One(V::Missing, _) => {}
                c @ Cursor::One(V::List(_) | V::Links(_) | V::Json(Value::Array(_)), _) => {
                    out.extend(self.items(c).unwrap_or_default())
                }
                Cursor::One(v, trail) => out.push(Item { val: v, trail: ItemTrail::Built(trail), depth: 0, pos: 0 }),
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

    fn step_val(&self, v: V<'s>, mut trail: Trail, step: &'s PathStep) -> Cursor<'s> {
        let field = match v {
            V::Json(Value::Object(map)) => match map.get(&step.field) {
                Some(j) => Field::Json(j),
                None => Field::Absent,
            },
            other => match self.resolve(other) {
                Some(i) => {
                    if self.trace
                        && matches!(other, V::Str(_) | V::IdStr(_))
                        && let Some(last) = trail.last_mut()
                    {
                        // A string followed as a link: show the record it named.
                        last.to = self.record_shown(i);
                    }
                    self.field(i, step)
                }
                None => Field::Absent,
            },
        };
        match (field, &step.link_to) {
            (Field::Val(FVal::Links(ids)), Some(_)) => {
                let items = ids
                    .iter()
                    .enumerate()
                    .map(|(pos, r)| {
                        let val = V::Rec(*r);
                        let mut trail = if self.trace { trail.clone() } else { Vec::new() };
                        if self.trace {
                            trail.push(self.hop(&step.text, val));
                        }
                        Item { val, trail: ItemTrail::Built(trail), depth: 0, pos }
                    })
                    .collect();
                Cursor::Many(items)
            }
            (Field::Val(FVal::List(ids)), Some(entity)) => {
                let items = ids
                    .iter()
                    .enumerate()
                    .map(|(pos, id)| {
                        let val = self.typed_link(id, entity);
                        let mut trail = if self.trace { trail.clone() } else { Vec::new() };
                        if self.trace {
                            trail.push(self.link_hop(&step.text, val, id));
                        }
                        Item { val, trail: ItemTrail::Built(trail), depth: 0, pos }
                    })
                    .collect();
                Cursor::Many(items)
            }
            (Field::Val(id), Some(entity)) => {
                let val = self.typed_link(id, entity);
                if self.trace {
                    trail.push(self.link_hop(&step.text, val, id));
                }
                Cursor::One(val, trail)
            }
            (Field::Json(j), Some(_)) => {
                // A declared link inside nested JSON: look the id up.
                let val = match j.as_str().and_then(|s| self.engine.store.lookup(s)) {
                    Some(i) => V::Rec(i),
                    None => V::Missing,
                };
                if self.trace {
                    trail.push(self.hop(&step.text, val));
                }
                Cursor::One(val, trail)
            }
            (field, _) => {
                let val = match field {
                    Field::Val(f) => from_fval(f),
                    Field::Json(j) => from_json(j),
                    Field::Text(s) => V::Str(s),
                    Field::Absent => V::Missing,
                };
                if self.trace {
                    trail.push(self.hop(&step.text, val));
                }
                Cursor::One(val, trail)
            }
        }
    }

    /// A declared link: the record, if the id names one of the declared type.
    fn typed_link(&self, id: &'s FVal<'s>, entity: &str) -> V<'s> {
        match id {
            // Resolved at load against the declared type.
            FVal::Link(r) => V::Rec(*r),
            FVal::Str(s) => match self.engine.store.lookup(s.as_str()) {
                Some(r) if self.engine.store.record_type(r) == entity => V::Rec(r),
                _ => V::Missing,
            },
            _ => V::Missing,
        }
    }

    fn link_hop(&self, via: &str, val: V<'s>, id: &FVal<'s>) -> Hop {
        match (val, id) {
            (V::Missing, FVal::Str(s)) => Hop { via: via.to_string(), to: Shown::Unresolved(s.as_str().to_string()) },
            (V::Missing, FVal::Link(r)) => Hop { via: via.to_string(), to: Shown::Unresolved(self.id(*r).to_string()) },
            _ => self.hop(via, val),
        }
    }

    fn items(&self, cur: Cursor<'s>) -> Option<Vec<Item<'s>>> {
        match cur {
            Cursor::Many(items) => Some(items),
            Cursor::One(V::Links(ids), trail) => Some(
                ids.iter()
                    .enumerate()
                    .map(|(pos, r)| {
                        let val = V::IdStr(*r);
                        let mut trail = if self.trace { trail.clone() } else { Vec::new() };
                        if self.trace {
                            trail.push(self.hop(&format!("[{pos}]"), val));
                        }
                        Item { val, trail: ItemTrail::Built(trail), depth: 0, pos }
                    })
                    .collect(),
            ),
            Cursor::One(V::List(values), trail) => Some(
                values
                    .iter()
                    .enumerate()
                    .map(|(pos, v)| {
                        let val = from_fval(v);
                        let mut trail = if self.trace { trail.clone() } else { Vec::new() };
                        if self.trace {
                            trail.push(self.hop(&format!("[{pos}]"), val));
                        }
                        Item { val, trail: ItemTrail::Built(trail), depth: 0, pos }
                    })
                    .collect(),
            ),
            Cursor::One(V::Json(Value::Array(values)), trail) => Some(
                values
                    .iter()
                    .enumerate()
                    .map(|(pos, v)| {
                        let val = from_json(v);
                        let mut trail = if self.trace { trail.clone() } else { Vec::new() };
                        if self.trace {
                            trail.push(self.hop(&format!("[{pos}]"), val));
                        }
                        Item { val, trail: ItemTrail::Built(trail), depth: 0, pos }
                    })
                    .collect(),
            ),
            Cursor::One(V::Const(list), _) => Some(
                list.items
                    .iter()
                    .enumerate()
                    .map(|(pos, c)| Item { val: from_const(c), trail: ItemTrail::Built(Vec::new()), depth: 0, pos })
                    .collect(),
            ),
            Cursor::One(..) => None,
        }
    }

    /// `field{min..max}`, breadth-first with a visited set; the starts are
    /// never in the result. Within a depth the order (position in the list
    /// it came from, then id) only matters for the witness shown, so it is
    /// only computed when tracing.
    fn hops(&self, cur: Cursor<'s>, step: &'s PathStep, range: HopRange) -> Cursor<'s> {
        let resolved: Vec<(RecordIdx, Trail)> = match cur {
            Cursor::One(v, trail) => self.resolve(v).map(|i| (i, trail)).into_iter().collect(),
            Cursor::Many(items) => items
                .into_iter()
                .filter_map(|it| {
                    let r = self.resolve(it.val)?;
                    Some((r, if self.trace { self.trail(it.trail) } else { Vec::new() }))
                })
                .collect(),
        };
        let (starts, start_trails): (Vec<RecordIdx>, Vec<Trail>) = resolved.into_iter().unzip();
        let mut visited = VISITED.with(|v| v.borrow_mut().pop()).unwrap_or_default();
        visited.clear();
        visited.extend(starts.iter().copied());
        let mut bufs = WalkBufs::take();
        let WalkBufs { reached, frontier, next, nodes, rows, .. } = &mut bufs;
        frontier.extend(starts.iter().enumerate().map(|(i, r)| (*r, Parent::Start(i as u32))));
        let mut found: Vec<(u32, u32, usize)> = Vec::new(); // (node, depth, pos)
        let mut depth = 0u32;
        let followed = self.budget.follow(&step.field);
        'walk: while !frontier.is_empty() && range.max.is_none_or(|max| depth < max) {
            depth += 1;
            self.reach(step, frontier, &visited, reached, rows);
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
                    break 'walk;
                }
                let node = nodes.len() as u32;
                nodes.push((frontier[parent].1, target));
                if depth >= range.min {
                    found.push((node, depth, pos));
                }
                next.push((target, Parent::Node(node)));
            }
            std::mem::swap(frontier, next);
        }
        self.budget.unfollow(followed);
        if visited.capacity() <= 1 << 16 {
            VISITED.with(|v| v.borrow_mut().push(visited));
        }
        let tree =
            self.trace.then(|| Rc::new(Walk { via: step.field.clone(), starts: start_trails, nodes: nodes.clone() }));
        let out = found
            .into_iter()
            .map(|(node, depth, pos)| Item {
                val: V::Rec(nodes[node as usize].1),
                trail: match &tree {
                    Some(t) => ItemTrail::Walk(Rc::clone(t), node),
                    None => ItemTrail::Built(Vec::new()),
                },
                depth,
                pos,
            })
            .collect();
        bufs.give_back();
        Cursor::Many(out)
    }

    /// Calls `each(position, record)` for the records a link field of `node` names.
    /// One depth of a hop walk: the links from each record of `frontier` to
    /// a record not yet visited, as (list position, target, index of the
    /// record in `frontier`, 0), in frontier and then list order.
    fn reach(
        &self,
        step: &PathStep,
        frontier: &[(RecordIdx, Parent)],
        visited: &Visited,
        reached: &mut Vec<(usize, RecordIdx, usize, u64)>,
        rows: &mut Vec<(usize, usize)>,
    ) {
        reached.clear();
        let Some(adjacency) = self.engine.adjacency(step) else {
            for (parent, (node, _)) in frontier.iter().enumerate() {
                self.links_in_record(*node, step, |pos, target| {
                    if !visited.contains(&target) {
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
                if !visited.contains(&target) {
                    reached.push((pos as usize, target, parent, 0));
                }
            }
        }
    }

    /// [`Self::links_of`], read from the record itself.
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

/// String equality; short strings (codes like "KR") without a library call.
#[inline]
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    a == b
}

/// What a record holds under a field.
enum Field<'s> {
    Val(&'s FVal<'s>),
    Json(&'s Value),
    Text(&'s str),
    Absent,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rel {
    Less,
    Equal,
    Greater,
    Unequal,
}

impl From<Ordering> for Rel {
    fn from(o: Ordering) -> Rel {
        match o {
            Ordering::Less => Rel::Less,
            Ordering::Equal => Rel::Equal,
            Ordering::Greater => Rel::Greater,
        }
    }
}

fn from_const(c: &Const) -> V<'_> {
    match c {
        Const::Str(s) => V::Str(s),
        Const::Num(n) => V::Num(*n),
        Const::Bool(b) => V::Bool(*b),
        Const::Date(d) => V::Date(*d),
        Const::List(l) => V::Const(l),
    }
}

fn from_fval<'s>(v: &'s FVal<'s>) -> V<'s> {
    match v {
        FVal::Null => V::Missing,
        FVal::Bool(b) => V::Bool(*b),
        FVal::Num(n) => n.as_f64().map_or(V::Missing, V::Num),
        FVal::Str(Text::Borrowed(s)) => V::Str(s),
        FVal::Str(Text::Owned(s)) => V::Str(s),
        FVal::Link(r) => V::IdStr(*r),
        FVal::List(items) => V::List(items),
        FVal::Links(ids) => V::Links(ids),
        FVal::Json(j) => V::Json(j),
    }
}

fn from_json(v: &Value) -> V<'_> {
    match v {
        Value::Null => V::Missing,
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(V::Missing, V::Num),
        Value::String(s) => V::Str(s),
        other => V::Json(other),
    }
}
