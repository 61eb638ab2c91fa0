//! The review of a reload: the stored records whose verdicts the new rules
//! change, grouped by rule and kind of change as `interdict diff` groups
//! them, each with its verdict before and after.

use serde_json::{Value, json};

use crate::report::{ChangedRecord, Diff, Standing};
use crate::serve::judge::{Judged, Settings};
use crate::serve::snapshot::Snapshot;

/// The records and group members a review lists at most (all are counted).
const MAX_LISTED: usize = 1000;

/// One reload's changes.
pub struct Review {
    rules: String,
    previous: String,
    at: u64,
    diff: Diff,
    /// For the listed changes: the verdict lines before and after.
    verdicts: Vec<(Value, Value)>,
}

impl Review {
    /// Compares the stored verdicts of `old` and `new`, record by record.
    pub fn of(old: &Snapshot, new: &Snapshot, at: u64, settings: Settings) -> Review {
        let pairs = old.paired(new);
        let compared = pairs.len();
        let mut changed = Vec::new();
        let mut verdicts = Vec::new();
        for (a, b) in pairs {
            let (before, after) = (standing(a), standing(b));
            if before == after {
                continue;
            }
            let id = a.id.clone().unwrap_or_default();
            // Only the listed changes get their verdicts rendered (each
            // is judged again: the stored lines are not kept).
            if verdicts.len() < MAX_LISTED {
                verdicts.push((rendered(old, &id, settings), rendered(new, &id, settings)));
            }
            let record_type = new.record_type(&id, settings);
            changed.push(ChangedRecord { id, record_type, old: before, new: after });
        }
        let diff = Diff::from_changed(compared, changed);
        Review { rules: new.hash.clone(), previous: old.hash.clone(), at, diff, verdicts }
    }

    /// The reload's answer: the changes without their verdicts.
    pub fn summary(&self) -> Value {
        self.json(false)
    }

    /// `GET /v1/reloads/last`: the changes with their verdicts before and after.
    pub fn full(&self) -> Value {
        self.json(true)
    }

    fn json(&self, with_verdicts: bool) -> Value {
        let changes: Vec<Value> = self
            .diff
            .changed
            .iter()
            .take(MAX_LISTED)
            .enumerate()
            .map(|(i, c)| {
                let mut change = json!({
                    "id": c.id, "type": c.record_type,
                    "before": c.old.decision.as_str(), "after": c.new.decision.as_str(),
                    "old": c.old, "new": c.new,
                });
                if let (true, Some((before, after))) = (with_verdicts, self.verdicts.get(i)) {
                    change["old_verdict"] = before.clone();
                    change["new_verdict"] = after.clone();
                }
                change
            })
            .collect();
        json!({
            "rules": self.rules,
            "previous": self.previous,
            "at": self.at,
            "compared": self.diff.compared,
            "changed": self.diff.changed.len(),
            "transitions": self.diff.transitions,
            "groups": self.diff.groups.iter().map(|g| json!({
                "rule": g.rule, "change": g.change, "count": g.records.len(),
                "records": g.records.iter().take(MAX_LISTED).collect::<Vec<_>>(),
                "transitions": g.transitions,
            })).collect::<Vec<_>>(),
            "changes": changes,
        })
    }
}

/// The status's line about the last reload applied.
pub fn headline(full: &Value) -> Value {
    json!({
        "rules": full["rules"], "previous": full["previous"], "at": full["at"],
        "changed": full["changed"], "transitions": full["transitions"],
    })
}

/// A stored record's `check --format json` line, parsed.
fn rendered(snapshot: &Snapshot, id: &str, settings: Settings) -> Value {
    let line = snapshot.line(id, settings).ok().flatten().map(|j| j.line).unwrap_or_default();
    serde_json::from_slice(&line).unwrap_or(Value::Null)
}

/// A verdict's standing by rule name, each waived rule with its exemption.
fn standing(j: &Judged) -> Standing {
    Standing {
        decision: j.decision.unwrap_or(crate::eval::Decision::Allow),
        fired: j.fired.clone(),
        waived: j.waived.iter().cloned().zip(j.waived_by.iter().cloned()).collect(),
    }
}
