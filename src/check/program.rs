//! The checked, compiled rule program: names resolved to ids and slots,
//! literal lists turned into hash sets, regexes compiled.
//!
//! Ids index vectors (`RuleId` → `Program::rules`), never pointers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::schema::Schema;
use super::types::Ty;
use crate::ast::{CmpOp, Effect, HopRange, Quantifier, Severity, VerdictWord};
use crate::date::{Date, DateShift};
use crate::source::{Loc, SourceFile};

/// Index of a rule in [`Program::rules`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(pub(crate) u32);

/// Index of an exemption in [`Program::exemptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExemptionId(pub(crate) u32);

/// Index of a field name in [`Program::field_names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub(crate) u32);

impl FieldId {
    /// `name`, which every program reads (to show records in evidence).
    pub const NAME: FieldId = FieldId(0);
    /// `caption`, which every program reads too: a record's name when
    /// `name` is a list (FollowTheMoney's display name).
    pub const CAPTION: FieldId = FieldId(1);
}

/// Index of a def in [`Program::defs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DefId(pub(crate) u32);

impl RuleId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl ExemptionId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// A checked rule set, ready to evaluate.
#[derive(Debug)]
pub struct Program {
    pub(crate) rules: Vec<Rule>,
    pub(crate) exemptions: Vec<Exemption>,
    pub(crate) defs: Vec<Def>,
    pub(crate) schema: Option<Schema>,
    /// Rules per record type, in declaration order.
    pub(crate) rules_by_type: HashMap<String, Vec<RuleId>>,
    /// Fields the rules follow as links, for unresolved-link warnings.
    pub(crate) link_fields: LinkFields,
    pub(crate) files: Vec<Arc<SourceFile>>,
    /// Every `and`/`or` chain, for coverage: `Cond::And`/`Or` hold an index here.
    pub(crate) branches: Vec<BranchSet>,
    /// Every field name a path reads and every declared link, `name` first.
    pub(crate) field_names: Vec<String>,
    /// The recursive groups: rules that read each other's verdicts (or a
    /// rule its own) positively, each group in declaration order, the
    /// groups in dependency order (a group reads only groups before it).
    pub(crate) groups: Vec<Vec<RuleId>>,
    /// Per rule: the index of its recursive group, if it is on one.
    pub(crate) group_of: Vec<Option<u32>>,
}

/// Index of an `and`/`or` chain in [`Program::branches`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BranchId(pub(crate) u32);

/// One `and`/`or` chain: where it is and its terms.
#[derive(Debug)]
pub struct BranchSet {
    /// The rule, exemption or def it belongs to.
    pub owner: String,
    /// `and` or `or`.
    pub op: &'static str,
    /// Each term's text.
    pub terms: Vec<Loc>,
}

impl Program {
    /// Every field name a path reads and every declared link (`name`
    /// first): the fields a store needs to keep to evaluate this program,
    /// show its evidence and warn about dangling links.
    pub fn field_names(&self) -> &[String] {
        &self.field_names
    }

    /// Every `and`/`or` chain, in the order they were compiled.
    pub fn branches(&self) -> &[BranchSet] {
        &self.branches
    }

    /// The rules, in declaration order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// The exemptions, in declaration order.
    pub fn exemptions(&self) -> impl Iterator<Item = &Exemption> {
        self.exemptions.iter()
    }

    /// A rule by id.
    pub fn rule(&self, id: RuleId) -> &Rule {
        &self.rules[id.index()]
    }

    /// An exemption by id.
    pub fn exemption(&self, id: ExemptionId) -> &Exemption {
        &self.exemptions[id.index()]
    }

    /// A rule by name.
    pub fn rule_named(&self, name: &str) -> Option<RuleId> {
        self.rules.iter().position(|r| r.name == name).map(|i| RuleId(i as u32))
    }

    /// An exemption by name.
    pub fn exemption_named(&self, name: &str) -> Option<ExemptionId> {
        self.exemptions.iter().position(|x| x.name == name).map(|i| ExemptionId(i as u32))
    }

    /// The recursive group a rule is on, if any (see [`Program::groups`]).
    pub(crate) fn group_of(&self, rule: RuleId) -> Option<usize> {
        self.group_of.get(rule.index()).copied().flatten().map(|g| g as usize)
    }

    /// The recursive groups, in dependency order: the rules of each read
    /// one another's verdicts, and their meaning is the least fixpoint.
    pub fn recursive_groups(&self) -> &[Vec<RuleId>] {
        &self.groups
    }

    /// The rules that apply to records of `record_type`.
    pub fn rules_for(&self, record_type: &str) -> &[RuleId] {
        self.rules_by_type.get(record_type).map_or(&[], Vec::as_slice)
    }

    /// Whether `entity` declarations are present (rules are then type-checked).
    pub fn is_typed(&self) -> bool {
        self.schema.is_some()
    }

    /// The declared entities, if any.
    pub fn schema(&self) -> Option<&Schema> {
        self.schema.as_ref()
    }

    /// The fields followed as links.
    pub fn link_fields(&self) -> &LinkFields {
        &self.link_fields
    }

