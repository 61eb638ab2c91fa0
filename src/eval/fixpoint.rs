//! Recursive groups (rules that read one another's verdicts positively)
//! mean their least fixpoint, reached in rounds: round 1 fires every
//! (record, rule) whose condition holds when no rule of the group has
//! fired; round k fires those whose condition holds when `is …` reads the
//! fires (less waivers) of rounds before k; a round that adds nothing ends
//! it. The standings of a group live here, each with the round it was
//! settled in, for both engines; each engine runs the rounds its own way.
//!
//! While a condition of the group is evaluated for round k, `is` reads the
//! group through a *view*: only what rounds before k fired. A fire's
//! evidence is its condition evaluated again in that view, so it is the
//! derivation of the round it first fired in: the shortest one.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::check::{ExemptionId, Program, RuleId};
use crate::records::RecordIdx;

use super::error::{EvalErrorKind, Fault};
use super::standing::Standing;

/// Which fires of a group a condition sees: those of rounds before `round`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct View {
    pub(crate) group: usize,
    pub(crate) round: u32,
}

thread_local! {
    /// The view of the condition being evaluated on this thread, if it is
    /// one of a group's during its rounds (or a fire's evidence).
    static VIEW: Cell<Option<View>> = const { Cell::new(None) };
    /// With [`record_lookups`]: the (record, rule) pairs of the viewed
    /// group that the evaluation read.
    static LOOKUPS: RefCell<Option<Vec<(RecordIdx, RuleId)>>> = const { RefCell::new(None) };
}

/// Runs `f` with `view` as this thread's view, then restores the one before.
pub(crate) fn with_view<T>(view: Option<View>, f: impl FnOnce() -> T) -> T {
    let before = VIEW.with(|v| v.replace(view));
    let out = f();
    VIEW.with(|v| v.set(before));
    out
}

/// This thread's view.
pub(crate) fn current_view() -> Option<View> {
    VIEW.with(Cell::get)
}

/// Runs `f` and returns, beside its result, the pairs of the viewed group
/// it read (the fast engine re-evaluates a condition only when one of
/// them fires).
pub(crate) fn record_lookups<T>(f: impl FnOnce() -> T) -> (T, Vec<(RecordIdx, RuleId)>) {
    let before = LOOKUPS.with(|l| l.replace(Some(Vec::new())));
    let out = f();
    let read = LOOKUPS.with(|l| l.replace(before)).unwrap_or_default();
    (out, read)
}

fn note_lookup(rec: RecordIdx, rule: RuleId) {
    LOOKUPS.with(|l| {
        if let Some(read) = l.borrow_mut().as_mut() {
            read.push((rec, rule));
        }
    });
}

/// How a pair was settled, in the low two bits of its code (the round is
/// above them; 0 is a pair not fired so far).
const FIRED: u32 = 1;
const WAIVED: u32 = 2;
const FAULTED: u32 = 3;

/// The most rounds a code can hold.
pub(crate) const MAX_ROUNDS: u32 = u32::MAX >> 3;

/// One recursive group: its rules and, per rule and record, how and in
/// which round it was settled.
pub(crate) struct Group {
    pub(crate) rules: Vec<RuleId>,
    /// Per rule of the group (in `rules` order), per record: the code.
    codes: Vec<Vec<AtomicU32>>,
    waivers: Mutex<HashMap<(RecordIdx, RuleId), ExemptionId>>,
    faults: Mutex<HashMap<(RecordIdx, RuleId), Fault>>,
    settled: AtomicBool,
}

/// What a group's standing read gives.
pub(crate) enum Read {
    Known(Result<Standing, Fault>),
    /// The group is being worked out and this evaluation is not one of its
    /// own: the verdict depends on itself through records the checker
    /// could not see (without entity declarations).
    Unsettled,
}

/// Every recursive group of a program, for one store.
pub(crate) struct Fixpoints {
    pub(crate) groups: Vec<Group>,
    started: AtomicBool,
}

impl Fixpoints {
    pub(crate) fn new(program: &Program, records: usize) -> Fixpoints {
        let group = |rules: &Vec<RuleId>| Group {
            rules: rules.clone(),
            codes: rules.iter().map(|_| (0..records).map(|_| AtomicU32::new(0)).collect()).collect(),
            waivers: Mutex::new(HashMap::new()),
            faults: Mutex::new(HashMap::new()),
            settled: AtomicBool::new(false),
        };
        Fixpoints { groups: program.groups.iter().map(group).collect(), started: AtomicBool::new(false) }
    }

