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
    vectors: Union[str, Path, None] = None,
    train_dev_steps: Optional[int] = None,
) -> Dict[str, object]:
    """Convert, train, and copy the best model to `out`; returns conversion + training figures.

    `pretrain`: first pretrain the tok2vec layer (``spacy pretrain``, character
    objective) on unlabelled criteria text (`critparse.train.pretrain`), then
    start the NER training from it; `init_tok2vec`: start from such weights.
    `vectors`: a spaCy vectors pipeline (`critparse.train.vectors.build_vectors`)
    fed to the tok2vec as static vectors (``include_static_vectors``); the table
    is saved inside the trained model.
    `train_dev_steps`: train on train + dev for exactly that many steps (chosen
    on dev by an earlier run) and copy the last model, not the best on dev (the
    dev score printed by such a run is no longer a held-out figure)."""
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
        if train_dev_steps:
            both = work / "data" / "train_dev"
            both.mkdir(exist_ok=True)
            for part in ("train", "dev"):
                shutil.copy(work / "data" / f"{part}.spacy", both / f"{part}.spacy")
            ov.update({"paths.train": str(both), "training.max_steps": int(train_dev_steps),
                       "training.max_epochs": 0, "training.patience": 0})
        if vectors is not None:
            ov.update({"paths.vectors": str(vectors), "components.tok2vec.model.embed.include_static_vectors": True})
        ov.update({k: v for k, v in (overrides or {}).items()})
        if pretrain and init_tok2vec is None:
            init_tok2vec = run_pretraining(work / "pretrain", config=config, overrides=overrides, chia=corpus,
                                           vectors=vectors)
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
        best = work / "output" / ("model-last" if train_dev_steps else "model-best")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(best, out)
        meta = json.loads((out / "meta.json").read_text())
        info = {"conversion": stats, "init_tok2vec": bool(init_tok2vec), "performance": meta.get("performance", {}), "overrides": {k: str(v) for k, v in ov.items() if not k.startswith("paths.")},
                "corpus": corpus.name, "vectors": _vectors_info(vectors), "train_dev_steps": train_dev_steps}
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


def _vectors_info(vectors: Union[str, Path, None]) -> Optional[Dict[str, object]]:
    """The floret settings saved beside a `build_vectors` folder, if any."""
    if vectors is None:
        return None
    p = Path(vectors).parent / "floret" / "floret.json"
    return json.loads(p.read_text()) if p.exists() else {"path": Path(vectors).name}


def run_pretraining(work: Union[str, Path], *, config: Union[str, Path, None] = None,
                    overrides: Optional[Dict[str, object]] = None, chia: Union[str, Path, None] = None,
                    corpora: Union[str, Path, None] = None, vectors: Union[str, Path, None] = None) -> Path:
    """Write the unlabelled text and run ``spacy pretrain``; returns the last epoch's weights.

    With `vectors`, the pretrained tok2vec includes those static vectors (as the NER training must)."""
    from spacy.cli.pretrain import pretrain as spacy_pretrain
    from spacy.util import load_config

    from ..config import corpora_dir
    from ..pipeline import tokenizer as _tok  # noqa: F401
    from .pretrain import write_raw

    work = Path(work)
    raw = work / "raw.jsonl"
    write_raw(raw, Path(corpora) if corpora else corpora_dir(), Path(chia) if chia else None)
    ov = {"paths.raw_text": str(raw)}
    if vectors is not None:
        ov.update({"paths.vectors": str(vectors), "components.tok2vec.model.embed.include_static_vectors": True})
    ov.update({k: v for k, v in (overrides or {}).items() if k.startswith(("components.tok2vec", "pretraining"))})
    cfg = load_config(Path(config or CONFIG), overrides=ov, interpolate=False)
    cfg_path = work / "pretrain.cfg"
    cfg.to_disk(cfg_path)
    (work / "weights").mkdir(parents=True, exist_ok=True)
    spacy_pretrain(cfg.interpolate(), work / "weights", use_gpu=-1, silent=False)
    weights = sorted((work / "weights").glob("model*.bin"), key=lambda p: p.stat().st_mtime)
    return weights[-1]
