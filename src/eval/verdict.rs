//! What evaluation produces: one [`Verdict`] per record, with evidence.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use serde::Serialize;

use crate::ast::{CmpOp, Quantifier, VerdictWord};
use crate::check::{ExemptionId, RuleId};
use crate::records::{RecordError, RecordIdx};
use crate::source::Loc;

use super::EvalError;

/// A record's final decision: the strongest effect of its fired, non-waived
/// rules (deny > flag > allow).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// No rule fired (or every one was waived).
    Allow,
    /// A `flag` rule fired.
    Flag,
    /// A `deny` rule fired.
    Deny,
}

impl Decision {
    /// `allow`, `flag` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Flag => "flag",
            Decision::Deny => "deny",
        }
    }
}

/// One input record's outcome, in input order.
#[derive(Debug)]
pub enum Outcome<'a> {
    /// The record was evaluated.
    Verdict(Verdict),
    /// The record could not be read (or, with `--strict`, does not fit its
    /// `entity` declaration: an error made for it, not held by the store).
    RecordError(Cow<'a, RecordError>),
    /// The record was read but could not be evaluated.
    EvalError(EvalError),
}

/// The verdict on one record.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The record.
    pub record: RecordIdx,
    /// Its decision.
    pub decision: Decision,
    /// Rules that fired and were not waived, in declaration order.
    pub fired: Vec<Fired>,
    /// Rules that fired and were waived, with the exemption.
    pub waived: Vec<Waived>,
    /// Links of this record that lead nowhere, and fields that do not fit
    /// its `entity` declaration.
    pub warnings: Vec<LinkWarning>,
}

/// A rule that fired.
#[derive(Debug, Clone)]
pub struct Fired {
    /// Which rule.
    pub rule: RuleId,
    /// Why its condition held.
    pub evidence: Vec<Fact>,
}

/// A rule that fired but was waived by an exemption.
#[derive(Debug, Clone)]
pub struct Waived {
    /// Which rule.
    pub rule: RuleId,
    /// Why its condition held.
    pub evidence: Vec<Fact>,
    /// The exemption that waived it (the first in declaration order that applies).
    pub exemption: ExemptionId,
    /// Why the exemption's condition held.
    pub exemption_evidence: Vec<Fact>,
}

/// A warning on a record: a link field whose value does not lead to a
/// usable record, or (with `entity` declarations) a field that does not fit
/// its declaration ([`LinkProblem::is_unfit`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkWarning {
    /// The field, or the key.
    pub field: String,
    /// The value found there (empty for a field absent or undeclared).
    pub target: String,
    /// What is wrong with it.
    pub problem: LinkProblem,
}

/// Why a link does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LinkProblem {
    /// No record has this id.
    Missing,
    /// The record has another type than the entity declares.
    WrongType {
        /// The declared entity.
        expected: String,
        /// The record's type.
        found: String,
    },
    /// The value is not a string id.
    NotAnId,
    /// A field declared without `?` is missing or `null`.
    Absent,
    /// A key the record's entity does not declare.
    Undeclared {
        /// The declared field closest to the key, if any is close.
        did_you_mean: Option<String>,
    },
    /// A value that does not read as its declared type.
    NotOfType {
        /// The declared type as written (`date`, `[person]`, `string?`).
        expected: String,
        /// What the value is instead (`a number`, `a string that is not a date`).
        found: String,
    },
}

impl LinkProblem {
    /// Whether the record does not fit its `entity` declaration: `--strict`
    /// makes it an error. A link to an id that is not a record (of the
    /// declared type) is not: the record is as declared, the data around
    /// it is incomplete.
    pub fn is_unfit(&self) -> bool {
        matches!(
            self,
            LinkProblem::NotAnId | LinkProblem::Absent | LinkProblem::Undeclared { .. } | LinkProblem::NotOfType { .. }
        )
    }

    /// What is wrong with a link to an id: no record has it (`found`, the
    /// type of the record that does, is `None`), or that record is not of
    /// the `declared` entity.
    pub(crate) fn of_id(found: Option<&str>, declared: Option<&str>) -> Option<LinkProblem> {
        match (found, declared) {
            (None, _) => Some(LinkProblem::Missing),
            (Some(found), Some(expected)) if found != expected => {
                Some(LinkProblem::WrongType { expected: expected.to_string(), found: found.to_string() })
            }
            _ => None,
        }
    }
}

