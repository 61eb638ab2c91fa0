//! A rule index per record type: a rule whose condition requires
//! `x.field == literal` (or `x.field in [literals]`) can only fire on records
//! holding that value, so it is looked up by the value instead of being
//! evaluated on every record. A thousand ban-list rules then cost about what
//! ten do.

use std::collections::HashMap;

use super::store::{FVal, FastMap, FastRecord, FastStore};
use crate::ast::CmpOp;
use crate::check::{Cond, Const, FieldId, Head, Program, RuleId, Term, num_key};

/// Types with fewer rules than this are not indexed: evaluating them all is
/// cheaper than looking them up.
const MIN_RULES: usize = 8;

/// A value a rule can be looked up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key<'s> {
    Str(&'s str),
    Num(u64),
    Bool(bool),
}

/// The rules of one record type, and how to narrow them down per record.
#[derive(Debug)]
pub(crate) struct TypeRules<'s> {
    pub(crate) all: &'s [RuleId],
    /// Per indexed field: value → positions (in `all`) of the rules that
    /// need it (looked up for every record of the type: a fast hash).
    fields: Vec<(FieldId, FastMap<Key<'s>, Vec<u32>>)>,
    /// Per rule (by position): the other values it needs, checked before it
    /// is evaluated.
    checks: Vec<Vec<(FieldId, Vec<Key<'s>>)>>,
    /// Positions of the rules that cannot be looked up.
    always: Vec<u32>,
}

impl<'s> TypeRules<'s> {
    pub(crate) fn new(program: &'s Program, all: &'s [RuleId]) -> TypeRules<'s> {
        let mut rules = TypeRules { all, fields: Vec::new(), checks: Vec::new(), always: Vec::new() };
        if all.len() < MIN_RULES {
            return rules;
        }
        // Each rule's lookups: (field, keys) per indexable conjunct.
        let lookups: Vec<Vec<(FieldId, Vec<Key<'s>>)>> =
            all.iter().map(|r| conjuncts(&program.rule(*r).cond).filter_map(lookup).collect()).collect();
        // The field with the most distinct values tells rules apart best.
        let mut distinct: HashMap<FieldId, std::collections::HashSet<Key<'s>>> = HashMap::new();
        for l in lookups.iter().flatten() {
            distinct.entry(l.0).or_default().extend(l.1.iter().copied());
        }
        let mut fields: HashMap<FieldId, FastMap<Key<'s>, Vec<u32>>> = HashMap::new();
        for (pos, l) in lookups.iter().enumerate() {
            let best = l.iter().max_by_key(|(f, _)| (distinct.get(f).map_or(0, |d| d.len()), std::cmp::Reverse(*f)));
            rules.checks.push(l.iter().filter(|(f, _)| Some(f) != best.map(|(b, _)| b)).cloned().collect());
            match best {
                Some((field, keys)) => {
                    let index = fields.entry(*field).or_default();
                    for k in keys {
                        let v = index.entry(*k).or_default();
                        if v.last() != Some(&(pos as u32)) {
                            v.push(pos as u32);
                        }
                    }
                }
                None => rules.always.push(pos as u32),
            }
        }
        rules.fields = fields.into_iter().collect();
        rules.fields.sort_by_key(|(f, _)| *f);
        rules
    }

    /// The rules that can fire on `rec`, in declaration order.
    pub(crate) fn candidates(&self, store: &FastStore<'_>, rec: &FastRecord<'_>) -> Candidates<'s> {
        if self.fields.is_empty() {
            return Candidates::All(self.all);
        }
        let mut picked: Vec<u32> = self.always.clone();
        for (field, index) in &self.fields {
            for k in keys_of(store, rec, *field) {
                let Some(rules) = index.get(&k) else { continue };
                let needs_met = |pos: &&u32| {
                    self.checks[**pos as usize]
                        .iter()
                        .all(|(f, keys)| keys_of(store, rec, *f).iter().any(|k| keys.contains(k)))
                };
                picked.extend(rules.iter().filter(needs_met));
            }
        }
        picked.sort_unstable();
        picked.dedup();
        Candidates::Some(self.all, picked)
    }
}

