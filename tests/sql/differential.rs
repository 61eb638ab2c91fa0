//! Compiled SQL against `interdict check`: every example rule set and
//! generated record graphs (cycles, self-loops, dangling and wrongly typed
//! ids, empty and missing lists, missing fields, exemptions) are exported to
//! Parquet, compiled for DataFusion and run on the embedded DataFusion; the
//! verdicts — decision, fired and waived rules with their exemption, and
//! the witness of each rule's first top-level `any` — must equal the
//! reference evaluator's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use interdict::date::Date;
use interdict::eval::{Fact, FactKind, Outcome, Shown};
use interdict::sql::{self, Dialect, ResultRow};
use interdict::{Engine, EvalOptions, Input, RecordStore, RuleSet};

use crate::common::{example, root, scratch};

/// Per record: decision, and per fired rule: (waived by, witness).
type Verdicts = BTreeMap<String, (String, BTreeMap<String, (Option<String>, Option<String>)>)>;

fn load_rules(path: &str) -> RuleSet {
    RuleSet::load(&[root().join(path)]).unwrap_or_else(|e| panic!("{e:?}"))
}

fn records(files: &[PathBuf]) -> RecordStore {
    RecordStore::load(files.iter().map(|f| Input::new(f.display().to_string(), std::fs::read(f).unwrap())))
}

/// The first `any` quantifier that held, through calls: what the SQL
/// witness column holds.
fn first_any_witness(facts: &[Fact]) -> Option<String> {
    for f in facts {
        match &f.kind {
            FactKind::Quantifier { quantifier: interdict::ast::Quantifier::Any, witness: Some(w), .. } if f.holds => {
                return match &w.element.value {
                    Shown::Record { id, .. } => Some(id.to_string()),
                    Shown::Unresolved(id) => Some(id.clone()),
                    Shown::Value(v) => Some(v.as_str().map_or_else(|| v.to_string(), str::to_string)),
                    Shown::Text(v) => Some(v.to_string()),
                    _ => None,
                };
            }
            FactKind::Call { body, .. } => {
                if let Some(w) = first_any_witness(body) {
                    return Some(w);
                }
            }
            _ => {}
        }
    }
    None
}

fn reference(rules: &RuleSet, store: &RecordStore, as_of: Date, witnessed: &[String]) -> Verdicts {
    let program = rules.program();
    let engine = Engine::new(program, store, EvalOptions { as_of });
    let mut out = Verdicts::new();
    for outcome in engine.evaluate() {
        let Outcome::Verdict(v) = outcome else { continue };
        let id = store.record(v.record).id().to_string();
        let mut fired = BTreeMap::new();
        let witness = |rule: &str, facts: &[Fact]| {
            if witnessed.iter().any(|w| w == rule) { first_any_witness(facts) } else { None }
        };
        for f in &v.fired {
            let name = program.rule(f.rule).name.clone();
            let w = witness(&name, &f.evidence);
            fired.insert(name, (None, w));
        }
        for w in &v.waived {
            let name = program.rule(w.rule).name.clone();
            let wit = witness(&name, &w.evidence);
            fired.insert(name, (Some(program.exemption(w.exemption).name.clone()), wit));
        }
        out.insert(id, (v.decision.as_str().to_string(), fired));
    }
    out
}

fn from_sql(rows: &[ResultRow]) -> Verdicts {
    let mut out = Verdicts::new();
    for r in rows {
        let entry = out.entry(r.id.clone()).or_insert_with(|| (r.decision.clone(), BTreeMap::new()));
        if let Some(rule) = &r.rule {
            entry.1.insert(rule.clone(), (r.waived_by.clone(), r.witness.clone()));
        }
    }
    out
}

fn export(store: &RecordStore, rules: &RuleSet, dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let export = interdict::export::build_tables(store, rules.program().schema());
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    for table in &export.tables {
        let file = std::fs::File::create(dir.join(format!("{}.parquet", table.name))).unwrap();
        interdict::export::write_parquet(table, file).unwrap();
    }
}

/// Exports, compiles, runs and compares; returns the number of records.
fn same_as_check(rules_path: &str, files: &[PathBuf], as_of: &str, name: &str) -> usize {
    let rules = load_rules(rules_path);
    let store = records(files);
    let as_of = Date::parse_exact(as_of).unwrap();
    let dir = scratch(&format!("sql-differential-{name}"));
    export(&store, &rules, &dir.join("parquet"));
    let script = sql::compile(rules.program(), Dialect::DataFusion, as_of).unwrap_or_else(|e| panic!("{e:?}"));
    let rows = sql::run::run(&script, &dir.join("parquet")).unwrap_or_else(|e| panic!("{e:?}"));
    let expected = reference(&rules, &store, as_of, &script.witnessed);
    let got = from_sql(&rows);
    let mut diffs = Vec::new();
    for (id, want) in &expected {
        if got.get(id) != Some(want) {
            diffs.push(format!("{id}: check {want:?}\n      sql {:?}", got.get(id)));
        }
    }
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for d in &diffs {
        *kinds.entry(d.chars().take_while(|c| c.is_ascii_alphabetic()).collect()).or_default() += 1;
    }
    assert!(
        diffs.is_empty(),
        "{name} {kinds:?}: {} of {} records differ:\n{}",
        diffs.len(),
        expected.len(),
        diffs[..diffs.len().min(10)].join("\n")
    );
    assert_eq!(got.len(), expected.len(), "{name}: every record comes out once");
    expected.len()
}

