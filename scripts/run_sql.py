#!/usr/bin/env python3
"""Runs a rule set compiled by `interdict compile --out DIR` on Spark, Trino or DuckDB.

    spark-submit run_sql.py --engine spark SCRIPT_DIR PARQUET_DIR OUT.jsonl  # pyspark >= 4.1
    run_sql.py --engine duckdb  SCRIPT_DIR PARQUET_DIR OUT.jsonl   # the `duckdb` module
    run_sql.py --engine trino   SCRIPT_DIR PARQUET_DIR OUT.jsonl   # the `trino` client

SCRIPT_DIR holds `manifest.json` and one `NN-name.sql` per step (from
`interdict compile RULES --target spark|trino|duckdb --out SCRIPT_DIR`);
PARQUET_DIR holds the tables of `interdict export RECORDS --parquet DIR`.
The runner:

1. makes every input table the manifest lists readable under its name (Spark:
   a temporary view over `PARQUET_DIR/NAME.parquet`; DuckDB: a view over
   `read_parquet`; Trino: the tables must already exist in the session's
   catalog and schema, see "Trino" in docs/sql.md; PARQUET_DIR is not read);
2. runs the steps in order: a `statement` once; a `loop` with `{depth}`
   replaced by 1, 2, … until a run adds no row to its table (or
   `max_iterations` runs); the `query` last;
3. writes the query's rows as JSON Lines, one object per row: `seq`, `id`,
   `type`, `decision`, `rule`, `waived_by`, `witness`, ordered by `seq`, rule.

The working tables (all named `interdict_…`) never outlive a run, so runs
repeat. Spark: they live in a database of their own, `interdict_<random>`,
dropped with its files at the end; without `spark.sql.warehouse.dir` set, the
warehouse is a temporary folder, removed at the end (nothing is left in the
current folder). DuckDB: an in-memory database. Trino: they are dropped
before and after the run, in the schema of TRINO_CATALOG / TRINO_SCHEMA
(default memory / default), on the server TRINO_HOST / TRINO_PORT /
TRINO_USER.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

KEYS = ["seq", "id", "type", "decision", "rule", "waived_by", "witness"]


class Engine:
    """One connection; `load`, the steps and `finish` once per script run."""

    def load(self, parquet_dir, inputs):
        pass

    def start(self, tables):
        pass

    def finish(self, tables):
        pass

    def run(self, sql):
        raise NotImplementedError

    def rows(self, sql):
        raise NotImplementedError

    def count(self, table):
        return self.rows(f"SELECT COUNT(*) FROM {self.ident(table)}")[0][0]

    def ident(self, name):
        return '"' + name.replace('"', '""') + '"'

    def close(self):
        pass


class DuckDb(Engine):
    def __init__(self):
        import duckdb

        self.con = duckdb.connect()

    def load(self, parquet_dir, inputs):
        for name in inputs:
            path = str(Path(parquet_dir, name + ".parquet")).replace("'", "''")
            self.run(f"CREATE OR REPLACE VIEW {self.ident(name)} AS SELECT * FROM read_parquet('{path}')")

    def finish(self, tables):
        for table in tables:
            self.run(f"DROP TABLE IF EXISTS {self.ident(table)}")

    def run(self, sql):
        self.con.execute(sql)

    def rows(self, sql):
        return self.con.execute(sql).fetchall()


class Spark(Engine):
    def __init__(self):
        from pyspark import SparkConf
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("interdict")
        # Spark's default warehouse is ./spark-warehouse, which would outlive
        # the run; a warehouse of the cluster's own (set in its config) is kept.
        self.warehouse = None
        if not SparkConf().contains("spark.sql.warehouse.dir"):
            self.warehouse = tempfile.mkdtemp(prefix="interdict-spark-warehouse-")
            builder = builder.config("spark.sql.warehouse.dir", self.warehouse)
        self.spark = builder.getOrCreate()
        self.views = []
        self.database = None

    def load(self, parquet_dir, inputs):
        # A URL (s3a://bucket/data) is joined as text: a Path would drop a `/`.
        folder = str(parquet_dir).rstrip("/")
        for name in inputs:
            self.spark.read.parquet(f"{folder}/{name}.parquet").createOrReplaceTempView(name)
            self.views.append(name)

    def start(self, tables):
        # Without a Hive metastore the catalog is in memory: a table of an
        # earlier run is unknown to DROP TABLE, but its folder is still in the
        # warehouse and CREATE TABLE fails on it. A fresh database per run has
        # a fresh folder; temporary views are seen from every database.
        self.database = "interdict_" + uuid.uuid4().hex[:12]
        self.run(f"CREATE DATABASE {self.ident(self.database)}")
        self.spark.catalog.setCurrentDatabase(self.database)

    def finish(self, tables):
        if self.database:
            self.spark.catalog.setCurrentDatabase("default")
            self.run(f"DROP DATABASE IF EXISTS {self.ident(self.database)} CASCADE")
            self.database = None
        for view in self.views:
            self.spark.catalog.dropTempView(view)
        self.views = []

    def ident(self, name):
        return "`" + name.replace("`", "``") + "`"

    def run(self, sql):
        self.spark.sql(sql).collect()

    def rows(self, sql):
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def close(self):
        self.spark.stop()
        if self.warehouse:
            shutil.rmtree(self.warehouse, ignore_errors=True)


class Trino(Engine):
    def __init__(self):
        import trino

        self.con = trino.dbapi.connect(
            host=os.environ.get("TRINO_HOST", "localhost"),
            port=int(os.environ.get("TRINO_PORT", "8080")),
            user=os.environ.get("TRINO_USER", "interdict"),
            catalog=os.environ.get("TRINO_CATALOG", "memory"),
            schema=os.environ.get("TRINO_SCHEMA", "default"),
        )

    def start(self, tables):
        self.finish(tables)

    def finish(self, tables):
        for table in tables:
            self.run(f"DROP TABLE IF EXISTS {self.ident(table)}")

    def run(self, sql):
        cur = self.con.cursor()
        cur.execute(sql)
        cur.fetchall()

    def rows(self, sql):
        cur = self.con.cursor()
        cur.execute(sql)
        return cur.fetchall()


ENGINES = {"duckdb": DuckDb, "spark": Spark, "trino": Trino}


def run_loop(engine, step, sql):
    """Runs a loop step with {depth} = 1, 2, … until a run adds no row."""
    count = engine.count(step["table"])
    for depth in range(1, step["max_iterations"] + 1):
        engine.run(sql.replace(step["placeholder"], str(depth)))
        before, count = count, engine.count(step["table"])
        if count == before:
            break


def run_script(engine, script_dir, parquet_dir):
    """Runs the compiled script in `script_dir` on `engine`; returns the
    query's rows as dicts, ordered by `seq`, then rule."""
    manifest = json.loads(Path(script_dir, "manifest.json").read_text(encoding="utf-8"))
    created = sorted({s["table"] for s in manifest["steps"] if s["kind"] == "statement"})
    engine.load(parquet_dir, manifest["inputs"])
    engine.start(created)
    result = []
    try:
        for step in manifest["steps"]:
            sql = Path(script_dir, step["file"]).read_text(encoding="utf-8").strip().rstrip(";")
            if step["kind"] == "statement":
                engine.run(sql)
            elif step["kind"] == "loop":
                run_loop(engine, step, sql)
            else:
                result = engine.rows(sql)
    finally:
        engine.finish(created)
    result.sort(key=lambda r: (r[0], r[4] or ""))
    return [dict(zip(KEYS, row)) for row in result]


def write_rows(rows, out):
    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def target_of(script_dir):
    return json.loads(Path(script_dir, "manifest.json").read_text(encoding="utf-8"))["target"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", choices=sorted(ENGINES), required=True)
    ap.add_argument("script_dir")
    ap.add_argument("parquet_dir")
    ap.add_argument("out")
    args = ap.parse_args()
    target = target_of(args.script_dir)
    if target != args.engine:
        sys.exit(f"the script was compiled for {target}, not {args.engine}")
    engine = ENGINES[args.engine]()
    try:
        rows = run_script(engine, args.script_dir, args.parquet_dir)
    finally:
        engine.close()
    write_rows(rows, args.out)
    print(f"{len(rows)} rows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
