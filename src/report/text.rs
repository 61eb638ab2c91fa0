//! The text forms shared by the formats: terminal-safe text, a value
//! seen, a chain of hops, and the one-line summary of a fact.

use std::fmt::Write as _;

use super::hops::HopsWritten;
use crate::ast::Quantifier;
use crate::eval::{Computation, Computed, Decision, Fact, FactKind, Hop, Observed, Shown, Witness};

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
// every fired rule, so they avoid building strings piece by piece. That
// buffer is a `String`, or (a fact's `summary` in JSON) the JSON line
// itself, escaped as it is written ([`JsonText`]).

/// Where a text form is written.
pub(crate) trait Out: std::fmt::Write {
    /// Text, as it is.
    fn push_str(&mut self, s: &str);
    fn push(&mut self, c: char);

    /// Text known to hold no quote, backslash or control character
    /// (` → `, `(missing)`, a string [`plain`] said so of).
    fn push_plain(&mut self, s: &str) {
        self.push_str(s);
    }

    /// A `"` (inside a JSON string: `\"`).
    fn quote(&mut self) {
        self.push('"');
    }

    /// Record content, [`clean`]ed.
    fn push_clean(&mut self, s: &str) {
        self.push_str(&clean(s));
    }

    /// The text written so far and the chains in it, where a chain's text
    /// is copied from one written before (a summary's); `None` where none
    /// is.
    fn hops_written(&mut self) -> Option<(&mut Vec<u8>, &mut HopsWritten)> {
        None
    }
}

impl Out for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }

    fn push(&mut self, c: char) {
        String::push(self, c);
    }
}

/// Text written into a JSON string literal (the quotes left to the
/// caller), escaped as serde_json escapes it: `"`, `\` and control
/// characters; everything else (the `→` of a chain included) as it is.
/// With the line's chain texts, a chain's text written before in the line
/// is copied.
pub(crate) struct JsonText<'a>(pub(crate) &'a mut Vec<u8>, pub(super) Option<&'a mut HopsWritten>);

/// The bytes JSON escapes in a string: `"`, `\` and control characters.
pub(crate) static JSON_ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Printable ASCII that neither JSON escapes nor [`clean`] changes.
static PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        t[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    t
};

/// Whether `s` is all [`PLAIN`] bytes (one pass, no early exit: short
/// strings, and most are plain).
fn plain(s: &str) -> bool {
    s.bytes().fold(true, |ok, b| ok & PLAIN[usize::from(b)])
}

/// `s` as a JSON string, quotes and all. Most strings written (ids,
/// types, field names) need no escape: one pass copies them, a run between
/// escapes at a time.
pub(crate) fn quoted_into(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    escape_into(out, s.as_bytes());
    out.push(b'"');
}

/// `s` escaped as a JSON string's content. Most strings (ids, names,
/// field names) need no escape: found so eight bytes at a time, they are
/// copied whole, inline (a call for each of the million strings of a
/// run was a fifth of the test's instructions); else [`escape_runs`].
/// Strings of 4 to 16 bytes, most of those written (ids, types, names,
/// field names), are tested and copied as two words that may overlap,
/// without a call to copy them.
#[inline(always)]
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &[u8]) {
    match s.len() {
        4..=8 => {
            if let (Some(first), Some(last)) = (s.first_chunk::<4>(), s.last_chunk::<4>())
                && !any_escaped(u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32)
            {
                return copy_ends(out, first, last, s.len());
            }
        }
        9..=16 => {
            if let (Some(first), Some(last)) = (s.first_chunk::<8>(), s.last_chunk::<8>())
                && !any_escaped(u64::from_le_bytes(*first))
                && !any_escaped(u64::from_le_bytes(*last))
            {
                return copy_ends(out, first, last, s.len());
            }
        }
        _ => {}
    }
    escape_other(out, s);
}

/// A string of `len` bytes (`N` to `2 * N`) onto `out`, from its first and
/// last `N` bytes: two copies of a known size, the second over the end of
/// the first where they overlap.
#[inline(always)]
fn copy_ends<const N: usize>(out: &mut Vec<u8>, first: &[u8; N], last: &[u8; N], len: usize) {
    out.reserve(2 * N);
    let end = out.len() + len;
    out.extend_from_slice(first);
    out.truncate(end - N);
    out.extend_from_slice(last);
}

/// [`escape_into`] of any string: one with something to escape, or of
/// another length.
#[inline(never)]
fn escape_other(out: &mut Vec<u8>, s: &[u8]) {
    if any_escaped_in(s) {
        escape_runs(out, s);
    } else {
        out.extend_from_slice(s);
    }
}

