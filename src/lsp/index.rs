//! Every name in a rule set and what it stands for: the declarations and
//! their uses, found by walking the parsed files (the declarations that
//! parse). Go to definition, references, rename, hover and semantic tokens
//! are answered from it. A field is known by its entity where the path's
//! type can be followed through the `entity` declarations; otherwise
//! (untyped rule sets, a link through an unknown field) by its name alone.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::ast::{self, CondKind, Item, OperandKind, Range};
use crate::source::{Loc, SourceFile, Span};

/// What a name stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Sym {
    /// A record type (`entity` or a rule's type).
    Entity(String),
    /// A field; `entity` when the path's type is known.
    Field { entity: Option<String>, name: String },
    /// A `def`.
    Def(String),
    /// A `let`.
    Let(String),
    /// A rule.
    Rule(String),
    /// An exemption.
    Exemption(String),
    /// A binder or parameter: its file and where it is bound.
    Local { file: String, at: usize, name: String },
}

impl Sym {
    /// The name as written.
    pub(crate) fn name(&self) -> &str {
        match self {
            Sym::Entity(n) | Sym::Def(n) | Sym::Let(n) | Sym::Rule(n) | Sym::Exemption(n) => n,
            Sym::Field { name, .. } | Sym::Local { name, .. } => name,
        }
    }

    /// Whether two occurrences name the same thing: a field of an unknown
    /// entity matches every field of its name.
    pub(crate) fn matches(&self, other: &Sym) -> bool {
        match (self, other) {
            (Sym::Field { entity: a, name: n }, Sym::Field { entity: b, name: m }) => {
                n == m && (a.is_none() || b.is_none() || a == b)
            }
            _ => self == other,
        }
    }
}

/// One name written in a file.
#[derive(Clone, Debug)]
pub(crate) struct Occurrence {
    /// What it stands for.
    pub(crate) sym: Sym,
    /// The name's text.
    pub(crate) loc: Loc,
    /// Where it is declared (or bound), not used.
    pub(crate) decl: bool,
}

/// A declared field: its type as written and where.
#[derive(Clone, Debug)]
pub(crate) struct FieldInfo {
    /// `[person]?`, as written.
    pub(crate) ty: String,
    /// The entity it links to, if any.
    pub(crate) link: Option<String>,
}

/// The names of a rule set.
#[derive(Default, Debug)]
pub(crate) struct Index {
    /// Every name, file by file in source order.
    pub(crate) occurrences: Vec<Occurrence>,
    /// Declared entities: field name → field.
    pub(crate) entities: HashMap<String, HashMap<String, FieldInfo>>,
    /// The type a binder or parameter is bound to, when known.
    pub(crate) local_types: HashMap<Sym, String>,
    /// `list("FILE")` strings: where written, and the path as written.
    pub(crate) list_files: Vec<(Loc, String)>,
}

impl Index {
    /// Indexes parsed files.
    pub(crate) fn new(files: &[(Arc<SourceFile>, ast::File)]) -> Index {
        let mut index = Index::default();
        let mut defs = HashSet::new();
        let mut lets = HashSet::new();
        for item in files.iter().flat_map(|(_, f)| &f.items) {
            match item {
                Item::Entity(e) => {
                    let fields = e.fields.iter().map(|f| (f.name.name.clone(), field_info(&f.ty)));
                    index.entities.insert(e.name.name.clone(), fields.collect());
                }
                Item::Def(d) => {
                    defs.insert(d.name.name.clone());
                }
                Item::Let(l) => {
                    lets.insert(l.name.name.clone());
                }
                Item::Rule(_) | Item::Exempt(_) => {}
            }
        }
        let mut walker = Walker { index: &mut index, defs: &defs, lets: &lets, scope: Vec::new() };
        for item in files.iter().flat_map(|(_, f)| &f.items) {
            walker.item(item);
        }
        index
    }

