//! Conditions: evaluated fast (no evidence) or traced (evidence for the
//! outcome either way: why it held, or which part was false and what was seen).

use crate::ast::{CmpOp, Quantifier, VerdictWord};
use crate::check::{Cond, Const, PathExpr, QRange, Term};
use crate::records::RecordIdx;

use super::engine::Ctx;
use super::value::{Rel, Val, in_const_list, relate};
use super::walk::{Cursor, Item};
use crate::eval::Fault;
use crate::eval::{Decision, Fact, FactKind, Observed, Witness};

type Env<'a> = Vec<Cursor<'a>>;

/// Literal lists longer than this are shown by their size in evidence (a
/// `let` may hold a whole sanctions list).
const LIST_EVIDENCE_LIMIT: usize = 16;

fn list_shown(list: &crate::check::ConstList, store: &crate::records::RecordStore) -> crate::eval::Shown {
    if list.items.len() <= LIST_EVIDENCE_LIMIT {
        Val::List(list).shown(store)
    } else {
        crate::eval::Shown::Value(format!("({} values)", list.items.len()).into())
    }
}

impl<'a> Ctx<'_, 'a> {
    /// Evaluates `cond` with the record in slot 0.
    pub(crate) fn body(
        &self,
        cond: &'a Cond,
        frame: usize,
        rec: RecordIdx,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        let mut env: Env<'a> = vec![Cursor::missing(); frame.max(1)];
        let trail = if self.trace { vec![self.start_hop(rec)] } else { Vec::new() };
        env[0] = Cursor::One(Val::Record(rec), trail);
        let holds = self.cond(cond, &mut env, facts)?;
        // A walk that ran out of budget after the last step.
        self.budget.check()?;
        Ok(holds)
    }

    fn start_hop(&self, rec: RecordIdx) -> crate::eval::Hop {
        crate::eval::Hop { via: String::new(), to: super::value::record_shown(self.store(), rec) }
    }

    /// The chain to an element of a range; a record ranged over by type
    /// starts its own chain when evidence is traced.
    fn element_trail(&self, item: &super::walk::Item<'a>) -> super::walk::Trail {
        match item.val {
            Val::Record(i) if self.trace && item.trail.is_empty() => vec![self.start_hop(i)],
            _ => item.trail.clone(),
        }
    }

    fn fact(&self, facts: &mut Vec<Fact>, loc: &crate::source::Loc, holds: bool, kind: impl FnOnce() -> FactKind) {
        if self.trace {
            facts.push(Fact { loc: loc.clone(), holds, kind: kind() });
        }
    }

    pub(crate) fn cond(&self, e: &'a Cond, env: &mut Env<'a>, facts: &mut Vec<Fact>) -> Result<bool, Fault> {
        self.budget.step()?;
        match e {
            Cond::And(terms, branch) => {
                let mut held = Vec::new();
                for (i, t) in terms.iter().enumerate() {
                    let mut sub = Vec::new();
                    if !self.cond(t, env, &mut sub)? {
                        // The first false term decides an `and`.
                        if !self.trace {
                            self.engine.decisive(*branch, i);
                        }
                        facts.extend(sub);
                        return Ok(false);
                    }
                    held.extend(sub);
                }
                facts.extend(held);
                Ok(true)
            }
            Cond::Or(terms, branch) => {
                let mut failed = Vec::new();
                for (i, t) in terms.iter().enumerate() {
                    let mut sub = Vec::new();
                    if self.cond(t, env, &mut sub)? {
                        // The first true term decides an `or`.
                        if !self.trace {
                            self.engine.decisive(*branch, i);
                        }
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
                self.fact(facts, loc, holds, || FactKind::Compare {
                    lhs: self.observed(&l),
                    op: *op,
                    rhs: self.observed(&r),
                });
                Ok(holds)
            }
            Cond::InSet { lhs, set, negated, loc } => {
                let l = self.term(lhs, env);
                let v = l.one();
                let Const::List(list) = &**set else { return Ok(false) };
                let holds = !v.is_missing() && in_const_list(v, list, self.store()) != *negated;
                self.fact(facts, loc, holds, || FactKind::Compare {
                    lhs: self.observed(&l),
                    op: if *negated { CmpOp::NotIn } else { CmpOp::In },
                    rhs: Observed { chain: Vec::new(), value: list_shown(list, self.store()) },
                });
                Ok(holds)
            }
            Cond::Matches { subject, re, loc } => {
                let s = self.term(subject, env);
                let holds = matches!(s.one(), Val::Str(text) if re.is_match(text));
                self.fact(facts, loc, holds, || FactKind::Matches {
                    subject: self.observed(&s),
                    pattern: re.as_str().to_string(),
                });
                Ok(holds)
            }
            Cond::Exists { path, loc } => {
                let c = self.path(path, env);
                let holds = match &c {
                    Cursor::One(v, _) => !v.is_missing(),
                    Cursor::Many(_) => true,
                };
                self.fact(facts, loc, holds, || FactKind::Exists { path: self.observed(&c) });
                Ok(holds)
            }
            Cond::Truthy { term, loc } => {
                let c = self.term(term, env);
                let holds = matches!(c.one(), Val::Bool(true));
                self.fact(facts, loc, holds, || FactKind::Truthy { value: self.observed(&c) });
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
                            subject: self.observed(&c),
                            verdict: *verdict,
                            by: by.map(|r| self.program().rule(r).name.clone()),
                            decision,
                            rules,
                        },
                    });
                }
                Ok(holds)
            }
            Cond::Call { def, args, loc } => {
                let d = &self.program().defs[def.0 as usize];
                let mut inner: Env<'a> = vec![Cursor::missing(); d.frame.max(args.len())];
                let mut shown = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    let c = self.term(a, env);
                    if self.trace {
                        shown.push(self.observed(&c));
                    }
                    inner[i] = c;
                }
                let mut body = Vec::new();
                let holds = self.cond(&d.body, &mut inner, &mut body)?;
                self.fact(facts, loc, holds, || FactKind::Call { def: d.name.clone(), args: shown, body });
                Ok(holds)
            }
            Cond::Quant(q) => self.quantifier(q.quantifier, q.slot, &q.var, &q.range, &q.body, &q.head, env, facts),
            Cond::Sum(s) => self.sum(s.slot, &s.var, &s.range, &s.value, s.op, &s.rhs, &s.loc, env, facts),
        }
    }

    /// A quantifier's or sum's elements (`None`: the list is missing), its
    /// `where` filter and its range as written.
    #[allow(clippy::type_complexity)]
    fn range_items(&self, range: &'a QRange, env: &Env<'a>) -> (Option<Vec<Item<'a>>>, Option<&'a Cond>, &'a str) {
        match range {
            QRange::Path(term) => (self.items(self.term(term, env)), None, term.loc().text()),
            QRange::Type { record_type, filter, reverse } => {
                let candidates: Vec<RecordIdx> = match reverse {
                    Some(rev) => {
                        let target = self.term(&rev.target, env).one();
                        let key = match target {
                            Val::Record(i) => Some(self.store().record(i).id()),
                            Val::Str(s) => Some(s),
                            _ => None,
                        };
                        key.map(|k| self.engine.reverse_lookup(record_type, &rev.field, k)).unwrap_or_default()
                    }
                    None => self.store().of_type(record_type).to_vec(),
                };
                let items = candidates
                    .into_iter()
                    .enumerate()
                    .map(|(pos, i)| Item { val: Val::Record(i), trail: Vec::new(), depth: 0, pos })
                    .collect();
                (Some(items), filter.as_deref(), record_type.as_str())
            }
        }
    }

    /// `sum(RANGE: value) op rhs`: every element that passes the filter adds
    /// the number its `value` leads to, or the numbers of the list it leads
    /// to; other values add nothing. Evidence lists each value added.
    #[allow(clippy::too_many_arguments)]
    fn sum(
        &self,
        slot: usize,
        var: &str,
        range: &'a QRange,
        value: &'a PathExpr,
        op: CmpOp,
        rhs: &'a Term,
        head: &crate::source::Loc,
        env: &mut Env<'a>,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        if env.len() <= slot {
            env.resize(slot + 1, Cursor::missing());
        }
        let of_type = matches!(range, QRange::Type { .. });
        let (items, filter, over) = self.range_items(range, env);
        let mut total = 0.0;
        let mut terms = Vec::new();
        let mut body = Vec::new();
        let followed = self.budget.follow(over);
        for item in items.unwrap_or_default() {
            if of_type && !self.budget.visit() {
                self.budget.check()?;
            }
            let trail = self.element_trail(&item);
            env[slot] = Cursor::One(item.val, trail);
            let mut why = Vec::new();
            if let Some(f) = filter
                && !self.cond(f, env, &mut why)?
            {
                continue;
            }
            let c = self.path(value, env);
            let mut added = false;
            match &c {
                Cursor::One(Val::Num(n), _) => {
                    total += n;
                    added = true;
                }
                _ => {
                    for x in self.items(c.clone()).unwrap_or_default() {
                        if let Val::Num(n) = x.val {
                            total += n;
                            added = true;
                        }
                    }
                }
            }
            if added && self.trace {
                terms.push(self.observed(&c));
                body.append(&mut why);
            }
        }
        self.budget.unfollow(followed);
        let r = self.term(rhs, env);
        let holds = self.compare(op, &Cursor::One(Val::Num(total), Vec::new()), &r, false);
        self.fact(facts, head, holds, || FactKind::Sum {
            var: var.to_string(),
            over: over.to_string(),
            of_type,
            terms,
            total,
            op,
            rhs: self.observed(&r),
            body,
        });
        Ok(holds)
    }

    #[allow(clippy::too_many_arguments)]
    fn quantifier(
        &self,
        quantifier: Quantifier,
        slot: usize,
        var: &str,
        range: &'a QRange,
        body: &'a Cond,
        head: &crate::source::Loc,
        env: &mut Env<'a>,
        facts: &mut Vec<Fact>,
    ) -> Result<bool, Fault> {
        if env.len() <= slot {
            env.resize(slot + 1, Cursor::missing());
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
        let followed = self.budget.follow(over);
        for item in items {
            if of_type && !self.budget.visit() {
                self.budget.check()?;
            }
            let trail = self.element_trail(&item);
            env[slot] = Cursor::One(item.val, trail.clone());
            let mut sub = Vec::new();
            if let Some(f) = filter
                && !self.cond(f, env, &mut sub)?
            {
                continue;
            }
            count += 1;
            if self.cond(body, env, &mut sub)? == stop_when {
                let element = Observed { chain: trail, value: item.val.shown(self.store()) };
                let depth = (item.depth > 0).then_some(item.depth);
                witness = Some((Witness { element, depth, position: item.pos }, sub));
                break;
            }
        }
        self.budget.unfollow(followed);
        let holds = match quantifier {
            Quantifier::Any => witness.is_some(),
            Quantifier::All | Quantifier::None => witness.is_none(),
        };
        let complete = witness.is_none();
        let (witness, body_facts) = match witness {
            Some((w, f)) => (Some(w), f),
            None => (None, Vec::new()),
        };
        self.fact(facts, head, holds, || FactKind::Quantifier {
            quantifier,
            var: var.to_string(),
            over: over.to_string(),
            of_type,
            count: complete.then_some(count),
            witness,
            body: body_facts,
        });
        Ok(holds)
    }

    fn term(&self, t: &'a Term, env: &Env<'a>) -> Cursor<'a> {
        match t {
            Term::Const(c, _) => Cursor::One(Val::from_const(c), Vec::new()),
            Term::AsOf(_) => Cursor::One(Val::Date(self.engine.as_of()), Vec::new()),
            Term::Path(p) => self.path(p, env),
            Term::Count(p, _) => {
                let c = self.path(p, env);
                let trail = match &c {
                    Cursor::One(_, trail) => trail.clone(),
                    Cursor::Many(_) => Vec::new(),
                };
                match self.items(c) {
                    Some(items) => Cursor::One(Val::Num(items.len() as f64), trail),
                    None => Cursor::One(Val::Missing, trail),
                }
            }
        }
    }

    /// `==`, `!=`, `<`, `<=`, `>`, `>=` between a list from the records (a
    /// list field, or a path through a multi-link) and one value compare
    /// element by element: `==` and the orderings hold when some element
    /// does, `!=` when no element is equal (as `in` / `not in`). `None`:
    /// not such a comparison.
    fn list_compare(&self, op: CmpOp, l: &Cursor<'a>, r: &Cursor<'a>, dates: bool) -> Option<bool> {
        if !matches!(op, CmpOp::Eq | CmpOp::Ne | CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) {
            return None;
        }
        let data_list =
            |c: &Cursor<'a>| matches!(c, Cursor::Many(_) | Cursor::One(Val::Json(serde_json::Value::Array(_)), _));
        let (list, one, flipped) = match (data_list(l), data_list(r)) {
            (true, false) => (l, r, false),
            (false, true) => (r, l, true),
            _ => return None,
        };
        let v = one.one();
        if v.is_missing() || matches!(v, Val::List(_) | Val::Json(_)) {
            return Some(false);
        }
        let items = self.items(list.clone())?;
        let store = self.store();
        let rel = |i: &Item<'a>| if flipped { relate(v, i.val, dates, store) } else { relate(i.val, v, dates, store) };
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

    fn compare(&self, op: CmpOp, l: &Cursor<'a>, r: &Cursor<'a>, dates: bool) -> bool {
        let store = self.store();
        if let Some(holds) = self.list_compare(op, l, r, dates) {
            return holds;
        }
        match op {
            CmpOp::In | CmpOp::NotIn => {
                let v = l.one();
                if v.is_missing() {
                    return false;
                }
                match self.items(r.clone()) {
                    Some(items) => {
                        let found = items.iter().any(|i| relate(v, i.val, dates, store) == Some(Rel::Equal));
                        found == (op == CmpOp::In)
                    }
                    None => false,
                }
            }
            CmpOp::Contains => match (l.one(), r.one()) {
                (Val::Str(hay), Val::Str(needle)) => hay.contains(needle),
                (_, needle) if !needle.is_missing() => self
                    .items(l.clone())
                    .is_some_and(|items| items.iter().any(|i| relate(i.val, needle, dates, store) == Some(Rel::Equal))),
                _ => false,
            },
            CmpOp::StartsWith => matches!((l.one(), r.one()), (Val::Str(s), Val::Str(p)) if s.starts_with(p)),
            _ => {
                let Some(rel) = relate(l.one(), r.one(), dates, store) else { return false };
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
}
