"""Batch throughput of critparse against the bare spaCy tokenizer and medspaCy, in one run.

    nice python bench/bench_batch.py [--input PATH] [--limit N] [--medspacy-limit M]
                                     [--workers W] [--stages a,b,...] [--results bench/RESULTS.md]
                                     (the run is written on top of that file; earlier runs stay below)

Corpus: the studies of ``ctgov_xml_2023/derived/eligibility.jsonl.gz`` (6,786
legacy-XML records; field ``criteria``), the first ``--limit`` of them.  Words
= whitespace-separated words of the criteria text.  Every row below is
measured in the same run of this script, each in a fresh Python process (so
its peak memory is its own):

- ``blank``: ``spacy.blank("en")`` tokenizer, ``nlp.pipe`` over the texts (the ceiling);
- ``medspacy``: ``medspacy.load()`` (PyRuSH sentences, target matcher, ConText)
  over an even sample of ``--medspacy-limit`` studies (it is slow); its
  studies/s and words/s are per study / per word of that sample, i.e.
  extrapolated to the whole corpus;
- ``fast-1`` / ``full-1``: ``critparse.parser.parse_many`` single-process
  (fast mode: rule layers only; full mode: rules + trained NER);
- ``fast-e1`` / ``full-e1``: the batch engine end to end (as ``fast-N`` below) with ``workers=1``,
  i.e. in this process: the engine's own cost against ``parse_many`` (issue 14: >= 0.7 x);
- ``blank-N`` / ``medspacy-N``: the same work in a ``multiprocessing.Pool``
  of N processes over chunks (only counts come back, no Docs);
- ``fast-N`` / ``full-N``: the batch engine end to end,
  ``critparse.batch.engine.run_batch(input, out, mode=..., workers=N,
  fmt="parquet")``: reading the gzip, worker start-up and model loading,
  parsing, writing and merging the Parquet tables are all inside the time.
- ``fast-Nh`` / ``full-Nh``: the same over the first half of the records: the difference from ``-N`` is
  what the second half's (other) studies cost once the run is going, without the one-off costs (imports,
  model loading, worker start, the last chunk's wait): the whole-registry estimate is ``-N``'s time plus
  the rest of the registry at that marginal rate.  (Reading the same records twice would not do: the
  parser's caches would make the second pass cheaper than new records are.)

Single-process rows (``blank``, ``medspacy``, ``fast-1``, ``full-1``) run pinned to the same
core (``--no-pin`` to run them unpinned), and time the parse only (model loading is the ``load s``
column).  Peak memory is ``resource.getrusage(...).ru_maxrss`` of the stage's
own process and, for pool / engine rows, of its largest child process.
medspaCy's PyRuSH logs every sentence at DEBUG level through loguru by default;
the benchmark lowers loguru to WARNING first (a user would too), otherwise
medspaCy would mostly measure writing logs to stderr.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import datetime as _dt  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from itertools import islice  # noqa: E402
from pathlib import Path  # noqa: E402

STAGES = ("blank", "blank-N", "medspacy", "medspacy-N", "fast-1", "full-1", "fast-e1", "full-e1", "fast-N", "full-N",
          "fast-Nh", "full-Nh")
TARGET_STUDIES = 560_000


def default_input() -> Path:
    try:
        from critparse.config import corpora_dir

        base = corpora_dir()
    except Exception:  # noqa: BLE001
        base = Path(__file__).resolve().parents[2] / "shared" / "corpora"
    return base / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"


def load_studies(path: Path, limit: int | None):
    """(nct_id, criteria) of the first `limit` records; records without criteria are counted apart."""
    studies, empty = [], 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in islice(fh, limit):
            r = json.loads(line)
            text = r.get("criteria") or ""
            if text.strip():
                studies.append((r["nct_id"], text))
            else:
                empty += 1
    return studies, empty


def even_sample(items, k: int):
    if k >= len(items):
        return list(items)
    step = len(items) / k
    return [items[int(i * step)] for i in range(k)]


def words(texts) -> int:
    return sum(len(t.split()) for t in texts)


def quiet_medspacy_logs() -> None:
    try:
        from loguru import logger

        logger.remove()
        logger.add(sys.stderr, level="WARNING")
    except ImportError:
        pass


def maxrss_mb(who) -> float:
    kb = resource.getrusage(who).ru_maxrss  # kilobytes on Linux
    return kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0


def cpu_s() -> float:
    """user + system CPU seconds of this process and its reaped children."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def machine_busy_s() -> float | None:
    """CPU seconds all processes of the machine have used since boot (from /proc/stat), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------ pool workers --

_NLP = None


def _pool_init(kind: str) -> None:
    global _NLP
    import spacy

    if kind == "blank":
        _NLP = spacy.blank("en")
    else:
        quiet_medspacy_logs()
        import medspacy

        _NLP = medspacy.load()


def _pool_work(texts) -> int:
    return sum(len(doc) for doc in _NLP.pipe(texts, batch_size=64))


def _chunks(items, n):
    for i in range(0, len(items), n):
        yield items[i:i + n]


# ------------------------------------------------------------------ stages --

SINGLE = ("blank", "medspacy", "fast-1", "full-1")


def pin_one_core() -> None:
    """Pin this process to one core, the same for every single-process stage (no migrations
    between cores mid-run; the ratios compare like with like)."""
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    except (AttributeError, OSError):  # not Linux: run unpinned
        pass


def run_stage(stage: str, args) -> dict:
    """Run one stage in this process; return its measurements."""
    studies, empty = load_studies(Path(args.input), args.limit)
    texts = [t for _, t in studies]
    res = {"stage": stage, "studies": len(texts), "words": words(texts), "load_s": 0.0, "extrapolated": False}
    workers = args.workers or os.cpu_count() or 1
    if stage in ("medspacy", "medspacy-N"):
        sample = even_sample(studies, args.medspacy_limit)
        texts = [t for _, t in sample]
        res.update(studies=len(texts), words=words(texts), extrapolated=len(texts) < len(studies))
    c0 = None  # CPU seconds at the start of the timed part
    if stage in SINGLE and not args.no_pin:
        pin_one_core()
    if stage in ("blank", "medspacy"):
        t0 = time.perf_counter()
        if stage == "blank":
            import spacy

            nlp = spacy.blank("en")
        else:
            quiet_medspacy_logs()
            import medspacy

            nlp = medspacy.load()
        res["load_s"] = time.perf_counter() - t0
        c0, t0 = cpu_s(), time.perf_counter()
        n_tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=64))
        res["seconds"] = time.perf_counter() - t0
        res["tokens"] = n_tokens
    elif stage in ("blank-N", "medspacy-N"):
        import multiprocessing as mp

        kind = stage.split("-")[0]
        c0, t0 = cpu_s(), time.perf_counter()
        with mp.get_context("spawn").Pool(workers, initializer=_pool_init, initargs=(kind,)) as pool:
            n_tokens = sum(pool.imap_unordered(_pool_work, _chunks(texts, 50 if kind == "blank" else 10)))
        res["seconds"] = time.perf_counter() - t0
        res["tokens"] = n_tokens
        res["workers"] = workers
        res["note"] = "pool start-up and pipeline loading included"
    elif stage in ("fast-1", "full-1"):
        import critparse
        from critparse.parser import parse_many

        mode = stage.split("-")[0]
        t0 = time.perf_counter()
        nlp = critparse.load(mode)
        res["load_s"] = time.perf_counter() - t0
        c0, t0 = cpu_s(), time.perf_counter()
        n_constraints = 0
        for trial in parse_many(((text, nct, None) for nct, text in studies), nlp=nlp, mode=mode):
            n_constraints += len(trial.constraints)
        res["seconds"] = time.perf_counter() - t0
        res["constraints"] = n_constraints
    elif stage in ("fast-N", "full-N", "fast-e1", "full-e1", "fast-Nh", "full-Nh"):
        from critparse.batch.engine import run_batch

        mode = stage.split("-")[0]
        workers = 1 if stage.endswith("-e1") else workers
        limit = args.limit
        if stage.endswith("-Nh"):  # the first half of the records
            limit = (len(studies) + empty) // 2
            half, _ = load_studies(Path(args.input), limit)
            res.update(studies=len(half), words=words(t for _, t in half))
        with tempfile.TemporaryDirectory(prefix="bench_batch_") as out:
            c0, t0 = cpu_s(), time.perf_counter()
            s = run_batch(args.input, out, mode=mode, workers=workers, fmt="parquet", progress=False, limit=limit)
            res["seconds"] = time.perf_counter() - t0
            res["cpu_s"] = cpu_s() - c0  # before the temporary folder is deleted
        res.update(workers=workers, constraints=s.constraints, read=s.read, parsed=s.parsed,
                   failed=s.failed, empty_records=s.empty,
                   note="run_batch end to end: read gzip, spawn workers, load models, parse, write + merge Parquet")
        # run_batch reads every record, including those without criteria (trivial rows)
        res["studies_read"] = s.read
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    if "cpu_s" not in res and c0 is not None:
        res["cpu_s"] = cpu_s() - c0
    res["rss_mb"] = maxrss_mb(resource.RUSAGE_SELF)
    # children only matter where the stage has worker processes (pool / engine rows)
    res["rss_children_mb"] = maxrss_mb(resource.RUSAGE_CHILDREN) if stage.endswith(("-N", "-Nh")) else 0.0
    res["empty_in_limit"] = empty
    return res


def spawn_stage(stage: str, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--stage", stage, "--input", str(args.input),
           "--medspacy-limit", str(args.medspacy_limit)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.no_pin:
        cmd += ["--no-pin"]
    b0, w0 = machine_busy_s(), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    b1, w1 = machine_busy_s(), time.perf_counter()
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-4000:])
        raise SystemExit(f"stage {stage} failed (exit {p.returncode})")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = ru.ru_utime + ru.ru_stime  # every stage process so far, with its own children
    if b0 is not None and b1 is not None:
        # cores that other processes of the machine kept busy while this stage ran (its whole wall time)
        res["other_cores"] = max(0.0, ((b1 - b0) - (own - spawn_stage.own)) / (w1 - w0))
    spawn_stage.own = own
    return res


spawn_stage.own = 0.0


# ------------------------------------------------------------------ report --

def versions() -> dict:
    import spacy

    v = {"python": platform.python_version(), "spacy": spacy.__version__}
    for name in ("medspacy", "critparse"):
        try:
            from importlib.metadata import version

            v[name] = version(name)
        except Exception:  # noqa: BLE001
            v[name] = "?"
    return v


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def render(results: dict, args, meta: dict) -> str:
    base = results.get("blank")
    med = results.get("medspacy")
    rows = []
    head = ("| run | studies | words | time s | studies/s | words/s | x blank (1 proc) | x medspaCy (1 proc) | load s "
            "| CPU s | other load | peak RSS MB | largest child RSS MB |")
    rows.append(head)
    rows.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    label = {
        "blank": "spaCy `blank(\"en\")` tokenizer, 1 process",
        "blank-N": f"spaCy `blank(\"en\")` tokenizer, Pool of {meta['workers']}",
        "medspacy": "`medspacy.load()`, 1 process (sample)",
        "medspacy-N": f"`medspacy.load()`, Pool of {meta['workers']} (sample)",
        "fast-1": "critparse fast, `parse_many`, 1 process",
        "full-1": "critparse full, `parse_many`, 1 process",
        "fast-e1": "critparse fast, `run_batch` workers=1",
        "full-e1": "critparse full, `run_batch` workers=1",
        "fast-N": f"critparse fast, `run_batch` workers={meta['workers']}",
        "full-N": f"critparse full, `run_batch` workers={meta['workers']}",
        "fast-Nh": f"critparse fast, `run_batch` workers={meta['workers']}, first half of the records",
        "full-Nh": f"critparse full, `run_batch` workers={meta['workers']}, first half of the records",
    }
    for st in STAGES:
        r = results.get(st)
        if not r:
            continue
        sps = r["studies"] / r["seconds"]
        wps = r["words"] / r["seconds"]
        xb = f"{sps / (base['studies'] / base['seconds']):.2f}" if base else "-"
        xm = f"{sps / (med['studies'] / med['seconds']):.1f}" if med else "-"
        name = label[st] + (" *" if r.get("extrapolated") else "")
        child = f"{r['rss_children_mb']:,.0f}" if r["rss_children_mb"] else "-"
        rows.append(f"| {name} | {r['studies']:,} | {r['words']:,} | {r['seconds']:.1f} | {sps:,.1f} | {wps:,.0f} "
                    f"| {xb} | {xm} | {r['load_s']:.1f} | {r.get('cpu_s', 0):.1f} | {r.get('other_cores', 0):.2f} "
                    f"| {r['rss_mb']:,.0f} | {child} |")
    lines = ["# critparse batch benchmark", ""]
    lines.append(f"- date: {meta['date']}")
    lines.append(f"- machine: `nproc` = {meta['nproc']} ({meta['cpu']}), load average at start {meta['load']}; "
                 "the cores are shared with other work, so absolute numbers move between runs")
    lines.append(f"- versions: Python {meta['versions']['python']}, spaCy {meta['versions']['spacy']}, "
                 f"medspaCy {meta['versions']['medspacy']}, critparse {meta['versions']['critparse']}")
    lines.append(f"- corpus: `{meta['input']}`, first {meta['n_records']:,} records; {meta['n_studies']:,} with criteria "
                 f"text ({meta['n_empty']} without), {meta['n_words']:,} words, {meta['n_words'] / max(1, meta['n_studies']):.0f} words per study")
    lines.append(f"- command: `{meta['command']}`")
    lines.append("")
    lines += rows
    lines.append("")
    if med:
        lines.append(f"\\* medspaCy ran on an even sample of {med['studies']:,} of the {meta['n_studies']:,} studies "
                     "(every k-th study); its studies/s and words/s are per study and per word of that sample, "
                     "extrapolated to the corpus, and the x medspaCy ratios use that rate.")
    lines.append("Single-process rows run pinned to one core (the same for all) and time the parse only (model loading is `load s`); the `run_batch` rows time the "
                 "engine end to end (reading the gzip, spawning workers, loading the model in each, parsing, writing "
                 "and merging the Parquet tables; it also reads the records without criteria). "
                 "`CPU s` is user + system time of the stage's process and its workers over the timed part; "
                 "`other load` is the average number of cores that *other* processes of the machine kept busy "
                 "while the stage ran (from /proc/stat): with 2 cores, anything near 1 means the stage had one "
                 "core, not two. Peak RSS is `ru_maxrss` of the stage's own process and of its largest child.")
    lines.append("")
    lines.append("## Targets (ratios from this run)")
    lines.append("")
    tgt = []
    if base and "fast-1" in results:
        f1 = results["fast-1"]
        r = (f1["studies"] / f1["seconds"]) / (base["studies"] / base["seconds"])
        tgt.append(f"- fast mode >= 0.3 x the bare tokenizer's studies/s (single process each): **{r:.2f} x** -> "
                   f"{'met' if r >= 0.3 else 'NOT met'}")
    if base and "fast-N" in results and "blank-N" in results:
        fN, bN = results["fast-N"], results["blank-N"]
        r = (fN["studies"] / fN["seconds"]) / (bN["studies"] / bN["seconds"])
        tgt.append(f"- fast mode with all cores vs the tokenizer with all cores: {r:.2f} x")
    if med and "full-1" in results:
        fl = results["full-1"]
        r = (fl["studies"] / fl["seconds"]) / (med["studies"] / med["seconds"])
        rw = (fl["words"] / fl["seconds"]) / (med["words"] / med["seconds"])
        tgt.append(f"- full mode >= 5 x `medspacy.load()` (single process each): **{r:.1f} x** in studies/s "
                   f"(medspaCy's per-study rate on its sample) -> {'met' if r >= 5 else 'NOT met'}; "
                   f"{rw:.1f} x in words/s")
        if "full-N" in results and "medspacy-N" in results:
            fN, mN = results["full-N"], results["medspacy-N"]
            r = (fN["studies"] / fN["seconds"]) / (mN["studies"] / mN["seconds"])
            tgt.append(f"- full mode with all cores vs medspaCy with all cores: {r:.1f} x")
    lines += tgt
    lines.append("")
    lines.append(f"## Extrapolation: {TARGET_STUDIES:,} studies on 2 cores")
    lines.append("")
    for mode in ("fast", "full"):
        est = extrapolate(results, mode, meta)
        if est:
            lines.append(f"- {mode} mode: {est}")
    lines.append("")
    lines.append(f"The sample is the 2023 legacy-XML dump ({meta['n_words'] / max(1, meta['n_studies']):.0f} words per "
                 "study); recent registry records are longer on average, so scale by words per study "
                 "(words/s column) for a different mix.")
    lines.append("")
    return "\n".join(lines)


def extrapolate(results: dict, mode: str, meta: dict) -> str:
    one, many = results.get(f"{mode}-1"), results.get(f"{mode}-N")
    if not one:
        return ""
    r1 = one["studies"] / one["seconds"]
    parts = []
    if many and meta["workers"] == 2:
        rate = many["studies"] / many["seconds"]
        parts.append(f"as measured (`run_batch`, 2 workers, other load {many.get('other_cores', 0):.2f} cores): "
                     f"{rate:,.0f} studies/s -> {TARGET_STUDIES / rate / 3600:.1f} h ({TARGET_STUDIES / rate / 60:.1f} min)")
    elif many:
        eff = (many["studies"] / many["seconds"]) / (r1 * meta["workers"])
        rate = r1 * 2 * eff
        parts.append(f"single-process rate x 2 x the measured parallel efficiency ({eff:.2f}) of {meta['workers']} "
                     f"workers: {rate:,.0f} studies/s -> {TARGET_STUDIES / rate / 3600:.1f} h")
    else:
        rate = r1 * 2
        parts.append(f"single-process rate x 2: {rate:,.0f} studies/s -> {TARGET_STUDIES / rate / 3600:.1f} h")
    half = results.get(f"{mode}-Nh")
    if many and half and many["seconds"] > half["seconds"]:
        marginal = (many["studies"] - half["studies"]) / (many["seconds"] - half["seconds"])
        secs = many["seconds"] + (TARGET_STUDIES - many["studies"]) / marginal
        parts.append(f"the `-N` run, then the rest at the marginal rate of its second half ({marginal:,.0f} "
                     f"studies/s for the {many['studies'] - half['studies']:,} studies after the first "
                     f"{half['studies']:,}): {secs / 60:.1f} min")
    if many and many.get("cpu_s"):
        # the engine is CPU-bound and its workers share nothing: on 2 idle cores its wall time is its CPU time / 2
        per = many["cpu_s"] / many["studies"]
        secs = TARGET_STUDIES * per / 2
        parts.append(f"on 2 idle cores (engine CPU time {per * 1000:.1f} ms per study / 2): "
                     f"{2 / per:,.0f} studies/s -> {secs / 3600:.1f} h")
    return "; ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", default=None, help="derived eligibility.jsonl.gz (default: corpora ctgov_xml_2023)")
    ap.add_argument("--limit", type=int, default=None, help="first N studies (default: all 6,786)")
    ap.add_argument("--medspacy-limit", type=int, default=300, help="studies for medspaCy (even sample; default 300)")
    ap.add_argument("--workers", type=int, default=None, help="processes for the all-cores rows (default: nproc)")
    ap.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {','.join(STAGES)}")
    ap.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")), help="Markdown output ('' = none)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the single-process stages to one core")
    ap.add_argument("--stage", default=None, help=argparse.SUPPRESS)  # internal: run one stage, print JSON
    args = ap.parse_args()
    args.input = args.input or str(default_input())
    if not Path(args.input).exists():
        raise SystemExit(f"input {args.input} not found (pass --input or set CRITPARSE_CORPORA)")
    if args.stage:
        print(json.dumps(run_stage(args.stage, args)))
        return

    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    bad = [s for s in stages if s not in STAGES]
    if bad:
        raise SystemExit(f"unknown stage(s) {bad}: choose from {', '.join(STAGES)}")
    studies, empty = load_studies(Path(args.input), args.limit)
    meta = {
        "date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "nproc": os.cpu_count(), "cpu": cpu_model(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()), "versions": versions(),
        "input": args.input, "n_records": len(studies) + empty, "n_studies": len(studies), "n_empty": empty,
        "n_words": words(t for _, t in studies), "workers": args.workers or os.cpu_count() or 1,
        "command": " ".join(["python bench/bench_batch.py", *sys.argv[1:]]),
    }
    del studies
    print(f"{meta['n_records']:,} records ({meta['n_studies']:,} with criteria, {meta['n_words']:,} words), "
          f"nproc={meta['nproc']}, workers={meta['workers']}", flush=True)
    results = {}
    for st in stages:
        t0 = time.perf_counter()
        r = spawn_stage(st, args)
        results[st] = r
        print(f"  {st:<11} {r['studies']:>6,} studies {r['seconds']:8.1f} s  {r['studies'] / r['seconds']:9,.1f} studies/s "
              f"{r['words'] / r['seconds']:11,.0f} words/s  peak {r['rss_mb']:,.0f} MB"
              + (f" (child {r['rss_children_mb']:,.0f} MB)" if r["rss_children_mb"] else "")
              + f"  cpu {r.get('cpu_s', 0):.1f} s, other load {r.get('other_cores', 0):.2f}"
              + f"  [{time.perf_counter() - t0:.0f} s wall]", flush=True)
    md = render(results, args, meta)
    print()
    print(md)
    if args.results:  # the newest run on top; the runs before it (a hand-kept log) stay below
        out = Path(args.results)
        before = out.read_text(encoding="utf-8") if out.exists() else ""
        out.write_text(md + ("\n" + before if before else ""), encoding="utf-8")
        print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
