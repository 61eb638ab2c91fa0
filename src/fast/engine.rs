//! The parallel engine: verdicts of many records at once on all cores, in
//! input order. A record's decision is memoised (one byte) so that `is
//! denied` on a linked record is computed once; threads that race to
//! compute the same one get the same answer, so nothing waits.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use rayon::prelude::*;

use super::cond::Ctx;
use super::index::{Candidates, TypeRules};
use super::store::{FVal, FastEntry, FastStore, TypeId, id_prefix};
use crate::check::{Cond, DefId, ExemptionId, FieldId, PathExpr, PathStep, Program, QRange, RuleId, Term, Ty};
use crate::date::Date;
use crate::eval::{
    Budget, Decision, EvalError, EvalErrorKind, EvalOptions, Fact, Fault, Fired, Limits, LinkProblem, LinkWarning,
    Outcome, Verdict, Waived,
};
use crate::records::{RecordIdx, Records};

/// Where a rule stands on a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    NotFired,
    Fired,
    Waived(ExemptionId),
}

impl State {
    fn encode(self) -> u8 {
        match self {
            State::NotFired => 1,
            State::Fired => 2,
            State::Waived(x) => 3 + u8::try_from(x.0).unwrap_or(u8::MAX - 3),
        }
    }

    fn decode(b: u8) -> Option<State> {
        match b {
            0 => None,
            1 => Some(State::NotFired),
            2 => Some(State::Fired),
            b => Some(State::Waived(ExemptionId(u32::from(b - 3)))),
        }
    }
}

thread_local! {
    /// (record, rule) pairs being evaluated on this thread: meeting one
    /// again is a cycle through the records.
    static STACK: RefCell<Vec<(RecordIdx, RuleId)>> = const { RefCell::new(Vec::new()) };
}

/// Field value → records of one type holding it, in input order.
type ReverseIndex<'s> = HashMap<&'s str, Vec<RecordIdx>>;

