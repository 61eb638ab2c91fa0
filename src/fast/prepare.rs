//! Building a [`FastEngine`]: the tables worked out once, before any
//! record is judged — rules indexed by the values they require, reverse
//! indexes for `where x.f == p`, adjacency arrays for the link fields hop
//! ranges walk, and the answers of cheap one-record defs.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::AtomicU8;

use rayon::prelude::*;

use super::engine::{Adjacency, DefAnswers, Evidence, FastEngine, Link, decision_bytes};
use super::index::TypeRules;
use super::reach::{closures, local};
use super::store::{FVal, FastStore, TypeId, id_prefix};
use super::walk::Ctx;
use crate::check::{Cond, DefId, ExemptionId, FieldId, PathStep, Program, QRange, RuleId, Term, Ty};
use crate::eval::{Budget, EvalOptions, Evaluator, Fixpoints, Limits, ReverseIndex};
use crate::records::{RecordIdx, Records};

/// What the program's conditions ask of the store beyond fields.
#[derive(Default)]
struct Needs<'s> {
    /// Rules named in `is … by RULE`: their standings are remembered.
    by_rules: Vec<RuleId>,
    /// (record type, field) of each `where x.f == p` reverse lookup.
    reverse_keys: Vec<(String, FieldId)>,
    /// The link steps hop quantifiers walk: read into adjacency arrays.
    walked: Vec<&'s PathStep>,
}

impl<'s> Needs<'s> {
    fn of(program: &'s Program) -> Needs<'s> {
        let mut needs = Needs::default();
        for (_, cond) in program.conditions() {
            cond.visit(&mut |e| match e {
                Cond::Is { by: Some(r), .. } => needs.by_rules.push(*r),
                Cond::Quant(q) => needs.range(&q.range),
                Cond::Sum(s) => needs.range(&s.range),
                _ => {}
            });
        }
        needs
    }

    fn range(&mut self, range: &'s QRange) {
        match range {
            QRange::Type { record_type, reverse: Some(rev), .. } => {
                self.reverse_keys.push((record_type.clone(), rev.field_id))
            }
            QRange::Path(Term::Path(p)) => self.walked.extend(p.steps.last().filter(|step| step.hops.is_some())),
            _ => {}
        }
    }
}

/// Per def: whether its body reads a verdict (`is …`), directly or through
/// the defs it calls (defs do not recurse, so this settles).
fn def_reads_verdicts(program: &Program) -> Vec<bool> {
    let mut reads = vec![false; program.defs.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for (d, def) in program.defs.iter().enumerate() {
            let mut found = false;
            def.body.visit(&mut |c| {
                found |= match c {
                    Cond::Is { .. } => true,
                    Cond::Call { def, .. } => reads.get(def.0 as usize).copied().unwrap_or(false),
                    _ => false,
                }
            });
            if found && !reads[d] {
                reads[d] = true;
                changed = true;
            }
        }
    }
    reads
}

/// Per rule: whether its condition, or an exemption's that can waive it,
/// reads a verdict (given `defs`, [`def_reads_verdicts`]).
fn rule_reads_verdicts(program: &Program, defs: &[bool]) -> Vec<bool> {
    let reads = |cond: &Cond| {
        let mut found = false;
        cond.visit(&mut |c| {
            found |= match c {
                Cond::Is { .. } => true,
                Cond::Call { def, .. } => defs.get(def.0 as usize).copied().unwrap_or(true),
                _ => false,
            }
        });
        found
    };
    let exemption_reads = |x: &ExemptionId| reads(&program.exemption(*x).cond);
    program.rules.iter().map(|r| reads(&r.cond) || r.waived_by.iter().any(exemption_reads)).collect()
}

fn atomics<T: Default>(n: usize) -> Vec<T> {
    (0..n).map(|_| T::default()).collect()
}

impl<'s> FastEngine<'s> {
    /// Prepares evaluation: works out the tables judging reads.
    pub fn new(program: &'s Program, store: &'s FastStore<'s>, options: EvalOptions, evidence: Evidence) -> Self {
        let n = store.len();
        let field_ids: HashMap<&str, FieldId> =
            program.field_names().iter().enumerate().map(|(i, f)| (f.as_str(), FieldId(i as u32))).collect();
        let types = (0..store.by_type.len()).map(|t| store.type_name(TypeId(t as u32)));
        let needs = Needs::of(program);
        let mut engine = FastEngine {
            program,
            store,
            as_of: options.as_of,
            limits: Limits::default(),
            evidence,
            rules_by_type: types.clone().map(|t| TypeRules::new(program, program.rules_for(t))).collect(),
            decisions: atomics::<AtomicU8>(decision_bytes(n)),
            by_standings: needs.by_rules.iter().map(|r| (*r, atomics::<AtomicU8>(n))).collect(),
            reverse: HashMap::new(),
            id_field: field_ids.get("id").copied(),
            type_field: field_ids.get("type").copied(),
            link_checks: types.map(|t| link_checks(program, t, &field_ids)).collect(),
            def_memo: Vec::new(),
            def_answers: Vec::new(),
            adjacency: Vec::new(),
            id_prefixes: Vec::new(),
            strict: false,
            closures: closures(program),
            fixpoints: Fixpoints::new(program, n),
            settled: OnceLock::new(),
            def_reads_verdicts: def_reads_verdicts(program),
            rule_reads_verdicts: Vec::new(),
        };
        engine.rule_reads_verdicts = rule_reads_verdicts(program, &engine.def_reads_verdicts);
        engine.def_answers = (0..program.defs.len()).map(|d| engine.sweep_def(DefId(d as u32))).collect();
        // A def answered ahead for every record it can be called on needs
        // no memo (8 bytes a record: 8 MB at 1M bench records).
        engine.def_memo = (program.defs.iter().zip(&engine.def_answers))
            .map(|(d, answers)| (d.params.len() == 1 && !answers.as_ref().is_some_and(|a| a.all)).then(|| atomics(n)))
            .collect();
        if evidence == Evidence::Full && !needs.walked.is_empty() {
            engine.id_prefixes =
                store.records.par_iter().with_min_len(4096).map(|r| id_prefix(r.id.as_str())).collect();
        }
        for step in needs.walked {
            let key = (step.field_id, step.link_to.as_deref());
            if engine.adjacency.iter().all(|(k, _)| *k != key) {
                let links = engine.build_adjacency(step);
                engine.adjacency.push((key, links));
            }
        }
        for key in needs.reverse_keys {
            if !engine.reverse.contains_key(&key) {
                let index = engine.build_reverse(&key.0, key.1);
                engine.reverse.insert(key, index);
            }
        }
        engine
    }