impl LinkWarning {
    /// A record's warnings in the order they are shown: by field, then value.
    pub(crate) fn sort(warnings: &mut [LinkWarning]) {
        warnings.sort_by(|a, b| (&a.field, &a.target).cmp(&(&b.field, &b.target)));
    }

    /// One line for people.
    pub fn message(&self, record_id: &str) -> String {
        match &self.problem {
            LinkProblem::Missing => {
                format!("`{record_id}`.{} links to `{}`, which is not a record id", self.field, self.target)
            }
            LinkProblem::WrongType { expected, found } => format!(
                "`{record_id}`.{} links to `{}`, a `{found}` record, where a `{expected}` is declared",
                self.field, self.target
            ),
            LinkProblem::NotAnId => {
                format!("`{record_id}`.{} holds {}, not a record id", self.field, self.target)
            }
            LinkProblem::Absent => {
                format!("`{record_id}` has no `{}`, which is declared without `?`", self.field)
            }
            LinkProblem::Undeclared { did_you_mean } => {
                let hint = did_you_mean.as_ref().map(|f| format!("; did you mean `{f}`?")).unwrap_or_default();
                format!("`{record_id}` has the key `{}`, which its entity does not declare{hint}", self.field)
            }
            LinkProblem::NotOfType { expected, found } => {
                format!("`{record_id}`.{} holds `{}`, {found}, where `{expected}` is declared", self.field, self.target)
            }
        }
    }
}

thread_local! {
    /// The strings facts show lately (see [`shared`]).
    static SHARED: RefCell<Vec<Arc<str>>> = const { RefCell::new(Vec::new()) };
    /// The strings [`shared`] handed out lately, by the address of the
    /// text they were asked for by: (address, string) at the place the
    /// address hashes to.
    static SHARED_AT: RefCell<[SharedAt; SHARED_PLACES]> = const { RefCell::new([const { None }; SHARED_PLACES]) };
}

/// A place of [`SHARED_AT`]: the address of the text a string was last
/// asked for by, and the string.
type SharedAt = Option<(usize, Arc<str>)>;

/// How many strings [`SHARED`] keeps: more than a program's record types,
/// hop fields and the names in the facts of a record in any but a large
/// one (then it starts again).
const SHARED_KEPT: usize = 32;

/// How many places [`SHARED_AT`] has.
const SHARED_PLACES: usize = 64;

/// `s` as a shared string: a record's type, a hop's field, a quantifier's
/// binder and range and a def's name are the same few strings in every
/// fact, so each thread allocates each once and hands out its copies
/// (found by their text: nothing outlives a store or a program). They are
/// asked for by the program's texts, from the same places again and again:
/// a string is looked for first where it was by that address (and its
/// text checked), before among all by text.
pub(crate) fn shared(s: &str) -> Arc<str> {
    let at = s.as_ptr() as usize;
    // Fibonacci hashing: the texts' addresses differ in their middle bits.
    let place = (at.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> (usize::BITS - 6)) % SHARED_PLACES;
    let found = SHARED_AT.with_borrow(|places| match &places[place] {
        Some((a, found)) if *a == at && **found == *s => Some(Arc::clone(found)),
        _ => None,
    });
    if let Some(found) = found {
        return found;
    }
    let found = SHARED.with_borrow_mut(|kept| {
        if let Some(found) = kept.iter().find(|k| ***k == *s) {
            return Arc::clone(found);
        }
        if kept.len() >= SHARED_KEPT {
            kept.clear();
        }
        let new: Arc<str> = s.into();
        kept.push(Arc::clone(&new));
        new
    });
    SHARED_AT.with_borrow_mut(|places| places[place] = Some((at, Arc::clone(&found))));
    found
}

/// One observation that made (part of) a condition true or false.
#[derive(Debug, Clone)]
pub struct Fact {
    /// The text of the sub-condition.
    pub loc: Loc,
    /// Whether this sub-condition held.
    pub holds: bool,
    /// What was seen.
    pub kind: FactKind,
}

