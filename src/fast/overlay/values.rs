//! The strings and links in a stored value, as the walks over the graph
//! read them.

use serde_json::Value;

use crate::fast::store::{FVal, FastStore};
use crate::records::RecordIdx;

/// The records a value links to (a list's links too).
pub(super) fn links_of(value: &FVal<'_>, out: &mut Vec<RecordIdx>) {
    match value {
        FVal::Link(t) => out.push(*t),
        FVal::Links(ts) => out.extend(ts.iter().copied()),
        FVal::List(items) => items.iter().for_each(|item| links_of(item, out)),
        _ => {}
    }
}

/// Calls `f` on every string in a value (list items and nested objects too).
pub(super) fn for_each_value(value: &FVal<'_>, f: &mut impl FnMut(&str)) {
    match value {
        FVal::Str(s) => f(s.as_str()),
        FVal::List(items) => items.iter().for_each(|item| for_each_value(item, f)),
        FVal::Json(v) => for_each_json(v, f),
        FVal::Null | FVal::Bool(_) | FVal::Num(_) | FVal::Link(_) | FVal::Links(_) | FVal::Unlinked(_) => {}
    }
}

fn for_each_json(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|item| for_each_json(item, f)),
        Value::Object(map) => map.values().for_each(|item| for_each_json(item, f)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The keys a reverse index files a field's value under, as the engine's.
pub(super) fn for_each_key(store: &FastStore<'_>, value: &FVal<'_>, f: &mut impl FnMut(&str)) {
    match value {
        FVal::Str(s) => f(s.as_str()),
        FVal::Link(t) => f(store.record(*t).id.as_str()),
        FVal::Links(ts) => ts.iter().for_each(|t| f(store.record(*t).id.as_str())),
        FVal::List(items) => items.iter().for_each(|item| for_each_key(store, item, f)),
        _ => {}
    }
}
