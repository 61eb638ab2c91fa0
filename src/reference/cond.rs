//! Conditions in the reference engine: [`Evaluator`] for [`Ctx`], so a
//! condition means what [`crate::eval`] says. Quantifiers and sums examine
//! their elements in order, tracing each when evidence is wanted — simple,
//! and the definition the fast engine's shortcuts must agree with.

use crate::ast::Quantifier;
use crate::check::{Cond, Const, PathExpr, QRange, Quant, Sum};
use crate::eval::{
    Chain, Evaluator, Fact, Fault, Miss, Misses, Observed, RangeText, Scalar, Settled, Shown, SumSeen, Witness,
    bind_slot, finish_quantifier, finish_quantifier_with_misses, finish_sum, settled_by,
};
use crate::records::RecordIdx;

use super::engine::Engine;
use super::trail::Trail;
use super::value::Val;
use super::walk::{Ctx, Cursor, Item};

type Env<'a> = crate::eval::Frame<Cursor<'a>>;

impl<'a> Evaluator<'a> for Ctx<'_, 'a> {
    type Cursor = Cursor<'a>;
    type Env = Env<'a>;
    type Judge = Engine<'a>;

    fn tracing(&self) -> bool {
        self.trace
    }

    fn budget(&self) -> &crate::eval::Budget<'a> {
        self.budget
    }

    fn judge(&self) -> &Engine<'a> {
        self.engine
    }

    fn id(&self, r: RecordIdx) -> &'a str {
        self.store().record(r).id()
    }

    fn binder(&self, rec: RecordIdx) -> Cursor<'a> {
        Cursor::One(Val::Record(rec), self.start_trail(rec))
    }

    fn literal(&self, c: &'a Const) -> Cursor<'a> {
        Cursor::One(Val::of_const(c), Trail::default())
    }

    fn plain(&self, v: Scalar<'a>) -> Cursor<'a> {
        Cursor::One(Val::of_scalar(v), Trail::default())
    }

    fn counted(&self, c: Cursor<'a>) -> Cursor<'a> {
        let trail = match &c {
            Cursor::One(_, trail) => trail.clone(),
            Cursor::Many(_) => Trail::default(),
        };
        let length = self.items(c).map_or(Val::Missing, |items| Val::Num(items.len() as f64));
        Cursor::One(length, trail)
    }

    fn path(&self, p: &'a PathExpr, env: &Env<'a>) -> Cursor<'a> {
        self.follow(p, env)
    }

    fn scalar(&self, c: &Cursor<'a>) -> Scalar<'a> {
        c.one().scalar()
    }

    fn present(&self, c: &Cursor<'a>) -> bool {
        match c {
            Cursor::One(v, _) => !v.is_missing(),
            Cursor::Many(_) => true,
        }
    }

    fn is_record_list(&self, c: &Cursor<'a>) -> bool {
        matches!(c, Cursor::Many(_) | Cursor::One(Val::Json(serde_json::Value::Array(_)), _))
    }

    fn any_element(&self, c: &Cursor<'a>, mut f: impl FnMut(Scalar<'a>) -> bool) -> Option<bool> {
        Some(self.items(c.clone())?.iter().any(|i| f(i.val.scalar())))
    }

    fn resolve(&self, c: &Cursor<'a>) -> Option<RecordIdx> {
        self.resolve_val(c.one())
    }

    fn observed(&self, c: Cursor<'a>) -> Observed {
        match c {
            Cursor::One(v, trail) => {
                Observed { chain: self.shown_chain(&trail), value: v.shown(self.store()), computed: None }
            }
            Cursor::Many(items) => Observed {
                chain: Chain::default(),
                value: Shown::List(items.iter().map(|i| i.val.shown(self.store())).collect()),
                computed: None,
            },
        }
    }

    fn decisive(&self, branch: crate::check::BranchId, term: usize) {
        self.engine.decisive(branch, term);
    }

    fn term_held(&self) {
        if self.examine {
            self.terms_held.set(self.terms_held.get() + 1);
        }
    }

    fn quantifier(&self, q: &'a Quant, env: &mut Env<'a>, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        bind_slot(env, q.slot);
        let range = self.range(&q.range, env);
        let Some(items) = range.items.as_deref() else {
            return Ok(finish_quantifier(self, q, range.text, None, None, facts));
        };
        let held_outside = self.terms_held.get();
        let mut examined = 0;
        let mut settled = None;
        let mut misses = Misses::default();
        let followed = self.budget.follow(range.text.over);
        for (i, item) in items.iter().enumerate() {
            let Some(sub) = self.element(item, q.slot, range.filter, range.text.of_type, env)? else { continue };
            examined += 1;
            let tried = self.try_body(q, env, sub)?;
            if tried.holds == settled_by(q.quantifier) {
                let witness = self.witness(item, q.slot, env);
                if self.examine && q.quantifier == Quantifier::All {
                    misses.add(tried.miss(witness.clone()));
                    self.more_failures(q, &range, &items[i + 1..], env, &mut misses);
                }
                settled = Some(Settled { witness, facts: tried.facts });
                break;
            }
            if self.examine && q.quantifier == Quantifier::Any {
                misses.add(tried.miss(self.witness(item, q.slot, env)));
            }
        }
        self.budget.unfollow(followed);
        // The terms held inside count for this quantifier's misses, not for
        // how near the element of an outer quantifier came.
        self.terms_held.set(held_outside);
        Ok(finish_quantifier_with_misses(self, q, range.text, Some(examined), settled, misses, facts))
    }

    fn sum(&self, s: &'a Sum, env: &mut Env<'a>, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        bind_slot(env, s.slot);
        let range = self.range(&s.range, env);
        let mut seen = SumSeen { terms: Vec::new(), total: 0.0, body: Vec::new() };
        let followed = self.budget.follow(range.text.over);
        for item in range.items.unwrap_or_default() {
            let Some(mut why) = self.element(&item, s.slot, range.filter, range.text.of_type, env)? else { continue };
            let c = self.path(&s.value, env);
            if self.add_term(s, &c, &mut seen.total)? && self.trace {
                seen.terms.push(self.observed(c));
                seen.body.append(&mut why);
            }
        }
        self.budget.unfollow(followed);
        Ok(finish_sum(self, s, range.text, seen, env, facts))
    }
}

/// One element's body, tried: whether it held, its facts (the filter's,
/// then from `body_from` the body's), and how many `and` terms held in it
/// (counted while examining).
struct Tried {
    holds: bool,
    facts: Vec<Fact>,
    body_from: usize,
    terms_held: usize,
}

impl Tried {
    /// The element as a miss: with its body's facts only.
    fn miss(&self, element: Witness) -> Miss {
        Miss { element, terms_held: self.terms_held, body: self.facts[self.body_from..].to_vec() }
    }
}

/// A quantifier's or sum's elements (`None`: the list is missing), its
/// `where` filter and its range as evidence names it.
struct Range<'a> {
    items: Option<Vec<Item<'a>>>,
    filter: Option<&'a Cond>,
    text: RangeText<'a>,
}