/// Evaluates a program over a [`FastStore`], in parallel.
pub struct FastEngine<'s> {
    pub(crate) program: &'s Program,
    pub(crate) store: &'s FastStore<'s>,
    pub(crate) as_of: Date,
    limits: Limits,
    evidence: bool,
    /// Store type → the program's rules for it, indexed by required values.
    rules_by_type: Vec<TypeRules<'s>>,
    decisions: Vec<AtomicU8>,
    /// Per rule named in `is … by RULE`: its state on each record.
    by_states: HashMap<RuleId, Vec<AtomicU8>>,
    reverse: HashMap<(String, FieldId), ReverseIndex<'s>>,
    pub(crate) id_field: Option<FieldId>,
    pub(crate) type_field: Option<FieldId>,
    /// Store type → link fields to check for dangling ids: (field, name, declared target).
    link_checks: Vec<Vec<(FieldId, &'s str, Option<&'s str>)>>,
    /// Per one-parameter def: its answer for each record passed to it,
    /// with what computing it cost (see [`encode_def`]).
    def_memo: Vec<Option<Vec<AtomicU64>>>,
    /// Per def: its answers worked out ahead, where that is cheap (see
    /// [`DefAnswers`]).
    def_answers: Vec<Option<DefAnswers>>,
    /// The link fields hop quantifiers walk, as adjacency arrays.
    adjacency: Vec<((FieldId, Option<&'s str>), Adjacency)>,
    /// With evidence and hop walks: each record's id prefix (see
    /// [`id_prefix`]), read in order at start, as traced walks sort each
    /// depth by id and reading ids from the records was a cache miss each.
    id_prefixes: Vec<u64>,
}

/// One link field's targets for every record, in two arrays (compressed
/// sparse rows): a hop walk reads `starts` and `links` where it read
/// record → fields → list, one cache miss a record instead of three.
pub(crate) struct Adjacency {
    /// Record `r`'s links are `links[starts[r]..starts[r + 1]]`.
    starts: Vec<u32>,
    /// In list order.
    links: Vec<Link>,
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
struct DefAnswers {
    codes: Vec<u8>,
    /// The distinct (steps, visited) costs.
    costs: Vec<(u64, u64)>,
}

impl DefAnswers {
    fn get(&self, r: RecordIdx) -> Option<(bool, u64, u64)> {
        let code = *self.codes.get(r.index())?;
        let class = usize::from(code.checked_sub(2)? >> 1);
        let (steps, visited) = *self.costs.get(class)?;
        Some((code & 1 == 1, steps, visited))
    }
}

impl<'s> FastEngine<'s> {
    /// Prepares evaluation. Without `evidence`, verdicts name the rules that
    /// fired but carry no evidence (cheaper; for `--no-evidence`).
    pub fn new(program: &'s Program, store: &'s FastStore<'s>, options: EvalOptions, evidence: bool) -> Self {
        let n = store.len();
        let field_ids: HashMap<&str, FieldId> =
            program.field_names().iter().enumerate().map(|(i, f)| (f.as_str(), FieldId(i as u32))).collect();
        let types = store.by_type.len();
        let rules_by_type =
            (0..types).map(|t| TypeRules::new(program, program.rules_for(store.type_name(TypeId(t as u32))))).collect();
        let mut by_rules = Vec::new();
        let mut reverse_keys = Vec::new();
        // The link steps hop quantifiers walk: read into adjacency arrays.
        let mut walked: Vec<&'s PathStep> = Vec::new();
        for (_, cond) in program.conditions() {
            cond.visit(&mut |e| match e {
                Cond::Is { by: Some(r), .. } => by_rules.push(*r),
                Cond::Quant(q) => match &q.range {
                    QRange::Type { record_type, reverse: Some(rev), .. } => {
                        reverse_keys.push((record_type.clone(), rev.field_id))
                    }
                    QRange::Path(Term::Path(p)) => walked.extend(p.steps.last().filter(|step| step.hops.is_some())),
                    _ => {}
                },
                Cond::Sum(s) => {
                    if let QRange::Type { record_type, reverse: Some(rev), .. } = &s.range {
                        reverse_keys.push((record_type.clone(), rev.field_id))
                    }
                }
                _ => {}
            });
        }
        let by_states = by_rules.into_iter().map(|r| (r, (0..n).map(|_| AtomicU8::new(0)).collect())).collect();
        let id_field = field_ids.get("id").copied();
        let type_field = field_ids.get("type").copied();
        let mut engine = FastEngine {
            program,
            store,
            as_of: options.as_of,
            limits: Limits::default(),
            evidence,
            rules_by_type,
            decisions: (0..n).map(|_| AtomicU8::new(0)).collect(),
            by_states,
            reverse: HashMap::new(),
            id_field,
            type_field,
            link_checks: Vec::new(),
            def_memo: program
                .defs
                .iter()
                .map(|d| (d.params.len() == 1).then(|| (0..n).map(|_| AtomicU64::new(0)).collect()))
                .collect(),
            def_answers: Vec::new(),
            adjacency: Vec::new(),
            id_prefixes: Vec::new(),
        };
        engine.def_answers = (0..program.defs.len()).map(|d| engine.sweep_def(DefId(d as u32))).collect();
        if evidence && !walked.is_empty() {
            engine.id_prefixes =
                store.records.par_iter().with_min_len(4096).map(|r| id_prefix(r.id.as_str())).collect();
        }
        for step in walked {
            let key = (step.field_id, step.link_to.as_deref());
            if engine.adjacency.iter().all(|(k, _)| *k != key) {
                let links = engine.build_adjacency(step);
                engine.adjacency.push((key, links));
            }
        }
        for key in reverse_keys {
            if !engine.reverse.contains_key(&key) {
                let index = engine.build_reverse(&key.0, key.1);
                engine.reverse.insert(key, index);
            }
        }
        engine.link_checks = (0..types)
            .map(|t| {
                let name = store.type_name(TypeId(t as u32));
                let links = program.link_fields();
                let fields: Vec<(&'s str, Option<&'s str>)> = match links.by_type.get(name) {
                    Some(fields) => fields.iter().map(|(f, e)| (f.as_str(), e.as_deref())).collect(),
                    None if !program.is_typed() => links.any_type.iter().map(|f| (f.as_str(), None)).collect(),
                    None => Vec::new(),
                };
                fields.into_iter().filter_map(|(f, e)| field_ids.get(f).map(|id| (*id, f, e))).collect()
            })
            .collect();
        engine
    }

    /// Sets the per-record limits (default: [`Limits::default`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A budget for a rule's condition on a record.
    fn rule_budget(&self, rec: RecordIdx, rule: RuleId) -> Budget<'s> {
        Budget::new(self.limits, "rule", &self.program.rule(rule).name, self.store.id(rec))
    }

    /// A budget for an exemption's condition on a record.
    fn exemption_budget(&self, rec: RecordIdx, x: ExemptionId) -> Budget<'s> {
        Budget::new(self.limits, "exemption", &self.program.exemption(x).name, self.store.id(rec))
    }

    fn build_reverse(&self, record_type: &str, field: FieldId) -> ReverseIndex<'s> {
        let mut index: ReverseIndex<'s> = HashMap::new();
        for &r in self.of_type(record_type) {
            let rec = self.store.record(r);
            let key_of = |v: &'s FVal<'s>| match v {
                FVal::Str(s) => Some(s.as_str()),
                FVal::Link(t) => Some(self.store.record(*t).id.as_str()),
                _ => None,
            };
            // A list is indexed by each of its ids (once per record).
            let keys: Vec<&'s str> = if Some(field) == self.id_field {
                vec![rec.id.as_str()]
            } else if Some(field) == self.type_field {
                vec![self.store.type_name(rec.ty)]
            } else {
                match rec.get(field) {
                    Some(FVal::Links(ts)) => ts.iter().map(|t| self.store.record(*t).id.as_str()).collect(),
                    Some(FVal::List(items)) => items.iter().filter_map(key_of).collect(),
                    Some(v) => key_of(v).into_iter().collect(),
                    None => Vec::new(),
                }
            };
            for k in keys {
                let records = index.entry(k).or_default();
                if records.last() != Some(&r) {
                    records.push(r);
                }
            }
        }
        index
    }

    /// One outcome per input record, in input order, computed in parallel.
    pub fn evaluate(&self) -> Vec<Outcome<'s>> {
        self.evaluate_batch(0, self.store.entries.len())
    }

    /// The outcomes of input records `from..to` (for output in batches).
    pub fn evaluate_batch(&self, from: usize, to: usize) -> Vec<Outcome<'s>> {
        let entries: &'s [FastEntry] = &self.store.entries[from.min(to)..to.min(self.store.entries.len())];
        entries.par_iter().with_min_len(64).map(|entry| self.outcome_of(entry)).collect()
    }

    /// The outcome of input record `entry` (its index in input order);
    /// `None` past the end.
    pub fn outcome(&self, entry: usize) -> Option<Outcome<'s>> {
        self.store.entries.get(entry).map(|e| self.outcome_of(e))
    }

    fn outcome_of(&self, entry: &'s FastEntry) -> Outcome<'s> {
        match entry {
            FastEntry::Record(r) => match self.verdict(*r) {
                Ok(v) => Outcome::Verdict(v),
                Err(e) => Outcome::EvalError(e),
            },
            FastEntry::Error(e) => Outcome::RecordError(e),
        }
    }

    /// How many input records (verdicts and errors) there are.
    pub fn entries(&self) -> usize {
        self.store.entries.len()
    }

    /// The verdict on one record.
    pub fn verdict(&self, rec: RecordIdx) -> Result<Verdict, EvalError> {
        self.verdict_inner(rec).map_err(|fault| EvalError::new(fault, self.store.id(rec), self.store.position(rec)))
    }

    fn verdict_inner(&self, rec: RecordIdx) -> Result<Verdict, Fault> {
        let mut fired = Vec::new();
        let mut waived = Vec::new();
        let mut decision = Decision::Allow;
        for rule in self.rules_of(rec).iter() {
            match self.state(rec, rule)? {
                State::Fired => {
                    decision = decision.max(effect_decision(self.program.rule(rule).effect));
                    fired.push(Fired { rule, evidence: self.trace_rule(rec, rule)? });
                }
                State::Waived(exemption) => waived.push(Waived {
                    rule,
                    evidence: self.trace_rule(rec, rule)?,
                    exemption,
                    exemption_evidence: self.trace_exemption(rec, exemption)?,
                }),
                State::NotFired => {}
            }
        }
        self.decisions[rec.index()].store(decision_code(decision), Ordering::Relaxed);
        Ok(Verdict { record: rec, decision, fired, waived, warnings: self.warnings(rec) })
    }

    /// The rules that can fire on a record (the others cannot: a value they
    /// require is not there), in declaration order.
    fn rules_of(&self, rec: RecordIdx) -> Candidates<'s> {
        let r = self.store.record(rec);
        match self.rules_by_type.get(r.ty.0 as usize) {
            Some(rules) => rules.candidates(self.store, r),
            None => Candidates::All(&[]),
        }
    }

    fn trace_rule(&self, rec: RecordIdx, rule: RuleId) -> Result<Vec<Fact>, Fault> {
        if !self.evidence {
            return Ok(Vec::new());
        }
        let r = self.program.rule(rule);
        let mut facts = Vec::new();
        let budget = self.rule_budget(rec, rule);
        Ctx { engine: self, trace: true, budget: &budget }.body(&r.cond, r.frame, rec, &mut facts)?;
        Ok(facts)
    }

    fn trace_exemption(&self, rec: RecordIdx, x: ExemptionId) -> Result<Vec<Fact>, Fault> {
        if !self.evidence {
            return Ok(Vec::new());
        }
        let e = self.program.exemption(x);
        let mut facts = Vec::new();
        let budget = self.exemption_budget(rec, x);
        Ctx { engine: self, trace: true, budget: &budget }.body(&e.cond, e.frame, rec, &mut facts)?;
        Ok(facts)
    }

    fn state(&self, rec: RecordIdx, rule_id: RuleId) -> Result<State, Fault> {
        let memo = self.by_states.get(&rule_id).map(|v| &v[rec.index()]);
        if let Some(s) = memo.and_then(|m| State::decode(m.load(Ordering::Relaxed))) {
            return Ok(s);
        }
        let rule = self.program.rule(rule_id);
        if !rule.in_effect(self.as_of) {
            return Ok(State::NotFired);
        }
        let on_stack = STACK.with(|s| {
            let mut stack = s.borrow_mut();
            if stack.contains(&(rec, rule_id)) {
                return true;
            }
            stack.push((rec, rule_id));
            false
        });
        if on_stack {
            return Err(Fault {
                kind: EvalErrorKind::Cycle,
                message: format!(
                    "rule `{}` on `{}` depends on its own verdict through linked records",
                    rule.name,
                    self.store.id(rec)
                ),
            });
        }
        let result = (|| {
            let budget = self.rule_budget(rec, rule_id);
            let ctx = Ctx { engine: self, trace: false, budget: &budget };
            if !ctx.body(&rule.cond, rule.frame, rec, &mut Vec::new())? {
                return Ok(State::NotFired);
            }
            for &x in &rule.waived_by {
                let e = self.program.exemption(x);
                let budget = self.exemption_budget(rec, x);
                let ctx = Ctx { engine: self, trace: false, budget: &budget };
                if ctx.body(&e.cond, e.frame, rec, &mut Vec::new())? {
                    return Ok(State::Waived(x));
                }
            }
            Ok(State::Fired)
        })();
        STACK.with(|s| s.borrow_mut().pop());
        if let (Ok(state), Some(m)) = (&result, memo) {
            m.store(state.encode(), Ordering::Relaxed);
        }
        result
    }

    /// `is denied by RULE`: the rule fired on the record and was not waived.
    pub(crate) fn rule_fired(&self, rec: RecordIdx, rule: RuleId) -> Result<bool, Fault> {
        Ok(self.state(rec, rule)? == State::Fired)
    }

    /// A record's final decision, computed once.
    pub(crate) fn decision(&self, rec: RecordIdx) -> Result<Decision, Fault> {
        if let Some(d) = decode_decision(self.decisions[rec.index()].load(Ordering::Relaxed)) {
            return Ok(d);
        }
        let mut decision = Decision::Allow;
        for rule in self.rules_of(rec).iter() {
            if self.state(rec, rule)? == State::Fired {
                decision = decision.max(effect_decision(self.program.rule(rule).effect));
            }
        }
        self.decisions[rec.index()].store(decision_code(decision), Ordering::Relaxed);
        Ok(decision)
    }

    pub(crate) fn fired_rule_names(&self, rec: RecordIdx) -> Result<Vec<String>, Fault> {
        let mut names = Vec::new();
        for rule in self.rules_of(rec).iter() {
            if self.state(rec, rule)? == State::Fired {
                names.push(self.program.rule(rule).name.clone());
            }
        }
        Ok(names)
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

    /// Reads one link field of every record, in parallel chunks, into
    /// [`Adjacency`] arrays.
    fn build_adjacency(&self, step: &PathStep) -> Adjacency {
        let n = self.store.len();
        let chunks: Vec<(Vec<u32>, Vec<Link>)> = (0..n.div_ceil(1 << 14))
            .into_par_iter()
            .map(|c| {
                // Reading links spends nothing; a context needs a budget.
                let budget = Budget::new(self.limits, "rule", "", "");
                let ctx = Ctx { engine: self, trace: false, budget: &budget };
                let mut counts = Vec::new();
                let mut links = Vec::new();
                for r in c << 14..((c + 1) << 14).min(n) {
                    let before = links.len();
                    ctx.links_in_record(RecordIdx(r as u32), step, |pos, target| {
                        links.push((u32::try_from(pos).unwrap_or(u32::MAX), target));
                    });
                    counts.push((links.len() - before) as u32);
                }
                (counts, links)
            })
            .collect();
        let mut starts = Vec::with_capacity(n + 1);
        let mut links = Vec::with_capacity(chunks.iter().map(|(_, l)| l.len()).sum());
        starts.push(0u32);
        for (counts, chunk) in chunks {
            for count in counts {
                let last = starts.last().copied().unwrap_or(0);
                starts.push(last.saturating_add(count));
            }
            links.extend(chunk);
        }
        Adjacency { starts, links }
    }

    /// Works out a def's answers ahead (see [`DefAnswers`]): `None` when
    /// the def is not a local condition on one record of a declared entity.
    /// A record whose answer fails (a limit) is left to be worked out when
    /// called, where the error belongs to the caller.
    fn sweep_def(&self, def: DefId) -> Option<DefAnswers> {
        let d = &self.program.defs[def.0 as usize];
        let [Ty::Entity(entity)] = d.param_types.as_slice() else { return None };
        let records = self.of_type(entity);
        if records.is_empty() || !local(&d.body) {
            return None;
        }
        let answers: Vec<Option<(bool, (u64, u64))>> = records
            .par_iter()
            .with_min_len(1024)
            .map(|&r| {
                let budget = Budget::new(self.limits, "def", &d.name, self.store.id(r));
                let ctx = Ctx { engine: self, trace: false, budget: &budget };
                let holds = ctx.body(&d.body, d.frame, r, &mut Vec::new()).ok()?;
                Some((holds, budget.spent()))
            })
            .collect();
        let mut table = DefAnswers { codes: vec![0; self.store.len()], costs: Vec::new() };
        for (&r, answer) in records.iter().zip(answers) {
            let Some((holds, cost)) = answer else { continue };
            let class = match table.costs.iter().position(|c| *c == cost) {
                Some(class) => class,
                None if table.costs.len() < 127 => {
                    table.costs.push(cost);
                    table.costs.len() - 1
                }
                None => continue,
            };
            table.codes[r.index()] = 2 + 2 * class as u8 + u8::from(holds);
        }
        Some(table)
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
        self.reverse.get(&(record_type.to_string(), field)).and_then(|i| i.get(key)).cloned().unwrap_or_default()
    }

    /// The record's link fields whose values name no record (of the declared type).
    fn warnings(&self, rec: RecordIdx) -> Vec<LinkWarning> {
        let r = self.store.record(rec);
        let Some(checks) = self.link_checks.get(r.ty.0 as usize) else { return Vec::new() };
        let budget = Budget::new(self.limits, "rule", "", r.id.as_str());
        let ctx = Ctx { engine: self, trace: false, budget: &budget };
        let mut out = Vec::new();
        for &(fid, field, entity) in checks {
            let values: Vec<&FVal<'_>> = match r.get(fid) {
                None | Some(FVal::Null) => continue,
                // Every element named a record (of the declared type).
                Some(FVal::Links(_)) => continue,
                Some(FVal::List(items)) => items.iter().collect(),
                Some(v) => vec![v],
            };
            for v in values {
                let problem = match v {
                    FVal::Link(_) => None,
                    FVal::Str(s) => match self.store.lookup(s.as_str()) {
                        None => Some((s.as_str().to_string(), LinkProblem::Missing)),
                        Some(t) => match entity {
                            Some(e) if self.store.record_type(t) != e => Some((
                                s.as_str().to_string(),
                                LinkProblem::WrongType {
                                    expected: e.to_string(),
                                    found: self.store.record_type(t).to_string(),
                                },
                            )),
                            _ => None,
                        },
                    },
                    // Untyped rule sets follow any string; only typed links must be ids.
                    other if entity.is_some() => Some((ctx.json(other).to_string(), LinkProblem::NotAnId)),
                    _ => None,
                };
                if let Some((target, problem)) = problem {
                    out.push(LinkWarning { field: field.to_string(), target, problem });
                }
            }
        }
        out.sort_by(|a, b| (&a.field, &a.target).cmp(&(&b.field, &b.target)));
        out
    }
}

