//! What judging a record of one type can read, worked out from the program
//! alone: the fields its rules, exemptions and the defs they call follow,
//! the records whose verdicts they read (`is`), the types they range over
//! (`any T x …`) and the string constants they hold (a constant can name a
//! record, or be the key of a reverse lookup). Coarse on purpose: every
//! answer is a superset of what evaluation can touch.

use std::collections::{HashMap, HashSet};

use crate::check::{Cond, Const, DefId, FieldId, Head, PathExpr, Program, QRange, Term};

/// Which records reached while judging a record are judged in turn.
#[derive(Debug, Default)]
pub(super) enum Judged {
    /// Those reached through one of these fields (`x.f is denied`).
    #[default]
    None,
    Via(HashSet<FieldId>),
    /// Every record reached (an `is` on a bound record, whose binding the
    /// analysis does not follow).
    All,
}

impl Judged {
    pub(super) fn through(&self, field: FieldId) -> bool {
        match self {
            Judged::None => false,
            Judged::Via(fields) => fields.contains(&field),
            Judged::All => true,
        }
    }

    pub(super) fn all(&self) -> bool {
        matches!(self, Judged::All)
    }

    fn add(&mut self, field: Option<FieldId>) {
        match (field, &mut *self) {
            (_, Judged::All) => {}
            (None, _) => *self = Judged::All,
            (Some(f), Judged::Via(fields)) => {
                fields.insert(f);
            }
            (Some(f), Judged::None) => *self = Judged::Via(HashSet::from([f])),
        }
    }
}

/// A type a body ranges over: every record of it, or (with a reverse
/// lookup `where x.f == …`) those whose field `f` holds a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Scan {
    pub(super) record_type: String,
    pub(super) by: Option<(String, FieldId)>,
}

/// What judging a record of one type can read.
#[derive(Debug, Default)]
pub(super) struct Reads {
    /// The fields path steps read, by id.
    pub(super) fields: HashSet<FieldId>,
    pub(super) judged: Judged,
    pub(super) scans: Vec<Scan>,
    /// Per field, the most links along it all the paths read take
    /// together (a step one, a hop range its most; `None`: a closure).
    pub(super) hops: HashMap<FieldId, Option<u32>>,
}

/// Per record type with rules or exemptions, what judging one reads; and
/// the program's string constants (lower-cased too).
pub(super) fn of_program(program: &Program) -> (HashMap<String, Reads>, HashSet<String>) {
    let mut types: Vec<&str> = program.rules().map(|r| r.record_type.as_str()).collect();
    types.extend(program.exemptions().map(|x| x.record_type.as_str()));
    types.sort_unstable();
    types.dedup();
    let mut constants = HashSet::new();
    let reads = types
        .into_iter()
        .map(|ty| {
            let mut walk = Walk { program, reads: Reads::default(), constants: &mut constants, defs: HashSet::new() };
            for &rule in program.rules_for(ty) {
                walk.body(&program.rule(rule).cond);
            }
            for x in program.exemptions().filter(|x| x.record_type == ty) {
                walk.body(&x.cond);
            }
            (ty.to_string(), walk.reads)
        })
        .collect();
    let lowered: Vec<String> = constants.iter().map(|c| c.to_lowercase()).collect();
    constants.extend(lowered);
    (reads, constants)
}

/// Per field, how many links along it a walk (back from a changed record,
/// or on from a judged one) must take to find every record a verdict can
/// read, since it last crossed a field without a limit. Defs cannot
/// recurse, so one record's judging takes no more links along a field in
/// all than the program's paths along it together; a verdict read through
/// a field (`x.f is …`, or `is` on a bound record, for every field) goes
/// on in the judged record's rules, so such a field has no limit and
/// crossing it starts afresh. A link field no path reads is read one link
/// away (its link warnings).
pub(super) fn back_limits(program: &Program, links: &HashSet<FieldId>) -> Limits {
    let most = most_links(program, links);
    let mut fields: Vec<(FieldId, u32)> = most.into_iter().collect();
    fields.sort_unstable();
    Limits { slots: fields.iter().enumerate().map(|(i, (f, _))| (*f, i)).collect(), most: fields }
}

/// How many links along each field a walk may take since it last started
/// afresh: one record's judging takes no more along a field in all.
#[derive(Debug, Default)]
pub(super) struct Limits {
    slots: HashMap<FieldId, usize>,
    most: Vec<(FieldId, u32)>,
}

/// Links taken along each limited field (by its slot) since the walk last
/// started afresh.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Used(Vec<u32>);

impl Limits {
    /// A walk started afresh.
    pub(super) fn fresh(&self) -> Used {
        Used(vec![0; self.most.len()])
    }

