//! How values compare, for both engines: two-valued, so anything missing
//! or of kinds that do not compare makes a comparison false.
//!
//! Each engine keeps values its own way; to compare, it projects one onto
//! a [`Scalar`], and the meaning of `==`, `<`, `in` … is written here once.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use crate::ast::CmpOp;
use crate::check::{Const, ConstList, num_key};
use crate::date::{Date, DateShift, Period, PeriodOrder};
use crate::records::RecordIdx;

use super::Shown;
use super::verdict::number_value;

/// A value as comparisons see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scalar<'v> {
    /// Absent, null or unresolved — or several values where one was wanted.
    Missing,
    Bool(bool),
    Num(f64),
    /// A string, or a link in an untyped rule set (its id).
    Str(&'v str),
    Date(Date),
    /// A record: a binder, or a declared link.
    Record(RecordIdx),
    /// A month or a year moved by a date shift, or any run of days it
    /// became (`2019-02 + 1 month`): never a single day, which is `Date`.
    Period(Period),
    /// `lower(s)`: the string `s` in lower case, folded when compared.
    Folded(&'v str),
    /// A list or a JSON object: equal to nothing.
    Other,
}

impl<'v> Scalar<'v> {
    pub(crate) fn is_missing(self) -> bool {
        matches!(self, Scalar::Missing)
    }

    /// A date, from a date or a string: a day (the date part of an ISO 8601
    /// date-time), a month or a year.
    fn as_period(self) -> Option<Period> {
        match self {
            Scalar::Date(d) => Some(d.into()),
            Scalar::Period(p) => Some(p),
            Scalar::Str(s) | Scalar::Folded(s) => Period::parse_lenient(s),
            _ => None,
        }
    }

    /// The text of a string (in lower case for `lower(…)`); `None` for
    /// anything else.
    pub(crate) fn text(self) -> Option<Cow<'v, str>> {
        match self {
            Scalar::Str(s) => Some(Cow::Borrowed(s)),
            Scalar::Folded(s) => Some(fold(s)),
            _ => None,
        }
    }

    /// The value `shift` away, for `as_of - 1 year`: a date, or a string
    /// that reads as one, moved ([`Period::shift`]); missing for anything
    /// else and for a result outside the calendar.
    pub(crate) fn shifted(self, shift: DateShift) -> Scalar<'v> {
        match self.as_period().and_then(|p| p.shift(shift)) {
            Some(p) => p.day().map_or(Scalar::Period(p), Scalar::Date),
            None => Scalar::Missing,
        }
    }

    /// `lower(…)` of the value: a string, folded; missing for anything else.
    pub(crate) fn lowered(self) -> Scalar<'v> {
        match self {
            Scalar::Str(s) | Scalar::Folded(s) => Scalar::Folded(s),
            _ => Scalar::Missing,
        }
    }

    /// A literal, unless it is a list.
    pub(crate) fn of_const(c: &'v Const) -> Scalar<'v> {
        match c {
            Const::Str(s) => Scalar::Str(s),
            Const::Num(n) => Scalar::Num(*n),
            Const::Bool(b) => Scalar::Bool(*b),
            Const::Date(d) => Scalar::Date(*d),
            Const::List(_) => Scalar::Other,
        }
    }

    /// How evidence shows a value that is not a record.
    pub(crate) fn shown(self) -> Shown {
        match self {
            Scalar::Missing => Shown::Missing,
            Scalar::Bool(b) => Shown::Value(Value::Bool(b)),
            Scalar::Num(n) => Shown::Value(number_value(n)),
            Scalar::Str(s) => Shown::Text(s.into()),
            Scalar::Date(d) => Shown::Value(Value::String(d.to_string())),
            Scalar::Period(p) => Shown::Value(Value::String(p.to_string())),
            Scalar::Folded(s) => Shown::Value(Value::String(fold(s).into_owned())),
            Scalar::Record(_) | Scalar::Other => Shown::Missing,
        }
    }
}

/// A string in lower case (Unicode's lowercase mapping, as SQL's `LOWER`),
/// borrowed when it has no upper-case letter.
pub(crate) fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// How evidence shows a literal.
pub(crate) fn const_shown(c: &Const) -> Shown {
    match c {
        Const::List(list) => Shown::List(list.items.iter().map(const_shown).collect()),
        other => Scalar::of_const(other).shown(),
    }
}

