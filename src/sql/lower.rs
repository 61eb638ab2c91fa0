//! Lowers a checked [`Program`] to relations: one table of hits per rule
//! and exemption, one of fired rules (with the exemption that waived each
//! and the witness) per rule, one of decisions per record type that `is`
//! reads, hop tables filled by loops, and the final query.
//!
//! A condition becomes a two-valued boolean over the rule's row: every
//! comparison is wrapped in `COALESCE(…, FALSE)`; a single link is a `LEFT
//! JOIN` (an unresolved link leaves NULLs, so what reads it is false); a
//! quantifier is an `EXISTS` over the list's rows (`all`/`none`: the list is
//! present and no row fails/holds); `is denied` reads the decision table of
//! the target's type, built in an earlier step. Defs are inlined.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::ast::{CmpOp, Effect, Quantifier, VerdictWord};
use crate::check::{
    Base, Cond, Const, DefId, FieldType, Head, PathExpr, Program, QRange, Quant, ReverseLookup, RuleId, Schema, Term,
};
use crate::date::{Date, DateShift};
use crate::source::{Loc, Located};

use super::error::{SqlError, SqlErrorKind};
use super::ir::{BinOp, Expr, JoinKind, Rel, Select, Source};

/// The runs a `{1..}` closure may make: one per hop (the `--max-visited`
/// default bounds the records a walk reaches in the same way).
pub(crate) const CLOSURE_MAX_ITERATIONS: u64 = 1_000_000;

/// The exported table of every record (`id`, `type`, `seq`), as `export`
/// names it.
pub(crate) const RECORD_TABLE: &str = "interdict_record";

/// How the tables the script makes begin: the prefix `export` refuses for
/// record types, so no working table is an input (and never `_`, which
/// Spark and Hive-style catalogs take for a hidden file).
const WORK: &str = "interdict_";

/// A step before printing.
pub(crate) enum StepIr {
    Create { name: String, rel: Rel },
    Loop { name: String, rel: Rel, max_iterations: u64 },
}

/// The lowered program.
pub(crate) struct Lowered {
    pub(crate) steps: Vec<StepIr>,
    pub(crate) result: Rel,
    pub(crate) inputs: Vec<String>,
    pub(crate) witnessed: Vec<String>,
}

/// A relation the steps build, named so that dependencies can be ordered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Node {
    /// Records of the rule's type where its condition holds.
    Hit(RuleId),
    /// The rule's fired records with waiver and witness.
    State(RuleId),
    /// Records of the exemption's type where its condition holds.
    Exempt(usize),
    /// Deny/flag decisions of one record type.
    Decision(String),
}

pub(crate) fn lower(program: &Program, as_of: Date) -> Result<Lowered, Vec<SqlError>> {
    let Some(schema) = program.schema() else {
        let loc = program
            .rules()
            .next()
            .map(|r| r.loc.clone())
            .or_else(|| program.exemptions().next().map(|x| x.loc.clone()));
        return Err(match loc {
            Some(loc) => vec![SqlError::new(
                SqlErrorKind::Untyped,
                Located::new(
                    "the SQL compiler needs `entity` declarations",
                    &loc,
                    "no entity declares this rule's type",
                )
                .help(
                    "declare every record type with `entity NAME { field: type, … }`: tables and links come from them",
                ),
            )],
            None => Vec::new(),
        });
    };
    let mut c = Compiler {
        program,
        schema,
        as_of,
        steps: Vec::new(),
        done: HashMap::new(),
        hops: HashMap::new(),
        inputs: BTreeMap::new(),
        witnessed: Vec::new(),
        errors: Vec::new(),
        goals: HashMap::new(),
        done_walks: Vec::new(),
        recursing: None,
    };
    c.inputs.insert(RECORD_TABLE.to_string(), ());
    let in_effect: Vec<RuleId> =
        (0..program.rules.len()).map(|i| RuleId(i as u32)).filter(|&r| program.rule(r).in_effect(as_of)).collect();
    for &rule in &in_effect {
        c.ensure(&Node::State(rule));
    }
    let mut types: Vec<String> = in_effect.iter().map(|&r| program.rule(r).record_type.clone()).collect();
    types.sort();
    types.dedup();
    for t in &types {
        c.ensure(&Node::Decision(t.clone()));
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let result = c.result(&in_effect, &types);
    Ok(Lowered { steps: c.steps, result, inputs: c.inputs.into_keys().collect(), witnessed: c.witnessed })
}

struct Compiler<'p> {
    program: &'p Program,
    schema: &'p Schema,
    as_of: Date,
    steps: Vec<StepIr>,
    /// Nodes lowered (true) or being lowered (false: a cycle).
    done: HashMap<Node, bool>,
    /// Hop tables by (entity, field, max hops).
    hops: HashMap<(String, String, Option<u32>), String>,
    inputs: BTreeMap<String, ()>,
    witnessed: Vec<String>,
    errors: Vec<SqlError>,
    /// Goal-directed closures by (quantifier body, negated): their reach tables.
    goals: HashMap<(usize, bool), String>,
    done_walks: Vec<String>,
    /// The recursive group whose loop is being lowered.
    recursing: Option<usize>,
}

/// The table a recursive group's loop fills: `interdict_fixpoint_` and its rules' names.
fn group_table(program: &Program, rules: &[RuleId]) -> String {
    let names: Vec<&str> = rules.iter().map(|r| program.rule(*r).name.as_str()).collect();
    format!("{WORK}fixpoint_{}", names.join("_"))
}

fn unsupported(what: &str, loc: &Loc, help: &str) -> SqlError {
    SqlError::new(
        SqlErrorKind::Unsupported,
        Located::new(format!("{what} has no SQL translation yet"), loc, "here").help(help.to_string()),
    )
}

impl<'p> Compiler<'p> {
    fn table_name(node: &Node, program: &Program) -> String {
        match node {
            Node::Hit(r) => format!("{WORK}hit_{}", program.rule(*r).name),
            Node::State(r) => format!("{WORK}fired_{}", program.rule(*r).name),
            Node::Exempt(x) => format!("{WORK}exempt_{}", program.exemptions[*x].name),
            Node::Decision(t) => format!("{WORK}decision_{t}"),
        }
    }

    /// Lowers `node` (and, first, what it reads) unless done.
    fn ensure(&mut self, node: &Node) -> String {
        let name = Self::table_name(node, self.program);
        match self.done.get(node) {
            Some(true) => return name,
            Some(false) => {
                // The checker rejects dependency cycles; this is a backstop.
                return name;
            }
            None => {}
        }
        self.done.insert(node.clone(), false);
        if let Node::State(r) = node
            && let Some(group) = self.program.group_of(*r)
        {
            self.recursive_state(group);
            self.done.insert(node.clone(), true);
            return name;
        }
        let rel = match node {
            Node::Hit(r) => self.hit(*r),
            Node::State(r) => self.state(*r),
            Node::Exempt(x) => self.exempt(*x),
            Node::Decision(t) => Ok(self.decision(t)),
        };
        match rel {
            Ok(rel) => self.steps.push(StepIr::Create { name: name.clone(), rel }),
            Err(e) => self.errors.push(e),
        }
        self.done.insert(node.clone(), true);
        name
    }

    fn entity_table(&mut self, entity: &str) -> String {
        self.inputs.insert(entity.to_string(), ());
        entity.to_string()
    }

    fn hit(&mut self, rule: RuleId) -> Result<Rel, SqlError> {
        let r = self.program.rule(rule);
        self.condition_rel(&r.record_type, &r.cond, r.frame)
    }

    fn exempt(&mut self, x: usize) -> Result<Rel, SqlError> {
        let e = &self.program.exemptions[x];
        self.condition_rel(&e.record_type, &e.cond, e.frame)
    }

    /// `SELECT r.id FROM type r … WHERE cond`.
    fn condition_rel(&mut self, record_type: &str, cond: &'p Cond, frame: usize) -> Result<Rel, SqlError> {
        let table = self.entity_table(record_type);
        let mut l = RelLowerer::new(self, record_type, frame);
        let filter = l.cond(cond)?;
        let scope = l.scopes.remove(0);
        let mut select = Select::new(Source::table(&table, "r")).column(Expr::col("r", "id"), "id").filter(filter);
        select.joins = scope.joins;
        Ok(select.rel())
    }

    /// `SELECT h.id, waived_by, witness FROM hit h LEFT JOIN exempt … LEFT JOIN witness …`.
    fn state(&mut self, rule: RuleId) -> Result<Rel, SqlError> {
        let hit = self.ensure(&Node::Hit(rule));
        Ok(self.state_of(rule, Select::new(Source::table(&hit, "h")))?.rel())
    }

