//! Runtime values and how they compare (two-valued: anything missing or
//! incomparable makes a comparison false).

use std::cmp::Ordering;

use serde_json::Value;

use crate::check::{Const, ConstList, num_key};
use crate::date::Date;
use crate::records::{RecordIdx, RecordStore};

use crate::eval::{Shown, number_value};

/// A value borrowed from the program or the store.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Val<'a> {
    /// Absent, null or unresolved.
    Missing,
    Bool(bool),
    Num(f64),
    Str(&'a str),
    Date(Date),
    Record(RecordIdx),
    /// A JSON array or object from a record.
    Json(&'a Value),
    /// A literal list.
    List(&'a ConstList),
}

impl<'a> Val<'a> {
    pub(crate) fn from_json(v: Option<&'a Value>) -> Val<'a> {
        match v {
            None | Some(Value::Null) => Val::Missing,
            Some(Value::Bool(b)) => Val::Bool(*b),
            Some(Value::Number(n)) => n.as_f64().map_or(Val::Missing, Val::Num),
            Some(Value::String(s)) => Val::Str(s),
            Some(other) => Val::Json(other),
        }
    }

    pub(crate) fn from_const(c: &'a Const) -> Val<'a> {
        match c {
            Const::Str(s) => Val::Str(s),
            Const::Num(n) => Val::Num(*n),
            Const::Bool(b) => Val::Bool(*b),
            Const::Date(d) => Val::Date(*d),
            Const::List(l) => Val::List(l),
        }
    }

    pub(crate) fn is_missing(self) -> bool {
        matches!(self, Val::Missing)
    }

    /// A date, from a date or an ISO 8601 string (its date part).
    pub(crate) fn as_date(self) -> Option<Date> {
        match self {
            Val::Date(d) => Some(d),
            Val::Str(s) => Date::parse_lenient(s),
            _ => None,
        }
    }

    pub(crate) fn shown(self, store: &RecordStore) -> Shown {
        match self {
            Val::Missing => Shown::Missing,
            Val::Bool(b) => Shown::Value(Value::Bool(b)),
            Val::Num(n) => Shown::Value(number_value(n)),
            Val::Str(s) => Shown::Value(Value::String(s.to_string())),
            Val::Date(d) => Shown::Value(Value::String(d.to_string())),
            Val::Record(i) => record_shown(store, i),
            Val::Json(v) => Shown::Value(v.clone()),
            Val::List(l) => Shown::List(l.items.iter().map(|c| Val::from_const(c).shown(store)).collect()),
        }
    }
}

pub(crate) fn record_shown(store: &RecordStore, i: RecordIdx) -> Shown {
    let r = store.record(i);
    Shown::Record {
        id: r.id().to_string(),
        record_type: r.record_type().to_string(),
        name: r.name().map(str::to_string),
    }
}

/// How two values relate, when they can be compared at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rel {
    Less,
    Equal,
    Greater,
    /// Different, without an order (bools, records).
    Unequal,
}

impl From<Ordering> for Rel {
    fn from(o: Ordering) -> Rel {
        match o {
            Ordering::Less => Rel::Less,
            Ordering::Equal => Rel::Equal,
            Ordering::Greater => Rel::Greater,
        }
    }
}

/// Relates two values; `None` when either is missing or they are of kinds
/// that do not compare. With `dates` (or a date on either side) strings are
/// read as ISO 8601 dates, and a string that is not a date does not compare.
pub(crate) fn relate(a: Val<'_>, b: Val<'_>, dates: bool, store: &RecordStore) -> Option<Rel> {
    if a.is_missing() || b.is_missing() {
        return None;
    }
    if dates || matches!(a, Val::Date(_)) || matches!(b, Val::Date(_)) {
        return Some(a.as_date()?.cmp(&b.as_date()?).into());
    }
    let eq = |same: bool| if same { Rel::Equal } else { Rel::Unequal };
    Some(match (a, b) {
        (Val::Str(x), Val::Str(y)) => x.cmp(y).into(),
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(&y)?.into(),
        (Val::Bool(x), Val::Bool(y)) => eq(x == y),
        (Val::Record(x), Val::Record(y)) => eq(x == y),
        (Val::Record(r), Val::Str(s)) | (Val::Str(s), Val::Record(r)) => eq(store.record(r).id() == s),
        _ => return None,
    })
}

/// `v in set` for a literal list, in O(1).
pub(crate) fn in_const_list(v: Val<'_>, set: &ConstList, store: &RecordStore) -> bool {
    match v {
        Val::Str(s) => {
            set.strs.contains(s)
                || (!set.dates.is_empty() && Date::parse_lenient(s).is_some_and(|d| set.dates.contains(&d)))
        }
        Val::Num(n) => set.nums.contains(&num_key(n)),
        Val::Bool(b) => set.bools[usize::from(b)],
        Val::Date(d) => set.dates.contains(&d) || set.strs.iter().any(|s| Date::parse_lenient(s) == Some(d)),
        Val::Record(r) => set.strs.contains(store.record(r).id()),
        Val::Missing | Val::Json(_) | Val::List(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> RecordStore {
        RecordStore::default()
    }

    fn d(s: &str) -> Val<'static> {
        Val::Date(Date::parse_exact(s).unwrap())
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
        let s = store();
        assert_eq!(relate(Val::Missing, Val::Str("x"), false, &s), None);
        assert_eq!(relate(Val::Str("x"), Val::Missing, false, &s), None);
        assert_eq!(relate(Val::Missing, Val::Missing, false, &s), None);
    }

    #[test]
    fn strings_numbers_bools() {
        let s = store();
        assert_eq!(relate(Val::Str("a"), Val::Str("b"), false, &s), Some(Rel::Less));
        assert_eq!(relate(Val::Num(2.0), Val::Num(2.0), false, &s), Some(Rel::Equal));
        assert_eq!(relate(Val::Num(3.0), Val::Num(2.0), false, &s), Some(Rel::Greater));
        assert_eq!(relate(Val::Bool(true), Val::Bool(false), false, &s), Some(Rel::Unequal));
        assert_eq!(relate(Val::Str("2"), Val::Num(2.0), false, &s), None);
    }

    #[test]
    fn strings_meet_dates_as_iso_dates() {
        let s = store();
        assert_eq!(relate(Val::Str("2021-03-04T10:00:00Z"), d("2021-03-04"), false, &s), Some(Rel::Equal));
        assert_eq!(relate(Val::Str("2020-12-31"), d("2021-01-01"), false, &s), Some(Rel::Less));
        assert_eq!(relate(Val::Str("yesterday"), d("2021-01-01"), false, &s), None);
        assert_eq!(relate(Val::Str("2021-02-30"), d("2021-01-01"), false, &s), None);
        // Declared date fields compare as dates even between two strings.
        assert_eq!(relate(Val::Str("2021-01-01T23:00"), Val::Str("2021-01-01"), true, &s), Some(Rel::Equal));
        assert_eq!(relate(Val::Str("2021-01-01T23:00"), Val::Str("2021-01-01"), false, &s), Some(Rel::Greater));
    }

    #[test]
    fn const_list_membership() {
        let list = ConstList::new(vec![
            Const::Str("KR".into()),
            Const::Num(3.0),
            Const::Date(Date::parse_exact("2021-01-01").unwrap()),
        ]);
        let s = store();
        assert!(in_const_list(Val::Str("KR"), &list, &s));
        assert!(!in_const_list(Val::Str("CN"), &list, &s));
        assert!(in_const_list(Val::Num(3.0), &list, &s));
        assert!(in_const_list(Val::Str("2021-01-01T08:00"), &list, &s));
        assert!(!in_const_list(Val::Missing, &list, &s));
    }
}
