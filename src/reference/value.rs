//! Runtime values of the reference engine, borrowed from the program or
//! the store. How they compare is [`crate::eval`]'s: a value is projected
//! onto a [`Scalar`] to be compared.

use serde_json::Value;

use crate::check::{Const, ConstList};
use crate::date::Date;
use crate::eval::{Scalar, Shown, const_shown};
use crate::records::{RecordIdx, RecordStore};

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
    /// A value computed by the rule (`as_of - 1 year`, `lower(x.name)`)
    /// that is none of the above.
    Computed(Scalar<'a>),
}

impl<'a> Val<'a> {
    pub(crate) fn of_json(v: Option<&'a Value>) -> Val<'a> {
        match v {
            None | Some(Value::Null) => Val::Missing,
            Some(Value::Bool(b)) => Val::Bool(*b),
            Some(Value::Number(n)) => n.as_f64().map_or(Val::Missing, Val::Num),
            Some(Value::String(s)) => Val::Str(s),
            Some(other) => Val::Json(other),
        }
    }

    pub(crate) fn of_const(c: &'a Const) -> Val<'a> {
        match c {
            Const::List(l) => Val::List(l),
            one => Val::of_scalar(Scalar::of_const(one)),
        }
    }

    /// A value that is one of the scalars comparisons see.
    pub(crate) fn of_scalar(v: Scalar<'a>) -> Val<'a> {
        match v {
            Scalar::Bool(b) => Val::Bool(b),
            Scalar::Num(n) => Val::Num(n),
            Scalar::Str(s) => Val::Str(s),
            Scalar::Date(d) => Val::Date(d),
            Scalar::Record(r) => Val::Record(r),
            Scalar::Period(_) | Scalar::Folded(_) => Val::Computed(v),
            Scalar::Missing | Scalar::Other => Val::Missing,
        }
    }

    pub(crate) fn is_missing(self) -> bool {
        matches!(self, Val::Missing)
    }

    /// The value as comparisons see it.
    pub(crate) fn scalar(self) -> Scalar<'a> {
        match self {
            Val::Missing => Scalar::Missing,
            Val::Bool(b) => Scalar::Bool(b),
            Val::Num(n) => Scalar::Num(n),
            Val::Str(s) => Scalar::Str(s),
            Val::Date(d) => Scalar::Date(d),
            Val::Record(r) => Scalar::Record(r),
            Val::Json(_) | Val::List(_) => Scalar::Other,
            Val::Computed(v) => v,
        }
    }

    pub(crate) fn shown(self, store: &RecordStore) -> Shown {
        match self {
            Val::Record(i) => record_shown(store, i),
            Val::Json(v) => Shown::Value(v.clone()),
            Val::List(l) => Shown::List(l.items.iter().map(const_shown).collect()),
            other => other.scalar().shown(),
        }
    }
}

pub(crate) fn record_shown(store: &RecordStore, i: RecordIdx) -> Shown {
    let r = store.record(i);
    Shown::Record { id: r.id().into(), record_type: r.record_type().into(), name: r.name().map(Into::into) }
}
