"""Cost of entity linking in full mode, in one process (same machine load for both runs).

    python bench/bench_linking.py [--lines N] [--repeat R]

Parses the first N Chia criterion lines (`critparse.parse_many`, full mode, doc cache cleared per
run) three ways: without linking (`parser._codes` stubbed), with linking and every mention new
(`critparse.linking` mention cache cleared), and with linking once the mentions have been seen.
Words = whitespace-separated words of the input.  The indexes are loaded before timing.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1500)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()

    import critparse
    import critparse.linking as L
    import critparse.parser as P
    from critparse.config import corpora_dir
    from critparse.train.brat import read_lines

    lines = []
    for ln in read_lines(corpora_dir() / "chia/original/chia_without_scope_trainval.zip"):
        lines.append(ln.text)
        if len(lines) >= a.lines:
            break
    words = sum(len(t.split()) for t in lines)
    nlp = critparse.load("full")
    items = [(t, None, None) for t in lines]

    def run() -> float:
        P.clear_doc_cache()
        t = time.perf_counter()
        list(P.parse_many(items, nlp=nlp))
        return time.perf_counter() - t

    t0 = time.perf_counter()
    L.icd10cm.index()
    L.drugs.index()
    load_s = time.perf_counter() - t0
    codes = P._codes
    P._codes = lambda mention, label, expansion: []
    off = min(run() for _ in range(a.repeat))
    P._codes = codes
    cold = []
    for _ in range(a.repeat):
        L._link.cache_clear()
        cold.append(run())
    warm = min(run() for _ in range(a.repeat))
    print(json.dumps({"lines": len(lines), "words": words, "index_load_s": round(load_s, 2),
                      "wps_without_linking": round(words / off), "wps_linking_new_mentions": round(words / min(cold)),
                      "wps_linking_seen_mentions": round(words / warm),
                      "distinct_mentions": L._link.cache_info().currsize}, indent=1))


if __name__ == "__main__":
    main()
