"""Throughput of the critparse pipeline on one CPU core, layer by layer.

    python bench/bench_pipeline.py [--model PATH] [--mode full|fast] [--lines N] [--repeat R]

Text: the criterion lines of the Chia corpus (normalised, as `critparse.parse`
feeds them to spaCy), or the seed trial's lines repeated where the corpora are
absent.  Words = whitespace-separated words of the input.  Reported in the same
run: spaCy's blank("en") tokenizer, the critparse tokenizer, then the pipeline
truncated after each component (cumulative), with the marginal cost of each
layer, and `critparse.parse_many` end to end (normalise + segment + pipeline).
Timings are the best of `--repeat` runs.  ``gemm`` says which matrix product the
trained components use (``numpy``: numpy's BLAS, critparse's default;
``blis``: thinc's default, with ``CRITPARSE_BLIS=1``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def texts(n_lines: int):
    from critparse.config import corpora_dir
    from critparse.normalize import normalize

    z = corpora_dir() / "chia/original/chia_without_scope_trainval.zip"
    out = []
    if z.exists():
        from critparse.train.brat import read_lines

        for ln in read_lines(z):
            out.append(normalize(ln.text).text)
            if len(out) >= n_lines:
                break
    else:
        seed = (Path(__file__).resolve().parents[1] / "corpora" / "demo" / "NCT04532203.eligibility.md").read_text(encoding="utf-8")
        lines = [normalize(x).text.strip() for x in seed.splitlines() if x.strip()]
        while len(out) < n_lines:
            out.extend(lines)
    return out[:n_lines]


def gemm_backend(nlp) -> str:
    """'numpy' (critparse's default: numpy's BLAS), 'blis' (thinc's default, CRITPARSE_BLIS=1) or '-'."""
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None and hasattr(model, "ops"):
            return "blis" if getattr(model.ops, "use_blis", False) else "numpy"
    return "-"


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--mode", default="full")
    ap.add_argument("--lines", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--json", default=None, help="also write the figures here")
    a = ap.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass

    import spacy

    import critparse
    from critparse.pipeline import load
    from critparse.pipeline.tokenizer import blank

    docs = texts(a.lines)
    words = sum(len(t.split()) for t in docs)
    res = {"lines": len(docs), "words": words, "layers": []}

    base = spacy.blank("en")
    t_base = best(lambda: [base.tokenizer(t) for t in docs], a.repeat)
    res["blank_en_tokenizer_wps"] = round(words / t_base)
    ours = blank()
    t_tok = best(lambda: [ours.tokenizer(t) for t in docs], a.repeat)
    res["critparse_tokenizer_wps"] = round(words / t_tok)

    nlp = load(a.mode, a.model)
    names = list(nlp.pipe_names)
    prev = t_tok
    for k in range(1, len(names) + 1):
        keep = names[:k]
        with nlp.select_pipes(enable=keep):
            t = best(lambda: list(nlp.pipe(docs, batch_size=a.batch_size)), a.repeat)
        res["layers"].append({
            "up_to": names[k - 1], "wps": round(words / t),
            "ratio_vs_blank_tokenizer": round(t / t_base, 2),
            "marginal_ms_per_1k_words": round(1000 * (t - prev) / words * 1000, 3),
        })
        prev = t
    t_full = best(lambda: list(nlp.pipe(docs, batch_size=a.batch_size)), a.repeat)
    res["pipeline_wps"] = round(words / t_full)
    res["pipeline_ratio_vs_blank_tokenizer"] = round(t_full / t_base, 2)

    trial = "\n".join(f"* {t}" for t in docs)
    t_parse = best(lambda: critparse.parse(trial, nlp=nlp), 1)
    res["parse_wps"] = round(words / t_parse)
    res["pipes"] = names
    res["gemm"] = gemm_backend(nlp)
    print(json.dumps(res, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