    /// What a link along `field` makes of `used`: none past the field's
    /// limit; afresh along a field without one.
    pub(super) fn after(&self, used: &Used, field: FieldId) -> Option<Used> {
        let Some(&slot) = self.slots.get(&field) else { return Some(self.fresh()) };
        let most = self.most.get(slot).map_or(0, |(_, n)| *n);
        let mut next = used.clone();
        let n = next.0.get_mut(slot)?;
        *n = n.saturating_add(1);
        (*n <= most).then_some(next)
    }
}

impl Used {
    /// No more links along any field than `other`.
    pub(super) fn within(&self, other: &Used) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a <= b)
    }
}

fn most_links(program: &Program, links: &HashSet<FieldId>) -> HashMap<FieldId, u32> {
    let mut constants = HashSet::new();
    let mut walk = Walk { program, reads: Reads::default(), constants: &mut constants, defs: HashSet::new() };
    for rule in program.rules() {
        walk.body(&rule.cond);
    }
    for exemption in program.exemptions() {
        walk.body(&exemption.cond);
    }
    let Reads { hops, judged, .. } = walk.reads;
    if judged.all() {
        return HashMap::new();
    }
    let unread = links.iter().filter(|f| !hops.contains_key(f)).map(|&f| (f, 1)).collect::<Vec<_>>();
    let read = hops.into_iter().filter(|(f, _)| !judged.through(*f)).filter_map(|(f, n)| Some((f, n?)));
    read.chain(unread).collect()
}

struct Walk<'p, 'c> {
    program: &'p Program,
    reads: Reads,
    constants: &'c mut HashSet<String>,
    defs: HashSet<DefId>,
}

impl Walk<'_, '_> {
    fn body(&mut self, cond: &Cond) {
        let mut calls = Vec::new();
        cond.visit(&mut |c| self.cond(c, &mut calls));
        for def in calls {
            if self.defs.insert(def)
                && let Some(d) = self.program.defs.get(def.0 as usize)
            {
                self.body(&d.body);
            }
        }
    }

    fn cond(&mut self, cond: &Cond, calls: &mut Vec<DefId>) {
        match cond {
            Cond::Cmp { lhs, rhs, .. } => {
                self.term(lhs);
                self.term(rhs);
            }
            Cond::InSet { lhs, set, .. } => {
                self.term(lhs);
                self.constant(set);
            }
            Cond::Matches { subject: term, .. } | Cond::Truthy { term, .. } => self.term(term),
            Cond::Exists { path, .. } => self.path(path),
            Cond::Is { subject, .. } => {
                self.term(subject);
                let through = match subject {
                    Term::Path(p) => p.steps.last().map(|s| s.field_id),
                    _ => None,
                };
                self.reads.judged.add(through);
            }
            Cond::Quant(q) => self.range(&q.range),
            Cond::Sum(s) => {
                self.range(&s.range);
                self.path(&s.value);
                self.term(&s.rhs);
            }
            Cond::Call { def, args, .. } => {
                args.iter().for_each(|a| self.term(a));
                calls.push(*def);
            }
            Cond::And(..) | Cond::Or(..) | Cond::Not(_) | Cond::Const(_) => {}
        }
    }

    fn range(&mut self, range: &QRange) {
        match range {
            QRange::Path(term) => self.term(term),
            QRange::Type { record_type, reverse, .. } => {
                let by = reverse.as_ref().map(|r| (r.field.clone(), r.field_id));
                let scan = Scan { record_type: record_type.clone(), by };
                if !self.reads.scans.contains(&scan) {
                    self.reads.scans.push(scan);
                }
            }
        }
    }

    fn term(&mut self, term: &Term) {
        match term {
            Term::Const(c, _) => self.constant(c),
            Term::Path(p) | Term::Count(p, _) => self.path(p),
            Term::Shift(base, _, _) | Term::Lower(base, _) => self.term(base),
            Term::AsOf(_) => {}
        }
    }

    fn path(&mut self, path: &PathExpr) {
        if let Head::Const(c, _) = &path.head {
            self.constant(c);
        }
        self.reads.fields.extend(path.steps.iter().map(|s| s.field_id));
        for step in &path.steps {
            let most = step.hops.map_or(Some(1), |h| h.max);
            let sum = self.reads.hops.entry(step.field_id).or_insert(Some(0));
            *sum = sum.zip(most).map(|(a, b)| a.saturating_add(b));
        }
    }

    fn constant(&mut self, c: &Const) {
        match c {
            Const::Str(s) => {
                self.constants.insert(s.clone());
            }
            Const::List(list) => list.items.iter().for_each(|item| self.constant(item)),
            Const::Num(_) | Const::Bool(_) | Const::Date(_) => {}
        }
    }
}