/// The kinds of observation.
#[derive(Debug, Clone)]
pub enum FactKind {
    /// `lhs op rhs`
    Compare {
        /// Left side as found.
        lhs: Observed,
        /// The operator.
        op: CmpOp,
        /// Right side as found.
        rhs: Observed,
    },
    /// `subject matches "pattern"`
    Matches {
        /// The string tested.
        subject: Observed,
        /// The pattern.
        pattern: String,
    },
    /// `exists path`
    Exists {
        /// What the path led to.
        path: Observed,
    },
    /// `path is denied [by rule]`
    Is {
        /// The record whose verdict was read.
        subject: Observed,
        /// The decision asked for.
        verdict: VerdictWord,
        /// `by RULE`, if written.
        by: Option<String>,
        /// The record's decision, if it is a record.
        decision: Option<Decision>,
        /// The rules that fired on it (not waived).
        rules: Vec<String>,
    },
    /// `any|all|none x in …: …`
    Quantifier {
        /// Which quantifier.
        quantifier: Quantifier,
        /// The binder.
        var: Arc<str>,
        /// The range as written: a path, or a record type.
        over: Arc<str>,
        /// Ranges over every record of the type `over` (`any visit x where …`).
        of_type: bool,
        /// How many elements the range held, when all were examined.
        count: Option<usize>,
        /// `any`/`none`: the element that satisfied the body; `all`: the one that did not.
        witness: Option<Witness>,
        /// The witness's own evidence (filter and body).
        body: Vec<Fact>,
        /// `explain` only (empty in verdicts): when the quantifier did not
        /// hold, the elements that did not satisfy it — for `any` each
        /// element examined, for `all` each that failed — nearest miss first,
        /// at most [`MISSES_SHOWN`].
        misses: Vec<Miss>,
        /// How many more misses there were than `misses` shows.
        more_misses: usize,
    },
    /// `sum(RANGE: value) op rhs`
    Sum {
        /// The binder.
        var: Arc<str>,
        /// The range as written: a path, or a record type.
        over: Arc<str>,
        /// Ranges over every record of the type `over`.
        of_type: bool,
        /// Each value added, with the chain from its element (elements
        /// without a number are left out).
        terms: Vec<Observed>,
        /// The total.
        total: f64,
        /// The comparison.
        op: CmpOp,
        /// What the total was compared with.
        rhs: Observed,
        /// Why each term was added: the filter's evidence for its element,
        /// term after term.
        body: Vec<Fact>,
    },
    /// `def(args…)`
    Call {
        /// The def.
        def: Arc<str>,
        /// The arguments as found.
        args: Vec<Observed>,
        /// The def body's evidence.
        body: Vec<Fact>,
    },
    /// A bare value used as a condition.
    Truthy {
        /// The value.
        value: Observed,
    },
}

/// The element a quantifier's verdict rests on.
#[derive(Debug, Clone)]
pub struct Witness {
    /// The element, with the chain of records that reached it.
    pub element: Observed,
    /// Hops from the start (hop ranges only).
    pub depth: Option<u32>,
    /// Position in the list it came from (input order for `any TYPE x`).
    pub position: usize,
}

/// How many misses a quantifier's why-not shows; the rest are counted.
pub const MISSES_SHOWN: usize = 10;

/// An element a quantifier examined that did not satisfy it (`explain`'s
/// why-not inside a quantifier).
#[derive(Debug, Clone)]
pub struct Miss {
    /// The element, as a witness shows it.
    pub element: Witness,
    /// How near it came: the `and` terms of its body that held before the
    /// body failed (those of nested chains and def bodies included, not
    /// those inside a nested quantifier, which orders its own misses).
    /// Misses are shown most first, ties in the order they were examined.
    pub terms_held: usize,
    /// The body's facts: the first false part, with the values seen.
    pub body: Vec<Fact>,
}

/// A value as found, with the chain of records followed to reach it.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// From the binder to the value; empty for literals.
    pub chain: Chain,
    /// The value at the end.
    pub value: Shown,
    /// For a value computed from another (`as_of - 1 year`,
    /// `lower(x.name)`): how, and from what.
    pub computed: Option<Box<Computed>>,
}

/// How a value seen was computed: `as_of - 1 year`, `lower(x.name)`.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The computation.
    pub how: Computation,
    /// The operand as written in the rule (`as_of - 1 year`).
    pub text: String,
    /// The value it was computed from, with its chain.
    pub from: Observed,
}

/// The computations of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computation {
    /// A date moved: `+ 30 days`.
    Shift(crate::date::DateShift),
    /// `lower(…)`.
    Lower,
}

