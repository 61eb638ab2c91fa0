#!/usr/bin/env python3
"""A contact ring for measuring `{1..}` closures: N people, each one's
`contacts` a one-element list naming the next, the last one KR.

    python3 benches/ring/ring.py 100000 > /tmp/ring-100k.jsonl
    interdict check benches/ring/closure /tmp/ring-100k.jsonl --format json
    interdict check benches/ring/two-hops /tmp/ring-100k.jsonl --format json
    interdict check benches/ring/none /tmp/ring-100k.jsonl --format json

`closure` and `none` are judged for the whole store at once (linear);
`two-hops` walks two hops from each record.
"""

import sys


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out = sys.stdout
    for i in range(n):
        nationality = "KR" if i == n - 1 else "CN"
        out.write(
            f'{{"id":"p{i}","type":"person","nationality":"{nationality}","contacts":["p{(i + 1) % n}"]}}\n'
        )


if __name__ == "__main__":
    main()