    /// The link fields whose values are checked on records of
    /// `record_type`, with the entity each must point to (`None`: any
    /// record): the declared ones, or in an untyped rule set every field
    /// the rules follow.
    pub(crate) fn checked_links(&self, record_type: &str) -> Vec<(&str, Option<&str>)> {
        match self.link_fields.by_type.get(record_type) {
            Some(fields) => fields.iter().map(|(f, e)| (f.as_str(), e.as_deref())).collect(),
            None if !self.is_typed() => self.link_fields.any_type.iter().map(|f| (f.as_str(), None)).collect(),
            None => Vec::new(),
        }
    }

    /// Every rule's, exemption's and def's condition, with its owner's name.
    pub(crate) fn conditions(&self) -> impl Iterator<Item = (&str, &Cond)> {
        let rules = self.rules.iter().map(|r| (r.name.as_str(), &r.cond));
        let exemptions = self.exemptions.iter().map(|x| (x.name.as_str(), &x.cond));
        rules.chain(exemptions).chain(self.defs.iter().map(|d| (d.name.as_str(), &d.body)))
    }

    /// The rule files, in load order.
    pub fn files(&self) -> &[Arc<SourceFile>] {
        &self.files
    }
}

/// Which fields hold links: declared ones with entities, else the ones the
/// rules follow.
#[derive(Debug, Default, Clone)]
pub struct LinkFields {
    /// (record type, field) → the entity it must point to; `None` when any
    /// record will do.
    pub by_type: BTreeMap<String, BTreeMap<String, Option<String>>>,
    /// Fields followed on records of any type (untyped rule sets).
    pub any_type: HashSet<String>,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Name.
    pub name: String,
    /// Title (the name when none was written).
    pub title: String,
    /// `deny` or `flag`.
    pub effect: Effect,
    /// Severity (default medium).
    pub severity: Severity,
    /// `effective from … to …`.
    pub effective: Option<(Date, Option<Date>)>,
    /// Record type it applies to.
    pub record_type: String,
    /// The record binder's name.
    pub var: String,
    pub(crate) cond: Cond,
    pub(crate) frame: usize,
    /// Exemptions that can waive it, in declaration order.
    pub(crate) waived_by: Vec<ExemptionId>,
    /// The whole declaration.
    pub loc: Loc,
}

impl Rule {
    /// Whether the rule is in force on `as_of`.
    pub fn in_effect(&self, as_of: Date) -> bool {
        match self.effective {
            None => true,
            Some((from, to)) => from <= as_of && to.is_none_or(|to| as_of <= to),
        }
    }
}

/// A compiled exemption.
#[derive(Debug)]
pub struct Exemption {
    /// Name.
    pub name: String,
    /// Title (the name when none was written).
    pub title: String,
    /// Record type it applies to.
    pub record_type: String,
    /// The rules it waives.
    pub rules: Vec<RuleId>,
    pub(crate) cond: Cond,
    pub(crate) frame: usize,
    /// The whole declaration.
    pub loc: Loc,
}

/// A compiled def.
#[derive(Debug)]
pub struct Def {
    /// Name.
    pub name: String,
    /// Parameter names.
    pub params: Vec<String>,
    /// Parameter types as declared (`Any` in untyped rule sets).
    pub(crate) param_types: Vec<Ty>,
    pub(crate) body: Cond,
    pub(crate) frame: usize,
    /// The whole declaration.
    pub loc: Loc,
}

/// A compiled condition. Every variant keeps the location of its text, for
/// evidence.
#[derive(Debug)]
pub(crate) enum Cond {
    And(Vec<Cond>, BranchId),
    Or(Vec<Cond>, BranchId),
    Not(Box<Cond>),
    Cmp {
        op: CmpOp,
        lhs: Term,
        rhs: Term,
        dates: bool,
        loc: Loc,
    },
    InSet {
        lhs: Term,
        set: Arc<Const>,
        negated: bool,
        loc: Loc,
    },
    Matches {
        subject: Term,
        re: regex::Regex,
        loc: Loc,
    },
    Exists {
        path: PathExpr,
        loc: Loc,
    },
    /// `target`: the subject's entity, when entities are declared.
    Is {
        subject: Term,
        verdict: VerdictWord,
        by: Option<RuleId>,
        target: Option<String>,
        loc: Loc,
    },
    /// `any|all|none x in RANGE: body`
    Quant(Box<Quant>),
    /// `sum(RANGE: value) op rhs`
    Sum(Box<Sum>),
    Call {
        def: DefId,
        args: Vec<Term>,
        loc: Loc,
    },
    Truthy {
        term: Term,
        loc: Loc,
    },
    Const(bool),
}

impl Cond {
    /// Calls `f` on this condition and every condition inside it (terms,
    /// bodies, `where` filters), outer before inner; not into defs.
    pub(crate) fn visit<'c>(&'c self, f: &mut impl FnMut(&'c Cond)) {
        f(self);
        match self {
            Cond::And(terms, _) | Cond::Or(terms, _) => terms.iter().for_each(|t| t.visit(f)),
            Cond::Not(inner) => inner.visit(f),
            Cond::Quant(q) => {
                q.range.visit(f);
                q.body.visit(f);
            }
            Cond::Sum(s) => s.range.visit(f),
            _ => {}
        }
    }
}

