//! The `sql` feature's runner on parquet files shaped like `export --parquet`
//! writes them, with a hand-written script (statement, reachability loop over
//! a cyclic link table, result query).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::parquet::arrow::ArrowWriter;
use interdict::date::Date;
use interdict::sql::run::{RunError, run};
use interdict::sql::{Dialect, ResultRow, Script, Step, StepKind};

use crate::common::scratch;

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn ints(values: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(values.to_vec()))
}

fn write(dir: &Path, table: &str, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(dir.join(format!("{table}.parquet"))).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Five people (p1 is Korean), one company; contacts p1 → p2 → p3 → p2 (a
/// cycle), p3 → p1, and p4 ⇄ p5 (a cycle that reaches no Korean).
fn export(test: &str) -> PathBuf {
    let dir = scratch(&format!("sql-runner-{test}"));
    let people = ["p1", "p2", "p3", "p4", "p5"].map(Some);
    write(
        &dir,
        "interdict_record",
        vec![
            ("id", strings(&[people.as_slice(), &[Some("c1")]].concat())),
            (
                "type",
                strings(&[
                    Some("person"),
                    Some("person"),
                    Some("person"),
                    Some("person"),
                    Some("person"),
                    Some("company"),
                ]),
            ),
            ("seq", ints(&[0, 1, 2, 3, 4, 5])),
        ],
    );
    write(
        &dir,
        "person",
        vec![
            ("id", strings(&people)),
            ("seq", ints(&[0, 1, 2, 3, 4])),
            ("nationality", strings(&[Some("KR"), Some("FR"), None, Some("DE"), Some("FR")])),
        ],
    );
    let links = [("p1", "p2"), ("p2", "p3"), ("p3", "p2"), ("p3", "p1"), ("p4", "p5"), ("p5", "p4")];
    write(
        &dir,
        "person__contacts",
        vec![
            ("src", strings(&links.map(|(s, _)| Some(s)))),
            ("pos", ints(&[0, 0, 0, 1, 0, 0])),
            ("dst", strings(&links.map(|(_, d)| Some(d)))),
        ],
    );
    dir
}

fn step(name: &str, kind: StepKind, sql: &str) -> Step {
    Step { name: name.to_owned(), kind, sql: sql.to_owned() }
}

/// `deny` a person who reaches a Korean other than themselves through one or
/// more contacts; the witness is the first such Korean by id.
fn script(max_iterations: u64) -> Script {
    Script {
        dialect: Dialect::DataFusion,
        as_of: Date::parse_exact("2024-01-01").unwrap(),
        inputs: vec!["interdict_record".into(), "person".into(), "person__contacts".into()],
        witnessed: Vec::new(),
        steps: vec![
            step("kr", StepKind::Statement, "CREATE TABLE kr AS SELECT id FROM person WHERE nationality = 'KR'"),
            step(
                "reach",
                StepKind::Statement,
                "CREATE TABLE reach AS SELECT DISTINCT src, dst, CAST(1 AS BIGINT) AS depth \
                 FROM person__contacts",
            ),
            step(
                "reach",
                StepKind::Loop { max_iterations },
                "INSERT INTO reach SELECT DISTINCT r.src, e.dst, {depth} + 1 \
                 FROM reach r JOIN person__contacts e ON e.src = r.dst \
                 WHERE r.depth = {depth} \
                 AND NOT EXISTS (SELECT 1 FROM reach x WHERE x.src = r.src AND x.dst = e.dst)",
            ),
            step(
                "result",
                StepKind::Query,
                "SELECT r.seq, r.id, r.type, \
                   CASE WHEN h.dst IS NULL THEN 'allow' ELSE 'deny' END AS decision, \
                   CASE WHEN h.dst IS NULL THEN NULL ELSE 'reaches_kr' END AS rule, \
                   CAST(NULL AS VARCHAR) AS waived_by, \
                   h.dst AS witness \
                 FROM interdict_record r LEFT JOIN ( \
                   SELECT reach.src, MIN(reach.dst) AS dst FROM reach JOIN kr ON kr.id = reach.dst \
                   WHERE reach.src <> reach.dst GROUP BY reach.src) h ON h.src = r.id",
            ),
        ],
    }
}

fn row(seq: i64, id: &str, record_type: &str, witness: Option<&str>) -> ResultRow {
    ResultRow {
        seq,
        id: id.to_owned(),
        record_type: record_type.to_owned(),
        decision: if witness.is_some() { "deny" } else { "allow" }.to_owned(),
        rule: witness.map(|_| "reaches_kr".to_owned()),
        waived_by: None,
        witness: witness.map(str::to_owned),
    }
}

#[test]
fn a_reachability_loop_stops_on_cycles() {
    let dir = export("reachability");
    // A thousand runs allowed: the loop must stop when a run adds nothing.
    let rows = run(&script(1000), &dir).unwrap();
    assert_eq!(
        rows,
        vec![
            row(0, "p1", "person", None),
            row(1, "p2", "person", Some("p1")),
            row(2, "p3", "person", Some("p1")),
            row(3, "p4", "person", None),
            row(4, "p5", "person", None),
            row(5, "c1", "company", None),
        ]
    );
}

#[test]
fn a_loop_stops_at_max_iterations() {
    let dir = export("max_iterations");
    // No run: only direct contacts, and p2 → p3 → p1 is two hops.
    let mut script = script(0);
    let rows = run(&script, &dir).unwrap();
    assert_eq!(rows[1], row(1, "p2", "person", None));
    assert_eq!(rows[2], row(2, "p3", "person", Some("p1")));
    // One run: two hops.
    script.steps[2].kind = StepKind::Loop { max_iterations: 1 };
    let rows = run(&script, &dir).unwrap();
    assert_eq!(rows[1], row(1, "p2", "person", Some("p1")));
}

#[test]
fn a_missing_input_table_is_named() {
    let dir = export("missing");
    let mut script = script(10);
    script.inputs.push("company".into());
    match run(&script, &dir) {
        Err(RunError::MissingTable { table, .. }) => assert_eq!(table, "company"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failing_step_is_named() {
    let dir = export("failing");
    let mut script = script(10);
    script.steps[0].sql = "CREATE TABLE kr AS SELECT id FROM nobody".into();
    match run(&script, &dir) {
        Err(RunError::Step { step, message }) => {
            assert_eq!(step, "kr");
            assert!(message.contains("nobody"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_query_without_the_result_columns_is_an_error() {
    let dir = export("columns");
    let mut script = script(10);
    script.steps[3].sql = "SELECT seq, id FROM interdict_record".into();
    match run(&script, &dir) {
        Err(RunError::Result { step, message }) => {
            assert_eq!(step, "result");
            assert!(message.contains("type"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn result_columns_may_be_int32_and_large_or_plain_utf8() {
    let dir = export("types");
    let mut script = script(10);
    script.steps[3].sql = "SELECT CAST(seq AS INT) AS seq, arrow_cast(id, 'LargeUtf8') AS id, \
         CAST(type AS VARCHAR) AS type, 'allow' AS decision, NULL AS rule, \
         CAST(NULL AS VARCHAR) AS waived_by, arrow_cast(NULL, 'Utf8View') AS witness \
         FROM interdict_record WHERE id = 'c1'"
        .into();
    assert_eq!(run(&script, &dir).unwrap(), vec![row(5, "c1", "company", None)]);
    script.steps[3].sql = "SELECT seq, id, type, CAST(NULL AS VARCHAR) AS decision, NULL AS rule, \
         NULL AS waived_by, NULL AS witness FROM interdict_record"
        .into();
    match run(&script, &dir) {
        Err(RunError::Result { message, .. }) => assert!(message.contains("`decision` is NULL"), "{message}"),
        other => panic!("{other:?}"),
    }
}