    /// A recursive group's fired tables, filled by the driver's loop: one
    /// table for the group (a `rule` column), empty at first; each run adds
    /// the (record, rule) pairs whose condition holds reading the table as
    /// the runs before left it (with the waiver and witness of that run),
    /// until a run adds none — the least fixpoint's rounds as `check` works
    /// them out, the witness of the round a record first fired included.
    /// Then each rule's fired table is its rows.
    fn recursive_state(&mut self, group: usize) {
        let rules = self.program.recursive_groups().get(group).cloned().unwrap_or_default();
        let table = group_table(self.program, &rules);
        let Some(&first) = rules.first() else { return };
        let entity = self.entity_table(&self.program.rule(first).record_type);
        let text_null = || Expr::ToText(Box::new(Expr::Null));
        let empty = Select::new(Source::table(&entity, "r"))
            .column(Expr::col("r", "id"), "id")
            .column(text_null(), "waived_by")
            .column(text_null(), "witness")
            .column(text_null(), "rule")
            .filter(Expr::Bool(false));
        self.steps.push(StepIr::Create { name: table.clone(), rel: empty.rel() });
        self.recursing = Some(group);
        let rounds: Result<Vec<Rel>, SqlError> = rules.iter().map(|&r| self.round_of(r, &table)).collect();
        self.recursing = None;
        match rounds {
            Ok(parts) => {
                let rel = if parts.len() == 1 {
                    parts.into_iter().next().unwrap_or(Rel::UnionAll(Vec::new()))
                } else {
                    Rel::UnionAll(parts)
                };
                self.steps.push(StepIr::Loop { name: table.clone(), rel, max_iterations: CLOSURE_MAX_ITERATIONS });
            }
            Err(e) => self.errors.push(e),
        }
        for &r in &rules {
            let name = Self::table_name(&Node::State(r), self.program);
            let rows = Select::new(Source::table(&table, "g"))
                .column(Expr::col("g", "id"), "id")
                .column(Expr::col("g", "waived_by"), "waived_by")
                .column(Expr::col("g", "witness"), "witness")
                .filter(Expr::eq(Expr::col("g", "rule"), Expr::Str(self.program.rule(r).name.clone())));
            self.steps.push(StepIr::Create { name, rel: rows.rel() });
            self.done.insert(Node::State(r), true);
        }
    }

    /// One rule's rows of a round: where its condition holds and it has no
    /// row in the group's table yet.
    fn round_of(&mut self, rule: RuleId, table: &str) -> Result<Rel, SqlError> {
        let hit = self.hit(rule)?;
        let name = Expr::Str(self.program.rule(rule).name.clone());
        let on = Expr::and(vec![
            Expr::eq(Expr::col("seen", "id"), Expr::col("h", "id")),
            Expr::eq(Expr::col("seen", "rule"), name.clone()),
        ]);
        let fresh = Select::new(Source::Sub { rel: Box::new(hit), alias: "h".into() })
            .join(JoinKind::Left, Source::table(table, "seen"), on)
            .filter(Expr::IsNull(Box::new(Expr::col("seen", "id"))));
        Ok(self.state_of(rule, fresh)?.column(name, "rule").rel())
    }

    /// [`Compiler::state`] over the hits `select` reads (as `h`).
    fn state_of(&mut self, rule: RuleId, select: Select) -> Result<Select, SqlError> {
        let r = self.program.rule(rule);
        let mut select = select.column(Expr::col("h", "id"), "id");
        let mut arms = Vec::new();
        for (i, &x) in r.waived_by.iter().enumerate() {
            let table = self.ensure(&Node::Exempt(x.index()));
            let alias = format!("x{i}");
            select = select.join(
                JoinKind::Left,
                Source::table(&table, &alias),
                Expr::eq(Expr::col(&alias, "id"), Expr::col("h", "id")),
            );
            arms.push((Expr::col(&alias, "id").present(), Expr::Str(self.program.exemption(x).name.clone())));
        }
        let waived_by = if arms.is_empty() { Expr::ToText(Box::new(Expr::Null)) } else { Expr::Case(arms, None) };
        select = select.column(waived_by, "waived_by");
        let witness = match self.witness_rel(rule)? {
            Some(w) => {
                self.witnessed.push(r.name.clone());
                select = select.join(
                    JoinKind::Left,
                    Source::Sub { rel: Box::new(w), alias: "w".into() },
                    Expr::eq(Expr::col("w", "id"), Expr::col("h", "id")),
                );
                Expr::col("w", "w")
            }
            None => Expr::ToText(Box::new(Expr::Null)),
        };
        Ok(select.column(witness, "witness"))
    }

    /// The witness of the rule's first top-level `any`: per record, the
    /// first element by hop depth, list position, then id.
    fn witness_rel(&mut self, rule: RuleId) -> Result<Option<Rel>, SqlError> {
        let r = self.program.rule(rule);
        let table = self.entity_table(&r.record_type);
        let mut l = RelLowerer::new(self, &r.record_type, r.frame);
        let Some(w) = l.witness(&r.cond)? else { return Ok(None) };
        let scope = l.scopes.remove(0);
        let mut ranked = Select::new(Source::table(&table, "r"))
            .column(Expr::col("r", "id"), "id")
            .column(w.element, "w")
            .column(Expr::RowNumber { partition: vec![Expr::col("r", "id")], order: w.order }, "rn")
            .filter(w.filter);
        ranked.joins = scope.joins;
        let first = Select::new(Source::Sub { rel: Box::new(ranked.rel()), alias: "ranked".into() })
            .column(Expr::col("ranked", "id"), "id")
            .column(Expr::col("ranked", "w"), "w")
            .filter(Expr::eq(Expr::col("ranked", "rn"), Expr::Int(1)));
        Ok(Some(first.rel()))
    }

    /// Records of `t` with a deny or flag decision.
    fn decision(&mut self, t: &str) -> Rel {
        let mut parts = Vec::new();
        for &rule in self.program.rules_for(t) {
            let r = self.program.rule(rule);
            if !r.in_effect(self.as_of) {
                continue;
            }
            let fired = self.ensure(&Node::State(rule));
            let effect = match r.effect {
                Effect::Deny => 2,
                Effect::Flag => 1,
            };
            parts.push(
                Select::new(Source::table(&fired, "s"))
                    .column(Expr::col("s", "id"), "id")
                    .column(Expr::Int(effect), "effect")
                    .filter(Expr::IsNull(Box::new(Expr::col("s", "waived_by"))))
                    .rel(),
            );
        }
        let effects = if parts.is_empty() {
            // No rule in effect: an empty relation of the right shape.
            let table = self.entity_table(t);
            Select::new(Source::table(&table, "s"))
                .column(Expr::col("s", "id"), "id")
                .column(Expr::Int(0), "effect")
                .filter(Expr::Bool(false))
                .rel()
        } else if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rel::UnionAll(parts)
        };
        let mut select = Select::new(Source::Sub { rel: Box::new(effects), alias: "e".into() })
            .column(Expr::col("e", "id"), "id")
            .column(
                Expr::Case(
                    vec![(
                        Expr::eq(Expr::Max(Box::new(Expr::col("e", "effect"))), Expr::Int(2)),
                        Expr::Str("deny".into()),
                    )],
                    Some(Box::new(Expr::Str("flag".into()))),
                ),
                "decision",
            );
        select.group_by.push(Expr::col("e", "id"));
        select.rel()
    }

    /// One row per fired rule on a record, and one per record where none fired.
    fn result(&mut self, rules: &[RuleId], types: &[String]) -> Rel {
        let mut select = Select::new(Source::table(RECORD_TABLE, "rec"))
            .column(Expr::col("rec", "seq"), "seq")
            .column(Expr::col("rec", "id"), "id")
            .column(Expr::col("rec", "type"), "type");
        let decisions: Vec<Rel> = types
            .iter()
            .map(|t| {
                let table = Self::table_name(&Node::Decision(t.clone()), self.program);
                Select::new(Source::table(&table, "d"))
                    .column(Expr::col("d", "id"), "id")
                    .column(Expr::col("d", "decision"), "decision")
                    .rel()
            })
            .collect();
        let fired: Vec<Rel> = rules
            .iter()
            .map(|&r| {
                let table = Self::table_name(&Node::State(r), self.program);
                Select::new(Source::table(&table, "f"))
                    .column(Expr::col("f", "id"), "id")
                    .column(Expr::Str(self.program.rule(r).name.clone()), "rule")
                    .column(Expr::col("f", "waived_by"), "waived_by")
                    .column(Expr::col("f", "witness"), "witness")
                    .rel()
            })
            .collect();
        let decision = if decisions.is_empty() {
            Expr::Str("allow".into())
        } else {
            select = select.join(
                JoinKind::Left,
                Source::Sub { rel: Box::new(union(decisions)), alias: "d".into() },
                Expr::eq(Expr::col("d", "id"), Expr::col("rec", "id")),
            );
            Expr::Case(
                vec![(Expr::col("d", "decision").present(), Expr::col("d", "decision"))],
                Some(Box::new(Expr::Str("allow".into()))),
            )
        };
        select = select.column(decision, "decision");
        if fired.is_empty() {
            let none = || Expr::ToText(Box::new(Expr::Null));
            select.column(none(), "rule").column(none(), "waived_by").column(none(), "witness").rel()
        } else {
            select
                .join(
                    JoinKind::Left,
                    Source::Sub { rel: Box::new(union(fired)), alias: "f".into() },
                    Expr::eq(Expr::col("f", "id"), Expr::col("rec", "id")),
                )
                .column(Expr::col("f", "rule"), "rule")
                .column(Expr::col("f", "waived_by"), "waived_by")
                .column(Expr::col("f", "witness"), "witness")
                .rel()
        }
    }

    /// The table of records reachable from each record of `link.entity`
    /// in 1..=max hops of `link.field` (`src`, `dst`, `depth`, `pos`),
    /// built by a seed step and a loop.
    fn hop_table(&mut self, link: &LinkField, max: Option<u32>) -> String {
        let key = (link.entity.clone(), link.field.clone(), max);
        if let Some(name) = self.hops.get(&key) {
            return name.clone();
        }
        let name =
            format!("{WORK}hops_{}_{}_{}", link.entity, link.field, max.map_or("all".to_string(), |m| m.to_string()));
        if link.list {
            self.inputs.insert(link.list_table(), ());
        }
        self.entity_table(&link.entity);
        let more = match max {
            Some(m) => u64::from(m.saturating_sub(1)),
            None => CLOSURE_MAX_ITERATIONS,
        };
        self.walk(&name, link, more, None);
        self.hops.insert(key, name.clone());
        name
    }
}

