//! Outcomes → text: human (diagnostic-like), JSON Lines, summary. Renders,
//! never evaluates; writes to any `io::Write`.

mod decision_snapshot;
mod diff;
mod explain;
mod human;
mod json;
mod summary;

pub use decision_snapshot::{changed_records, decision_snapshot, snapshot_diff};
pub use diff::{Change, ChangedRecord, Diff, Group, Standing, write_diff_human, write_diff_json, write_diff_table};
pub use explain::{write_explain_human, write_explain_json};
pub use human::{render_diagnostic, write_human, write_human_outcomes, write_record_error, write_verdict};
pub use json::{append_json, write_json};
pub use summary::{Summary, write_summary};

use std::fmt::Write as _;

use crate::eval::{Fact, FactKind, Observed, Shown};

/// Record content shown on a terminal: control characters (escape
/// sequences included) and the invisible marks that reorder text
/// (bidirectional overrides and isolates) are written as `\u{…}` so they
/// cannot act.
pub(crate) fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    // Printable ASCII, by far the common case, is safe without decoding.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars().map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// A character that could act on a terminal or disguise the text around it.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// How many list elements to show before "… N more".
const LIST_PREVIEW: usize = 5;

// The text forms below write into one buffer: evidence is rendered for
// every fired rule, so they avoid building strings piece by piece.

fn write_shown(out: &mut String, s: &Shown) {
    match s {
        Shown::Record { id, name, .. } => {
            out.push_str(&clean(id));
            if let Some(name) = name {
                out.push(' ');
                write_json_string(out, name);
            }
        }
        Shown::Value(serde_json::Value::Array(items)) => write_list(out, items.len(), |out, i| {
            write_shown(out, &Shown::Value(items[i].clone()));
        }),
        Shown::Value(serde_json::Value::String(v)) => write_json_string(out, v),
        Shown::Value(other) => out.push_str(&clean(&other.to_string())),
        Shown::List(items) => write_list(out, items.len(), |out, i| write_shown(out, &items[i])),
        Shown::Missing => out.push_str("(missing)"),
        Shown::Unresolved(id) => {
            out.push_str(&clean(id));
            out.push_str(" (no such record)");
        }
    }
}

/// A string as a JSON literal, control characters escaped.
fn write_json_string(out: &mut String, s: &str) {
    // Printable ASCII without `"` or `\` is its own JSON literal, and clean.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    let quoted = serde_json::to_string(s).unwrap_or_default();
    out.push_str(&clean(&quoted));
}

fn write_list(out: &mut String, n: usize, mut item: impl FnMut(&mut String, usize)) {
    out.push('[');
    for i in 0..n.min(LIST_PREVIEW) {
        if i > 0 {
            out.push_str(", ");
        }
        item(out, i);
    }
    if n > LIST_PREVIEW {
        let _ = write!(out, ", … {} more", n - LIST_PREVIEW);
    }
    out.push(']');
}

/// `venue v-12 → operator p-7 "Kim" → nationality "KR"`.
#[cfg(test)]
pub(crate) fn chain_text(o: &Observed) -> String {
    let mut out = String::new();
    write_chain(&mut out, o);
    out
}

fn write_chain(out: &mut String, o: &Observed) {
    if o.chain.is_empty() {
        write_shown(out, &o.value);
        return;
    }
    for (i, hop) in o.chain.iter().enumerate() {
        if i > 0 {
            out.push_str(" → ");
        }
        if i == 0 && hop.via.is_empty() {
            if let Shown::Record { record_type, .. } = &hop.to {
                out.push_str(&clean(record_type));
                out.push(' ');
            }
        } else {
            out.push_str(&clean(hop.via.trim_start_matches('.')));
            out.push(' ');
        }
        write_shown(out, &hop.to);
    }
}

/// One line saying what a fact observed.
pub(crate) fn fact_text(f: &Fact) -> String {
    let mut out = String::with_capacity(128);
    write_fact_text(&mut out, f);
    out
}

fn write_fact_text(out: &mut String, f: &Fact) {
    match &f.kind {
        FactKind::Compare { lhs, op, rhs } => {
            write_chain(out, lhs);
            let _ = write!(out, " {} ", op.as_str());
            write_chain(out, rhs);
        }
        FactKind::Matches { subject, pattern } => {
            write_chain(out, subject);
            out.push_str(" matches ");
            write_json_string(out, pattern);
        }
        FactKind::Exists { path } => {
            out.push_str("exists: ");
            write_chain(out, path);
        }
        FactKind::Is { subject, verdict, by, decision, rules } => {
            write_chain(out, subject);
            let _ = write!(out, " is {}", verdict.as_str());
            if let Some(r) = by {
                let _ = write!(out, " by {r}");
            }
            match decision {
                Some(d) if rules.is_empty() => {
                    let _ = write!(out, " (it is {})", d.as_str());
                }
                Some(d) => {
                    let _ = write!(out, " ({}: {})", d.as_str(), rules.join(", "));
                }
                None => {}
            }
        }
        FactKind::Quantifier { quantifier, var, over, of_type, count, witness, .. } => {
            if *of_type {
                let _ = write!(out, "{} {over} {var}", quantifier.as_str());
            } else {
                let _ = write!(out, "{} {var} in {over}", quantifier.as_str());
            }
            match (witness, count) {
                (Some(w), _) => {
                    let _ = write!(out, ": {var} = ");
                    write_chain(out, &w.element);
                    if let Some(d) = w.depth {
                        let _ = write!(out, " at {d} hop{}", plural(d as usize));
                    }
                }
                (None, Some(n)) => {
                    let _ = write!(out, ": {n} element{} examined", plural(*n));
                }
                (None, None) => out.push_str(": the list is missing"),
            }
        }
        FactKind::Sum { var, over, of_type, terms, total, op, rhs, .. } => {
            if *of_type {
                let _ = write!(out, "sum over {over} {var} = {total}");
            } else {
                let _ = write!(out, "sum over {var} in {over} = {total}");
            }
            for (i, t) in terms.iter().enumerate() {
                out.push_str(if i == 0 { " (" } else { " + " });
                write_chain(out, t);
            }
            if !terms.is_empty() {
                out.push(')');
            }
            let _ = write!(out, " {} ", op.as_str());
            write_chain(out, rhs);
        }
        FactKind::Call { def, args, .. } => {
            out.push_str(def);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_shown(out, &a.value);
            }
            out.push(')');
        }
        FactKind::Truthy { value } => write_chain(out, value),
    }
    if !f.holds {
        out.push_str(" (false)");
    }
}

/// "s" unless there is exactly one.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ASCII fast paths of `clean` and `write_json_string` give what
    /// the general path gives.
    #[test]
    fn fast_paths_agree_with_the_general_path() {
        let samples = [
            "p-12",
            "Kim \"Lee\"",
            "back\\slash",
            "tab\there",
            "del\u{7f}",
            "\u{1b}[31mred",
            "Zhāng",
            "rtl\u{202e}txt",
            "",
            " ~",
        ];
        for s in samples {
            let general: String = s
                .chars()
                .map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() })
                .collect();
            assert_eq!(clean(s), general, "clean({s:?})");
            let mut fast = String::new();
            write_json_string(&mut fast, s);
            let quoted = serde_json::to_string(s).unwrap_or_default();
            let general: String = quoted
                .chars()
                .map(|c| if unsafe_char(c) { c.escape_unicode().to_string() } else { c.to_string() })
                .collect();
            assert_eq!(fast, general, "write_json_string({s:?})");
        }
    }
}
