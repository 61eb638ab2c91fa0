//! Static types, known only where entities are declared.

use std::fmt;

use super::schema::{Base, FieldType};
use crate::ast::CmpOp;

/// The static type of a term. `Any` when nothing is known (no entities
/// declared, or a bracketed key) and then nothing is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Any,
    Str,
    Num,
    Bool,
    Date,
    Entity(String),
    List(Box<Ty>),
}

impl Ty {
    pub(crate) fn of_base(base: &Base) -> Ty {
        match base {
            Base::Str => Ty::Str,
            Base::Num => Ty::Num,
            Base::Bool => Ty::Bool,
            Base::Date => Ty::Date,
            Base::Entity(e) => Ty::Entity(e.clone()),
        }
    }

    pub(crate) fn of_field(f: &FieldType) -> Ty {
        let base = Ty::of_base(&f.base);
        if f.list { Ty::List(Box::new(base)) } else { base }
    }

    pub(crate) fn list_of(elem: Ty) -> Ty {
        if elem == Ty::Any { Ty::Any } else { Ty::List(Box::new(elem)) }
    }

    /// The element type of a list; `None` if this is not a list.
    pub(crate) fn elem(&self) -> Option<Ty> {
        match self {
            Ty::Any => Some(Ty::Any),
            Ty::List(e) => Some((**e).clone()),
            _ => None,
        }
    }

    pub(crate) fn is_list(&self) -> bool {
        matches!(self, Ty::List(_))
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Any => f.write_str("any value"),
            Ty::Str => f.write_str("a string"),
            Ty::Num => f.write_str("a number"),
            Ty::Bool => f.write_str("a bool"),
            Ty::Date => f.write_str("a date"),
            Ty::Entity(e) => write!(f, "a link to `{e}`"),
            Ty::List(e) => match &**e {
                Ty::Entity(name) => write!(f, "a list of `{name}` links"),
                Ty::Str => f.write_str("a list of strings"),
                Ty::Num => f.write_str("a list of numbers"),
                Ty::Bool => f.write_str("a list of bools"),
                Ty::Date => f.write_str("a list of dates"),
                Ty::Any | Ty::List(_) => f.write_str("a list"),
            },
        }
    }
}

/// Whether two scalar types can meet in `op` (`==`, `<`, …). A string meets
/// a date (read as ISO 8601) and a link (its id).
pub(crate) fn comparable(a: &Ty, b: &Ty, op: CmpOp) -> bool {
    use Ty::*;
    let ordering = matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge);
    match (a, b) {
        (Any, _) | (_, Any) => true,
        (Str, Str) | (Num, Num) | (Date, Date) | (Str, Date) | (Date, Str) => true,
        (Bool, Bool) => !ordering,
        (Entity(x), Entity(y)) => x == y && !ordering,
        (Entity(_), Str) | (Str, Entity(_)) => !ordering,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparability() {
        assert!(comparable(&Ty::Str, &Ty::Date, CmpOp::Lt));
        assert!(comparable(&Ty::Entity("person".into()), &Ty::Str, CmpOp::Eq));
        assert!(!comparable(&Ty::Entity("person".into()), &Ty::Num, CmpOp::Eq));
        assert!(!comparable(&Ty::Entity("person".into()), &Ty::Entity("venue".into()), CmpOp::Eq));
        assert!(!comparable(&Ty::Bool, &Ty::Bool, CmpOp::Lt));
        assert!(comparable(&Ty::Any, &Ty::Num, CmpOp::Gt));
    }

    #[test]
    fn display_says_what_a_user_wrote() {
        assert_eq!(Ty::List(Box::new(Ty::Entity("person".into()))).to_string(), "a list of `person` links");
        assert_eq!(Ty::List(Box::new(Ty::Str)).to_string(), "a list of strings");
    }
}
