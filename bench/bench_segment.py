"""Segmentation speed, two ways (one process, CPU seconds).

    python bench/bench_segment.py              # normalise + segment the 6,786 legacy XML records (needs the corpora)
    python bench/bench_segment.py --scaling    # growing synthetic inputs: is any layout super-linear?

`--scaling` builds each input shape (deep nesting, long lists, OR chains, label chains, unclosed brackets, one
huge line, ...) at n, 2n, 4n and 8n lines and times `segment` (and `normalize`) on it; a linear shape takes about
8 x as long at 8n as at n, a quadratic one 64 x.  A ratio above 16 is flagged.  No corpora needed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from typing import Callable, Dict

from critparse.normalize import normalize
from critparse.segment import segment

SHAPES: Dict[str, Callable[[int], str]] = {
    "deep nesting (indent)": lambda n: "".join(" " * (i % 1500) + f"- level {i}\n" for i in range(n)),
    "numbered list": lambda n: "Inclusion Criteria:\n" + "".join(f"{i}. Criterion {i}\n" for i in range(1, n + 1)),
    "label chain (A: B: C: ...)": lambda n: "".join(f"Label {i}:\n" for i in range(n)) + "- item\n",
    "colon chain (1. a: / a. b:)": lambda n: "".join(f"1. a{i}:\na. b{i}:\n" for i in range(n // 2)) + "- x\n",
    "restarted sub-lists then 3.": lambda n: "".join(f"1. a{i}:\n" for i in range(n // 2)) + "3. x\n" * (n // 2),
    "OR chain": lambda n: "".join(f"- item {i}\nOR\n" for i in range(n)),
    "permission labels": lambda n: "Concurrent Medication:\n" + "".join(f"Allowed:\n- drug {i}\n" for i in range(n)),
    "sentences in one paragraph": lambda n: "Inclusion criteria: " + " ".join(f"Age over {i}." for i in range(n)),
    "unclosed bracket paragraph": lambda n: "( " + " ".join(f"Patients must have item {i}." for i in range(n)),
    "one huge line": lambda n: "word " * (n * 10),
    "hard-wrapped item": lambda n: "- " + "".join(f"    continued text {i}\n" for i in range(n)),
    "headings": lambda n: "".join(f"Inclusion Criteria:\n- a {i}\nExclusion Criteria:\n- b {i}\n" for i in range(n // 2)),
    "roman after letters": lambda n: "".join(" " * (i % 50) + "i. x\n" for i in range(n)),
    "run-together NCI text": lambda n: "PATIENT CHARACTERISTICS: " + " ".join(f"Age: {i} Hepatic: fine" for i in range(n)),
    "sub-headings": lambda n: "".join(f"Medical Conditions\n\n{i}. Has condition {i}\n\n" for i in range(1, n + 1)),
    "blank lines": lambda n: "\n" * (n * 10) + "x",
}


def scaling(base: int) -> None:
    print(f"{'shape':30s} {'n=' + str(base):>9s} {'2n':>9s} {'4n':>9s} {'8n':>9s}  8n/n  (segment ms; normalise 8n ms)")
    for name, make in SHAPES.items():
        ts = []
        for k in (1, 2, 4, 8):
            text = make(base * k)
            t0 = time.process_time()
            nt = normalize(text)
            t1 = time.process_time()
            segment(nt)
            ts.append(time.process_time() - t1)
            norm = t1 - t0
        ratio = ts[-1] / max(ts[0], 1e-4)
        flag = "  <-- super-linear?" if ratio > 16 else ""
        print(f"{name:30s} " + " ".join(f"{t * 1000:9.1f}" for t in ts) + f"  {ratio:4.1f}  ({norm * 1000:.0f}){flag}",
              flush=True)


def corpus() -> None:
    from critparse import glue
    from critparse.config import corpora_dir

    path = corpora_dir() / "ctgov_xml_2023/derived/eligibility.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line).get("criteria") or "" for line in f]
    t0 = time.process_time()
    glue.vocab(), glue.english(), glue._common()
    t1 = time.process_time()
    nts = [normalize(t) for t in texts]
    t2 = time.process_time()
    n = sum(len(segment(nt)) for nt in nts)
    t3 = time.process_time()
    chars = sum(map(len, texts))
    print(f"{len(texts)} records, {chars / 1e6:.1f} M chars, {n} criteria")
    print(f"load vocabularies {t1 - t0:.2f} s | normalise {t2 - t1:.2f} s | segment {t3 - t2:.2f} s | "
          f"total {t3 - t1:.2f} s CPU ({(t3 - t1) / len(texts) * 1000:.2f} ms/record; "
          f"500,000 records ~ {(t3 - t1) / len(texts) * 500_000 / 60:.0f} min on one core)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scaling", action="store_true", help="growing synthetic inputs instead of the corpus")
    ap.add_argument("--n", type=int, default=1000, help="smallest size for --scaling (lines or items)")
    args = ap.parse_args()
    if args.scaling:
        scaling(args.n)
    else:
        corpus()


if __name__ == "__main__":
    main()
