//! Name resolution, type checking and compilation, in one walk of the AST.
//! Computed operands (`as_of - 1 year`, `lower(x.name)`) are checked in
//! `compute.rs`.

mod compute;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::deps::{self, Bodies, BodyDeps, Recursion};
use super::error::{CheckError, CheckErrorKind as K, did_you_mean};
use super::polarity;
use super::program::*;
use super::schema::{Base, Entity, FieldType, Schema};
use super::types::{Ty, comparable};
use crate::ast::{self, CmpOp, CondKind, Literal, OperandKind};
use crate::source::{Loc, Located, SourceFile};

/// A `matches` pattern may compile to at most this many bytes of automaton.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

pub(super) struct Compiler<'a> {
    errors: Vec<CheckError>,
    typed: bool,
    schema: Schema,
    lets: HashMap<&'a str, (Arc<Const>, Ty)>,
    defs: HashMap<&'a str, (DefId, &'a ast::DefDecl, Vec<Ty>)>,
    rules: HashMap<&'a str, (RuleId, &'a ast::RuleDecl)>,
    link_fields: LinkFields,
    /// Call-site arguments whose last field is a link if the def follows the
    /// parameter (untyped rule sets): (def, parameter, field).
    arg_fields: Vec<(DefId, usize, String)>,
    /// Per def, once compiled: which parameters its body follows as records.
    param_record_use: Vec<Option<Vec<bool>>>,
    body: Body,
    /// The rule, exemption or def being compiled.
    owner: String,
    branches: Vec<BranchSet>,
    field_names: indexmap::IndexSet<String>,
}

#[derive(Default)]
struct Body {
    scope: Vec<Binder>,
    frame: usize,
    deps: BodyDeps,
}

struct Binder {
    name: String,
    slot: usize,
    ty: Ty,
    /// Followed as a record (`c.name`, `c is denied`): what it ranges over
    /// then holds links.
    record_use: bool,
}

/// The def a call names, as declared.
struct Callee<'c, 'a> {
    def: DefId,
    /// The name as written at the call.
    name: &'c ast::Ident,
    decl: &'a ast::DefDecl,
    /// The declared parameter types.
    params: Vec<Ty>,
}

/// A compiled path with what the checker learned about it.
struct Typed<T> {
    value: T,
    ty: Ty,
    /// The step through which the path became a list (`contacts` in
    /// `p.contacts.nationality`), if it did.
    through: Option<String>,
}

/// Every file's declarations by kind, in file order. The first entity of a
/// name is kept; names declared twice are reported by `duplicates`.
#[derive(Default)]
struct Decls<'a> {
    entities: BTreeMap<&'a str, &'a ast::EntityDecl>,
    lets: Vec<&'a ast::LetDecl>,
    defs: Vec<&'a ast::DefDecl>,
    rules: Vec<&'a ast::RuleDecl>,
    exempts: Vec<&'a ast::ExemptDecl>,
}

impl<'a> Decls<'a> {
    fn collect(files: &'a [(Arc<SourceFile>, ast::File)]) -> Self {
        let mut decls = Decls::default();
        for item in files.iter().flat_map(|(_, file)| &file.items) {
            match item {
                ast::Item::Entity(e) => {
                    decls.entities.entry(&e.name.name).or_insert(e);
                }
                ast::Item::Let(l) => decls.lets.push(l),
                ast::Item::Def(d) => decls.defs.push(d),
                ast::Item::Rule(r) => decls.rules.push(r),
                ast::Item::Exempt(x) => decls.exempts.push(x),
            }
        }
        decls
    }
}

impl<'a> Compiler<'a> {
    /// Declares every name, then compiles defs, rules and exemptions in that
    /// order (a rule's `is … by RULE` and a call need only the declarations),
    /// then checks what the bodies depend on.
    pub(super) fn run(
        files: &'a [(Arc<SourceFile>, ast::File)],
        roots: &[std::path::PathBuf],
    ) -> Result<Program, Vec<CheckError>> {
        let decls = Decls::collect(files);
        let mut c = Compiler::new(!decls.entities.is_empty(), decls.defs.len());
        c.duplicates(files);
        c.entities(&decls.entities);
        c.declare(&decls, roots);
        let defs = c.defs(&decls.defs);
        let mut rules = c.rules(&decls.rules);
        let exemptions = c.exemptions(&decls.exempts, &mut rules.items);
        c.follow_def_arguments();
        let (errors, recursion) = c.dependency_errors(&defs, &rules, &exemptions);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(c.finish(files, defs.items, rules.items, exemptions.items, recursion))
    }

    fn new(typed: bool, def_count: usize) -> Self {
        Compiler {
            errors: Vec::new(),
            typed,
            schema: Schema::default(),
            lets: HashMap::new(),
            defs: HashMap::new(),
            rules: HashMap::new(),
            link_fields: LinkFields::default(),
            arg_fields: Vec::new(),
            param_record_use: vec![None; def_count],
            body: Body::default(),
            owner: String::new(),
            branches: Vec::new(),
            field_names: ["name", "caption"].into_iter().map(String::from).collect(), // FieldId::NAME, CAPTION
        }
    }

    /// The `let` values, the defs' parameter types and the rules' ids, so
    /// that any body may name any of them.
    fn declare(&mut self, decls: &Decls<'a>, roots: &[std::path::PathBuf]) {
        for l in &decls.lets {
            let (value, ty) = self.let_value(&l.value, roots);
            self.lets.entry(&l.name.name).or_insert((Arc::new(value), ty));
        }
        for (i, d) in decls.defs.iter().enumerate() {
            let params = d.params.iter().map(|p| self.type_expr(&p.ty)).collect();
            self.defs.entry(&d.name.name).or_insert((DefId(i as u32), d, params));
        }
        for (i, r) in decls.rules.iter().enumerate() {
            self.rules.entry(&r.name.name).or_insert((RuleId(i as u32), r));
        }
    }

    fn let_value(&mut self, value: &ast::LetValue, roots: &[std::path::PathBuf]) -> (Const, Ty) {
        match value {
            ast::LetValue::Literal(lit) => self.literal(lit),
            ast::LetValue::File(file) => {
                let values = super::lists::read(file, roots).unwrap_or_else(|at| {
                    self.error(K::ListFile, at);
                    Vec::new()
                });
                (Const::List(ConstList::new(values.into_iter().map(Const::Str).collect())), Ty::list_of(Ty::Str))
            }
        }
    }

