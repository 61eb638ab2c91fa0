//! Conditions without evidence, over plain values: the common shapes of a
//! rule's condition (comparisons, `in`, `is denied`, a def remembered for
//! the record, a hop range answered by its store-wide closure, and `and`,
//! `or`, `not` of them) evaluated without a frame of cursors or the chains
//! they carry. Building and dropping those was most of what judging a
//! record cost where the condition itself is a comparison or two.
//!
//! Each shape is evaluated as [`Evaluator::cond`] evaluates it, through the
//! same functions, and spends the same steps in the same order. Anything
//! else (lists along a path, other quantifiers, sums, a def not yet
//! answered) gives up: what was spent is taken back and the evaluator does
//! the whole condition, so an outcome never depends on which way it took.

use super::reach::Reached;
use super::value::{Bound, Cursor, Val};
use super::walk::Ctx;
use crate::ast::CmpOp;
use crate::check::{Cond, Const, DefId, Head, PathExpr, QRange, Quant, Term};
use crate::eval::{Evaluator, Fault, Judge, Scalar, current_view, holds, in_const_list, is_verdict, quantifier_holds};
use crate::records::RecordIdx;

/// What a shape came to: `None` when this does not know it.
type Quick = Result<Option<bool>, Fault>;

impl<'s> Ctx<'_, 's> {
    /// Whether `cond` holds on the rule's record `rec` (bound to slot 0),
    /// untraced; `Ok(None)`, with nothing spent, where some part of it is
    /// not a shape this knows.
    pub(crate) fn quick_body(&self, cond: &'s Cond, rec: RecordIdx) -> Quick {
        match self.quick_cond(cond, Bound { slot: 0, val: Val::Rec(rec) })? {
            Some(holds) => {
                self.budget.check()?;
                Ok(Some(holds))
            }
            None => Ok(None),
        }
    }

    /// Whether `cond` holds where only `at` is bound, untraced (as
    /// [`Evaluator::cond`]); `Ok(None)`, with nothing spent, where some
    /// part of it is not a shape this knows.
    pub(crate) fn quick_cond(&self, cond: &'s Cond, at: Bound<'s>) -> Quick {
        let before = self.budget.spent();
        match self.quick(cond, at) {
            Ok(None) => {
                self.budget.rewind(before);
                Ok(None)
            }
            known => known,
        }
    }

    fn quick(&self, e: &'s Cond, at: Bound<'s>) -> Quick {
        self.budget.step()?;
        let id = |r| self.id(r);
        let holds = match e {
            Cond::And(terms, _) => return self.quick_chain(terms, false, at),
            Cond::Or(terms, _) => return self.quick_chain(terms, true, at),
            Cond::Not(inner) => return Ok(self.quick(inner, at)?.map(|holds| !holds)),
            Cond::Const(value) => *value,
            Cond::Cmp { op, lhs, rhs, dates, .. } => {
                let (Some(l), Some(r)) = (self.quick_term(lhs, at), self.quick_term(rhs, at)) else {
                    return Ok(None);
                };
                self.compare_vals(*op, l, r, *dates)
            }
            Cond::InSet { lhs, set, negated, .. } => {
                let Some(l) = self.quick_term(lhs, at) else { return Ok(None) };
                let Const::List(list) = &**set else { return Ok(Some(false)) };
                let v = l.scalar(id);
                !v.is_missing() && in_const_list(v, list, id) != *negated
            }
            Cond::Exists { path, .. } => match self.quick_path(path, path.steps.len(), at) {
                Some(v) => !matches!(v, Val::Missing),
                None => return Ok(None),
            },
            Cond::Truthy { term, .. } => match self.quick_term(term, at) {
                Some(v) => v.scalar(id) == Scalar::Bool(true),
                None => return Ok(None),
            },
            Cond::Is { subject, verdict, by, .. } => {
                let Some(v) = self.quick_term(subject, at) else { return Ok(None) };
                match (self.resolve_val(v), by) {
                    (None, _) => false,
                    (Some(t), Some(rule)) => self.engine.rule_fired(t, *rule)?,
                    (Some(t), None) => is_verdict(*verdict, self.engine.decision(t)?),
                }
            }
            Cond::Call { def, args, .. } => return self.quick_call(*def, args, at),
            Cond::Quant(q) => return Ok(self.quick_closure(q, at)),
            Cond::Matches { .. } | Cond::Sum(_) => return Ok(None),
        };
        Ok(Some(holds))
    }

    /// [`Evaluator::compare`] of two values: `==`, `!=` or an ordering of
    /// two that are not lists is [`holds`] on their scalars, as there, at
    /// once (building two cursors and asking each whether it is a list was
    /// most of what comparing a field with a literal cost).
    fn compare_vals(&self, op: CmpOp, l: Val<'s>, r: Val<'s>, dates: bool) -> bool {
        let list = |v: &Val<'_>| matches!(v, Val::List(_) | Val::Links(_) | Val::Json(serde_json::Value::Array(_)));
        let ordering = matches!(op, CmpOp::Eq | CmpOp::Ne | CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
        if ordering && !list(&l) && !list(&r) {
            let id = |rec| self.id(rec);
            return holds(op, l.scalar(id), r.scalar(id), dates, id);
        }
        self.compare(op, &Cursor::One(l, Default::default()), &Cursor::One(r, Default::default()), dates)
    }

    /// An `and` (`stop_on` false) or `or` (true) chain.
    fn quick_chain(&self, terms: &'s [Cond], stop_on: bool, at: Bound<'s>) -> Quick {
        for t in terms {
            match self.quick(t, at)? {
                None => return Ok(None),
                Some(holds) if holds == stop_on => return Ok(Some(stop_on)),
                Some(_) => {}
            }
        }
        Ok(Some(!stop_on))
    }

    /// A def of one argument, as [`Evaluator::call`] takes it: on a record,
    /// its remembered answer (one not yet remembered gives up, so that the
    /// evaluator works it out and remembers it); on anything else (or in a
    /// recursive group's round, for a def that reads verdicts), its body
    /// afresh with the argument bound to its parameter.
    fn quick_call(&self, def: DefId, args: &'s [Term], at: Bound<'s>) -> Quick {
        let [arg] = args else { return Ok(None) };
        let Some(v) = self.quick_term(arg, at) else { return Ok(None) };
        let viewed = self.engine.def_reads_verdicts.get(def.0 as usize) == Some(&true) && current_view().is_some();
        if let Val::Rec(r) = v
            && !viewed
        {
            let Some((known, steps, visited)) = self.engine.def_memo(def, r) else { return Ok(None) };
            self.budget.spend_steps(steps)?;
            self.budget.spend_visited(visited)?;
            return Ok(Some(known));
        }
        let Some(d) = self.engine.program.defs.get(def.0 as usize) else { return Ok(None) };
        self.quick(&d.body, Bound { slot: 0, val: v })
    }

    /// A quantifier over a hop range that its store-wide closure answers.
    fn quick_closure(&self, q: &'s Quant, at: Bound<'s>) -> Option<bool> {
        let QRange::Path(Term::Path(p)) = &q.range else { return None };
        let step = p.steps.last().filter(|step| step.hops.is_some())?;
        let start = self.quick_path(p, p.steps.len() - 1, at)?;
        match self.reached(q, step, &Cursor::One(start, Default::default()))? {
            Reached::Settled { .. } | Reached::Held => Some(quantifier_holds(q.quantifier, true)),
            Reached::Unsettled { .. } => Some(quantifier_holds(q.quantifier, false)),
        }
    }

    /// A term's value, where it is one value reached without lists.
    fn quick_term(&self, t: &'s Term, at: Bound<'s>) -> Option<Val<'s>> {
        let id = |r| self.id(r);
        Some(match t {
            Term::Const(c, _) => Val::of_const(c),
            Term::AsOf(_) => Val::of_scalar(Scalar::Date(self.engine.as_of)),
            Term::Path(p) => self.quick_path(p, p.steps.len(), at)?,
            Term::Shift(base, shift, _) => Val::of_scalar(self.quick_term(base, at)?.scalar(id).shifted(*shift)),
            Term::Lower(base, _) => Val::of_scalar(self.quick_term(base, at)?.scalar(id).lowered()),
            Term::Count(..) => return None,
        })
    }

    /// A path's head and first `n` steps (as [`Ctx::follow`] takes them),
    /// where its head is the bound record or a literal and no step is a hop
    /// range or starts from a list.
    fn quick_path(&self, p: &'s PathExpr, n: usize, at: Bound<'s>) -> Option<Val<'s>> {
        let mut v = match &p.head {
            Head::Var(slot, _) if *slot == at.slot => at.val,
            Head::Var(..) => return None,
            Head::Const(c, _) => Val::of_const(c),
        };
        for step in p.steps.get(..n)? {
            let list =
                matches!(v, Val::List(_) | Val::Links(_) | Val::Json(serde_json::Value::Array(_)) | Val::Const(_));
            if list || step.hops.is_some() {
                return None;
            }
            v = match self.step_val(v, Default::default(), step) {
                Cursor::One(next, _) => next,
                Cursor::Many(_) => return None,
            };
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::eval::{Budget, EvalOptions, Limits};
    use crate::fast::{Evidence, FastEngine, FastStore};
    use crate::records::{Input, Records};
    use crate::{RuleSet, SourceFile};

    const RULES: &str = r#"
        entity person { name: string, nationality: string, born: date?, rank: string?, spouse: person?, contacts: [person] }
        entity visit { person: person, on: date }
        def kr(x: person) = x.nationality == "KR"
        def named(n: string) = lower(n) starts_with "kim" or n == "Tran"
        rule cmp { flag person p when p.nationality == "KR" or p.spouse.nationality != "CN" }
        rule set { flag person p when p.nationality in ["KR", "JP"] and not p.rank not in ["cadre"] }
        rule dates { flag person p when p.born < as_of - 18 years and lower(p.name) starts_with "kim" }
        rule present { flag person p when exists p.rank or p.spouse.rank == "senior-cadre" }
        rule call { deny person p when kr(p.spouse) }
        rule named { flag person p when named(p.name) }
        rule closure { flag person p when any c in p.contacts{1..2}: kr(c) }
        rule denied { deny visit v when v.person is denied and v.on >= "2020-01-01" }
        rule flagged { flag visit v when v.person is flagged by closure }
        rule list { flag person p when any c in p.contacts: c.rank == "cadre" }
        rule counted { flag person p when count(p.contacts) > 1 }
    "#;

    const RECORDS: &str = r#"{"id":"p0","type":"person","name":"Kim Ok","nationality":"KR","born":"1990-01-02","contacts":["p1"]}
{"id":"p1","type":"person","name":"Li Bo","nationality":"CN","spouse":"p0","rank":"cadre","contacts":["p2","p0"]}
{"id":"p2","type":"person","name":"Wang Wei","nationality":"JP","spouse":"p3","rank":"senior-cadre","contacts":[]}
{"id":"p3","type":"person","name":"kimura","nationality":"VN","born":"2015-05-05","spouse":"p2","contacts":["p4"]}
{"id":"p4","type":"person","name":"Tran","nationality":"CN","contacts":["p3"]}
{"id":"v0","type":"visit","person":"p0","on":"2021-03-04"}
{"id":"v1","type":"visit","person":"p3","on":"2019-03-04"}
{"id":"v2","type":"visit","person":"p4","on":"2022-03-04"}
"#;

    /// On every record and rule, the quick way and the evaluator's agree
    /// on the outcome and on what it cost, or the quick way gives up with
    /// nothing spent (a def called on no record, say); it answers each
    /// rule somewhere, but for the shapes it does not know (a quantifier
    /// over a list, a count).
    #[test]
    fn the_quick_way_agrees_with_the_evaluator_and_spends_the_same() {
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", RULES.to_string())])
            .unwrap_or_else(|e| panic!("{e:?}"));
        let program = rules.program();
        let inputs = vec![Ok(Input::new("t.jsonl", RECORDS.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, program);
        let as_of = Date::parse_exact("2026-01-01").unwrap_or_else(|| panic!("date"));
        let engine = FastEngine::new(program, &store, EvalOptions { as_of }, Evidence::Omitted);
        engine.settle();
        let mut held = 0;
        for r in &program.rules {
            let mut answered = 0;
            for &rec in engine.of_type(&r.record_type) {
                let run = |quick: bool| {
                    let budget = Budget::new(Limits::default(), "rule", &r.name, store.id(rec));
                    let ctx = Ctx { engine: &engine, trace: false, budget: &budget };
                    let holds = match quick {
                        true => ctx.quick_body(&r.cond, rec).unwrap_or_else(|f| panic!("{f:?}")),
                        false => {
                            Some(ctx.body(&r.cond, r.frame, rec, &mut Vec::new()).unwrap_or_else(|f| panic!("{f:?}")))
                        }
                    };
                    (holds, budget.spent())
                };
                let (quick, quick_spent) = run(true);
                let (full, full_spent) = run(false);
                if quick.is_some() {
                    assert_eq!((quick, quick_spent), (full, full_spent), "`{}` on {}", r.name, store.id(rec));
                    answered += 1;
                    held += usize::from(full == Some(true));
                } else {
                    assert_eq!(quick_spent, (0, 0), "`{}` gave up on {} with something spent", r.name, store.id(rec));
                }
            }
            let unknown = matches!(r.name.as_str(), "list" | "counted");
            assert_eq!(answered == 0, unknown, "`{}` answered on {answered} records", r.name);
        }
        assert!(held > 5, "only {held} held");
    }
}
