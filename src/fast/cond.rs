//! Conditions in the fast engine: [`Evaluator`] for [`Ctx`], so a
//! condition means what [`crate::eval`] says. What is the fast engine's
//! own is how: a quantifier finds its witness without evidence and traces
//! only that element; a quantifier over a hop range judges each depth as
//! the walk reaches it and stops at the witness; a one-record def's answer
//! is remembered.

use super::closure::{Closure, End};
use super::engine::FastEngine;
use super::reach::Reached;
use super::value::{Cursor, Env, Item, Val, take_chain};
use super::walk::{Ctx, Depth, HopWalk};
use crate::ast::HopRange;
use crate::check::{Cond, Const, DefId, PathExpr, PathStep, QRange, Quant, Sum, Term};
use crate::eval::{
    Budget, Chain, Evaluator, Fact, Fault, Observed, RangeText, Scalar, Settled, Shown, SumSeen, Witness, bind_slot,
    current_view, elide, finish_quantifier, finish_sum, quantifier_holds, settled_by, shared,
};
use crate::records::RecordIdx;
use crate::source::Loc;

impl<'s> Evaluator<'s> for Ctx<'_, 's> {
    type Cursor = Cursor<'s>;
    type Env = Env<'s>;
    type Judge = FastEngine<'s>;

    fn tracing(&self) -> bool {
        self.trace
    }

