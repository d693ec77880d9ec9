"""Cost of the per-criterion expression (`critparse.expression`) in fast-mode parsing of legacy XML records.

    PYTHONPATH=src python bench/bench_expression.py [--records 3000]

Parses the first N records once with the expression builder stubbed out (recording its inputs), then
builds the expressions of those inputs with a cold template cache, twice. Prints CPU seconds of the
parse without expressions and of the expressions alone, and microseconds per item criterion.
"""

from __future__ import annotations

import argparse
import itertools
import time

import critparse.expression as expression
import critparse.parser as parser
from critparse.corpora import xml_records


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=3000)
    args = ap.parse_args()
    recs = list(itertools.islice(xml_records(), args.records))
    calls = []
    build = parser.criterion_expression
    parser.criterion_expression = lambda *a, **k: calls.append((a, k))
    parser.clear_fast_cache()
    t0 = time.process_time()
    list(parser.parse_many(recs, mode="fast"))
    base = time.process_time() - t0
    parser.criterion_expression = build
    for run in (1, 2):
        expression._template.cache_clear()
        t0 = time.process_time()
        for a, k in calls:
            build(*a, **k)
        dt = time.process_time() - t0
        print(f"run {run}: {len(recs)} records, fast parse without expressions {base:.2f} s CPU; expressions "
              f"{dt:.2f} s CPU over {len(calls)} item criteria ({1e6 * dt / max(1, len(calls)):.0f} us each, "
              f"{100 * dt / base:.0f} % of the parse)")


if __name__ == "__main__":
    main()
