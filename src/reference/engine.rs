//! The reference engine: a checked program over a record store, one
//! record at a time. Each (record, rule) standing is worked out once and
//! remembered, so `is denied` on a linked record reuses it; only the rules
//! that fired are traced again for their evidence.
//!
//! How a record is judged is [`crate::eval::Judge`]'s (implemented for
//! [`Engine`] in `judge.rs`); this file holds the engine's state and its
//! public API.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde_json::Value;

use crate::check::{BranchId, ExemptionId, Program, RuleId};
use crate::date::Date;
use crate::eval::{
    EvalError, EvalOptions, ExemptionExplanation, ExemptionStatus, Explanation, Fact, FactKind, Fault, Fixpoints,
    Judge, Limits, LinkProblem, LinkWarning, Outcome, Owner, ReverseIndex, RuleExplanation, RuleStatus, Shown,
    Standing, Verdict, data_warnings, unfit_error,
};
use crate::records::{Entry, RecordIdx, RecordStore};

/// Evaluates a [`Program`] over a [`RecordStore`].
pub struct Engine<'a> {
    pub(crate) program: &'a Program,
    pub(crate) store: &'a RecordStore,
    pub(crate) as_of: Date,
    pub(crate) limits: Limits,
    /// Each (record, rule) standing worked out; `None` while it is being
    /// worked out (meeting it again then is a cycle).
    pub(crate) standings: RefCell<HashMap<(RecordIdx, RuleId), Option<Standing>>>,
    /// (record type, field) → field value → records, built on first use.
    reverse: RefCell<HashMap<(String, String), Rc<ReverseIndex<'a>>>>,
    /// Link warnings and data warnings (fields that do not fit the declarations).
    warnings: HashMap<RecordIdx, Vec<LinkWarning>>,
    /// `--strict`: a record that does not fit its declaration gets an error.
    strict: bool,
    /// Per `and`/`or` chain and term: how often the term decided the chain.
    coverage: Option<RefCell<Vec<Vec<u64>>>>,
    /// Set while `explain` traces: quantifiers then keep the elements that
    /// did not satisfy them (why-not inside quantifiers), which verdicts
    /// never carry.
    pub(crate) examining: Cell<bool>,
    /// `explain --full`: chains are shown whole, their middle never left out.
    pub(crate) full_chains: bool,
    /// The standings of the recursive groups, worked out on first need.
    pub(crate) fixpoints: Fixpoints,
}

impl<'a> Engine<'a> {
    /// Prepares evaluation; finds the links that lead nowhere and the
    /// fields that do not fit the `entity` declarations.
    pub fn new(program: &'a Program, store: &'a RecordStore, options: EvalOptions) -> Self {
        let mut warnings = link_warnings(program, store);
        for (idx, data) in data_warnings(program, store) {
            let all = warnings.entry(idx).or_default();
            all.extend(data);
            LinkWarning::sort(all);
        }
        Engine {
            program,
            store,
            as_of: options.as_of,
            limits: Limits::default(),
            standings: RefCell::new(HashMap::new()),
            reverse: RefCell::new(HashMap::new()),
            warnings,
            strict: false,
            coverage: None,
            examining: Cell::new(false),
            full_chains: false,
            fixpoints: Fixpoints::new(program, store.len()),
        }
    }

    /// `--strict`: a record that does not fit its `entity` declaration gets
    /// an error instead of a verdict (default: the misfits are warnings).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Shows every hop of a long chain (`explain --full`); by default its
    /// middle is left out (see [`crate::eval::CHAIN_ENDS`]).
    pub fn full_chains(mut self, full: bool) -> Self {
        self.full_chains = full;
        self
    }

    /// With [`Engine::strict`], the error a record that does not fit its
    /// declaration gets in place of its verdict.
    pub fn unfit(&self, rec: RecordIdx) -> Option<crate::records::RecordError> {
        let warnings = self.warnings.get(&rec).filter(|_| self.strict)?;
        unfit_error(self.store.record(rec).id(), self.store.position(rec), warnings)
    }

    /// A record's warnings: links that lead nowhere, fields that do not fit.
    pub fn warnings(&self, rec: RecordIdx) -> &[LinkWarning] {
        self.warnings.get(&rec).map_or(&[], Vec::as_slice)
    }

    /// Sets the per-record limits (default: [`Limits::default`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Counts, from now on, which `and`/`or` terms decide their chain (the
    /// first false term of an `and`, the first true term of an `or`).
    pub fn record_coverage(&mut self) {
        let counts = self.program.branches().iter().map(|b| vec![0; b.terms.len()]).collect();
        self.coverage = Some(RefCell::new(counts));
    }

    /// How often each term decided its chain, by [`Program::branches`] index.
    pub fn coverage(&self) -> Option<Vec<Vec<u64>>> {
        self.coverage.as_ref().map(|c| c.borrow().clone())
    }