    /// The name at byte `offset` of the file `file`.
    pub(crate) fn at(&self, file: &str, offset: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.loc.src.name() == file && o.loc.span.start <= offset && offset <= o.loc.span.end)
    }

    /// Every occurrence of `sym` (declarations first).
    pub(crate) fn all(&self, sym: &Sym) -> Vec<&Occurrence> {
        let mut found: Vec<&Occurrence> = self.occurrences.iter().filter(|o| o.sym.matches(sym)).collect();
        found.sort_by_key(|o| !o.decl);
        found
    }

    /// Where `sym` is declared.
    pub(crate) fn declaration(&self, sym: &Sym) -> Option<&Occurrence> {
        self.occurrences.iter().find(|o| o.decl && o.sym.matches(sym))
    }

    /// The entity a binder at `offset` of `file` ranges over, by its name.
    pub(crate) fn local_type(&self, sym: &Sym) -> Option<&str> {
        self.local_types.get(sym).map(String::as_str)
    }
}

fn field_info(ty: &ast::TypeExpr) -> FieldInfo {
    let scalar = ["string", "number", "bool", "date"].contains(&ty.base.name.as_str());
    FieldInfo { ty: ty.loc.text().to_string(), link: (!scalar).then(|| ty.base.name.clone()) }
}

/// Walks declarations, keeping the binders in scope.
struct Walker<'a> {
    index: &'a mut Index,
    defs: &'a HashSet<String>,
    lets: &'a HashSet<String>,
    /// Binders in scope, innermost last: name, symbol, entity.
    scope: Vec<(String, Sym, Option<String>)>,
}

