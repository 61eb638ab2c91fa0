//! The parallel engine: verdicts of many records at once on all cores, in
//! input order. A record's decision is memoised (one byte) so that `is
//! denied` on a linked record is computed once; threads that race to
//! compute the same one get the same answer, so nothing waits.
//!
//! This file holds the engine's state and public API. How a record is
//! judged is [`crate::eval::Judge`]'s (implemented in `judge.rs`); the
//! tables worked out before judging are built in `prepare.rs`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use rayon::prelude::*;

use super::closure::Closures;
use super::index::{Candidates, TypeRules};
use super::store::{FVal, FastEntry, FastMap, FastStore, id_prefix};
use crate::check::{DefId, FieldId, PathStep, Program, RuleId};
use crate::date::Date;
use crate::eval::{
    Decision, EvalError, Fixpoints, Judge, Limits, LinkProblem, LinkWarning, Outcome, ReverseIndex, Verdict,
    unfit_error,
};
use crate::records::{RecordError, RecordIdx, Records};

/// Whether verdicts carry evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Every fired and waived rule with the facts that made it fire.
    Full,
    /// The rules that fired, without their facts (`--no-evidence`: cheaper).
    Omitted,
}

/// Evaluates a program over a [`FastStore`], in parallel.
pub struct FastEngine<'s> {
    pub(crate) program: &'s Program,
    pub(crate) store: &'s FastStore<'s>,
    pub(crate) as_of: Date,
    pub(crate) limits: Limits,
    pub(crate) evidence: Evidence,
    /// Store type → the program's rules for it, indexed by required values.
    pub(crate) rules_by_type: Vec<TypeRules<'s>>,
    /// Each record's decision, once worked out: two bits a record, four
    /// to a byte ([`decision_code`]). `x.venue is denied` reads the
    /// decisions of linked records at random, and at 10M bench records a
    /// byte each outgrew the core's cache (the read was 4.5 times the
    /// cost a record of 3M).
    pub(crate) decisions: Vec<AtomicU8>,
    /// Per rule named in `is … by RULE`: its standing on each record
    /// (looked up for every standing, so with a fast hash).
    pub(crate) by_standings: FastMap<RuleId, Vec<AtomicU8>>,
    pub(crate) reverse: HashMap<(String, FieldId), ReverseIndex<'s>>,
    pub(crate) id_field: Option<FieldId>,
    pub(crate) type_field: Option<FieldId>,
    /// Store type → link fields to check for dangling ids: (field, name, declared target).
    pub(crate) link_checks: Vec<Vec<(FieldId, &'s str, Option<&'s str>)>>,
    /// Per one-parameter def: its answer for each record passed to it,
    /// with what computing it cost (see [`encode_def`]).
    pub(crate) def_memo: Vec<Option<Vec<AtomicU64>>>,
    /// Per def: its answers worked out ahead, where that is cheap (see
    /// [`DefAnswers`]).
    pub(crate) def_answers: Vec<Option<DefAnswers>>,
    /// The link fields hop quantifiers walk, as adjacency arrays.
    pub(crate) adjacency: Vec<((FieldId, Option<&'s str>), Adjacency)>,
    /// With evidence and hop walks: each record's id prefix (see
    /// [`id_prefix`]), read in order at start, as traced walks sort each
    /// depth by id and reading ids from the records was a cache miss each.
    pub(crate) id_prefixes: Vec<u64>,
    /// `--strict`: a record that does not fit its declaration gets an error.
    pub(crate) strict: bool,
    /// Hop-range quantifiers judged for the whole store at once.
    pub(crate) closures: Closures,
    /// The standings of the recursive groups ([`FastEngine::settle`]).
    pub(crate) fixpoints: Fixpoints,
    /// Set once the recursive groups are worked out.
    pub(crate) settled: OnceLock<()>,
    /// Per def: whether its body reads a verdict, through the defs it calls
    /// (its answers are then not remembered inside a recursive group's round).
    pub(crate) def_reads_verdicts: Vec<bool>,
    /// Per rule: whether its condition or an exemption's that can waive it
    /// reads a verdict, through the defs it calls (only then can working
    /// out its standing meet a cycle or depend on a round's view).
    pub(crate) rule_reads_verdicts: Vec<bool>,
}

/// One link field's targets for every record, in two arrays (compressed
/// sparse rows): a hop walk reads `starts` and `links` where it read
/// record → fields → list, one cache miss a record instead of three.
pub(crate) struct Adjacency {
    /// Record `r`'s links are `links[starts[r]..starts[r + 1]]`.
    pub(crate) starts: Vec<u32>,
    /// In list order.
    pub(crate) links: Vec<Link>,
}

/// A link of a list: (position in the list, target).
pub(crate) type Link = (u32, RecordIdx);

impl Adjacency {
    /// Where record `r`'s links are in `links`.
    pub(crate) fn row(&self, r: RecordIdx) -> (usize, usize) {
        match (self.starts.get(r.index()), self.starts.get(r.index() + 1)) {
            (Some(&from), Some(&to)) => (from as usize, to as usize),
            _ => (0, 0),
        }
    }

    pub(crate) fn links(&self, (from, to): (usize, usize)) -> &[Link] {
        self.links.get(from..to).unwrap_or(&[])
    }
}

/// A one-parameter def's answers for every record of its parameter's
/// entity, worked out before evaluation when its body reads only that
/// record and what single links lead to. One byte a record (0: not worked
/// out; else 2 + 2 × an index into `costs` + the answer): a hop walk calls the
/// def on each record it reaches, and a byte table stays in cache where an
/// 8-byte memo slot per record did not (the slot was 12 % of a 1M run).
pub(crate) struct DefAnswers {
    pub(crate) codes: Vec<u8>,
    /// The distinct (steps, visited) costs.
    pub(crate) costs: Vec<(u64, u64)>,
    /// Whether every record of the def's entity has its answer here.
    pub(crate) all: bool,
}

impl DefAnswers {
    pub(crate) fn get(&self, r: RecordIdx) -> Option<(bool, u64, u64)> {
        let code = *self.codes.get(r.index())?;
        let class = usize::from(code.checked_sub(2)? >> 1);
        let (steps, visited) = *self.costs.get(class)?;
        Some((code & 1 == 1, steps, visited))
    }
}

impl<'s> FastEngine<'s> {
    /// Sets the per-record limits (default: [`Limits::default`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// `--strict`: a record that does not fit its `entity` declaration gets
    /// an error instead of a verdict (default: the misfits are warnings).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// One outcome per input record, in input order, computed in parallel.
    pub fn evaluate(&self) -> Vec<Outcome<'s>> {
        self.evaluate_batch(0, self.store.entries.len())
    }

    /// The outcomes of input records `from..to` (for output in batches).
    pub fn evaluate_batch(&self, from: usize, to: usize) -> Vec<Outcome<'s>> {
        self.settle();
        let entries = self.store.entries.len();
        (from.min(to)..to.min(entries))
            .into_par_iter()
            .with_min_len(64)
            .filter_map(|i| self.store.entries.get(i))
            .map(|entry| self.outcome_of(entry))
            .collect()
    }

    /// The outcome of input record `entry` (its index in input order);
    /// `None` past the end.
    pub fn outcome(&self, entry: usize) -> Option<Outcome<'s>> {
        self.settle();
        self.store.entries.get(entry).map(|e| self.outcome_of(e))
    }

    fn outcome_of(&self, entry: FastEntry<'s>) -> Outcome<'s> {
        match entry {
            FastEntry::Record(r) => match self.unfit(r) {
                Some(unfit) => Outcome::RecordError(Cow::Owned(unfit)),
                None => match self.verdict(r) {
                    Ok(v) => Outcome::Verdict(v),
                    Err(e) => Outcome::EvalError(e),
                },
            },
            FastEntry::Error(e) => Outcome::RecordError(Cow::Borrowed(e)),
        }
    }

    /// How many input records (verdicts and errors) there are.
    pub fn entries(&self) -> usize {
        self.store.entries.len()
    }

    /// The verdict on one record.
    pub fn verdict(&self, rec: RecordIdx) -> Result<Verdict, EvalError> {
        self.settle();
        let judged =
            self.judge(rec).map_err(|fault| EvalError::new(fault, self.store.id(rec), self.store.position(rec)))?;
        self.remember_decision(rec, judged.decision);
        let warnings = self.warnings(rec);
        Ok(Verdict { record: rec, decision: judged.decision, fired: judged.fired, waived: judged.waived, warnings })
    }

    /// With [`FastEngine::strict`], the error a record that does not fit
    /// its declaration gets in place of its verdict.
    /// Every warning counts, not only the store's misfits: a link field
    /// holding something that is not an id is a link warning and a misfit.
    fn unfit(&self, rec: RecordIdx) -> Option<RecordError> {
        if !self.strict {
            return None;
        }
        unfit_error(self.store.id(rec), self.store.position(rec), &self.warnings(rec))
    }

    /// The rules that can fire on a record (the others cannot: a value they
    /// require is not there), in declaration order.
    pub(crate) fn candidates(&self, rec: RecordIdx) -> Candidates<'s> {
        let r = self.store.record(rec);
        match self.rules_by_type.get(r.ty.0 as usize) {
            Some(rules) => rules.candidates(self.store, r),
            None => Candidates::All(&[]),
        }
    }

    /// A record's decision, if already worked out.
    pub(crate) fn known_decision(&self, rec: RecordIdx) -> Option<Decision> {
        let (byte, shift) = decision_slot(rec);
        decode_decision((self.decisions.get(byte)?.load(Ordering::Relaxed) >> shift) & 3)
    }

    pub(crate) fn remember_decision(&self, rec: RecordIdx, decision: Decision) {
        let (byte, shift) = decision_slot(rec);
        let code = decision_code(decision) << shift;
        if let Some(slot) = self.decisions.get(byte) {
            // Other threads write the other records of the byte.
            let _ = slot.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| Some(b & !(3 << shift) | code));
        }
    }

    /// A one-parameter def's remembered answer for a record, with the
    /// (steps, visited) computing it cost: a caller spends them again, so
    /// what a record costs does not depend on what was remembered.
    pub(crate) fn def_memo(&self, def: DefId, r: RecordIdx) -> Option<(bool, u64, u64)> {
        if let Some(Some(answers)) = self.def_answers.get(def.0 as usize)
            && let Some(known) = answers.get(r)
        {
            return Some(known);
        }
        let memo = self.def_memo.get(def.0 as usize)?.as_ref()?;
        decode_def(memo.get(r.index())?.load(Ordering::Relaxed))
    }

    /// Reads `def`'s worked-out answers for `records` ahead of a walk's
    /// calls on them: the reads are independent, so their cache misses
    /// overlap, and the calls then find them in cache.
    pub(crate) fn read_def_answers(&self, def: DefId, records: impl Iterator<Item = RecordIdx>) {
        if let Some(Some(answers)) = self.def_answers.get(def.0 as usize) {
            std::hint::black_box(records.fold(0, |x, r| x ^ answers.codes.get(r.index()).map_or(0, |c| *c)));
        }
    }

    /// A record id's first 8 bytes as one integer (see [`id_prefix`]).
    pub(crate) fn id_prefix(&self, r: RecordIdx) -> u64 {
        match self.id_prefixes.get(r.index()) {
            Some(prefix) => *prefix,
            None => id_prefix(self.store.id(r)),
        }
    }

    /// The adjacency arrays of the link field a hop step follows, if built.
    pub(crate) fn adjacency(&self, step: &PathStep) -> Option<&Adjacency> {
        let key = (step.field_id, step.link_to.as_deref());
        self.adjacency.iter().find(|(k, _)| *k == key).map(|(_, a)| a)
    }

    pub(crate) fn remember_def(&self, def: DefId, r: RecordIdx, holds: bool, cost: (u64, u64)) {
        if let Some(Some(memo)) = self.def_memo.get(def.0 as usize)
            && let Some(slot) = memo.get(r.index())
            && let Some(code) = encode_def(holds, cost)
        {
            slot.store(code, Ordering::Relaxed);
        }
    }

    pub(crate) fn of_type(&self, record_type: &str) -> &'s [RecordIdx] {
        let store: &'s FastStore<'s> = self.store;
        store.type_id(record_type).map_or(&[], |t| store.by_type[t.0 as usize].as_slice())
    }

    pub(crate) fn reverse_lookup(&self, record_type: &str, field: FieldId, key: &str) -> Vec<RecordIdx> {
        self.reverse.get(&(record_type.to_string(), field)).map_or_else(Vec::new, |i| i.get(key).to_vec())
    }

    /// The record's link fields whose values name no record (of the
    /// declared type), then its fields that do not fit its declaration.
    fn warnings(&self, rec: RecordIdx) -> Vec<LinkWarning> {
        let mut out = self.link_warnings(rec);
        if let Some(misfits) = self.store.misfits.get(&rec) {
            out.extend(misfits.iter().cloned());
            LinkWarning::sort(&mut out);
        }
        out
    }

    fn link_warnings(&self, rec: RecordIdx) -> Vec<LinkWarning> {
        // Known from loading, most of the time: nothing to warn of.
        if self.store.links_resolved(rec) {
            return Vec::new();
        }
        let r = self.store.record(rec);
        let Some(checks) = self.link_checks.get(r.ty.0 as usize) else { return Vec::new() };
        let mut out = Vec::new();
        for &(fid, field, entity) in checks {
            // A slice, not a vector: this runs for every link field of
            // every record, and a vector of one was an allocation each.
            let values: &[FVal<'_>] = match r.get(fid) {
                None | Some(FVal::Null) => continue,
                // Every element named a record (of the declared type).
                Some(FVal::Links(_)) => continue,
                Some(FVal::List(items)) => items,
                Some(v) => std::slice::from_ref(v),
            };
            for v in values {
                let problem = match v {
                    FVal::Link(_) => None,
                    FVal::Str(s) => {
                        let found = self.store.lookup(s.as_str()).map(|t| self.store.record_type(t));
                        LinkProblem::of_id(found, entity).map(|p| (s.as_str().to_string(), p))
                    }
                    // Untyped rule sets follow any string; only typed links must be ids.
                    other if entity.is_some() => Some((self.store.json(other).to_string(), LinkProblem::NotAnId)),
                    _ => None,
                };
                if let Some((target, problem)) = problem {
                    out.push(LinkWarning { field: field.to_string(), target, problem });
                }
            }
        }
        LinkWarning::sort(&mut out);
        out
    }
}

