//! Hop-range quantifiers judged for the whole store at once (see
//! [`super::closure`]): which ones can be, the body worked out on every
//! record to build their [`Closure`] on first use, and a record's answer
//! read from it with its witness and the way there.

use std::sync::OnceLock;

use super::closure::{Closure, Closures, End, Links};
use super::engine::FastEngine;
use super::value::{Cursor, Env, Val};
use super::walk::Ctx;
use crate::check::{Cond, Head, PathExpr, PathStep, QRange, Quant, Term};
use crate::eval::{Budget, CHAIN_ENDS, Chain, Evaluator, Hop, Limits, Shown, elide, settled_by};
use crate::records::{RecordIdx, Records};

/// The quantifiers of `conds` that can be judged for the whole store: over
/// a hop range from depth 1 (`p.contacts{1..}`, `{1..n}`), with a body
/// that reads only the record reached.
pub(crate) fn closures<'c>(conds: impl Iterator<Item = &'c Cond>) -> Closures {
    let mut out = Closures::new();
    for cond in conds {
        cond.visit(&mut |e| {
            if let Cond::Quant(q) = e
                && closure_step(q).is_some()
            {
                out.insert(key(q), OnceLock::new());
            }
        });
    }
    out
}

fn key(q: &Quant) -> usize {
    std::ptr::from_ref(q) as usize
}

/// The hop step a store-wide closure would walk, if `q` can have one.
fn closure_step(q: &Quant) -> Option<&PathStep> {
    let QRange::Path(Term::Path(p)) = &q.range else { return None };
    let step = p.steps.last()?;
    let hops = step.hops?;
    (hops.min == 1 && local(&q.body, Some(q.slot))).then_some(step)
}

/// A condition that reads only one record — the one bound to `slot`, or
/// with `None` whichever its paths start from — and what single links lead
/// to (no hop range, quantifier, sum, call or verdict): bounded and cheap,
/// so working it out for every record costs little.
pub(crate) fn local(e: &Cond, slot: Option<usize>) -> bool {
    let path = |p: &PathExpr| {
        p.steps.iter().all(|s| s.hops.is_none())
            && match (&p.head, slot) {
                (Head::Var(s, _), Some(slot)) => *s == slot,
                _ => true,
            }
    };
    let term = |t: &Term| term_reads(t, &path);
    match e {
        Cond::And(ts, _) | Cond::Or(ts, _) => ts.iter().all(|t| local(t, slot)),
        Cond::Not(t) => local(t, slot),
        Cond::Cmp { lhs, rhs, .. } => term(lhs) && term(rhs),
        Cond::InSet { lhs, .. } => term(lhs),
        Cond::Matches { subject, .. } => term(subject),
        Cond::Exists { path: p, .. } => path(p),
        Cond::Truthy { term: t, .. } => term(t),
        Cond::Const(_) => true,
        Cond::Is { .. } | Cond::Quant(_) | Cond::Sum(_) | Cond::Call { .. } => false,
    }
}

/// Whether every path a term reads passes `path`.
fn term_reads(t: &Term, path: &impl Fn(&PathExpr) -> bool) -> bool {
    match t {
        Term::Path(p) | Term::Count(p, _) => path(p),
        Term::Const(..) | Term::AsOf(_) => true,
        Term::Shift(base, ..) | Term::Lower(base, _) => term_reads(base, path),
    }
}

impl<'s> FastEngine<'s> {
    /// `q`'s store-wide closure, worked out on first use; `None` when `q`
    /// cannot have one.
    pub(crate) fn closure(&self, q: &'s Quant) -> Option<&Closure> {
        let cell = self.closures.get(&key(q))?;
        cell.get_or_init(|| self.build_closure(q)).as_ref()
    }

    /// Works the body out on every record (one thread: other threads wait
    /// for it, and a parallel loop here could pick up their work and ask
    /// for this closure again), then the walks of every record together.
    /// The body reads one record, so it cannot run out of budget; it gets
    /// one of its own, without limits.
    fn build_closure(&self, q: &'s Quant) -> Option<Closure> {
        let step = closure_step(q)?;
        let adjacency = self.adjacency(step)?;
        let unlimited = Limits { max_steps: u64::MAX, max_visited: u64::MAX };
        let settling = settled_by(q.quantifier);
        let mut env: Env<'s> = (0..=q.slot).map(|_| Cursor::default()).collect();
        let mut settles = Vec::with_capacity(self.store.len());
        for i in 0..self.store.len() {
            let r = RecordIdx(i as u32);
            let budget = Budget::new(unlimited, "quantifier", &q.var, self.store.id(r));
            let ctx = Ctx { engine: self, trace: false, budget: &budget };
            env[q.slot] = Cursor::One(Val::Rec(r), Vec::new());
            settles.push(ctx.cond(&q.body, &mut env, &mut Vec::new()).ok()? == settling);
        }
        let links = Links { starts: &adjacency.starts, links: &adjacency.links };
        Some(Closure::new(&links, &settles, CHAIN_ENDS as u32))
    }
}

/// What a store-wide closure says of one walk.
pub(crate) enum Reached {
    /// Settled by `witness`, `depth` hops away, reached from list position `pos`.
    Settled { witness: RecordIdx, depth: u32, pos: usize },
    /// Nothing in the range settles it.
    Unsettled,
}

impl<'s> Ctx<'_, 's> {
    /// What the walk of `q` over `range` from `start` comes to, read from
    /// the store-wide closure; `None` when the walk itself must tell (no
    /// closure, several starts, several shortest ways, or an unsettled
    /// walk whose evidence counts what it reached).
    pub(crate) fn reached(&self, q: &'s Quant, step: &PathStep, start: &Cursor<'s>) -> Option<Reached> {
        let closure = self.engine.closure(q)?;
        let Cursor::One(v, _) = start else { return None };
        let max = step.hops?.max;
        match closure.end(self.resolve_val(*v)?) {
            End::Settled { witness, depth, pos, .. } if max.is_none_or(|m| depth <= m) => {
                Some(Reached::Settled { witness, depth, pos: pos as usize })
            }
            End::Walk => None,
            _ if self.trace => None,
            _ => Some(Reached::Unsettled),
        }
    }

    /// The chain to the witness of the walk from `start`: its own chain,
    /// then the records on the way, the middle of a long way left out.
    pub(crate) fn closure_chain(&self, q: &'s Quant, step: &PathStep, start: Cursor<'s>) -> Chain {
        let Cursor::One(v, mut chain) = start else { return Vec::new() };
        let way = self.resolve_val(v).and_then(|r| self.engine.closure(q)?.way(r));
        let Some(way) = way else { return chain };
        let hop = |r: RecordIdx| Hop { via: step.field.clone(), to: self.record_shown(r) };
        chain.extend(way.first.into_iter().map(hop));
        if way.left_out > 0 {
            chain.push(Hop { via: String::new(), to: Shown::Elided(way.left_out as usize) });
        }
        chain.extend(way.last.into_iter().map(hop));
        elide(&mut chain);
        chain
    }
}
