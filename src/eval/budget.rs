//! Per-record limits: how much one rule (or exemption) may spend on one
//! record before that record gets an error instead of a verdict.
//!
//! A [`Budget`] is opened for each evaluation of a rule's or exemption's
//! condition on a record. It counts *steps* (conditions evaluated) and
//! *visited* records (records reached by a hop range, records ranged over by
//! `any TYPE x`). The verdict of a linked record read through `is denied`
//! is evaluated with a budget of its own, so what one record costs never
//! depends on which records happened to be judged before it: the outcome is
//! deterministic. Both engines count the same things; the fast engine can
//! count less (it stops a hop-range quantifier at its witness), never more
//! for the same walk, so a record within the limits of the reference engine
//! is within those of the fast one.

use std::cell::{Cell, RefCell};

use super::error::{EvalErrorKind, Fault};

/// How much one rule may spend on one record (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Conditions evaluated (`--max-steps`).
    pub max_steps: u64,
    /// Records reached by hop ranges and ranged over by `any TYPE x`
    /// (`--max-visited`).
    pub max_visited: u64,
    /// Rounds the least fixpoint of a recursive group may take before the
    /// records it has not settled get an error (`--max-rounds`).
    pub max_rounds: u64,
}

impl Limits {
    /// Default `--max-steps`.
    pub const DEFAULT_STEPS: u64 = 10_000_000;
    /// Default `--max-visited`.
    pub const DEFAULT_VISITED: u64 = 1_000_000;
    /// Default `--max-rounds`.
    pub const DEFAULT_ROUNDS: u64 = 1_000_000;
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_steps: Self::DEFAULT_STEPS, max_visited: Self::DEFAULT_VISITED, max_rounds: Self::DEFAULT_ROUNDS }
    }
}

/// What one evaluation of a condition on a record has spent.
pub(crate) struct Budget<'p> {
    limits: Limits,
    /// `rule `x`` or `exemption `y``, for the message.
    owner: &'p str,
    kind: &'static str,
    record: &'p str,
    steps: Cell<u64>,
    visited: Cell<u64>,
    /// The link or range being followed, for the message.
    following: Cell<Option<&'p str>>,
    /// Set when a walk ran out (walks cannot fail); raised at the next step.
    tripped: RefCell<Option<Fault>>,
}

impl<'p> Budget<'p> {
    pub(crate) fn new(limits: Limits, kind: &'static str, owner: &'p str, record: &'p str) -> Self {
        Budget {
            limits,
            owner,
            kind,
            record,
            steps: Cell::new(0),
            visited: Cell::new(0),
            following: Cell::new(None),
            tripped: RefCell::new(None),
        }
    }

    /// A budget with the same limits and owner, nothing spent: for work
    /// beyond what the outcome needs (`explain` looking past an `all`'s
    /// first failure), so it never costs the outcome its budget.
    pub(crate) fn fresh(&self) -> Budget<'p> {
        Budget::new(self.limits, self.kind, self.owner, self.record)
    }

    fn fault(&self, what: &str, limit: u64, flag: &str) -> Fault {
        let following = match self.following.get() {
            Some(f) => format!("while following `{f}`"),
            None => "in its condition".to_string(),
        };
        Fault {
            kind: EvalErrorKind::Limit,
            message: format!(
                "limit exceeded in {} `{}` on `{}` {following}: more than {limit} {what} ({flag})",
                self.kind, self.owner, self.record
            ),
        }
    }

    /// One condition evaluated; an error once over the limit (or once a
    /// walk has run out).
    pub(crate) fn step(&self) -> Result<(), Fault> {
        self.check()?;
        self.spend_steps(1)
    }

    /// Steps spent elsewhere (a remembered def answer, with its cost).
    pub(crate) fn spend_steps(&self, n: u64) -> Result<(), Fault> {
        let steps = self.steps.get().saturating_add(n);
        self.steps.set(steps);
        if steps > self.limits.max_steps {
            return Err(self.fault("evaluation steps", self.limits.max_steps, "--max-steps"));
        }
        Ok(())
    }

    /// Records visited elsewhere (a remembered def answer, with its cost).
    pub(crate) fn spend_visited(&self, n: u64) -> Result<(), Fault> {
        let visited = self.visited.get().saturating_add(n);
        self.visited.set(visited);
        if visited > self.limits.max_visited {
            return Err(self.fault("records visited", self.limits.max_visited, "--max-visited"));
        }
        Ok(())
    }

    /// One record reached; `false` once over the limit: the walk must stop,
    /// and the fault is raised at the next step (or by [`Budget::check`]).
    pub(crate) fn visit(&self) -> bool {
        match self.spend_visited(1) {
            Ok(()) => true,
            Err(fault) => {
                self.tripped.borrow_mut().get_or_insert(fault);
                false
            }
        }
    }

    /// The fault of a walk that ran out, if any.
    pub(crate) fn check(&self) -> Result<(), Fault> {
        match self.tripped.borrow().as_ref() {
            Some(fault) => Err(fault.clone()),
            None => Ok(()),
        }
    }

    /// Names the link or range followed from now on; returns the previous one.
    pub(crate) fn follow(&self, what: &'p str) -> Option<&'p str> {
        self.following.replace(Some(what))
    }

    /// Restores what was followed before [`Budget::follow`].
    pub(crate) fn unfollow(&self, previous: Option<&'p str>) {
        self.following.set(previous);
    }

    /// (steps, visited) spent so far.
    pub(crate) fn spent(&self) -> (u64, u64) {
        (self.steps.get(), self.visited.get())
    }

    /// Takes back what was spent since [`Budget::spent`] said `spent`: an
    /// evaluation that gave up part way, to be done again another way.
    pub(crate) fn rewind(&self, (steps, visited): (u64, u64)) {
        self.steps.set(steps);
        self.visited.set(visited);
    }
}