    fn defs(&mut self, decls: &[&ast::DefDecl]) -> Bodies<Def> {
        let mut defs = Bodies::default();
        for (i, d) in decls.iter().enumerate() {
            let params = self.defs.get(d.name.name.as_str()).map(|(_, _, p)| p.clone()).unwrap_or_default();
            self.begin(
                &d.name.name,
                d.params.iter().zip(params.iter().cloned()).map(|(p, ty)| (p.name.name.clone(), ty)),
            );
            let body = self.cond(&d.body);
            let record_use = self.body.scope.iter().map(|b| b.record_use).collect::<Vec<_>>();
            let (frame, body_deps) = self.end();
            let def = Def {
                name: d.name.name.clone(),
                params: d.params.iter().map(|p| p.name.name.clone()).collect(),
                param_types: params,
                body,
                frame,
                loc: d.loc.clone(),
            };
            defs.push(def, body_deps);
            self.param_record_use[i] = Some(record_use);
        }
        defs
    }

    fn rules(&mut self, decls: &[&ast::RuleDecl]) -> Bodies<Rule> {
        let mut rules = Bodies::default();
        for r in decls {
            let ty = self.record_type(&r.record_type);
            self.begin(&r.name.name, [(r.var.name.clone(), ty)]);
            let cond = self.cond(&r.cond);
            let (frame, body_deps) = self.end();
            let rule = Rule {
                name: r.name.name.clone(),
                title: r.title.as_ref().map_or_else(|| r.name.name.clone(), |t| t.value.clone()),
                effect: r.effect,
                severity: r.severity.as_ref().map(|s| s.0).unwrap_or_default(),
                effective: r.effective.as_ref().map(|e| (e.from, e.to)),
                record_type: r.record_type.name.clone(),
                var: r.var.name.clone(),
                cond,
                frame,
                waived_by: Vec::new(),
                loc: r.loc.clone(),
            };
            rules.push(rule, body_deps);
        }
        rules
    }

    /// The exemptions; each is added to the `waived_by` of the rules it waives.
    fn exemptions(&mut self, decls: &[&ast::ExemptDecl], rules: &mut [Rule]) -> Bodies<Exemption> {
        let mut exemptions = Bodies::default();
        for x in decls {
            let id = ExemptionId(exemptions.items.len() as u32);
            let waived = self.waived(x, id, rules);
            let ty = self.record_type(&x.record_type);
            self.begin(&x.name.name, [(x.var.name.clone(), ty)]);
            let cond = self.cond(&x.cond);
            let (frame, body_deps) = self.end();
            let exemption = Exemption {
                name: x.name.name.clone(),
                title: x.title.as_ref().map_or_else(|| x.name.name.clone(), |t| t.value.clone()),
                record_type: x.record_type.name.clone(),
                rules: waived,
                cond,
                frame,
                loc: x.loc.clone(),
            };
            exemptions.push(exemption, body_deps);
        }
        exemptions
    }

    /// The rules exemption `x` (to be `id`) waives, which must judge its
    /// record type.
    fn waived(&mut self, x: &ast::ExemptDecl, id: ExemptionId, rules: &mut [Rule]) -> Vec<RuleId> {
        let mut waived = Vec::new();
        for name in &x.rules {
            match self.rules.get(name.name.as_str()) {
                Some((_, decl)) if decl.record_type.name != x.record_type.name => {
                    let judged = &decl.record_type.name;
                    self.error(
                        K::WaiveOtherType,
                        Located::new(
                            format!(
                                "exemption `{}` is for `{}` records but rule `{}` judges `{judged}` records",
                                x.name.name, x.record_type.name, name.name
                            ),
                            &name.loc,
                            format!("a `{judged}` rule"),
                        )
                        .also(&x.record_type.loc, "exemption's record type")
                        .help(format!(
                            "an exemption waives rules of its own record type; write `for {judged} …` in a separate exemption"
                        )),
                    );
                }
                Some((rule, _)) => {
                    waived.push(*rule);
                    rules[rule.index()].waived_by.push(id);
                }
                None => self.unknown("rule", name, self.rules.keys().copied().collect::<Vec<_>>()),
            }
        }
        waived
    }

    /// Untyped rule sets: a field passed to a def that follows its
    /// parameter as a record holds links.
    fn follow_def_arguments(&mut self) {
        if self.typed {
            return;
        }
        for (def, param, field) in std::mem::take(&mut self.arg_fields) {
            let follows = self.param_record_use.get(def.0 as usize).and_then(Option::as_ref);
            if follows.and_then(|u| u.get(param)).copied().unwrap_or(false) {
                self.link_fields.any_type.insert(field);
            }
        }
    }

    /// Every error so far and those of recursive defs and verdict cycles
    /// (looked for only when no def recurses), in source order.
    fn dependency_errors(
        &mut self,
        defs: &Bodies<Def>,
        rules: &Bodies<Rule>,
        exemptions: &Bodies<Exemption>,
    ) -> (Vec<CheckError>, Recursion) {
        let mut errors = std::mem::take(&mut self.errors);
        let mut recursion = Recursion::default();
        if deps::check_recursion(defs, &mut errors) {
            recursion = deps::check_cycles(rules, exemptions, defs, &mut errors);
        }
        errors.sort_by_key(|a| a.position());
        (errors, recursion)
    }

