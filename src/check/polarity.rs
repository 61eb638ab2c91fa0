//! Which way a condition reads each verdict: whether more rules firing can
//! only make the condition hold (positive), only make it fail (negative),
//! or either. A rule may read its own verdict only positively; this is
//! what tells the dependency check (`deps.rs`) whether a cycle may stand.

use crate::ast::{CmpOp, Quantifier, VerdictWord};
use crate::source::Loc;

use super::program::{Cond, DefId, QRange, RuleId};

/// How a condition moves as the verdicts it reads fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sign {
    /// More fired rules can only make it hold.
    Positive,
    /// More fired rules can only make it fail.
    Negative,
    /// Either.
    Mixed,
}

impl Sign {
    /// The sign of a read of sign `inner` inside a context of sign `self`.
    pub(crate) fn then(self, inner: Sign) -> Sign {
        match (self, inner) {
            (Sign::Mixed, _) | (_, Sign::Mixed) => Sign::Mixed,
            (a, b) if a == b => Sign::Positive,
            _ => Sign::Negative,
        }
    }
}

/// What makes a read of a verdict not positive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Turn {
    Not,
    AllFilter,
    NoneQuantifier,
    SumOrder(CmpOp),
    Allowed,
    FlaggedReadsDeny,
    /// An exemption waives a rule of the cycle and its condition reads the
    /// cycle: (exemption, rule).
    Waiver(String, String),
}

impl Turn {
    /// What the read is, for the label at it.
    pub(crate) fn label(&self) -> String {
        match self {
            Turn::Not => "read under `not`".into(),
            Turn::AllFilter => "read in the `where` of `all`".into(),
            Turn::NoneQuantifier => "read under `none`".into(),
            Turn::SumOrder(op) => format!("read in a sum compared with `{}`", op.as_str()),
            Turn::Allowed => "`is allowed` holds while rules do not fire".into(),
            Turn::FlaggedReadsDeny => "`is flagged` holds only while no deny rule fires".into(),
            Turn::Waiver(x, rule) => format!("`{rule}` is waived by exemption `{x}`, which depends on the cycle"),
        }
    }

    /// Why a cycle through it is refused.
    pub(crate) fn help(&self) -> String {
        let why = match self {
            Turn::Not | Turn::NoneQuantifier | Turn::AllFilter => {
                "a rule may read its own verdict only where more verdicts firing can only make it hold; \
                 here a verdict firing could take itself away, and the rules would have no one meaning"
            }
            Turn::SumOrder(_) => {
                "a sum on a cycle must be compared with `>=` or `>`: adding stakes can only raise it, \
                 where `<`, `<=`, `==` or `!=` could turn false as verdicts fire"
            }
            Turn::Allowed | Turn::FlaggedReadsDeny => {
                "`is allowed` and `is flagged` (without `by`) hold only while other rules do not fire, \
                 so a rule reading them on its own cycle could take its own verdict away; \
                 name a rule with `is denied by RULE` or `is flagged by RULE`"
            }
            Turn::Waiver(..) => {
                "an exemption that reads the cycle could waive a verdict the cycle itself derives; \
                 make the exemption read only verdicts off the cycle, or split the rule"
            }
        };
        format!("{why} (recursion must be positive: see \"Recursive rules\" in docs/language.md)")
    }
}

/// Where a read of a verdict sits in its condition.
#[derive(Clone, Debug)]
pub(crate) struct Context {
    pub(crate) sign: Sign,
    /// The innermost construct that made the sign not positive.
    pub(crate) turn: Option<Turn>,
    /// The innermost `sum(…) >= N` (or `>`) whose `where` holds the read:
    /// on a cycle, such a sum may add no negative number.
    pub(crate) sum: Option<Loc>,
}

impl Context {
    pub(crate) fn positive() -> Context {
        Context { sign: Sign::Positive, turn: None, sum: None }
    }

    /// This context with a construct of sign `sign` inside it.
    pub(crate) fn turned(&self, sign: Sign, turn: Turn) -> Context {
        let sign = self.sign.then(sign);
        let turn = if sign == Sign::Positive { None } else { Some(turn) };
        Context { sign, turn: turn.or_else(|| self.turn.clone()), sum: self.sum.clone() }
    }

