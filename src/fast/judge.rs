//! [`Judge`] for the fast engine: a condition is evaluated by a [`Ctx`] on
//! a budget of its own; a record's decision is remembered in one byte, and
//! the standings of the rules named in `is … by RULE` in one byte each.
//! Threads that race to work out the same one get the same answer, so
//! nothing waits; a per-thread stack finds a rule that depends on its own
//! verdict through linked records.

use std::cell::RefCell;
use std::sync::atomic::Ordering;

use super::engine::{Evidence, FastEngine};
use super::walk::Ctx;
use crate::check::{ExemptionId, Program, RuleId};
use crate::date::Date;
use crate::eval::{Decision, Evaluator, Fact, Fault, Fixpoints, Judge, Owner, Standing, current_view, with_view};
use crate::records::{RecordIdx, Records};

thread_local! {
    /// (record, rule) pairs being worked out on this thread: meeting one
    /// again is a cycle through the records.
    static STACK: RefCell<Vec<(RecordIdx, RuleId)>> = const { RefCell::new(Vec::new()) };
}

impl<'s> Judge<'s> for FastEngine<'s> {
    fn program(&self) -> &'s Program {
        self.program
    }

    fn as_of(&self) -> Date {
        self.as_of
    }

    fn record_id(&self, rec: RecordIdx) -> &'s str {
        self.store.id(rec)
    }

    fn rules_of(&self, rec: RecordIdx) -> impl Iterator<Item = RuleId> {
        self.candidates(rec).into_iter()
    }

    fn evaluate(&self, owner: Owner, rec: RecordIdx, trace: bool) -> Result<(bool, Vec<Fact>), Fault> {
        let (cond, frame) = owner.cond(self.program);
        let budget = owner.budget(self.program, self.limits, self.store.id(rec));
        let ctx = Ctx { engine: self, trace, budget: &budget };
        if !trace && let Some(holds) = ctx.quick_body(cond, rec)? {
            return Ok((holds, Vec::new()));
        }
        let mut facts = Vec::new();
        let holds = ctx.body(cond, frame, rec, &mut facts)?;
        Ok((holds, facts))
    }

    fn with_evidence(&self) -> bool {
        self.evidence == Evidence::Full
    }

    fn fixpoints(&self) -> &Fixpoints {
        &self.fixpoints
    }

    fn standing(&self, rec: RecordIdx, rule: RuleId) -> Result<Standing, Fault> {
        if let Some(g) = self.program.group_of(rule) {
            return self.group_standing(rec, rule, g);
        }
        let memo = self.by_standings.get(&rule).map(|v| &v[rec.index()]);
        if let Some(known) = memo.and_then(|m| decode(m.load(Ordering::Relaxed))) {
            return Ok(known);
        }
        if self.rule_reads_verdicts.get(rule.0 as usize) == Some(&false) {
            // No verdict is read on the way: the rule cannot meet itself
            // again, and no round's view can change what it sees.
            let worked_out = self.fire_then_waive(rec, rule);
            if let (Ok(standing), Some(m)) = (&worked_out, memo) {
                m.store(encode(*standing), Ordering::Relaxed);
            }
            return worked_out;
        }
        let on_stack = STACK.with(|s| {
            let mut stack = s.borrow_mut();
            let on = stack.contains(&(rec, rule));
            if !on {
                stack.push((rec, rule));
            }
            on
        });
        if on_stack {
            return Err(self.cycle(rec, rule));
        }
        let worked_out = with_view(None, || self.fire_then_waive(rec, rule));
        STACK.with(|s| s.borrow_mut().pop());
        if let (Ok(standing), Some(m)) = (&worked_out, memo) {
            m.store(encode(*standing), Ordering::Relaxed);
        }
        worked_out
    }

    fn decision(&self, rec: RecordIdx) -> Result<Decision, Fault> {
        // Inside a recursive group's round a decision is as that round
        // sees it: worked out afresh, never remembered.
        if current_view().is_some() {
            return self.decide(rec);
        }
        if let Some(known) = self.known_decision(rec) {
            return Ok(known);
        }
        let decision = self.decide(rec)?;
        self.remember_decision(rec, decision);
        Ok(decision)
    }
}

/// A standing in one byte (0: not worked out).
fn encode(s: Standing) -> u8 {
    match s {
        Standing::NotFired => 1,
        Standing::Fired => 2,
        Standing::Waived(x) => 3 + u8::try_from(x.0).unwrap_or(u8::MAX - 3),
    }
}

fn decode(b: u8) -> Option<Standing> {
    match b {
        0 => None,
        1 => Some(Standing::NotFired),
        2 => Some(Standing::Fired),
        b => Some(Standing::Waived(ExemptionId(u32::from(b - 3)))),
    }
}
