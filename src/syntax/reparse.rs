//! Parsing a file again after an edit: only the declarations whose text
//! changed go through the grammar; the others are taken from the last
//! parse, moved to where they now are. An editor re-reads the file on
//! every keystroke, and one keystroke changes one declaration.
//!
//! The file is cut into declarations as `recover.rs` cuts a file that does
//! not parse; a declaration's tree depends only on its text, so one whose
//! text is unchanged has the tree it had, shifted. The declarations before
//! and after the edit are found by comparing the texts from each end; only
//! declarations that parsed are kept (an error depends on what follows the
//! declaration too). The trees are not copied: the caller gives back what
//! the last parse returned.

use std::sync::Arc;

use super::parse::{Parsed, parse_piece, read_pieces, set_up_pest};
use super::recover::{Piece, pieces};
use crate::ast::*;
use crate::source::{Loc, SourceFile};

/// One file as last parsed.
#[derive(Default)]
pub struct Reparse {
    /// Its text.
    src: Option<Arc<SourceFile>>,
    /// Its declarations' byte ranges, and how many items each parsed to
    /// (`None`: it did not parse).
    pieces: Vec<(usize, usize, Option<usize>)>,
    /// What the parse returned, once given back.
    items: Option<Vec<Item>>,
}

impl Reparse {
    /// Gives back the declarations [`reparse`] last returned for `src`,
    /// so that the next one can re-use them without copying.
    pub fn give_back(&mut self, src: &Arc<SourceFile>, file: File) {
        let counted: usize = self.pieces.iter().filter_map(|p| p.2).sum();
        if self.src.as_ref().is_some_and(|last| Arc::ptr_eq(last, src)) && counted == file.items.len() {
            self.items = Some(file.items);
        }
    }

    /// The last parse's declarations by piece (`None` for a piece that did
    /// not parse, or all when they were not given back).
    fn take_by_piece(&mut self) -> Vec<Option<Vec<Item>>> {
        let pieces = std::mem::take(&mut self.pieces);
        let Some(items) = self.items.take() else { return Vec::new() };
        let mut items = items.into_iter();
        pieces.iter().map(|(_, _, n)| n.map(|n| items.by_ref().take(n).collect())).collect()
    }
}

/// Parses `src` as [`super::parse_all`] does, re-using the declarations of
/// the last parse (`last`) whose text is unchanged; `last` becomes this parse.
pub fn reparse(src: &Arc<SourceFile>, last: &mut Reparse) -> Parsed {
    set_up_pest();
    let text = src.text();
    let now = pieces(text);
    let before_text = last.src.take();
    let before_spans: Vec<(usize, usize)> = last.pieces.iter().map(|p| (p.0, p.1)).collect();
    let mut before = last.take_by_piece();
    if before.is_empty() {
        // Nothing to re-use: the whole file at once is faster when it parses.
        if let Some(parsed) = whole(src, &now, last) {
            return parsed;
        }
    }
    let (front, back) = match &before_text {
        Some(old) if !before.is_empty() => unchanged_ends(old.text(), &before_spans, text, &now),
        _ => (0, 0),
    };
    let mut counts = Vec::with_capacity(now.len());
    let parsed = read_pieces(src, &now, |i, piece, next| {
        let old = if i < front { Some(i) } else { (now.len() - i <= back).then(|| before.len() + i - now.len()) };
        let kept = old.and_then(|o| Some((o, before.get_mut(o)?.take()?)));
        let items = match kept {
            Some((o, mut items)) => {
                let to = Move { src, from: before_spans[o].0, to: piece.start };
                items.iter_mut().for_each(|item| to.item(item));
                items
            }
            None => match parse_piece(src, piece, next) {
                Ok(file) => file.items,
                Err(e) => {
                    counts.push((piece.start, piece.end, None));
                    return Err(e);
                }
            },
        };
        counts.push((piece.start, piece.end, Some(items.len())));
        Ok(File { items })
    });
    last.src = Some(Arc::clone(src));
    last.pieces = counts;
    parsed
}

/// The whole file, if it parses; `last` becomes this parse.
fn whole(src: &Arc<SourceFile>, now: &[Piece], last: &mut Reparse) -> Option<Parsed> {
    let all = Piece { start: 0, end: src.text().len(), head: None };
    let file = parse_piece(src, &all, None).ok()?;
    let mut items = file.items.iter().map(|item| item.loc().span.start).peekable();
    last.pieces = now
        .iter()
        .map(|piece| {
            let mut n = 0;
            while items.next_if(|at| *at < piece.end).is_some() {
                n += 1;
            }
            (piece.start, piece.end, Some(n))
        })
        .collect();
    last.src = Some(Arc::clone(src));
    Some(Parsed { file, errors: Vec::new(), broken: Vec::new(), broken_unnamed: false })
}

/// How many pieces at the start and at the end of the text are unchanged
/// (the two never overlap).
fn unchanged_ends(old: &str, before: &[(usize, usize)], new: &str, now: &[Piece]) -> (usize, usize) {
    let same = |o: usize, n: usize| {
        let (Some(&(start, end)), Some(piece)) = (before.get(o), now.get(n)) else { return false };
        old.get(start..end).is_some_and(|t| Some(t) == new.get(piece.start..piece.end))
    };
    let most = before.len().min(now.len());
    let front = (0..most).take_while(|&i| same(i, i)).count();
    let back = (0..most - front).take_while(|&j| same(before.len() - 1 - j, now.len() - 1 - j)).count();
    (front, back)
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