impl QRange {
    /// [`Cond::visit`] over a `where` filter.
    fn visit<'c>(&'c self, f: &mut impl FnMut(&'c Cond)) {
        if let QRange::Type { filter: Some(filter), .. } = self {
            filter.visit(f);
        }
    }
}

/// `any|all|none x in RANGE: body`, compiled.
#[derive(Debug)]
pub(crate) struct Quant {
    pub(crate) quantifier: Quantifier,
    /// The binder's frame slot.
    pub(crate) slot: usize,
    pub(crate) var: String,
    pub(crate) range: QRange,
    pub(crate) body: Cond,
    /// `any x in RANGE` as written, where its evidence is shown.
    pub(crate) head: Loc,
}

/// `sum(RANGE: value) op rhs`: the numbers `value` finds for each element
/// of the range (a list adds its numbers), added up and compared.
#[derive(Debug)]
pub(crate) struct Sum {
    /// The binder's frame slot.
    pub(crate) slot: usize,
    pub(crate) var: String,
    pub(crate) range: QRange,
    pub(crate) value: PathExpr,
    pub(crate) op: CmpOp,
    pub(crate) rhs: Term,
    pub(crate) loc: Loc,
    /// Whether its `where` reads a verdict of the recursive group it is
    /// on: then a negative number added is an error, as it could lower
    /// the sum as verdicts fire.
    pub(crate) on_cycle: bool,
}

/// What a quantifier ranges over.
#[derive(Debug)]
pub(crate) enum QRange {
    Path(Term),
    Type { record_type: String, filter: Option<Box<Cond>>, reverse: Option<ReverseLookup> },
}

/// `where x.visitor == p`: find the records whose `field` links to what
/// `target` evaluates to through a reverse index, instead of scanning.
#[derive(Debug)]
pub(crate) struct ReverseLookup {
    pub(crate) field: String,
    pub(crate) field_id: FieldId,
    pub(crate) target: Term,
}

/// A value-producing term.
#[derive(Debug)]
pub(crate) enum Term {
    Const(Arc<Const>, Loc),
    Path(PathExpr),
    Count(PathExpr, Loc),
    /// `as_of`: the day the run judges against (`--as-of`), a date.
    AsOf(Loc),
    /// `as_of - 1 year`, `x.date + 30 days`: the date moved (missing when
    /// the value is not a date or the result is outside the calendar).
    Shift(Box<Term>, DateShift, Loc),
    /// `lower(x.name)`: the string in lower case (missing when not a string).
    Lower(Box<Term>, Loc),
}

impl Term {
    pub(crate) fn loc(&self) -> &Loc {
        match self {
            Term::Const(_, loc)
            | Term::Count(_, loc)
            | Term::AsOf(loc)
            | Term::Shift(_, _, loc)
            | Term::Lower(_, loc) => loc,
            Term::Path(p) => &p.loc,
        }
    }
}

/// A constant. Lists keep a hash index so `in` costs O(1).
#[derive(Debug)]
pub(crate) enum Const {
    Str(String),
    Num(f64),
    Bool(bool),
    Date(Date),
    List(ConstList),
}

#[derive(Debug, Default)]
pub(crate) struct ConstList {
    pub(crate) items: Vec<Const>,
    pub(crate) strs: HashSet<String>,
    pub(crate) nums: HashSet<u64>,
    pub(crate) dates: HashSet<Date>,
    pub(crate) bools: [bool; 2],
}

/// A number's hash key: `-0.0` and `0.0` are one key.
pub(crate) fn num_key(n: f64) -> u64 {
    if n == 0.0 { 0 } else { n.to_bits() }
}

impl ConstList {
    pub(crate) fn new(items: Vec<Const>) -> Self {
        let mut list = ConstList::default();
        for item in &items {
            match item {
                Const::Str(s) => {
                    list.strs.insert(s.clone());
                }
                Const::Num(n) => {
                    list.nums.insert(num_key(*n));
                }
                Const::Date(d) => {
                    list.dates.insert(*d);
                }
                Const::Bool(b) => list.bools[usize::from(*b)] = true,
                Const::List(_) => {}
            }
        }
        list.items = items;
        list
    }
}

/// `head.step.step…`
#[derive(Debug)]
pub(crate) struct PathExpr {
    pub(crate) head: Head,
    pub(crate) steps: Vec<PathStep>,
    pub(crate) loc: Loc,
}

#[derive(Debug)]
pub(crate) enum Head {
    Var(usize, String),
    Const(Arc<Const>, String),
}

#[derive(Debug)]
pub(crate) struct PathStep {
    pub(crate) field: String,
    /// `field`'s index in [`Program::field_names`].
    pub(crate) field_id: FieldId,
    pub(crate) hops: Option<HopRange>,
    /// With entities declared: the entity a link field points to. A record
    /// of another type found there counts as unresolved.
    pub(crate) link_to: Option<String>,
    /// How the step is written (`.operator`, `["first-name"]`).
    pub(crate) text: String,
}
