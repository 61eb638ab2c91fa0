//! How a record is judged, written once for both engines: a rule in
//! force fires when its condition holds, then the first exemption (in
//! declaration order) whose condition holds waives it; the decision is the
//! strongest effect of the rules that fired and were not waived.
//!
//! An engine says how it evaluates a condition and remembers standings
//! ([`Judge::evaluate`], [`Judge::standing`]); the rest is here.

use crate::ast::Effect;
use crate::check::{Cond, ExemptionId, Program, RuleId};
use crate::date::Date;
use crate::records::RecordIdx;

use super::fixpoint::{Fixpoints, Read, View, with_view};
pub(crate) use super::standing::Standing;
use super::{Budget, Decision, EvalErrorKind, Fact, Fault, Fired, Limits, Waived};

/// Whose condition is evaluated: a rule's or an exemption's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Rule(RuleId),
    Exemption(ExemptionId),
}

impl Owner {
    /// The condition and its frame size.
    pub(crate) fn cond(self, program: &Program) -> (&Cond, usize) {
        match self {
            Owner::Rule(r) => (&program.rule(r).cond, program.rule(r).frame),
            Owner::Exemption(x) => (&program.exemption(x).cond, program.exemption(x).frame),
        }
    }

    /// A fresh budget for this condition on the record `record_id`.
    pub(crate) fn budget<'p>(self, program: &'p Program, limits: Limits, record_id: &'p str) -> Budget<'p> {
        match self {
            Owner::Rule(r) => Budget::new(limits, "rule", &program.rule(r).name, record_id),
            Owner::Exemption(x) => Budget::new(limits, "exemption", &program.exemption(x).name, record_id),
        }
    }
}

/// The verdict on a record, but for its link warnings.
pub(crate) struct Judged {
    pub(crate) decision: Decision,
    pub(crate) fired: Vec<Fired>,
    pub(crate) waived: Vec<Waived>,
}

