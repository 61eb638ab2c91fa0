//! The rule language as written: an untyped tree with a [`Loc`] on every node.
//!
//! Produced by [`crate::syntax`], consumed by [`crate::check`] and by the
//! formatter. No pest type appears here. Equality ignores locations.
//! Conditions, operands, paths and literals display as the one line of
//! rule text `fmt` writes for them.

pub(crate) mod text;

use crate::date::{Date, DateUnit};
use crate::source::Loc;

/// A name as written, e.g. `south_korean`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The text.
    pub name: String,
    /// Where it is written.
    pub loc: Loc,
}

/// One parsed rule file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// Declarations in source order.
    pub items: Vec<Item>,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `entity person { name: string, spouse: person? }`
    Entity(EntityDecl),
    /// `let banned = ["cosmetics", "medicine"]`
    Let(LetDecl),
    /// `def south_korean(p: person) = p.nationality == "KR"`
    Def(DefDecl),
    /// `rule venue_ban "title" { deny venue v when … severity high }`
    Rule(RuleDecl),
    /// `exempt cadre "title" { waive banned_purchase for purchase x when … }`
    Exempt(ExemptDecl),
}

impl Item {
    /// The whole declaration.
    pub fn loc(&self) -> &Loc {
        match self {
            Item::Entity(e) => &e.loc,
            Item::Let(l) => &l.loc,
            Item::Def(d) => &d.loc,
            Item::Rule(r) => &r.loc,
            Item::Exempt(x) => &x.loc,
        }
    }
}

/// `entity NAME { FIELD: TYPE, … }`
#[derive(Clone, Debug, PartialEq)]
pub struct EntityDecl {
    /// The record type it describes.
    pub name: Ident,
    /// Declared fields in order.
    pub fields: Vec<FieldDecl>,
    /// The whole declaration.
    pub loc: Loc,
}

/// `spouse: person?`
#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    /// Field name (any identifier, reserved words included).
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
}

/// `T`, `T?`, `[T]` or `[T]?`, where `T` is a scalar type or an entity.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    /// `string`, `number`, `bool`, `date` or an entity name.
    pub base: Ident,
    /// Written `[T]`.
    pub list: bool,
    /// Written with a trailing `?`.
    pub optional: bool,
    /// The whole type.
    pub loc: Loc,
}

/// `let NAME = LITERAL` or `let NAME = list("FILE")`
#[derive(Clone, Debug, PartialEq)]
pub struct LetDecl {
    /// The bound name.
    pub name: Ident,
    /// Its value.
    pub value: LetValue,
    /// The whole declaration.
    pub loc: Loc,
}

/// What a `let` binds.
#[derive(Clone, Debug, PartialEq)]
pub enum LetValue {
    /// A literal written in the rule file.
    Literal(Literal),
    /// `list("lists/banned.txt")`, `list("lists/x.csv", column: "id")`: a
    /// list of strings read from a file when the rule set is checked.
    File(ListFile),
}

/// `list("PATH")` or `list("PATH", column: "NAME")`
#[derive(Clone, Debug, PartialEq)]
pub struct ListFile {
    /// The file, relative to the rule file's folder.
    pub path: StrLit,
    /// For a CSV file: the column whose cells are the list.
    pub column: Option<StrLit>,
    /// The whole `list(…)`.
    pub loc: Loc,
}

/// `def NAME(PARAM: TYPE, …) = COND`
#[derive(Clone, Debug, PartialEq)]
pub struct DefDecl {
    /// The predicate's name.
    pub name: Ident,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// The condition it stands for.
    pub body: Cond,
    /// The whole declaration.
    pub loc: Loc,
}

/// `p: person`
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// Parameter name.
    pub name: Ident,
    /// Declared type.
    pub ty: TypeExpr,
}

/// `deny` or `flag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// `flag`: worth a look.
    Flag,
    /// `deny`: barred.
    Deny,
}

impl Effect {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Flag => "flag",
            Effect::Deny => "deny",
        }
    }
}