    /// Marks the rounds as begun; false when they already had.
    pub(crate) fn begin(&self) -> bool {
        !self.started.swap(true, Ordering::AcqRel)
    }

    /// Rule `rule` (of group `g`) on `rec`, as the current view sees it.
    pub(crate) fn read(&self, g: usize, rule: RuleId, rec: RecordIdx) -> Read {
        let Some(group) = self.groups.get(g) else { return Read::Known(Ok(Standing::NotFired)) };
        let limit = match current_view() {
            Some(view) if view.group == g => {
                note_lookup(rec, rule);
                view.round
            }
            _ if group.settled.load(Ordering::Acquire) => u32::MAX,
            _ => return Read::Unsettled,
        };
        Read::Known(group.standing_before(rule, rec, limit))
    }
}

impl Group {
    fn code(&self, rule: RuleId, rec: RecordIdx) -> Option<&AtomicU32> {
        let pos = self.rules.iter().position(|r| *r == rule)?;
        self.codes.get(pos)?.get(rec.index())
    }

    /// The round a pair was settled in (0: not settled).
    pub(crate) fn round(&self, rule: RuleId, rec: RecordIdx) -> u32 {
        self.code(rule, rec).map_or(0, |c| c.load(Ordering::Acquire) >> 2)
    }

    /// Whether a pair is still open (not fired, waived or faulted).
    pub(crate) fn is_open(&self, rule: RuleId, rec: RecordIdx) -> bool {
        self.round(rule, rec) == 0
    }

    /// A pair's standing counting only what rounds before `limit` settled.
    fn standing_before(&self, rule: RuleId, rec: RecordIdx, limit: u32) -> Result<Standing, Fault> {
        let code = self.code(rule, rec).map_or(0, |c| c.load(Ordering::Acquire));
        let round = code >> 2;
        if round == 0 || round >= limit {
            return Ok(Standing::NotFired);
        }
        match code & 3 {
            FIRED => Ok(Standing::Fired),
            WAIVED => Ok(self.lock_waivers().get(&(rec, rule)).map_or(Standing::NotFired, |x| Standing::Waived(*x))),
            _ => Err(self.lock_faults().get(&(rec, rule)).cloned().unwrap_or_else(|| unsettled(rule))),
        }
    }

    /// Settles a pair in `round` (a standing of `NotFired` leaves it open).
    pub(crate) fn settle(&self, rule: RuleId, rec: RecordIdx, round: u32, outcome: Result<Standing, Fault>) {
        let kind = match outcome {
            Ok(Standing::NotFired) => return,
            Ok(Standing::Fired) => FIRED,
            Ok(Standing::Waived(x)) => {
                self.lock_waivers().insert((rec, rule), x);
                WAIVED
            }
            Err(fault) => {
                self.lock_faults().insert((rec, rule), fault);
                FAULTED
            }
        };
        if let Some(c) = self.code(rule, rec) {
            c.store((round.min(MAX_ROUNDS) << 2) | kind, Ordering::Release);
        }
    }

    /// The rounds are over.
    pub(crate) fn finish(&self) {
        self.settled.store(true, Ordering::Release);
    }

    fn lock_waivers(&self) -> std::sync::MutexGuard<'_, HashMap<(RecordIdx, RuleId), ExemptionId>> {
        self.waivers.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_faults(&self) -> std::sync::MutexGuard<'_, HashMap<(RecordIdx, RuleId), Fault>> {
        self.faults.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A fault standing in for one that was not kept (never expected).
fn unsettled(rule: RuleId) -> Fault {
    Fault { kind: EvalErrorKind::Recursion, message: format!("rule #{} was not settled", rule.index()) }
}

/// The error of every pair a group left open after `--max-rounds` rounds.
pub(crate) fn too_many_rounds(program: &Program, group: &[RuleId], rounds: u64) -> Fault {
    let names: Vec<String> = group.iter().map(|r| format!("`{}`", program.rule(*r).name)).collect();
    Fault {
        kind: EvalErrorKind::Recursion,
        message: format!(
            "the recursive rules {} did not settle within {rounds} rounds (--max-rounds): \
             the record's verdict is not known",
            names.join(", ")
        ),
    }
}

/// The error for a negative number added by a sum on a cycle.
pub(crate) fn negative_in_cycle(value: f64) -> Fault {
    Fault {
        kind: EvalErrorKind::Recursion,
        message: format!(
            "a sum on a recursive rule's cycle added {value}: on a cycle a sum may add no negative number, \
             as it would lower the total as verdicts fire"
        ),
    }
}
