#!/usr/bin/env python3
"""Compares the rows of a compiled SQL run with `interdict check --format json`.

    compare_sql.py SQL_ROWS.jsonl CHECK.jsonl MANIFEST.json

SQL_ROWS.jsonl is what `interdict compile --run` or `scripts/run_sql.py`
wrote; CHECK.jsonl is `interdict check RULES RECORDS --format json --as-of D`
on the same records and day; MANIFEST.json is from `interdict compile --out`
(its `witnessed_rules` say which rules carry a witness id). Per record it
compares the decision and, per fired or waived rule, the exemption that waived
it and the witness: the element of the rule's first `any` that held, as
`check`'s evidence shows it. Prints the first mismatches and a count; exits 1
when any record differs or is missing from either side.
"""
import json
import sys
from collections import defaultdict


def first_any_witness(facts):
    for fact in facts:
        if fact["kind"] == "quantifier" and fact.get("quantifier") == "any" and fact["holds"] and fact.get("witness"):
            w = fact["witness"]
            return w.get("record") or w.get("unresolved") or w.get("value")
        if fact["kind"] == "call":
            found = first_any_witness(fact.get("evidence", []))
            if found:
                return found
    return None


class Comparison:
    """What `compare` found: verdicts seen, records that differ, records
    only in the SQL rows, and a line for each of the first differences."""

    def __init__(self):
        self.seen = self.mismatches = self.only_sql = 0
        self.lines = []

    @property
    def same(self):
        return not self.mismatches and not self.only_sql

    def summary(self):
        return f"{self.seen} verdicts, {self.mismatches} mismatches, {self.only_sql} records only in SQL"


def sql_verdicts(sql_rows, witnessed):
    """Per record id: [decision, {rule: (waived_by, witness)}]."""
    got = defaultdict(lambda: [None, {}])
    for line in open(sql_rows, encoding="utf-8"):
        row = json.loads(line)
        record = got[row["id"]]
        record[0] = row["decision"]
        if row["rule"]:
            witness = row["witness"] if row["rule"] in witnessed else None
            record[1][row["rule"]] = (row["waived_by"], witness)
    return got


def compare(sql_rows, check, manifest):
    witnessed = set(json.load(open(manifest, encoding="utf-8"))["witnessed_rules"])
    got = sql_verdicts(sql_rows, witnessed)
    result = Comparison()
    for line in open(check, encoding="utf-8"):
        verdict = json.loads(line)
        if verdict["kind"] != "verdict":
            continue
        result.seen += 1
        want = {}
        for key, waived in (("fired", False), ("waived", True)):
            for r in verdict[key]:
                witness = first_any_witness(r["evidence"]) if r["rule"] in witnessed else None
                want[r["rule"]] = (r["waived_by"] if waived else None, witness)
        if got.pop(verdict["id"], None) != [verdict["decision"], want]:
            result.mismatches += 1
            if result.mismatches <= 5:
                result.lines.append(f"mismatch {verdict['id']}: check {verdict['decision']} {want}")
    result.only_sql = len(got)
    result.lines += [f"only in SQL: {extra}" for extra in list(got)[:5]]
    return result


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().split("\n\n")[1])
    result = compare(*sys.argv[1:])
    for line in result.lines:
        print(line)
    print(result.summary())
    sys.exit(0 if result.same else 1)


if __name__ == "__main__":
    main()