/// An engine, as far as judging records goes.
pub(crate) trait Judge<'p> {
    fn program(&self) -> &'p Program;
    /// The day `effective` clauses are judged against.
    fn as_of(&self) -> Date;
    fn record_id(&self, rec: RecordIdx) -> &'p str;
    /// The rules of a record's type, in declaration order; an engine may
    /// leave out rules that cannot fire on it.
    fn rules_of(&self, rec: RecordIdx) -> impl Iterator<Item = RuleId>;
    /// Whether a condition holds on a record (on a budget of its own) and,
    /// with `trace`, the evidence for the outcome either way.
    fn evaluate(&self, owner: Owner, rec: RecordIdx, trace: bool) -> Result<(bool, Vec<Fact>), Fault>;
    /// A rule's standing on a record: [`Judge::fire_then_waive`],
    /// remembered as the engine sees fit, cycles detected.
    fn standing(&self, rec: RecordIdx, rule: RuleId) -> Result<Standing, Fault>;
    /// The standings of the recursive groups.
    fn fixpoints(&self) -> &Fixpoints;

    /// Whether verdicts carry evidence (`--no-evidence` turns it off).
    fn with_evidence(&self) -> bool {
        true
    }

    /// A rule's standing, worked out: in force, its condition holds, and
    /// the first exemption whose condition holds waives it.
    fn fire_then_waive(&self, rec: RecordIdx, rule: RuleId) -> Result<Standing, Fault> {
        let r = self.program().rule(rule);
        if !r.in_effect(self.as_of()) || !self.evaluate(Owner::Rule(rule), rec, false)?.0 {
            return Ok(Standing::NotFired);
        }
        for &x in &r.waived_by {
            if self.evaluate(Owner::Exemption(x), rec, false)?.0 {
                return Ok(Standing::Waived(x));
            }
        }
        Ok(Standing::Fired)
    }

    /// A rule of recursive group `g` on a record: as its group settled it,
    /// or as the current view of the group sees it.
    fn group_standing(&self, rec: RecordIdx, rule: RuleId, g: usize) -> Result<Standing, Fault> {
        match self.fixpoints().read(g, rule, rec) {
            Read::Known(standing) => standing,
            Read::Unsettled => Err(self.cycle(rec, rule)),
        }
    }

    /// A rule of a recursive group in the round `view` names: its condition
    /// read in that view, then its exemptions (which read no verdict of
    /// the group, or the checker refuses the cycle) outside any view.
    fn fire_in_round(&self, rec: RecordIdx, rule: RuleId, view: View) -> Result<Standing, Fault> {
        let r = self.program().rule(rule);
        if !r.in_effect(self.as_of()) || !with_view(Some(view), || self.evaluate(Owner::Rule(rule), rec, false))?.0 {
            return Ok(Standing::NotFired);
        }
        with_view(None, || {
            for &x in &r.waived_by {
                if self.evaluate(Owner::Exemption(x), rec, false)?.0 {
                    return Ok(Standing::Waived(x));
                }
            }
            Ok(Standing::Fired)
        })
    }

    /// The view a condition's evidence is evaluated in: for a rule of a
    /// recursive group, the round it was settled in (its derivation then),
    /// or every round when it did not fire; none for other conditions.
    fn evidence_view(&self, owner: Owner, rec: RecordIdx) -> Option<View> {
        let Owner::Rule(rule) = owner else { return None };
        let group = self.program().group_of(rule)?;
        let round = self.fixpoints().groups.get(group)?.round(rule, rec);
        Some(View { group, round: if round == 0 { u32::MAX } else { round } })
    }

    /// Why a condition held (or did not), if verdicts carry evidence.
    fn evidence(&self, owner: Owner, rec: RecordIdx) -> Result<Vec<Fact>, Fault> {
        if !self.with_evidence() {
            return Ok(Vec::new());
        }
        Ok(with_view(self.evidence_view(owner, rec), || self.evaluate(owner, rec, true))?.1)
    }

    /// `is denied by RULE`: the rule fired on the record and was not waived.
    fn rule_fired(&self, rec: RecordIdx, rule: RuleId) -> Result<bool, Fault> {
        Ok(self.standing(rec, rule)? == Standing::Fired)
    }

    /// A record's final decision (an engine may remember it).
    fn decision(&self, rec: RecordIdx) -> Result<Decision, Fault> {
        self.decide(rec)
    }

    /// A record's final decision, worked out: the strongest effect of the
    /// rules that fired and were not waived.
    fn decide(&self, rec: RecordIdx) -> Result<Decision, Fault> {
        let mut decision = Decision::Allow;
        for rule in self.rules_of(rec) {
            if self.standing(rec, rule)? == Standing::Fired {
                decision = decision.max(self.program().rule(rule).effect.into());
            }
        }
        Ok(decision)
    }

    /// The names of the rules that fired on a record and were not waived.
    fn fired_rule_names(&self, rec: RecordIdx) -> Result<Vec<String>, Fault> {
        let mut names = Vec::new();
        for rule in self.rules_of(rec) {
            if self.standing(rec, rule)? == Standing::Fired {
                names.push(self.program().rule(rule).name.clone());
            }
        }
        Ok(names)
    }

    /// A record's decision and every rule that fired, with evidence.
    fn judge(&self, rec: RecordIdx) -> Result<Judged, Fault> {
        let mut judged = Judged { decision: Decision::Allow, fired: Vec::new(), waived: Vec::new() };
        for rule in self.rules_of(rec) {
            match self.standing(rec, rule)? {
                Standing::Fired => {
                    judged.decision = judged.decision.max(self.program().rule(rule).effect.into());
                    judged.fired.push(Fired { rule, evidence: self.evidence(Owner::Rule(rule), rec)? });
                }
                Standing::Waived(exemption) => judged.waived.push(Waived {
                    rule,
                    evidence: self.evidence(Owner::Rule(rule), rec)?,
                    exemption,
                    exemption_evidence: self.evidence(Owner::Exemption(exemption), rec)?,
                }),
                Standing::NotFired => {}
            }
        }
        Ok(judged)
    }

    /// The error for a rule met again while it is being worked out.
    fn cycle(&self, rec: RecordIdx, rule: RuleId) -> Fault {
        Fault {
            kind: EvalErrorKind::Cycle,
            message: format!(
                "rule `{}` on `{}` depends on its own verdict through linked records",
                self.program().rule(rule).name,
                self.record_id(rec)
            ),
        }
    }
}

impl From<Effect> for Decision {
    fn from(effect: Effect) -> Decision {
        match effect {
            Effect::Deny => Decision::Deny,
            Effect::Flag => Decision::Flag,
        }
    }
}