impl Walker<'_> {
    fn push(&mut self, ident: &ast::Ident, sym: Sym, decl: bool) {
        self.index.occurrences.push(Occurrence { sym, loc: ident.loc.clone(), decl });
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Entity(e) => {
                self.push(&e.name, Sym::Entity(e.name.name.clone()), true);
                for f in &e.fields {
                    let sym = Sym::Field { entity: Some(e.name.name.clone()), name: f.name.name.clone() };
                    self.push(&f.name, sym, true);
                    self.type_ref(&f.ty);
                }
            }
            Item::Let(l) => {
                self.push(&l.name, Sym::Let(l.name.name.clone()), true);
                if let ast::LetValue::File(file) = &l.value {
                    self.index.list_files.push((file.path.loc.clone(), file.path.value.clone()));
                }
            }
            Item::Def(d) => {
                self.push(&d.name, Sym::Def(d.name.name.clone()), true);
                for p in &d.params {
                    self.type_ref(&p.ty);
                    let ty = field_info(&p.ty).link;
                    self.bind(&p.name, ty);
                }
                self.cond(&d.body);
                self.scope.clear();
            }
            Item::Rule(r) => {
                self.push(&r.name, Sym::Rule(r.name.name.clone()), true);
                self.push(&r.record_type, Sym::Entity(r.record_type.name.clone()), false);
                self.bind(&r.var, Some(r.record_type.name.clone()));
                self.cond(&r.cond);
                self.scope.clear();
            }
            Item::Exempt(x) => {
                self.push(&x.name, Sym::Exemption(x.name.name.clone()), true);
                for r in &x.rules {
                    self.push(r, Sym::Rule(r.name.clone()), false);
                }
                self.push(&x.record_type, Sym::Entity(x.record_type.name.clone()), false);
                self.bind(&x.var, Some(x.record_type.name.clone()));
                self.cond(&x.cond);
                self.scope.clear();
            }
        }
    }

    fn type_ref(&mut self, ty: &ast::TypeExpr) {
        if !["string", "number", "bool", "date"].contains(&ty.base.name.as_str()) {
            self.push(&ty.base, Sym::Entity(ty.base.name.clone()), false);
        }
    }

    /// Binds a name in scope (until the scope is cut back).
    fn bind(&mut self, ident: &ast::Ident, entity: Option<String>) {
        let sym =
            Sym::Local { file: ident.loc.src.name().to_string(), at: ident.loc.span.start, name: ident.name.clone() };
        if let Some(e) = &entity {
            self.index.local_types.insert(sym.clone(), e.clone());
        }
        self.push(ident, sym.clone(), true);
        self.scope.push((ident.name.clone(), sym, entity));
    }

    fn cond(&mut self, cond: &ast::Cond) {
        match &cond.kind {
            CondKind::And(terms) | CondKind::Or(terms) => terms.iter().for_each(|c| self.cond(c)),
            CondKind::Not(c) | CondKind::Paren(c) => self.cond(c),
            CondKind::Compare { lhs, rhs, .. } => {
                self.operand(lhs);
                self.operand(rhs);
            }
            CondKind::Matches { subject, .. } => self.operand(subject),
            CondKind::Exists(p) => {
                self.path(p);
            }
            CondKind::Is { subject, by, .. } => {
                self.operand(subject);
                if let Some(r) = by {
                    self.push(r, Sym::Rule(r.name.clone()), false);
                }
            }
            CondKind::Quant { var, range, body, .. } => {
                let depth = self.scope.len();
                self.range(var, range);
                self.cond(body);
                self.scope.truncate(depth);
            }
            CondKind::Sum { var, range, value, rhs, .. } => {
                let depth = self.scope.len();
                self.range(var, range);
                self.path(value);
                self.scope.truncate(depth);
                self.operand(rhs);
            }
            CondKind::Call { name, args } => self.call(name, args),
            CondKind::Truthy(op) => self.operand(op),
        }
    }

    /// A quantifier's range, and its binder put in scope.
    fn range(&mut self, var: &ast::Ident, range: &Range) {
        match range {
            Range::In(path) => {
                let ty = self.path(path);
                self.bind(var, ty);
            }
            Range::Type { record_type, filter } => {
                self.push(record_type, Sym::Entity(record_type.name.clone()), false);
                self.bind(var, Some(record_type.name.clone()));
                if let Some(f) = filter {
                    self.cond(f);
                }
            }
        }
    }

    fn call(&mut self, name: &ast::Ident, args: &[ast::Operand]) {
        if self.defs.contains(&name.name) {
            self.push(name, Sym::Def(name.name.clone()), false);
        }
        args.iter().for_each(|a| self.operand(a));
    }

    fn operand(&mut self, op: &ast::Operand) {
        match &op.kind {
            OperandKind::Literal(_) => {}
            OperandKind::Path(p) | OperandKind::Count(p) => {
                self.path(p);
            }
            OperandKind::Shift { base, .. } => self.operand(base),
            OperandKind::Call { name, args } => self.call(name, args),
        }
    }

    /// A path's names; the entity it leads to, when known.
    fn path(&mut self, path: &ast::Path) -> Option<String> {
        let head = &path.head;
        let mut ty = match self.scope.iter().rev().find(|(n, _, _)| *n == head.name) {
            Some((_, sym, ty)) => {
                let (sym, ty) = (sym.clone(), ty.clone());
                self.push(head, sym, false);
                ty
            }
            None if self.lets.contains(&head.name) => {
                self.push(head, Sym::Let(head.name.clone()), false);
                None
            }
            None => None,
        };
        for step in path.steps.iter().filter(|s| !s.bracketed) {
            let Some(loc) = field_name_loc(step) else { continue };
            let entity = ty.clone();
            self.index.occurrences.push(Occurrence {
                sym: Sym::Field { entity: entity.clone(), name: step.field.clone() },
                loc,
                decl: false,
            });
            ty = entity.and_then(|e| self.index.entities.get(&e)?.get(&step.field)?.link.clone());
        }
        ty
    }
}

/// The field's name in a step's text (`.contacts{1..2}` → `contacts`).
fn field_name_loc(step: &ast::Step) -> Option<Loc> {
    let at = step.loc.text().find(step.field.as_str())?;
    let start = step.loc.span.start + at;
    Some(Loc { src: Arc::clone(&step.loc.src), span: Span::new(start, start + step.field.len()) })
}
