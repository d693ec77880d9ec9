"""Benchmark: many synthetic FHIR patients against a `critparse batch` output, set-wise vs per pair.

    critparse batch /work/shared/corpora/ctgov_xml_2023/original --out /tmp/xmlbatch --mode fast
    python bench/bench_match.py --trials /tmp/xmlbatch --patients 1000 [--out bench/RESULTS_match.md]

Stages timed (wall and CPU seconds of this process, including DuckDB/Arrow threads):
reading the trials from the batch tables, reading the generated FHIR Bundles (validated with
fhir.resources), matching set-wise (`critparse.matching.run.match_arrow`: every patient x every
trial, ranked) and writing the matches table (Parquet). The per-pair baseline is the loop a user
would write: `critparse.screen(trial, patient)` for each pair, timed on an even sample of pairs
(every k-th trial x the first patients), extrapolated to all pairs and stated as such; the sample's
verdicts, failed criteria and missing data are compared with the set-wise rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path

AS_OF = "2026-12-01"


class Clock:
    def __init__(self) -> None:
        self.rows = []

    def stage(self, name, fn):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        self.rows.append((name, time.perf_counter() - w, time.process_time() - c))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", default="/tmp/xmlbatch", help="a `critparse batch` output folder")
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--pair-trials", type=int, default=100, help="trials in the per-pair sample")
    ap.add_argument("--pair-patients", type=int, default=20, help="patients in the per-pair sample")
    ap.add_argument("--out", default=None, help="write the report (Markdown) here too")
    a = ap.parse_args()

    import critparse
    from critparse.fhir_patient import read_bundle
    from critparse.inputs import validate_patient
    from critparse.matching.patients import PatientRecord
    from critparse.matching.run import match_arrow, write_tables
    from critparse.matching.synthetic import random_bundles
    from critparse.matching.trials import read_trials

    load0 = os.getloadavg()
    clock = Clock()
    trials = clock.stage("read trials (batch tables -> ParsedTrial)", lambda: list(read_trials(a.trials)))
    bundles = list(random_bundles(a.patients, seed=0, as_of=AS_OF))

    def read():
        out = []
        for b in bundles:
            fp = read_bundle(b, AS_OF)
            out.append(PatientRecord(fp.id, "generated", validate_patient(fp.patient), fp))
        return out

    records = clock.stage("read FHIR bundles (validated)", read)
    table = clock.stage("match set-wise (all pairs, ranked)", lambda: match_arrow(records, trials))
    tmp = Path(tempfile.mkdtemp(prefix="bench_match_"))
    clock.stage("write matches (Parquet)", lambda: write_tables(tmp, "parquet", {"matches": table}))
    setwise = clock.rows[:]

    step = max(1, len(trials) // a.pair_trials)
    sample_trials = trials[::step][:a.pair_trials]
    sample_patients = records[:a.pair_patients]
    rows = {}
    want = {(p.id, t.trial_id) for t in sample_trials for p in sample_patients}
    for r in table.select(["patient_id", "trial_id", "verdict", "failed", "missing"]).to_pylist():
        if (r["patient_id"], r["trial_id"]) in want:
            rows[(r["patient_id"], r["trial_id"])] = r

    def loop():
        out = {}
        for t in sample_trials:
            for p in sample_patients:
                out[(p.id, t.trial_id)] = critparse.screen(t, p.patient)
        return out

    results = clock.stage(f"per-pair screen loop (sample {len(sample_patients)} x {len(sample_trials)})", loop)
    differ = 0
    for (pid, tid), res in results.items():
        t = next(x for x in sample_trials if x.trial_id == tid)
        parents = {c.parent for c in t.criteria}
        failed = [c.criterion for c in res.criteria if c.eligible is False and c.criterion not in parents]
        r = rows[(pid, tid)]
        differ += (res.verdict, failed, sorted(res.missing)) != (r["verdict"], list(r["failed"]), sorted(r["missing"]))
    load1 = os.getloadavg()

    pairs = len(trials) * len(records)
    sample_pairs = len(results)
    _, loop_wall, loop_cpu = clock.rows[-1]
    per_pair = loop_wall / sample_pairs
    total_wall = sum(w for _, w, _ in setwise)
    total_cpu = sum(c for _, _, c in setwise)
    match_wall = next(w for n, w, _ in setwise if n.startswith("match"))
    verdicts = {v["values"]: v["counts"] for v in table["verdict"].value_counts().to_pylist()}
    lines = [
        "# critparse match benchmark", "",
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: nproc = {os.cpu_count()}, "
        f"load average {load0[0]:.2f} at start, {load1[0]:.2f} at end (the cores are shared: wall time "
        "moves with the other work, CPU time much less)",
        f"- Python {platform.python_version()}; trials: `{a.trials}` ({len(trials):,} parsed trials); patients: "
        f"{len(records):,} synthetic FHIR R4 bundles (critparse.matching.synthetic, seed 0), as of {AS_OF}",
        "- command: `python bench/bench_match.py --trials " + a.trials + f" --patients {a.patients}`", "",
        "| stage | wall s | CPU s |", "|---|--:|--:|",
        *[f"| {n} | {w:.1f} | {c:.1f} |" for n, w, c in clock.rows],
        f"| **set-wise total (read, match, write)** | **{total_wall:.1f}** | **{total_cpu:.1f}** |", "",
        f"- pairs: {pairs:,} ({len(records):,} patients x {len(trials):,} trials); verdicts: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(verdicts.items())),
        f"- per-pair loop: {sample_pairs:,} pairs in {loop_wall:.1f} s wall ({loop_cpu:.1f} s CPU), "
        f"{per_pair * 1000:.2f} ms per pair; **extrapolated** to all {pairs:,} pairs: "
        f"{per_pair * pairs / 60:.0f} min ({per_pair * pairs:,.0f} s)",
        f"- ratio: set-wise matching is **{per_pair * pairs / match_wall:,.0f} x** the per-pair loop "
        f"(match stage alone), **{per_pair * pairs / total_wall:,.0f} x** end to end (wall, same run)",
        f"- target: all pairs in under 120 s on 2 cores: set-wise end to end {total_wall:.1f} s wall "
        f"({'met' if total_wall < 120 else 'NOT met'}), {total_cpu:.1f} s CPU",
        f"- agreement on the sample: {sample_pairs - differ:,} of {sample_pairs:,} pairs give the same verdict, "
        "failed criteria and missing data in both",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if a.out:
        Path(a.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