/// A condition that reads only its record and what single links lead to
/// (no hop range, quantifier, sum, call or verdict): bounded and cheap, so
/// working it out for every record of a type costs little.
fn local(e: &Cond) -> bool {
    let path = |p: &PathExpr| p.steps.iter().all(|s| s.hops.is_none());
    let term = |t: &Term| match t {
        Term::Path(p) | Term::Count(p, _) => path(p),
        Term::Const(..) | Term::AsOf(_) => true,
    };
    match e {
        Cond::And(ts, _) | Cond::Or(ts, _) => ts.iter().all(local),
        Cond::Not(t) => local(t),
        Cond::Cmp { lhs, rhs, .. } => term(lhs) && term(rhs),
        Cond::InSet { lhs, .. } => term(lhs),
        Cond::Matches { subject, .. } => term(subject),
        Cond::Exists { path: p, .. } => path(p),
        Cond::Truthy { term: t, .. } => term(t),
        Cond::Const(_) => true,
        Cond::Is { .. } | Cond::Quant(_) | Cond::Sum(_) | Cond::Call { .. } => false,
    }
}

fn effect_decision(effect: crate::ast::Effect) -> Decision {
    match effect {
        crate::ast::Effect::Deny => Decision::Deny,
        crate::ast::Effect::Flag => Decision::Flag,
    }
}

