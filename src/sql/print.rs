//! Prints the relational IR as one dialect's SQL.
//!
//! The dialects differ in quoting (Spark: backticks, backslash escapes in
//! string literals), in the names of a few functions (regex match, prefix
//! and substring tests, text cast) and in how a table is created from a
//! query. Everything else is the common subset the four engines share.

use std::fmt::Write;

use super::ir::{Expr, Join, JoinKind, Rel, Select, Source};
use super::script::Dialect;
use crate::date::{DateShift, DateUnit};

/// What a date-looking string must match before it is cast: `YYYY-MM-DD`,
/// then the end or a time part (`Date::parse_lenient`'s rule).
const DATE_SHAPE: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}|$)";
/// A year, `YYYY`, and a month, `YYYY-MM` (`Period::parse_lenient`).
const YEAR_SHAPE: &str = "^[0-9]{4}$";
const MONTH_SHAPE: &str = "^[0-9]{4}-[0-9]{2}$";

pub(crate) struct Printer {
    dialect: Dialect,
    out: String,
}

impl Printer {
    pub(crate) fn new(dialect: Dialect) -> Printer {
        Printer { dialect, out: String::new() }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    pub(crate) fn ident(&self, name: &str) -> String {
        match self.dialect {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    fn string(&self, s: &str) -> String {
        match self.dialect {
            // Spark reads backslash escapes inside string literals.
            Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            _ => format!("'{}'", s.replace('\'', "''")),
        }
    }

    /// `CREATE TABLE name AS query`, as the dialect spells it.
    pub(crate) fn create_table(&mut self, name: &str, rel: &Rel) {
        let name = self.ident(name);
        let head = match self.dialect {
            Dialect::DataFusion | Dialect::Trino => format!("CREATE TABLE {name} AS\n"),
            Dialect::DuckDb => format!("CREATE OR REPLACE TABLE {name} AS\n"),
            Dialect::Spark => format!("CREATE TABLE {name} USING parquet AS\n"),
        };
        self.out.push_str(&head);
        self.rel(rel, 0);
    }

    /// `INSERT INTO name query`.
    pub(crate) fn insert(&mut self, name: &str, rel: &Rel) {
        let name = self.ident(name);
        let _ = writeln!(self.out, "INSERT INTO {name}");
        self.rel(rel, 0);
    }

    pub(crate) fn query(&mut self, rel: &Rel) {
        self.rel(rel, 0);
    }

    fn pad(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }

    fn rel(&mut self, rel: &Rel, indent: usize) {
        match rel {
            Rel::Select(s) => self.select(s, indent),
            Rel::UnionAll(parts) => {
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                        self.pad(indent);
                        self.out.push_str("UNION ALL\n");
                    }
                    self.rel(part, indent);
                }
            }
        }
    }

    fn select(&mut self, s: &Select, indent: usize) {
        self.pad(indent);
        self.out.push_str(if s.distinct { "SELECT DISTINCT " } else { "SELECT " });
        if s.columns.is_empty() {
            self.out.push('1');
        }
        for (i, (expr, name)) in s.columns.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            let text = self.expr(expr, indent + 1);
            self.out.push_str(&text);
            self.out.push_str(" AS ");
            let name = self.ident(name);
            self.out.push_str(&name);
        }
        self.out.push('\n');
        self.pad(indent);
        self.out.push_str("FROM ");
        self.source(&s.from, indent);
        for Join { kind, source, on } in &s.joins {
            self.out.push('\n');
            self.pad(indent);
            self.out.push_str(match kind {
                JoinKind::Inner => "JOIN ",
                JoinKind::Left => "LEFT JOIN ",
            });
            self.source(source, indent);
            let on = self.expr(on, indent + 1);
            self.out.push_str(" ON ");
            self.out.push_str(&on);
        }
        if !s.filter.is_empty() {
            self.out.push('\n');
            self.pad(indent);
            self.out.push_str("WHERE ");
            for (i, f) in s.filter.iter().enumerate() {
                if i > 0 {
                    self.out.push('\n');
                    self.pad(indent);
                    self.out.push_str("  AND ");
                }
                let text = self.expr_paren(f, indent + 1);
                self.out.push_str(&text);
            }
        }
        if !s.group_by.is_empty() {
            self.out.push('\n');
            self.pad(indent);
            self.out.push_str("GROUP BY ");
            let parts: Vec<String> = s.group_by.iter().map(|e| self.expr(e, indent + 1)).collect();
            self.out.push_str(&parts.join(", "));
        }
    }