    /// A read in context `inner` (of a def's body) inside this one (the call's).
    pub(crate) fn within(&self, inner: &Context) -> Context {
        let sign = self.sign.then(inner.sign);
        let turn = if sign == Sign::Positive { None } else { inner.turn.clone().or_else(|| self.turn.clone()) };
        Context { sign, turn, sum: inner.sum.clone().or_else(|| self.sum.clone()) }
    }
}

/// What a condition reads: a verdict, or a def's body.
pub(crate) enum Read<'c> {
    Verdict { verdict: VerdictWord, by: Option<RuleId>, target: Option<&'c str>, loc: &'c Loc },
    Call { def: DefId, loc: &'c Loc },
}

/// Every verdict and def a condition reads, each with its context.
pub(crate) fn reads<'c>(cond: &'c Cond, ctx: &Context, out: &mut Vec<(Read<'c>, Context)>) {
    match cond {
        Cond::And(terms, _) | Cond::Or(terms, _) => terms.iter().for_each(|t| reads(t, ctx, out)),
        Cond::Not(inner) => reads(inner, &ctx.turned(Sign::Negative, Turn::Not), out),
        Cond::Is { verdict, by, target, loc, .. } => {
            out.push((Read::Verdict { verdict: *verdict, by: *by, target: target.as_deref(), loc }, ctx.clone()));
        }
        Cond::Call { def, loc, .. } => out.push((Read::Call { def: *def, loc }, ctx.clone())),
        Cond::Quant(q) => {
            let (filter, body) = match q.quantifier {
                Quantifier::Any => (ctx.clone(), ctx.clone()),
                Quantifier::All => (ctx.turned(Sign::Negative, Turn::AllFilter), ctx.clone()),
                Quantifier::None => {
                    let none = ctx.turned(Sign::Negative, Turn::NoneQuantifier);
                    (none.clone(), none)
                }
            };
            range_reads(&q.range, &filter, out);
            reads(&q.body, &body, out);
        }
        Cond::Sum(s) => {
            let filter = match s.op {
                CmpOp::Ge | CmpOp::Gt => Context { sum: Some(s.loc.clone()), ..ctx.clone() },
                CmpOp::Lt | CmpOp::Le => ctx.turned(Sign::Negative, Turn::SumOrder(s.op)),
                op => ctx.turned(Sign::Mixed, Turn::SumOrder(op)),
            };
            range_reads(&s.range, &filter, out);
        }
        Cond::Cmp { .. }
        | Cond::InSet { .. }
        | Cond::Matches { .. }
        | Cond::Exists { .. }
        | Cond::Truthy { .. }
        | Cond::Const(_) => {}
    }
}

fn range_reads<'c>(range: &'c QRange, ctx: &Context, out: &mut Vec<(Read<'c>, Context)>) {
    if let QRange::Type { filter: Some(filter), .. } = range {
        reads(filter, ctx, out);
    }
}

/// Marks each sum whose location is in `on_cycle` (see [`Context::sum`]).
pub(crate) fn mark_sums(cond: &mut Cond, on_cycle: &[Loc]) {
    match cond {
        Cond::And(terms, _) | Cond::Or(terms, _) => terms.iter_mut().for_each(|t| mark_sums(t, on_cycle)),
        Cond::Not(inner) => mark_sums(inner, on_cycle),
        Cond::Quant(q) => {
            mark_range(&mut q.range, on_cycle);
            mark_sums(&mut q.body, on_cycle);
        }
        Cond::Sum(s) => {
            s.on_cycle |= on_cycle.iter().any(|l| same_place(l, &s.loc));
            mark_range(&mut s.range, on_cycle);
        }
        _ => {}
    }
}

fn mark_range(range: &mut QRange, on_cycle: &[Loc]) {
    if let QRange::Type { filter: Some(filter), .. } = range {
        mark_sums(filter, on_cycle);
    }
}

/// Whether two locations are the same text of the same file.
pub(crate) fn same_place(a: &Loc, b: &Loc) -> bool {
    std::sync::Arc::ptr_eq(&a.src, &b.src) && a.span == b.span
}
