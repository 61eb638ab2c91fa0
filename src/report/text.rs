//! The text forms shared by the formats: terminal-safe text, a value
//! seen, a chain of hops, and the one-line summary of a fact.

use std::fmt::Write as _;

use crate::ast::Quantifier;
use crate::eval::{Computation, Computed, Decision, Fact, FactKind, Observed, Shown, Witness};

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
        Shown::Elided(n) => {
            out.push_str("… ");
            out.push_str(&with_commas(*n));
            out.push_str(if *n == 1 { " hop …" } else { " hops …" });
        }
    }
}

/// `49983` as `49,983`.
fn with_commas(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
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
    if let Some(c) = &o.computed {
        write_computed(out, c, &o.value);
        return;
    }
    if o.chain.is_empty() {
        write_shown(out, &o.value);
        return;
    }
    for (i, hop) in o.chain.iter().enumerate() {
        if i > 0 {
            out.push_str(" → ");
        }
        if matches!(hop.to, Shown::Elided(_)) {
            // `… 49,983 hops …`, no field: they may be several.
        } else if i == 0 && hop.via.is_empty() {
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

/// `as_of - 1 year = "2025-06-01"`; `visit x-1 → date "2024-01-01" + 30
/// days = "2024-01-31"`; `lower(person p-1 → name "Kim") = "kim"`: what
/// it was computed from (as written when no record was followed), how,
/// and the result.
fn write_computed(out: &mut String, c: &Computed, value: &Shown) {
    let from_records = !c.from.chain.is_empty() || c.from.computed.is_some();
    match c.how {
        Computation::Shift(shift) if from_records => {
            write_chain(out, &c.from);
            let _ = write!(out, " {shift}");
        }
        Computation::Lower if from_records => {
            out.push_str("lower(");
            write_chain(out, &c.from);
            out.push(')');
        }
        _ => out.push_str(&clean(&c.text)),
    }
    out.push_str(" = ");
    write_shown(out, value);
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
            write_decision_read(out, *decision, rules);
        }
        FactKind::Quantifier { quantifier, var, over, of_type, count, witness, .. } => {
            write_range(out, quantifier.as_str(), var, over, *of_type);
            write_reach(out, var, witness.as_ref(), *count);
        }
        FactKind::Sum { var, over, of_type, terms, total, op, rhs, .. } => {
            write_range(out, "sum over", var, over, *of_type);
            let _ = write!(out, " = {total}");
            write_terms(out, terms);
            let _ = write!(out, " {} ", op.as_str());
            write_chain(out, rhs);
        }
        FactKind::Call { def, args, .. } => {
            out.push_str(def);
            write_args(out, args);
        }
        FactKind::Truthy { value } => write_chain(out, value),
    }
    if !f.holds {
        out.push_str(" (false)");
    }
}

/// ` (it is deny)`, ` (deny: r1, r2)`: the decision an `is` test read, and
/// the rules behind it.
fn write_decision_read(out: &mut String, decision: Option<Decision>, rules: &[String]) {
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

/// `any c in p.contacts`, `sum over visit x`: a quantifier's or a sum's
/// head, its binder written as in the rule.
fn write_range(out: &mut String, head: &str, var: &str, over: &str, of_type: bool) {
    if of_type {
        let _ = write!(out, "{head} {over} {var}");
    } else {
        let _ = write!(out, "{head} {var} in {over}");
    }
}

/// How far a quantifier went: the element it stopped at, how many it
/// examined, or that the list is missing.
fn write_reach(out: &mut String, var: &str, witness: Option<&Witness>, count: Option<usize>) {
    match (witness, count) {
        (Some(w), _) => {
            let _ = write!(out, ": {var} = ");
            write_chain(out, &w.element);
            if let Some(d) = w.depth {
                let _ = write!(out, " at {d} hop{}", plural(d as usize));
            }
        }
        (None, Some(n)) => {
            let _ = write!(out, ": {n} element{} examined", plural(n));
        }
        (None, None) => out.push_str(": the list is missing"),
    }
}

/// ` (a + b + c)`: a sum's terms, nothing when there are none.
fn write_terms(out: &mut String, terms: &[Observed]) {
    for (i, t) in terms.iter().enumerate() {
        out.push_str(if i == 0 { " (" } else { " + " });
        write_chain(out, t);
    }
    if !terms.is_empty() {
        out.push(')');
    }
}

/// `(a, b)`: a call's arguments, by value.
fn write_args(out: &mut String, args: &[Observed]) {
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_shown(out, &a.value);
    }
    out.push(')');
}

/// `explain`'s why-not inside a quantifier that did not hold: its line,
/// then each element it examined without being satisfied (nearest miss
/// first), with the facts of its body indented below it, nested
/// quantifiers likewise; `None` when the fact has no misses.
pub(crate) fn misses_text(f: &Fact) -> Option<String> {
    let FactKind::Quantifier { quantifier, misses, .. } = &f.kind else { return None };
    if misses.is_empty() {
        return None;
    }
    let mut out = fact_text(f);
    out.push_str(match quantifier {
        Quantifier::All => "; the elements that failed, nearest miss first:",
        _ => "; nearest miss first:",
    });
    write_misses(&mut out, f, 1);
    Some(out)
}

/// The misses of a quantifier's fact, one element a line at `depth`
/// (two spaces a level), each followed by its body's facts.
fn write_misses(out: &mut String, f: &Fact, depth: usize) {
    let FactKind::Quantifier { var, misses, more_misses, .. } = &f.kind else { return };
    let pad = "  ".repeat(depth);
    for m in misses {
        let _ = write!(out, "\n{pad}{var} = ");
        // The element itself: its chain is in each fact below it.
        if let Shown::Record { record_type, .. } = &m.element.element.value {
            out.push_str(&clean(record_type));
            out.push(' ');
        }
        write_shown(out, &m.element.element.value);
        if let Some(d) = m.element.depth {
            let _ = write!(out, " at {d} hop{}", plural(d as usize));
        }
        for fact in &m.body {
            write_nested_fact(out, fact, depth + 1);
        }
    }
    if *more_misses > 0 {
        let _ = write!(out, "\n{pad}and {more_misses} more");
    }
}

/// A fact on its own line at `depth`, then what is inside it: a call's
/// body, a quantifier's misses (or its witness's evidence).
fn write_nested_fact(out: &mut String, f: &Fact, depth: usize) {
    let _ = write!(out, "\n{}", "  ".repeat(depth));
    write_fact_text(out, f);
    match &f.kind {
        FactKind::Quantifier { misses, .. } if !misses.is_empty() => write_misses(out, f, depth + 1),
        FactKind::Quantifier { body, .. } | FactKind::Call { body, .. } => {
            for inner in body {
                write_nested_fact(out, inner, depth + 1);
            }
        }
        _ => {}
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
