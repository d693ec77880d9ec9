"""The notebook path, one trial at a time: ``critparse.parse(t).to_frames()`` against its baselines.

    python bench/bench_frames.py [--trials 200] [--medspacy-trials 60]

Trials: an even sample (every k-th) of ``--trials`` studies with criteria text of the legacy-XML dump
(``ctgov_xml_2023/derived/eligibility.jsonl.gz``), or the demo seed repeated where the corpora are
absent.  Every figure below comes from this one run, in this one process pinned to one core, each
trial handled on its own (no batching), the caches of critparse cleared before each pass (a
notebook going through new trials); CPU seconds of the process (``time.process_time``) are the
figure, because the machine's cores are shared (wall seconds are printed too):

- ``blank``: spaCy ``blank("en")``'s tokenizer on the trial's text (issue 14's floor for fast mode);
- ``medspacy``: ``medspacy.load()(text)`` on the first ``--medspacy-trials`` trials of the sample (it is slow);
  its rate per trial is compared per trial;
- ``fast parse`` / ``to_frames`` / ``to_json``: ``critparse.parse(text, mode="fast")``, then the two
  exports of that result, each timed on its own; ``fast parse+frames`` is their sum per trial;
- ``full parse+frames``: ``critparse.parse(text, mode="full").to_frames()``.

Ratios (issue 14): to_frames / fast parse <= 1, to_json / fast parse <= 1; full parse+frames
>= 4 x medspaCy (trials/s); fast parse+frames >= 0.25 x the bare tokenizer (trials/s).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def trials(n: int):
    from critparse.config import corpora_dir

    path = corpora_dir() / "ctgov_xml_2023/derived/eligibility.jsonl.gz"
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            every = [t for t in (json.loads(line).get("criteria") for line in fh) if (t or "").strip()]
        step = max(1, len(every) // n)
        return every[::step][:n], str(path)
    seed = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "NCT04532203.eligibility.md"
    return [seed.read_text(encoding="utf-8")] * n, str(seed)


def timed(fn, items):
    """(CPU s, wall s) of fn(item) for each item in turn."""
    c, w = time.process_time(), time.perf_counter()
    for it in items:
        fn(it)
    return time.process_time() - c, time.perf_counter() - w


def clear_caches() -> None:
    """Forget every per-text cache critparse keeps (criterion results, expression readings, unit
    conversions), so that each pass parses the trials as new; the linking cache per mention is kept
    (the full pass is the only one that links)."""
    from critparse import expression, units
    from critparse.parser import clear_doc_cache, clear_fast_cache

    clear_fast_cache()
    clear_doc_cache()
    expression._template.cache_clear()
    units._try_convert.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--medspacy-trials", type=int, default=60)
    ap.add_argument("--json", default=None, help="also write the figures here")
    a = ap.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    except (AttributeError, OSError):
        pass
    load0 = os.getloadavg()
    texts, source = trials(a.trials)
    import spacy

    import critparse

    res = {"trials": len(texts), "source": source, "words": sum(len(t.split()) for t in texts),
           "load_average_start": [round(x, 2) for x in load0]}
    blank = spacy.blank("en")
    res["blank"] = timed(blank.tokenizer, texts)

    fast = critparse.load("fast")
    critparse.parse(texts[0], nlp=fast, mode="fast").to_frames()  # imports (pandas, pyarrow) outside the timing
    clear_caches()
    parsed = []
    res["fast_parse"] = timed(lambda t: parsed.append(critparse.parse(t, nlp=fast, mode="fast")), texts)
    res["to_frames"] = timed(lambda p: p.to_frames(), parsed)
    res["to_json"] = timed(lambda p: p.to_json(), parsed)
    clear_caches()
    res["fast_parse_frames"] = timed(lambda t: critparse.parse(t, nlp=fast, mode="fast").to_frames(), texts)

    full = critparse.load("full")
    critparse.parse(texts[0], nlp=full).to_frames()
    clear_caches()
    res["full_parse_frames"] = timed(lambda t: critparse.parse(t, nlp=full).to_frames(), texts)

    from bench_batch import quiet_medspacy_logs

    quiet_medspacy_logs()
    import medspacy

    med = medspacy.load()
    sample = texts[:a.medspacy_trials]
    res["medspacy"] = timed(med, sample)
    res["medspacy_trials"] = len(sample)
    res["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    def per_trial(key, n=len(texts)):
        return res[key][0] / n

    ratios = {
        "to_frames / fast parse": per_trial("to_frames") / per_trial("fast_parse"),
        "to_json / fast parse": per_trial("to_json") / per_trial("fast_parse"),
        "full parse+frames vs medspaCy (trials/s)": per_trial("medspacy", len(sample)) / per_trial("full_parse_frames"),
        "fast parse+frames vs blank tokenizer (trials/s)": per_trial("blank") / per_trial("fast_parse_frames"),
    }
    res["ratios"] = {k: round(v, 3) for k, v in ratios.items()}
    print(f"{len(texts)} trials ({res['words']:,} words) from {source}; load average {load0[0]:.2f} -> "
          f"{res['load_average_end'][0]:.2f} on {os.cpu_count()} cores")
    print(f"{'stage':<22} {'CPU ms/trial':>12} {'wall ms/trial':>13}")
    for key in ("blank", "fast_parse", "to_frames", "to_json", "fast_parse_frames", "full_parse_frames", "medspacy"):
        n = len(sample) if key == "medspacy" else len(texts)
        print(f"{key:<22} {1000 * res[key][0] / n:>12.2f} {1000 * res[key][1] / n:>13.2f}")
    for k, v in res["ratios"].items():
        print(f"{k}: {v:.2f}")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