    pub(crate) fn decisive(&self, branch: BranchId, term: usize) {
        if let Some(c) = &self.coverage
            && let Some(n) = c.borrow_mut().get_mut(branch.0 as usize).and_then(|b| b.get_mut(term))
        {
            *n += 1;
        }
    }

    /// One outcome per input record, in input order.
    pub fn evaluate(&self) -> Vec<Outcome<'a>> {
        self.store
            .entries()
            .iter()
            .map(|entry| match entry {
                Entry::Record(idx) => match self.unfit(*idx) {
                    Some(unfit) => Outcome::RecordError(Cow::Owned(unfit)),
                    None => match self.verdict(*idx) {
                        Ok(v) => Outcome::Verdict(v),
                        Err(e) => Outcome::EvalError(e),
                    },
                },
                Entry::Error(e) => Outcome::RecordError(Cow::Borrowed(e)),
            })
            .collect()
    }

    /// The verdict on one record, with evidence for every rule that fired.
    pub fn verdict(&self, rec: RecordIdx) -> Result<Verdict, EvalError> {
        self.settle();
        let judged = self.judge(rec).map_err(|fault| self.error(rec, fault))?;
        let warnings = self.warnings.get(&rec).cloned().unwrap_or_default();
        Ok(Verdict { record: rec, decision: judged.decision, fired: judged.fired, waived: judged.waived, warnings })
    }

    fn error(&self, rec: RecordIdx, fault: Fault) -> EvalError {
        EvalError::new(fault, self.store.record(rec).id(), self.store.position(rec))
    }

    /// Explains a record: every rule of its type (or only `only`) with its
    /// standing and evidence, and the linked records whose verdicts those
    /// rules read, to `depth` levels.
    pub fn explain(&self, rec: RecordIdx, only: Option<RuleId>, depth: usize) -> Result<Explanation, EvalError> {
        self.settle();
        let mut seen = HashSet::from([rec]);
        self.examining.set(true);
        let explained = self.explain_record(rec, only, depth, &mut seen);
        self.examining.set(false);
        explained.map_err(|fault| self.error(rec, fault))
    }

    /// Explains one exemption on a record: whether it applies (its evidence)
    /// or not (the part of its condition that was false, with the values
    /// seen), or that it is for another type of record; and the linked
    /// records whose verdicts its condition read, to `depth` levels.
    pub fn explain_exemption(
        &self,
        rec: RecordIdx,
        exemption: ExemptionId,
        depth: usize,
    ) -> Result<Explanation, EvalError> {
        self.settle();
        let mut seen = HashSet::from([rec]);
        self.examining.set(true);
        let explained = self.exemption_standing(rec, exemption).and_then(|x| {
            let mut ids = Vec::new();
            read_verdicts(&x.evidence, &mut ids);
            let linked = self.explain_linked(&ids, depth, &mut seen)?;
            Ok(Explanation {
                record: rec,
                decision: self.decision(rec)?,
                rules: Vec::new(),
                exemptions: vec![x],
                warnings: self.warnings(rec).to_vec(),
                linked,
            })
        });
        self.examining.set(false);
        explained.map_err(|fault| self.error(rec, fault))
    }

    fn explain_record(
        &self,
        rec: RecordIdx,
        only: Option<RuleId>,
        depth: usize,
        seen: &mut HashSet<RecordIdx>,
    ) -> Result<Explanation, Fault> {
        let mut rules = Vec::new();
        for rule in self.rules_of(rec).filter(|r| only.is_none_or(|o| o == *r)) {
            rules.push(self.explain_rule(rec, rule)?);
        }
        let linked = self.explain_linked(&read_verdicts_of(&rules), depth, seen)?;
        let warnings = self.warnings(rec).to_vec();
        Ok(Explanation { record: rec, decision: self.decision(rec)?, rules, exemptions: Vec::new(), warnings, linked })
    }

    /// The records with these ids not explained yet, each explained to
    /// `depth - 1` levels (none when `depth` is 0).
    fn explain_linked(
        &self,
        ids: &[String],
        depth: usize,
        seen: &mut HashSet<RecordIdx>,
    ) -> Result<Vec<Explanation>, Fault> {
        let mut linked = Vec::new();
        if depth == 0 {
            return Ok(linked);
        }
        for id in ids {
            if let Some(t) = self.store.lookup(id)
                && seen.insert(t)
            {
                linked.push(self.explain_record(t, None, depth - 1, seen)?);
            }
        }
        Ok(linked)
    }

    /// Where one exemption stands on a record, with the evidence either way.
    pub(crate) fn exemption_standing(&self, rec: RecordIdx, x: ExemptionId) -> Result<ExemptionExplanation, Fault> {
        let exemption = self.program.exemption(x);
        if exemption.record_type != self.store.record(rec).record_type() {
            let status = ExemptionStatus::OtherType;
            return Ok(ExemptionExplanation { exemption: x, status, evidence: Vec::new(), waived: Vec::new() });
        }
        let (holds, evidence) = Judge::evaluate(self, Owner::Exemption(x), rec, true)?;
        let mut waived = Vec::new();
        for &rule in &exemption.rules {
            if self.standing(rec, rule)? == Standing::Waived(x) {
                waived.push(rule);
            }
        }
        let status = if holds { ExemptionStatus::Applies } else { ExemptionStatus::DoesNotApply };
        Ok(ExemptionExplanation { exemption: x, status, evidence, waived })
    }

    /// Where one rule stands on a record, with the evidence either way.
    fn explain_rule(&self, rec: RecordIdx, rule: RuleId) -> Result<RuleExplanation, Fault> {
        let (status, evidence) = match self.standing(rec, rule)? {
            Standing::Fired => (RuleStatus::Fired, self.evidence(Owner::Rule(rule), rec)?),
            Standing::Waived(x) => (
                RuleStatus::Waived { exemption: x, evidence: self.evidence(Owner::Exemption(x), rec)? },
                self.evidence(Owner::Rule(rule), rec)?,
            ),
            Standing::NotFired if !self.program.rule(rule).in_effect(self.as_of) => {
                (RuleStatus::NotInEffect, Vec::new())
            }
            Standing::NotFired => (RuleStatus::NotFired, self.evidence(Owner::Rule(rule), rec)?),
        };
        Ok(RuleExplanation { rule, status, evidence })
    }

    /// The day rules are judged against.
    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// Records of `record_type` whose `field` holds `key`, in input order.
    pub(crate) fn reverse_lookup(&self, record_type: &str, field: &str, key: &str) -> Vec<RecordIdx> {
        let cache_key = (record_type.to_string(), field.to_string());
        let index = {
            let mut cache = self.reverse.borrow_mut();
            Rc::clone(cache.entry(cache_key).or_insert_with(|| Rc::new(self.reverse_index(record_type, field))))
        };
        index.get(key).to_vec()
    }

    /// `field`'s values on the records of `record_type` → those records.
    fn reverse_index(&self, record_type: &str, field: &str) -> ReverseIndex<'a> {
        ReverseIndex::new(self.store.of_type(record_type).iter().map(|&i| {
            // A list is indexed by each of its strings.
            let keys: Vec<&'a str> = match self.store.record(i).get(field) {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            (i, keys)
        }))
    }
}

