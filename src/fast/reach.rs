//! Hop-range quantifiers judged for the whole store at once (see
//! [`super::closure`]): which ones can be, the body worked out on every
//! record to build their [`Closure`] on first use, and a record's answer
//! read from it with its witness and the way there.

use std::sync::{Arc, OnceLock};

use super::closure::{Closure, Closures, End, Links};
use super::engine::{Adjacency, FastEngine};
use super::value::{Bound, Cursor, Env, Val};
use super::walk::Ctx;
use crate::check::{Cond, Head, PathExpr, PathStep, Program, QRange, Quant, Term};
use crate::eval::{Budget, CHAIN_ENDS, Chain, Evaluator, Hop, Limits, Shown, elide, settled_by, shared};
use crate::records::{RecordIdx, Records};

/// The quantifiers of `conds` that can be judged for the whole store: over
/// a hop range from depth 1 (`p.contacts{1..}`, `{1..n}`), with a body
/// that reads only the record reached.
pub(crate) fn closures(program: &Program) -> Closures {
    let mut out = Closures::default();
    for (_, cond) in program.conditions() {
        cond.visit(&mut |e| {
            if let Cond::Quant(q) = e
                && closure_step(program, q).is_some()
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
fn closure_step<'q>(program: &Program, q: &'q Quant) -> Option<&'q PathStep> {
    let QRange::Path(Term::Path(p)) = &q.range else { return None };
    let step = p.steps.last()?;
    let hops = step.hops?;
    (hops.min == 1 && reads_only_element(program, &q.body, q.slot)).then_some(step)
}

/// Whether a quantifier's body reads only the record bound to `slot`:
/// [`local`] to it, or — the usual way to name what is looked for — a call
/// of a def whose body is local, on that record or what single links from
/// it lead to (`any c in p.contacts{1..}: banned(c)`).
fn reads_only_element(program: &Program, body: &Cond, slot: usize) -> bool {
    let Cond::Call { def, args, .. } = body else { return local(body, Some(slot)) };
    let arg_local = |t: &Term| term_reads(t, &|p: &PathExpr| local_path(p, Some(slot)));
    let def_local = program.defs.get(def.0 as usize).is_some_and(|d| local(&d.body, None));
    def_local && args.iter().all(arg_local)
}

/// A path of no hop range, from the record in `slot` (`None`: from any).
fn local_path(p: &PathExpr, slot: Option<usize>) -> bool {
    p.steps.iter().all(|s| s.hops.is_none())
        && match (&p.head, slot) {
            (Head::Var(s, _), Some(slot)) => *s == slot,
            _ => true,
        }
}

/// A condition that reads only one record — the one bound to `slot`, or
/// with `None` whichever its paths start from — and what single links lead
/// to (no hop range, quantifier, sum, call or verdict): bounded and cheap,
/// so working it out for every record costs little.
pub(crate) fn local(e: &Cond, slot: Option<usize>) -> bool {
    let path = |p: &PathExpr| local_path(p, slot);
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

    /// Builds the closure of every quantifier that has one, each on every
    /// core: called before judging starts (a closure built on first use
    /// is built by one thread while the others wait for it). On a rayon
    /// thread they are left to be built on first use (see [`Closure::new`]).
    pub(crate) fn build_closures(&self) {
        if rayon::current_thread_index().is_some() {
            return;
        }
        for (_, cond) in self.program.conditions() {
            cond.visit(&mut |e| {
                if let Cond::Quant(q) = e {
                    self.closure(q);
                }
            });
        }
    }

    /// Works the body out on every record a link leads to (one thread:
    /// other threads wait for it, and a parallel loop here could pick up
    /// their work and ask for this closure again), then the walks of every
    /// record together.
    /// The body reads one record, so it cannot run out of budget; it gets
    /// one of its own, without limits.
    fn build_closure(&self, q: &'s Quant) -> Option<Closure> {
        let step = closure_step(self.program, q)?;
        let adjacency = self.adjacency(step)?;
        let unlimited = Limits { max_steps: u64::MAX, max_visited: u64::MAX, max_rounds: u64::MAX };
        let settling = settled_by(q.quantifier);
        let links = Links { starts: &adjacency.starts, links: &adjacency.links };
        // Whether a record no link leads to settles the quantifier matters
        // to no walk (not even its own: a walk does not reach its start),
        // so the body is worked out only where some link leads.
        let mut settles = links.targets(self.store.len());
        let mut env: Env<'s> = (0..=q.slot).map(|_| Cursor::default()).collect();
        for (i, settles_here) in settles.iter_mut().enumerate().filter(|(_, t)| **t) {
            let r = RecordIdx(i as u32);
            if let Some(holds) = self.answered_call(&q.body, q.slot, r) {
                *settles_here = holds == settling;
                continue;
            }
            let budget = Budget::new(unlimited, "quantifier", &q.var, self.store.id(r));
            let ctx = Ctx { engine: self, trace: false, budget: &budget };
            // Most bodies (a remembered def, a comparison) are quick; the
            // others are evaluated in a frame of their own.
            let holds = match ctx.quick_cond(&q.body, Bound { slot: q.slot, val: Val::Rec(r) }) {
                Ok(Some(holds)) => holds,
                Ok(None) => {
                    env[q.slot] = Cursor::One(Val::Rec(r), Chain::default());
                    ctx.cond(&q.body, &mut env, &mut Vec::new()).ok()?
                }
                Err(_) => return None,
            };
            *settles_here = holds == settling;
        }
        let max = step.hops.and_then(|h| h.max);
        Some(Closure::new(&links, &settles, CHAIN_ENDS as u32, max))
    }

    /// A body that calls a def on the element itself (`any c in …:
    /// banned(c)`, the usual shape): its answer on `r` read from the def's
    /// answers worked out ahead, where they hold one (as
    /// [`Ctx::quick_cond`] reads it, without the context and budget that
    /// were most of what building the closure cost).
    fn answered_call(&self, body: &Cond, slot: usize, r: RecordIdx) -> Option<bool> {
        let Cond::Call { def, args, .. } = body else { return None };
        let [Term::Path(p)] = args.as_slice() else { return None };
        if !p.steps.is_empty() || !matches!(p.head, Head::Var(s, _) if s == slot) {
            return None;
        }
        let answers = self.def_answers.get(def.0 as usize)?.as_ref()?;
        answers.get(r).map(|(holds, ..)| holds)
    }
}

/// What a store-wide closure says of one walk.
pub(crate) enum Reached {
    /// Settled by `witness`, `depth` hops away, reached from list position `pos`.
    Settled { witness: RecordIdx, depth: u32, pos: usize },
    /// Settled by a record in the range, which is not shown (without
    /// evidence).
    Held,
    /// Nothing in the range settles it; `count` records were reached (0
    /// when that is not shown: without evidence).
    Unsettled { count: usize },
}

impl<'s> Ctx<'_, 's> {
    /// What the walk of `q` over `range` from `start` comes to, read from
    /// the store-wide closure; `None` when the walk itself must tell (no
    /// closure, several starts, several shortest ways, or an unsettled
    /// walk whose evidence counts what it reached, where the closure could
    /// not count it).
    pub(crate) fn reached(&self, q: &'s Quant, step: &PathStep, start: &Cursor<'s>) -> Option<Reached> {
        let closure = self.engine.closure(q)?;
        let Cursor::One(v, _) = start else { return None };
        let max = step.hops?.max;
        let r = self.resolve_val(*v)?;
        match closure.end(r) {
            End::Settled { witness, depth, pos, .. } if max.is_none_or(|m| depth <= m) => {
                Some(Reached::Settled { witness, depth, pos: pos as usize })
            }
            // Without evidence, how far the witness is tells the answer.
            End::Walk { depth: Some(depth) } if !self.trace => Some(match max {
                Some(m) if depth > m => Reached::Unsettled { count: 0 },
                _ => Reached::Held,
            }),
            // A record that settles it itself: without evidence, a short
            // walk over the adjacency arrays tells whether another one is
            // in range (the walk itself built cursors for every record on
            // the way: 20 times the cost).
            End::Walk { depth: None } if !self.trace => {
                let adjacency = self.engine.adjacency(step)?;
                Some(match settling_within(adjacency, closure, r, max?)? {
                    true => Reached::Held,
                    false => Reached::Unsettled { count: 0 },
                })
            }
            End::Walk { .. } => None,
            // With evidence, an unsettled quantifier shows how many records
            // its walk reached: known for a whole walk, where it adds up.
            End::Unsettled if self.trace => match max {
                None => closure.reached(r).map(|count| Reached::Unsettled { count }),
                Some(_) => None,
            },
            _ if self.trace => None,
            _ => Some(Reached::Unsettled { count: 0 }),
        }
    }

    /// The chain to the witness of the walk from `start`: its own chain,
    /// then the records on the way, the middle of a long way left out.
    pub(crate) fn closure_chain(&self, q: &'s Quant, step: &PathStep, start: Cursor<'s>) -> Chain {
        let Cursor::One(v, mut chain) = start else { return Chain::default() };
        let way = self.resolve_val(v).and_then(|r| self.engine.closure(q)?.way(r));
        let Some(way) = way else { return chain };
        let via = shared(&step.field);
        let hop = |r: RecordIdx| Hop { via: Arc::clone(&via), to: self.record_shown(r) };
        chain.extend(way.first.into_iter().map(hop));
        if way.left_out > 0 {
            chain.push(Hop::start(Shown::Elided(way.left_out as usize)));
        }
        chain.extend(way.last.into_iter().map(hop));
        elide(&mut chain);
        chain
    }
}

/// The most links [`settling_within`] reads before it leaves the answer
/// to the walk.
const SHORT_WALK: usize = 1 << 12;

/// Whether the walk from `start` meets a record that settles its
/// quantifier within `max` hops; `None` where that takes more than
/// [`SHORT_WALK`] links. The walk never reaches its start again, so the
/// start is neither counted nor followed; the records `max` hops reach
/// otherwise are those at most `max` away, whatever the order, so they are
/// followed without remembering which were seen.
fn settling_within(adjacency: &Adjacency, closure: &Closure, start: RecordIdx, max: u32) -> Option<bool> {
    let mut frontier = vec![start];
    let mut next = Vec::new();
    let mut read = 0;
    for _ in 0..max {
        for &r in &frontier {
            let links = adjacency.links(adjacency.row(r));
            read += links.len();
            if read > SHORT_WALK {
                return None;
            }
            for &(_, t) in links.iter().filter(|(_, t)| *t != start) {
                if closure.settles(t) {
                    return Some(true);
                }
                next.push(t);
            }
        }
        std::mem::swap(&mut frontier, &mut next);
        next.clear();
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RuleSet, SourceFile};

    /// Which of each rule's quantifiers can be judged for the whole store.
    fn store_wide(rules: &str) -> Vec<bool> {
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules.to_string())])
            .unwrap_or_else(|e| panic!("{e:?}"));
        let program = rules.program();
        let mut out = Vec::new();
        for rule in &program.rules {
            rule.cond.visit(&mut |e| {
                if let Cond::Quant(q) = e {
                    out.push(closure_step(program, q).is_some());
                }
            });
        }
        out
    }

    /// Links of records 0.. given as each record's targets.
    fn adjacency(targets: &[&[u32]]) -> Adjacency {
        let mut starts = vec![0];
        let mut links = Vec::new();
        for ts in targets {
            links.extend(ts.iter().enumerate().map(|(pos, t)| (pos as u32, RecordIdx(*t))));
            starts.push(links.len() as u32);
        }
        Adjacency { starts, links }
    }

    /// The short walk from a record that settles the quantifier itself
    /// finds another one in range, never counting the start it comes back
    /// to, and gives up on a walk too wide to be short.
    #[test]
    fn a_short_walk_finds_another_settling_record_in_range_but_not_the_start() {
        // 0 (settles) → 1 → 0 and 1 → 2 → 3 (settles); 4 (settles) → 4.
        let adj = adjacency(&[&[1], &[0, 2], &[3], &[], &[4]]);
        let settles = [true, false, false, true, true];
        let links = Links { starts: &adj.starts, links: &adj.links };
        let closure = Closure::new(&links, &settles, CHAIN_ENDS as u32, None);
        let within = |start, max| settling_within(&adj, &closure, RecordIdx(start), max);
        assert_eq!((within(0, 2), within(0, 3), within(0, 5)), (Some(false), Some(true), Some(true)));
        assert_eq!((within(4, 1), within(4, 9)), (Some(false), Some(false)));
        // Every record links to every other: the third hop reads too much.
        let n = 40u32;
        let all: Vec<Vec<u32>> = (0..n).map(|r| (0..n).filter(|t| *t != r).collect()).collect();
        let adj = adjacency(&all.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let mut settles = vec![false; n as usize];
        settles[0] = true;
        let links = Links { starts: &adj.starts, links: &adj.links };
        let closure = Closure::new(&links, &settles, CHAIN_ENDS as u32, None);
        assert_eq!(settling_within(&adj, &closure, RecordIdx(0), 2), Some(false));
        assert_eq!(settling_within(&adj, &closure, RecordIdx(0), 4), None);
    }

    #[test]
    fn only_a_body_that_reads_the_record_reached_is_judged_for_the_whole_store() {
        let rules = r#"
            def kr(x: person) = x.nationality == "KR"
            def near(x: person) = any c in x.contacts{1..2}: c.nationality == "KR"
            rule local { flag person p when any c in p.contacts{1..}: c.spouse.nationality == "KR" }
            rule call { flag person p when all c in p.contacts{1..5}: kr(c.spouse) }
            rule outer { flag person p when any c in p.contacts{1..}: c.nationality == p.nationality }
            rule outer_arg { flag person p when any c in p.contacts{1..}: kr(p) }
            rule deep { flag person p when any c in p.contacts{1..}: near(c) }
            rule from_two { flag person p when any c in p.contacts{2..}: kr(c) }
            rule nested { flag person p when any c in p.contacts{1..}: any d in c.contacts: kr(d) }
        "#;
        assert_eq!(store_wide(rules), [true, true, false, false, false, false, false, false]);
    }
}