/// A remembered def answer: bits 0–1 the answer (1 false, 2 true; 0 not
/// known), bits 2–33 the steps, bits 34–63 the records visited. `None` when
/// the cost does not fit (the answer is then computed each time).
pub(crate) fn encode_def(holds: bool, (steps, visited): (u64, u64)) -> Option<u64> {
    (steps < 1 << 32 && visited < 1 << 30).then(|| u64::from(holds) + 1 + (steps << 2) + (visited << 34))
}

fn decode_def(code: u64) -> Option<(bool, u64, u64)> {
    match code & 3 {
        1 | 2 => Some((code & 3 == 2, (code >> 2) & 0xFFFF_FFFF, code >> 34)),
        _ => None,
    }
}

/// Where record `rec`'s decision is in [`FastEngine::decisions`]: the
/// byte, and the shift of its two bits.
fn decision_slot(rec: RecordIdx) -> (usize, u32) {
    (rec.index() / 4, 2 * (rec.0 % 4))
}

/// How many bytes of [`FastEngine::decisions`] `n` records take.
pub(crate) fn decision_bytes(n: usize) -> usize {
    n.div_ceil(4)
}

/// A decision in two bits (0: not worked out).
fn decision_code(d: Decision) -> u8 {
    match d {
        Decision::Allow => 1,
        Decision::Flag => 2,
        Decision::Deny => 3,
    }
}

fn decode_decision(b: u8) -> Option<Decision> {
    match b {
        1 => Some(Decision::Allow),
        2 => Some(Decision::Flag),
        3 => Some(Decision::Deny),
        _ => None,
    }
}
