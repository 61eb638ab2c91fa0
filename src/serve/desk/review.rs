//! The review of a reload: the stored records whose verdicts the new rules
//! change, grouped by rule and kind of change as `interdict diff` groups
//! them, each with its verdict before and after.

use serde_json::{Value, json};

use crate::report::{ChangedRecord, Diff, Standing};
use crate::serve::judge::Judged;
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
    /// Compares the stored verdicts of `old` and `new` (same records, same order).
    pub fn of(old: &Snapshot, new: &Snapshot, at: u64) -> Review {
        let mut compared = 0;
        let mut changed = Vec::new();
        let mut verdicts = Vec::new();
        for (a, b) in old.stored.iter().zip(&new.stored) {
            let (Some(before), Some(after)) = (a.decision, b.decision) else { continue };
            compared += 1;
            // Only what differs in decision or rule names is read again,
            // and waived rules (the exemption that waived one may differ).
            if before == after && a.fired == b.fired && a.waived == b.waived && a.waived.is_empty() {
                continue;
            }
            let (line_a, line_b) = (parsed(a), parsed(b));
            let (old, new) = (standing(a, &line_a), standing(b, &line_b));
            if old == new {
                continue;
            }
            let record_type = line_a["type"].as_str().unwrap_or_default().to_string();
            changed.push(ChangedRecord { id: a.id.clone().unwrap_or_default(), record_type, old, new });
            if verdicts.len() < MAX_LISTED {
                verdicts.push((line_a, line_b));
            }
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

fn parsed(j: &Judged) -> Value {
    serde_json::from_slice(&j.line).unwrap_or(Value::Null)
}

/// A verdict's standing by rule name; the exemptions come from its line.
fn standing(j: &Judged, line: &Value) -> Standing {
    let waived = line["waived"].as_array().map(Vec::as_slice).unwrap_or_default();
    Standing {
        decision: j.decision.unwrap_or(crate::eval::Decision::Allow),
        fired: j.fired.clone(),
        waived: waived
            .iter()
            .map(|w| {
                let name = |k: &str| w[k].as_str().unwrap_or_default().to_string();
                (name("rule"), name("waived_by"))
            })
            .collect(),
    }
}