/// Ids of the records whose verdicts the rules' evidence read, in order.
fn read_verdicts_of(rules: &[RuleExplanation]) -> Vec<String> {
    let mut targets = Vec::new();
    for r in rules {
        read_verdicts(&r.evidence, &mut targets);
        if let RuleStatus::Waived { evidence, .. } = &r.status {
            read_verdicts(evidence, &mut targets);
        }
    }
    targets
}

/// Ids of the records whose verdicts the facts read (`… is denied`), in
/// order: a record, or an id read from a field (untyped rule sets), also
/// inside a sum's filter — so a recursive rule's derivation is a tree.
fn read_verdicts(facts: &[Fact], out: &mut Vec<String>) {
    for f in facts {
        match &f.kind {
            FactKind::Is { subject, .. } => {
                let id = match &subject.value {
                    Shown::Record { id, .. } => Some(&**id),
                    Shown::Value(Value::String(id)) => Some(id.as_str()),
                    Shown::Text(id) => Some(&**id),
                    _ => None,
                };
                if let Some(id) = id
                    && !out.iter().any(|o| o == id)
                {
                    out.push(id.to_string());
                }
            }
            FactKind::Quantifier { body, .. } | FactKind::Call { body, .. } | FactKind::Sum { body, .. } => {
                read_verdicts(body, out)
            }
            _ => {}
        }
    }
}

/// Every link field value that does not lead to a record (of the declared type).
fn link_warnings(program: &Program, store: &RecordStore) -> HashMap<RecordIdx, Vec<LinkWarning>> {
    let mut out: HashMap<RecordIdx, Vec<LinkWarning>> = HashMap::new();
    for (idx, record) in store.iter() {
        let typed = program.link_fields().by_type.contains_key(record.record_type());
        for (field, entity) in program.checked_links(record.record_type()) {
            let values: Vec<&Value> = match record.get(field) {
                None | Some(Value::Null) => continue,
                Some(Value::Array(items)) => items.iter().collect(),
                Some(v) => vec![v],
            };
            for v in values {
                let problem = match v.as_str() {
                    // Untyped rule sets follow any string; only strings can be missing ids.
                    None if entity.is_none() && !typed => None,
                    None => Some((v.to_string(), LinkProblem::NotAnId)),
                    Some(id) => {
                        let found = store.lookup(id).map(|t| store.record(t).record_type());
                        LinkProblem::of_id(found, entity).map(|p| (id.to_string(), p))
                    }
                };
                if let Some((target, problem)) = problem {
                    out.entry(idx).or_default().push(LinkWarning { field: field.to_string(), target, problem });
                }
            }
        }
    }
    out.values_mut().for_each(|w| LinkWarning::sort(w));
    out
}
