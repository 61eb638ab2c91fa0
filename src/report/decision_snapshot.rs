//! Decision snapshots: every record's decision, fired and waived rules and
//! evidence as readable text, one block per record, and a per-record diff of
//! two snapshots.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::text::{clean, fact_text};
use crate::check::Program;
use crate::eval::{Fact, FactKind, Outcome};
use crate::records::Records;

/// The snapshot text: for each input record, in input order, a line
/// `ID TYPE DECISION`, then its fired and waived rules with their evidence
/// (one fact a line, nested facts indented).
pub fn decision_snapshot(program: &Program, store: &dyn Records, outcomes: &[Outcome<'_>]) -> String {
    snapshot(program, store, outcomes, true)
}

/// The decisions-only snapshot text: for each input record, in input
/// order, the line `ID TYPE DECISION`, then `  fired NAME` for each rule
/// that fired and `  waived NAME by EXEMPTION` for each that was waived —
/// no evidence and no warnings, so a change that moves conditions around
/// without changing a decision leaves it as it was.
pub fn decisions_snapshot(program: &Program, store: &dyn Records, outcomes: &[Outcome<'_>]) -> String {
    snapshot(program, store, outcomes, false)
}

/// Either snapshot: with `evidence`, the rules' effect and severity, their
/// evidence, the exemptions' evidence and the warnings too.
fn snapshot(program: &Program, store: &dyn Records, outcomes: &[Outcome<'_>], evidence: bool) -> String {
    let mut out = String::new();
    for o in outcomes {
        match o {
            Outcome::Verdict(v) => {
                let id = store.id(v.record);
                let _ = writeln!(out, "{} {} {}", clean(id), clean(store.record_type(v.record)), v.decision.as_str());
                for f in &v.fired {
                    let rule = program.rule(f.rule);
                    if !evidence {
                        let _ = writeln!(out, "  fired {}", rule.name);
                        continue;
                    }
                    let _ =
                        writeln!(out, "  fired {} ({} {})", rule.name, rule.effect.as_str(), rule.severity.as_str());
                    facts(&mut out, &f.evidence, 2);
                }
                for w in &v.waived {
                    let (rule, x) = (program.rule(w.rule), program.exemption(w.exemption));
                    let _ = writeln!(out, "  waived {} by {}", rule.name, x.name);
                    if evidence {
                        facts(&mut out, &w.evidence, 2);
                        let _ = writeln!(out, "    because");
                        facts(&mut out, &w.exemption_evidence, 3);
                    }
                }
                for warning in v.warnings.iter().filter(|_| evidence) {
                    let _ = writeln!(out, "  warning {}", clean(&warning.message(id)));
                }
            }
            Outcome::RecordError(e) => {
                let _ = writeln!(out, "error {} {}", e.position(), clean(e.message()));
            }
            Outcome::EvalError(e) => {
                let _ = writeln!(out, "error {} {}", e.position(), clean(e.message()));
            }
        }
    }
    out
}

fn facts(out: &mut String, list: &[Fact], depth: usize) {
    for f in list {
        let _ = writeln!(out, "{}{}", "  ".repeat(depth), fact_text(f));
        match &f.kind {
            FactKind::Quantifier { body, .. } | FactKind::Call { body, .. } => facts(out, body, depth + 1),
            _ => {}
        }
    }
}

/// Splits a snapshot into blocks keyed by their first line's first word
/// (the record id, or `error` plus position).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with(' ') {
            if let Some((_, block)) = out.last_mut() {
                block.push_str(line);
                block.push('\n');
            }
            continue;
        }
        let key = if line.starts_with("error ") {
            line.split(' ').take(2).collect::<Vec<_>>().join(" ")
        } else {
            line.split(' ').next().unwrap_or("").to_string()
        };
        out.push((key, format!("{line}\n")));
    }
    out
}

/// A per-record diff of two snapshots: for every record whose block changed,
/// was added or was removed, its old lines with `-` and new lines with `+`.
/// Empty when they are the same.
pub fn snapshot_diff(old: &str, new: &str) -> String {
    let old_blocks: BTreeMap<String, String> = blocks(old).into_iter().collect();
    let new_list = blocks(new);
    let new_blocks: BTreeMap<&str, &str> = new_list.iter().map(|(k, b)| (k.as_str(), b.as_str())).collect();
    let mut out = String::new();
    let mut emit = |old: Option<&str>, new: Option<&str>| {
        for l in old.unwrap_or("").lines() {
            let _ = writeln!(out, "-{l}");
        }
        for l in new.unwrap_or("").lines() {
            let _ = writeln!(out, "+{l}");
        }
        out.push('\n');
    };
    for (key, block) in &new_list {
        match old_blocks.get(key) {
            Some(o) if o == block => {}
            o => emit(o.map(String::as_str), Some(block)),
        }
    }
    for (key, block) in &old_blocks {
        if !new_blocks.contains_key(key.as_str()) {
            emit(Some(block), None);
        }
    }
    out
}

/// How many records a snapshot diff touches.
pub fn changed_records(diff: &str) -> usize {
    diff.split("\n\n").filter(|b| !b.trim().is_empty()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_is_per_record() {
        let old = "a t allow\nb t deny\n  fired r (deny medium)\n    x == 1\nc t allow\n";
        let new = "a t allow\nb t allow\nc t flag\n  fired f (flag low)\nd t allow\n";
        let d = snapshot_diff(old, new);
        assert_eq!(
            d,
            "-b t deny\n-  fired r (deny medium)\n-    x == 1\n+b t allow\n\n-c t allow\n+c t flag\n+  fired f (flag low)\n\n+d t allow\n\n"
        );
        assert_eq!(changed_records(&d), 3);
        assert_eq!(snapshot_diff(old, old), "");
    }
}