/// Literal lists longer than this are shown by their size in evidence (a
/// `let` may hold a whole sanctions list).
const LIST_EVIDENCE_LIMIT: usize = 16;

/// How evidence shows a literal list: its items, or its size when long.
pub(crate) fn list_shown(list: &ConstList) -> Shown {
    if list.items.len() <= LIST_EVIDENCE_LIMIT {
        Shown::List(list.items.iter().map(const_shown).collect())
    } else {
        Shown::Value(format!("({} values)", list.items.len()).into())
    }
}

/// How two values compared, when they can be compared at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compared {
    Less,
    Equal,
    Greater,
    /// Different, without an order (bools, records).
    Unequal,
    /// Only `<=` holds: a day and the month or year it begins, or a month
    /// or year and its last day.
    AtMost,
    /// Only `>=` holds (the mirror of `AtMost`).
    AtLeast,
}

impl From<PeriodOrder> for Compared {
    fn from(o: PeriodOrder) -> Compared {
        match o {
            PeriodOrder::Before => Compared::Less,
            PeriodOrder::Same => Compared::Equal,
            PeriodOrder::After => Compared::Greater,
            PeriodOrder::OnOrBefore => Compared::AtMost,
            PeriodOrder::OnOrAfter => Compared::AtLeast,
        }
    }
}

impl From<Ordering> for Compared {
    fn from(o: Ordering) -> Compared {
        match o {
            Ordering::Less => Compared::Less,
            Ordering::Equal => Compared::Equal,
            Ordering::Greater => Compared::Greater,
        }
    }
}

impl Compared {
    /// Whether this relation makes `a op b` hold (`==`, `!=` and the orderings).
    pub(crate) fn satisfies(self, op: CmpOp) -> bool {
        match op {
            CmpOp::Eq => self == Compared::Equal,
            CmpOp::Ne => matches!(self, Compared::Less | Compared::Greater | Compared::Unequal),
            CmpOp::Lt => self == Compared::Less,
            CmpOp::Le => matches!(self, Compared::Less | Compared::Equal | Compared::AtMost),
            CmpOp::Gt => self == Compared::Greater,
            CmpOp::Ge => matches!(self, Compared::Greater | Compared::Equal | Compared::AtLeast),
            _ => false,
        }
    }
}

/// Relates two values; `None` when either is missing or they are of kinds
/// that do not compare. With `dates` (or a date on either side) strings are
/// read as dates (a day, month or year), a string that is not a date does
/// not compare, and neither do two dates that overlap without being the
/// same (`2019` and `2019-06-01`: see `Period::order`).
/// A record equals a string that is its id (`id` gives a record's id).
pub(crate) fn relate<'v>(
    a: Scalar<'v>,
    b: Scalar<'v>,
    dates: bool,
    id: impl Fn(RecordIdx) -> &'v str,
) -> Option<Compared> {
    if !matches!(a, Scalar::Folded(_)) && !matches!(b, Scalar::Folded(_)) {
        return relate_unfolded(a, b, dates, id);
    }
    // `lower(…)`: compared as the lower-case string it stands for.
    let folded = |v: Scalar<'v>| match v {
        Scalar::Folded(s) => Some(fold(s)),
        _ => None,
    };
    let (fa, fb) = (folded(a), folded(b));
    let a = fa.as_deref().map_or(a, Scalar::Str);
    let b = fb.as_deref().map_or(b, Scalar::Str);
    relate_unfolded(a, b, dates, |r| id(r))
}

/// [`relate`] of values neither of which is `Folded`.
fn relate_unfolded<'v>(
    a: Scalar<'v>,
    b: Scalar<'v>,
    dates: bool,
    id: impl Fn(RecordIdx) -> &'v str,
) -> Option<Compared> {
    if a.is_missing() || b.is_missing() {
        return None;
    }
    if dates || matches!(a, Scalar::Date(_)) || matches!(b, Scalar::Date(_)) {
        return a.as_period()?.order(b.as_period()?).map(Compared::from);
    }
    let eq = |same: bool| if same { Compared::Equal } else { Compared::Unequal };
    Some(match (a, b) {
        (Scalar::Str(x), Scalar::Str(y)) => x.cmp(y).into(),
        (Scalar::Num(x), Scalar::Num(y)) => x.partial_cmp(&y)?.into(),
        (Scalar::Bool(x), Scalar::Bool(y)) => eq(x == y),
        (Scalar::Record(x), Scalar::Record(y)) => eq(x == y),
        (Scalar::Record(r), Scalar::Str(s)) | (Scalar::Str(s), Scalar::Record(r)) => eq(id(r) == s),
        _ => return None,
    })
}

