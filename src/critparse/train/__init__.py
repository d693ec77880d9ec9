"""Training of the critparse entity model (one command, CPU).

``python -m critparse.train chia --out src/critparse/models/critparse_chia_ner`` (or
``critparse train chia --out ...``) converts the Chia corpus (``train/brat.py``)
to DocBins, trains the spaCy config ``chia_ner.cfg`` and copies the best
pipeline (by dev F1) to ``--out`` with a ``training.json`` of the figures.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Dict, Optional, Union

CONFIG = Path(__file__).with_name("chia_ner.cfg")
CHIA_ZIP = "chia/original/chia_without_scope_trainval.zip"


def default_corpus() -> Path:
    from ..config import corpora_dir

    return corpora_dir() / CHIA_ZIP


def train(
    corpus: Union[str, Path, None] = None,
    out: Union[str, Path] = "src/critparse/models/critparse_chia_ner",
    *,
    config: Union[str, Path, None] = None,
    overrides: Optional[Dict[str, object]] = None,
    limit: Optional[int] = None,
    work_dir: Union[str, Path, None] = None,
    use_gpu: int = -1,
    pretrain: bool = False,
    init_tok2vec: Union[str, Path, None] = None,
) -> Dict[str, object]:
    """Convert, train, and copy the best model to `out`; returns conversion + training figures.

    `pretrain`: first pretrain the tok2vec layer (``spacy pretrain``, character
    objective) on unlabelled criteria text (`critparse.train.pretrain`), then
    start the NER training from it; `init_tok2vec`: start from such weights."""
    import spacy
    from spacy.cli.train import train as spacy_train

    from ..pipeline import tokenizer as _tok  # noqa: F401  (registers critparse.tokenizer.v1)
    from .brat import convert

    corpus = Path(corpus) if corpus else default_corpus()
    out = Path(out)
    tmp = None
    if work_dir is None:
        tmp = tempfile.mkdtemp(prefix="critparse-train-")
        work_dir = tmp
    work = Path(work_dir)
    try:
        stats = convert(corpus, work / "data", limit=limit)
        ov = {"paths.train": str(work / "data" / "train.spacy"), "paths.dev": str(work / "data" / "dev.spacy")}
        ov.update({k: v for k, v in (overrides or {}).items()})
        if pretrain and init_tok2vec is None:
            init_tok2vec = run_pretraining(work / "pretrain", config=config, overrides=overrides, chia=corpus)
        if init_tok2vec is not None:
            ov["paths.init_tok2vec"] = str(init_tok2vec)
        if use_gpu < 0:
            # thinc's default CPU gemm (blis) is about half as fast as numpy's BLAS on
            # some CPUs; the results are the same (see pipeline.use_numpy_gemm)
            from thinc.api import use_ops

            with use_ops("numpy", use_blis=False):
                spacy_train(Path(config or CONFIG), work / "output", overrides=ov, use_gpu=use_gpu)
        else:
            spacy_train(Path(config or CONFIG), work / "output", overrides=ov, use_gpu=use_gpu)
        best = work / "output" / "model-best"
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(best, out)
        meta = json.loads((out / "meta.json").read_text())
        info = {"conversion": stats, "init_tok2vec": bool(init_tok2vec), "performance": meta.get("performance", {}), "overrides": {k: str(v) for k, v in ov.items() if not k.startswith("paths.")},
                "corpus": corpus.name}
        meta["name"] = out.name.replace("-", "_")
        meta["description"] = "critparse entity model trained on Chia (see src/critparse/models/README.md)"
        meta["license"] = "CC BY 4.0 (training data: Chia, Kury et al. 2020)"
        (out / "meta.json").write_text(json.dumps(meta, indent=2))
        (out / "training.json").write_text(json.dumps(info, indent=2))
        # load check
        spacy.load(out)
        return info
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def run_pretraining(work: Union[str, Path], *, config: Union[str, Path, None] = None,
                    overrides: Optional[Dict[str, object]] = None, chia: Union[str, Path, None] = None,
                    corpora: Union[str, Path, None] = None) -> Path:
    """Write the unlabelled text and run ``spacy pretrain``; returns the last epoch's weights."""
    from spacy.cli.pretrain import pretrain as spacy_pretrain
    from spacy.util import load_config

    from ..config import corpora_dir
    from ..pipeline import tokenizer as _tok  # noqa: F401
    from .pretrain import write_raw

    work = Path(work)
    raw = work / "raw.jsonl"
    write_raw(raw, Path(corpora) if corpora else corpora_dir(), Path(chia) if chia else None)
    ov = {"paths.raw_text": str(raw)}
    ov.update({k: v for k, v in (overrides or {}).items() if k.startswith(("components.tok2vec", "pretraining"))})
    cfg = load_config(Path(config or CONFIG), overrides=ov, interpolate=False)
    cfg_path = work / "pretrain.cfg"
    cfg.to_disk(cfg_path)
    (work / "weights").mkdir(parents=True, exist_ok=True)
    spacy_pretrain(cfg.interpolate(), work / "weights", use_gpu=-1, silent=False)
    weights = sorted((work / "weights").glob("model*.bin"), key=lambda p: p.stat().st_mtime)
    return weights[-1]