impl<'a> Ctx<'_, 'a> {
    fn range(&self, range: &'a QRange, env: &Env<'a>) -> Range<'a> {
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
                        key.map(|k| self.engine.reverse_lookup(record_type, &rev.field, k)).unwrap_or_default()
                    }
                    None => self.store().of_type(record_type).to_vec(),
                };
                let items = candidates
                    .into_iter()
                    .enumerate()
                    .map(|(pos, i)| Item { val: Val::Record(i), trail: Trail::default(), depth: 0, pos })
                    .collect();
                Range {
                    items: Some(items),
                    filter: filter.as_deref(),
                    text: RangeText { over: record_type, of_type: true },
                }
            }
        }
    }

    /// A quantifier's body on the element bound to its slot, after the
    /// facts of its filter.
    fn try_body(&self, q: &'a Quant, env: &mut Env<'a>, filter_facts: Vec<Fact>) -> Result<Tried, Fault> {
        let mut facts = filter_facts;
        let body_from = facts.len();
        let held_before = self.terms_held.get();
        let holds = self.cond(&q.body, env, &mut facts)?;
        Ok(Tried { holds, facts, body_from, terms_held: self.terms_held.get() - held_before })
    }

    /// A trail as evidence shows it: its middle left out when long,
    /// unless `explain --full` asked for every hop.
    fn shown_chain(&self, trail: &Trail) -> Chain {
        trail.shown(self.engine.full_chains)
    }

    /// The element bound to `slot`, with the chain that reached it (taken
    /// from the slot), as a witness shows it.
    fn witness(&self, item: &Item<'a>, slot: usize, env: &mut Env<'a>) -> Witness {
        let trail = match std::mem::take(&mut env[slot]) {
            Cursor::One(_, trail) => trail,
            Cursor::Many(_) => Trail::default(),
        };
        let element = Observed { chain: self.shown_chain(&trail), value: item.val.shown(self.store()), computed: None };
        Witness { element, depth: (item.depth > 0).then_some(item.depth), position: item.pos }
    }

    /// `explain` on an `all` that failed: the elements after the first
    /// failure that fail too, on a budget of their own (so the outcome
    /// never pays for them); where that budget runs out, the list stops.
    fn more_failures(
        &self,
        q: &'a Quant,
        range: &Range<'a>,
        rest: &[Item<'a>],
        env: &mut Env<'a>,
        misses: &mut Misses,
    ) {
        let spare = self.budget.fresh();
        let ctx = Ctx::new(self.engine, true, &spare);
        for item in rest {
            let tried = match ctx.element(item, q.slot, range.filter, range.text.of_type, env) {
                Ok(Some(sub)) => ctx.try_body(q, env, sub),
                Ok(None) => continue,
                Err(_) => break,
            };
            match tried {
                Ok(tried) if !tried.holds => misses.add(tried.miss(ctx.witness(item, q.slot, env))),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }

    /// Binds an element of a range to `slot` (a record ranged over by type
    /// starts its own chain) and applies the `where` filter: the filter's
    /// facts if the element passes, `None` if it does not.
    fn element(
        &self,
        item: &Item<'a>,
        slot: usize,
        filter: Option<&'a Cond>,
        of_type: bool,
        env: &mut Env<'a>,
    ) -> Result<Option<Vec<Fact>>, Fault> {
        if of_type && !self.budget.visit() {
            self.budget.check()?;
        }
        let trail = match item.val {
            Val::Record(i) if self.trace && item.trail.is_empty() => self.start_trail(i),
            _ => item.trail.clone(),
        };
        env[slot] = Cursor::One(item.val, trail);
        let mut why = Vec::new();
        if let Some(f) = filter
            && !self.cond(f, env, &mut why)?
        {
            return Ok(None);
        }
        Ok(Some(why))
    }
}