fn trade_screening_files() -> Vec<PathBuf> {
    example("trade-screening").records.iter().map(|r| root().join(r)).collect()
}

#[test]
fn trade_screening_on_three_days() {
    for day in ["2020-06-01", "2023-06-01", "2024-02-01"] {
        let n = same_as_check("rules/trade-screening", &trade_screening_files(), day, &format!("trade-{day}"));
        assert!(n > 400);
    }
}

/// A window on the as-of day, `lower()`, an exemption, records that do not
/// fit their declaration: the same decisions on both sides of the window.
#[test]
fn customs_on_two_days() {
    let files: Vec<PathBuf> = example("customs").records.iter().map(|r| root().join(r)).collect();
    for day in ["2022-01-01", "2023-06-01"] {
        let n = same_as_check("rules/customs", &files, day, &format!("customs-{day}"));
        assert_eq!(n, 21);
    }
}

/// A small deterministic generator (xorshift), so the graphs need no crate.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// People, venues and visits with every awkward shape `edge.rules` reads.
fn edge_graph(seed: u64, n: usize) -> String {
    use serde_json::{Value, json};
    let mut g = Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let pid = |i: usize| format!("p{i}");
    let mut out: Vec<Value> = Vec::new();
    for i in 0..n {
        let mut r = json!({"id": pid(i), "type": "person", "name": g.pick(&["Kim A", "Li B", "Wu", "Kimura"])});
        let fields: Vec<(&str, Value)> = vec![
            ("nationality", json!(g.pick(&["KR", "KP", "CN", "US", ""]))),
            ("rank", json!(g.pick(&["agent", "official", "", ""]))),
            ("phone", json!(g.pick(&["+8210", "010-1", "+861", ""]))),
            ("age", [json!(10), json!(20), json!(40), Value::Null, json!("x")][g.below(5)].clone()),
            ("vip", [json!(true), json!(false), Value::Null, json!("yes")][g.below(4)].clone()),
            (
                "born",
                json!(g.pick(&[
                    "1990-05-01",
                    "2021-01-01T10:00",
                    "2022-06-30",
                    "2021-02-30",
                    "soon",
                    "2021",
                    "2021-06",
                    "2021-02",
                    "2021-13",
                    "1999-12",
                    "2021-01-01 ",
                ])),
            ),
            (
                "tags",
                [json!([]), json!(["watch"]), json!(["pep", null]), json!(["x"]), Value::Null][g.below(5)].clone(),
            ),
            (
                "spouse",
                [
                    json!(pid(g.below(n))),
                    json!("nobody"),
                    Value::Null,
                    json!(pid(i)),
                    json!(format!("v{}", g.below(n / 2 + 1))),
                ][g.below(5)]
                .clone(),
            ),
        ];
        for (k, v) in fields {
            let empty = v.as_str() == Some("");
            if !empty && (!v.is_null() || g.chance(30)) {
                r[k] = v;
            }
        }
        let c = g.below(100);
        if c < 15 {
        } else if c < 25 {
            r["contacts"] = json!([]);
        } else if c < 30 {
            r["contacts"] = Value::Null;
        } else {
            let k = 1 + g.below(3);
            let links: Vec<String> = (0..k)
                .map(|_| match g.below(4) {
                    0 => pid(i),
                    1 => "ghost".to_string(),
                    2 => format!("v{}", g.below(n / 2 + 1)),
                    _ => pid(g.below(n)),
                })
                .collect();
            r["contacts"] = json!(links);
        }
        out.push(r);
    }
    for i in 0..n / 2 {
        let op = [json!(pid(g.below(n))), json!("ghost"), Value::Null, json!(format!("v{i}"))][g.below(4)].clone();
        out.push(json!({"id": format!("v{i}"), "type": "venue", "name": "v", "operator": op}));
    }
    for i in 0..n {
        let visitor = if g.chance(90) { pid(g.below(n)) } else { "ghost".into() };
        let venue = if g.chance(90) { format!("v{}", g.below(n / 2 + 1)) } else { "ghost".into() };
        let date = [json!("2020-01-01"), json!("2021-06-01"), Value::Null][g.below(3)].clone();
        out.push(json!({"id": format!("x{i}"), "type": "visit", "visitor": visitor, "venue": venue, "date": date}));
    }
    // Shuffle, so input order and id order differ.
    for i in (1..out.len()).rev() {
        let j = g.below(i + 1);
        out.swap(i, j);
    }
    out.iter().map(|r| format!("{r}\n")).collect()
}