/// A link field between records of one entity, as hops follow it.
#[derive(Clone, Debug)]
struct LinkField {
    entity: String,
    field: String,
    /// A list of links (rows of the `entity__field` table), else one link
    /// (a column of the entity's table).
    list: bool,
}

impl LinkField {
    /// The exported table of a list field's elements (`src`, `pos`, `dst`).
    fn list_table(&self) -> String {
        list_table(&self.entity, &self.field)
    }

    /// The links between records of the entity (`src`, `pos`, `dst`), as a
    /// sub-relation aliased `e`: links to records of another type, or to
    /// no record, are not followed.
    fn edges(&self) -> Source {
        let (entity, field) = (self.entity.as_str(), self.field.as_str());
        let raw = if self.list {
            Select::new(Source::table(&self.list_table(), "l"))
                .column(Expr::col("l", "src"), "src")
                .column(Expr::col("l", "pos"), "pos")
                .column(Expr::col("l", "dst"), "dst")
        } else {
            Select::new(Source::table(entity, "l"))
                .column(Expr::col("l", "id"), "src")
                .column(Expr::Int(0), "pos")
                .column(Expr::col("l", field), "dst")
        };
        let target = if self.list { "dst" } else { field };
        let raw = raw.join(
            JoinKind::Inner,
            Source::table(entity, "t"),
            Expr::eq(Expr::col("t", "id"), Expr::col("l", target)),
        );
        Source::Sub { rel: Box::new(raw.rel()), alias: "e".into() }
    }
}

/// The exported table of the list field `field` of `entity`.
fn list_table(entity: &str, field: &str) -> String {
    format!("{entity}__{field}")
}

impl Compiler<'_> {
    /// `{1..}` towards a target set, goal-directed: the records of the
    /// link's entity whose `targets` (a relation of ids) lie at some
    /// distance, found by walking backwards from the targets, so the work
    /// is linear in the links and not in the pairs of connected records.
    ///
    /// Each record keeps its two nearest targets (by distance, then id):
    /// enough to know the nearest target other than a start record itself,
    /// which a hop range never contains. Returns the table of start records
    /// with a target in reach (`src`, `dist`: the hops to the nearest).
    fn goal(&mut self, key: usize, link: &LinkField, targets: Rel) -> String {
        let base = format!("{WORK}goal{key}_{}_{}", link.entity, link.field);
        let (targets_table, labels, reach) =
            (format!("{base}_targets"), format!("{base}_labels"), format!("{base}_reach"));
        if link.list {
            self.inputs.insert(link.list_table(), ());
        }
        self.steps.push(StepIr::Create { name: targets_table.clone(), rel: targets });
        let seed = Select::new(Source::table(&targets_table, "t"))
            .column(Expr::col("t", "id"), "node")
            .column(Expr::col("t", "id"), "target")
            .column(Expr::Int(0), "dist");
        self.steps.push(StepIr::Create { name: labels.clone(), rel: seed.rel() });
        let step = goal_labels_step(&labels, link);
        self.steps.push(StepIr::Loop { name: labels.clone(), rel: step, max_iterations: CLOSURE_MAX_ITERATIONS });
        // A start record reaches a target other than itself through a link.
        let mut reach_rel = Select::new(link.edges())
            .column(Expr::col("e", "src"), "src")
            .column(Expr::cmp(Expr::Min(Box::new(Expr::col("l", "dist"))), BinOp::Add, Expr::Int(1)), "dist")
            .join(JoinKind::Inner, Source::table(&labels, "l"), Expr::eq(Expr::col("l", "node"), Expr::col("e", "dst")))
            .filter(Expr::cmp(Expr::col("l", "target"), BinOp::Ne, Expr::col("e", "src")));
        reach_rel.group_by.push(Expr::col("e", "src"));
        self.steps.push(StepIr::Create { name: reach.clone(), rel: reach_rel.rel() });
        reach
    }

    /// Fills table `name` with a breadth-first walk over the link (`src`,
    /// `dst`, `depth`, `pos`): a seed of the first hop and a loop of at most
    /// `more` runs, each adding the records first reached one hop further,
    /// with the smallest list position among the links that reach them.
    /// With `bound`, only its start records walk, each no deeper than its
    /// `dist`.
    fn walk(&mut self, name: &str, link: &LinkField, more: u64, bound: Option<&str>) {
        self.steps.push(StepIr::Create { name: name.to_string(), rel: walk_seed(link, bound) });
        if more == 0 {
            return;
        }
        self.steps.push(StepIr::Loop {
            name: name.to_string(),
            rel: walk_step(name, link, bound),
            max_iterations: more,
        });
    }

    /// The breadth-first walk from the start records of a goal's `reach`
    /// table, each only as deep as its nearest target: the rows a witness
    /// is ranked from (`src`, `dst`, `depth`, `pos`, like a hop table).
    fn goal_walk(&mut self, reach: &str, link: &LinkField) -> String {
        let walk = format!("{}_walk", reach.trim_end_matches("_reach"));
        if self.done_walks.contains(&walk) {
            return walk;
        }
        self.done_walks.push(walk.clone());
        self.walk(&walk, link, CLOSURE_MAX_ITERATIONS, Some(reach));
        walk
    }
}

/// One run of a goal's labels loop: each node learns the targets one hop
/// further back that it does not know yet, as many as keep its two nearest.
fn goal_labels_step(labels: &str, link: &LinkField) -> Rel {
    // Targets one hop further back, not yet known at the node.
    let mut fresh = Select::new(Source::table(labels, "l"))
        .column(Expr::col("e", "src"), "node")
        .column(Expr::col("l", "target"), "target")
        .join(JoinKind::Inner, link.edges(), Expr::eq(Expr::col("e", "dst"), Expr::col("l", "node")))
        .join(
            JoinKind::Left,
            Source::table(labels, "seen"),
            Expr::and(vec![
                Expr::eq(Expr::col("seen", "node"), Expr::col("e", "src")),
                Expr::eq(Expr::col("seen", "target"), Expr::col("l", "target")),
            ]),
        )
        .filter(Expr::eq(Expr::cmp(Expr::col("l", "dist"), BinOp::Add, Expr::Int(1)), Expr::Depth))
        .filter(Expr::IsNull(Box::new(Expr::col("seen", "node"))));
    fresh.distinct = true;
    let ranked = Select::new(Source::Sub { rel: Box::new(fresh.rel()), alias: "f".into() })
        .column(Expr::col("f", "node"), "node")
        .column(Expr::col("f", "target"), "target")
        .column(
            Expr::RowNumber { partition: vec![Expr::col("f", "node")], order: vec![Expr::col("f", "target")] },
            "rn",
        );
    let mut have =
        Select::new(Source::table(labels, "k")).column(Expr::col("k", "node"), "node").column(Expr::CountRows, "n");
    have.group_by.push(Expr::col("k", "node"));
    let known = Expr::Case(vec![(Expr::col("h", "n").present(), Expr::col("h", "n"))], Some(Box::new(Expr::Int(0))));
    Select::new(Source::Sub { rel: Box::new(ranked.rel()), alias: "c".into() })
        .column(Expr::col("c", "node"), "node")
        .column(Expr::col("c", "target"), "target")
        .column(Expr::Depth, "dist")
        .join(
            JoinKind::Left,
            Source::Sub { rel: Box::new(have.rel()), alias: "h".into() },
            Expr::eq(Expr::col("h", "node"), Expr::col("c", "node")),
        )
        .filter(Expr::cmp(Expr::cmp(Expr::col("c", "rn"), BinOp::Add, known), BinOp::Le, Expr::Int(2)))
        .rel()
}

/// A walk's first hop: each start record's linked records.
fn walk_seed(link: &LinkField, bound: Option<&str>) -> Rel {
    let mut seed = Select::new(link.edges())
        .column(Expr::col("e", "src"), "src")
        .column(Expr::col("e", "dst"), "dst")
        .column(Expr::Int(1), "depth")
        .column(Expr::Min(Box::new(Expr::col("e", "pos"))), "pos");
    if let Some(reach) = bound {
        seed = seed.join(
            JoinKind::Inner,
            Source::table(reach, "g"),
            Expr::eq(Expr::col("g", "src"), Expr::col("e", "src")),
        );
    }
    seed = seed.filter(Expr::cmp(Expr::col("e", "dst"), BinOp::Ne, Expr::col("e", "src")));
    seed.group_by = vec![Expr::col("e", "src"), Expr::col("e", "dst")];
    seed.rel()
}

