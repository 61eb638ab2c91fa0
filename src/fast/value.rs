//! The fast engine's runtime values and cursors, borrowed from the compact
//! store ([`FVal`]) or the program. How they compare is [`crate::eval`]'s:
//! a value is projected onto a [`Scalar`] to be compared.

use std::rc::Rc;

use serde_json::Value;

use super::store::{FVal, Text};
use crate::check::{Const, ConstList};
use crate::date::Date;
use crate::eval::{Chain, Hop, Scalar};
use crate::records::RecordIdx;

/// A value during evaluation.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Val<'s> {
    Missing,
    Bool(bool),
    Num(f64),
    Str(&'s str),
    Date(Date),
    /// A record (a binder, or a declared link).
    Rec(RecordIdx),
    /// A link string in an untyped rule set: it is its id string, and a step
    /// from it goes straight to the record.
    IdStr(RecordIdx),
    /// A list field.
    List(&'s [FVal<'s>]),
    /// A list field of link strings that all name records (untyped).
    Links(&'s [RecordIdx]),
    /// Nested JSON (an object, or an array inside one).
    Json(&'s Value),
    /// A literal list.
    Const(&'s ConstList),
    /// A value computed by the rule (`as_of - 1 year`, `lower(x.name)`)
    /// that is none of the above.
    Computed(Scalar<'s>),
}

impl<'s> Val<'s> {
    pub(crate) fn of_const(c: &'s Const) -> Val<'s> {
        match c {
            Const::List(l) => Val::Const(l),
            one => Val::of_scalar(Scalar::of_const(one)),
        }
    }

    /// A value that is one of the scalars comparisons see.
    pub(crate) fn of_scalar(v: Scalar<'s>) -> Val<'s> {
        match v {
            Scalar::Bool(b) => Val::Bool(b),
            Scalar::Num(n) => Val::Num(n),
            Scalar::Str(s) => Val::Str(s),
            Scalar::Date(d) => Val::Date(d),
            Scalar::Record(r) => Val::Rec(r),
            Scalar::Period(_) | Scalar::Folded(_) => Val::Computed(v),
            Scalar::Missing | Scalar::Other => Val::Missing,
        }
    }

    pub(crate) fn of_stored(v: &'s FVal<'s>) -> Val<'s> {
        match v {
            // Unlinked: never once the store is linked.
            FVal::Null | FVal::Unlinked(_) => Val::Missing,
            FVal::Bool(b) => Val::Bool(*b),
            FVal::Num(n) => n.as_f64().map_or(Val::Missing, Val::Num),
            FVal::Str(Text::Borrowed(s)) => Val::Str(s),
            FVal::Str(Text::Owned(s)) => Val::Str(s),
            FVal::Link(r) => Val::IdStr(*r),
            FVal::List(items) => Val::List(items),
            FVal::Links(ids) => Val::Links(ids),
            FVal::Json(j) => Val::Json(j),
        }
    }

    pub(crate) fn of_json(v: &'s Value) -> Val<'s> {
        match v {
            Value::Null => Val::Missing,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => n.as_f64().map_or(Val::Missing, Val::Num),
            Value::String(s) => Val::Str(s),
            other => Val::Json(other),
        }
    }

    /// The value as comparisons see it; `id` gives an untyped link's id.
    pub(crate) fn scalar(self, id: impl Fn(RecordIdx) -> &'s str) -> Scalar<'s> {
        match self {
            Val::Missing => Scalar::Missing,
            Val::Bool(b) => Scalar::Bool(b),
            Val::Num(n) => Scalar::Num(n),
            Val::Str(s) => Scalar::Str(s),
            Val::Date(d) => Scalar::Date(d),
            Val::Rec(r) => Scalar::Record(r),
            Val::IdStr(r) => Scalar::Str(id(r)),
            Val::List(_) | Val::Links(_) | Val::Json(_) | Val::Const(_) => Scalar::Other,
            Val::Computed(v) => v,
        }
    }
}

/// How an element of a list was reached: built, or a node of a hop walk
/// or a list's chain and the hop to the element (built only if the element
/// is shown: each element's chain copies the list's, whose last hop shows
/// the whole list, so building all of them took time and memory of the
/// square of the list's length).
#[derive(Clone, Debug)]
pub(crate) enum ItemChain {
    Built(Chain),
    Walk(Rc<WalkTree>, u32),
    Indexed(Chain, Hop),
}

impl ItemChain {
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, ItemChain::Built(t) if t.is_empty())
    }
}

/// The tree of a traced hop walk: where each reached record came from.
#[derive(Debug)]
pub(crate) struct WalkTree {
    /// The link field followed.
    pub(crate) via: String,
    /// The chains of the records the walk started from.
    pub(crate) starts: Vec<Chain>,
    /// (parent, record): the parent is a start (`Start`) or an earlier node.
    pub(crate) nodes: Vec<(Parent, RecordIdx)>,
}

/// Where a hop walk's node came from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Parent {
    /// The walk's `n`th start.
    Start(u32),
    /// An earlier node of the walk.
    Node(u32),
}

/// One element of a list, with how it was reached.
#[derive(Clone, Debug)]
pub(crate) struct Item<'s> {
    pub(crate) val: Val<'s>,
    pub(crate) chain: ItemChain,
    /// Hops from the start (hop ranges), else 0.
    pub(crate) depth: u32,
    /// Position in the list it came from.
    pub(crate) pos: usize,
}

impl<'s> Item<'s> {
    /// An element with its chain built (empty when not tracing).
    pub(crate) fn built(val: Val<'s>, chain: Chain, pos: usize) -> Item<'s> {
        Item { val, chain: ItemChain::Built(chain), depth: 0, pos }
    }
}

/// Where a path has got to.
#[derive(Clone, Debug)]
pub(crate) enum Cursor<'s> {
    /// One value, with the chain that reached it (empty unless tracing).
    One(Val<'s>, Chain),
    /// Several, once a path passes through a list.
    Many(Vec<Item<'s>>),
}

impl Default for Cursor<'_> {
    /// The missing value.
    fn default() -> Self {
        Cursor::One(Val::Missing, Chain::default())
    }
}

impl<'s> Cursor<'s> {
    /// The value, when the path leads to one; several count as missing.
    pub(crate) fn one(&self) -> Val<'s> {
        match self {
            Cursor::One(v, _) => *v,
            Cursor::Many(_) => Val::Missing,
        }
    }
}

/// Binders of one body.
pub(crate) type Env<'s> = crate::eval::Frame<Cursor<'s>>;

/// The one binder a condition reads, for evaluating it without a frame
/// (`quick.rs`): its slot and the value bound to it (the other slots are
/// unbound).
#[derive(Clone, Copy)]
pub(crate) struct Bound<'s> {
    pub(crate) slot: usize,
    pub(crate) val: Val<'s>,
}

/// The chain of the element a binder's slot holds, taken out once the
/// body is traced (the witness keeps it; cloning it cost an allocation per
/// hop and string).
pub(crate) fn take_chain(env: &mut Env<'_>, slot: usize) -> Chain {
    match env.get_mut(slot).map(std::mem::take) {
        Some(Cursor::One(_, chain)) => chain,
        Some(Cursor::Many(_)) | None => Chain::default(),
    }
}