    fn budget(&self) -> &Budget<'s> {
        self.budget
    }

    fn judge(&self) -> &FastEngine<'s> {
        self.engine
    }

    fn id(&self, r: RecordIdx) -> &'s str {
        Ctx::id(self, r)
    }

    fn binder(&self, rec: RecordIdx) -> Cursor<'s> {
        Cursor::One(Val::Rec(rec), self.start_chain(rec))
    }

    fn literal(&self, c: &'s Const) -> Cursor<'s> {
        Cursor::One(Val::of_const(c), Chain::default())
    }

    fn plain(&self, v: Scalar<'s>) -> Cursor<'s> {
        Cursor::One(Val::of_scalar(v), Chain::default())
    }

    fn counted(&self, c: Cursor<'s>) -> Cursor<'s> {
        let chain = match &c {
            Cursor::One(_, chain) => chain.clone(),
            Cursor::Many(_) => Chain::default(),
        };
        let length = self.count(c).map_or(Val::Missing, |n| Val::Num(n as f64));
        Cursor::One(length, chain)
    }

    fn path(&self, p: &'s PathExpr, env: &Env<'s>) -> Cursor<'s> {
        self.follow(p, env, p.steps.len())
    }

    fn scalar(&self, c: &Cursor<'s>) -> Scalar<'s> {
        c.one().scalar(|r| Ctx::id(self, r))
    }

    fn present(&self, c: &Cursor<'s>) -> bool {
        match c {
            Cursor::One(v, _) => !matches!(v, Val::Missing),
            Cursor::Many(_) => true,
        }
    }

    fn is_record_list(&self, c: &Cursor<'s>) -> bool {
        matches!(
            c,
            Cursor::Many(_) | Cursor::One(Val::List(_) | Val::Links(_) | Val::Json(serde_json::Value::Array(_)), _)
        )
    }

    fn any_element(&self, c: &Cursor<'s>, mut f: impl FnMut(Scalar<'s>) -> bool) -> Option<bool> {
        let id = |r| Ctx::id(self, r);
        Some(match c {
            Cursor::Many(items) => items.iter().any(|i| f(i.val.scalar(id))),
            Cursor::One(Val::Links(ids), _) => ids.iter().any(|r| f(Scalar::Str(id(*r)))),
            Cursor::One(Val::List(values), _) => values.iter().any(|v| f(Val::of_stored(v).scalar(id))),
            Cursor::One(Val::Json(serde_json::Value::Array(values)), _) => {
                values.iter().any(|v| f(Val::of_json(v).scalar(id)))
            }
            Cursor::One(Val::Const(list), _) => list.items.iter().any(|c| f(Scalar::of_const(c))),
            Cursor::One(..) => return None,
        })
    }

    fn resolve(&self, c: &Cursor<'s>) -> Option<RecordIdx> {
        self.resolve_val(c.one())
    }

    fn observed(&self, c: Cursor<'s>) -> Observed {
        match c {
            // A string reached by no chain is a literal: shared, made once.
            Cursor::One(Val::Str(s), chain) if chain.is_empty() => {
                Observed { value: Shown::Text(shared(s)), chain, computed: None }
            }
            Cursor::One(v, mut chain) => {
                elide(&mut chain);
                Observed { value: self.shown_at(v, &chain), chain, computed: None }
            }
            Cursor::Many(items) => {
                let value = Shown::List(items.iter().map(|i| self.shown(i.val)).collect());
                Observed { chain: Chain::default(), value, computed: None }
            }
        }
    }

    /// A def of one record is a pure function of that record: its answer
    /// is remembered (not while collecting evidence), with what it cost.
    fn call(
        &self,
        def: DefId,
        args: &'s [Term],
        loc: &Loc,
        env: &mut Env<'s>,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let record = match (self.trace, args) {
            (false, [arg]) => match self.term(arg, env) {
                Cursor::One(Val::Rec(r), _) => Some(r),
                _ => None,
            },
            _ => None,
        };
        // Inside a recursive group's round, a def that reads verdicts
        // answers as that round sees them: not remembered.
        let viewed = self.engine.def_reads_verdicts.get(def.0 as usize) == Some(&true) && current_view().is_some();
        let Some(r) = record.filter(|_| !viewed) else { return self.call_def(def, args, loc, env, facts) };
        if let Some((known, steps, visited)) = self.engine.def_memo(def, r) {
            self.budget.spend_steps(steps)?;
            self.budget.spend_visited(visited)?;
            return Ok(known);
        }
        let before = self.budget.spent();
        let holds = self.call_def(def, args, loc, env, facts)?;
        // Only a complete answer is remembered.
        self.budget.check()?;
        let after = self.budget.spent();
        self.engine.remember_def(def, r, holds, (after.0 - before.0, after.1 - before.1));
        Ok(holds)
    }

    fn quantifier(&self, q: &'s Quant, env: &mut Env<'s>, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        bind_slot(env, q.slot);
        if let QRange::Path(Term::Path(p)) = &q.range
            && let Some(step) = p.steps.last()
            && let Some(hops) = step.hops
        {
            return self.quantifier_walk(q, p, step, hops, env, facts);
        }
        let range = self.range(&q.range, env);
        let Some(items) = range.items else {
            return Ok(finish_quantifier(self, q, range.text, None, None, facts));
        };
        let fast = self.untraced();
        let mut examined = 0;
        let mut settled = None;
        let followed = self.budget.follow(range.text.over);
        for item in items {
            if range.text.of_type && !self.budget.visit() {
                self.budget.check()?;
            }
            env[q.slot] = Cursor::One(item.val, Chain::default());
            if let Some(f) = range.filter
                && !fast.cond(f, env, &mut Vec::new())?
            {
                continue;
            }
            examined += 1;
            if fast.cond(&q.body, env, &mut Vec::new())? == settled_by(q.quantifier) {
                let Item { val, chain, depth, pos } = item;
                let found = Found { val, depth: (depth > 0).then_some(depth), pos };
                settled = Some(self.settle(q, range.filter, found, || self.element_chain(val, chain), env)?);
                break;
            }
        }
        self.budget.unfollow(followed);
        Ok(finish_quantifier(self, q, range.text, Some(examined), settled, facts))
    }

    fn sum(&self, s: &'s Sum, env: &mut Env<'s>, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        bind_slot(env, s.slot);
        let range = self.range(&s.range, env);
        let fast = self.untraced();
        let mut seen = SumSeen { terms: Vec::new(), total: 0.0, body: Vec::new() };
        let followed = self.budget.follow(range.text.over);
        for item in range.items.unwrap_or_default() {
            if range.text.of_type && !self.budget.visit() {
                self.budget.check()?;
            }
            let chain = if self.trace { self.element_chain(item.val, item.chain) } else { Chain::default() };
            env[s.slot] = Cursor::One(item.val, chain);
            if let Some(f) = range.filter
                && !fast.cond(f, env, &mut Vec::new())?
            {
                continue;
            }
            let c = self.path(&s.value, env);
            if self.add_term(s, &c, &mut seen.total)? && self.trace {
                seen.terms.push(self.observed(c));
                // Why the term was added: its filter, traced again.
                if let Some(f) = range.filter {
                    self.cond(f, env, &mut seen.body)?;
                }
            }
        }
        self.budget.unfollow(followed);
        Ok(finish_sum(self, s, range.text, seen, env, facts))
    }
}

