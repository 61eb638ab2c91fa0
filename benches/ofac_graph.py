#!/usr/bin/env python3
"""An OFAC ownership graph for measuring the recursive `ofac_50` of
rules/sanctions-ftm against the same rule without recursion.

    python3 benches/ofac_graph.py OUT_DIR [--companies N] [--seed S]

writes OUT_DIR/entities.jsonl (records as `--input ftm` reads FtM entities:
snake-case types, every property a list) and OUT_DIR/direct/sanctions.rules
(rules/sanctions-ftm with `ofac_50` reading only listed owners: the direct
rule). The graph: N companies in chains of 1 to 20 (each company owned 30–70 %
by the one before it, the chain's head by a person), a few extra minority
stakes, cross-holdings (pairs owning each other 60 %), and 1 % of the owners
(persons and companies) listed by the topic `sanction`.

Run (release build):
    /usr/bin/time -v interdict check rules/sanctions-ftm OUT/entities.jsonl --as-of 2024-01-01 --format summary
    /usr/bin/time -v interdict check OUT/direct OUT/entities.jsonl --as-of 2024-01-01 --format summary
"""

import argparse
import json
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--companies", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n = args.companies
    persons = n // 4
    os.makedirs(os.path.join(args.out, "direct"), exist_ok=True)
    with open(os.path.join(args.out, "entities.jsonl"), "w") as f:
        write = lambda r: f.write(json.dumps(r, separators=(",", ":")) + "\n")
        for p in range(persons):
            r = {"id": f"p{p}", "type": "person", "name": [f"Person {p}"]}
            if rng.random() < 0.01:
                r["topics"] = ["sanction"]
            write(r)
        for c in range(n):
            r = {"id": f"c{c}", "type": "company", "name": [f"Company {c}"]}
            if rng.random() < 0.01:
                r["topics"] = ["sanction"]
            write(r)
        stakes = 0

        def stake(owner, asset, pct):
            nonlocal stakes
            write({"id": f"o{stakes}", "type": "ownership", "owner": [owner], "asset": [asset], "percentage": [pct]})
            stakes += 1

        c = 0
        while c < n:
            length = min(rng.randint(1, 20), n - c)
            stake(f"p{rng.randrange(persons)}", f"c{c}", rng.randint(20, 80))
            for i in range(c + 1, c + length):
                stake(f"c{i - 1}", f"c{i}", rng.randint(30, 70))
            c += length
        for c in range(n):
            if rng.random() < 0.5:
                owner = f"p{rng.randrange(persons)}" if rng.random() < 0.5 else f"c{rng.randrange(n)}"
                stake(owner, f"c{c}", rng.randint(5, 40))
            if rng.random() < 0.01 and c + 1 < n:
                stake(f"c{c}", f"c{c + 1}", 60)
                stake(f"c{c + 1}", f"c{c}", 60)
    with open(os.path.join(ROOT, "rules", "sanctions-ftm", "sanctions.rules")) as src:
        rules = src.read()
    recursive = " or owner is denied by ofac_50"
    if recursive not in rules:
        raise SystemExit("rules/sanctions-ftm: the recursive read of ofac_50 is not where it was")
    with open(os.path.join(args.out, "direct", "sanctions.rules"), "w") as dst:
        dst.write(rules.replace(recursive, ""))
    print(f"{persons} persons, {n} companies, {stakes} ownerships in {args.out}")


if __name__ == "__main__":
    main()
