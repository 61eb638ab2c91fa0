#!/usr/bin/env python3
"""Runs compiled rule sets on a real Spark and on DuckDB and compares them with `check`.

    spark-submit scripts/sql_engines.py INTERDICT WORK_DIR

INTERDICT is the `interdict` binary, WORK_DIR a scratch folder (emptied
first). Needs pyspark and duckdb (run on a local Spark unless spark-submit
says otherwise) and sqlglot. For each case below, from the repository root:

1. `interdict export` the records to Parquet and `interdict check --format
   json` them;
2. compile the rules for Spark and for DuckDB and run each script with
   `scripts/run_sql.py`'s runner (one Spark session for every case), then
   compare the rows with `check` as `scripts/compare_sql.py` does: decisions,
   fired and waived rules with the exemption, witnesses; the Spark and DuckDB
   rows must also be identical;
3. compile for Trino and parse every step, and the input tables'
   statements of `scripts/trino_tables.py`, with sqlglot's Trino reader; a
   function sqlglot does not know in Trino is an error too.

Prints a line per case and engine with the wall time; exits 1 on any
mismatch or unparsed statement. Used by `.ci/run`.
"""
import glob
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import compare_sql
import run_sql
import trino_tables

ROOT = Path(__file__).resolve().parent.parent

# (name, rules, record globs, as-of day)
CASES = [
    ("trade-screening", "rules/trade-screening", ["rules/trade-screening/records/*.json*"], "2023-06-01"),
    # Hop ranges, goal-directed and per-start {1..}, is denied, exemptions,
    # cycles, dangling ids: written by tests/sql/differential.rs's generator.
    ("edge-graph", "tests/fixtures/sql/edge.rules", ["tests/fixtures/sql/edge-graph.jsonl"], "2026-01-01"),
    # Recursive rules (a least fixpoint filled by the driver's loop) over an
    # ownership graph with cross-holdings and self-links: same generator.
    ("recursive", "tests/fixtures/sql/recursive.rules", ["tests/fixtures/sql/recursive-graph.jsonl"], "2026-01-01"),
    # Month-end clamping, leap days, months and years read as periods, lower().
    ("date-shifts", "tests/fixtures/sql/dates.rules", ["tests/fixtures/sql/dates.jsonl"], "2024-02-29"),
]

def interdict(binary, *args, stdout=None):
    done = subprocess.run([binary, *args], stdout=stdout, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"interdict {' '.join(args)} exited with {done.returncode}:\n{done.stderr}")


def trino_problems(statements):
    """What sqlglot's Trino reader finds wrong in (name, SQL) statements:
    a parse error, or a function it does not know in Trino."""
    import logging

    import sqlglot
    from sqlglot import exp

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    problems = []
    for name, sql in statements:
        try:
            tree = sqlglot.parse_one(sql, read="trino")
        except sqlglot.errors.ParseError as e:
            problems.append(f"{name}: {e}")
            continue
        # What sqlglot cannot parse it may keep as an opaque command (with a
        # logged warning): that is a failure here.
        if any(tree.find_all(exp.Command)):
            problems.append(f"{name}: not parsed as SQL (kept as a command)")
        for call in tree.find_all(exp.Anonymous):
            problems.append(f"{name}: unknown function {call.name}")
    return problems


def trino_statements(script_dir, parquet_dir):
    """Every step of a Trino script ({depth} as 1), and the statements
    `scripts/trino_tables.py` prints for its input tables."""
    manifest = json.loads(Path(script_dir, "manifest.json").read_text(encoding="utf-8"))
    for step in manifest["steps"]:
        sql = Path(script_dir, step["file"]).read_text(encoding="utf-8")
        yield step["file"], sql.replace(step.get("placeholder", "{depth}"), "1")
    for sql in trino_tables.table_statements(parquet_dir, "s3://bucket/interdict/data"):
        yield "trino_tables.py", sql


def run_case(binary, work, engines, case):
    name, rules, globs, day = case
    records = sorted(f for g in globs for f in glob.glob(str(ROOT / g)))
    rules = str(ROOT / rules)
    case_dir = work / name
    interdict(binary, "export", *records, "--rules", rules, "--parquet", str(case_dir / "data"))
    with open(case_dir / "check.jsonl", "w", encoding="utf-8") as out:
        args = [rules, *records, "--format", "json", "--as-of", day, "--fail-on", "never"]
        interdict(binary, "check", *args, stdout=out)
    failed = False
    rows = {}
    for target, engine in engines.items():
        script = case_dir / target
        interdict(binary, "compile", rules, "--target", target, "--as-of", day, "--out", str(script))
        started = time.monotonic()
        rows[target] = run_sql.run_script(engine, script, case_dir / "data")
        wall = time.monotonic() - started
        run_sql.write_rows(rows[target], case_dir / f"{target}.jsonl")
        result = compare_sql.compare(case_dir / f"{target}.jsonl", case_dir / "check.jsonl", script / "manifest.json")
        failed |= not result.same
        print(f"{name} on {day}, {target}: {result.summary()} ({wall:.1f} s)", flush=True)
    if len({json.dumps(r) for r in rows.values()}) > 1:
        print(f"{name}: the engines' rows differ", flush=True)
        failed = True
    interdict(binary, "compile", rules, "--target", "trino", "--as-of", day, "--out", str(case_dir / "trino"))
    statements = list(trino_statements(case_dir / "trino", case_dir / "data"))
    problems = trino_problems(statements)
    print(f"{name} on {day}, trino: {len(statements)} statements parsed by sqlglot, {len(problems)} problems", flush=True)
    for p in problems[:10]:
        print(f"  {p}")
    return failed or bool(problems)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().split("\n\n")[1])
    binary = str(Path(sys.argv[1]).resolve())
    work = Path(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.monotonic()
    engines = {"spark": run_sql.Spark(), "duckdb": run_sql.DuckDb()}
    print(f"spark session started ({time.monotonic() - started:.1f} s)", flush=True)
    try:
        failed = [case[0] for case in CASES if run_case(binary, work, engines, case)]
    finally:
        for engine in engines.values():
            engine.close()
    print(f"{len(CASES)} cases on spark, duckdb and trino in {time.monotonic() - started:.1f} s", flush=True)
    if failed:
        sys.exit(f"differences in: {', '.join(failed)}")


if __name__ == "__main__":
    main()