/// One run of a walk's loop: the records first reached one hop beyond
/// those reached at `{depth}`.
fn walk_step(name: &str, link: &LinkField, bound: Option<&str>) -> Rel {
    let mut step = Select::new(Source::table(name, "f"))
        .column(Expr::col("f", "src"), "src")
        .column(Expr::col("e", "dst"), "dst")
        .column(Expr::cmp(Expr::Depth, BinOp::Add, Expr::Int(1)), "depth")
        .column(Expr::Min(Box::new(Expr::col("e", "pos"))), "pos");
    if let Some(reach) = bound {
        step = step.join(
            JoinKind::Inner,
            Source::table(reach, "g"),
            Expr::eq(Expr::col("g", "src"), Expr::col("f", "src")),
        );
    }
    step = step
        .join(JoinKind::Inner, link.edges(), Expr::eq(Expr::col("e", "src"), Expr::col("f", "dst")))
        .join(
            JoinKind::Left,
            Source::table(name, "seen"),
            Expr::and(vec![
                Expr::eq(Expr::col("seen", "src"), Expr::col("f", "src")),
                Expr::eq(Expr::col("seen", "dst"), Expr::col("e", "dst")),
            ]),
        )
        .filter(Expr::eq(Expr::col("f", "depth"), Expr::Depth));
    if bound.is_some() {
        step = step.filter(Expr::cmp(Expr::col("f", "depth"), BinOp::Lt, Expr::col("g", "dist")));
    }
    step = step.filter(Expr::IsNull(Box::new(Expr::col("seen", "src")))).filter(Expr::cmp(
        Expr::col("e", "dst"),
        BinOp::Ne,
        Expr::col("f", "src"),
    ));
    step.group_by = vec![Expr::col("f", "src"), Expr::col("e", "dst")];
    step.rel()
}

/// The variable slots `e` reads (into `out`) and binds (into `bound`).
fn cond_slots(e: &Cond, bound: &mut Vec<usize>, out: &mut Vec<usize>) {
    match e {
        Cond::And(terms, _) | Cond::Or(terms, _) => terms.iter().for_each(|t| cond_slots(t, bound, out)),
        Cond::Not(inner) => cond_slots(inner, bound, out),
        Cond::Const(_) => {}
        Cond::Cmp { lhs, rhs, .. } => {
            term_slots(lhs, out);
            term_slots(rhs, out);
        }
        Cond::InSet { lhs, .. } => term_slots(lhs, out),
        Cond::Matches { subject, .. } | Cond::Is { subject, .. } => term_slots(subject, out),
        Cond::Truthy { term, .. } => term_slots(term, out),
        Cond::Exists { path, .. } => path_slots(path, out),
        Cond::Call { args, .. } => args.iter().for_each(|a| term_slots(a, out)),
        Cond::Quant(q) => {
            bound.push(q.slot);
            range_slots(&q.range, bound, out);
            cond_slots(&q.body, bound, out);
        }
        Cond::Sum(s) => {
            bound.push(s.slot);
            range_slots(&s.range, bound, out);
            path_slots(&s.value, out);
            term_slots(&s.rhs, out);
        }
    }
}

fn range_slots(range: &QRange, bound: &mut Vec<usize>, out: &mut Vec<usize>) {
    match range {
        QRange::Path(t) => term_slots(t, out),
        QRange::Type { filter, reverse, .. } => {
            if let Some(f) = filter {
                cond_slots(f, bound, out);
            }
            if let Some(r) = reverse {
                term_slots(&r.target, out);
            }
        }
    }
}

fn term_slots(t: &Term, out: &mut Vec<usize>) {
    match t {
        Term::Path(p) | Term::Count(p, _) => path_slots(p, out),
        Term::Const(..) | Term::AsOf(_) => {}
        Term::Shift(base, ..) | Term::Lower(base, _) => term_slots(base, out),
    }
}

fn path_slots(p: &PathExpr, out: &mut Vec<usize>) {
    if let Head::Var(slot, _) = p.head {
        out.push(slot);
    }
}

fn union(mut parts: Vec<Rel>) -> Rel {
    if parts.len() == 1 { parts.remove(0) } else { Rel::UnionAll(parts) }
}

/// The kind of a scalar column or literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Str,
    Num,
    Bool,
    /// A declared `date` field: a string read as a date.
    DateField,
    /// A date literal or `as_of`.
    DateLit,
    /// A declared `date` field moved by a shift: its first and last days,
    /// each moved.
    Shifted(DateShift),
    /// A record's id (a resolved link).
    Id,
}

/// Where a list's elements are.
#[derive(Clone, Debug)]
struct ListRef {
    /// The rows: a link table (`src`, `pos`, `dst`) or a hop table (also `depth`).
    table: String,
    /// The owner's id (`src` of its rows).
    src: Expr,
    /// Non-NULL when the list is present (its length column); `None`: always present.
    presence: Option<Expr>,
    /// Elements are records of this entity, or scalars of this kind.
    elem: Elem,
    /// `Some(min)` for a hop table.
    hops: Option<u32>,
}

#[derive(Clone, Debug)]
enum Elem {
    Record(String),
    Scalar(Kind),
}

/// What a term lowers to.
#[derive(Clone, Debug)]
enum Value {
    /// A column or literal; NULL is missing.
    Scalar(Expr, Kind),
    /// A record row: `alias.id` is NULL when the link did not resolve.
    Record { alias: String, entity: String, scope: usize },
    /// A data list.
    List(ListRef),
    /// A literal list.
    ConstList(Arc<Const>),
}

/// A scope: the rule's row, or a quantifier's `EXISTS` subquery; single
/// links followed from its rows become its `LEFT JOIN`s.
#[derive(Default)]
struct Scope {
    joins: Vec<super::ir::Join>,
    links: HashMap<(String, String), String>,
}

/// A list's rows: `from` and `joins` with `on` correlating them to the
/// owner; `value` is the element as the body sees it, `element` its id.
struct Rows {
    from: Source,
    joins: Vec<super::ir::Join>,
    value: Value,
    on: Expr,
    element: Expr,
}

/// A `{1..}` range lowered goal-directed.
struct Closure {
    /// The alias of the record the hops start from.
    owner: String,
    link: LinkField,
}

struct Witness {
    element: Expr,
    order: Vec<Expr>,
    filter: Expr,
}

/// The scope of the rule's own row: a witness's rows join there.
const RULE_SCOPE: usize = 0;

struct RelLowerer<'c, 'p> {
    c: &'c mut Compiler<'p>,
    scopes: Vec<Scope>,
    env: Vec<Option<Value>>,
    next_alias: u32,
}

impl<'c, 'p> RelLowerer<'c, 'p> {
    fn new(c: &'c mut Compiler<'p>, record_type: &str, frame: usize) -> Self {
        let mut env = vec![None; frame.max(1)];
        env[0] = Some(Value::Record { alias: "r".into(), entity: record_type.to_string(), scope: 0 });
        RelLowerer { c, scopes: vec![Scope::default()], env, next_alias: 0 }
    }

    /// Lowering a condition on one record bound at `slot` (a quantifier's
    /// body, as a relation of its own).
    fn for_var(c: &'c mut Compiler<'p>, entity: &str, slot: usize) -> Self {
        let mut env = vec![None; slot + 1];
        env[slot] = Some(Value::Record { alias: "r".into(), entity: entity.to_string(), scope: 0 });
        RelLowerer { c, scopes: vec![Scope::default()], env, next_alias: 0 }
    }

    /// A `{1..}` range whose body reads only its own element: the owner of
    /// the hops, the link field and whether it is a list. Such a
    /// quantifier is lowered goal-directed (`Compiler::goal`).
    fn closure_range(&mut self, range: &'p QRange, slot: usize, body: &'p Cond) -> Result<Option<Closure>, SqlError> {
        let QRange::Path(Term::Path(p)) = range else { return Ok(None) };
        let Some((last, prefix)) = p.steps.split_last() else { return Ok(None) };
        if last.hops != Some(crate::ast::HopRange { min: 1, max: None }) {
            return Ok(None);
        }
        let mut slots = Vec::new();
        let mut bound = vec![slot];
        cond_slots(body, &mut bound, &mut slots);
        if slots.iter().any(|s| !bound.contains(s)) {
            return Ok(None);
        }
        let Value::Record { alias, entity, .. } = self.steps(&p.head, prefix, &p.loc)? else { return Ok(None) };
        let ft = self.field_type(&entity, &last.field, &p.loc)?;
        if ft.base != Base::Entity(entity.clone()) {
            return Ok(None);
        }
        Ok(Some(Closure { owner: alias, link: LinkField { entity, field: last.field.clone(), list: ft.list } }))
    }

