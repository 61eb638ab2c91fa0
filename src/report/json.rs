//! JSON Lines output: one object per input record, in input order.
//!
//! The wire format is defined in `docs/json.md`, a stable interface: a key
//! added, renamed or moved here changes that page (its examples are checked
//! against this writer by `docs_json_examples_are_what_check_writes`).

use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::sync::{Arc, Weak};

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::compact::{CompactLine, CompactTables};
use super::hops::HopsWritten;
use super::text::{JsonText, quoted_into, write_fact_text};
use crate::ast::{CmpOp, Effect, Severity};
use crate::check::{Program, Rule};
use crate::eval::{
    Chain, Decision, Fact, FactKind, Hop, LinkProblem, LinkWarning, Miss, Observed, Outcome, Shown, Verdict, Waived,
    Witness,
};
use crate::records::{RecordError, Records};
use crate::source::{Loc, Position, SourceFile};

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A line that is not a verdict (verdicts are written by [`Json`]).
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line<'a> {
    Error(ErrorOut<'a>),
}

#[derive(Serialize)]
pub(super) struct WarningOut<'a> {
    field: &'a str,
    /// `null` for a field absent or a key undeclared.
    target: Option<&'a str>,
    problem: &'a LinkProblem,
    message: String,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    id: Option<&'a str>,
    source: &'a Position,
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    first: Option<&'a Position>,
}

/// Evidence for a serde structure (`explain --format json`): written by
/// [`Json`] and passed through as raw JSON, so both outputs share one
/// rendering.
pub(crate) struct FactsJson<'a>(pub(crate) &'a [Fact]);

impl Serialize for FactsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = Vec::new();
        Json::new(&mut buf).facts(self.0).map_err(serde::ser::Error::custom)?;
        let text = String::from_utf8(buf).map_err(serde::ser::Error::custom)?;
        serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

/// `{"file", "line", "column"}` of a rule-text location, written without
/// building a [`Position`].
pub(crate) struct LocJson<'a>(pub(crate) &'a Loc);

impl Serialize for LocJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (line, column) = self.0.line_col();
        let mut m = s.serialize_struct("Position", 3)?;
        m.serialize_field("file", self.0.src.name())?;
        m.serialize_field("line", &line)?;
        m.serialize_field("column", &column)?;
        m.end()
    }
}

/// A location's JSON by its source's address, span, and whether its text
/// comes first (see [`Json::cached`]).
type LocationKey = (usize, usize, usize, bool);

/// How many locations a thread keeps rendered: more than a program has
/// facts that fire, in any but a huge one (then the cache starts again).
const LOCATIONS_KEPT: usize = 4096;

/// A location's JSON, and a weak reference to its source: while it is
/// kept, the source's allocation stays (its text does not), so its
/// address names no other source.
type LocationJson = (Weak<SourceFile>, Box<[u8]>);

/// A rule's header JSON (see [`Json::rule_header`]), with what it was
/// rendered from; the weak reference keeps the key's address its own, as
/// for a location.
struct RuleHeader {
    src: Weak<SourceFile>,
    name: Box<str>,
    title: Box<str>,
    effect: Effect,
    severity: Severity,
    json: Box<[u8]>,
}

impl RuleHeader {
    fn is_of(&self, r: &Rule) -> bool {
        std::ptr::eq(self.src.as_ptr(), Arc::as_ptr(&r.loc.src))
            && *self.name == r.name
            && *self.title == r.title
            && self.effect == r.effect
            && self.severity == r.severity
    }
}

thread_local! {
    static LOCATIONS: RefCell<HashMap<LocationKey, LocationJson>> = RefCell::new(HashMap::default());
    static RULE_HEADERS: RefCell<HashMap<LocationKey, RuleHeader>> = RefCell::new(HashMap::default());
    /// The file the last verdict's `source` named, and `{"file": …,"line":`
    /// rendered for it (see [`Json::source`]).
    static SOURCE_FILE: RefCell<(String, Vec<u8>)> = const { RefCell::new((String::new(), Vec::new())) };
    /// A writer's [`Json::kept`], kept from line to line so that a line
    /// does not grow its buffers again.
    static KEPT: Cell<Kept> = const { Cell::new(Kept::new()) };
}

/// A verdict line written by hand, in the shape of `docs/json.md`. serde's
/// map serializer escapes every key and value byte by byte, and verdicts
/// with their evidence are most of what `check` writes; here keys are
/// literals and printable ASCII values are copied as they are. Each method
/// writes one JSON value; an object's entries are written with the commas
/// and keys spelled out, in the documented order.
struct Json<'b> {
    out: &'b mut Vec<u8>,
    /// What the line has written so far, to copy: taken from the thread
    /// when the line first shows evidence (most lines show none).
    kept: Option<Kept>,
    /// The compact shape (`--evidence compact`): the tables its lines refer
    /// to, and the records this line has shown. `None`: the full shape.
    compact: Option<CompactLine<'b>>,
}

/// What a line has written, to copy where it is written again: its
/// records and record hops (see [`Json::hop`]), its chains' arrays (see
/// [`Json::chain`]) and its chains' texts in summaries.
struct Kept {
    written: Vec<Written>,
    chains: Vec<ChainWritten>,
    texts: HopsWritten,
}

impl Kept {
    const fn new() -> Kept {
        Kept { written: Vec::new(), chains: Vec::new(), texts: HopsWritten::new() }
    }
}

/// A chain's array written into the line: the address and length of its
/// hops, and where its text is.
struct ChainWritten {
    hops: (usize, usize),
    at: std::ops::Range<usize>,
}

/// A record hop or a record's entries written into the line: the
/// addresses of its strings (the hop's field first, 0 for entries), and
/// where its text is.
struct Written {
    strings: [usize; 4],
    at: std::ops::Range<usize>,
}

/// How many [`Written`] a writer keeps for its next line: more than a
/// line of evidence shows in any but a huge one.
const WRITTEN_KEPT: usize = 1024;

impl Drop for Json<'_> {
    fn drop(&mut self) {
        let Some(mut kept) = self.kept.take() else { return };
        if kept.written.capacity() <= WRITTEN_KEPT {
            kept.written.clear();
            kept.chains.clear();
            kept.texts.clear();
            KEPT.set(kept);
        }
    }
}