    fn source(&mut self, source: &Source, indent: usize) {
        match source {
            Source::Table { name, alias } => {
                let text = format!("{} AS {}", self.ident(name), self.ident(alias));
                self.out.push_str(&text);
            }
            Source::Sub { rel, alias } => {
                self.out.push_str("(\n");
                self.rel(rel, indent + 1);
                self.out.push('\n');
                self.pad(indent);
                let alias = self.ident(alias);
                let _ = write!(self.out, ") AS {alias}");
            }
        }
    }

    /// A sub-relation printed inline, inside parentheses.
    fn sub(&self, rel: &Rel, indent: usize) -> String {
        let mut inner = Printer { dialect: self.dialect, out: String::new() };
        inner.rel(rel, indent + 1);
        let mut text = String::from("(\n");
        text.push_str(&inner.out);
        text.push('\n');
        for _ in 0..indent {
            text.push_str("  ");
        }
        text.push(')');
        text
    }

    /// An operand of AND/OR/NOT: parenthesised unless it is atomic.
    fn expr_paren(&self, e: &Expr, indent: usize) -> String {
        match e {
            Expr::And(_) | Expr::Or(_) => format!("({})", self.expr(e, indent)),
            _ => self.expr(e, indent),
        }
    }

    pub(crate) fn expr(&self, e: &Expr, indent: usize) -> String {
        match e {
            Expr::Col(alias, column) => format!("{}.{}", self.ident(alias), self.ident(column)),
            Expr::Str(s) => self.string(s),
            Expr::Num(n) => number(*n),
            Expr::Int(i) => i.to_string(),
            Expr::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Expr::Date(d) => format!("DATE '{d}'"),
            Expr::Null => "NULL".to_string(),
            Expr::Depth => "{depth}".to_string(),
            Expr::Cmp(l, op, r) => {
                format!("{} {} {}", self.expr_paren(l, indent), op.as_str(), self.expr_paren(r, indent))
            }
            Expr::And(terms) => self.joined(terms, "AND", indent),
            Expr::Or(terms) => self.joined(terms, "OR", indent),
            Expr::Not(inner) => format!("NOT ({})", self.expr(inner, indent)),
            Expr::IsNull(inner) => format!("{} IS NULL", self.expr_paren(inner, indent)),
            Expr::IsNotNull(inner) => format!("{} IS NOT NULL", self.expr_paren(inner, indent)),
            Expr::Known(inner) => format!("COALESCE({}, FALSE)", self.expr(inner, indent)),
            Expr::InList(l, items) => {
                let items: Vec<String> = items.iter().map(|i| self.expr(i, indent)).collect();
                format!("{} IN ({})", self.expr_paren(l, indent), items.join(", "))
            }
            Expr::Exists(rel) => format!("EXISTS {}", self.sub(rel, indent)),
            Expr::AsDate(inner) => {
                let s = self.expr(inner, indent);
                let shape = self.regex(&s, DATE_SHAPE);
                format!("CASE WHEN {shape} THEN TRY_CAST(SUBSTR({s}, 1, 10) AS DATE) END")
            }
            Expr::FirstDay(inner) => self.period_day(&self.expr(inner, indent), "-01-01", &["-01"]),
            // A month's last day is the last of `-31`, `-30`, `-29`, `-28`
            // that is a real day (TRY_CAST: NULL for `2021-02-30`).
            Expr::LastDay(inner) => self.period_day(&self.expr(inner, indent), "-12-31", &["-31", "-30", "-29", "-28"]),
            Expr::StartsWith(s, prefix) => self.starts_with(s, prefix, indent),
            Expr::Contains(hay, needle) => self.contains(hay, needle, indent),
            Expr::Matches(s, pattern) => {
                let s = self.expr(s, indent);
                self.regex(&s, pattern)
            }
            Expr::Case(arms, otherwise) => self.case(arms, otherwise.as_deref(), indent),
            Expr::Min(inner) => format!("MIN({})", self.expr(inner, indent)),
            Expr::CountRows => "COUNT(*)".to_string(),
            Expr::Max(inner) => format!("MAX({})", self.expr(inner, indent)),
            Expr::RowNumber { partition, order } => {
                let partition: Vec<String> = partition.iter().map(|e| self.expr(e, indent)).collect();
                let order: Vec<String> = order.iter().map(|e| self.expr(e, indent)).collect();
                format!("ROW_NUMBER() OVER (PARTITION BY {} ORDER BY {})", partition.join(", "), order.join(", "))
            }
            Expr::Shift(inner, shift) => self.shift(&self.expr(inner, indent), *shift),
            Expr::Lower(inner) => format!("LOWER({})", self.expr(inner, indent)),
            Expr::ToText(inner) => match self.dialect {
                Dialect::Spark => format!("CAST({} AS STRING)", self.expr(inner, indent)),
                _ => format!("CAST({} AS VARCHAR)", self.expr(inner, indent)),
            },
        }
    }

