//! The least fixpoint of each recursive group, semi-naively: round 1
//! evaluates every (record, rule) of the group; an evaluation that does
//! not fire remembers the (record, rule) pairs of the group it read, and is
//! evaluated again in round k only when one of them was settled in round
//! k − 1. Evaluation is deterministic and reads the group only through
//! those lookups, so an evaluation skipped would have found what it found
//! before: the fires, their rounds and so their evidence are the reference
//! engine's (`reference/fixpoint.rs`, every open pair every round). A
//! round's outcomes are applied at its end, as there.

use std::collections::HashMap;

use rayon::prelude::*;

use super::engine::FastEngine;
use crate::check::RuleId;
use crate::eval::{Fault, Judge, MAX_ROUNDS, Standing, View, record_lookups, too_many_rounds};
use crate::records::RecordIdx;

/// What one round's evaluation of a pair found: its index, its outcome and
/// the pairs of the group it read.
type Evaluated = (u32, Result<Standing, Fault>, Vec<(RecordIdx, RuleId)>);

impl FastEngine<'_> {
    /// Works out every recursive group, in dependency order, once; judging
    /// calls it first (`check` before its threads start, so the rounds run
    /// on every core).
    pub fn settle(&self) {
        self.settled.get_or_init(|| {
            self.build_closures();
            if self.fixpoints.begin() {
                for g in 0..self.fixpoints.groups.len() {
                    self.settle_group(g);
                }
            }
        });
    }

    /// The (record, rule) pairs of group `g` that can fire: each rule of it
    /// on the records of its type for which it is a candidate.
    fn group_pairs(&self, g: usize) -> Vec<(RecordIdx, RuleId)> {
        let Some(group) = self.fixpoints.groups.get(g) else { return Vec::new() };
        let mut pairs = Vec::new();
        for &rule in &group.rules {
            let of_type = self.of_type(&self.program.rule(rule).record_type);
            pairs.extend(
                of_type.iter().filter(|&&r| self.candidates(r).into_iter().any(|c| c == rule)).map(|&r| (r, rule)),
            );
        }
        pairs
    }

    fn settle_group(&self, g: usize) {
        let Some(group) = self.fixpoints.groups.get(g) else { return };
        let pairs = self.group_pairs(g);
        let index: HashMap<(RecordIdx, RuleId), u32> = pairs.iter().enumerate().map(|(i, p)| (*p, i as u32)).collect();
        // Per pair not fired: the open pairs whose evaluation read it.
        let mut waiters: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut frontier: Vec<u32> = (0..pairs.len() as u32).collect();
        let max_rounds = self.limits.max_rounds.min(u64::from(MAX_ROUNDS));
        let mut round: u32 = 1;
        while !frontier.is_empty() {
            let view = View { group: g, round };
            let evaluate = |&p: &u32| -> Option<Evaluated> {
                let (rec, rule) = *pairs.get(p as usize)?;
                let (outcome, read) = record_lookups(|| self.fire_in_round(rec, rule, view));
                Some((p, outcome, read))
            };
            let open = |p: &&u32| pairs.get(**p as usize).is_some_and(|&(rec, rule)| group.is_open(rule, rec));
            let evaluated: Vec<Evaluated> = if rayon::current_thread_index().is_some() {
                frontier.iter().filter(open).filter_map(evaluate).collect()
            } else {
                frontier.par_iter().filter(open).filter_map(evaluate).collect()
            };
            let mut changed = Vec::new();
            for (p, outcome, read) in evaluated {
                if matches!(outcome, Ok(Standing::NotFired)) {
                    for target in read.iter().filter_map(|t| index.get(t)) {
                        waiters.entry(*target).or_default().push(p);
                    }
                } else if let Some(&(rec, rule)) = pairs.get(p as usize) {
                    group.settle(rule, rec, round, outcome);
                    changed.push(p);
                }
            }
            if !changed.is_empty() && u64::from(round) >= max_rounds {
                let fault = too_many_rounds(self.program, &group.rules, max_rounds);
                for &(rec, rule) in pairs.iter().filter(|(rec, rule)| group.is_open(*rule, *rec)) {
                    group.settle(rule, rec, round + 1, Err(fault.clone()));
                }
                break;
            }
            frontier = changed.iter().filter_map(|p| waiters.remove(p)).flatten().collect();
            frontier.sort_unstable();
            frontier.dedup();
            round += 1;
        }
        group.finish();
    }
}
