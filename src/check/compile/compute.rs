//! Operands computed from another: `as_of - 1 year`, `x.date + 30 days`
//! (a date moved) and `lower(x.name)` (a string in lower case).

use std::sync::Arc;

use super::{Compiler, Typed};
use crate::ast;
use crate::check::error::CheckErrorKind as K;
use crate::check::program::{Const, Term};
use crate::check::types::Ty;
use crate::date::DateShift;
use crate::source::{Loc, Located};

impl Compiler<'_> {
    /// `BASE + N UNIT`: a date moved. The base must be a date (where
    /// entities are declared); the unit must be written and the amount
    /// within the calendar.
    pub(super) fn shifted(&mut self, o: &ast::Operand, base: &ast::Operand, shift: &ast::Shift) -> Typed<Term> {
        let b = self.scalar(base, "a date shift");
        if !matches!(b.ty, Ty::Any | Ty::Date) {
            self.shift_base_error(base, &b.ty, shift);
        }
        let value = match self.date_shift(base, shift) {
            Some(s) => Term::Shift(Box::new(b.value), s, o.loc.clone()),
            None => Term::Const(Arc::new(Const::Bool(false)), o.loc.clone()),
        };
        Typed { value, ty: Ty::Date, through: None }
    }

    /// The shift as the evaluators take it: a unit, and an amount no date
    /// can outgrow.
    fn date_shift(&mut self, base: &ast::Operand, shift: &ast::Shift) -> Option<DateShift> {
        let sign = if shift.back { '-' } else { '+' };
        let Some(unit) = shift.unit else {
            let help = format!("write `{base} {sign} {} days` (or `weeks`, `months`, `years`)", shift.amount);
            let at = Located::new(
                format!("`{sign} {}` needs a unit: a date moves by days, weeks, months or years", shift.amount),
                &shift.loc,
                "no unit",
            );
            self.error(K::DateShift, at.help(help));
            return None;
        };
        let amount = shift.amount.parse::<u64>().ok().filter(|n| *n <= unit.max_amount());
        let Some(amount) = amount.and_then(|n| i64::try_from(n).ok()) else {
            let max = unit.max_amount();
            let at = Located::new(
                format!("`{sign} {} {}` reaches beyond every date", shift.amount, unit.name(2)),
                &shift.loc,
                "too far",
            );
            let help = format!("dates run from 0000-01-01 to 9999-12-31: a shift is at most {max} {}", unit.name(max));
            self.error(K::DateShift, at.help(help));
            return None;
        };
        Some(DateShift { amount: if shift.back { -amount } else { amount }, unit })
    }

    fn shift_base_error(&mut self, base: &ast::Operand, ty: &Ty, shift: &ast::Shift) {
        let help = match ty {
            Ty::Num => "only dates move: shift a date (`as_of`, `2024-01-31`, a `date` field), not a number".to_string(),
            Ty::Str => {
                "only dates move: declare the field `date` (its strings are then read as dates), or write a date literal"
                    .to_string()
            }
            _ => "shift a date: `as_of`, a date literal such as `2024-01-31`, or a field declared `date`".to_string(),
        };
        let at = Located::new(format!("`{shift}` moves a date, but `{base}` is {ty}"), &base.loc, format!("{ty}"))
            .also(&shift.loc, "a date shift");
        self.error(K::Type, at.help(help));
    }

    /// `lower(STRING)`: the string in lower case.
    pub(super) fn lower(&mut self, o: &ast::Operand, args: &[ast::Operand]) -> Typed<Term> {
        let [arg] = args else {
            let at = Located::new(format!("`lower` takes one string, {} given", args.len()), &o.loc, "here")
                .help("write `lower(x.name)`");
            self.error(K::Arity, at);
            return Typed {
                value: Term::Const(Arc::new(Const::Bool(false)), o.loc.clone()),
                ty: Ty::Str,
                through: None,
            };
        };
        let a = self.scalar(arg, "`lower`");
        self.expect(&a, &[Ty::Str], "`lower` takes a string");
        Typed { value: Term::Lower(Box::new(a.value), o.loc.clone()), ty: Ty::Str, through: None }
    }

    /// `lower(…)` written as a whole condition, where no def is named
    /// `lower`.
    pub(super) fn lower_alone(&mut self, loc: &Loc) {
        let at = Located::new("`lower(…)` is a string, not a condition", loc, "a string")
            .help("compare it: `lower(p.origin) == \"kr\"`, `lower(x.name) in banned`");
        self.error(K::Type, at);
    }
}
