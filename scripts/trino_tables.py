#!/usr/bin/env python3
"""Prints the Trino statements that make an export's Parquet tables readable.

    trino_tables.py PARQUET_DIR LOCATION > tables.sql

PARQUET_DIR holds the tables of `interdict export RECORDS --parquet DIR`;
LOCATION is where their copies are, one folder per table, as a Hive
connector reads them: `LOCATION/person/person.parquet`, … (a Hive table is
a folder, not a file). Prints, for each table, a `CREATE TABLE NAME (…)
WITH (external_location = 'LOCATION/NAME', format = 'PARQUET')` with the
columns read from the file (needs the `duckdb` module; DuckDB's names for
the exported column types — VARCHAR, BIGINT, DOUBLE, BOOLEAN — are Trino's).
Run them in the catalog and schema the compiled script runs in (see "Trino"
in docs/sql.md).
"""
import sys
from pathlib import Path


def table_statements(parquet_dir, location):
    import duckdb

    con = duckdb.connect()
    statements = []
    for file in sorted(Path(parquet_dir).glob("*.parquet")):
        path = str(file).replace("'", "''")
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
        columns = ",\n".join(f'  "{name.replace(chr(34), chr(34) * 2)}" {kind}' for name, kind, *_ in described)
        where = f"{location.rstrip('/')}/{file.stem}".replace("'", "''")
        statements.append(
            f'CREATE TABLE "{file.stem}" (\n{columns}\n)\n'
            f"WITH (external_location = '{where}', format = 'PARQUET');\n"
        )
    return statements


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().split("\n\n")[1])
    sys.stdout.write("\n".join(table_statements(*sys.argv[1:])))


if __name__ == "__main__":
    main()