/// The address of a string, to tell the strings of a line's evidence apart.
fn address(s: &Arc<str>) -> usize {
    Arc::as_ptr(s) as *const u8 as usize
}

impl<'b> Json<'b> {
    fn new(out: &'b mut Vec<u8>) -> Json<'b> {
        Json { out, kept: None, compact: None }
    }

    /// A writer of the compact shape's lines, which refer to `tables`.
    fn compact(out: &'b mut Vec<u8>, tables: &'b CompactTables) -> Json<'b> {
        Json { out, kept: None, compact: Some(CompactLine::new(tables)) }
    }

    /// What the line has written so far, to copy.
    fn kept(&mut self) -> &mut Kept {
        self.kept.get_or_insert_with(|| KEPT.replace(Kept::new()))
    }

    fn raw(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    fn str(&mut self, s: &str) -> io::Result<()> {
        quoted_into(self.out, s);
        Ok(())
    }

    /// A keyword of the language (`deny`, `medium`): letters only, so
    /// written without [`Json::str`]'s scan.
    fn word(&mut self, w: &'static str) {
        self.out.push(b'"');
        self.raw(w);
        self.out.push(b'"');
    }

    fn opt_str(&mut self, s: Option<&str>) -> io::Result<()> {
        match s {
            Some(s) => self.str(s),
            None => {
                self.raw("null");
                Ok(())
            }
        }
    }

    fn int(&mut self, n: usize) {
        self.raw(itoa::Buffer::new().format(n));
    }

    fn opt_int(&mut self, n: Option<usize>) {
        match n {
            Some(n) => self.int(n),
            None => self.raw("null"),
        }
    }

    /// `,"var": …,"over": …,"of_type": …` of a quantifier or a sum.
    fn range_entries(&mut self, var: &str, over: &str, of_type: bool) -> io::Result<()> {
        self.raw(",\"var\":");
        self.str(var)?;
        self.raw(",\"over\":");
        self.str(over)?;
        self.raw(",\"of_type\":");
        self.bool(of_type);
        Ok(())
    }

    fn bool(&mut self, b: bool) {
        self.raw(if b { "true" } else { "false" });
    }

    /// Anything else, through serde.
    fn serde<T: Serialize + ?Sized>(&mut self, v: &T) -> io::Result<()> {
        serde_json::to_writer(&mut *self.out, v).map_err(io::Error::from)
    }

    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T) -> io::Result<()>) -> io::Result<()> {
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            each(self, item)?;
        }
        self.out.push(b']');
        Ok(())
    }

    fn position(&mut self, file: &str, line: usize, column: usize) -> io::Result<()> {
        self.raw("{\"file\":");
        self.str(file)?;
        self.raw(",\"line\":");
        self.int(line);
        self.raw(",\"column\":");
        self.int(column);
        self.raw("}");
        Ok(())
    }

    /// A record's source position: a run's records come from few files, so
    /// each thread escapes the file name once while it stays the same
    /// (compared by its text: the name's address may be another's later).
    fn source(&mut self, file: &str, line: usize, column: usize) {
        SOURCE_FILE.with_borrow_mut(|(last, json)| {
            if json.is_empty() || last != file {
                last.clear();
                json.clear();
                last.push_str(file);
                json.extend_from_slice(b"{\"file\":");
                quoted_into(json, file);
                json.extend_from_slice(b",\"line\":");
            }
            self.out.extend_from_slice(json);
        });
        self.int(line);
        self.raw(",\"column\":");
        self.int(column);
        self.raw("}");
    }

    fn loc(&mut self, loc: &Loc) -> io::Result<()> {
        self.cached(loc, false)
    }

    /// The location's position object, after its text (`,"text": …,
    /// "location": `) when `with_text`: the few locations of a program
    /// are written for every fired rule, so each thread renders each once
    /// and copies it after (line and column are counted from the start of
    /// the line, the file name is escaped).
    fn cached(&mut self, loc: &Loc, with_text: bool) -> io::Result<()> {
        LOCATIONS.with_borrow_mut(|cache| {
            let key = (Arc::as_ptr(&loc.src) as usize, loc.span.start, loc.span.end, with_text);
            if let Some((_, json)) = cache.get(&key) {
                self.out.extend_from_slice(json);
                return Ok(());
            }
            let mut json = Vec::new();
            {
                let mut j = Json::new(&mut json);
                if with_text {
                    j.raw(",\"text\":");
                    j.str(loc.text())?;
                    j.raw(",\"location\":");
                }
                let (line, column) = loc.line_col();
                j.position(loc.src.name(), line, column)?;
            }
            self.out.extend_from_slice(&json);
            if cache.len() >= LOCATIONS_KEPT {
                cache.clear();
            }
            cache.insert(key, (Arc::downgrade(&loc.src), json.into()));
            Ok(())
        })
    }

    fn facts(&mut self, facts: &[Fact]) -> io::Result<()> {
        self.list(facts, Self::fact)
    }

    fn fact(&mut self, f: &Fact) -> io::Result<()> {
        self.fact_kind_entries(&f.kind)?;
        // The compact shape refers to the condition by its line in the
        // tables (a condition not there, none that the rules hold, is
        // written as in full).
        let compact = self.compact.as_ref().map(|c| c.condition_ref(&f.loc));
        match compact {
            Some(Some(n)) => {
                self.raw(",\"ref\":");
                self.int(n);
            }
            _ => self.cached(&f.loc, true)?,
        }
        self.raw(",\"holds\":");
        self.bool(f.holds);
        if compact.is_some() {
            self.raw("}");
            return Ok(());
        }
        // The summary is written into the line as it is made, escaped on
        // the way, not built as a string first.
        self.raw(",\"summary\":\"");
        let kept = self.kept.get_or_insert_with(|| KEPT.replace(Kept::new()));
        write_fact_text(&mut JsonText(self.out, Some(&mut kept.texts)), f);
        self.raw("\"}");
        Ok(())
    }

    /// `{"kind": …` and the keys of that kind, left open for the keys every
    /// fact has.
    fn fact_kind_entries(&mut self, kind: &FactKind) -> io::Result<()> {
        match kind {
            FactKind::Compare { lhs, op, rhs } => {
                self.raw("{\"kind\":\"compare\",\"left\":");
                self.observed(lhs)?;
                self.comparison_entries(*op, rhs)
            }
            FactKind::Matches { subject, pattern } => {
                self.raw("{\"kind\":\"matches\",\"subject\":");
                self.observed(subject)?;
                self.raw(",\"pattern\":");
                self.str(pattern)
            }
            FactKind::Exists { path } => {
                self.raw("{\"kind\":\"exists\",\"path\":");
                self.observed(path)
            }
            FactKind::Is { subject, verdict, by, decision, rules } => {
                self.raw("{\"kind\":\"is\",\"subject\":");
                self.observed(subject)?;
                self.raw(",\"verdict\":");
                self.str(verdict.as_str())?;
                self.raw(",\"by\":");
                self.opt_str(by.as_deref())?;
                self.raw(",\"decision\":");
                self.opt_str(decision.map(Decision::as_str))?;
                self.raw(",\"rules\":");
                self.list(rules, |j, r| j.str(r))
            }
            FactKind::Quantifier { quantifier, var, over, of_type, count, witness, body, misses, more_misses } => {
                self.raw("{\"kind\":\"quantifier\",\"quantifier\":");
                self.str(quantifier.as_str())?;
                self.range_entries(var, over, *of_type)?;
                self.reach_entries(*count, witness.as_ref())?;
                self.evidence_entry(body)?;
                self.misses_entries(misses, *more_misses)
            }
            FactKind::Sum { var, over, of_type, terms, total, op, rhs, body } => {
                self.raw("{\"kind\":\"sum\"");
                self.range_entries(var, over, *of_type)?;
                self.raw(",\"terms\":");
                self.list(terms, Self::observed)?;
                self.raw(",\"total\":");
                self.serde(total)?;
                self.comparison_entries(*op, rhs)?;
                self.evidence_entry(body)
            }
            FactKind::Call { def, args, body } => {
                self.raw("{\"kind\":\"call\",\"def\":");
                self.str(def)?;
                self.raw(",\"args\":");
                self.list(args, Self::observed)?;
                self.evidence_entry(body)
            }
            FactKind::Truthy { value } => {
                self.raw("{\"kind\":\"value\",\"value\":");
                self.observed(value)
            }
        }
    }

    /// `,"op": …,"right": …` of a comparison or a sum.
    fn comparison_entries(&mut self, op: CmpOp, rhs: &Observed) -> io::Result<()> {
        self.raw(",\"op\":");
        self.str(op.as_str())?;
        self.raw(",\"right\":");
        self.observed(rhs)
    }

    /// `,"evidence": […]` of a fact with facts inside.
    fn evidence_entry(&mut self, body: &[Fact]) -> io::Result<()> {
        self.raw(",\"evidence\":");
        self.facts(body)
    }

    /// `,"misses": […],"more_misses": N` of a quantifier that did not hold,
    /// in `explain` (nothing when there are none): each element examined
    /// that did not satisfy it, nearest first, as a witness is written plus
    /// `terms_held` and its body's `evidence`.
    fn misses_entries(&mut self, misses: &[Miss], more: usize) -> io::Result<()> {
        if misses.is_empty() {
            return Ok(());
        }
        self.raw(",\"misses\":");
        self.list(misses, |j, m| {
            j.witness_entries(&m.element)?;
            j.raw(",\"terms_held\":");
            j.int(m.terms_held);
            j.evidence_entry(&m.body)?;
            j.raw("}");
            Ok(())
        })?;
        self.raw(",\"more_misses\":");
        self.int(more);
        Ok(())
    }

    /// `,"count": …,"witness": …` of a quantifier: how many elements it
    /// examined, or the one it stopped at.
    fn reach_entries(&mut self, count: Option<usize>, witness: Option<&Witness>) -> io::Result<()> {
        self.raw(",\"count\":");
        self.opt_int(count);
        self.raw(",\"witness\":");
        let Some(w) = witness else {
            self.raw("null");
            return Ok(());
        };
        self.witness(w)
    }

    /// `{"chain": […], …the value's keys, "depth": …, "position": …}`.
    fn witness(&mut self, w: &Witness) -> io::Result<()> {
        self.witness_entries(w)?;
        self.raw("}");
        Ok(())
    }

    /// A witness's object, left open for more keys.
    fn witness_entries(&mut self, w: &Witness) -> io::Result<()> {
        self.raw("{\"chain\":");
        self.chain(&w.element.chain)?;
        self.raw(",");
        self.shown_entries(&w.element.value)?;
        self.raw(",\"depth\":");
        self.opt_int(w.depth.map(|d| d as usize));
        self.raw(",\"position\":");
        self.int(w.position);
        Ok(())
    }

    /// `{"chain": […], …the value's own keys}`, and for a computed value
    /// `"computed": {"text", "from"}`.
    fn observed(&mut self, o: &Observed) -> io::Result<()> {
        self.raw("{\"chain\":");
        self.chain(&o.chain)?;
        self.raw(",");
        self.shown_entries(&o.value)?;
        if let Some(c) = &o.computed {
            self.raw(",\"computed\":{\"text\":");
            self.str(&c.text)?;
            self.raw(",\"from\":");
            self.observed(&c.from)?;
            self.raw("}");
        }
        self.raw("}");
        Ok(())
    }

    /// A chain's array of hops. The chain itself written before in the
    /// line (a witness's, in the argument it is passed as: one chain
    /// shared) is copied from there; another, a hop at a time.
    fn chain(&mut self, chain: &Chain) -> io::Result<()> {
        let hops = chain.iter().as_slice();
        if hops.len() < 2 {
            return self.list(hops, Self::hop);
        }
        let key = (hops.as_ptr() as usize, hops.len());
        if let Some(seen) = self.kept().chains.iter().find(|c| c.hops == key).map(|c| c.at.clone()) {
            self.out.extend_from_within(seen);
            return Ok(());
        }
        let start = self.out.len();
        self.list(hops, Self::hop)?;
        let at = start..self.out.len();
        self.kept().chains.push(ChainWritten { hops: key, at });
        Ok(())
    }

    /// A hop's object in a chain. A record hop seen before in this line
    /// (a chain is cloned into each value read along it, its strings
    /// shared) is copied from where it was written: the same strings at
    /// the same addresses, all alive while the verdict is written, are the
    /// same hop.
    fn hop(&mut self, h: &Hop) -> io::Result<()> {
        let strings = match &h.to {
            Shown::Record { id, record_type, name } => {
                Some([address(&h.via), address(id), address(record_type), name.as_ref().map_or(0, address)])
            }
            _ => None,
        };
        if let Some(strings) = strings
            && self.copy_written(strings)
        {
            return Ok(());
        }
        let start = self.out.len();
        self.raw("{\"via\":");
        self.opt_str((!h.via.is_empty()).then(|| h.via.trim_start_matches('.')))?;
        self.raw(",");
        self.shown_entries(&h.to)?;
        self.raw("}");
        if let Some(strings) = strings {
            let at = start..self.out.len();
            self.kept().written.push(Written { strings, at });
        }
        Ok(())
    }

    /// Copies the text written before for `strings`, if it was.
    fn copy_written(&mut self, strings: [usize; 4]) -> bool {
        match self.kept().written.iter().rev().find(|w| w.strings == strings).map(|w| w.at.clone()) {
            Some(seen) => {
                self.out.extend_from_within(seen);
                true
            }
            None => false,
        }
    }

    /// A value seen, as the keys of the object it is in: `"record": …`,
    /// `"value": …`, ….
    fn shown_entries(&mut self, s: &Shown) -> io::Result<()> {
        match s {
            Shown::Record { id, record_type, name } => {
                if let Some(c) = &mut self.compact {
                    // Its type and name go in the line's table of records.
                    c.note_record(id, record_type, name.as_deref());
                    self.raw("\"record\":");
                    return self.str(id);
                }
                // A record is shown again and again in a line (a witness,
                // the argument it is passed as, the hops to it): its
                // entries are copied from where they were first written.
                let strings = [0, address(id), address(record_type), name.as_ref().map_or(0, address)];
                if self.copy_written(strings) {
                    return Ok(());
                }
                let start = self.out.len();
                self.raw("\"record\":");
                self.str(id)?;
                self.raw(",\"type\":");
                self.str(record_type)?;
                self.raw(",\"name\":");
                self.opt_str(name.as_deref())?;
                let at = start..self.out.len();
                self.kept().written.push(Written { strings, at });
                Ok(())
            }
            Shown::Value(serde_json::Value::String(_)) | Shown::Text(_) => {
                self.raw("\"value\":");
                self.str(s.text().unwrap_or_default())
            }
            Shown::Value(v) => {
                self.raw("\"value\":");
                self.serde(v)
            }
            Shown::List(items) => {
                self.raw("\"list\":");
                self.list(items, |j, x| {
                    j.raw("{");
                    j.shown_entries(x)?;
                    j.raw("}");
                    Ok(())
                })
            }
            Shown::Missing => {
                self.raw("\"missing\":true");
                Ok(())
            }
            Shown::Unresolved(id) => {
                self.raw("\"unresolved\":");
                self.str(id)
            }
            Shown::Elided(n) => {
                self.raw("\"elided\":");
                self.int(*n);
                Ok(())
            }
        }
    }

    /// `{"rule", "title", "effect", "severity", "location", "evidence"`,
    /// left open for a waived rule's further keys.
    /// In the compact shape, `{"rule", "evidence"`: the rest is in the
    /// rule's line of the tables.
    fn rule_entries(&mut self, program: &Program, rule: crate::check::RuleId, evidence: &[Fact]) -> io::Result<()> {
        if self.compact.is_some() {
            self.raw("{\"rule\":");
            self.str(&program.rule(rule).name)?;
        } else {
            self.rule_header(program.rule(rule))?;
        }
        self.raw(",\"evidence\":");
        self.facts(evidence)
    }

    /// A rule's entries before its evidence, the same wherever it fires:
    /// each thread renders each rule's once and copies it after (its
    /// strings compared, so a rule of another program at the same place
    /// is rendered anew).
    fn rule_header(&mut self, r: &Rule) -> io::Result<()> {
        RULE_HEADERS.with_borrow_mut(|cache| {
            let key = (Arc::as_ptr(&r.loc.src) as usize, r.loc.span.start, r.loc.span.end, false);
            if let Some(kept) = cache.get(&key)
                && kept.is_of(r)
            {
                self.out.extend_from_slice(&kept.json);
                return Ok(());
            }
            let mut json = Vec::new();
            Json::new(&mut json).rule_header_rendered(r)?;
            self.out.extend_from_slice(&json);
            if cache.len() >= LOCATIONS_KEPT {
                cache.clear();
            }
            let src = Arc::downgrade(&r.loc.src);
            let (name, title) = (r.name.as_str().into(), r.title.as_str().into());
            cache.insert(
                key,
                RuleHeader { src, name, title, effect: r.effect, severity: r.severity, json: json.into() },
            );
            Ok(())
        })
    }

    fn rule_header_rendered(&mut self, r: &Rule) -> io::Result<()> {
        self.raw("{");
        self.rule_header_entries(r)
    }

    /// `"rule": …,"title": …,"effect": …,"severity": …,"location": …`.
    fn rule_header_entries(&mut self, r: &Rule) -> io::Result<()> {
        self.raw("\"rule\":");
        self.str(&r.name)?;
        self.raw(",\"title\":");
        self.str(&r.title)?;
        self.raw(",\"effect\":");
        self.word(r.effect.as_str());
        self.raw(",\"severity\":");
        self.word(r.severity.as_str());
        self.raw(",\"location\":");
        self.loc(&r.loc)
    }

    fn verdict(&mut self, program: &Program, store: &dyn Records, v: &Verdict) -> io::Result<()> {
        let id = store.id(v.record);
        self.raw("{\"kind\":\"verdict\",\"id\":");
        self.str(id)?;
        self.raw(",\"type\":");
        self.str(store.record_type(v.record))?;
        self.raw(",\"decision\":");
        self.word(v.decision.as_str());
        self.raw(",\"rules\":");
        if v.fired.is_empty() && v.waived.is_empty() {
            // Most records: no list to gather.
            self.raw("[]");
        } else {
            // The decision in one list: fired, waived, then the exemptions
            // that waived them (each once).
            let mut rules: Vec<&str> = v.fired.iter().map(|f| program.rule(f.rule).name.as_str()).collect();
            rules.extend(v.waived.iter().map(|w| program.rule(w.rule).name.as_str()));
            for w in &v.waived {
                let x = program.exemption(w.exemption).name.as_str();
                if !rules.contains(&x) {
                    rules.push(x);
                }
            }
            self.list(&rules, |j, r| j.str(r))?;
        }
        let (file, line, column) = store.source(v.record);
        self.raw(",\"source\":");
        self.source(&file, line, column);
        self.raw(",\"fired\":");
        self.list(&v.fired, |j, f| {
            j.rule_entries(program, f.rule, &f.evidence)?;
            j.raw("}");
            Ok(())
        })?;
        self.raw(",\"waived\":");
        self.list(&v.waived, |j, w| j.waived_rule(program, w))?;
        self.raw(",\"warnings\":");
        self.list(&v.warnings, |j, w| j.serde(&WarningOut::of(w, id)))?;
        if let Some(c) = self.compact.take() {
            self.raw(",\"records\":");
            c.write_records(self.out);
        }
        self.raw("}");
        Ok(())
    }

    /// A waived rule's object: a rule object, the exemption's name, and
    /// the exemption (in the compact shape, its name and evidence).
    fn waived_rule(&mut self, program: &Program, w: &Waived) -> io::Result<()> {
        let x = program.exemption(w.exemption);
        self.rule_entries(program, w.rule, &w.evidence)?;
        self.raw(",\"waived_by\":");
        self.str(&x.name)?;
        self.raw(",\"exemption\":{");
        if self.compact.is_some() {
            self.raw("\"name\":");
            self.str(&x.name)?;
        } else {
            self.exemption_entries(x)?;
        }
        self.raw(",\"evidence\":");
        self.facts(&w.exemption_evidence)?;
        self.raw("}}");
        Ok(())
    }

    /// `"name": …,"title": …,"location": …` of an exemption.
    fn exemption_entries(&mut self, x: &crate::check::Exemption) -> io::Result<()> {
        self.raw("\"name\":");
        self.str(&x.name)?;
        self.raw(",\"title\":");
        self.str(&x.title)?;
        self.raw(",\"location\":");
        self.loc(&x.loc)
    }
}

