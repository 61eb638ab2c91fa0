//! The engine: a checked program over a record store. Computes each
//! record's verdict once (memoised, so `is denied` on a linked record reuses
//! it), then re-traces only the rules that fired to collect their evidence.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value;

use crate::check::{ExemptionId, Program, RuleId};
use crate::date::Date;
use crate::records::{Entry, RecordIdx, RecordStore};

use crate::eval::{Budget, EvalOptions, Limits};
use crate::eval::{
    Decision, Explanation, Fact, FactKind, Fired, LinkProblem, LinkWarning, Outcome, RuleExplanation, RuleStatus,
    Shown, Verdict, Waived,
};
use crate::eval::{EvalError, EvalErrorKind, Fault};

/// Field value → the records holding it, in input order.
type ReverseIndex<'a> = HashMap<&'a str, Vec<RecordIdx>>;

/// Where a rule stands on a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Being computed: meeting it again means a cycle.
    Running,
    NotFired,
    Fired,
    Waived(ExemptionId),
}

/// Evaluates a [`Program`] over a [`RecordStore`].
pub struct Engine<'a> {
    program: &'a Program,
    store: &'a RecordStore,
    as_of: Date,
    limits: Limits,
    states: RefCell<HashMap<(RecordIdx, RuleId), State>>,
    /// (record type, field) → field value → records, built on first use.
    reverse: RefCell<HashMap<(String, String), Rc<ReverseIndex<'a>>>>,
    warnings: HashMap<RecordIdx, Vec<LinkWarning>>,
    /// Per `and`/`or` chain and term: how often the term decided the chain.
    coverage: Option<RefCell<Vec<Vec<u64>>>>,
}

/// One evaluation: with or without evidence.
pub(crate) struct Ctx<'e, 'a> {
    pub(crate) engine: &'e Engine<'a>,
    pub(crate) trace: bool,
    /// What this evaluation may still spend.
    pub(crate) budget: &'e Budget<'a>,
}

impl<'a> Ctx<'_, 'a> {
    pub(crate) fn store(&self) -> &'a RecordStore {
        self.engine.store
    }

    pub(crate) fn program(&self) -> &'a Program {
        self.engine.program
    }
}

impl<'a> Engine<'a> {
    /// Prepares evaluation; finds the links that lead nowhere.
    pub fn new(program: &'a Program, store: &'a RecordStore, options: EvalOptions) -> Self {
        let warnings = link_warnings(program, store);
        Engine {
            program,
            store,
            as_of: options.as_of,
            limits: Limits::default(),
            states: RefCell::new(HashMap::new()),
            reverse: RefCell::new(HashMap::new()),
            warnings,
            coverage: None,
        }
    }