    /// The reach table of a goal-directed closure towards the elements
    /// where `body` holds (or, `negated`, fails).
    fn goal_reach(
        &mut self,
        closure: &Closure,
        slot: usize,
        body: &'p Cond,
        negated: bool,
    ) -> Result<String, SqlError> {
        let key = (std::ptr::from_ref(body) as usize, negated);
        if let Some(reach) = self.c.goals.get(&key) {
            return Ok(reach.clone());
        }
        let table = self.c.entity_table(&closure.link.entity);
        let mut l = RelLowerer::for_var(self.c, &closure.link.entity, slot);
        let holds = l.cond(body)?;
        let scope = l.scopes.remove(0);
        let filter = if negated { Expr::not(holds) } else { holds };
        let mut targets = Select::new(Source::table(&table, "r")).column(Expr::col("r", "id"), "id").filter(filter);
        targets.joins = scope.joins;
        let n = self.c.goals.len() + 1;
        let reach = self.c.goal(n, &closure.link, targets.rel());
        self.c.goals.insert(key, reach.clone());
        Ok(reach)
    }

    /// `EXISTS` a row of `table` whose `key` is `id` (and that passes
    /// `filter`): a correlated semi-join, two-valued even when `id` is NULL.
    fn in_table(&mut self, id: Expr, table: &str, key: &str, filter: impl FnOnce(&str) -> Option<Expr>) -> Expr {
        let m = self.alias("m");
        let mut s = Select::new(Source::table(table, &m)).filter(Expr::eq(Expr::col(&m, key), id));
        if let Some(f) = filter(&m) {
            s = s.filter(f);
        }
        Expr::Exists(Box::new(s.rel()))
    }

    fn alias(&mut self, prefix: &str) -> String {
        self.next_alias += 1;
        format!("{prefix}{}", self.next_alias)
    }

    fn field_type(&self, entity: &str, field: &str, loc: &Loc) -> Result<FieldType, SqlError> {
        self.c.schema.entity(entity).and_then(|e| e.fields.get(field)).cloned().ok_or_else(|| {
            unsupported(&format!("the undeclared field `{entity}.{field}`"), loc, "declare the field in the entity")
        })
    }

    fn cond(&mut self, e: &'p Cond) -> Result<Expr, SqlError> {
        Ok(match e {
            Cond::And(terms, _) => Expr::and(self.conds(terms)?),
            Cond::Or(terms, _) => Expr::or(self.conds(terms)?),
            Cond::Not(inner) => Expr::not(self.cond(inner)?),
            Cond::Const(b) => Expr::Bool(*b),
            Cond::Cmp { op, lhs, rhs, dates, loc } => {
                let l = self.term(lhs)?;
                let r = self.term(rhs)?;
                let compared = self.compare(*op, l, r, *dates);
                compared.ok_or_else(|| unsupported("comparing a literal list", loc, "use `in` with a list"))?
            }
            Cond::InSet { lhs, set, negated, .. } => {
                let v = self.term(lhs)?;
                self.in_const(v, set, *negated)
            }
            Cond::Matches { subject, re, .. } => match self.term(subject)? {
                Value::Scalar(e, Kind::Str | Kind::DateField) => {
                    Expr::Matches(Box::new(e), re.as_str().to_string()).known()
                }
                _ => Expr::Bool(false),
            },
            Cond::Exists { path, .. } => match self.path(path)? {
                Value::Scalar(e, _) => e.present(),
                Value::Record { alias, .. } => Expr::col(&alias, "id").present(),
                Value::List(l) => l.presence.map_or(Expr::Bool(true), Expr::present),
                Value::ConstList(_) => Expr::Bool(true),
            },
            Cond::Truthy { term, .. } => match self.term(term)? {
                Value::Scalar(e, Kind::Bool) => Expr::eq(e, Expr::Bool(true)).known(),
                _ => Expr::Bool(false),
            },
            Cond::Is { subject, verdict, by, target, loc } => {
                let id = self.record_id(subject, loc)?;
                let Some(target) = target else {
                    return Err(unsupported("`is` on an untyped value", loc, "declare the link's entity"));
                };
                match by {
                    Some(rule) => self.fired_unwaived(id, *rule),
                    None if self.reads_own_group(target) => {
                        return Err(unsupported(
                            "`is` without `by` on a recursive rule's own type",
                            loc,
                            "name the rule (`is denied by RULE`): the decision table is built after the loop",
                        ));
                    }
                    None => self.has_decision(id, target, *verdict),
                }
            }
            Cond::Call { def, args, .. } => self.in_call(*def, args, Self::cond)?,
            Cond::Quant(q) => self.quantifier(q)?,
            Cond::Sum(s) => {
                return Err(unsupported("`sum(…)`", &s.loc, "evaluate this rule set with `interdict check`"));
            }
        })
    }

    fn conds(&mut self, terms: &'p [Cond]) -> Result<Vec<Expr>, SqlError> {
        terms.iter().map(|t| self.cond(t)).collect()
    }

    /// The id of the record `is` reads the verdict of.
    fn record_id(&mut self, subject: &'p Term, loc: &Loc) -> Result<Expr, SqlError> {
        match self.term(subject)? {
            Value::Record { alias, .. } => Ok(Expr::col(&alias, "id")),
            _ => Err(unsupported(
                "`is` on a value that is not a declared link",
                loc,
                "compare a link declared in an entity",
            )),
        }
    }

    /// Whether the recursive group being lowered has a rule for `target`.
    fn reads_own_group(&self, target: &str) -> bool {
        let program = self.c.program;
        self.c.recursing.is_some_and(|g| program.rules_for(target).iter().any(|r| program.group_of(*r) == Some(g)))
    }

    /// `id is denied by RULE` (or flagged): the rule, in effect, fired on
    /// the record and nothing waived it. Inside its recursive group's loop,
    /// read from the group's table.
    fn fired_unwaived(&mut self, id: Expr, rule: RuleId) -> Expr {
        let program = self.c.program;
        if !program.rule(rule).in_effect(self.c.as_of) {
            return Expr::Bool(false);
        }
        if let Some(g) = self.c.recursing.filter(|g| program.group_of(rule) == Some(*g)) {
            let rules = program.recursive_groups().get(g).cloned().unwrap_or_default();
            let name = Expr::Str(program.rule(rule).name.clone());
            return self.in_table(id, &group_table(program, &rules), "id", |m| {
                Some(Expr::and(vec![
                    Expr::IsNull(Box::new(Expr::col(m, "waived_by"))),
                    Expr::eq(Expr::col(m, "rule"), name),
                ]))
            });
        }
        let fired = self.c.ensure(&Node::State(rule));
        self.in_table(id, &fired, "id", |m| Some(Expr::IsNull(Box::new(Expr::col(m, "waived_by")))))
    }

    /// `id is denied|flagged|allowed`, read from the decision table of the
    /// record's type (a record with no row there is allowed).
    fn has_decision(&mut self, id: Expr, target: &str, verdict: VerdictWord) -> Expr {
        let table = self.c.ensure(&Node::Decision(target.to_string()));
        let word = match verdict {
            VerdictWord::Denied => Some("deny"),
            VerdictWord::Flagged => Some("flag"),
            VerdictWord::Allowed => None,
        };
        match word {
            Some(word) => {
                self.in_table(id, &table, "id", |m| Some(Expr::eq(Expr::col(m, "decision"), Expr::Str(word.into()))))
            }
            None => {
                let judged = self.in_table(id.clone(), &table, "id", |_| None);
                Expr::and(vec![id.present(), Expr::not(judged)])
            }
        }
    }

    fn bind(&mut self, slot: usize, v: Value) {
        if self.env.len() <= slot {
            self.env.resize(slot + 1, None);
        }
        self.env[slot] = Some(v);
    }

    /// The rows of a list: its table, joined to the element records.
    fn elements(&mut self, list: &ListRef, scope: usize) -> Rows {
        let e = self.alias("e");
        let from = Source::table(&list.table, &e);
        let mut joins = Vec::new();
        let (value, element) = match &list.elem {
            Elem::Record(entity) => {
                let c = self.alias("c");
                let table = self.c.entity_table(entity);
                joins.push(super::ir::Join {
                    kind: JoinKind::Left,
                    source: Source::table(&table, &c),
                    on: Expr::eq(Expr::col(&c, "id"), Expr::col(&e, "dst")),
                });
                (Value::Record { alias: c, entity: entity.clone(), scope }, Expr::col(&e, "dst"))
            }
            Elem::Scalar(kind) => (Value::Scalar(Expr::col(&e, "dst"), *kind), Expr::col(&e, "dst")),
        };
        let mut on = vec![Expr::eq(Expr::col(&e, "src"), list.src.clone())];
        if let Some(min) = list.hops
            && min > 1
        {
            on.push(Expr::cmp(Expr::col(&e, "depth"), BinOp::Ge, Expr::Int(i64::from(min))));
        }
        Rows { from, joins, value, on: Expr::and(on), element }
    }

