"""Entity models side by side: CPU time of the tokenizer, tok2vec, ner and the whole full pipeline.

    python bench/bench_models.py MODEL_DIR [MODEL_DIR ...] [--lines N] [--repeat R]

For a shared machine, where wall-clock figures swing: each figure is the
**CPU time** (``time.process_time``) of this one pinned process, best of
`--repeat` rounds, and the rounds interleave the models, so that every model
sees the same load.  Text: the first `--lines` Chia criterion lines, normalised
(as `bench_pipeline.py`).  Reported per model: ms per 1,000 words up to each
layer, whole-pipeline words/s (CPU), and the ratio of the pipeline to the
critparse tokenizer measured in the same rounds (the reliable part).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

STAGES = ("tok2vec", "ner", None)  # up to tok2vec, up to ner, whole pipeline


def cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+")
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_pipeline import texts

    from critparse.pipeline import load
    from critparse.pipeline.tokenizer import blank

    docs = texts(a.lines)
    words = sum(len(t.split()) for t in docs)
    tok = blank().tokenizer
    nlps = {m: load("full", m) for m in a.models}
    best = {"tokenizer": float("inf")}
    for _ in range(a.repeat):
        best["tokenizer"] = min(best["tokenizer"], cpu(lambda: [tok(t) for t in docs]))
        for m, nlp in nlps.items():
            names = list(nlp.pipe_names)
            for stage in STAGES:
                keep = names if stage is None else names[: names.index(stage) + 1]
                with nlp.select_pipes(enable=keep):
                    t = cpu(lambda: list(nlp.pipe(docs, batch_size=256)))
                key = (m, stage or "pipeline")
                best[key] = min(best.get(key, float("inf")), t)
    ms = lambda t: round(1e6 * t / words, 1)  # noqa: E731
    out = {"lines": len(docs), "words": words, "tokenizer_ms_per_1k": ms(best["tokenizer"]), "models": {}}
    for m in a.models:
        tv, ner, pipe = (best[(m, s or "pipeline")] for s in STAGES)
        out["models"][m] = {
            "tok2vec_ms_per_1k": ms(tv - best["tokenizer"]), "ner_ms_per_1k": ms(ner - tv),
            "pipeline_ms_per_1k": ms(pipe), "pipeline_cpu_wps": round(words / pipe),
            "pipeline_vs_tokenizer": round(pipe / best["tokenizer"], 1),
        }
    print(json.dumps(out, indent=1))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
