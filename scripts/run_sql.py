#!/usr/bin/env python3
"""Runs a rule set compiled by `interdict compile --out DIR` on Spark, Trino or DuckDB.

    run_sql.py --engine spark   SCRIPT_DIR PARQUET_DIR OUT.jsonl   # needs pyspark (Spark >= 4.1)
    run_sql.py --engine trino   SCRIPT_DIR PARQUET_DIR OUT.jsonl   # needs the `trino` client
    run_sql.py --engine duckdb  SCRIPT_DIR PARQUET_DIR OUT.jsonl   # needs the `duckdb` module

SCRIPT_DIR holds `manifest.json` and one `NN-name.sql` per step (from
`interdict compile RULES --target spark|trino|duckdb --out SCRIPT_DIR`);
PARQUET_DIR holds the tables of `interdict export RECORDS --parquet DIR`.
The runner:

1. makes every input table the manifest lists readable under its name (Spark:
   a temporary view over `PARQUET_DIR/NAME.parquet`; DuckDB: a view over
   `read_parquet`; Trino: the tables must already exist in the session's
   catalog and schema — load the Parquet files there first, e.g. with a Hive
   or Iceberg catalog pointed at PARQUET_DIR);
2. runs the steps in order: a `statement` once; a `loop` with `{depth}`
   replaced by 1, 2, … until a run adds no row to its table (or
   `max_iterations` runs); the `query` last;
3. writes the query's rows as JSON Lines, one object per row: `seq`, `id`,
   `type`, `decision`, `rule`, `waived_by`, `witness`, ordered by `seq`, rule.

Tables the steps create are dropped first, so a second run starts clean.
Trino: set the catalog and schema with TRINO_CATALOG / TRINO_SCHEMA (default
memory / default) and the server with TRINO_HOST / TRINO_PORT / TRINO_USER.
"""
import argparse
import json
import os
import sys
from pathlib import Path


class Engine:
    def run(self, sql):
        raise NotImplementedError

    def rows(self, sql):
        raise NotImplementedError

    def count(self, table):
        return self.rows(f"SELECT COUNT(*) FROM {self.ident(table)}")[0][0]

    def ident(self, name):
        return '"' + name.replace('"', '""') + '"'


class DuckDb(Engine):
    def __init__(self, parquet_dir, inputs):
        import duckdb

        self.con = duckdb.connect()
        for name in inputs:
            path = str(Path(parquet_dir, name + ".parquet")).replace("'", "''")
            self.run(f"CREATE VIEW {self.ident(name)} AS SELECT * FROM read_parquet('{path}')")

    def run(self, sql):
        self.con.execute(sql)

    def rows(self, sql):
        return self.con.execute(sql).fetchall()


class Spark(Engine):
    def __init__(self, parquet_dir, inputs):
        from pyspark.sql import SparkSession

        self.spark = SparkSession.builder.appName("interdict").getOrCreate()
        for name in inputs:
            self.spark.read.parquet(str(Path(parquet_dir, name + ".parquet"))).createOrReplaceTempView(name)

    def ident(self, name):
        return "`" + name.replace("`", "``") + "`"

    def run(self, sql):
        self.spark.sql(sql).collect()

    def rows(self, sql):
        return [tuple(r) for r in self.spark.sql(sql).collect()]


class Trino(Engine):
    def __init__(self, parquet_dir, inputs):
        import trino

        self.con = trino.dbapi.connect(
            host=os.environ.get("TRINO_HOST", "localhost"),
            port=int(os.environ.get("TRINO_PORT", "8080")),
            user=os.environ.get("TRINO_USER", "interdict"),
            catalog=os.environ.get("TRINO_CATALOG", "memory"),
            schema=os.environ.get("TRINO_SCHEMA", "default"),
        )

    def run(self, sql):
        cur = self.con.cursor()
        cur.execute(sql)
        cur.fetchall()

    def rows(self, sql):
        cur = self.con.cursor()
        cur.execute(sql)
        return cur.fetchall()


ENGINES = {"duckdb": DuckDb, "spark": Spark, "trino": Trino}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", choices=sorted(ENGINES), required=True)
    ap.add_argument("script_dir")
    ap.add_argument("parquet_dir")
    ap.add_argument("out")
    args = ap.parse_args()
    manifest = json.loads(Path(args.script_dir, "manifest.json").read_text(encoding="utf-8"))
    if manifest["target"] != args.engine:
        sys.exit(f"the script was compiled for {manifest['target']}, not {args.engine}")
    engine = ENGINES[args.engine](args.parquet_dir, manifest["inputs"])
    created = {s["table"] for s in manifest["steps"] if s["kind"] == "statement"}
    for table in sorted(created):
        engine.run(f"DROP TABLE IF EXISTS {engine.ident(table)}")
    result = []
    for step in manifest["steps"]:
        sql = Path(args.script_dir, step["file"]).read_text(encoding="utf-8").strip().rstrip(";")
        if step["kind"] == "statement":
            engine.run(sql)
        elif step["kind"] == "loop":
            for depth in range(1, step["max_iterations"] + 1):
                before = engine.count(step["table"])
                engine.run(sql.replace(step["placeholder"], str(depth)))
                if engine.count(step["table"]) == before:
                    break
        else:
            result = engine.rows(sql)
    keys = ["seq", "id", "type", "decision", "rule", "waived_by", "witness"]
    result.sort(key=lambda r: (r[0], r[4] or ""))
    with open(args.out, "w", encoding="utf-8") as out:
        for row in result:
            out.write(json.dumps(dict(zip(keys, row))) + "\n")
    print(f"{len(result)} rows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