    /// Sets the per-record limits (default: [`Limits::default`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A budget for a rule's condition on a record.
    fn rule_budget(&self, rec: RecordIdx, rule: RuleId) -> Budget<'a> {
        Budget::new(self.limits, "rule", &self.program.rule(rule).name, self.store.record(rec).id())
    }

    /// A budget for an exemption's condition on a record.
    fn exemption_budget(&self, rec: RecordIdx, x: ExemptionId) -> Budget<'a> {
        Budget::new(self.limits, "exemption", &self.program.exemption(x).name, self.store.record(rec).id())
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

    pub(crate) fn decisive(&self, branch: crate::check::BranchId, term: usize) {
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
                Entry::Record(idx) => match self.verdict(*idx) {
                    Ok(v) => Outcome::Verdict(v),
                    Err(e) => Outcome::EvalError(e),
                },
                Entry::Error(e) => Outcome::RecordError(e),
            })
            .collect()
    }

    /// The verdict on one record, with evidence for every rule that fired.
    pub fn verdict(&self, rec: RecordIdx) -> Result<Verdict, EvalError> {
        self.verdict_inner(rec).map_err(|fault| {
            let r = self.store.record(rec);
            EvalError::new(fault, r.id(), self.store.position(rec))
        })
    }

    fn verdict_inner(&self, rec: RecordIdx) -> Result<Verdict, Fault> {
        let record = self.store.record(rec);
        let mut fired = Vec::new();
        let mut waived = Vec::new();
        let mut decision = Decision::Allow;
        for &rule_id in self.program.rules_for(record.record_type()) {
            let rule = self.program.rule(rule_id);
            match self.state(rec, rule_id)? {
                State::Fired => {
                    decision = decision.max(effect_decision(rule.effect));
                    fired.push(Fired { rule: rule_id, evidence: self.trace_rule(rec, rule_id)? });
                }
                State::Waived(exemption) => waived.push(Waived {
                    rule: rule_id,
                    evidence: self.trace_rule(rec, rule_id)?,
                    exemption,
                    exemption_evidence: self.trace_exemption(rec, exemption)?,
                }),
                State::NotFired | State::Running => {}
            }
        }
        let warnings = self.warnings.get(&rec).cloned().unwrap_or_default();
        Ok(Verdict { record: rec, decision, fired, waived, warnings })
    }

    /// Whether a rule is in force and its condition holds on a record, with
    /// the evidence either way (why it held, or why not).
    pub fn explain_rule(&self, rec: RecordIdx, rule: RuleId) -> Result<(bool, Vec<Fact>), EvalError> {
        let r = self.program.rule(rule);
        let mut facts = Vec::new();
        let budget = self.rule_budget(rec, rule);
        let ctx = Ctx { engine: self, trace: true, budget: &budget };
        ctx.body(&r.cond, r.frame, rec, &mut facts)
            .map(|holds| (holds, facts))
            .map_err(|fault| EvalError::new(fault, self.store.record(rec).id(), self.store.position(rec)))
    }

    /// Explains a record: every rule of its type (or only `only`) with its
    /// standing and evidence, and the linked records whose verdicts those
    /// rules read, to `depth` levels.
    pub fn explain(&self, rec: RecordIdx, only: Option<RuleId>, depth: usize) -> Result<Explanation, EvalError> {
        let mut seen = std::collections::HashSet::from([rec]);
        self.explain_inner(rec, only, depth, &mut seen)
            .map_err(|fault| EvalError::new(fault, self.store.record(rec).id(), self.store.position(rec)))
    }

    fn explain_inner(
        &self,
        rec: RecordIdx,
        only: Option<RuleId>,
        depth: usize,
        seen: &mut std::collections::HashSet<RecordIdx>,
    ) -> Result<Explanation, Fault> {
        let mut rules = Vec::new();
        for &rule in self.program.rules_for(self.store.record(rec).record_type()) {
            if only.is_some_and(|o| o != rule) {
                continue;
            }
            let (status, evidence) = match self.state(rec, rule)? {
                State::Fired => (RuleStatus::Fired, self.trace_rule(rec, rule)?),
                State::Waived(x) => (
                    RuleStatus::Waived { exemption: x, evidence: self.trace_exemption(rec, x)? },
                    self.trace_rule(rec, rule)?,
                ),
                State::NotFired | State::Running if !self.program.rule(rule).in_effect(self.as_of) => {
                    (RuleStatus::NotInEffect, Vec::new())
                }
                State::NotFired | State::Running => (RuleStatus::NotFired, self.trace_rule(rec, rule)?),
            };
            rules.push(RuleExplanation { rule, status, evidence });
        }
        let mut linked = Vec::new();
        if depth > 0 {
            let mut targets = Vec::new();
            for r in &rules {
                read_verdicts(&r.evidence, &mut targets);
                if let RuleStatus::Waived { evidence, .. } = &r.status {
                    read_verdicts(evidence, &mut targets);
                }
            }
            for id in targets {
                if let Some(t) = self.store.lookup(&id)
                    && seen.insert(t)
                {
                    linked.push(self.explain_inner(t, None, depth - 1, seen)?);
                }
            }
        }
        Ok(Explanation { record: rec, decision: self.decision(rec)?, rules, linked })
    }

    /// The day rules are judged against.
    pub fn as_of(&self) -> Date {
        self.as_of
    }

    fn trace_rule(&self, rec: RecordIdx, rule: RuleId) -> Result<Vec<Fact>, Fault> {
        let r = self.program.rule(rule);
        let mut facts = Vec::new();
        let budget = self.rule_budget(rec, rule);
        Ctx { engine: self, trace: true, budget: &budget }.body(&r.cond, r.frame, rec, &mut facts)?;
        Ok(facts)
    }

    fn trace_exemption(&self, rec: RecordIdx, x: ExemptionId) -> Result<Vec<Fact>, Fault> {
        let e = self.program.exemption(x);
        let mut facts = Vec::new();
        let budget = self.exemption_budget(rec, x);
        Ctx { engine: self, trace: true, budget: &budget }.body(&e.cond, e.frame, rec, &mut facts)?;
        Ok(facts)
    }

    /// A rule's standing on a record, computed once.
    fn state(&self, rec: RecordIdx, rule_id: RuleId) -> Result<State, Fault> {
        if let Some(s) = self.states.borrow().get(&(rec, rule_id)) {
            if *s == State::Running {
                let rule = self.program.rule(rule_id);
                return Err(Fault {
                    kind: EvalErrorKind::Cycle,
                    message: format!(
                        "rule `{}` on `{}` depends on its own verdict through linked records",
                        rule.name,
                        self.store.record(rec).id()
                    ),
                });
            }
            return Ok(*s);
        }
        let rule = self.program.rule(rule_id);
        if !rule.in_effect(self.as_of) {
            self.states.borrow_mut().insert((rec, rule_id), State::NotFired);
            return Ok(State::NotFired);
        }
        self.states.borrow_mut().insert((rec, rule_id), State::Running);
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
        match result {
            Ok(state) => {
                self.states.borrow_mut().insert((rec, rule_id), state);
                Ok(state)
            }
            Err(fault) => {
                self.states.borrow_mut().remove(&(rec, rule_id));
                Err(fault)
            }
        }
    }

    /// `is denied by RULE`: the rule fired on the record and was not waived.
    pub(crate) fn rule_fired(&self, rec: RecordIdx, rule: RuleId) -> Result<bool, Fault> {
        Ok(self.state(rec, rule)? == State::Fired)
    }

    /// A record's final decision.
    pub(crate) fn decision(&self, rec: RecordIdx) -> Result<Decision, Fault> {
        let mut decision = Decision::Allow;
        for &rule in self.program.rules_for(self.store.record(rec).record_type()) {
            if self.state(rec, rule)? == State::Fired {
                decision = decision.max(effect_decision(self.program.rule(rule).effect));
            }
        }
        Ok(decision)
    }

    /// Names of the rules that fired (not waived) on a record.
    pub(crate) fn fired_rule_names(&self, rec: RecordIdx) -> Result<Vec<String>, Fault> {
        let mut names = Vec::new();
        for &rule in self.program.rules_for(self.store.record(rec).record_type()) {
            if self.state(rec, rule)? == State::Fired {
                names.push(self.program.rule(rule).name.clone());
            }
        }
        Ok(names)
    }

    /// Records of `record_type` whose `field` holds `key`, in input order.
    pub(crate) fn reverse_lookup(&self, record_type: &str, field: &str, key: &str) -> Vec<RecordIdx> {
        let cache_key = (record_type.to_string(), field.to_string());
        let index = {
            let mut cache = self.reverse.borrow_mut();
            Rc::clone(cache.entry(cache_key).or_insert_with(|| {
                let mut index: ReverseIndex<'a> = HashMap::new();
                for &i in self.store.of_type(record_type) {
                    // A list is indexed by each of its strings (once per record).
                    let keys: Vec<&str> = match self.store.record(i).get(field) {
                        Some(Value::String(s)) => vec![s.as_str()],
                        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                        _ => Vec::new(),
                    };
                    for k in keys {
                        let records = index.entry(k).or_default();
                        if records.last() != Some(&i) {
                            records.push(i);
                        }
                    }
                }
                Rc::new(index)
            }))
        };
        index.get(key).cloned().unwrap_or_default()
    }
}