/// A quantifier's or sum's elements (`None`: the list is missing), its
/// `where` filter and its range as evidence names it.
struct Range<'s> {
    items: Option<Vec<Item<'s>>>,
    filter: Option<&'s Cond>,
    text: RangeText<'s>,
}

/// The element that settled a quantifier, found without evidence.
struct Found<'s> {
    val: Val<'s>,
    /// Hops from the start (hop ranges).
    depth: Option<u32>,
    pos: usize,
}

impl<'s> Ctx<'_, 's> {
    fn range(&self, range: &'s QRange, env: &Env<'s>) -> Range<'s> {
        match range {
            QRange::Path(term) => Range {
                items: self.items(self.term(term, env)),
                filter: None,
                text: RangeText { over: term.loc().text(), of_type: false },
            },
            QRange::Type { record_type, filter, reverse } => {
                let candidates: Vec<RecordIdx> = match reverse {
                    Some(rev) => {
                        let key = self.reverse_key(&self.term(&rev.target, env));
                        key.map(|k| self.engine.reverse_lookup(record_type, rev.field_id, k)).unwrap_or_default()
                    }
                    None => self.engine.of_type(record_type).to_vec(),
                };
                let items =
                    candidates.into_iter().enumerate().map(|(pos, i)| Item::built(Val::Rec(i), Chain::default(), pos));
                let text = RangeText { over: record_type, of_type: true };
                Range { items: Some(items.collect()), filter: filter.as_deref(), text }
            }
        }
    }

    /// The witness of a quantifier, found without evidence, traced: its
    /// chain, and its filter's and body's facts.
    fn settle(
        &self,
        q: &'s Quant,
        filter: Option<&'s Cond>,
        found: Found<'s>,
        chain: impl FnOnce() -> Chain,
        env: &mut Env<'s>,
    ) -> Result<Settled, Fault> {
        if !self.trace {
            return Ok(Settled::untraced());
        }
        env[q.slot] = Cursor::One(found.val, chain());
        // Room for the body's fact (most have one), made at once.
        let mut facts = Vec::with_capacity(1);
        if let Some(f) = filter {
            self.cond(f, env, &mut facts)?;
        }
        self.cond(&q.body, env, &mut facts)?;
        let mut chain = take_chain(env, q.slot);
        elide(&mut chain);
        let element = Observed { value: self.shown_at(found.val, &chain), chain, computed: None };
        Ok(Settled { witness: Witness { element, depth: found.depth, position: found.pos }, facts })
    }

    /// A quantifier over a hop range (`any c in p.contacts{1..2}: …`),
    /// judged depth by depth as the walk goes: it stops at the first element
    /// that settles it (which, depth by depth in the witness order, is the
    /// witness) instead of walking the whole range first.
    fn quantifier_walk(
        &self,
        q: &'s Quant,
        path: &'s PathExpr,
        step: &'s PathStep,
        range: HopRange,
        env: &mut Env<'s>,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let start = self.follow(path, env, path.steps.len() - 1);
        let text = RangeText { over: path.loc.text(), of_type: false };
        let reached = self.reached(q, step, &start);
        if !self.trace {
            // Without evidence, whether an element settled it is all there
            // is to say (a witness and a fact were built and dropped here
            // for every record).
            match reached {
                Some(Reached::Settled { .. } | Reached::Held) => return Ok(quantifier_holds(q.quantifier, true)),
                Some(Reached::Unsettled { .. }) => return Ok(quantifier_holds(q.quantifier, false)),
                None => {}
            }
        }
        match reached {
            Some(Reached::Settled { witness, depth, pos }) => {
                let found = Found { val: Val::Rec(witness), depth: Some(depth), pos };
                let settled = self.settle(q, None, found, || self.closure_chain(q, step, start), env)?;
                return Ok(finish_quantifier(self, q, text, Some(0), Some(settled), facts));
            }
            Some(Reached::Held) => {
                return Ok(finish_quantifier(self, q, text, Some(0), Some(Settled::untraced()), facts));
            }
            Some(Reached::Unsettled { count }) => {
                return Ok(finish_quantifier(self, q, text, Some(count), None, facts));
            }
            None => {}
        }
        let (examined, settled) = self.walk_range(q, step, range, start, env)?;
        Ok(finish_quantifier(self, q, text, Some(examined), settled, facts))
    }

    /// Walks a hop range from `start` depth by depth until an element
    /// settles `q`: how many elements were examined, and the witness.
    fn walk_range(
        &self,
        q: &'s Quant,
        step: &'s PathStep,
        range: HopRange,
        start: Cursor<'s>,
        env: &mut Env<'s>,
    ) -> Result<(usize, Option<Settled>), Fault> {
        let closure = self.engine.closure(q);
        let known = closure.and_then(|c| self.witness_known(c, range, &start));
        let mut walk = self.start_walk(start);
        let mut examined = 0;
        let followed = self.budget.follow(&step.field);
        let settled = loop {
            if let Some((closure, at)) = known
                && walk.depth + 1 == at
                && let Some((node, target, pos)) = self.witness_depth(&mut walk, step, |r| closure.settles(r))
            {
                let found = Found { val: Val::Rec(target), depth: Some(at), pos };
                let chain = || self.walk_chain(&walk.start_chains, &walk.bufs.nodes, &step.field, node);
                break Some(self.settle(q, None, found, chain, env)?);
            }
            match self.walk_depth(&mut walk, step, range) {
                Depth::Walked => {}
                Depth::Done => break None,
                Depth::OutOfBudget => {
                    self.budget.check()?;
                    break None;
                }
            }
            if known.is_some_and(|(_, at)| walk.depth < at) {
                // Nothing this near settles it (what was examined is
                // only shown when nothing does).
                continue;
            }
            if let (Cond::Call { def, .. }, None) = (&q.body, closure) {
                self.engine.read_def_answers(*def, walk.bufs.level.iter().map(|l| l.1));
            }
            if let Some(settled) = self.judge_depth(q, &walk, step, closure, &mut examined, env)? {
                break Some(settled);
            }
        };
        self.budget.unfollow(followed);
        Ok((examined, settled))
    }

    /// Where the store-wide closure knows how far the witness of the walk
    /// from `start` is, but not which it is (several shortest ways): the
    /// closure, which tells the records that settle, and that depth, if
    /// it is in `range`. The walk then orders the depths before it as
    /// ever, but at that one looks only for the witness.
    fn witness_known<'c>(
        &self,
        closure: &'c Closure,
        range: HopRange,
        start: &Cursor<'s>,
    ) -> Option<(&'c Closure, u32)> {
        let Cursor::One(v, _) = start else { return None };
        let End::Walk { depth: Some(at) } = closure.end(self.resolve_val(*v)?) else { return None };
        (range.min <= at && range.max.is_none_or(|max| at <= max)).then_some((closure, at))
    }

    /// Judges the records a walk reached at its last depth, in witness
    /// order, until one settles the quantifier: by the store-wide
    /// `closure`, which knows which records do, if `q` has one (the body
    /// reads only the record, so it says what evaluating the body would),
    /// else by evaluating the body.
    fn judge_depth(
        &self,
        q: &'s Quant,
        walk: &HopWalk,
        step: &'s PathStep,
        closure: Option<&Closure>,
        examined: &mut usize,
        env: &mut Env<'s>,
    ) -> Result<Option<Settled>, Fault> {
        let fast = self.untraced();
        for &(node, target, pos) in &walk.bufs.level {
            *examined += 1;
            let settles = match closure {
                Some(c) => c.settles(target),
                None => {
                    env[q.slot] = Cursor::One(Val::Rec(target), Chain::default());
                    fast.cond(&q.body, env, &mut Vec::new())? == settled_by(q.quantifier)
                }
            };
            if !settles {
                continue;
            }
            let found = Found { val: Val::Rec(target), depth: Some(walk.depth), pos };
            let chain = || self.walk_chain(&walk.start_chains, &walk.bufs.nodes, &step.field, node);
            return self.settle(q, None, found, chain, env).map(Some);
        }
        Ok(None)
    }
}
