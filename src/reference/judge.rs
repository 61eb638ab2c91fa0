//! [`Judge`] for the reference engine: a condition is evaluated by a
//! [`Ctx`] on a budget of its own, and every standing is remembered (one
//! map entry per record and rule), with a marker while it is worked out so
//! that a rule depending on its own verdict is an error, not a loop.

use crate::check::{Program, RuleId};
use crate::date::Date;
use crate::eval::{Evaluator, Fact, Fault, Fixpoints, Judge, Owner, Standing, with_view};
use crate::records::RecordIdx;

use super::engine::Engine;
use super::walk::Ctx;

impl<'a> Judge<'a> for Engine<'a> {
    fn program(&self) -> &'a Program {
        self.program
    }

    fn as_of(&self) -> Date {
        self.as_of
    }

    fn record_id(&self, rec: RecordIdx) -> &'a str {
        self.store.record(rec).id()
    }

    fn rules_of(&self, rec: RecordIdx) -> impl Iterator<Item = RuleId> {
        self.program.rules_for(self.store.record(rec).record_type()).iter().copied()
    }

    fn evaluate(&self, owner: Owner, rec: RecordIdx, trace: bool) -> Result<(bool, Vec<Fact>), Fault> {
        let (cond, frame) = owner.cond(self.program);
        let budget = owner.budget(self.program, self.limits, self.record_id(rec));
        let mut facts = Vec::new();
        let holds = Ctx::new(self, trace, &budget).body(cond, frame, rec, &mut facts)?;
        Ok((holds, facts))
    }

    fn fixpoints(&self) -> &Fixpoints {
        &self.fixpoints
    }

    fn standing(&self, rec: RecordIdx, rule: RuleId) -> Result<Standing, Fault> {
        if let Some(g) = self.program.group_of(rule) {
            self.settle();
            return self.group_standing(rec, rule, g);
        }
        match self.standings.borrow().get(&(rec, rule)) {
            Some(Some(known)) => return Ok(*known),
            Some(None) => return Err(self.cycle(rec, rule)),
            None => {}
        }
        self.standings.borrow_mut().insert((rec, rule), None);
        let worked_out = with_view(None, || self.fire_then_waive(rec, rule));
        match &worked_out {
            Ok(standing) => self.standings.borrow_mut().insert((rec, rule), Some(*standing)),
            Err(_) => self.standings.borrow_mut().remove(&(rec, rule)),
        };
        worked_out
    }
}
