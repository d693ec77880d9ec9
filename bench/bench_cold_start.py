"""Cold start: a fresh Python process from ``import critparse`` to its first full-mode result.

    python bench/bench_cold_start.py [--runs 5] [--mode full]

Each run is a new interpreter (``sys.executable``, so run it with the project's venv and
``PYTHONPATH=src`` for a checkout) that times, in wall-clock and CPU seconds of its own
process: ``import critparse``, ``critparse.load(mode)`` (model, rule components, rule
resources), and the first ``critparse.parse`` of the demo seed trial.  Printed: each run, then
the best and the median per phase, and the machine's load average (the cores are shared:
CPU seconds are the steadier figure; the issue 14 target is <= 3 s wall on an idle machine).
A first, uncounted run writes what an installed copy has after its first use (bytecode, the user
caches); the runs keep ``PYTHONDONTWRITEBYTECODE`` out of their environment (see `_env`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "NCT04532203.eligibility.md"

ONE_RUN = r"""
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
import critparse
w1, c1 = time.perf_counter(), time.process_time()
nlp = critparse.load(sys.argv[1])
w2, c2 = time.perf_counter(), time.process_time()
parsed = critparse.parse(open(sys.argv[2], encoding="utf-8").read(), trial_id="NCT04532203", nlp=nlp, mode=sys.argv[1])
w3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({"import": [w1 - w0, c1 - c0], "load": [w2 - w1, c2 - c1], "first parse": [w3 - w2, c3 - c2],
                  "total": [w3 - w0, c3 - c0], "entities": len(parsed.entities), "constraints": len(parsed.constraints)}))
"""

PHASES = ("import", "load", "first parse", "total")


def _env() -> dict:
    """The child's environment as an installed user's: bytecode is written and reused (pip compiles a
    wheel's modules at install time; ``PYTHONDONTWRITEBYTECODE``, set on the build machine, would
    make every cold start compile critparse's ~50 modules from source again, 0.2-0.4 s)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def one_run(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", ONE_RUN, mode, str(SEED)], capture_output=True, text=True, check=True,
                         env=_env())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mode", default="full", choices=("full", "fast"))
    args = ap.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; mode {args.mode}; {args.runs} runs")
    one_run(args.mode)  # not counted: writes the bytecode and the user caches (linking indexes, pint) if absent
    runs = []
    for i in range(args.runs):
        r = one_run(args.mode)
        runs.append(r)
        print(f"run {i + 1}: " + ", ".join(f"{p} {r[p][0]:.2f} s ({r[p][1]:.2f} CPU)" for p in PHASES)
              + f"; {r['entities']} entities, {r['constraints']} constraints")
    print("| phase | best wall s | median wall s | best CPU s | median CPU s |")
    print("|---|--:|--:|--:|--:|")
    for p in PHASES:
        walls, cpus = [r[p][0] for r in runs], [r[p][1] for r in runs]
        print(f"| {p} | {min(walls):.2f} | {statistics.median(walls):.2f} | {min(cpus):.2f} | {statistics.median(cpus):.2f} |")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