impl<'a> WarningOut<'a> {
    /// A warning on record `id`.
    pub(super) fn of(w: &'a LinkWarning, id: &str) -> WarningOut<'a> {
        let target = match w.problem {
            LinkProblem::Absent | LinkProblem::Undeclared { .. } => None,
            _ => Some(w.target.as_str()),
        };
        WarningOut { field: &w.field, target, problem: &w.problem, message: w.message(id) }
    }
}

fn record_error_line(e: &RecordError) -> Line<'_> {
    Line::Error(ErrorOut {
        id: e.id(),
        source: e.position(),
        error: ErrorDetail { code: e.kind().code(), message: e.message(), help: e.help_text(), first: e.first() },
    })
}

/// Writes one JSON object per outcome, one per line.
pub fn write_json(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    outcomes: &[Outcome<'_>],
) -> io::Result<()> {
    let mut line = Vec::with_capacity(1024);
    for outcome in outcomes {
        line.clear();
        append_json(&mut line, program, store, std::slice::from_ref(outcome))?;
        w.write_all(&line)?;
    }
    Ok(())
}

/// [`write_json`] onto the end of a buffer, with no copy between.
pub fn append_json(
    buf: &mut Vec<u8>,
    program: &Program,
    store: &dyn Records,
    outcomes: &[Outcome<'_>],
) -> io::Result<()> {
    append_lines(buf, program, store, outcomes, None)
}

/// The tables' lines, which begin the compact stream: one per rule
/// (`{"kind": "rule", …the rule object's keys before its evidence}`), per
/// exemption (`{"kind": "exemption", "name", "title", "location"}`) and
/// per condition (`{"kind": "condition", "ref", "text", "location"}`).
pub fn append_compact_tables(buf: &mut Vec<u8>, program: &Program, tables: &CompactTables) -> io::Result<()> {
    let mut j = Json::new(buf);
    for r in program.rules() {
        j.raw("{\"kind\":\"rule\",");
        j.rule_header_entries(r)?;
        j.raw("}\n");
    }
    for x in program.exemptions() {
        j.raw("{\"kind\":\"exemption\",");
        j.exemption_entries(x)?;
        j.raw("}\n");
    }
    for (n, loc) in tables.conditions().iter().enumerate() {
        j.raw("{\"kind\":\"condition\",\"ref\":");
        j.int(n);
        j.cached(loc, true)?;
        j.raw("}\n");
    }
    Ok(())
}

/// The compact lines of `outcomes` onto the end of a buffer: verdicts
/// referring to `tables`, errors as in the full shape.
pub fn append_compact(
    buf: &mut Vec<u8>,
    program: &Program,
    store: &dyn Records,
    tables: &CompactTables,
    outcomes: &[Outcome<'_>],
) -> io::Result<()> {
    append_lines(buf, program, store, outcomes, Some(tables))
}

/// The lines of `outcomes` onto the end of a buffer: in the full shape, or
/// in the compact one (referring to `compact`).
fn append_lines(
    buf: &mut Vec<u8>,
    program: &Program,
    store: &dyn Records,
    outcomes: &[Outcome<'_>],
    compact: Option<&CompactTables>,
) -> io::Result<()> {
    for outcome in outcomes {
        let error = match outcome {
            Outcome::Verdict(v) => {
                match compact {
                    Some(tables) => Json::compact(buf, tables).verdict(program, store, v)?,
                    None => Json::new(buf).verdict(program, store, v)?,
                }
                buf.push(b'\n');
                continue;
            }
            Outcome::RecordError(e) => record_error_line(e),
            Outcome::EvalError(e) => Line::Error(ErrorOut {
                id: Some(e.id()),
                source: e.position(),
                error: ErrorDetail {
                    code: e.kind().code(),
                    message: e.message(),
                    help: Some(e.help_text()),
                    first: None,
                },
            }),
        };
        serde_json::to_writer(&mut *buf, &error)?;
        buf.push(b'\n');
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::text::{chain_text, fact_text};

    #[test]
    fn chain_text_reads_like_the_design() {
        let o = Observed {
            chain: Chain::from(vec![
                crate::eval::Hop::start(Shown::Record { id: "v-12".into(), record_type: "venue".into(), name: None }),
                crate::eval::Hop {
                    via: ".operator".into(),
                    to: Shown::Record { id: "p-7".into(), record_type: "person".into(), name: Some("Kim".into()) },
                },
                crate::eval::Hop { via: ".nationality".into(), to: Shown::Value("KR".into()) },
            ]),
            value: Shown::Value("KR".into()),
            computed: None,
        };
        assert_eq!(chain_text(&o), "venue v-12 → operator p-7 \"Kim\" → nationality \"KR\"");
    }

    /// The examples in docs/json.md, laid out there for reading, are byte
    /// for byte lines that `check --format json` writes for those inputs
    /// (those marked `json compact`, with `--evidence compact`).
    #[test]
    fn docs_json_examples_are_what_check_writes() {
        let doc = include_str!("../../docs/json.md");
        let examples: Vec<String> =
            doc.split("```json\n").skip(1).map(|b| minified(b.split("```").next().unwrap_or(""))).collect();
        assert_eq!(examples.len(), 3, "docs/json.md: a verdict, an error and a warning example");
        let trade = trade_screening_lines(false);
        assert!(trade.contains(&examples[0]), "docs/json.md's verdict example is not in the output:\n{}", examples[0]);
        let messy = check_lines(
            "tests/fixtures/messy.rules",
            &[("tests/fixtures/messy.jsonl", include_bytes!("../../tests/fixtures/messy.jsonl"))],
            "2024-01-01",
            false,
        );
        assert!(messy.contains(&examples[1]), "docs/json.md's error example is not in the output:\n{}", examples[1]);
        let unfit = check_lines(
            "tests/fixtures/unfit.rules",
            &[("tests/fixtures/unfit.jsonl", include_bytes!("../../tests/fixtures/unfit.jsonl"))],
            "2023-06-01",
            false,
        );
        // A warning, not a line: inside the verdict line of `d-1`.
        assert!(
            unfit.iter().any(|l| l.contains(&examples[2])),
            "docs/json.md's warning example is not in the output:\n{}",
            examples[2]
        );
        // The compact shape's: table lines and a verdict.
        let compact: Vec<String> =
            doc.split("```json compact\n").skip(1).map(|b| minified(b.split("```").next().unwrap_or(""))).collect();
        assert_eq!(compact.len(), 4, "docs/json.md: a rule, two conditions and a compact verdict");
        let trade = trade_screening_lines(true);
        for example in &compact {
            assert!(trade.contains(example), "docs/json.md's compact example is not in the output:\n{example}");
        }
    }

    /// `check --format json` of the trade-screening example (compact or full).
    fn trade_screening_lines(compact: bool) -> Vec<String> {
        check_lines(
            "rules/trade-screening",
            &[
                (
                    "rules/trade-screening/records/activity.jsonl",
                    include_bytes!("../../rules/trade-screening/records/activity.jsonl"),
                ),
                (
                    "rules/trade-screening/records/businesses.json",
                    include_bytes!("../../rules/trade-screening/records/businesses.json"),
                ),
                (
                    "rules/trade-screening/records/goods.jsonl",
                    include_bytes!("../../rules/trade-screening/records/goods.jsonl"),
                ),
                (
                    "rules/trade-screening/records/people.jsonl",
                    include_bytes!("../../rules/trade-screening/records/people.jsonl"),
                ),
            ],
            "2023-06-01",
            compact,
        )
    }

    /// JSON without the whitespace between tokens.
    fn minified(text: &str) -> String {
        let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
        for c in text.chars() {
            if in_string {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
                out.push(c);
            } else if !c.is_whitespace() {
                out.push(c);
            }
        }
        out
    }

    /// The lines `check --format json` writes (with `--evidence compact`
    /// when `compact`); records are compiled in, as this layer reads no
    /// files.
    fn check_lines(rules: &str, records: &[(&str, &[u8])], as_of: &str, compact: bool) -> Vec<String> {
        let rules = crate::RuleSet::load(&[rules]).unwrap();
        let store = crate::RecordStore::load(records.iter().map(|&(name, bytes)| crate::Input::new(name, bytes)));
        let as_of = crate::date::Date::parse_exact(as_of).unwrap();
        let outcomes = crate::Engine::new(rules.program(), &store, crate::EvalOptions { as_of }).evaluate();
        let mut out = Vec::new();
        if compact {
            let tables = CompactTables::new(rules.program());
            crate::report::append_compact_tables(&mut out, rules.program(), &tables).unwrap();
            crate::report::append_compact(&mut out, rules.program(), &store, &tables, &outcomes).unwrap();
        } else {
            append_json(&mut out, rules.program(), &store, &outcomes).unwrap();
        }
        String::from_utf8(out).unwrap().lines().map(str::to_owned).collect()
    }

    const TRICKY: &[&str] = &[
        "plain",
        "",
        "quote \" and backslash \\",
        "tab\tnewline\ncarriage\rbell\u{7}del\u{7f}",
        "Zhao Jun 赵军",
        "bidi \u{202e}override",
        "nul \u{0}",
    ];

    #[test]
    fn strings_are_written_as_serde_writes_them() {
        for s in TRICKY {
            let mut out = Vec::new();
            Json::new(&mut out).str(s).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    /// The escape test reads a string a word at a time, the last word
    /// overlapping the one before: a byte to escape is found at every
    /// place in strings of every length around a word's.
    #[test]
    fn an_escape_is_found_anywhere_in_strings_of_any_length() {
        for len in 0..=25 {
            for at in 0..len {
                for c in ['"', '\\', '\n', '\u{1}', '\u{1f}'] {
                    let s: String = (0..len).map(|i| if i == at { c } else { 'a' }).collect();
                    let mut out = Vec::new();
                    Json::new(&mut out).str(&s).unwrap();
                    assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
            let plain: String = (0..len).map(|i| if i % 3 == 0 { '\u{7f}' } else { 'é' }).collect();
            let mut out = Vec::new();
            Json::new(&mut out).str(&plain).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&plain).unwrap(), "{plain:?}");
        }
    }

    #[test]
    fn summaries_are_escaped_as_serde_escapes_them() {
        for s in TRICKY {
            let mut out = vec![b'"'];
            crate::report::text::Out::push_str(&mut JsonText(&mut out, None), s);
            out.push(b'"');
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    /// Locations are rendered once per thread and copied after: a source
    /// dropped and another made, likely where it was, is not taken for it.
    #[test]
    fn a_location_rendered_before_is_never_another_sources() {
        for i in 0..50 {
            let src = crate::source::SourceFile::new(format!("r{i}.rules"), "x.a".to_string());
            let loc = Loc { span: crate::source::Span::new(0, 3), src };
            let mut out = Vec::new();
            Json::new(&mut out).loc(&loc).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v["file"], format!("r{i}.rules"));
        }
    }

    /// A fact, and what its JSON must hold: a value at each JSON pointer.
    struct Case {
        fact: Fact,
        kind: &'static str,
        holds: Vec<(&'static str, serde_json::Value)>,
    }

    /// A fact at a location whose file name and text need escaping.
    fn fact(kind: FactKind) -> Fact {
        let src = crate::source::SourceFile::new("t \"rules\"", "x.a == \"é\"");
        Fact { loc: Loc { span: crate::source::Span::new(0, src.text().len()), src }, holds: true, kind }
    }

    fn record(id: &str) -> Shown {
        Shown::Record { id: id.into(), record_type: "person".into(), name: Some(TRICKY[3].into()) }
    }

    /// `value`, reached from a record through `.a`.
    fn seen(value: Shown) -> Observed {
        Observed {
            chain: Chain::from(vec![Hop::start(record("p\"1")), Hop { via: ".a".into(), to: value.clone() }]),
            value,
            computed: None,
        }
    }

    /// Each kind of value seen, compared with itself.
    fn value_cases() -> Vec<Case> {
        let case = |value: Shown, holds: Vec<(&'static str, serde_json::Value)>| Case {
            fact: fact(FactKind::Compare { lhs: seen(value.clone()), op: CmpOp::Eq, rhs: seen(value) }),
            kind: "compare",
            holds,
        };
        vec![
            case(Shown::Missing, vec![("/left/missing", json!(true))]),
            case(Shown::Unresolved(TRICKY[2].into()), vec![("/left/unresolved", json!(TRICKY[2]))]),
            case(Shown::Value(json!(2.5)), vec![("/left/value", json!(2.5)), ("/op", json!("=="))]),
            case(Shown::Value(json!(TRICKY[4])), vec![("/right/value", json!(TRICKY[4]))]),
            case(
                Shown::List(vec![record("a"), Shown::Value(json!([1, "b"]))]),
                vec![
                    ("/left/list/0/record", json!("a")),
                    ("/left/list/1/value", json!([1, "b"])),
                    ("/left/chain/0", json!({"via": null, "record": "p\"1", "type": "person", "name": TRICKY[3]})),
                    ("/left/chain/1/via", json!("a")),
                ],
            ),
        ]
    }

    fn case(fact_kind: FactKind, kind: &'static str, holds: Vec<(&'static str, serde_json::Value)>) -> Case {
        Case { fact: fact(fact_kind), kind, holds }
    }

    /// Each kind of test on one value but a comparison.
    fn test_cases() -> Vec<Case> {
        vec![
            case(
                FactKind::Matches { subject: seen(Shown::Value(json!(TRICKY[4]))), pattern: TRICKY[2].into() },
                "matches",
                vec![("/subject/value", json!(TRICKY[4])), ("/pattern", json!(TRICKY[2]))],
            ),
            case(FactKind::Exists { path: seen(Shown::Missing) }, "exists", vec![("/path/missing", json!(true))]),
            case(
                FactKind::Truthy { value: seen(Shown::Value(json!(2.5))) },
                "value",
                vec![("/value/value", json!(2.5))],
            ),
            case(
                FactKind::Is {
                    subject: seen(record("v")),
                    verdict: crate::ast::VerdictWord::Denied,
                    by: None,
                    decision: Some(Decision::Deny),
                    rules: vec![TRICKY[5].into()],
                },
                "is",
                vec![
                    ("/verdict", json!("denied")),
                    ("/by", json!(null)),
                    ("/decision", json!("deny")),
                    ("/rules", json!([TRICKY[5]])),
                ],
            ),
        ]
    }

    /// A witness's line as the evaluator shares its chain — passed on as
    /// the argument of a call, and one hop longer in the comparison read
    /// from it — or, when not `shared`, the same in chains and strings of
    /// their own: a chain copied where it was written before is written as
    /// one rendered anew.
    fn witness_line(shared: bool) -> Vec<u8> {
        let contacts: Arc<str> = ".contacts".into();
        let hops = || -> Vec<Hop> {
            let via = |i: usize| if i == 0 { Arc::default() } else { contacts.clone() };
            ["p\"0", "p1", "p22"].iter().enumerate().map(|(i, id)| Hop { via: via(i), to: record(id) }).collect()
        };
        let witness = Chain::from(hops());
        let apart = |c: &Chain| if shared { c.clone() } else { Chain::from(hops()) };
        let (arg, mut left) = (apart(&witness), apart(&witness));
        left.push(Hop { via: ".nationality".into(), to: Shown::Value(json!("KR")) });
        let value = witness.last().map(|h| h.to.clone()).unwrap_or_default();
        let observed = |chain: Chain, value: Shown| Observed { chain, value, computed: None };
        let compare = FactKind::Compare {
            lhs: observed(left, Shown::Value(json!("KR"))),
            op: CmpOp::Eq,
            rhs: observed(Chain::default(), Shown::Value(json!("KR"))),
        };
        let call = FactKind::Call {
            def: "south_korean".into(),
            args: vec![observed(arg, value.clone())],
            body: vec![fact(compare)],
        };
        let quantifier = FactKind::Quantifier {
            quantifier: crate::ast::Quantifier::Any,
            var: "c".into(),
            over: "p.contacts{1..2}".into(),
            of_type: false,
            count: None,
            witness: Some(crate::eval::Witness { element: observed(witness, value), depth: Some(2), position: 3 }),
            body: vec![fact(call)],
            misses: Vec::new(),
            more_misses: 0,
        };
        let mut out = Vec::new();
        Json::new(&mut out).facts(&[fact(quantifier)]).unwrap();
        out
    }

    #[test]
    fn chains_shared_in_a_line_are_written_as_chains_apart() {
        let (shared, apart) = (witness_line(true), witness_line(false));
        assert_eq!(String::from_utf8_lossy(&shared), String::from_utf8_lossy(&apart));
        // The witness's chain, as the witness, the argument and the start
        // of the comparison's left side; its text in two summaries.
        let text = String::from_utf8(shared).unwrap();
        assert_eq!(text.matches("[{\"via\":null,\"record\":\"p\\\"0\"").count(), 3, "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let chain = chain_text(&Observed {
            chain: Chain::from(vec![Hop::start(record("p\"0")), Hop { via: ".contacts".into(), to: record("p1") }]),
            value: Shown::Missing,
            computed: None,
        });
        for summary in [&v[0]["summary"], &v[0]["evidence"][0]["evidence"][0]["summary"]] {
            assert!(summary.as_str().is_some_and(|s| s.contains(&chain)), "{chain} in {summary}");
        }
    }

    /// A quantifier that did not hold, with its misses (`explain` only).
    fn misses_case(inner: &[Fact]) -> Case {
        case(
            FactKind::Quantifier {
                quantifier: crate::ast::Quantifier::Any,
                var: "c".into(),
                over: "p.contacts".into(),
                of_type: false,
                count: Some(12),
                witness: None,
                body: Vec::new(),
                misses: vec![Miss {
                    element: crate::eval::Witness { element: seen(record("m")), depth: None, position: 4 },
                    terms_held: 1,
                    body: inner.to_vec(),
                }],
                more_misses: 11,
            },
            "quantifier",
            vec![
                ("/count", json!(12)),
                ("/witness", json!(null)),
                ("/misses/0/record", json!("m")),
                ("/misses/0/position", json!(4)),
                ("/misses/0/terms_held", json!(1)),
                ("/more_misses", json!(11)),
            ],
        )
    }

    /// Each kind of fact with facts inside; `inner` is their evidence.
    fn nested_cases(inner: &[Fact]) -> Vec<Case> {
        vec![
            case(
                FactKind::Quantifier {
                    quantifier: crate::ast::Quantifier::Any,
                    var: "c".into(),
                    over: "p.contacts{1..2}".into(),
                    of_type: false,
                    count: None,
                    witness: Some(crate::eval::Witness { element: seen(record("w")), depth: Some(2), position: 3 }),
                    body: inner.to_vec(),
                    misses: Vec::new(),
                    more_misses: 0,
                },
                "quantifier",
                vec![
                    ("/over", json!("p.contacts{1..2}")),
                    ("/count", json!(null)),
                    ("/witness/record", json!("w")),
                    ("/witness/depth", json!(2)),
                    ("/witness/position", json!(3)),
                ],
            ),
            case(
                FactKind::Sum {
                    var: "x".into(),
                    over: "visit".into(),
                    of_type: true,
                    terms: vec![seen(Shown::Value(json!(2.5)))],
                    total: 2.5,
                    op: CmpOp::Gt,
                    rhs: seen(Shown::Value(json!(1))),
                    body: Vec::new(),
                },
                "sum",
                vec![
                    ("/of_type", json!(true)),
                    ("/terms/0/value", json!(2.5)),
                    ("/total", json!(2.5)),
                    ("/op", json!(">")),
                    ("/right/value", json!(1)),
                ],
            ),
            case(
                FactKind::Call { def: "d".into(), args: vec![seen(record("a"))], body: inner.to_vec() },
                "call",
                vec![("/def", json!("d")), ("/args/0/record", json!("a"))],
            ),
        ]
    }

    /// Every fact kind and every kind of value seen, with strings that need
    /// escaping, comes out as JSON holding what was seen.
    #[test]
    fn every_fact_kind_is_valid_json_holding_what_was_seen() {
        let mut cases = value_cases();
        cases.extend(test_cases());
        let inner: Vec<Fact> = cases.iter().map(|c| c.fact.clone()).collect();
        cases.extend(nested_cases(&inner));
        cases.push(misses_case(&inner));
        for case in &cases {
            let mut out = Vec::new();
            Json::new(&mut out).fact(&case.fact).unwrap();
            let v: serde_json::Value =
                serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)));
            assert_eq!(v["kind"], case.kind, "{v}");
            for (pointer, want) in &case.holds {
                assert_eq!(v.pointer(pointer), Some(want), "{pointer} in {v}");
            }
            assert_eq!(v["location"], json!({"file": "t \"rules\"", "line": 1, "column": 1}));
            assert_eq!(v["text"], "x.a == \"é\"");
            assert_eq!(v["holds"], true);
            assert_eq!(v["summary"], fact_text(&case.fact));
            if let FactKind::Quantifier { body, .. } | FactKind::Sum { body, .. } | FactKind::Call { body, .. } =
                &case.fact.kind
            {
                assert_eq!(v["evidence"].as_array().map(Vec::len), Some(body.len()), "{v}");
            }
        }
        // Through serde (explain's JSON), the same text.
        let facts: Vec<Fact> = cases.into_iter().map(|c| c.fact).collect();
        let mut out = Vec::new();
        Json::new(&mut out).facts(&facts).unwrap();
        assert_eq!(serde_json::to_vec(&FactsJson(&facts)).unwrap(), out);
    }
}