/// Whether `a op b` holds, for `==`, `!=` and the orderings.
pub(crate) fn holds<'v>(
    op: CmpOp,
    a: Scalar<'v>,
    b: Scalar<'v>,
    dates: bool,
    id: impl Fn(RecordIdx) -> &'v str,
) -> bool {
    if let (Scalar::Str(x), Scalar::Str(y), CmpOp::Eq | CmpOp::Ne, false) = (a, b, op, dates) {
        // Two strings that are not dates: equal bytes, without ordering them.
        return same_str(x, y) == (op == CmpOp::Eq);
    }
    relate(a, b, dates, id).is_some_and(|r| r.satisfies(op))
}

/// String equality; short strings (codes like "KR") without a library call.
#[inline]
fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    a == b
}

/// `v in set` for a literal list, in O(1).
pub(crate) fn in_const_list<'v>(v: Scalar<'v>, set: &ConstList, id: impl Fn(RecordIdx) -> &'v str) -> bool {
    match v {
        Scalar::Str(s) => str_in_list(s, set),
        Scalar::Folded(s) => str_in_list(&fold(s), set),
        Scalar::Period(p) => set.strs.iter().any(|s| Period::parse_lenient(s) == Some(p)),
        Scalar::Num(n) => set.nums.contains(&num_key(n)),
        Scalar::Bool(b) => set.bools[usize::from(b)],
        Scalar::Date(d) => set.dates.contains(&d) || set.strs.iter().any(|s| Date::parse_lenient(s) == Some(d)),
        Scalar::Record(r) => set.strs.contains(id(r)),
        Scalar::Missing | Scalar::Other => false,
    }
}