/// A remembered def answer: bits 0–1 the answer (1 false, 2 true; 0 not
/// known), bits 2–33 the steps, bits 34–63 the records visited. `None` when
/// the cost does not fit (the answer is then computed each time).
fn encode_def(holds: bool, (steps, visited): (u64, u64)) -> Option<u64> {
    (steps < 1 << 32 && visited < 1 << 30).then(|| u64::from(holds) + 1 + (steps << 2) + (visited << 34))
}

fn decode_def(code: u64) -> Option<(bool, u64, u64)> {
    match code & 3 {
        1 | 2 => Some((code & 3 == 2, (code >> 2) & 0xFFFF_FFFF, code >> 34)),
        _ => None,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Input;
    use crate::{RuleSet, SourceFile};

    const PEOPLE: &str = r#"{"id":"a","type":"person","nationality":"KR","contacts":["b"]}
{"id":"b","type":"person","nationality":"CN","rank":"senior","contacts":["a","c"]}
{"id":"c","type":"person","nationality":"CN","spouse":"a","contacts":[]}
{"id":"v","type":"venue","operator":"c"}
"#;

    fn with_engine(defs: &str, f: impl FnOnce(&FastEngine<'_>)) {
        let text = format!(
            "entity person {{ nationality: string, rank: string?, spouse: person?, contacts: [person] }}\n\
             entity venue {{ operator: person }}\n{defs}\n\
             rule r {{ flag person p when any c in p.contacts{{1..2}}: d(c) }}"
        );
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", text)]).unwrap_or_else(|e| panic!("{e:?}"));
        let inputs = vec![Ok(Input::new("t.jsonl", PEOPLE.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, rules.program());
        let options = EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() };
        f(&FastEngine::new(rules.program(), &store, options, true));
    }

    /// What calling the def on `r` gives, worked out there and then.
    fn called(engine: &FastEngine<'_>, r: RecordIdx) -> (bool, u64, u64) {
        let d = &engine.program.defs[0];
        let budget = Budget::new(Limits::default(), "def", &d.name, engine.store.id(r));
        let ctx = Ctx { engine, trace: false, budget: &budget };
        let holds = ctx.body(&d.body, d.frame, r, &mut Vec::new()).unwrap_or_else(|e| panic!("{e:?}"));
        let (steps, visited) = budget.spent();
        (holds, steps, visited)
    }

    #[test]
    fn a_local_def_is_worked_out_ahead_for_every_record_of_its_entity() {
        // `or` stops early on some records: two costs, both kept.
        with_engine(r#"def d(p: person) = p.rank == "senior" or p.spouse.nationality == "KR""#, |engine| {
            let Some(Some(answers)) = engine.def_answers.first() else { panic!("not worked out ahead") };
            assert_eq!(answers.costs.len(), 2, "{:?}", answers.costs);
            for id in ["a", "b", "c"] {
                let r = engine.store.lookup(id).unwrap_or_else(|| panic!("{id}"));
                assert_eq!(answers.get(r), Some(called(engine, r)), "{id}");
            }
            let holds: Vec<bool> = ["a", "b", "c"]
                .iter()
                .filter_map(|id| answers.get(engine.store.lookup(id)?).map(|(h, _, _)| h))
                .collect();
            assert_eq!(holds, [false, true, true]);
            // A venue is not a person: left to be worked out when called.
            let venue = engine.store.lookup("v").unwrap_or_else(|| panic!("v"));
            assert_eq!(answers.get(venue), None);
        });
    }

    #[test]
    fn a_walked_link_field_is_read_into_adjacency_arrays() {
        with_engine(r#"def d(p: person) = p.nationality == "KR""#, |engine| {
            let [(_, links)] = engine.adjacency.as_slice() else { panic!("one walked field") };
            let budget = Budget::new(Limits::default(), "rule", "", "");
            let ctx = Ctx { engine, trace: false, budget: &budget };
            let step = engine.program.rules().find_map(|r| match &r.cond {
                Cond::Quant(q) => match &q.range {
                    QRange::Path(Term::Path(p)) => p.steps.last(),
                    _ => None,
                },
                _ => None,
            });
            let step = step.unwrap_or_else(|| panic!("the rule walks"));
            for id in ["a", "b", "c", "v"] {
                let r = engine.store.lookup(id).unwrap_or_else(|| panic!("{id}"));
                let mut read = Vec::new();
                ctx.links_in_record(r, step, |pos, t| read.push((pos as u32, t)));
                assert_eq!(links.links(links.row(r)), read.as_slice(), "{id}");
            }
            let b = engine.store.lookup("b").unwrap_or_else(|| panic!("b"));
            assert_eq!(links.links(links.row(b)).len(), 2);
        });
    }

    #[test]
    fn a_def_that_walks_is_not_worked_out_ahead() {
        for body in [
            r#"any x in p.contacts{1..2}: x.nationality == "KR""#,
            "p.spouse is denied",
            r#"any venue v where v.operator == p: true"#,
        ] {
            with_engine(&format!("def d(p: person) = {body}"), |engine| {
                assert!(matches!(engine.def_answers.first(), Some(None)), "{body}");
            });
        }
    }

    #[test]
    fn an_untyped_def_is_not_worked_out_ahead() {
        let rules = RuleSet::from_sources(vec![SourceFile::new(
            "t.rules",
            "def d(p: person) = p.nationality == \"KR\"\nrule r { flag person p when d(p) }".to_string(),
        )])
        .unwrap_or_else(|e| panic!("{e:?}"));
        let inputs = vec![Ok(Input::new("t.jsonl", PEOPLE.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, rules.program());
        let options = EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() };
        let engine = FastEngine::new(rules.program(), &store, options, false);
        assert!(matches!(engine.def_answers.first(), Some(None)));
    }
}