/// The hops from a rule's record to a value (empty for literals, and
/// while no evidence is collected).
///
/// Shared, not copied: a clone (a witness's chain in a def's argument, a
/// binder's chain in each value read from it) is a count; the hops are
/// copied only when a chain shared is changed (a hop added to a path's
/// value). An empty chain allocates nothing.
#[derive(Clone, Default)]
pub struct Chain {
    hops: Option<Arc<Vec<Hop>>>,
}

impl Chain {
    /// How many hops.
    pub fn len(&self) -> usize {
        self.hops.as_ref().map_or(0, |h| h.len())
    }

    /// No hops (a literal, or no evidence collected).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hops, first to last.
    pub fn iter(&self) -> std::slice::Iter<'_, Hop> {
        self.hops.as_deref().map_or(&[][..], Vec::as_slice).iter()
    }

    /// The last hop.
    pub fn last(&self) -> Option<&Hop> {
        self.iter().next_back()
    }

    /// The hops to change: copied first if another chain shares them.
    fn hops_mut(&mut self) -> &mut Vec<Hop> {
        self.hops_with_room(0)
    }

    /// The hops to change, with room for `more`: a copy of hops shared
    /// (a value read from a variable copies the variable's chain to add
    /// its field) is made with that room, not grown again at once.
    fn hops_with_room(&mut self, more: usize) -> &mut Vec<Hop> {
        let hops = self.hops.get_or_insert_with(|| Arc::new(Vec::with_capacity(more)));
        if Arc::get_mut(hops).is_none() {
            let mut copy = Vec::with_capacity(hops.len() + more);
            copy.extend_from_slice(hops);
            *hops = Arc::new(copy);
        }
        Arc::make_mut(hops)
    }

    /// Adds a hop at the end.
    pub fn push(&mut self, hop: Hop) {
        self.hops_with_room(1).push(hop);
    }

    /// The last hop, to change.
    pub fn last_mut(&mut self) -> Option<&mut Hop> {
        match self.is_empty() {
            true => None,
            false => self.hops_mut().last_mut(),
        }
    }
}

impl Extend<Hop> for Chain {
    fn extend<I: IntoIterator<Item = Hop>>(&mut self, hops: I) {
        let mut hops = hops.into_iter().peekable();
        if hops.peek().is_some() {
            let more = hops.size_hint().0;
            self.hops_with_room(more).extend(hops);
        }
    }
}

impl FromIterator<Hop> for Chain {
    fn from_iter<I: IntoIterator<Item = Hop>>(hops: I) -> Chain {
        Chain::from(hops.into_iter().collect::<Vec<_>>())
    }
}

impl From<Vec<Hop>> for Chain {
    fn from(hops: Vec<Hop>) -> Chain {
        Chain { hops: (!hops.is_empty()).then(|| Arc::new(hops)) }
    }
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// How many hops a long chain shows at each end: a chain of more than
/// twice as many shows its first and last `CHAIN_ENDS` with one
/// [`Shown::Elided`] hop counting those between, so evidence stays small
/// on a walk of any length (`explain --full` shows every hop).
pub const CHAIN_ENDS: usize = 8;

/// Leaves out the middle of a chain longer than `2 × CHAIN_ENDS` hops
/// (counting those an elided hop stands for). A chain whose middle was left
/// out as it was built (a long walk, with at least `CHAIN_ENDS` hops shown
/// either side) comes out as if it had been built whole.
pub(crate) fn elide(chain: &mut Chain) {
    let weight = |h: &Hop| match h.to {
        Shown::Elided(n) => n,
        _ => 1,
    };
    let total: usize = chain.iter().map(weight).sum();
    if total <= 2 * CHAIN_ENDS {
        return;
    }
    let shown = |hops: &mut dyn Iterator<Item = &Hop>| {
        hops.take(CHAIN_ENDS).take_while(|h| !matches!(h.to, Shown::Elided(_))).count()
    };
    let front = shown(&mut chain.iter());
    let back = shown(&mut chain.iter().rev());
    if front + back >= chain.len() {
        return;
    }
    let left_out = total - front - back;
    let chain = chain.hops_mut();
    let last = chain.split_off(chain.len() - back);
    chain.truncate(front);
    chain.push(Hop::start(Shown::Elided(left_out)));
    chain.extend(last);
}

/// One step of a chain: the field followed and what it led to. The first
/// hop of a chain has an empty `via` (the binder's record).
///
/// Its strings are shared (`Arc<str>`): a chain is cloned into every value
/// read along it (a compare's chain repeats its call's argument chain), and
/// a clone of a hop is then a count, not four allocations.
#[derive(Debug, Clone)]
pub struct Hop {
    /// The field (with its hop range, if any), e.g. `operator`, `contacts{1..2}`.
    pub via: Arc<str>,
    /// What was there.
    pub to: Shown,
}

impl Hop {
    /// A hop with no field: a chain's first (the binder's record), or the
    /// hops left out of a long one.
    pub fn start(to: Shown) -> Hop {
        Hop { via: Arc::default(), to }
    }
}

/// A value, ready to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Shown {
    /// A record.
    Record {
        /// Its id.
        id: Arc<str>,
        /// Its type.
        record_type: Arc<str>,
        /// Its `name` field, if any.
        name: Option<Arc<str>>,
    },
    /// A JSON value (scalars, or a list).
    Value(serde_json::Value),
    /// A string, shown as [`Shown::Value`] shows a JSON string. Shared: a
    /// value and the hop that reached it are one string, and a literal is
    /// made once for the facts that show it.
    Text(Arc<str>),
    /// Several values (a path through a multi-link).
    List(Vec<Shown>),
    /// Nothing there: absent or null.
    #[default]
    Missing,
    /// A link to an id that is not a record (of the declared type).
    Unresolved(String),
    /// Only in a chain, between its first and last hops: this many hops
    /// left out (see [`CHAIN_ENDS`]).
    Elided(usize),
}

