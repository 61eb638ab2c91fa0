//! Outcomes → text: human (diagnostic-like), JSON Lines, summary. Renders,
//! never evaluates; writes to any `io::Write`.

mod diff;
mod explain;
mod human;
mod json;
mod snapshot;
mod summary;

pub use diff::{Change, ChangedRecord, Diff, Group, Standing, write_diff_human, write_diff_json, write_diff_table};
pub use explain::{write_explain_human, write_explain_json};
pub use human::{render_diagnostic, write_human, write_human_outcomes, write_verdict};
pub use json::write_json;
pub use snapshot::{changed_records, decision_snapshot, snapshot_diff};
pub use summary::{Summary, write_summary};

use crate::eval::{Fact, FactKind, Observed, Shown};

/// Record content shown on a terminal: control characters (escape
/// sequences included) are written as `\u{…}` so they cannot act.
pub(crate) fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// How many list elements to show before "… N more".
const LIST_PREVIEW: usize = 5;

/// A value as one line of text: `"KR"`, `p-7 "Kim"`, `(missing)`.
pub(crate) fn shown_text(s: &Shown) -> String {
    match s {
        Shown::Record { id, name: Some(name), .. } => format!("{} {}", clean(id), json_string(name)),
        Shown::Record { id, name: None, .. } => clean(id).into_owned(),
        Shown::Value(v) => match v {
            serde_json::Value::Array(items) => list_text(items.iter().map(|v| shown_text(&Shown::Value(v.clone())))),
            other => clean(&other.to_string()).into_owned(),
        },
        Shown::List(items) => list_text(items.iter().map(shown_text)),
        Shown::Missing => "(missing)".to_string(),
        Shown::Unresolved(id) => format!("{} (no such record)", clean(id)),
    }
}

fn json_string(s: &str) -> String {
    clean(&serde_json::Value::String(s.to_string()).to_string()).into_owned()
}

fn list_text(items: impl ExactSizeIterator<Item = String>) -> String {
    let n = items.len();
    let shown: Vec<String> = items.take(LIST_PREVIEW).collect();
    if n > LIST_PREVIEW {
        format!("[{}, … {} more]", shown.join(", "), n - LIST_PREVIEW)
    } else {
        format!("[{}]", shown.join(", "))
    }
}

/// `venue v-12 → operator p-7 "Kim" → nationality "KR"`.
pub(crate) fn chain_text(o: &Observed) -> String {
    if o.chain.is_empty() {
        return shown_text(&o.value);
    }
    let mut parts = Vec::with_capacity(o.chain.len());
    for (i, hop) in o.chain.iter().enumerate() {
        let to = shown_text(&hop.to);
        if i == 0 && hop.via.is_empty() {
            match &hop.to {
                Shown::Record { record_type, .. } => parts.push(format!("{} {to}", clean(record_type))),
                _ => parts.push(to),
            }
        } else {
            parts.push(format!("{} {to}", clean(hop.via.trim_start_matches('.'))));
        }
    }
    parts.join(" → ")
}

/// One line saying what a fact observed.
pub(crate) fn fact_text(f: &Fact) -> String {
    let text = match &f.kind {
        FactKind::Compare { lhs, op, rhs } => format!("{} {} {}", chain_text(lhs), op.as_str(), chain_text(rhs)),
        FactKind::Matches { subject, pattern } => format!("{} matches {}", chain_text(subject), json_string(pattern)),
        FactKind::Exists { path } => format!("exists: {}", chain_text(path)),
        FactKind::Is { subject, verdict, by, decision, rules } => {
            let by = by.as_ref().map(|r| format!(" by {r}")).unwrap_or_default();
            let found = match decision {
                Some(d) if rules.is_empty() => format!(" (it is {})", d.as_str()),
                Some(d) => format!(" ({}: {})", d.as_str(), rules.join(", ")),
                None => String::new(),
            };
            format!("{} is {}{by}{found}", chain_text(subject), verdict.as_str())
        }
        FactKind::Quantifier { quantifier, var, over, of_type, count, witness, .. } => {
            let head = if *of_type {
                format!("{} {over} {var}", quantifier.as_str())
            } else {
                format!("{} {var} in {over}", quantifier.as_str())
            };
            match (witness, count) {
                (Some(w), _) => {
                    let depth = w.depth.map(|d| format!(" at {d} hop{}", plural(d as usize))).unwrap_or_default();
                    format!("{head}: {var} = {}{depth}", chain_text(&w.element))
                }
                (None, Some(n)) => format!("{head}: {n} element{} examined", plural(*n)),
                (None, None) => format!("{head}: the list is missing"),
            }
        }
        FactKind::Call { def, args, .. } => {
            format!("{def}({})", args.iter().map(|a| shown_text(&a.value)).collect::<Vec<_>>().join(", "))
        }
        FactKind::Truthy { value } => chain_text(value),
    };
    if f.holds { text } else { format!("{text} (false)") }
}

/// "s" unless there is exactly one.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