/// The value a record holds under a field, as an index key.
fn key_of<'r>(store: &'r FastStore<'_>, v: &'r FVal<'_>) -> Option<Key<'r>> {
    match v {
        FVal::Str(s) => Some(Key::Str(s.as_str())),
        FVal::Link(r) => Some(Key::Str(store.record(*r).id.as_str())),
        FVal::Num(n) => n.as_f64().map(|n| Key::Num(num_key(n))),
        FVal::Bool(b) => Some(Key::Bool(*b)),
        _ => None,
    }
}

/// The index keys of a field: its value's, or each element's for a list
/// (`x.f == "v"` holds on a list holding `"v"`).
fn keys_of<'r>(store: &'r FastStore<'_>, rec: &'r FastRecord<'_>, field: FieldId) -> Vec<Key<'r>> {
    match rec.get(field) {
        Some(FVal::List(items)) => items.iter().filter_map(|v| key_of(store, v)).collect(),
        Some(FVal::Links(ids)) => ids.iter().map(|r| Key::Str(store.record(*r).id.as_str())).collect(),
        Some(v) => key_of(store, v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The rules to evaluate on one record.
pub(crate) enum Candidates<'s> {
    All(&'s [RuleId]),
    Some(&'s [RuleId], Vec<u32>),
}

impl<'s> IntoIterator for Candidates<'s> {
    type Item = RuleId;
    type IntoIter = CandidateRules<'s>;

    fn into_iter(self) -> CandidateRules<'s> {
        match self {
            Candidates::All(all) => CandidateRules { all, picked: None, next: 0 },
            Candidates::Some(all, picked) => CandidateRules { all, picked: Some(picked.into_iter()), next: 0 },
        }
    }
}

/// The rules of [`Candidates`], in declaration order.
pub(crate) struct CandidateRules<'s> {
    all: &'s [RuleId],
    /// Positions in `all`, when only some can fire.
    picked: Option<std::vec::IntoIter<u32>>,
    /// The next position, when all can.
    next: usize,
}

impl Iterator for CandidateRules<'_> {
    type Item = RuleId;

    fn next(&mut self) -> Option<RuleId> {
        let at = match &mut self.picked {
            Some(picked) => picked.next()? as usize,
            None => {
                self.next += 1;
                self.next - 1
            }
        };
        self.all.get(at).copied()
    }
}

/// The top-level `and` terms of a condition.
fn conjuncts(e: &Cond) -> Box<dyn Iterator<Item = &Cond> + '_> {
    match e {
        Cond::And(terms, _) => Box::new(terms.iter()),
        other => Box::new(std::iter::once(other)),
    }
}

/// `x.field == literal` or `x.field in [literals]` on the rule's own record,
/// a plain field (not a declared link, whose value must also resolve), and
/// not compared as dates.
fn lookup(e: &Cond) -> Option<(FieldId, Vec<Key<'_>>)> {
    let (path, consts): (&Term, Vec<&Const>) = match e {
        Cond::Cmp { op: CmpOp::Eq, lhs, rhs, dates: false, .. } => match (lhs, rhs) {
            (p @ Term::Path(_), Term::Const(c, _)) | (Term::Const(c, _), p @ Term::Path(_)) => (p, vec![&**c]),
            _ => return None,
        },
        Cond::InSet { lhs, set, negated: false, .. } => match &**set {
            Const::List(list) if list.dates.is_empty() => (lhs, list.items.iter().collect()),
            _ => return None,
        },
        _ => return None,
    };
    let Term::Path(p) = path else { return None };
    let ([step], Head::Var(0, _)) = (p.steps.as_slice(), &p.head) else { return None };
    if step.hops.is_some() || step.link_to.is_some() || step.field == "id" || step.field == "type" {
        return None;
    }
    let keys = consts
        .into_iter()
        .map(|c| match c {
            Const::Str(s) => Some(Key::Str(s)),
            Const::Num(n) => Some(Key::Num(num_key(*n))),
            Const::Bool(b) => Some(Key::Bool(*b)),
            Const::Date(_) | Const::List(_) => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((step.field_id, keys))
}