/// `s` escaped, a run of unescaped bytes at a time (a byte at a time, the
/// test was most of the JSON rendering's own instructions).
#[cold]
#[inline(never)]
fn escape_runs(out: &mut Vec<u8>, s: &[u8]) {
    let (mut start, mut i) = (0, 0);
    while i < s.len() {
        if let Some(word) = s.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok())
            && !any_escaped(u64::from_le_bytes(word))
        {
            i += 8;
            continue;
        }
        let b = s[i];
        if JSON_ESCAPED[usize::from(b)] {
            out.extend_from_slice(&s[start..i]);
            escape_byte(out, b);
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&s[start..]);
}

/// Whether any byte of `s` needs an escape: eight at a time, without an
/// early exit. The last few are tested in a word that overlaps the one
/// before (a string of four to seven bytes: its first and last four), so
/// no byte is copied to pad them; fewer than four are shifted into a word
/// of spaces.
#[inline]
fn any_escaped_in(s: &[u8]) -> bool {
    const SPACES: u64 = 0x2020_2020_2020_2020;
    if let Some(last) = s.last_chunk::<8>() {
        let mut found = any_escaped(u64::from_le_bytes(*last));
        for w in s.chunks_exact(8) {
            found |= <[u8; 8]>::try_from(w).map_or(true, |w| any_escaped(u64::from_le_bytes(w)));
        }
        return found;
    }
    if let (Some(first), Some(last)) = (s.first_chunk::<4>(), s.last_chunk::<4>()) {
        let word = u64::from(u32::from_le_bytes(*first)) | u64::from(u32::from_le_bytes(*last)) << 32;
        return any_escaped(word);
    }
    any_escaped(s.iter().fold(SPACES, |w, &b| w << 8 | u64::from(b)))
}

/// Whether any of eight bytes is a control character, `"` or `\`
/// (exact: the borrows of the subtractions never make a false answer
/// about whether some byte matches).
#[inline]
fn any_escaped(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below_space | zero_byte(w ^ (ONES * u64::from(b'"'))) | zero_byte(w ^ (ONES * u64::from(b'\\')))) != 0
}

/// One byte that JSON needs escaped, as serde_json writes it.
fn escape_byte(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]),
    }
}

impl Out for JsonText<'_> {
    fn push_str(&mut self, s: &str) {
        escape_into(self.0, s.as_bytes());
    }

    fn push(&mut self, c: char) {
        escape_into(self.0, c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    fn push_plain(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    fn quote(&mut self) {
        self.0.extend_from_slice(b"\\\"");
    }

    fn push_clean(&mut self, s: &str) {
        if plain(s) {
            self.0.extend_from_slice(s.as_bytes());
        } else {
            escape_into(self.0, clean(s).as_bytes());
        }
    }

    fn hops_written(&mut self) -> Option<(&mut Vec<u8>, &mut HopsWritten)> {
        Some((self.0, self.1.as_deref_mut()?))
    }
}

impl std::fmt::Write for JsonText<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        escape_into(self.0, s.as_bytes());
        Ok(())
    }
}