    fn quantifier(&mut self, q: &'p Quant) -> Result<Expr, SqlError> {
        if let Some(closure) = self.closure_range(&q.range, q.slot, &q.body)? {
            let negated = q.quantifier == Quantifier::All;
            let reach = self.goal_reach(&closure, q.slot, &q.body, negated)?;
            let some = self.in_table(Expr::col(&closure.owner, "id"), &reach, "src", |_| None);
            return Ok(match q.quantifier {
                Quantifier::Any => some,
                Quantifier::All | Quantifier::None => Expr::not(some),
            });
        }
        match &q.range {
            QRange::Path(term) => match self.term(term)? {
                Value::List(list) => self.over_list(q, &list),
                Value::ConstList(c) => self.over_const_list(q, &c),
                // Not a list: every quantifier is false.
                Value::Scalar(..) | Value::Record { .. } => Ok(Expr::Bool(false)),
            },
            QRange::Type { record_type, filter, reverse } => {
                self.over_type(q, record_type, filter.as_deref(), reverse.as_ref())
            }
        }
    }

    /// A quantifier over a data list: `EXISTS` over the list's rows, in a
    /// scope of their own (`all`/`none`: the list is present and no row
    /// fails/holds).
    fn over_list(&mut self, q: &'p Quant, list: &ListRef) -> Result<Expr, SqlError> {
        let scope = self.scopes.len();
        let Rows { from, joins, value, on, .. } = self.elements(list, scope);
        self.scopes.push(Scope { joins, links: HashMap::new() });
        self.bind(q.slot, value);
        let body = self.cond(&q.body);
        let scope = self.scopes.pop().unwrap_or_default();
        let body = body?;
        let rows = |filter: Expr| {
            let mut s = Select::new(from.clone()).filter(on.clone()).filter(filter);
            s.joins = scope.joins.clone();
            Expr::Exists(Box::new(s.rel()))
        };
        let present = list.presence.clone().map_or(Expr::Bool(true), Expr::present);
        Ok(match q.quantifier {
            Quantifier::Any => rows(body),
            Quantifier::All => Expr::and(vec![present, Expr::not(rows(Expr::not(body)))]),
            Quantifier::None => Expr::and(vec![present, Expr::not(rows(body))]),
        })
    }

    /// A quantifier over a literal list: the body once per element, joined
    /// by `OR` or `AND`.
    fn over_const_list(&mut self, q: &'p Quant, c: &Const) -> Result<Expr, SqlError> {
        let Const::List(list) = c else { return Ok(Expr::Bool(false)) };
        let mut terms = Vec::new();
        for item in &list.items {
            let Some(v) = const_scalar(item) else { continue };
            self.bind(q.slot, v);
            terms.push(self.cond(&q.body)?);
        }
        Ok(match q.quantifier {
            Quantifier::Any => Expr::or(terms),
            Quantifier::All => Expr::and(terms),
            Quantifier::None => Expr::not(Expr::or(terms)),
        })
    }

    /// A quantifier over every record of a type (`where` filter and body
    /// in a scope of their own).
    fn over_type(
        &mut self,
        q: &'p Quant,
        record_type: &str,
        filter: Option<&'p Cond>,
        reverse: Option<&'p ReverseLookup>,
    ) -> Result<Expr, SqlError> {
        let table = self.c.entity_table(record_type);
        let alias = self.alias("c");
        let scope = self.scopes.len();
        self.scopes.push(Scope::default());
        self.bind(q.slot, Value::Record { alias: alias.clone(), entity: record_type.to_string(), scope });
        let lowered = (|| -> Result<(Vec<Expr>, Expr), SqlError> {
            let mut conds = Vec::new();
            conds.extend(self.reverse_key(&alias, record_type, reverse)?);
            if let Some(f) = filter {
                conds.push(self.cond(f)?);
            }
            Ok((conds, self.cond(&q.body)?))
        })();
        let scope = self.scopes.pop().unwrap_or_default();
        let (conds, body) = lowered?;
        let rows = |extra: Expr| {
            let mut s = Select::new(Source::table(&table, &alias));
            s.filter = conds.clone();
            s.filter.push(extra);
            s.joins = scope.joins.clone();
            Expr::Exists(Box::new(s.rel()))
        };
        Ok(match q.quantifier {
            Quantifier::Any => rows(body),
            Quantifier::All => Expr::not(rows(Expr::not(body))),
            Quantifier::None => Expr::not(rows(body)),
        })
    }

    /// `where x.F == p` as a join key, `alias.F = p.id`: the reverse index's
    /// equivalent, when `F` is one declared link and `p` a record.
    fn reverse_key(
        &mut self,
        alias: &str,
        record_type: &str,
        reverse: Option<&'p ReverseLookup>,
    ) -> Result<Option<Expr>, SqlError> {
        let Some(rev) = reverse else { return Ok(None) };
        let single = self.c.schema.entity(record_type).and_then(|e| e.fields.get(&rev.field)).is_some_and(|f| !f.list);
        if !single {
            return Ok(None);
        }
        Ok(match self.term(&rev.target)? {
            Value::Record { alias: target, .. } => {
                Some(Expr::eq(Expr::col(alias, &rev.field), Expr::col(&target, "id")))
            }
            _ => None,
        })
    }

