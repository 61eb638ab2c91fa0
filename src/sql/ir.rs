//! The relational form a rule set is lowered to before it is printed:
//! selects with joins, semi- and anti-joins (`EXISTS`), filters, unions,
//! grouping and `ROW_NUMBER` ranking. Nothing here knows a dialect; the
//! printer (`print.rs`) does.

use crate::date::{Date, DateShift};

/// A relation.
#[derive(Clone, Debug)]
pub(crate) enum Rel {
    Select(Box<Select>),
    /// `UNION ALL` of relations with the same columns.
    UnionAll(Vec<Rel>),
}

/// `SELECT [DISTINCT] columns FROM from joins WHERE filter GROUP BY group_by`.
#[derive(Clone, Debug)]
pub(crate) struct Select {
    pub(crate) distinct: bool,
    pub(crate) columns: Vec<(Expr, String)>,
    pub(crate) from: Source,
    pub(crate) joins: Vec<Join>,
    pub(crate) filter: Vec<Expr>,
    pub(crate) group_by: Vec<Expr>,
}

impl Select {
    pub(crate) fn new(from: Source) -> Select {
        Select {
            distinct: false,
            columns: Vec::new(),
            from,
            joins: Vec::new(),
            filter: Vec::new(),
            group_by: Vec::new(),
        }
    }

    pub(crate) fn column(mut self, expr: Expr, name: &str) -> Select {
        self.columns.push((expr, name.to_string()));
        self
    }

    pub(crate) fn filter(mut self, expr: Expr) -> Select {
        self.filter.push(expr);
        self
    }

    pub(crate) fn join(mut self, kind: JoinKind, source: Source, on: Expr) -> Select {
        self.joins.push(Join { kind, source, on });
        self
    }

    pub(crate) fn rel(self) -> Rel {
        Rel::Select(Box::new(self))
    }
}

/// A table or a sub-relation, with its alias.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    Table { name: String, alias: String },
    Sub { rel: Box<Rel>, alias: String },
}

impl Source {
    pub(crate) fn table(name: &str, alias: &str) -> Source {
        Source::Table { name: name.to_string(), alias: alias.to_string() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JoinKind {
    Inner,
    Left,
}

#[derive(Clone, Debug)]
pub(crate) struct Join {
    pub(crate) kind: JoinKind,
    pub(crate) source: Source,
    pub(crate) on: Expr,
}

/// A scalar or boolean expression. Booleans that can be NULL in SQL are
/// wrapped in [`Expr::Known`] so the two-valued semantics survive.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    /// `alias.column`
    Col(String, String),
    Str(String),
    Num(f64),
    Int(i64),
    Bool(bool),
    Date(Date),
    Null,
    /// The loop counter of a [`super::StepKind::Loop`] step.
    Depth,
    Cmp(Box<Expr>, BinOp, Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    IsNull(Box<Expr>),
    IsNotNull(Box<Expr>),
    /// `COALESCE(e, FALSE)`: NULL (unknown) reads as false.
    Known(Box<Expr>),
    InList(Box<Expr>, Vec<Expr>),
    Exists(Box<Rel>),
    /// A string read as a day: `YYYY-MM-DD` or the date part of an ISO
    /// 8601 date-time, else NULL (never an error).
    AsDate(Box<Expr>),
    /// A string read as a date that may be a month or a year
    /// (`Period::parse_lenient`), as its first day, else NULL.
    FirstDay(Box<Expr>),
    /// The same, as its last day.
    LastDay(Box<Expr>),
    StartsWith(Box<Expr>, Box<Expr>),
    /// Substring test.
    Contains(Box<Expr>, Box<Expr>),
    /// Regex match with a pattern the `regex` crate accepted.
    Matches(Box<Expr>, String),
    /// `CASE WHEN c THEN v … [ELSE e] END`
    Case(Vec<(Expr, Expr)>, Option<Box<Expr>>),
    Min(Box<Expr>),
    /// `COUNT(*)`
    CountRows,
    Max(Box<Expr>),
    /// `ROW_NUMBER() OVER (PARTITION BY … ORDER BY …)`
    RowNumber {
        partition: Vec<Expr>,
        order: Vec<Expr>,
    },
    /// `CAST(e AS VARCHAR)` and friends.
    ToText(Box<Expr>),
    /// A `DATE` moved by days, weeks, months or years, months clamped at
    /// the month's end as `Date::shift` does (each dialect's interval
    /// arithmetic).
    Shift(Box<Expr>, DateShift),
    /// `LOWER(e)`.
    Lower(Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
}

impl BinOp {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
        }
    }
}

impl Expr {
    pub(crate) fn col(alias: &str, column: &str) -> Expr {
        Expr::Col(alias.to_string(), column.to_string())
    }

    pub(crate) fn cmp(l: Expr, op: BinOp, r: Expr) -> Expr {
        Expr::Cmp(Box::new(l), op, Box::new(r))
    }

    pub(crate) fn eq(l: Expr, r: Expr) -> Expr {
        Expr::cmp(l, BinOp::Eq, r)
    }

    pub(crate) fn known(self) -> Expr {
        match self {
            // Already two-valued.
            e @ (Expr::Known(_)
            | Expr::Bool(_)
            | Expr::Exists(_)
            | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::And(_)
            | Expr::Or(_)
            | Expr::Not(_)) => e,
            e => Expr::Known(Box::new(e)),
        }
    }

    pub(crate) fn present(self) -> Expr {
        Expr::IsNotNull(Box::new(self))
    }

    /// `a AND b`, flattened, with constants folded.
    pub(crate) fn and(terms: Vec<Expr>) -> Expr {
        let mut out = Vec::new();
        for t in terms {
            match t {
                Expr::Bool(true) => {}
                Expr::Bool(false) => return Expr::Bool(false),
                Expr::And(inner) => out.extend(inner),
                t => out.push(t),
            }
        }
        match out.len() {
            0 => Expr::Bool(true),
            1 => out.pop().unwrap_or(Expr::Bool(true)),
            _ => Expr::And(out),
        }
    }

    /// `a OR b`, flattened, with constants folded.
    pub(crate) fn or(terms: Vec<Expr>) -> Expr {
        let mut out = Vec::new();
        for t in terms {
            match t {
                Expr::Bool(false) => {}
                Expr::Bool(true) => return Expr::Bool(true),
                Expr::Or(inner) => out.extend(inner),
                t => out.push(t),
            }
        }
        match out.len() {
            0 => Expr::Bool(false),
            1 => out.pop().unwrap_or(Expr::Bool(false)),
            _ => Expr::Or(out),
        }
    }

    /// `NOT e` on a two-valued `e`, with constants folded.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn not(e: Expr) -> Expr {
        match e {
            Expr::Bool(b) => Expr::Bool(!b),
            Expr::Not(inner) => *inner,
            e => Expr::Not(Box::new(e)),
        }
    }
}