fn write_shown(out: &mut impl Out, s: &Shown) {
    match s {
        Shown::Record { id, name, .. } => {
            out.push_clean(id);
            if let Some(name) = name {
                out.push_plain(" ");
                write_json_string(out, name);
            }
        }
        Shown::Value(serde_json::Value::Array(items)) => write_list(out, items.len(), |out, i| {
            write_shown(out, &Shown::Value(items[i].clone()));
        }),
        Shown::Value(serde_json::Value::String(v)) => write_json_string(out, v),
        Shown::Text(v) => write_json_string(out, v),
        Shown::Value(other) => out.push_str(&clean(&other.to_string())),
        Shown::List(items) => write_list(out, items.len(), |out, i| write_shown(out, &items[i])),
        Shown::Missing => out.push_plain("(missing)"),
        Shown::Unresolved(id) => {
            out.push_clean(id);
            out.push_plain(" (no such record)");
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
fn write_json_string(out: &mut impl Out, s: &str) {
    // Printable ASCII without `"` or `\` is its own JSON literal, and clean.
    if plain(s) {
        out.quote();
        out.push_plain(s);
        out.quote();
        return;
    }
    let quoted = serde_json::to_string(s).unwrap_or_default();
    out.push_str(&clean(&quoted));
}

fn write_list<O: Out>(out: &mut O, n: usize, mut item: impl FnMut(&mut O, usize)) {
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

fn write_chain(out: &mut impl Out, o: &Observed) {
    if let Some(c) = &o.computed {
        write_computed(out, c, &o.value);
        return;
    }
    if o.chain.is_empty() {
        write_shown(out, &o.value);
        return;
    }
    let hops = o.chain.iter().as_slice();
    let (start, copied) = match out.hops_written() {
        Some((text, written)) => (text.len(), written.copy_start(text, hops)),
        None => (0, 0),
    };
    if copied == hops.len() {
        return;
    }
    for (i, hop) in hops.iter().enumerate().skip(copied) {
        write_hop(out, i, hop);
        if let Some((text, written)) = out.hops_written() {
            written.note(hop, i, start, text.len());
        }
    }
}

/// Hop `i` of a chain: ` → contacts p-7 "Kim"` (the first: `person p-1`).
fn write_hop(out: &mut impl Out, i: usize, hop: &Hop) {
    if i > 0 {
        out.push_plain(" → ");
    }
    if matches!(hop.to, Shown::Elided(_)) {
        // `… 49,983 hops …`, no field: they may be several.
    } else if i == 0 && hop.via.is_empty() {
        if let Shown::Record { record_type, .. } = &hop.to {
            out.push_clean(record_type);
            out.push_plain(" ");
        }
    } else {
        out.push_clean(hop.via.trim_start_matches('.'));
        out.push_plain(" ");
    }
    write_shown(out, &hop.to);
}

/// `as_of - 1 year = "2025-06-01"`; `visit x-1 → date "2024-01-01" + 30
/// days = "2024-01-31"`; `lower(person p-1 → name "Kim") = "kim"`: what
/// it was computed from (as written when no record was followed), how,
/// and the result.
fn write_computed(out: &mut impl Out, c: &Computed, value: &Shown) {
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

pub(crate) fn write_fact_text(out: &mut impl Out, f: &Fact) {
    match &f.kind {
        FactKind::Compare { lhs, op, rhs } => {
            write_chain(out, lhs);
            out.push_plain(" ");
            out.push_plain(op.as_str());
            out.push_plain(" ");
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
            out.push_plain(" is ");
            out.push_plain(verdict.as_str());
            if let Some(r) = by {
                out.push_plain(" by ");
                out.push_str(r);
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
        out.push_plain(" (false)");
    }
}

/// ` (it is deny)`, ` (deny: r1, r2)`: the decision an `is` test read, and
/// the rules behind it.
fn write_decision_read(out: &mut impl Out, decision: Option<Decision>, rules: &[String]) {
    match decision {
        Some(d) if rules.is_empty() => {
            out.push_plain(" (it is ");
            out.push_plain(d.as_str());
            out.push_plain(")");
        }
        Some(d) => {
            out.push_plain(" (");
            out.push_plain(d.as_str());
            out.push_plain(": ");
            for (i, r) in rules.iter().enumerate() {
                if i > 0 {
                    out.push_plain(", ");
                }
                out.push_str(r);
            }
            out.push_plain(")");
        }
        None => {}
    }
}

/// `any c in p.contacts`, `sum over visit x`: a quantifier's or a sum's
/// head, its binder written as in the rule.
fn write_range(out: &mut impl Out, head: &str, var: &str, over: &str, of_type: bool) {
    out.push_str(head);
    out.push_plain(" ");
    if of_type {
        out.push_str(over);
        out.push_plain(" ");
        out.push_str(var);
    } else {
        out.push_str(var);
        out.push_plain(" in ");
        out.push_str(over);
    }
}

/// How far a quantifier went: the element it stopped at, how many it
/// examined, or that the list is missing.
fn write_reach(out: &mut impl Out, var: &str, witness: Option<&Witness>, count: Option<usize>) {
    match (witness, count) {
        (Some(w), _) => {
            out.push_plain(": ");
            out.push_str(var);
            out.push_plain(" = ");
            write_chain(out, &w.element);
            if let Some(d) = w.depth {
                out.push_plain(" at ");
                out.push_plain(itoa::Buffer::new().format(d));
                out.push_plain(" hop");
                out.push_plain(plural(d as usize));
            }
        }
        (None, Some(n)) => {
            let _ = write!(out, ": {n} element{} examined", plural(n));
        }
        (None, None) => out.push_str(": the list is missing"),
    }
}

/// ` (a + b + c)`: a sum's terms, nothing when there are none.
fn write_terms(out: &mut impl Out, terms: &[Observed]) {
    for (i, t) in terms.iter().enumerate() {
        out.push_str(if i == 0 { " (" } else { " + " });
        write_chain(out, t);
    }
    if !terms.is_empty() {
        out.push(')');
    }
}

/// `(a, b)`: a call's arguments, by value.
fn write_args(out: &mut impl Out, args: &[Observed]) {
    out.push_plain("(");
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_plain(", ");
        }
        write_shown(out, &a.value);
    }
    out.push_plain(")");
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

    /// Each ASCII character, at each place of a string of up to two
    /// words and more, is escaped as serde_json escapes it; so are `é` and
    /// `→`.
    #[test]
    fn escape_into_escapes_as_serde_does() {
        let chars = (0..0x80u8).map(char::from).chain(['é', '→']);
        for c in chars {
            for (len, at) in (0..18).flat_map(|len| (0..=len).map(move |at| (len, at))) {
                let mut s: String = "abcdefghijklmnopq"[..len].into();
                s.insert(at, c);
                let mut out = Vec::new();
                escape_into(&mut out, s.as_bytes());
                let want = serde_json::to_string(&s).unwrap_or_default();
                assert_eq!(String::from_utf8_lossy(&out), want[1..want.len() - 1], "{s:?}");
            }
        }
    }

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