impl Shown {
    /// The string, for a string value ([`Shown::Text`], or a JSON string).
    pub fn text(&self) -> Option<&str> {
        match self {
            Shown::Text(s) => Some(s),
            Shown::Value(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// Everything about one record: each rule of its type and where it stands,
/// and, as a tree, the linked records whose verdicts it read.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The record.
    pub record: RecordIdx,
    /// Its decision.
    pub decision: Decision,
    /// Every rule of its type (or the one asked for), in declaration order.
    pub rules: Vec<RuleExplanation>,
    /// The exemption asked for (`explain --rule EXEMPTION`), if one was.
    pub exemptions: Vec<ExemptionExplanation>,
    /// Its warnings, as a verdict has them: links that lead nowhere, fields
    /// that do not fit its `entity` declaration.
    pub warnings: Vec<LinkWarning>,
    /// Linked records whose verdict a rule read (`x.venue is denied`), explained in turn.
    pub linked: Vec<Explanation>,
}

/// Where one rule stands on a record, with the evidence.
#[derive(Debug, Clone)]
pub struct RuleExplanation {
    /// The rule.
    pub rule: RuleId,
    /// Fired, waived, not fired, or not in effect.
    pub status: RuleStatus,
    /// Fired or waived: why the condition held. Not fired: the part that was
    /// false and the values seen (why-not).
    pub evidence: Vec<Fact>,
}

/// Where one exemption stands on a record, with the evidence.
#[derive(Debug, Clone)]
pub struct ExemptionExplanation {
    /// The exemption.
    pub exemption: ExemptionId,
    /// Applies, does not apply, or is for another type of record.
    pub status: ExemptionStatus,
    /// Applies: why its condition held. Does not apply: the part that was
    /// false and the values seen (why-not). Another type: empty.
    pub evidence: Vec<Fact>,
    /// The rules it waived on the record: it applies and they fired (and no
    /// exemption declared before it waived them first).
    pub waived: Vec<RuleId>,
}

/// An exemption's standing on a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExemptionStatus {
    /// Its condition holds.
    Applies,
    /// Its condition does not hold.
    DoesNotApply,
    /// It waives rules of another record type; its condition was not evaluated.
    OtherType,
}

/// A rule's standing on a record.
#[derive(Debug, Clone)]
pub enum RuleStatus {
    /// The condition held and no exemption applied.
    Fired,
    /// The condition held and an exemption waived it.
    Waived {
        /// The exemption.
        exemption: ExemptionId,
        /// Why the exemption applied.
        evidence: Vec<Fact>,
    },
    /// The condition did not hold.
    NotFired,
    /// The rule's `effective` period does not contain the as-of day.
    NotInEffect,
}

/// A number as JSON: whole numbers without a fraction (`50`, as the rule
/// wrote it, not `50.0`).
pub(crate) fn number_value(n: f64) -> serde_json::Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every whole f64 below is exact
    if n.fract() == 0.0 && n.abs() < EXACT {
        serde_json::Value::Number((n as i64).into())
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}
