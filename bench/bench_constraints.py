"""Fast-mode constraint extraction on one long criterion with many comparisons (issue 10: was quadratic).

    PYTHONPATH=src python bench/bench_constraints.py [--sizes 25000 50000 100000 200000]

Prints, per input size, the seconds `critparse.constraints.extract` takes on "creatinine less than
2 mg/dL and ..." repeated to that many characters, and the seconds per 1,000 characters (flat when linear).
"""

from __future__ import annotations

import argparse
import time

from critparse.constraints import extract

UNIT = "creatinine less than 2 mg/dL and "


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000, 200_000])
    args = ap.parse_args()
    extract(UNIT)  # compile the patterns once
    for n in args.sizes:
        text = (UNIT * (n // len(UNIT) + 1))[:n]
        t0 = time.perf_counter()
        got = extract(text)
        dt = time.perf_counter() - t0
        print(f"{n:>8} chars  {len(got):>6} constraints  {dt:7.2f} s  {1000 * dt / n * 1000:6.2f} ms/1k chars")


if __name__ == "__main__":
    main()