    /// `f` on a def's body, its parameters bound to the call's arguments
    /// (defs are inlined at each call).
    fn in_call<T>(
        &mut self,
        def: DefId,
        args: &'p [Term],
        f: impl FnOnce(&mut Self, &'p Cond) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        let d = &self.c.program.defs[def.0 as usize];
        let mut inner = vec![None; d.frame.max(args.len())];
        for (i, a) in args.iter().enumerate() {
            inner[i] = Some(self.term(a)?);
        }
        let outer = std::mem::replace(&mut self.env, inner);
        let result = f(self, &d.body);
        self.env = outer;
        result
    }

    /// The first `any` reached through the rule's top-level `and`s and
    /// calls: the element that satisfies it, lowered into the rule's own
    /// scope (one row per element, ranked by the caller).
    fn witness(&mut self, e: &'p Cond) -> Result<Option<Witness>, SqlError> {
        match e {
            Cond::And(terms, _) => {
                for t in terms {
                    if let Some(w) = self.witness(t)? {
                        return Ok(Some(w));
                    }
                }
                Ok(None)
            }
            Cond::Call { def, args, .. } => self.in_call(*def, args, Self::witness),
            Cond::Quant(q) if q.quantifier == Quantifier::Any => {
                let goal = self.goal_list(q)?;
                match &q.range {
                    QRange::Path(term) => {
                        let list = match goal {
                            Some(list) => list,
                            None => match self.term(term)? {
                                Value::List(list) => list,
                                _ => return Ok(None),
                            },
                        };
                        self.witness_in_list(q, list)
                    }
                    QRange::Type { record_type, filter, reverse } => {
                        self.witness_of_type(q, record_type, filter.as_deref(), reverse.as_ref())
                    }
                }
            }
            _ => Ok(None),
        }
    }

    /// For a goal-directed `{1..}` range: the walk from each start record
    /// as deep as its nearest target, as the list to rank a witness from.
    fn goal_list(&mut self, q: &'p Quant) -> Result<Option<ListRef>, SqlError> {
        let Some(closure) = self.closure_range(&q.range, q.slot, &q.body)? else { return Ok(None) };
        let reach = self.goal_reach(&closure, q.slot, &q.body, false)?;
        let walk = self.c.goal_walk(&reach, &closure.link);
        Ok(Some(ListRef {
            table: walk,
            src: Expr::col(&closure.owner, "id"),
            presence: None,
            elem: Elem::Record(closure.link.entity.clone()),
            hops: Some(1),
        }))
    }

    /// The witness among a list's elements: its rows joined into the rule's
    /// scope, first by hop depth and list position, then id.
    fn witness_in_list(&mut self, q: &'p Quant, list: ListRef) -> Result<Option<Witness>, SqlError> {
        let Rows { from, joins, value, on, element } = self.elements(&list, RULE_SCOPE);
        let Source::Table { name, alias } = from else { return Ok(None) };
        let e = alias.clone();
        self.scopes[RULE_SCOPE].joins.push(super::ir::Join {
            kind: JoinKind::Inner,
            source: Source::table(&name, &alias),
            on,
        });
        self.scopes[RULE_SCOPE].joins.extend(joins);
        self.bind(q.slot, value);
        let filter = self.cond(&q.body)?;
        let order = match list.hops {
            Some(_) => vec![Expr::col(&e, "depth"), Expr::col(&e, "pos"), Expr::col(&e, "dst")],
            None => vec![Expr::col(&e, "pos")],
        };
        let element = match list.elem {
            Elem::Record(_) => element,
            Elem::Scalar(_) => Expr::ToText(Box::new(element)),
        };
        Ok(Some(Witness { element, order, filter }))
    }

    /// The witness among every record of a type: joined into the rule's
    /// scope (on the reverse index's key, when there is one), first by
    /// input order.
    fn witness_of_type(
        &mut self,
        q: &'p Quant,
        record_type: &str,
        filter: Option<&'p Cond>,
        reverse: Option<&'p ReverseLookup>,
    ) -> Result<Option<Witness>, SqlError> {
        let table = self.c.entity_table(record_type);
        let alias = self.alias("c");
        // The reverse index as the join key (DataFusion ranks nothing after
        // `JOIN … ON TRUE` with these filters).
        let on = self.reverse_key(&alias, record_type, reverse)?.unwrap_or(Expr::Bool(true));
        self.scopes[RULE_SCOPE].joins.push(super::ir::Join {
            kind: JoinKind::Inner,
            source: Source::table(&table, &alias),
            on,
        });
        self.bind(q.slot, Value::Record { alias: alias.clone(), entity: record_type.to_string(), scope: RULE_SCOPE });
        let mut conds = Vec::new();
        if let Some(f) = filter {
            conds.push(self.cond(f)?);
        }
        conds.push(self.cond(&q.body)?);
        Ok(Some(Witness {
            element: Expr::col(&alias, "id"),
            order: vec![Expr::col(&alias, "seq")],
            filter: Expr::and(conds),
        }))
    }

    fn term(&mut self, t: &'p Term) -> Result<Value, SqlError> {
        match t {
            Term::Const(c, _) => Ok(const_value(c)),
            Term::AsOf(_) => Ok(Value::Scalar(Expr::Date(self.c.as_of), Kind::DateLit)),
            Term::Path(p) => self.path(p),
            Term::Count(p, loc) => match self.path(p)? {
                Value::List(ListRef { presence: Some(len), .. }) => Ok(Value::Scalar(len, Kind::Num)),
                Value::ConstList(c) => match &*c {
                    Const::List(l) => Ok(Value::Scalar(Expr::Num(l.items.len() as f64), Kind::Num)),
                    _ => Ok(Value::Scalar(Expr::Null, Kind::Num)),
                },
                Value::List(_) => Err(unsupported("`count` over a hop range", loc, "count a list field")),
                Value::Scalar(..) | Value::Record { .. } => Ok(Value::Scalar(Expr::Null, Kind::Num)),
            },
            Term::Shift(base, shift, loc) => match self.term(base)? {
                // A literal or `as_of` is moved here, as the evaluators move it.
                Value::Scalar(Expr::Date(d), Kind::DateLit) => {
                    Ok(Value::Scalar(d.shift(*shift).map_or(Expr::Null, Expr::Date), Kind::DateLit))
                }
                Value::Scalar(e, Kind::DateField) => Ok(Value::Scalar(e, Kind::Shifted(*shift))),
                Value::Scalar(_, Kind::Shifted(_)) => Err(unsupported(
                    "a date shifted twice (a def shifting a shifted argument)",
                    loc,
                    "shift once, by the sum: `x.date + 18 months`",
                )),
                _ => Err(unsupported("a date shift of a value that is not a date", loc, "shift a `date` field")),
            },
            Term::Lower(base, _) => Ok(match self.term(base)? {
                Value::Scalar(e, Kind::Str) => Value::Scalar(Expr::Lower(Box::new(e)), Kind::Str),
                _ => Value::Scalar(Expr::Null, Kind::Str),
            }),
        }
    }

    fn path(&mut self, p: &'p PathExpr) -> Result<Value, SqlError> {
        self.steps(&p.head, &p.steps, &p.loc)
    }

    /// Follows `steps` from `head`.
    fn steps(&mut self, head: &'p Head, steps: &'p [crate::check::PathStep], loc: &Loc) -> Result<Value, SqlError> {
        let mut cur = match head {
            Head::Var(slot, _) => self.env.get(*slot).cloned().flatten().ok_or_else(|| {
                unsupported("a variable without a binding", loc, "report this: the checker should have bound it")
            })?,
            Head::Const(c, _) => const_value(c),
        };
        for step in steps {
            let Value::Record { alias, entity, scope } = &cur else {
                return Err(unsupported("a path step past a value or list", loc, "quantify over the list first"));
            };
            if step.field == "id" {
                cur = Value::Scalar(Expr::col(alias, "id"), Kind::Str);
                continue;
            }
            let ft = self.field_type(entity, &step.field, loc)?;
            let field = step.field.as_str();
            cur = match (&ft.base, ft.list, step.hops) {
                (Base::Entity(target), list, Some(range)) => {
                    if target != entity {
                        return Err(unsupported(
                            "a hop range over links to another entity",
                            loc,
                            "hop ranges follow links between records of one entity",
                        ));
                    }
                    let link = LinkField { entity: entity.clone(), field: field.to_string(), list };
                    let table = self.c.hop_table(&link, range.max);
                    let src = Expr::col(alias, "id");
                    let elem = Elem::Record(target.clone());
                    Value::List(ListRef { table, src, presence: None, elem, hops: Some(range.min) })
                }
                (_, _, Some(_)) => {
                    return Err(unsupported("a hop range over a field that is not a link", loc, "hop over links"));
                }
                (base, true, None) => self.list_field(alias, entity, field, base),
                (Base::Entity(target), false, None) => {
                    let joined = self.single_link(alias, *scope, field, target);
                    Value::Record { alias: joined, entity: target.clone(), scope: *scope }
                }
                (base, false, None) => Value::Scalar(Expr::col(alias, field), kind_of(base)),
            };
        }
        Ok(cur)
    }

    /// The list field `field` of the record row `alias` (of `entity`): its
    /// exported table's rows, present when the row's length column is.
    fn list_field(&mut self, alias: &str, entity: &str, field: &str, base: &Base) -> Value {
        let table = list_table(entity, field);
        self.c.inputs.insert(table.clone(), ());
        let elem = match base {
            Base::Entity(e) => Elem::Record(e.clone()),
            other => Elem::Scalar(kind_of(other)),
        };
        Value::List(ListRef {
            table,
            src: Expr::col(alias, "id"),
            presence: Some(Expr::col(alias, field)),
            elem,
            hops: None,
        })
    }

    /// The alias of the record the single link `field` of row `alias`
    /// points to: a `LEFT JOIN` of `target`'s table in the row's scope,
    /// added once per scope.
    fn single_link(&mut self, alias: &str, scope: usize, field: &str, target: &str) -> String {
        let key = (alias.to_string(), field.to_string());
        if let Some(joined) = self.scopes[scope].links.get(&key) {
            return joined.clone();
        }
        let j = self.alias("j");
        let table = self.c.entity_table(target);
        self.scopes[scope].joins.push(super::ir::Join {
            kind: JoinKind::Left,
            source: Source::table(&table, &j),
            on: Expr::eq(Expr::col(&j, "id"), Expr::col(alias, field)),
        });
        self.scopes[scope].links.insert(key, j.clone());
        j
    }

    /// `l op r`, as the evaluator compares (see [`relate`]); with `dates`,
    /// strings are read as dates. `None` for an (in)equality or ordering
    /// with no single value on either side (a literal list).
    fn compare(&mut self, op: CmpOp, l: Value, r: Value, dates: bool) -> Option<Expr> {
        Some(match op {
            CmpOp::In | CmpOp::NotIn => self.membership(l, r, op == CmpOp::NotIn, dates),
            CmpOp::Contains => match (&l, scalar(&r)) {
                (Value::Scalar(hay, Kind::Str | Kind::DateField), Some((needle, Kind::Str))) => {
                    Expr::Contains(Box::new(hay.clone()), Box::new(needle)).known()
                }
                (Value::List(list), Some(needle)) => {
                    let list = list.clone();
                    self.list_has(&list, |elem| relate(elem, BinOp::Eq, needle.clone(), dates))
                }
                (Value::ConstList(set), Some(_)) => self.in_const(r.clone(), &set.clone(), false),
                _ => Expr::Bool(false),
            },
            CmpOp::StartsWith => match (scalar(&l), scalar(&r)) {
                (Some((s, Kind::Str | Kind::DateField)), Some((p, Kind::Str))) => {
                    Expr::StartsWith(Box::new(s), Box::new(p)).known()
                }
                _ => Expr::Bool(false),
            },
            _ => {
                let bin = match op {
                    CmpOp::Eq => BinOp::Eq,
                    CmpOp::Ne => BinOp::Ne,
                    CmpOp::Lt => BinOp::Lt,
                    CmpOp::Le => BinOp::Le,
                    CmpOp::Gt => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                return self.ordered(bin, &l, &r, dates);
            }
        })
    }

    /// `l in r` / `l not in r`: `r` a literal list or a data list.
    fn membership(&mut self, l: Value, r: Value, negated: bool, dates: bool) -> Expr {
        match r {
            Value::ConstList(set) => self.in_const(l, &set, negated),
            Value::List(list) => {
                let Some(v) = scalar(&l) else { return Expr::Bool(false) };
                let found = self.list_has(&list, |elem| relate(elem, BinOp::Eq, v.clone(), dates));
                if negated {
                    let present = list.presence.clone().map_or(Expr::Bool(true), Expr::present);
                    Expr::and(vec![v.0.present(), present, Expr::not(found)])
                } else {
                    found
                }
            }
            _ => Expr::Bool(false),
        }
    }

    /// `l bin r` for an (in)equality or ordering; against a data list, some
    /// element relates (`!=`: the value is in the list and none equals it).
    /// `None` when neither side is one value (a literal list).
    fn ordered(&mut self, bin: BinOp, l: &Value, r: &Value, dates: bool) -> Option<Expr> {
        let (list, other, flipped) = match (l, r) {
            (Value::List(list), other) => (list, other, false),
            (other, Value::List(list)) => (list, other, true),
            _ => return Some(relate(scalar(l)?, bin, scalar(r)?, dates)),
        };
        let Some(v) = scalar(other) else { return Some(Expr::Bool(false)) };
        let list = list.clone();
        let bin_for_elem = if flipped { flip(bin) } else { bin };
        let (test, neg) = if bin == BinOp::Ne { (BinOp::Eq, true) } else { (bin_for_elem, false) };
        let some = self.list_has(&list, |elem| relate(elem, test, v.clone(), dates));
        Some(if neg {
            let present = list.presence.clone().map_or(Expr::Bool(true), Expr::present);
            Expr::and(vec![v.0.present(), present, Expr::not(some)])
        } else {
            some
        })
    }

    /// `EXISTS` an element of `list` for which `test(element)` holds.
    fn list_has(&mut self, list: &ListRef, test: impl FnOnce((Expr, Kind)) -> Expr) -> Expr {
        let scope = self.scopes.len();
        let Rows { from, joins, value, on, .. } = self.elements(list, scope);
        let (e, kind) = match value {
            Value::Record { alias, .. } => (Expr::col(&alias, "id"), Kind::Id),
            Value::Scalar(e, k) => (e, k),
            _ => (Expr::Null, Kind::Str),
        };
        let mut s = Select::new(from).filter(on).filter(test((e, kind)));
        s.joins = joins;
        Expr::Exists(Box::new(s.rel()))
    }

    /// `v in [..]` / `v not in [..]` for a literal list.
    fn in_const(&mut self, v: Value, set: &Const, negated: bool) -> Expr {
        let Const::List(list) = set else { return Expr::Bool(false) };
        if let Value::List(l) = &v {
            // A list is never in a literal list, so `not in` holds when it is there.
            return if negated {
                l.presence.clone().map_or(Expr::Bool(true), Expr::present)
            } else {
                Expr::Bool(false)
            };
        }
        let Some((e, kind)) = scalar(&v) else { return Expr::Bool(false) };
        let items = |f: fn(&Const) -> Option<Expr>| -> Vec<Expr> { list.items.iter().filter_map(f).collect() };
        let strs = || items(|c| if let Const::Str(s) = c { Some(Expr::Str(s.clone())) } else { None });
        let dates: Vec<Date> =
            list.items.iter().filter_map(|c| if let Const::Date(d) = c { Some(*d) } else { None }).collect();
        let member = |e: Expr, items: Vec<Expr>| {
            if items.is_empty() { Expr::Bool(false) } else { Expr::InList(Box::new(e), items).known() }
        };
        let found = match kind {
            Kind::Str | Kind::DateField => {
                let mut alts = vec![member(e.clone(), strs())];
                if !dates.is_empty() {
                    alts.push(member(
                        Expr::AsDate(Box::new(e.clone())),
                        dates.iter().map(|d| Expr::Date(*d)).collect(),
                    ));
                }
                Expr::or(alts)
            }
            Kind::Id => member(e.clone(), strs()),
            Kind::Num => member(e.clone(), items(|c| if let Const::Num(n) = c { Some(Expr::Num(*n)) } else { None })),
            Kind::Bool => {
                member(e.clone(), items(|c| if let Const::Bool(b) = c { Some(Expr::Bool(*b)) } else { None }))
            }
            Kind::Shifted(shift) => {
                // A moved day is in the list when it is one of its dates;
                // a moved month or year never is (see docs/sql.md).
                let (first, last) = shifted_days(e.clone(), shift);
                let same = Expr::eq(first.clone(), last.clone()).known();
                let found = Expr::and(vec![same, member(first.clone(), list_days(list))]);
                // Present when it moved: a date that is not one is missing.
                let present = Expr::and(vec![first.present(), last.present()]);
                return if negated { Expr::and(vec![present, Expr::not(found)]) } else { found };
            }
            Kind::DateLit => member(e.clone(), list_days(list)),
        };
        if negated { Expr::and(vec![e.present(), Expr::not(found)]) } else { found }
    }
}

/// The days a literal list holds: its dates, and its strings that read as
/// days.
fn list_days(list: &crate::check::ConstList) -> Vec<Expr> {
    let day = |c: &Const| match c {
        Const::Date(d) => Some(*d),
        Const::Str(s) => Date::parse_lenient(s),
        _ => None,
    };
    list.items.iter().filter_map(day).map(Expr::Date).collect()
}

/// A value as one scalar: a column or literal, or a record's id.
fn scalar(v: &Value) -> Option<(Expr, Kind)> {
    match v {
        Value::Scalar(e, k) => Some((e.clone(), *k)),
        Value::Record { alias, .. } => Some((Expr::col(alias, "id"), Kind::Id)),
        Value::List(_) | Value::ConstList(_) => None,
    }
}

fn const_value(c: &Arc<Const>) -> Value {
    const_scalar(c).unwrap_or_else(|| Value::ConstList(Arc::clone(c)))
}

/// A literal that is not a list.
fn const_scalar(c: &Const) -> Option<Value> {
    Some(match c {
        Const::Str(s) => Value::Scalar(Expr::Str(s.clone()), Kind::Str),
        Const::Num(n) => Value::Scalar(Expr::Num(*n), Kind::Num),
        Const::Bool(b) => Value::Scalar(Expr::Bool(*b), Kind::Bool),
        Const::Date(d) => Value::Scalar(Expr::Date(*d), Kind::DateLit),
        Const::List(_) => return None,
    })
}

fn kind_of(base: &Base) -> Kind {
    match base {
        Base::Str => Kind::Str,
        Base::Num => Kind::Num,
        Base::Bool => Kind::Bool,
        Base::Date => Kind::DateField,
        Base::Entity(_) => Kind::Id,
    }
}

fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

/// `a op b` as the evaluator relates two values (`eval::value::relate`):
/// missing or incomparable is false; with a date on either side (or
/// `dates`) strings are read as dates, perhaps a month or a year
/// (`period_cmp`); bools and records only (un)equal.
fn relate((a, ak): (Expr, Kind), op: BinOp, (b, bk): (Expr, Kind), dates: bool) -> Expr {
    use Kind::*;
    let days = |e: Expr, k: Kind| match k {
        DateLit => Some((e.clone(), e)),
        Str | DateField => Some((Expr::FirstDay(Box::new(e.clone())), Expr::LastDay(Box::new(e)))),
        Shifted(s) => Some(shifted_days(e, s)),
        _ => None,
    };
    if dates || ak == DateLit || bk == DateLit || matches!(ak, Shifted(_)) || matches!(bk, Shifted(_)) {
        return match (days(a, ak), days(b, bk)) {
            (Some(a), Some(b)) => period_cmp(a, op, b, ak == DateLit || bk == DateLit),
            _ => Expr::Bool(false),
        };
    }
    let unordered = |a: Expr, b: Expr| match op {
        BinOp::Eq | BinOp::Le | BinOp::Ge => Expr::eq(a, b).known(),
        BinOp::Ne => Expr::cmp(a, BinOp::Ne, b).known(),
        _ => Expr::Bool(false),
    };
    match (ak, bk) {
        (Str | DateField, Str | DateField) | (Num, Num) => Expr::cmp(a, op, b).known(),
        (Bool, Bool) | (Id, Id) | (Id, Str | DateField) | (Str | DateField, Id) => unordered(a, b),
        _ => Expr::Bool(false),
    }
}

/// The first and last days of a `date` field (a day, month or year)
/// moved by `shift`, as `Period::shift` moves them.
fn shifted_days(e: Expr, shift: DateShift) -> (Expr, Expr) {
    let first = Expr::Shift(Box::new(Expr::FirstDay(Box::new(e.clone()))), shift);
    (first, Expr::Shift(Box::new(Expr::LastDay(Box::new(e))), shift))
}

/// `a op b` between two dates given as their first and last days, as
/// `Period::order` relates them: an order holds when it holds for every
/// day of both, `==` when they are the same period. With `one_day` (a side
/// is a literal day) `a.last <= b.first` already holds when they are the
/// same, so `<=` and `>=` need no second test.
fn period_cmp((a_first, a_last): (Expr, Expr), op: BinOp, (b_first, b_last): (Expr, Expr), one_day: bool) -> Expr {
    let cmp = |l: &Expr, op: BinOp, r: &Expr| Expr::cmp(l.clone(), op, r.clone()).known();
    let same = || Expr::and(vec![cmp(&a_first, BinOp::Eq, &b_first), cmp(&a_last, BinOp::Eq, &b_last)]);
    let or_same = |e: Expr| if one_day { e } else { Expr::or(vec![e, same()]) };
    match op {
        BinOp::Eq => same(),
        BinOp::Ne => Expr::or(vec![cmp(&a_last, BinOp::Lt, &b_first), cmp(&a_first, BinOp::Gt, &b_last)]),
        BinOp::Lt => cmp(&a_last, BinOp::Lt, &b_first),
        BinOp::Gt => cmp(&a_first, BinOp::Gt, &b_last),
        BinOp::Le => or_same(cmp(&a_last, BinOp::Le, &b_first)),
        BinOp::Ge => or_same(cmp(&a_first, BinOp::Ge, &b_last)),
        BinOp::Add => Expr::Bool(false),
    }
}