/// `severity low|medium|high|critical`
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    /// `low`
    Low,
    /// `medium` (the default)
    #[default]
    Medium,
    /// `high`
    High,
    /// `critical`
    Critical,
}

impl Severity {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// `rule NAME "TITLE" { EFFECT TYPE VAR when COND [severity S] [effective from D [to D]] }`
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDecl {
    /// Rule name.
    pub name: Ident,
    /// Title string, if written.
    pub title: Option<StrLit>,
    /// `deny` or `flag`.
    pub effect: Effect,
    /// Record type the rule applies to.
    pub record_type: Ident,
    /// The binder for the record.
    pub var: Ident,
    /// When the rule fires.
    pub cond: Cond,
    /// `severity …`, if written.
    pub severity: Option<(Severity, Loc)>,
    /// `effective from … [to …]`, if written.
    pub effective: Option<Effective>,
    /// The whole declaration.
    pub loc: Loc,
}

/// `effective from 2021-01-01 to 2021-12-31`
#[derive(Clone, Debug, PartialEq)]
pub struct Effective {
    /// First day in force.
    pub from: Date,
    /// Last day in force, if bounded.
    pub to: Option<Date>,
    /// The whole clause.
    pub loc: Loc,
}

/// `exempt NAME "TITLE" { waive RULE, … for TYPE VAR when COND }`
#[derive(Clone, Debug, PartialEq)]
pub struct ExemptDecl {
    /// Exemption name.
    pub name: Ident,
    /// Title string, if written.
    pub title: Option<StrLit>,
    /// The rules it waives.
    pub rules: Vec<Ident>,
    /// Record type it applies to.
    pub record_type: Ident,
    /// The binder for the record.
    pub var: Ident,
    /// When it applies.
    pub cond: Cond,
    /// The whole declaration.
    pub loc: Loc,
}

/// A string literal after unescaping, e.g. `"KR"`.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    /// The value.
    pub value: String,
    /// Where it is written (quotes included).
    pub loc: Loc,
}

/// A condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    /// What kind.
    pub kind: CondKind,
    /// The text it covers.
    pub loc: Loc,
}

/// The kinds of condition.
#[derive(Clone, Debug, PartialEq)]
pub enum CondKind {
    /// `a and b and …` (two or more terms; chains are kept flat so long
    /// conditions do not make deep trees)
    And(Vec<Cond>),
    /// `a or b or …` (two or more terms)
    Or(Vec<Cond>),
    /// `not a`
    Not(Box<Cond>),
    /// `(a)` — kept so the formatter can keep the parentheses.
    Paren(Box<Cond>),
    /// `v.operator.nationality == "KR"`, `p.category in banned`, `name contains "x"`
    Compare {
        /// Left operand.
        lhs: Operand,
        /// The operator.
        op: CmpOp,
        /// Right operand.
        rhs: Operand,
    },
    /// `p.name matches "^K"`
    Matches {
        /// The string tested.
        subject: Operand,
        /// The regular expression.
        pattern: StrLit,
    },
    /// `exists v.operator.spouse`
    Exists(Path),
    /// `x.venue is denied`, `x.venue is denied by venue_ban`
    Is {
        /// The record whose verdict is read.
        subject: Operand,
        /// Which decision.
        verdict: VerdictWord,
        /// `by RULE`, if written.
        by: Option<Ident>,
    },
    /// `any c in p.contacts{1..2}: south_korean(c)`, `any visit x where x.visitor == p: …`
    Quant {
        /// `any`, `all` or `none`.
        quantifier: Quantifier,
        /// The binder.
        var: Ident,
        /// What it ranges over.
        range: Range,
        /// The body, evaluated per element.
        body: Box<Cond>,
        /// The head `any c in p.contacts:` alone.
        head: Loc,
    },
    /// `sum(ownership o where o.asset == c: o.percentage) >= 50`
    Sum {
        /// The binder.
        var: Ident,
        /// What it ranges over, as in a quantifier.
        range: Range,
        /// The number (or list of numbers) each element adds.
        value: Path,
        /// The comparison of the total.
        op: CmpOp,
        /// What the total is compared with.
        rhs: Operand,
        /// `sum(…)` alone.
        head: Loc,
    },
    /// `south_korean(v.operator)`
    Call {
        /// The def called.
        name: Ident,
        /// Arguments.
        args: Vec<Operand>,
    },
    /// A bare operand used as a condition: `x.active`, `true`.
    Truthy(Operand),
}