    fn build_reverse(&self, record_type: &str, field: FieldId) -> ReverseIndex<'s> {
        let store = self.store;
        let key_of = |v: &'s FVal<'s>| match v {
            FVal::Str(s) => Some(s.as_str()),
            FVal::Link(t) => Some(store.record(*t).id.as_str()),
            _ => None,
        };
        ReverseIndex::new(self.of_type(record_type).iter().map(|&r| {
            let rec = store.record(r);
            // A list is indexed by each of its ids.
            let keys: Vec<&'s str> = if Some(field) == self.id_field {
                vec![rec.id.as_str()]
            } else if Some(field) == self.type_field {
                vec![store.type_name(rec.ty)]
            } else {
                match rec.get(field) {
                    Some(FVal::Links(ts)) => ts.iter().map(|t| store.record(*t).id.as_str()).collect(),
                    Some(FVal::List(items)) => items.iter().filter_map(key_of).collect(),
                    Some(v) => key_of(v).into_iter().collect(),
                    None => Vec::new(),
                }
            };
            (r, keys)
        }))
    }

    /// Reads one link field of every record, in parallel chunks, into
    /// [`Adjacency`] arrays.
    fn build_adjacency(&self, step: &PathStep) -> Adjacency {
        let n = self.store.len();
        let chunks: Vec<(Vec<u32>, Vec<Link>)> = (0..n.div_ceil(1 << 14))
            .into_par_iter()
            .map(|c| {
                // Reading links spends nothing; a context needs a budget.
                let budget = Budget::new(self.limits, "rule", "", "");
                let ctx = Ctx { engine: self, trace: false, budget: &budget };
                let mut counts = Vec::new();
                let mut links = Vec::new();
                for r in c << 14..((c + 1) << 14).min(n) {
                    let before = links.len();
                    ctx.links_in_record(RecordIdx(r as u32), step, |pos, target| {
                        links.push((u32::try_from(pos).unwrap_or(u32::MAX), target));
                    });
                    counts.push((links.len() - before) as u32);
                }
                (counts, links)
            })
            .collect();
        let mut starts = Vec::with_capacity(n + 1);
        let mut links = Vec::with_capacity(chunks.iter().map(|(_, l)| l.len()).sum());
        starts.push(0u32);
        for (counts, chunk) in chunks {
            for count in counts {
                let last = starts.last().copied().unwrap_or(0);
                starts.push(last.saturating_add(count));
            }
            links.extend(chunk);
        }
        Adjacency { starts, links }
    }

    /// Works out a def's answers ahead (see [`DefAnswers`]): `None` when
    /// the def is not a local condition on one record of a declared entity.
    /// A record whose answer fails (a limit) is left to be worked out when
    /// called, where the error belongs to the caller.
    fn sweep_def(&self, def: DefId) -> Option<DefAnswers> {
        let d = &self.program.defs[def.0 as usize];
        let [Ty::Entity(entity)] = d.param_types.as_slice() else { return None };
        let records = self.of_type(entity);
        if records.is_empty() || !local(&d.body, None) {
            return None;
        }
        let answers: Vec<Option<(bool, (u64, u64))>> = records
            .par_iter()
            .with_min_len(1024)
            .map(|&r| {
                let budget = Budget::new(self.limits, "def", &d.name, self.store.id(r));
                let ctx = Ctx { engine: self, trace: false, budget: &budget };
                let holds = match ctx.quick_body(&d.body, r) {
                    Ok(Some(holds)) => holds,
                    Ok(None) => ctx.body(&d.body, d.frame, r, &mut Vec::new()).ok()?,
                    Err(_) => return None,
                };
                Some((holds, budget.spent()))
            })
            .collect();
        let mut table = DefAnswers { codes: vec![0; self.store.len()], costs: Vec::new(), all: true };
        for (&r, answer) in records.iter().zip(answers) {
            let Some((holds, cost)) = answer else {
                table.all = false;
                continue;
            };
            let class = match table.costs.iter().position(|c| *c == cost) {
                Some(class) => class,
                None if table.costs.len() < 127 => {
                    table.costs.push(cost);
                    table.costs.len() - 1
                }
                None => {
                    table.all = false;
                    continue;
                }
            };
            table.codes[r.index()] = 2 + 2 * class as u8 + u8::from(holds);
        }
        Some(table)
    }
}

