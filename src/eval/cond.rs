//! What a condition means, written once: [`Evaluator::cond`] evaluates a
//! compiled [`Cond`] over the few operations an engine provides — follow a
//! path, project a value for comparing, show a value as evidence, read a
//! linked record's verdict — and builds the same evidence in both engines.
//!
//! Quantifiers, sums and def calls are the engine's own (the fast engine
//! walks hop ranges depth by depth and remembers def answers); what their
//! results mean and how their evidence is assembled is written here.

use crate::ast::{CmpOp, Quantifier, VerdictWord};
use crate::check::{BranchId, Cond, Const, DefId, PathExpr, Program, Quant, Sum, Term};
use crate::records::RecordIdx;
use crate::source::Loc;

use super::judge::Judge;
use super::value::{self, Scalar, list_shown};
use super::{
    Budget, Computation, Computed, Decision, Fact, FactKind, Fault, MISSES_SHOWN, Miss, Observed, Witness, shared,
};

/// One evaluation of conditions on a record, with or without evidence:
/// what an engine provides so that [`Evaluator::cond`] can give its
/// conditions their one meaning.
pub(crate) trait Evaluator<'p> {
    /// Where a path has got to: one value, or several once it passes
    /// through a list. `Default` is the missing value.
    type Cursor: Default;
    /// The binders of one body, by frame slot.
    type Env: std::ops::IndexMut<usize, Output = Self::Cursor> + FromIterator<Self::Cursor>;
    /// The engine, for the verdicts of linked records.
    type Judge: Judge<'p>;

    /// Whether evidence is being collected.
    fn tracing(&self) -> bool;
    /// What this evaluation may still spend.
    fn budget(&self) -> &Budget<'p>;
    fn judge(&self) -> &Self::Judge;
    /// A record's id.
    fn id(&self, r: RecordIdx) -> &'p str;

    /// A rule's record, bound to its binder (its chain starts there when
    /// tracing).
    fn binder(&self, rec: RecordIdx) -> Self::Cursor;
    /// A literal, as written in the rules.
    fn literal(&self, c: &'p Const) -> Self::Cursor;
    /// A value reached by no chain (the as-of day, a sum's total).
    fn plain(&self, v: Scalar<'p>) -> Self::Cursor;
    fn path(&self, p: &'p PathExpr, env: &Self::Env) -> Self::Cursor;
    /// `count(PATH)`: the length of the list a path led to, with the chain
    /// that reached it; missing when it is not a list.
    fn counted(&self, c: Self::Cursor) -> Self::Cursor;
    /// The one value a cursor holds, as compared; several count as missing.
    fn scalar(&self, c: &Self::Cursor) -> Scalar<'p>;
    /// `exists`: the path led to a value, or to a list.
    fn present(&self, c: &Self::Cursor) -> bool;
    /// A list from the records: a list field, or a path through a multi-link
    /// (not a literal list).
    fn is_record_list(&self, c: &Self::Cursor) -> bool;
    /// Whether `f` holds for some element of a list value, in order;
    /// `None` when the value is not a list.
    fn any_element(&self, c: &Self::Cursor, f: impl FnMut(Scalar<'p>) -> bool) -> Option<bool>;
    /// The record a value names: a record, or a string that is an id.
    fn resolve(&self, c: &Self::Cursor) -> Option<RecordIdx>;
    /// A value as evidence shows it, with the chain that reached it.
    fn observed(&self, c: Self::Cursor) -> Observed;

    /// `any|all|none x in RANGE: body`.
    fn quantifier(&self, q: &'p Quant, env: &mut Self::Env, facts: &mut Vec<Fact>) -> Result<bool, Fault>;
    /// `sum(RANGE: value) op rhs`.
    fn sum(&self, s: &'p Sum, env: &mut Self::Env, facts: &mut Vec<Fact>) -> Result<bool, Fault>;

    /// `def(args…)`: by default, evaluated afresh ([`Evaluator::call_def`]).
    fn call(
        &self,
        def: DefId,
        args: &'p [Term],
        loc: &Loc,
        env: &mut Self::Env,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        self.call_def(def, args, loc, env, facts)
    }

    /// Counts coverage: term `term` decided its `and`/`or` chain.
    fn decisive(&self, _branch: BranchId, _term: usize) {}

    /// A term of an `and` chain held (and the chain went on): how near an
    /// element came to satisfying a quantifier, for `explain`'s why-not.
    fn term_held(&self) {}

    fn program(&self) -> &'p Program {
        self.judge().program()
    }

    /// A frame of `size` missing binders, with `rec` in slot 0.
    fn frame(&self, size: usize, rec: Option<RecordIdx>) -> Self::Env {
        let binder = |slot| match (slot, rec) {
            (0, Some(rec)) => self.binder(rec),
            _ => Self::Cursor::default(),
        };
        (0..size).map(binder).collect()
    }

    fn term(&self, t: &'p Term, env: &Self::Env) -> Self::Cursor {
        match t {
            Term::Const(c, _) => self.literal(c),
            Term::AsOf(_) => self.plain(Scalar::Date(self.judge().as_of())),
            Term::Path(p) => self.path(p, env),
            Term::Count(p, _) => self.counted(self.path(p, env)),
            Term::Shift(base, shift, _) => self.plain(self.scalar(&self.term(base, env)).shifted(*shift)),
            Term::Lower(base, _) => self.plain(self.scalar(&self.term(base, env)).lowered()),
        }
    }

    /// A term's value `c` as evidence shows it: a computed one (`as_of - 1
    /// year`) with the value it was computed from, evaluated again (only
    /// when tracing, and a term's value depends on nothing but `env`).
    fn seen(&self, t: &'p Term, c: Self::Cursor, env: &Self::Env) -> Observed {
        let mut o = self.observed(c);
        let (base, how) = match t {
            Term::Shift(base, shift, _) => (base, Computation::Shift(*shift)),
            Term::Lower(base, _) => (base, Computation::Lower),
            _ => return o,
        };
        let from = self.seen(base, self.term(base, env), env);
        o.computed = Some(Box::new(Computed { how, text: t.loc().text().to_string(), from }));
        o
    }

    /// A rule's or exemption's condition on a record.
    fn body(&self, cond: &'p Cond, frame: usize, rec: RecordIdx, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        let mut env = self.frame(frame.max(1), Some(rec));
        let holds = self.cond(cond, &mut env, facts)?;
        // A walk that ran out of budget after the last step.
        self.budget().check()?;
        Ok(holds)
    }

    /// Whether a condition holds; when tracing, `facts` gets why (or why not).
    fn cond(&self, e: &'p Cond, env: &mut Self::Env, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        self.budget().step()?;
        match e {
            Cond::And(terms, branch) => self.chain(terms, *branch, false, env, facts),
            Cond::Or(terms, branch) => self.chain(terms, *branch, true, env, facts),
            Cond::Not(inner) => Ok(!self.cond(inner, env, facts)?),
            Cond::Const(value) => Ok(*value),
            Cond::Cmp { op, lhs, rhs, dates, loc } => {
                let (l, r) = (self.term(lhs, env), self.term(rhs, env));
                let holds = self.compare(*op, &l, &r, *dates);
                self.fact(facts, loc, holds, || FactKind::Compare {
                    lhs: self.seen(lhs, l, env),
                    op: *op,
                    rhs: self.seen(rhs, r, env),
                });
                Ok(holds)
            }
            Cond::InSet { lhs, set, negated, loc } => {
                let l = self.term(lhs, env);
                let Const::List(list) = &**set else { return Ok(false) };
                let v = self.scalar(&l);
                let holds = !v.is_missing() && value::in_const_list(v, list, |r| self.id(r)) != *negated;
                let op = if *negated { CmpOp::NotIn } else { CmpOp::In };
                let rhs = Observed { chain: Default::default(), value: list_shown(list), computed: None };
                self.fact(facts, loc, holds, || FactKind::Compare { lhs: self.seen(lhs, l, env), op, rhs });
                Ok(holds)
            }
            Cond::Matches { subject, re, loc } => {
                let s = self.term(subject, env);
                let holds = self.scalar(&s).text().is_some_and(|text| re.is_match(&text));
                let pattern = re.as_str().to_string();
                self.fact(facts, loc, holds, || FactKind::Matches { subject: self.seen(subject, s, env), pattern });
                Ok(holds)
            }
            Cond::Exists { path, loc } => {
                let c = self.path(path, env);
                let holds = self.present(&c);
                self.fact(facts, loc, holds, || FactKind::Exists { path: self.observed(c) });
                Ok(holds)
            }
            Cond::Truthy { term, loc } => {
                let c = self.term(term, env);
                let holds = self.scalar(&c) == Scalar::Bool(true);
                self.fact(facts, loc, holds, || FactKind::Truthy { value: self.seen(term, c, env) });
                Ok(holds)
            }
            Cond::Is { subject, verdict, by, loc, .. } => self.is(subject, *verdict, *by, loc, env, facts),
            Cond::Call { def, args, loc } => self.call(*def, args, loc, env, facts),
            Cond::Quant(q) => self.quantifier(q, env, facts),
            Cond::Sum(s) => self.sum(s, env, facts),
        }
    }

    /// An `and` (`stop_on` false) or `or` (true) chain: the first term that
    /// comes out `stop_on` decides it, and its facts are the evidence;
    /// otherwise every term's facts are (all held, or all failed).
    fn chain(
        &self,
        terms: &'p [Cond],
        branch: BranchId,
        stop_on: bool,
        env: &mut Self::Env,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let mut rest = Vec::new();
        for (i, t) in terms.iter().enumerate() {
            let mut sub = Vec::new();
            if self.cond(t, env, &mut sub)? == stop_on {
                if !self.tracing() {
                    self.decisive(branch, i);
                }
                facts.extend(sub);
                return Ok(stop_on);
            }
            if !stop_on {
                self.term_held();
            }
            rest.extend(sub);
        }
        facts.extend(rest);
        Ok(!stop_on)
    }

    /// `PATH is denied|flagged|allowed [by RULE]`: the linked record's final
    /// decision, or whether RULE fired on it and was not waived.
    fn is(
        &self,
        subject: &'p Term,
        verdict: VerdictWord,
        by: Option<crate::check::RuleId>,
        loc: &Loc,
        env: &Self::Env,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let c = self.term(subject, env);
        let target = self.resolve(&c);
        let judge = self.judge();
        let holds = match (target, by) {
            (None, _) => false,
            (Some(t), Some(rule)) => judge.rule_fired(t, rule)?,
            (Some(t), None) => is_verdict(verdict, judge.decision(t)?),
        };
        if self.tracing() {
            // What the record's verdict is, for the reader: shown only. A
            // verdict that cannot be worked out (an error of its own) is
            // shown as none, so that evidence — which the engines trace for
            // different elements — never turns an outcome into an error.
            let (decision, rules) = match target.map(|t| (judge.decision(t), judge.fired_rule_names(t))) {
                Some((Ok(decision), Ok(rules))) => (Some(decision), rules),
                _ => (None, Vec::new()),
            };
            let by = by.map(|r| self.program().rule(r).name.clone());
            let kind = FactKind::Is { subject: self.observed(c), verdict, by, decision, rules };
            facts.push(Fact { loc: loc.clone(), holds, kind });
        }
        Ok(holds)
    }

    /// A def's body on its arguments, evaluated afresh.
    fn call_def(
        &self,
        def: DefId,
        args: &'p [Term],
        loc: &Loc,
        env: &mut Self::Env,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let d = &self.program().defs[def.0 as usize];
        let mut inner = self.frame(d.frame.max(args.len()), None);
        for (i, a) in args.iter().enumerate() {
            inner[i] = self.term(a, env);
        }
        // Room for the one fact most bodies give, when tracing: made at
        // once rather than grown.
        let mut body = Vec::with_capacity(usize::from(self.tracing()));
        let holds = self.cond(&d.body, &mut inner, &mut body)?;
        // The body binds only slots after the parameters, so these still
        // hold the arguments: shown from there, not copied.
        self.fact(facts, loc, holds, || {
            let args = (0..args.len()).map(|i| self.observed(std::mem::take(&mut inner[i]))).collect();
            FactKind::Call { def: shared(&d.name), args, body }
        });
        Ok(holds)
    }

    /// `==`, `!=`, the orderings, `in`, `not in`, `contains`, `starts_with`.
    fn compare(&self, op: CmpOp, l: &Self::Cursor, r: &Self::Cursor, dates: bool) -> bool {
        let id = |rec| self.id(rec);
        if let Some(holds) = self.list_compare(op, l, r, dates) {
            return holds;
        }
        match op {
            CmpOp::In | CmpOp::NotIn => {
                let v = self.scalar(l);
                if v.is_missing() {
                    return false;
                }
                let found = self.any_element(r, |x| value::holds(CmpOp::Eq, v, x, dates, id));
                found.is_some_and(|found| found == (op == CmpOp::In))
            }
            CmpOp::Contains => {
                let needle = self.scalar(r);
                match (self.scalar(l).text(), needle.text()) {
                    (Some(hay), Some(text)) => hay.contains(&*text),
                    _ if !needle.is_missing() => {
                        self.any_element(l, |x| value::holds(CmpOp::Eq, x, needle, dates, id)).unwrap_or(false)
                    }
                    _ => false,
                }
            }
            CmpOp::StartsWith => {
                let (s, prefix) = (self.scalar(l).text(), self.scalar(r).text());
                s.zip(prefix).is_some_and(|(s, prefix)| s.starts_with(&*prefix))
            }
            _ => value::holds(op, self.scalar(l), self.scalar(r), dates, id),
        }
    }

    /// `==`, `!=` and the orderings between a list from the records and one
    /// value compare element by element: `==` and the orderings hold when
    /// some element does, `!=` when no element is equal (as `in` / `not
    /// in`). `None`: not such a comparison.
    fn list_compare(&self, op: CmpOp, l: &Self::Cursor, r: &Self::Cursor, dates: bool) -> Option<bool> {
        if !matches!(op, CmpOp::Eq | CmpOp::Ne | CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) {
            return None;
        }
        let (list, one, flipped) = match (self.is_record_list(l), self.is_record_list(r)) {
            (true, false) => (l, r, false),
            (false, true) => (r, l, true),
            _ => return None,
        };
        let v = self.scalar(one);
        if matches!(v, Scalar::Missing | Scalar::Other) {
            return Some(false);
        }
        let want = if op == CmpOp::Ne { CmpOp::Eq } else { op };
        let id = |rec| self.id(rec);
        let some = self.any_element(list, |x| {
            if flipped { value::holds(want, v, x, dates, id) } else { value::holds(want, x, v, dates, id) }
        })?;
        Some(if op == CmpOp::Ne { !some } else { some })
    }

    /// [`Evaluator::add_numbers`] for sum `s`: on a cycle (see
    /// [`Sum::on_cycle`]) a negative number is an error.
    fn add_term(&self, s: &Sum, c: &Self::Cursor, total: &mut f64) -> Result<bool, Fault> {
        if s.on_cycle {
            let mut negative = None;
            if let Scalar::Num(n) = self.scalar(c) {
                negative = (n < 0.0).then_some(n);
            } else {
                self.any_element(c, |x| {
                    if let Scalar::Num(n) = x
                        && n < 0.0
                    {
                        negative.get_or_insert(n);
                    }
                    false
                });
            }
            if let Some(n) = negative {
                return Err(super::negative_in_cycle(n));
            }
        }
        Ok(self.add_numbers(c, total))
    }

    /// What an element of a sum adds to `total`: its number, or each number
    /// of the list it is. Whether it added anything.
    fn add_numbers(&self, c: &Self::Cursor, total: &mut f64) -> bool {
        if let Scalar::Num(n) = self.scalar(c) {
            *total += n;
            return true;
        }
        let mut added = false;
        self.any_element(c, |x| {
            if let Scalar::Num(n) = x {
                *total += n;
                added = true;
            }
            false
        });
        added
    }

    /// The id a `where x.f == p` reverse lookup looks for.
    fn reverse_key(&self, c: &Self::Cursor) -> Option<&'p str> {
        match self.scalar(c) {
            Scalar::Record(r) => Some(self.id(r)),
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Records a fact, when tracing.
    fn fact(&self, facts: &mut Vec<Fact>, loc: &Loc, holds: bool, kind: impl FnOnce() -> FactKind) {
        if self.tracing() {
            facts.push(Fact { loc: loc.clone(), holds, kind: kind() });
        }
    }
}

/// The binders of one body, by frame slot; small enough to live on the
/// stack.
pub(crate) type Frame<C> = smallvec::SmallVec<[C; 4]>;

/// Makes room in a frame for a binder's slot.
pub(crate) fn bind_slot<C: Clone + Default>(env: &mut Frame<C>, slot: usize) {
    if env.len() <= slot {
        env.resize(slot + 1, C::default());
    }
}

/// Whether a decision is the one `is denied|flagged|allowed` asks for.
pub(crate) fn is_verdict(verdict: VerdictWord, decision: Decision) -> bool {
    match verdict {
        VerdictWord::Denied => decision == Decision::Deny,
        VerdictWord::Flagged => decision == Decision::Flag,
        VerdictWord::Allowed => decision == Decision::Allow,
    }
}

/// The element that settled a quantifier, with its evidence (its filter's
/// and body's facts).
pub(crate) struct Settled {
    pub(crate) witness: Witness,
    pub(crate) facts: Vec<Fact>,
}

impl Settled {
    /// Settled, where no evidence is collected.
    pub(crate) fn untraced() -> Settled {
        Settled { witness: Witness { element: Observed::default(), depth: None, position: 0 }, facts: Vec::new() }
    }
}

/// The body outcome that settles a quantifier: `any` and `none` are
/// settled by an element whose body holds, `all` by one whose body does not.
pub(crate) fn settled_by(q: Quantifier) -> bool {
    !matches!(q, Quantifier::All)
}

/// Whether a quantifier over a list that is there holds, by whether an
/// element settled it (see [`settled_by`]).
pub(crate) fn quantifier_holds(q: Quantifier, settled: bool) -> bool {
    match q {
        Quantifier::Any => settled,
        Quantifier::All | Quantifier::None => !settled,
    }
}

/// Whether a quantifier holds and, when tracing, its fact. `examined` is
/// how many elements passed the filter (`None`: the list was missing, and
/// `any`, `all` and `none` are all false); it is reported only when no
/// element settled the quantifier, that is when every one was examined.
pub(crate) fn finish_quantifier<'p, E: Evaluator<'p> + ?Sized>(
    ev: &E,
    q: &Quant,
    range: RangeText<'_>,
    examined: Option<usize>,
    settled: Option<Settled>,
    facts: &mut Vec<Fact>,
) -> bool {
    finish_quantifier_with_misses(ev, q, range, examined, settled, Misses::default(), facts)
}

/// [`finish_quantifier`], with the elements that did not satisfy the
/// quantifier (`explain` only): kept in its fact when it does not hold.
pub(crate) fn finish_quantifier_with_misses<'p, E: Evaluator<'p> + ?Sized>(
    ev: &E,
    q: &Quant,
    range: RangeText<'_>,
    examined: Option<usize>,
    settled: Option<Settled>,
    misses: Misses,
    facts: &mut Vec<Fact>,
) -> bool {
    // Over a missing list all three are false.
    let holds = examined.is_some() && quantifier_holds(q.quantifier, settled.is_some());
    ev.fact(facts, &q.head, holds, || {
        let count = if settled.is_none() { examined } else { None };
        let (witness, body) = settled.map_or((None, Vec::new()), |s| (Some(s.witness), s.facts));
        let (var, over, of_type) = (shared(&q.var), shared(range.over), range.of_type);
        let Misses { shown: misses, more: more_misses } = if holds { Misses::default() } else { misses };
        FactKind::Quantifier { quantifier: q.quantifier, var, over, of_type, count, witness, body, misses, more_misses }
    });
    holds
}

/// The elements a quantifier examined without satisfying it, nearest
/// first (most `and` terms held, then examination order), at most
/// [`MISSES_SHOWN`]; `more` counts the others.
#[derive(Default)]
pub(crate) struct Misses {
    pub(crate) shown: Vec<Miss>,
    pub(crate) more: usize,
}

impl Misses {
    /// Adds a miss in its place; one beyond the limit is only counted.
    pub(crate) fn add(&mut self, miss: Miss) {
        let at = self.shown.iter().position(|m| m.terms_held < miss.terms_held).unwrap_or(self.shown.len());
        if at < MISSES_SHOWN {
            self.shown.insert(at, miss);
        }
        if self.shown.len() > MISSES_SHOWN || at >= MISSES_SHOWN {
            self.shown.truncate(MISSES_SHOWN);
            self.more += 1;
        }
    }
}

/// A quantifier's or sum's range as evidence names it.
#[derive(Clone, Copy)]
pub(crate) struct RangeText<'t> {
    /// A path as written, or a record type.
    pub(crate) over: &'t str,
    /// Every record of the type `over`.
    pub(crate) of_type: bool,
}

/// What a sum added up, for its fact.
pub(crate) struct SumSeen {
    /// Each value added, with its chain.
    pub(crate) terms: Vec<Observed>,
    pub(crate) total: f64,
    /// The filter's facts for each term, term after term.
    pub(crate) body: Vec<Fact>,
}

/// Compares a sum's total with its right-hand side and, when tracing,
/// records its fact.
pub(crate) fn finish_sum<'p, E: Evaluator<'p> + ?Sized>(
    ev: &E,
    s: &'p Sum,
    range: RangeText<'_>,
    seen: SumSeen,
    env: &E::Env,
    facts: &mut Vec<Fact>,
) -> bool {
    let r = ev.term(&s.rhs, env);
    let holds = ev.compare(s.op, &ev.plain(Scalar::Num(seen.total)), &r, false);
    ev.fact(facts, &s.loc, holds, || FactKind::Sum {
        var: shared(&s.var),
        over: shared(range.over),
        of_type: range.of_type,
        terms: seen.terms,
        total: seen.total,
        op: s.op,
        rhs: ev.observed(r),
        body: seen.body,
    });
    holds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn miss(position: usize, terms_held: usize) -> Miss {
        Miss { element: Witness { element: Observed::default(), depth: None, position }, terms_held, body: Vec::new() }
    }

    /// Nearest first (most terms held), ties in the order added; beyond
    /// the limit a miss is counted, and a nearer one still gets in.
    #[test]
    fn misses_keep_the_nearest_in_order() {
        let mut misses = Misses::default();
        for position in 0..12 {
            misses.add(miss(position, usize::from(position == 5)));
        }
        misses.add(miss(12, 2));
        let order: Vec<usize> = misses.shown.iter().map(|m| m.element.position).collect();
        assert_eq!(order, [12, 5, 0, 1, 2, 3, 4, 6, 7, 8]);
        assert_eq!(misses.more, 3);
    }
}