/// A string in a literal list: one of its strings, or a date it holds.
fn str_in_list(s: &str, set: &ConstList) -> bool {
    set.strs.contains(s) || (!set.dates.is_empty() && Date::parse_lenient(s).is_some_and(|d| set.dates.contains(&d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_ids(_: RecordIdx) -> &'static str {
        ""
    }

    fn d(s: &str) -> Scalar<'static> {
        Scalar::Date(Date::parse_exact(s).unwrap())
    }

    fn rel(a: Scalar<'static>, b: Scalar<'static>, dates: bool) -> Option<Compared> {
        relate(a, b, dates, no_ids)
    }

    #[test]
    fn whole_numbers_show_without_a_fraction() {
        assert_eq!(number_value(50.0).to_string(), "50");
        assert_eq!(number_value(-3.0).to_string(), "-3");
        assert_eq!(number_value(12.5).to_string(), "12.5");
        assert_eq!(number_value(1e300).to_string(), "1e+300");
        assert_eq!(number_value(f64::NAN), Value::Null);
    }

    #[test]
    fn missing_never_compares() {
        assert_eq!(rel(Scalar::Missing, Scalar::Str("x"), false), None);
        assert_eq!(rel(Scalar::Str("x"), Scalar::Missing, false), None);
        assert_eq!(rel(Scalar::Missing, Scalar::Missing, false), None);
        assert!(!Compared::Unequal.satisfies(CmpOp::Lt) && Compared::Unequal.satisfies(CmpOp::Ne));
    }

    #[test]
    fn strings_numbers_bools() {
        assert_eq!(rel(Scalar::Str("a"), Scalar::Str("b"), false), Some(Compared::Less));
        assert_eq!(rel(Scalar::Num(2.0), Scalar::Num(2.0), false), Some(Compared::Equal));
        assert_eq!(rel(Scalar::Num(3.0), Scalar::Num(2.0), false), Some(Compared::Greater));
        assert_eq!(rel(Scalar::Bool(true), Scalar::Bool(false), false), Some(Compared::Unequal));
        assert_eq!(rel(Scalar::Str("2"), Scalar::Num(2.0), false), None);
        assert_eq!(rel(Scalar::Other, Scalar::Other, false), None);
    }

    #[test]
    fn a_record_equals_its_id() {
        let id = |_: RecordIdx| "p-1";
        assert_eq!(relate(Scalar::Record(RecordIdx(0)), Scalar::Str("p-1"), false, id), Some(Compared::Equal));
        assert_eq!(relate(Scalar::Str("p-2"), Scalar::Record(RecordIdx(0)), false, id), Some(Compared::Unequal));
        assert!(holds(CmpOp::Eq, Scalar::Record(RecordIdx(0)), Scalar::Str("p-1"), false, id));
        assert!(!holds(CmpOp::Ne, Scalar::Missing, Scalar::Str("p-1"), false, id), "missing is never unequal");
    }

    #[test]
    fn strings_meet_dates_as_iso_dates() {
        assert_eq!(rel(Scalar::Str("2021-03-04T10:00:00Z"), d("2021-03-04"), false), Some(Compared::Equal));
        assert_eq!(rel(Scalar::Str("2020-12-31"), d("2021-01-01"), false), Some(Compared::Less));
        assert_eq!(rel(Scalar::Str("yesterday"), d("2021-01-01"), false), None);
        assert_eq!(rel(Scalar::Str("2021-02-30"), d("2021-01-01"), false), None);
        // Declared date fields compare as dates even between two strings.
        let (t, day) = (Scalar::Str("2021-01-01T23:00"), Scalar::Str("2021-01-01"));
        assert_eq!(rel(t, day, true), Some(Compared::Equal));
        assert_eq!(rel(t, day, false), Some(Compared::Greater));
        assert!(holds(CmpOp::Eq, t, day, true, no_ids) && holds(CmpOp::Ne, t, day, false, no_ids));
    }

    #[test]
    fn a_month_or_a_year_relates_by_all_of_its_days() {
        let (year, march, feb) = (Scalar::Str("2019"), Scalar::Str("2019-03"), Scalar::Str("2019-02"));
        assert_eq!(rel(year, d("2020-01-01"), false), Some(Compared::Less));
        assert_eq!(rel(march, d("2019-02-28"), false), Some(Compared::Greater));
        assert_eq!(rel(year, d("2019-06-01"), false), None);
        assert_eq!(rel(year, d("2019-01-01"), false), Some(Compared::AtLeast));
        assert_eq!(rel(feb, d("2019-02-28"), false), Some(Compared::AtMost));
        assert_eq!(rel(year, year, true), Some(Compared::Equal));
        assert_eq!(rel(year, march, true), None);
        // Without a date in sight, they are strings.
        assert_eq!(rel(year, march, false), Some(Compared::Less));
        assert_eq!(rel(Scalar::Str("2019-13"), d("2019-01-01"), false), None);
        // Only `<=` (`>=`) holds between a period and the day it ends (starts) on.
        let only =
            |c: Compared| [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge].map(|op| c.satisfies(op));
        assert_eq!(only(Compared::AtMost), [false, false, false, true, false, false]);
        assert_eq!(only(Compared::AtLeast), [false, false, false, false, false, true]);
        assert!(!holds(CmpOp::Ne, year, d("2019-05-01"), false, no_ids), "2019 may be 1 May");
        assert!(holds(CmpOp::Ne, year, d("2020-05-01"), false, no_ids));
    }

    #[test]
    fn const_list_membership() {
        let list = ConstList::new(vec![
            Const::Str("KR".into()),
            Const::Num(3.0),
            Const::Date(Date::parse_exact("2021-01-01").unwrap()),
        ]);
        assert!(in_const_list(Scalar::Str("KR"), &list, no_ids));
        assert!(!in_const_list(Scalar::Str("CN"), &list, no_ids));
        assert!(in_const_list(Scalar::Num(3.0), &list, no_ids));
        assert!(in_const_list(Scalar::Str("2021-01-01T08:00"), &list, no_ids));
        assert!(!in_const_list(Scalar::Missing, &list, no_ids));
    }

    #[test]
    fn long_lists_are_shown_by_their_size() {
        let short = ConstList::new(vec![Const::Str("KR".into())]);
        assert_eq!(list_shown(&short), Shown::List(vec![Shown::Text("KR".into())]));
        let long = ConstList::new((0..17).map(|n| Const::Num(f64::from(n))).collect());
        assert_eq!(list_shown(&long), Shown::Value("(17 values)".into()));
    }
}