/// The link fields to check on records of `record_type`, by field id.
fn link_checks<'s>(
    program: &'s Program,
    record_type: &str,
    field_ids: &HashMap<&str, FieldId>,
) -> Vec<(FieldId, &'s str, Option<&'s str>)> {
    let fields = program.checked_links(record_type);
    fields.into_iter().filter_map(|(f, e)| field_ids.get(f).map(|id| (*id, f, e))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::eval::Decision;
    use crate::records::Input;
    use crate::{RuleSet, SourceFile};

    const PEOPLE: &str = r#"{"id":"a","type":"person","nationality":"KR","contacts":["b"]}
{"id":"b","type":"person","nationality":"CN","rank":"senior","contacts":["a","c"]}
{"id":"c","type":"person","nationality":"CN","spouse":"a","contacts":[]}
{"id":"v","type":"venue","operator":"c"}
"#;

    fn with_engine(defs: &str, f: impl FnOnce(&FastEngine<'_>)) {
        let text = format!(
            "entity person {{ nationality: string, rank: string?, spouse: person?, contacts: [person] }}\n\
             entity venue {{ operator: person }}\n{defs}\n\
             rule r {{ flag person p when any c in p.contacts{{1..2}}: d(c) }}"
        );
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", text)]).unwrap_or_else(|e| panic!("{e:?}"));
        let inputs = vec![Ok(Input::new("t.jsonl", PEOPLE.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, rules.program());
        let options = EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() };
        f(&FastEngine::new(rules.program(), &store, options, Evidence::Full));
    }

    /// What calling the def on `r` gives, worked out there and then.
    fn called(engine: &FastEngine<'_>, r: RecordIdx) -> (bool, u64, u64) {
        let d = &engine.program.defs[0];
        let budget = Budget::new(Limits::default(), "def", &d.name, engine.store.id(r));
        let ctx = Ctx { engine, trace: false, budget: &budget };
        let holds = ctx.body(&d.body, d.frame, r, &mut Vec::new()).unwrap_or_else(|e| panic!("{e:?}"));
        let (steps, visited) = budget.spent();
        (holds, steps, visited)
    }

    #[test]
    fn a_local_def_is_worked_out_ahead_for_every_record_of_its_entity() {
        // `or` stops early on some records: two costs, both kept.
        with_engine(r#"def d(p: person) = p.rank == "senior" or p.spouse.nationality == "KR""#, |engine| {
            let Some(Some(answers)) = engine.def_answers.first() else { panic!("not worked out ahead") };
            assert_eq!(answers.costs.len(), 2, "{:?}", answers.costs);
            for id in ["a", "b", "c"] {
                let r = engine.store.lookup(id).unwrap_or_else(|| panic!("{id}"));
                assert_eq!(answers.get(r), Some(called(engine, r)), "{id}");
            }
            let holds: Vec<bool> = ["a", "b", "c"]
                .iter()
                .filter_map(|id| answers.get(engine.store.lookup(id)?).map(|(h, _, _)| h))
                .collect();
            assert_eq!(holds, [false, true, true]);
            // A venue is not a person: left to be worked out when called.
            let venue = engine.store.lookup("v").unwrap_or_else(|| panic!("v"));
            assert_eq!(answers.get(venue), None);
        });
    }

    #[test]
    fn a_walked_link_field_is_read_into_adjacency_arrays() {
        with_engine(r#"def d(p: person) = p.nationality == "KR""#, |engine| {
            let [(_, links)] = engine.adjacency.as_slice() else { panic!("one walked field") };
            let budget = Budget::new(Limits::default(), "rule", "", "");
            let ctx = Ctx { engine, trace: false, budget: &budget };
            let step = engine.program.rules().find_map(|r| match &r.cond {
                Cond::Quant(q) => match &q.range {
                    QRange::Path(Term::Path(p)) => p.steps.last(),
                    _ => None,
                },
                _ => None,
            });
            let step = step.unwrap_or_else(|| panic!("the rule walks"));
            for id in ["a", "b", "c", "v"] {
                let r = engine.store.lookup(id).unwrap_or_else(|| panic!("{id}"));
                let mut read = Vec::new();
                ctx.links_in_record(r, step, |pos, t| read.push((pos as u32, t)));
                assert_eq!(links.links(links.row(r)), read.as_slice(), "{id}");
            }
            let b = engine.store.lookup("b").unwrap_or_else(|| panic!("b"));
            assert_eq!(links.links(links.row(b)).len(), 2);
        });
    }

    /// Four records' decisions share a byte: each is remembered (and
    /// remembered again) without touching its neighbours'.
    #[test]
    fn decisions_sharing_a_byte_are_remembered_apart() {
        with_engine(r#"def d(p: person) = p.nationality == "KR""#, |engine| {
            let all = [Decision::Deny, Decision::Allow, Decision::Flag, Decision::Deny];
            for (i, d) in all.iter().enumerate() {
                engine.remember_decision(RecordIdx(i as u32), *d);
            }
            engine.remember_decision(RecordIdx(1), Decision::Flag);
            let known: Vec<_> = (0..4).map(|i| engine.known_decision(RecordIdx(i))).collect();
            assert_eq!(known, [Some(Decision::Deny), Some(Decision::Flag), Some(Decision::Flag), Some(Decision::Deny)]);
            assert_eq!(engine.known_decision(RecordIdx(4)), None);
        });
    }

    #[test]
    fn a_def_that_walks_is_not_worked_out_ahead() {
        for body in [
            r#"any x in p.contacts{1..2}: x.nationality == "KR""#,
            "p.spouse is denied",
            r#"any venue v where v.operator == p: true"#,
        ] {
            with_engine(&format!("def d(p: person) = {body}"), |engine| {
                assert!(matches!(engine.def_answers.first(), Some(None)), "{body}");
            });
        }
    }

    #[test]
    fn an_untyped_def_is_not_worked_out_ahead() {
        let rules = RuleSet::from_sources(vec![SourceFile::new(
            "t.rules",
            "def d(p: person) = p.nationality == \"KR\"\nrule r { flag person p when d(p) }".to_string(),
        )])
        .unwrap_or_else(|e| panic!("{e:?}"));
        let inputs = vec![Ok(Input::new("t.jsonl", PEOPLE.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, rules.program());
        let options = EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() };
        let engine = FastEngine::new(rules.program(), &store, options, Evidence::Omitted);
        assert!(matches!(engine.def_answers.first(), Some(None)));
    }
}