/// What a quantifier ranges over.
#[derive(Clone, Debug, PartialEq)]
pub enum Range {
    /// `in PATH`
    In(Path),
    /// `TYPE [where COND]`: every record of a type.
    Type {
        /// The record type.
        record_type: Ident,
        /// The `where` filter.
        filter: Option<Box<Cond>>,
    },
}

/// `any`, `all`, `none`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// Some element satisfies the body.
    Any,
    /// Every element does.
    All,
    /// No element does.
    None,
}

impl Quantifier {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantifier::Any => "any",
            Quantifier::All => "all",
            Quantifier::None => "none",
        }
    }
}

/// `denied`, `flagged`, `allowed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerdictWord {
    /// `is denied`
    Denied,
    /// `is flagged`
    Flagged,
    /// `is allowed`
    Allowed,
}

impl VerdictWord {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictWord::Denied => "denied",
            VerdictWord::Flagged => "flagged",
            VerdictWord::Allowed => "allowed",
        }
    }
}

/// Comparison operators (they do not chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `contains`
    Contains,
    /// `starts_with`
    StartsWith,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
            CmpOp::Contains => "contains",
            CmpOp::StartsWith => "starts_with",
        }
    }
}

/// A value-producing term.
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    /// What kind.
    pub kind: OperandKind,
    /// The text it covers.
    pub loc: Loc,
}

/// The kinds of operand.
#[derive(Clone, Debug, PartialEq)]
pub enum OperandKind {
    /// `"KR"`, `3`, `2021-01-01`, `true`, `["a", "b"]`
    Literal(Literal),
    /// `v.operator.nationality`
    Path(Path),
    /// `count(p.contacts)`
    Count(Path),
    /// `as_of - 1 year`, `x.date + 30 days`: a date moved by an amount of a
    /// unit.
    Shift {
        /// The date moved.
        base: Box<Operand>,
        /// By how much.
        shift: Shift,
    },
    /// `south_korean(v.operator)` in operand position (a def call), or a
    /// function such as `lower(p.origin)`.
    Call {
        /// The def called.
        name: Ident,
        /// Arguments.
        args: Vec<Operand>,
    },
}

/// `+ 30 days`, `- 1 year`, as written (`- 365` without a unit is written
/// but does not check).
#[derive(Clone, Debug, PartialEq)]
pub struct Shift {
    /// Written `-`.
    pub back: bool,
    /// The amount's digits, without leading zeros (`0` for zero).
    pub amount: String,
    /// `days`, `months`, …; `None` when left out.
    pub unit: Option<DateUnit>,
    /// `+ 30 days` alone.
    pub loc: Loc,
}

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `"KR"`
    Str(String),
    /// `3`, `-1.5`
    Num(f64),
    /// `2021-01-01`
    Date(Date),
    /// `true`, `false`
    Bool(bool),
    /// `["rice-cooker", "cosmetics"]`
    List(Vec<Literal>),
}

/// `v.operator.spouse`, `p.contacts{1..2}`, `x["first-name"]`
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    /// The first name: a binder, a def parameter or a `let`.
    pub head: Ident,
    /// The steps after it.
    pub steps: Vec<Step>,
    /// The whole path.
    pub loc: Loc,
}

/// `.field`, `["key"]`, optionally with a hop range.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The field name (or bracketed key).
    pub field: String,
    /// Written as `["key"]`.
    pub bracketed: bool,
    /// `{1..2}`, `{1..}`
    pub hops: Option<HopRange>,
    /// The step's text.
    pub loc: Loc,
}

/// `{min..max}` or `{min..}` with `1 <= min <= max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HopRange {
    /// Fewest hops.
    pub min: u32,
    /// Most hops; `None` for the transitive closure.
    pub max: Option<u32>,
}