#[test]
fn generated_edge_graphs() {
    let dir = scratch("sql-differential-edge-graphs");
    for (seed, n) in [(1, 12), (2, 12), (3, 40), (4, 40), (5, 150), (6, 400)] {
        let file = dir.join(format!("edge-{seed}.jsonl"));
        std::fs::write(&file, edge_graph(seed, n)).unwrap();
        same_as_check("tests/fixtures/sql/edge.rules", &[file], "2026-01-01", &format!("edge-{seed}"));
    }
}

/// The generated graphs that CI runs on Spark and DuckDB
/// (`scripts/sql_engines.py`), kept as files so the script can read them:
/// each file, its rules and the generator's output it must equal.
fn ci_graphs() -> [(&'static str, &'static str, String); 2] {
    [
        ("tests/fixtures/sql/edge-graph.jsonl", "tests/fixtures/sql/edge.rules", edge_graph(7, 300)),
        ("tests/fixtures/sql/recursive-graph.jsonl", "tests/fixtures/sql/recursive.rules", ownership_graph(15, 300)),
    ]
}

/// Each file is its generator's output (`UPDATE_FIXTURES=1` rewrites them
/// after a generator changes), and DataFusion agrees with `check` on it.
#[test]
fn the_graphs_ci_runs_on_spark_are_the_generators() {
    for (file, rules, want) in ci_graphs() {
        let path = root().join(file);
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "{file} is not its generator's output: rewrite it with UPDATE_FIXTURES=1");
        let name = format!("ci-{}", path.file_stem().unwrap_or_default().to_string_lossy());
        let n = same_as_check(rules, &[path], "2026-01-01", &name);
        assert_eq!(n, want.lines().count(), "{file}");
    }
}

#[test]
fn bench_rules_on_generated_records() {
    let file = root().join("tests/fixtures/sql/bench-2k.jsonl");
    let n = same_as_check("tests/fixtures/sql/bench.rules", &[file], "2026-01-01", "bench-2k");
    assert_eq!(n, 2000);
}

/// Date shifts (month-end clamping, leap days, months and years read as
/// periods) and `lower()`: DataFusion's interval arithmetic and `LOWER`
/// agree with the evaluator's.
#[test]
fn date_shifts_and_lower() {
    let file = root().join("tests/fixtures/sql/dates.jsonl");
    for day in ["2024-06-01", "2024-02-29", "2025-03-01"] {
        same_as_check("tests/fixtures/sql/dates.rules", std::slice::from_ref(&file), day, &format!("dates-{day}"));
    }
}

/// Companies with owner lists (rings, self-links, chains) and parents, some
/// listed, some cleared: what `recursive.rules` reads.
fn ownership_graph(seed: u64, n: usize) -> String {
    use serde_json::json;
    let mut g = Gen(seed);
    let mut out = Vec::new();
    for i in 0..n {
        let mut owners: Vec<String> = Vec::new();
        if i > 0 && g.chance(50) {
            owners.push(format!("c{}", i - 1));
        }
        for _ in 0..g.below(3) {
            owners.push(format!("c{}", g.below(n)));
        }
        if g.chance(5) {
            owners.push(format!("c{i}"));
        }
        let mut r = json!({"id": format!("c{i}"), "type": "company", "owners": owners, "rank": g.below(4)});
        if g.chance(8) {
            r["listed"] = true.into();
        }
        if g.chance(10) {
            r["cleared"] = true.into();
        }
        if i > 0 && g.chance(80) {
            r["parent"] = format!("c{}", if g.chance(90) { i - 1 } else { g.below(n) }).into();
        }
        out.push(r);
    }
    out.iter().map(|r| format!("{r}\n")).collect()
}

/// Recursive rules run by the driver's loop: the fires, waivers and each
/// fire's witness (the round it first fired in) equal `check`'s.
#[test]
fn recursive_rules_by_the_loop() {
    let dir = scratch("sql-differential-recursive");
    for (seed, n) in [(11, 10), (12, 30), (13, 80), (14, 300)] {
        let file = dir.join(format!("owned-{seed}.jsonl"));
        std::fs::write(&file, ownership_graph(seed, n)).unwrap();
        same_as_check("tests/fixtures/sql/recursive.rules", &[file], "2026-01-01", &format!("recursive-{seed}"));
    }
}