    /// A `DATE` moved by `shift` in the dialect's words; each clamps a
    /// month's day at the end of the month it lands in.
    fn shift(&self, date: &str, shift: DateShift) -> String {
        let (n, unit) = match shift.unit {
            DateUnit::Day => (shift.amount, "day"),
            DateUnit::Week => (shift.amount.saturating_mul(7), "day"),
            DateUnit::Month => (shift.amount, "month"),
            DateUnit::Year => (shift.amount.saturating_mul(12), "month"),
        };
        match self.dialect {
            Dialect::Spark if unit == "day" => format!("date_add({date}, {n})"),
            Dialect::Spark => format!("add_months({date}, {n})"),
            Dialect::Trino => format!("date_add('{unit}', {n}, {date})"),
            Dialect::DuckDb => format!("CAST({date} + INTERVAL ({n}) {} AS DATE)", unit.to_uppercase()),
            Dialect::DataFusion => format!("CAST({date} + INTERVAL '{n} {unit}' AS DATE)"),
        }
    }

    /// Terms joined by `AND` or `OR`, one a line.
    fn joined(&self, terms: &[Expr], op: &str, indent: usize) -> String {
        let sep = format!("\n{}{op} ", "  ".repeat(indent + 1));
        terms.iter().map(|t| self.expr_paren(t, indent)).collect::<Vec<_>>().join(&sep)
    }

    fn starts_with(&self, s: &Expr, prefix: &Expr, indent: usize) -> String {
        let (s, prefix) = (self.expr(s, indent), self.expr(prefix, indent));
        match self.dialect {
            Dialect::Spark => format!("startswith({s}, {prefix})"),
            _ => format!("starts_with({s}, {prefix})"),
        }
    }

    /// Substring test.
    fn contains(&self, hay: &Expr, needle: &Expr, indent: usize) -> String {
        let (hay, needle) = (self.expr(hay, indent), self.expr(needle, indent));
        match self.dialect {
            Dialect::Spark => format!("instr({hay}, {needle}) > 0"),
            _ => format!("strpos({hay}, {needle}) > 0"),
        }
    }

    fn case(&self, arms: &[(Expr, Expr)], otherwise: Option<&Expr>, indent: usize) -> String {
        let mut text = String::from("CASE");
        for (when, then) in arms {
            let _ = write!(text, " WHEN {} THEN {}", self.expr(when, indent), self.expr(then, indent));
        }
        if let Some(e) = otherwise {
            let _ = write!(text, " ELSE {}", self.expr(e, indent));
        }
        text.push_str(" END");
        text
    }

    /// The day a date string stands for at one end: a year completed by
    /// `year_end`, a month by the first of `month_ends` that makes a real
    /// day, a day (or date-time) as it is; else NULL.
    fn period_day(&self, s: &str, year_end: &str, month_ends: &[&str]) -> String {
        let cast = |end: &str| format!("TRY_CAST(CONCAT({s}, '{end}') AS DATE)");
        let month = match month_ends {
            [one] => cast(one),
            ends => format!("COALESCE({})", ends.iter().map(|e| cast(e)).collect::<Vec<_>>().join(", ")),
        };
        format!(
            "CASE WHEN {} THEN {} WHEN {} THEN {month} WHEN {} THEN TRY_CAST(SUBSTR({s}, 1, 10) AS DATE) END",
            self.regex(s, YEAR_SHAPE),
            cast(year_end),
            self.regex(s, MONTH_SHAPE),
            self.regex(s, DATE_SHAPE),
        )
    }

    /// `s` matches `pattern` somewhere (the `regex` crate's `is_match`).
    fn regex(&self, s: &str, pattern: &str) -> String {
        let p = self.string(pattern);
        match self.dialect {
            Dialect::DuckDb => format!("regexp_matches({s}, {p})"),
            Dialect::Spark => format!("{s} RLIKE {p}"),
            Dialect::DataFusion | Dialect::Trino => format!("regexp_like({s}, {p})"),
        }
    }
}

/// A number literal: a whole number with one decimal place (`3.0`), any
/// other in exponent form (`1.5e0`).
fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{n:.1}") } else { format!("{n:e}") }
}