    fn finish(
        self,
        files: &[(Arc<SourceFile>, ast::File)],
        defs: Vec<Def>,
        rules: Vec<Rule>,
        exemptions: Vec<Exemption>,
        recursion: Recursion,
    ) -> Program {
        let (mut rules, mut defs) = (rules, defs);
        for cond in rules.iter_mut().map(|r| &mut r.cond).chain(defs.iter_mut().map(|d| &mut d.body)) {
            polarity::mark_sums(cond, &recursion.sums);
        }
        let mut group_of = vec![None; rules.len()];
        for (g, group) in recursion.groups.iter().enumerate() {
            for r in group {
                group_of[r.index()] = Some(g as u32);
            }
        }
        let mut rules_by_type: HashMap<String, Vec<RuleId>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            rules_by_type.entry(r.record_type.clone()).or_default().push(RuleId(i as u32));
        }
        Program {
            rules,
            exemptions,
            defs,
            schema: self.typed.then_some(self.schema),
            rules_by_type,
            link_fields: self.link_fields,
            files: files.iter().map(|(f, _)| Arc::clone(f)).collect(),
            branches: self.branches,
            field_names: self.field_names.into_iter().collect(),
            groups: recursion.groups,
            group_of,
        }
    }

    fn error(&mut self, kind: K, at: Located) {
        self.errors.push(CheckError::new(kind, at));
    }

    fn unknown(&mut self, what: &str, name: &ast::Ident, candidates: Vec<&str>) {
        let help = did_you_mean(&name.name, candidates);
        self.error(
            K::UnknownName,
            Located::new(format!("unknown {what} `{}`", name.name), &name.loc, format!("no {what} of this name"))
                .maybe_help(help.or_else(|| Some(format!("declare the {what} or check the spelling")))),
        );
    }

    /// Names declared twice, per namespace (rules and exemptions share one).
    fn duplicates(&mut self, files: &'a [(Arc<SourceFile>, ast::File)]) {
        let mut seen: HashMap<(&str, &str), &ast::Ident> = HashMap::new();
        for (_, file) in files {
            for item in &file.items {
                let (ns, ident) = match item {
                    ast::Item::Entity(e) => ("entity", &e.name),
                    ast::Item::Let(l) => ("let", &l.name),
                    ast::Item::Def(d) => ("def", &d.name),
                    ast::Item::Rule(r) => ("rule", &r.name),
                    ast::Item::Exempt(x) => ("rule", &x.name),
                };
                if let Some(first) = seen.get(&(ns, ident.name.as_str())) {
                    let what = if ns == "rule" { "rule or exemption" } else { ns };
                    let at = Located::new(
                        format!("{what} `{}` is declared twice", ident.name),
                        &ident.loc,
                        "second declaration",
                    )
                    .also(&first.loc, "first declared here")
                    .help("give each a distinct name");
                    self.error(K::Duplicate, at);
                } else {
                    seen.insert((ns, &ident.name), ident);
                }
            }
        }
    }

    // ------------------------------------------------------------ entities and types

    fn entities(&mut self, decls: &BTreeMap<&str, &ast::EntityDecl>) {
        let names: Vec<&str> = decls.keys().copied().collect();
        for (name, decl) in decls {
            let mut fields = BTreeMap::new();
            let mut links = BTreeMap::new();
            for f in &decl.fields {
                if fields.contains_key(&f.name.name) {
                    self.error(
                        K::Duplicate,
                        Located::new(
                            format!("field `{}` is declared twice in `{name}`", f.name.name),
                            &f.name.loc,
                            "again",
                        )
                        .help("remove one of them"),
                    );
                    continue;
                }
                let Some(base) = self.base_type(&f.ty.base, &names) else {
                    // The unknown type is reported; the field is declared all
                    // the same, so that reading it is not an error too.
                    let base = Base::Entity(f.ty.base.name.clone());
                    fields.insert(f.name.name.clone(), FieldType { base, list: f.ty.list, optional: f.ty.optional });
                    continue;
                };
                if let Base::Entity(target) = &base {
                    links.insert(f.name.name.clone(), Some(target.clone()));
                    // Declared links are checked for dangling ids even when no rule reads them.
                    self.field_names.insert(f.name.name.clone());
                }
                fields.insert(f.name.name.clone(), FieldType { base, list: f.ty.list, optional: f.ty.optional });
            }
            // Every record has a string `id` and `type`, declared or not.
            for implicit in ["id", "type"] {
                fields.entry(implicit.to_string()).or_insert(FieldType {
                    base: Base::Str,
                    list: false,
                    optional: false,
                });
            }
            self.link_fields.by_type.insert(name.to_string(), links);
            self.schema
                .entities
                .insert(name.to_string(), Entity { name: name.to_string(), fields, loc: decl.loc.clone() });
        }
    }

    fn base_type(&mut self, ident: &ast::Ident, entities: &[&str]) -> Option<Base> {
        Some(match ident.name.as_str() {
            "string" => Base::Str,
            "number" => Base::Num,
            "bool" => Base::Bool,
            "date" => Base::Date,
            other if entities.contains(&other) => Base::Entity(other.to_string()),
            _ => {
                let mut candidates = vec!["string", "number", "bool", "date"];
                candidates.extend(entities);
                self.unknown("type", ident, candidates);
                return None;
            }
        })
    }

    /// A def parameter's type; unchecked (`Any`) without entities.
    fn type_expr(&mut self, t: &ast::TypeExpr) -> Ty {
        if !self.typed {
            return Ty::Any;
        }
        let names: Vec<String> = self.schema.entities.keys().cloned().collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        match self.base_type(&t.base, &names) {
            Some(base) => Ty::of_field(&FieldType { base, list: t.list, optional: t.optional }),
            None => Ty::Any,
        }
    }

    /// The type of a rule's, exemption's or quantifier's record binder.
    fn record_type(&mut self, ident: &ast::Ident) -> Ty {
        if !self.typed {
            return Ty::Any;
        }
        if self.schema.entities.contains_key(&ident.name) {
            return Ty::Entity(ident.name.clone());
        }
        let names: Vec<String> = self.schema.entities.keys().cloned().collect();
        self.unknown("entity", ident, names.iter().map(String::as_str).collect());
        Ty::Any
    }

    fn literal(&mut self, lit: &Literal) -> (Const, Ty) {
        match lit {
            Literal::Str(s) => (Const::Str(s.clone()), Ty::Str),
            Literal::Num(n) => (Const::Num(*n), Ty::Num),
            Literal::Bool(b) => (Const::Bool(*b), Ty::Bool),
            Literal::Date(d) => (Const::Date(*d), Ty::Date),
            Literal::List(items) => {
                let mut elem = None;
                let mut consts = Vec::with_capacity(items.len());
                for item in items {
                    let (c, ty) = self.literal(item);
                    elem = match elem {
                        None => Some(ty),
                        Some(prev) if prev == ty => Some(prev),
                        Some(_) => Some(Ty::Any),
                    };
                    consts.push(c);
                }
                (Const::List(ConstList::new(consts)), Ty::list_of(elem.unwrap_or(Ty::Any)))
            }
        }
    }

    // ------------------------------------------------------------ bodies and scope

    fn field_id(&mut self, name: &str) -> FieldId {
        let (i, _) = self.field_names.insert_full(name.to_string());
        FieldId(i as u32)
    }

    fn branch_set(&mut self, op: &'static str, terms: &[ast::Cond]) -> BranchId {
        self.branches.push(BranchSet {
            owner: self.owner.clone(),
            op,
            terms: terms.iter().map(|t| t.loc.clone()).collect(),
        });
        BranchId(self.branches.len() as u32 - 1)
    }

    fn begin(&mut self, owner: &str, binders: impl IntoIterator<Item = (String, Ty)>) {
        self.owner = owner.to_string();
        self.body = Body::default();
        for (name, ty) in binders {
            self.bind(name, ty);
        }
    }

    fn end(&mut self) -> (usize, BodyDeps) {
        let body = std::mem::take(&mut self.body);
        (body.frame, body.deps)
    }

    fn bind(&mut self, name: String, ty: Ty) -> usize {
        let slot = self.body.scope.len();
        self.body.scope.push(Binder { name, slot, ty, record_use: false });
        self.body.frame = self.body.frame.max(self.body.scope.len());
        slot
    }

    fn unbind(&mut self) -> Option<Binder> {
        self.body.scope.pop()
    }

    // ------------------------------------------------------------ conditions

    fn cond(&mut self, c: &ast::Cond) -> Cond {
        let loc = c.loc.clone();
        match &c.kind {
            CondKind::And(terms) => {
                let id = self.branch_set("and", terms);
                Cond::And(terms.iter().map(|t| self.cond(t)).collect(), id)
            }
            CondKind::Or(terms) => {
                let id = self.branch_set("or", terms);
                Cond::Or(terms.iter().map(|t| self.cond(t)).collect(), id)
            }
            CondKind::Not(inner) => Cond::Not(Box::new(self.cond(inner))),
            CondKind::Paren(inner) => self.cond(inner),
            CondKind::Compare { lhs, op, rhs } => self.compare(lhs, *op, rhs, loc),
            CondKind::Matches { subject, pattern } => self.matches(subject, pattern, loc),
            CondKind::Exists(path) => {
                let p = self.path(path);
                Cond::Exists { path: p.value, loc }
            }
            CondKind::Is { subject, verdict, by } => self.is(subject, *verdict, by.as_ref(), loc),
            CondKind::Sum { var, range, value, op, rhs, .. } => {
                let (slot, range, value) = self.sum_range(var, range, value);
                let rhs = self.sum_comparison(*op, rhs, &c.loc);
                Cond::Sum(Box::new(Sum {
                    slot,
                    var: var.name.clone(),
                    range,
                    value,
                    op: *op,
                    rhs,
                    loc,
                    on_cycle: false,
                }))
            }
            CondKind::Quant { quantifier, var, range, body, head } => {
                let (range, slot, range_path) = self.range(var, range, quantifier.as_str());
                let body = self.quantified(body, range_path);
                let var = var.name.clone();
                Cond::Quant(Box::new(Quant { quantifier: *quantifier, slot, var, range, body, head: head.clone() }))
            }
            CondKind::Call { name, args } => self.call(name, args, loc),
            CondKind::Truthy(operand) => self.truthy(operand, loc),
        }
    }

    /// `subject matches "PATTERN"`; an invalid pattern is an error.
    fn matches(&mut self, subject: &ast::Operand, pattern: &ast::StrLit, loc: Loc) -> Cond {
        let subject = self.scalar(subject, "`matches`");
        self.expect(&subject, &[Ty::Str], "`matches` tests a string");
        let re = regex::RegexBuilder::new(&pattern.value)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build();
        match re {
            Ok(re) => Cond::Matches { subject: subject.value, re, loc },
            Err(e) => {
                self.error(
                    K::Regex,
                    Located::new(
                        format!("invalid regular expression: {}", regex_problem(&e)),
                        &pattern.loc,
                        "this pattern",
                    )
                    .help("`matches` takes a Rust `regex` pattern (no look-around or backreferences)"),
                );
                Cond::Const(false)
            }
        }
    }

    /// `subject is VERDICT [by RULE]`: the subject must be a path to one record.
    fn is(&mut self, subject: &ast::Operand, verdict: ast::VerdictWord, by: Option<&ast::Ident>, loc: Loc) -> Cond {
        let OperandKind::Path(path) = &subject.kind else {
            self.error(
                K::Type,
                Located::new("`is` reads the verdict of a record", &subject.loc, "not a path to a record")
                    .help("write a path to a linked record, e.g. `x.venue is denied`"),
            );
            return Cond::Const(false);
        };
        let p = self.path(path);
        self.mark_record_use(path);
        if let Some(through) = &p.through {
            self.needs_quantifier(&subject.loc, path, through);
        }
        let target = self.verdict_target(&p.ty, verdict, subject, path);
        let by = by.and_then(|r| self.is_by(r, target.as_deref(), verdict));
        Cond::Is { subject: Term::Path(p.value), verdict, by, target, loc }
    }

    /// The entity whose verdict `is` reads: the subject's type, which must
    /// be a record (`None` when not known).
    fn verdict_target(
        &mut self,
        ty: &Ty,
        verdict: ast::VerdictWord,
        subject: &ast::Operand,
        path: &ast::Path,
    ) -> Option<String> {
        match ty {
            Ty::Entity(e) => Some(e.clone()),
            Ty::Any => None,
            other => {
                self.error(
                    K::Type,
                    Located::new(
                        format!("`is {}` needs a record, but `{}` is {other}", verdict.as_str(), path.loc.text()),
                        &subject.loc,
                        format!("{other}"),
                    )
                    .help("follow a link to a record, e.g. `x.venue is denied`"),
                );
                None
            }
        }
    }

    /// `sum(VAR in RANGE: VALUE)`: the range, the binder's slot and the value
    /// added per element, which must be a number or a list of numbers.
    fn sum_range(&mut self, var: &ast::Ident, range: &ast::Range, value: &ast::Path) -> (usize, QRange, PathExpr) {
        let (range, slot, _) = self.range(var, range, "sum");
        let v = self.path(value);
        if !matches!(v.ty, Ty::Any | Ty::Num) && v.ty != Ty::list_of(Ty::Num) {
            self.error(
                K::Type,
                Located::new(
                    format!("`sum` adds numbers, but `{}` is {}", value.loc.text(), v.ty),
                    &value.loc,
                    "not a number",
                )
                .help("sum a number field, or a list of numbers, of each element"),
            );
        }
        self.unbind();
        (slot, range, v.value)
    }

    /// `sum(…) op rhs`: an ordering or (in)equality with a number.
    fn sum_comparison(&mut self, op: CmpOp, rhs: &ast::Operand, whole: &Loc) -> Term {
        if !matches!(op, CmpOp::Eq | CmpOp::Ne | CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) {
            self.error(
                K::Type,
                Located::new(format!("a sum cannot be compared with `{}`", op.as_str()), whole, "a sum")
                    .help("compare a sum with `==`, `!=`, `<`, `<=`, `>` or `>=`"),
            );
        }
        let r = self.operand(rhs);
        self.expect(&r, &[Ty::Num], "a sum is compared with a number");
        r.value
    }

    /// A quantifier's body, its binder bound; the binder is unbound after.
    /// Untyped rule sets: a range whose element the body follows as a
    /// record holds links.
    fn quantified(&mut self, body: &ast::Cond, range_path: Option<&ast::Path>) -> Cond {
        let body = self.cond(body);
        let binder = self.unbind();
        if let (Some(binder), Some(path), false) = (binder, range_path, self.typed)
            && let (true, Some(last)) = (binder.record_use, path.steps.last())
        {
            self.link_fields.any_type.insert(last.field.clone());
        }
        body
    }

    /// A value used as a condition, which must be a bool.
    fn truthy(&mut self, operand: &ast::Operand, loc: Loc) -> Cond {
        if let OperandKind::Literal(Literal::Bool(b)) = operand.kind {
            return Cond::Const(b);
        }
        let t = self.scalar(operand, "a condition");
        self.expect(&t, &[Ty::Bool], "a value used as a condition must be a bool");
        Cond::Truthy { term: t.value, loc }
    }

    /// A quantifier's or sum's range; binds its variable (the caller unbinds).
    fn range<'r>(
        &mut self,
        var: &ast::Ident,
        range: &'r ast::Range,
        what: &str,
    ) -> (QRange, usize, Option<&'r ast::Path>) {
        match range {
            ast::Range::In(path) => {
                let p = self.path(path);
                let elem = p.ty.elem().unwrap_or_else(|| {
                            self.error(
                                K::NotAList,
                                Located::new(
                                    format!("`{}` ranges over `{}`, which is {}", what, path.loc.text(), p.ty),
                                    &path.loc,
                                    "not a list",
                                )
                                .help("a quantifier needs a list: a multi-link, a list field, a hop range like `{1..}` or a `let` list"),
                            );
                            Ty::Any
                        });
                let slot = self.bind(var.name.clone(), elem);
                (QRange::Path(Term::Path(p.value)), slot, Some(path))
            }
            ast::Range::Type { record_type, filter } => {
                let ty = self.record_type(record_type);
                let slot = self.bind(var.name.clone(), ty);
                let filter = filter.as_ref().map(|f| self.cond(f));
                let reverse = filter.as_ref().and_then(|f| reverse_lookup(f, slot));
                let range =
                    QRange::Type { record_type: record_type.name.clone(), filter: filter.map(Box::new), reverse };
                (range, slot, None)
            }
        }
    }

    fn is_by(&mut self, r: &ast::Ident, target: Option<&str>, verdict: ast::VerdictWord) -> Option<RuleId> {
        let Some((id, decl)) = self.rules.get(r.name.as_str()).map(|(i, d)| (*i, *d)) else {
            self.unknown("rule", r, self.rules.keys().copied().collect());
            return None;
        };
        if let Some(target) = target
            && decl.record_type.name != target
        {
            self.error(
                K::Type,
                Located::new(
                    format!("rule `{}` judges `{}` records, not `{target}`", r.name, decl.record_type.name),
                    &r.loc,
                    format!("a `{}` rule", decl.record_type.name),
                )
                .help(format!("name a rule for `{target}` records")),
            );
        }
        let wanted = match verdict {
            ast::VerdictWord::Denied => Some(ast::Effect::Deny),
            ast::VerdictWord::Flagged => Some(ast::Effect::Flag),
            ast::VerdictWord::Allowed => None,
        };
        if wanted != Some(decl.effect) {
            self.error(
                K::Type,
                Located::new(
                    format!(
                        "`is {} by {}` can never hold: `{}` is a `{}` rule",
                        verdict.as_str(),
                        r.name,
                        r.name,
                        decl.effect.as_str()
                    ),
                    &r.loc,
                    format!("a `{}` rule", decl.effect.as_str()),
                )
                .help(format!(
                    "write `is {} by {}`",
                    if decl.effect == ast::Effect::Deny { "denied" } else { "flagged" },
                    r.name
                )),
            );
        }
        Some(id)
    }

    fn compare(&mut self, lhs: &ast::Operand, op: CmpOp, rhs: &ast::Operand, loc: Loc) -> Cond {
        match op {
            CmpOp::In | CmpOp::NotIn => self.membership(lhs, op, rhs, loc),
            CmpOp::Contains => self.contains(lhs, rhs, loc),
            CmpOp::StartsWith => {
                let l = self.scalar(lhs, "the left of `starts_with`");
                let r = self.scalar(rhs, "the right of `starts_with`");
                self.expect(&l, &[Ty::Str], "`starts_with` compares strings");
                self.expect(&r, &[Ty::Str], "`starts_with` compares strings");
                Cond::Cmp { op, lhs: l.value, rhs: r.value, dates: false, loc }
            }
            _ => {
                let l = self.scalar(lhs, &format!("`{}`", op.as_str()));
                let r = self.scalar(rhs, &format!("`{}`", op.as_str()));
                if !comparable(&l.ty, &r.ty, op) {
                    self.mismatch((lhs, &l.ty), op, (rhs, &r.ty));
                }
                let dates = l.ty == Ty::Date || r.ty == Ty::Date;
                Cond::Cmp { op, lhs: l.value, rhs: r.value, dates, loc }
            }
        }
    }

    /// `lhs in rhs` / `lhs not in rhs`: a constant list becomes a hash set.
    fn membership(&mut self, lhs: &ast::Operand, op: CmpOp, rhs: &ast::Operand, loc: Loc) -> Cond {
        let l = self.scalar(lhs, &format!("the left of `{}`", op.as_str()));
        let negated = op == CmpOp::NotIn;
        if let Some((set, ty)) = self.const_list(rhs) {
            self.check_elem(&l, &ty, lhs, rhs);
            return Cond::InSet { lhs: l.value, set, negated, loc };
        }
        let r = self.operand(rhs);
        match r.ty.elem() {
            Some(elem) => self.check_elem(&l, &Ty::list_of(elem), lhs, rhs),
            None => self.error(
                K::Type,
                Located::new(
                    format!("`{}` needs a list on its right, found {}", op.as_str(), r.ty),
                    &rhs.loc,
                    "not a list",
                )
                .help("write a list literal, a `let` list or a list field"),
            ),
        }
        Cond::Cmp { op, lhs: l.value, rhs: r.value, dates: false, loc }
    }

    /// `lhs contains rhs`: a substring of a string or an element of a list.
    fn contains(&mut self, lhs: &ast::Operand, rhs: &ast::Operand, loc: Loc) -> Cond {
        let op = CmpOp::Contains;
        let l = self.operand(lhs);
        let r = self.scalar(rhs, "the right of `contains`");
        match &l.ty {
            Ty::Any => {}
            Ty::Str => self.expect(&r, &[Ty::Str], "`contains` on a string looks for a substring"),
            Ty::List(elem) => {
                if !comparable(elem, &r.ty, CmpOp::Eq) {
                    self.mismatch((lhs, &l.ty), op, (rhs, &r.ty));
                }
            }
            other => self.error(
                K::Type,
                Located::new(
                    format!("`contains` needs a string or a list, found {other}"),
                    &lhs.loc,
                    format!("{other}"),
                )
                .help("`contains` looks for a substring in a string or an element in a list"),
            ),
        }
        let dates = l.ty.elem().is_some_and(|e| e == Ty::Date) || r.ty == Ty::Date;
        Cond::Cmp { op, lhs: l.value, rhs: r.value, dates, loc }
    }

    /// A literal list, or a `let` bound to one, as a hashed constant.
    fn const_list(&mut self, rhs: &ast::Operand) -> Option<(Arc<Const>, Ty)> {
        match &rhs.kind {
            OperandKind::Literal(lit @ Literal::List(_)) => {
                let (c, ty) = self.literal(lit);
                Some((Arc::new(c), ty))
            }
            OperandKind::Path(p) if p.steps.is_empty() && !self.is_binder(&p.head.name) => {
                match self.lets.get(p.head.name.as_str()) {
                    Some((c, ty)) if matches!(**c, Const::List(_)) => Some((Arc::clone(c), ty.clone())),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn check_elem(&mut self, l: &Typed<Term>, list: &Ty, lhs: &ast::Operand, rhs: &ast::Operand) {
        if let Some(elem) = list.elem()
            && !comparable(&l.ty, &elem, CmpOp::Eq)
        {
            self.mismatch((lhs, &l.ty), CmpOp::In, (rhs, list));
        }
    }

    /// `lhs op rhs` with operands of types that do not meet in `op`.
    fn mismatch(&mut self, (lhs, lt): (&ast::Operand, &Ty), op: CmpOp, (rhs, rt): (&ast::Operand, &Ty)) {
        let help = match (lt, rt) {
            (Ty::Entity(_), Ty::Num | Ty::Bool | Ty::Date) | (Ty::Num | Ty::Bool | Ty::Date, Ty::Entity(_)) => {
                "a link holds a record id; follow it to a field, e.g. `v.operator.nationality`".to_string()
            }
            (Ty::Entity(a), Ty::Entity(b)) if a != b => format!("a `{a}` is never a `{b}`"),
            _ if matches!(op, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge) => {
                "`<`, `<=`, `>`, `>=` order numbers, strings and dates".to_string()
            }
            _ => "compare values of the same type (a string is read as a date when compared with one)".to_string(),
        };
        self.error(
            K::Type,
            Located::new(format!("cannot compare {lt} with {rt} using `{}`", op.as_str()), &lhs.loc, format!("{lt}"))
                .also(&rhs.loc, format!("{rt}"))
                .help(help),
        );
    }

    fn expect(&mut self, t: &Typed<Term>, allowed: &[Ty], why: &str) {
        if t.ty != Ty::Any && !allowed.contains(&t.ty) {
            let loc = t.value.loc().clone();
            self.error(
                K::Type,
                Located::new(format!("{why}, but `{}` is {}", loc.text(), t.ty), &loc, format!("{}", t.ty))
                    .help(format!("use {}", allowed.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or "))),
            );
        }
    }

    fn call(&mut self, name: &ast::Ident, args: &[ast::Operand], loc: Loc) -> Cond {
        let Some((def, decl, params)) = self.defs.get(name.name.as_str()).map(|(i, d, p)| (*i, *d, p.clone())) else {
            if name.name == "lower" {
                self.lower_alone(&loc);
                return Cond::Const(false);
            }
            self.unknown("def", name, self.defs.keys().copied().collect());
            return Cond::Const(false);
        };
        let callee = Callee { def, name, decl, params };
        if args.len() != callee.params.len() {
            self.arity(&callee, args.len(), &loc);
        }
        let terms = args.iter().enumerate().map(|(i, arg)| self.argument(&callee, i, arg)).collect();
        self.body.deps.calls.push((def, loc.clone()));
        Cond::Call { def, args: terms, loc }
    }

    fn arity(&mut self, callee: &Callee, given: usize, loc: &Loc) {
        let Callee { name, decl, params, .. } = callee;
        self.error(
            K::Arity,
            Located::new(
                format!("def `{}` takes {} argument(s), {given} given", name.name, params.len()),
                loc,
                format!("{given} given"),
            )
            .also(&decl.loc, "declared here")
            .help(format!(
                "call it as `{}({})`",
                name.name,
                decl.params.iter().map(|p| p.name.name.as_str()).collect::<Vec<_>>().join(", ")
            )),
        );
    }

    /// Argument `i` of a call: checked against the parameter's type, and
    /// noted where the def's use of the parameter says something about it.
    fn argument(&mut self, callee: &Callee, i: usize, arg: &ast::Operand) -> Term {
        let t = self.operand(arg);
        let Some(param) = callee.params.get(i) else { return t.value };
        if let Some(through) = &t.through
            && !param.is_list()
            && let OperandKind::Path(p) = &arg.kind
        {
            self.needs_quantifier(&arg.loc, p, through);
        }
        if !accepts(param, &t.ty) {
            let pname = callee.decl.params.get(i).map_or("", |p| p.name.name.as_str());
            self.error(
                K::Type,
                Located::new(
                    format!("def `{}` takes {param} as `{pname}`, but this is {}", callee.name.name, t.ty),
                    &arg.loc,
                    format!("{}", t.ty),
                )
                .also(&callee.decl.params[i].ty.loc, "parameter type")
                .help(format!("pass {param}")),
            );
        }
        if let OperandKind::Path(p) = &arg.kind {
            self.argument_use(callee.def, i, p);
        }
        t.value
    }

    /// A path passed as argument `i`: its last field may hold links (settled
    /// once every def is compiled); a bare binder is used as a record if
    /// the def follows its parameter.
    fn argument_use(&mut self, def: DefId, i: usize, p: &ast::Path) {
        if let Some(last) = p.steps.last() {
            self.arg_fields.push((def, i, last.field.clone()));
        } else if let Some(slot) = self.binder_slot(&p.head.name) {
            // `f(c)` uses `c` as a record when `f` follows its parameter
            // (unknown yet for a def declared later: assume it does).
            let follows = self.param_record_use.get(def.0 as usize).and_then(Option::as_ref);
            if follows.is_none_or(|uses| uses.get(i).copied().unwrap_or(false)) {
                self.record_use(slot);
            }
        }
    }

    // ------------------------------------------------------------ operands and paths

    /// An operand that must be one value (not a list reached through a multi-link).
    fn scalar(&mut self, o: &ast::Operand, context: &str) -> Typed<Term> {
        let mut t = self.operand(o);
        if let (Some(through), OperandKind::Path(p)) = (&t.through, &o.kind) {
            self.needs_quantifier(&o.loc, p, through);
            // Said once is enough: no type errors on top.
            t.ty = Ty::Any;
        } else if t.ty.is_list() && self.typed {
            self.error(
                K::Type,
                Located::new(
                    format!("{context} needs one value, but `{}` is {}", o.loc.text(), t.ty),
                    &o.loc,
                    format!("{}", t.ty),
                )
                .help("test membership with `in` / `contains`, or use a quantifier: `any x in LIST: …`"),
            );
        }
        t
    }

    fn needs_quantifier(&mut self, loc: &Loc, path: &ast::Path, through: &str) {
        let (prefix, rest) = split_path_at(path, through);
        let var = "c";
        let help = if rest.is_empty() {
            format!("use a quantifier: `any {var} in {prefix}: …`")
        } else {
            format!("use a quantifier: `any {var} in {prefix}: {var}{rest} …`")
        };
        self.error(
            K::NeedsQuantifier,
            Located::new(
                format!("`{}` goes through `{through}`, which holds several records", path.loc.text()),
                loc,
                "one value needed here, several found",
            )
            .help(help),
        );
    }

    fn operand(&mut self, o: &ast::Operand) -> Typed<Term> {
        match &o.kind {
            OperandKind::Literal(lit) => {
                let (c, ty) = self.literal(lit);
                Typed { value: Term::Const(Arc::new(c), o.loc.clone()), ty, through: None }
            }
            OperandKind::Path(p)
                if p.head.name == "as_of"
                    && p.steps.is_empty()
                    && !self.lets.contains_key("as_of")
                    && !self.body.scope.iter().any(|b| b.name == "as_of") =>
            {
                Typed { value: Term::AsOf(o.loc.clone()), ty: Ty::Date, through: None }
            }
            OperandKind::Path(p) => {
                let t = self.path(p);
                Typed { value: Term::Path(t.value), ty: t.ty, through: t.through }
            }
            OperandKind::Count(p) => {
                let t = self.path(p);
                if t.ty.elem().is_none() {
                    self.error(
                        K::NotAList,
                        Located::new(
                            format!("`count` needs a list, but `{}` is {}", p.loc.text(), t.ty),
                            &p.loc,
                            "not a list",
                        )
                        .help("count a multi-link, a list field or a hop range"),
                    );
                }
                Typed { value: Term::Count(t.value, o.loc.clone()), ty: Ty::Num, through: None }
            }
            OperandKind::Shift { base, shift } => self.shifted(o, base, shift),
            OperandKind::Call { name, args } if name.name == "lower" => self.lower(o, args),
            OperandKind::Call { name, .. } => {
                self.error(
                    K::Type,
                    Located::new(
                        format!("`{}(…)` is a condition and cannot be compared", name.name),
                        &o.loc,
                        "a def call",
                    )
                    .help(format!("write it on its own (`{0}(…)`) or negate it (`not {0}(…)`)", name.name)),
                );
                Typed { value: Term::Const(Arc::new(Const::Bool(false)), o.loc.clone()), ty: Ty::Any, through: None }
            }
        }
    }

    fn is_binder(&self, name: &str) -> bool {
        self.body.scope.iter().any(|b| b.name == name)
    }

    fn binder_slot(&self, name: &str) -> Option<usize> {
        self.body.scope.iter().rev().find(|b| b.name == name).map(|b| b.slot)
    }

    fn record_use(&mut self, slot: usize) {
        if let Some(b) = self.body.scope.iter_mut().find(|b| b.slot == slot) {
            b.record_use = true;
        }
    }

    /// `c is denied`: the binder `c` stands for a record.
    fn mark_record_use(&mut self, path: &ast::Path) {
        if let Some(slot) = self.binder_slot(&path.head.name)
            && path.steps.is_empty()
        {
            self.record_use(slot);
        }
        if !self.typed
            && let Some(last) = path.steps.last()
        {
            self.link_fields.any_type.insert(last.field.clone());
        }
    }

    fn path(&mut self, p: &ast::Path) -> Typed<PathExpr> {
        let (head, ty) = self.path_head(&p.head);
        if let Head::Var(slot, _) = head
            && !p.steps.is_empty()
            && slot != usize::MAX
        {
            self.record_use(slot);
        }
        if matches!(head, Head::Const(..)) && !p.steps.is_empty() {
            self.error(
                K::Type,
                Located::new(format!("`{}` is a `let` value and has no fields", p.head.name), &p.loc, "not a record")
                    .help("paths start at a binder (the rule's record, a quantifier's element) or a def parameter"),
            );
            return Typed {
                value: PathExpr { head, steps: Vec::new(), loc: p.loc.clone() },
                ty: Ty::Any,
                through: None,
            };
        }
        let steps = self.path_steps(p, ty);
        Typed { value: PathExpr { head, steps: steps.value, loc: p.loc.clone() }, ty: steps.ty, through: steps.through }
    }

    /// What a path starts at: a binder (innermost first) or a `let`; an
    /// unknown name is an error and reads as an unbound slot.
    fn path_head(&mut self, name: &ast::Ident) -> (Head, Ty) {
        if let Some(b) = self.body.scope.iter().rev().find(|b| b.name == name.name) {
            return (Head::Var(b.slot, b.name.clone()), b.ty.clone());
        }
        if let Some((c, ty)) = self.lets.get(name.name.as_str()) {
            return (Head::Const(Arc::clone(c), name.name.clone()), ty.clone());
        }
        let mut candidates: Vec<&str> = self.body.scope.iter().map(|b| b.name.as_str()).collect();
        candidates.extend(self.lets.keys().copied());
        let help = did_you_mean(&name.name, candidates);
        let in_scope = self.body.scope.iter().map(|b| format!("`{}`", b.name)).collect::<Vec<_>>().join(", ");
        self.error(
            K::UnknownName,
            Located::new(format!("unknown name `{}`", name.name), &name.loc, "not a binder, parameter or let")
                .maybe_help(help.or_else(|| Some(format!("names in scope here: {in_scope}")))),
        );
        (Head::Var(usize::MAX, name.name.clone()), Ty::Any)
    }

    /// A path's steps from a head of type `ty`: the type they lead to and
    /// where the path became a list.
    fn path_steps(&mut self, p: &ast::Path, mut ty: Ty) -> Typed<Vec<PathStep>> {
        let mut steps = Vec::with_capacity(p.steps.len());
        let mut through: Option<String> = None;
        let last = p.steps.len().saturating_sub(1);
        for (i, step) in p.steps.iter().enumerate() {
            // Stepping on a list maps over its elements.
            let (current, mapped) = match &ty {
                Ty::List(elem) => ((**elem).clone(), true),
                other => (other.clone(), false),
            };
            if mapped && through.is_none() {
                through = Some(
                    i.checked_sub(1)
                        .and_then(|j| p.steps.get(j))
                        .map_or_else(|| p.head.name.clone(), |s| s.field.clone()),
                );
            }
            let (next, link_to) = self.step(&current, step);
            if !self.typed && (i < last || step.hops.is_some()) {
                self.link_fields.any_type.insert(step.field.clone());
            }
            ty = step_type(current, next, step.hops.is_some(), mapped);
            let field_id = self.field_id(&step.field);
            steps.push(PathStep {
                field: step.field.clone(),
                field_id,
                hops: step.hops,
                link_to,
                text: step_text(step),
            });
        }
        Typed { value: steps, ty, through }
    }

    /// The type one step leads to from a value of type `from`, and the entity
    /// a link there must point to.
    fn step(&mut self, from: &Ty, step: &ast::Step) -> (Ty, Option<String>) {
        match from {
            Ty::Any => (Ty::Any, None),
            Ty::Entity(e) => {
                let Some(entity) = self.schema.entities.get(e) else { return (Ty::Any, None) };
                let Some(field) = entity.fields.get(&step.field).cloned() else {
                    if step.bracketed {
                        return (Ty::Any, None);
                    }
                    let (help, declared) = (entity.unknown_field_help(&step.field), entity.name_loc());
                    self.error(
                        K::UnknownName,
                        Located::new(
                            format!("unknown field `{}` on `{e}`", step.field),
                            &step.loc,
                            format!("not a field of `{e}`"),
                        )
                        .help(help)
                        .also_near(&declared, format!("`{e}` is declared here")),
                    );
                    return (Ty::Any, None);
                };
                let link_to = match &field.base {
                    Base::Entity(target) => Some(target.clone()),
                    _ => None,
                };
                if step.hops.is_some() && link_to.as_deref() != Some(e.as_str()) {
                    self.error(
                        K::Type,
                        Located::new(
                            format!("a hop range needs a link from `{e}` to `{e}`, but `{}` is {}", step.field, Ty::of_field(&field)),
                            &step.loc,
                            "cannot be repeated",
                        )
                        .help("hop ranges repeat a link that leads back to the same entity, like `contacts: [person]` on `person`"),
                    );
                }
                (Ty::of_field(&field), link_to)
            }
            scalar => {
                self.error(
                    K::Type,
                    Located::new(
                        format!("cannot follow `{}`: the value before it is {scalar}", step.field),
                        &step.loc,
                        "not a link",
                    )
                    .help("only links (fields declared with an entity type) can be followed"),
                );
                (Ty::Any, None)
            }
        }
    }
}

/// What is wrong with a pattern, in the words of the `regex` crate's last
/// line (its first lines repeat the pattern).
fn regex_problem(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(_) => "the pattern is too large".to_string(),
        other => {
            let text = other.to_string();
            let last = text.lines().last().unwrap_or("").trim();
            last.strip_prefix("error: ").unwrap_or(last).to_string()
        }
    }
}

/// Whether a def parameter of type `param` takes an argument of type `arg`
/// (a string may stand for a link: it is read as a record id).
fn accepts(param: &Ty, arg: &Ty) -> bool {
    match (param, arg) {
        (Ty::Any, _) | (_, Ty::Any) => true,
        (Ty::Entity(p), Ty::Entity(a)) => p == a,
        (Ty::Entity(_), Ty::Str) => true,
        (p, a) => p == a || comparable(p, a, CmpOp::Eq) && !p.is_list() && !a.is_list(),
    }
}

/// The type after a step from a value of type `current` to a field of type
/// `next`: a hop range lists records like `current`; a step mapped over a
/// list lists what it finds.
fn step_type(current: Ty, next: Ty, hops: bool, mapped: bool) -> Ty {
    if hops {
        let elem = if next == Ty::Any { Ty::Any } else { current };
        return Ty::list_of(elem);
    }
    match next {
        Ty::List(inner) if mapped => Ty::list_of(*inner),
        other if mapped => Ty::list_of(other),
        other => other,
    }
}

fn step_text(step: &ast::Step) -> String {
    step.loc.text().to_string()
}

/// `p.contacts.nationality` split at `contacts`: (`p.contacts`, `.nationality`).
fn split_path_at(path: &ast::Path, through: &str) -> (String, String) {
    let mut prefix = path.head.name.clone();
    let mut rest = String::new();
    let mut seen = false;
    for step in &path.steps {
        let text = step.loc.text();
        if seen {
            rest.push_str(text)
        } else {
            prefix.push_str(text)
        }
        seen |= step.field == through;
    }
    (prefix, rest)
}

/// In `where COND`, a conjunct `x.F == E` (or `E == x.F`) where `E` does not
/// mention the binder `x` lets the evaluator use a reverse index on `F`.
fn reverse_lookup(filter: &Cond, slot: usize) -> Option<ReverseLookup> {
    let conjuncts: Vec<&Cond> = match filter {
        Cond::And(terms, _) => terms.iter().collect(),
        other => vec![other],
    };
    for c in conjuncts {
        // `x.f == p`, `p == x.f`, and `p in x.f` (a list of links).
        let pairs = match c {
            Cond::Cmp { op: CmpOp::Eq, lhs, rhs, .. } => vec![(lhs, rhs), (rhs, lhs)],
            Cond::Cmp { op: CmpOp::In, lhs, rhs, .. } => vec![(rhs, lhs)],
            _ => continue,
        };
        for (mine, other) in pairs {
            let Term::Path(p) = mine else { continue };
            let [step] = p.steps.as_slice() else { continue };
            if !matches!(p.head, Head::Var(s, _) if s == slot) || step.hops.is_some() {
                continue;
            }
            if let Term::Path(o) = other
                && matches!(o.head, Head::Var(s, _) if s < slot)
            {
                return Some(ReverseLookup {
                    field: step.field.clone(),
                    field_id: step.field_id,
                    target: clone_term(other),
                });
            }
        }
    }
    None
}

fn clone_term(t: &Term) -> Term {
    match t {
        Term::Const(c, loc) => Term::Const(Arc::clone(c), loc.clone()),
        Term::Path(p) => Term::Path(clone_path(p)),
        Term::Count(p, loc) => Term::Count(clone_path(p), loc.clone()),
        Term::AsOf(loc) => Term::AsOf(loc.clone()),
        Term::Shift(base, shift, loc) => Term::Shift(Box::new(clone_term(base)), *shift, loc.clone()),
        Term::Lower(base, loc) => Term::Lower(Box::new(clone_term(base)), loc.clone()),
    }
}

fn clone_path(p: &PathExpr) -> PathExpr {
    PathExpr {
        head: match &p.head {
            Head::Var(s, n) => Head::Var(*s, n.clone()),
            Head::Const(c, n) => Head::Const(Arc::clone(c), n.clone()),
        },
        steps: p
            .steps
            .iter()
            .map(|s| PathStep {
                field: s.field.clone(),
                field_id: s.field_id,
                hops: s.hops,
                link_to: s.link_to.clone(),
                text: s.text.clone(),
            })
            .collect(),
        loc: p.loc.clone(),
    }
}
