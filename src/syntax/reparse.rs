//! Parsing a file again after an edit: only the declarations whose text
//! changed go through the grammar; the others are taken from the last
//! parse, moved to where they now are. An editor re-reads the file on
//! every keystroke, and one keystroke changes one declaration.
//!
//! The file is cut into declarations as `recover.rs` cuts a file that does
//! not parse; a declaration's tree depends only on its text, so one whose
//! text is unchanged has the tree it had, shifted. Only declarations that
//! parse are kept: an error depends on what follows the declaration too.

use std::collections::HashMap;
use std::sync::Arc;

use super::parse::{Parsed, parse_piece, read_pieces, set_up_pest};
use super::recover::pieces;
use crate::ast::*;
use crate::source::{Loc, SourceFile};

/// The declarations of one file as last parsed, by their text.
#[derive(Default)]
pub struct Reparse {
    /// A declaration's text → where it started and what it parsed to.
    pieces: HashMap<String, (usize, Vec<Item>)>,
}

/// Parses `src` as [`super::parse_all`] does, taking each declaration
/// whose text `last` holds from it; keeps this parse's declarations in
/// `last` for the next.
pub fn reparse(src: &Arc<SourceFile>, last: &mut Reparse) -> Parsed {
    set_up_pest();
    let mut before = std::mem::take(&mut last.pieces);
    let text = src.text();
    read_pieces(src, &pieces(text), |piece, next| {
        let own = text.get(piece.start..piece.end).unwrap_or("");
        let items = match before.remove(own) {
            Some((at, mut items)) => {
                let to = Move { src, from: at, to: piece.start };
                items.iter_mut().for_each(|item| to.item(item));
                items
            }
            None => parse_piece(src, piece, next)?.items,
        };
        last.pieces.insert(own.to_string(), (piece.start, items.clone()));
        Ok(File { items })
    })
}

/// Moves a tree parsed at byte `from` of some text to byte `to` of `src`.
struct Move<'a> {
    src: &'a Arc<SourceFile>,
    from: usize,
    to: usize,
}

impl Move<'_> {
    fn loc(&self, loc: &mut Loc) {
        loc.src = Arc::clone(self.src);
        loc.span.start = loc.span.start.saturating_sub(self.from) + self.to;
        loc.span.end = loc.span.end.saturating_sub(self.from) + self.to;
    }

    fn ident(&self, ident: &mut Ident) {
        self.loc(&mut ident.loc);
    }

    fn str_lit(&self, lit: &mut StrLit) {
        self.loc(&mut lit.loc);
    }

    fn ty(&self, ty: &mut TypeExpr) {
        self.ident(&mut ty.base);
        self.loc(&mut ty.loc);
    }

    fn item(&self, item: &mut Item) {
        match item {
            Item::Entity(e) => {
                self.ident(&mut e.name);
                for field in &mut e.fields {
                    self.ident(&mut field.name);
                    self.ty(&mut field.ty);
                }
                self.loc(&mut e.loc);
            }
            Item::Let(l) => {
                self.ident(&mut l.name);
                if let LetValue::File(file) = &mut l.value {
                    self.str_lit(&mut file.path);
                    file.column.iter_mut().for_each(|c| self.str_lit(c));
                    self.loc(&mut file.loc);
                }
                self.loc(&mut l.loc);
            }
            Item::Def(d) => {
                self.ident(&mut d.name);
                for param in &mut d.params {
                    self.ident(&mut param.name);
                    self.ty(&mut param.ty);
                }
                self.cond(&mut d.body);
                self.loc(&mut d.loc);
            }
            Item::Rule(r) => self.rule(r),
            Item::Exempt(x) => {
                self.ident(&mut x.name);
                x.title.iter_mut().for_each(|t| self.str_lit(t));
                x.rules.iter_mut().for_each(|r| self.ident(r));
                self.ident(&mut x.record_type);
                self.ident(&mut x.var);
                self.cond(&mut x.cond);
                self.loc(&mut x.loc);
            }
        }
    }

    fn rule(&self, r: &mut RuleDecl) {
        self.ident(&mut r.name);
        r.title.iter_mut().for_each(|t| self.str_lit(t));
        self.ident(&mut r.record_type);
        self.ident(&mut r.var);
        self.cond(&mut r.cond);
        if let Some((_, loc)) = &mut r.severity {
            self.loc(loc);
        }
        r.effective.iter_mut().for_each(|e| self.loc(&mut e.loc));
        self.loc(&mut r.loc);
    }

    fn cond(&self, cond: &mut Cond) {
        match &mut cond.kind {
            CondKind::And(terms) | CondKind::Or(terms) => terms.iter_mut().for_each(|c| self.cond(c)),
            CondKind::Not(c) | CondKind::Paren(c) => self.cond(c),
            CondKind::Compare { lhs, rhs, .. } => {
                self.operand(lhs);
                self.operand(rhs);
            }
            CondKind::Matches { subject, pattern } => {
                self.operand(subject);
                self.str_lit(pattern);
            }
            CondKind::Exists(path) => self.path(path),
            CondKind::Is { subject, by, .. } => {
                self.operand(subject);
                by.iter_mut().for_each(|b| self.ident(b));
            }
            CondKind::Quant { var, range, body, head, .. } => {
                self.ident(var);
                self.range(range);
                self.cond(body);
                self.loc(head);
            }
            CondKind::Sum { var, range, value, rhs, head, .. } => {
                self.ident(var);
                self.range(range);
                self.path(value);
                self.operand(rhs);
                self.loc(head);
            }
            CondKind::Call { name, args } => {
                self.ident(name);
                args.iter_mut().for_each(|a| self.operand(a));
            }
            CondKind::Truthy(operand) => self.operand(operand),
        }
        self.loc(&mut cond.loc);
    }

    fn range(&self, range: &mut Range) {
        match range {
            Range::In(path) => self.path(path),
            Range::Type { record_type, filter } => {
                self.ident(record_type);
                filter.iter_mut().for_each(|f| self.cond(f));
            }
        }
    }

    fn operand(&self, operand: &mut Operand) {
        match &mut operand.kind {
            OperandKind::Literal(_) => {}
            OperandKind::Path(path) | OperandKind::Count(path) => self.path(path),
            OperandKind::Shift { base, shift } => {
                self.operand(base);
                self.loc(&mut shift.loc);
            }
            OperandKind::Call { name, args } => {
                self.ident(name);
                args.iter_mut().for_each(|a| self.operand(a));
            }
        }
        self.loc(&mut operand.loc);
    }

    fn path(&self, path: &mut Path) {
        self.ident(&mut path.head);
        path.steps.iter_mut().for_each(|s| self.loc(&mut s.loc));
        self.loc(&mut path.loc);
    }
}
