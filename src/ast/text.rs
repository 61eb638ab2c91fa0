//! A condition, operand, path or literal as one line of rule text, the way
//! `fmt` writes it (`Display`). The formatter lays lines out around this
//! text; lint compares conditions by it and quotes literals with it, so
//! neither needs the other.

use std::fmt::{self, Display, Formatter};

use super::{Cond, CondKind, Ident, Literal, Operand, OperandKind, Path, Range};

impl Display for Cond {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CondKind::And(terms) => joined(f, terms, " and "),
            CondKind::Or(terms) => joined(f, terms, " or "),
            CondKind::Not(inner) => write!(f, "not {inner}"),
            CondKind::Paren(inner) => write!(f, "({inner})"),
            CondKind::Compare { lhs, op, rhs } => write!(f, "{lhs} {} {rhs}", op.as_str()),
            CondKind::Matches { subject, pattern } => write!(f, "{subject} matches {}", Quoted(&pattern.value)),
            CondKind::Exists(p) => write!(f, "exists {p}"),
            CondKind::Is { subject, verdict, by } => {
                write!(f, "{subject} is {}", verdict.as_str())?;
                match by {
                    Some(rule) => write!(f, " by {}", rule.name),
                    None => Ok(()),
                }
            }
            CondKind::Quant { quantifier, var, range, body, .. } => {
                write!(f, "{} {}: {body}", quantifier.as_str(), RangeText(var, range))
            }
            CondKind::Sum { var, range, value, op, rhs, .. } => {
                write!(f, "sum({}: {value}) {} {rhs}", RangeText(var, range), op.as_str())
            }
            CondKind::Call { name, args } => call(f, name, args),
            CondKind::Truthy(o) => write!(f, "{o}"),
        }
    }
}

impl Display for Operand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            OperandKind::Literal(l) => write!(f, "{l}"),
            OperandKind::Path(p) => write!(f, "{p}"),
            OperandKind::Count(p) => write!(f, "count({p})"),
            OperandKind::Call { name, args } => call(f, name, args),
            OperandKind::Shift { base, shift } => write!(f, "{base} {shift}"),
        }
    }
}

impl Display for super::Shift {
    /// `+ 30 days`, `- 1 year`: one space around the amount, the unit
    /// singular for 1 and plural otherwise.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let sign = if self.back { '-' } else { '+' };
        write!(f, "{sign} {}", self.amount)?;
        match self.unit {
            Some(unit) => write!(f, " {}", unit.name(self.amount.parse().unwrap_or(u64::MAX))),
            None => Ok(()),
        }
    }
}

impl Display for Path {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.head.name)?;
        for s in &self.steps {
            if s.bracketed {
                write!(f, "[{}]", Quoted(&s.field))?;
            } else {
                write!(f, ".{}", s.field)?;
            }
            if let Some(h) = s.hops {
                match h.max {
                    Some(max) => write!(f, "{{{}..{max}}}", h.min)?,
                    None => write!(f, "{{{}..}}", h.min)?,
                }
            }
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write!(f, "{}", Quoted(s)),
            // The shortest text that reads back to the same value.
            Literal::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{}", *n as i64),
            Literal::Num(n) => write!(f, "{n}"),
            Literal::Date(d) => write!(f, "{d}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::List(items) => {
                f.write_str("[")?;
                joined(f, items, ", ")?;
                f.write_str("]")
            }
        }
    }
}

/// A string as a literal: `"` and a backslash that would start an escape
/// are escaped; any other backslash stays as it is (regexes stay readable).
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(self.0.len() + 2);
        out.push('"');
        let chars: Vec<char> = self.0.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' if matches!(chars.get(i + 1), None | Some('"') | Some('\\')) => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('"');
        f.write_str(&out)
    }
}

/// `VAR in PATH` or `TYPE VAR [where COND]`: a quantifier's or sum's range.
struct RangeText<'a>(&'a Ident, &'a Range);

impl Display for RangeText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let RangeText(var, range) = self;
        match range {
            Range::In(p) => write!(f, "{} in {p}", var.name),
            Range::Type { record_type, filter: None } => write!(f, "{} {}", record_type.name, var.name),
            Range::Type { record_type, filter: Some(filter) } => {
                write!(f, "{} {} where {filter}", record_type.name, var.name)
            }
        }
    }
}

fn call(f: &mut Formatter<'_>, name: &Ident, args: &[Operand]) -> fmt::Result {
    write!(f, "{}(", name.name)?;
    joined(f, args, ", ")?;
    f.write_str(")")
}

fn joined(f: &mut Formatter<'_>, items: &[impl Display], separator: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Quoted;

    #[test]
    fn strings_keep_regex_backslashes() {
        let quoted = |s: &str| Quoted(s).to_string();
        assert_eq!(quoted(r"^\d+$"), r#""^\d+$""#);
        assert_eq!(quoted(r#"a"b"#), r#""a\"b""#);
        assert_eq!(quoted("a\\"), r#""a\\""#);
        assert_eq!(quoted(r#"a\"b"#), r#""a\\\"b""#);
    }
}