/// Ids of the records whose verdicts the facts read (`… is denied`), in order.
fn read_verdicts(facts: &[Fact], out: &mut Vec<String>) {
    for f in facts {
        match &f.kind {
            FactKind::Is { subject, .. } => {
                if let Shown::Record { id, .. } = &subject.value
                    && !out.contains(id)
                {
                    out.push(id.clone());
                }
            }
            FactKind::Quantifier { body, .. } | FactKind::Call { body, .. } => read_verdicts(body, out),
            _ => {}
        }
    }
}

fn effect_decision(effect: crate::ast::Effect) -> Decision {
    match effect {
        crate::ast::Effect::Deny => Decision::Deny,
        crate::ast::Effect::Flag => Decision::Flag,
    }
}

/// Every link field value that does not lead to a record (of the declared type).
fn link_warnings(program: &Program, store: &RecordStore) -> HashMap<RecordIdx, Vec<LinkWarning>> {
    let links = program.link_fields();
    let mut out: HashMap<RecordIdx, Vec<LinkWarning>> = HashMap::new();
    for (idx, record) in store.iter() {
        let typed = links.by_type.get(record.record_type());
        let fields: Vec<(&str, Option<&str>)> = match typed {
            Some(fields) => fields.iter().map(|(f, e)| (f.as_str(), e.as_deref())).collect(),
            None if !program.is_typed() => links.any_type.iter().map(|f| (f.as_str(), None)).collect(),
            None => Vec::new(),
        };
        for (field, entity) in fields {
            let values: Vec<&Value> = match record.get(field) {
                None | Some(Value::Null) => continue,
                Some(Value::Array(items)) => items.iter().collect(),
                Some(v) => vec![v],
            };
            for v in values {
                let problem = match v.as_str() {
                    None => Some((v.to_string(), LinkProblem::NotAnId)),
                    Some(id) => match store.lookup(id) {
                        None => Some((id.to_string(), LinkProblem::Missing)),
                        Some(t) => match entity {
                            Some(e) if store.record(t).record_type() != e => Some((
                                id.to_string(),
                                LinkProblem::WrongType {
                                    expected: e.to_string(),
                                    found: store.record(t).record_type().to_string(),
                                },
                            )),
                            _ => None,
                        },
                    },
                };
                if let Some((target, problem)) = problem {
                    // Untyped rule sets follow any string; only flag strings as missing ids.
                    if entity.is_none() && typed.is_none() && problem == LinkProblem::NotAnId {
                        continue;
                    }
                    out.entry(idx).or_default().push(LinkWarning { field: field.to_string(), target, problem });
                }
            }
        }
    }
    for w in out.values_mut() {
        w.sort_by(|a, b| (&a.field, &a.target).cmp(&(&b.field, &b.target)));
    }
    out
}
