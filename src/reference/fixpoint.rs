//! The least fixpoint of each recursive group, the naive way: round after
//! round, every (record, rule) of the group not settled yet is evaluated
//! in the view of the rounds before; what a round fires is applied at its
//! end; a round that fires nothing ends the group. This is the definition
//! the fast engine's semi-naive rounds must agree with.

use crate::eval::{Fault, Judge, MAX_ROUNDS, Standing, View, too_many_rounds};
use crate::records::RecordIdx;

use super::engine::Engine;

impl Engine<'_> {
    /// Works out every recursive group, in dependency order, once.
    pub(crate) fn settle(&self) {
        if !self.fixpoints.begin() {
            return;
        }
        for g in 0..self.fixpoints.groups.len() {
            self.settle_group(g);
        }
    }

    fn settle_group(&self, g: usize) {
        let Some(group) = self.fixpoints.groups.get(g) else { return };
        let pairs: Vec<(RecordIdx, crate::check::RuleId)> = group
            .rules
            .iter()
            .flat_map(|&rule| self.store.of_type(&self.program.rule(rule).record_type).iter().map(move |&r| (r, rule)))
            .collect();
        let max_rounds = self.limits.max_rounds.min(u64::from(MAX_ROUNDS));
        let mut round: u32 = 1;
        loop {
            let view = View { group: g, round };
            let settled: Vec<(RecordIdx, crate::check::RuleId, Result<Standing, Fault>)> = pairs
                .iter()
                .filter(|(rec, rule)| group.is_open(*rule, *rec))
                .map(|&(rec, rule)| (rec, rule, self.fire_in_round(rec, rule, view)))
                .filter(|(_, _, outcome)| !matches!(outcome, Ok(Standing::NotFired)))
                .collect();
            if settled.is_empty() {
                break;
            }
            for (rec, rule, outcome) in settled {
                group.settle(rule, rec, round, outcome);
            }
            if u64::from(round) >= max_rounds {
                let fault = too_many_rounds(self.program, &group.rules, max_rounds);
                for &(rec, rule) in &pairs {
                    if group.is_open(rule, rec) {
                        group.settle(rule, rec, round + 1, Err(fault.clone()));
                    }
                }
                break;
            }
            round += 1;
        }
        group.finish();
    }
}
