"""Static floret vectors trained on the unlabelled criteria text (`train.pretrain.raw_texts`).

floret (fastText + Bloom embeddings, MIT) stores words and character n-grams in
one small hashed table, so every token gets a vector, misspellings and unseen
drug names included. The text is tokenised with the critparse tokenizer, so the
vectors are keyed by the same token strings (``ORTH``) the pipeline looks up at
run time. The table is imported into a spaCy vectors pipeline
(``spacy init vectors --mode floret``); training with ``paths.vectors`` set to
it copies the table into the trained model's ``vocab`` (no download at run time).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Union


@dataclass(frozen=True)
class FloretSettings:
    """floret hyper-parameters; `bucket` x `dim` float32 is the table size (50,000 x 100 = 20 MB)."""

    dim: int = 100
    bucket: int = 50000
    hash_count: int = 2
    minn: int = 4
    maxn: int = 5
    epoch: int = 10
    min_count: int = 3
    model: str = "cbow"
    thread: int = 1
    #: key the vectors by the lower-cased token (spaCy ``LOWER``), trained on lower-cased text
    lower: bool = True


def write_tokenised(raw_jsonl: Union[str, Path], out: Union[str, Path], lower: bool = True) -> int:
    """One critparse-tokenised item per line (tokens joined by a space); returns the token count."""
    from ..pipeline.tokenizer import blank

    nlp = blank()
    n = 0
    with open(raw_jsonl, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        texts = (json.loads(line)["text"] for line in src)
        for doc in nlp.pipe(texts, batch_size=1000):
            toks = [t.lower_ if lower else t.text for t in doc if not t.is_space]
            n += len(toks)
            dst.write(" ".join(toks) + "\n")
    return n


def train_floret(text: Union[str, Path], out: Union[str, Path], settings: FloretSettings = FloretSettings()) -> Path:
    """Train floret vectors on a tokenised text file; writes and returns ``out/vectors.floret``."""
    import floret

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    s = settings
    model = floret.train_unsupervised(
        str(text), model=s.model, mode="floret", hashCount=s.hash_count, bucket=s.bucket,
        minn=s.minn, maxn=s.maxn, dim=s.dim, epoch=s.epoch, minCount=s.min_count, thread=s.thread,
        verbose=0)
    path = out / "vectors.floret"
    model.save_floret_vectors(str(path))
    (out / "floret.json").write_text(json.dumps(asdict(s), indent=2))
    return path


def spacy_vectors(floret_path: Union[str, Path], out: Union[str, Path], name: str = "critparse_criteria_floret",
                  lower: bool = True) -> Path:
    """Import a floret table into a spaCy vectors pipeline (``spacy init vectors --mode floret``)."""
    from spacy.training.initialize import convert_vectors
    from spacy.util import get_lang_class

    out = Path(out)
    nlp = get_lang_class("en")()
    convert_vectors(nlp, Path(floret_path), truncate=0, prune=-1, name=name, mode="floret",
                    attr="LOWER" if lower else "ORTH")
    nlp.to_disk(out)
    return out


def build_vectors(work: Union[str, Path], *, corpora: Optional[Path] = None, chia: Optional[Path] = None,
                  settings: FloretSettings = FloretSettings()) -> Path:
    """Raw text -> tokenised text -> floret table -> spaCy vectors pipeline; returns its folder."""
    from ..config import corpora_dir
    from .pretrain import write_raw

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    raw = work / "raw.jsonl"
    if not raw.exists():
        write_raw(raw, Path(corpora) if corpora else corpora_dir(), chia)
    tok = work / "tokens.txt"
    write_tokenised(raw, tok, lower=settings.lower)
    table = train_floret(tok, work / "floret", settings)
    return spacy_vectors(table, work / "vectors", lower=settings.lower)
