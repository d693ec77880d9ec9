"""Character 3-gram TF-IDF index over a list of names, with an on-disk cache.

The same representation as scispaCy's `CandidateGenerator` (character 3-grams
of each alias, TF-IDF weighted, cosine similarity).  scispaCy puts an nmslib
HNSW index on top; for the ~150k aliases here an exact sparse dot product over
the column-compressed matrix (only the query's 3-grams are touched) takes a few
milliseconds and needs no extra index, so this module does that instead.

The matrix is built once (first use), written under the user cache directory
(`cache_dir()`) as an uncompressed ``.npz``, and loaded from there afterwards.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

_GRAM = 3
_SPACE = re.compile(r"\s+")


def cache_dir() -> Path:
    """Where built indexes live: $CRITPARSE_CACHE, else the platform's user cache dir."""
    env = os.environ.get("CRITPARSE_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("critparse")) / "linking"


def grams(text: str) -> List[str]:
    """Padded character 3-grams of a normalised name (' epi', 'epi', ...)."""
    padded = f" {_SPACE.sub(' ', text.strip())} "
    return [padded[i:i + _GRAM] for i in range(len(padded) - _GRAM + 1)]


@dataclass
class NgramIndex:
    names: List[str]
    vocab: dict  # 3-gram -> column
    idf: np.ndarray  # float32 per column
    matrix: "sparse.csc_matrix"  # rows = names, L2-normalised TF-IDF
    payload: list  # per name: what it stands for (JSON-able)
    extra: dict  # anything else the vocabulary keeps beside the names (JSON-able)
    _csr: Optional["sparse.csr_matrix"] = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, names: Sequence[str], payload: Sequence = (), extra: Optional[dict] = None) -> "NgramIndex":
        from scipy import sparse

        vocab: dict = {}
        rows, cols = [], []
        for r, name in enumerate(names):
            for g in set(grams(name)):
                rows.append(r)
                cols.append(vocab.setdefault(g, len(vocab)))
        data = np.ones(len(rows), dtype=np.float32)
        m = sparse.csr_matrix((data, (rows, cols)), shape=(len(names), len(vocab)))
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocab))
        idf = (np.log((1 + len(names)) / (1 + df)) + 1).astype(np.float32)
        m = m.multiply(idf).tocsr()
        norms = np.sqrt(m.multiply(m).sum(axis=1)).A1
        norms[norms == 0] = 1
        m = sparse.diags((1 / norms).astype(np.float32)) @ m
        return cls(list(names), vocab, idf, m.tocsc().astype(np.float32), list(payload), dict(extra or {}))

    def query(self, text: str, k: int = 10, min_score: float = 0.0) -> List[Tuple[int, float]]:
        """The k names nearest to `text` by cosine, as (row, score), best first; with `min_score`, only
        names scoring at least that (found without scoring every name that shares a 3-gram)."""
        qgrams = set(grams(text))
        cols = np.array([self.vocab[g] for g in qgrams if g in self.vocab], dtype=np.int64)
        if not cols.size:
            return []
        weights = self.idf[cols]
        # 3-grams no name has still count in the query's norm (they are part of the mention)
        unknown = len(qgrams) - cols.size
        n_query = float(np.sqrt(np.sum(weights ** 2) + unknown * float(self.idf.max()) ** 2))
        w = (weights / n_query).astype(np.float32)
        if min_score > 0:
            cand, sc = self._above(cols, w, min_score)
        else:
            cand, sc = self._scores(cols, w)
        if k < cand.size:
            keep = np.argpartition(-sc, k)[:k]
            cand, sc = cand[keep], sc[keep]
        order = np.argsort(-sc, kind="stable")
        return [(int(cand[i]), float(sc[i])) for i in order if sc[i] > 0]

    def _scores(self, cols: np.ndarray, w: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(rows, cosines) of every name holding one of the query's 3-grams (columns `cols`, weights `w`)."""
        # only the rows holding one of the query's 3-grams: their column entries, summed per row
        m = self.matrix
        spans = [(m.indptr[c], m.indptr[c + 1]) for c in cols]
        rows = np.concatenate([m.indices[a:b] for a, b in spans])
        vals = np.concatenate([m.data[a:b] * wi for (a, b), wi in zip(spans, w)])
        scores = np.bincount(rows, weights=vals, minlength=m.shape[0])
        cand = np.flatnonzero(scores)
        return cand, scores[cand]

    def _above(self, cols: np.ndarray, w: np.ndarray, min_score: float) -> Tuple[np.ndarray, np.ndarray]:
        """`_scores` restricted to the names that can reach `min_score`.  Both vectors have unit norm, so
        the query's lightest 3-grams, whose weights have a norm below `min_score`, cannot lift a name
        to it on their own (Cauchy-Schwarz): every such name holds one of the heavier 3-grams, and
        only the names of those few (rarer) columns are scored, row by row."""
        order = np.argsort(w, kind="stable")
        norms = np.sqrt(np.cumsum(w[order].astype(np.float64) ** 2))
        light = int(np.searchsorted(norms, min_score, side="left"))  # norms[:light] < min_score
        if light >= cols.size:  # even all of them together stay below it
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        m = self.matrix
        heavy = cols[order[light:]]
        cand = np.unique(np.concatenate([m.indices[m.indptr[c]:m.indptr[c + 1]] for c in heavy]))
        query = np.zeros(m.shape[1], dtype=np.float64)
        query[cols] = w
        scores = np.asarray(self._by_row()[cand] @ query).ravel()
        keep = scores >= min_score
        return cand[keep], scores[keep]

    def _by_row(self) -> "sparse.csr_matrix":
        """The matrix row-compressed (made on the first thresholded query)."""
        if self._csr is None:
            self._csr = self.matrix.tocsr()
        return self._csr

    # -- cache ------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        m = self.matrix
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as f:
            # stored uncompressed: loading skips zlib (0.1-0.2 s of a cold start), for 2x the disk
            np.savez(f, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.array(m.shape),
                                idf=self.idf, meta=np.frombuffer(json.dumps(
                                    {"names": self.names, "vocab": self.vocab, "payload": self.payload, "extra": self.extra}).encode("utf-8"), dtype=np.uint8))
        os.replace(f.name, path)

    @classmethod
    def load(cls, path: Path) -> "NgramIndex":
        from scipy import sparse

        z = np.load(path)
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
        m = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return cls(meta["names"], meta["vocab"], z["idf"], m, meta["payload"], meta["extra"])


def cached(name: str, build: Callable[[], Tuple[Sequence[str], Sequence, dict]]) -> NgramIndex:
    """The index called `name` (a file name carrying its data version): from the cache, else built
    from `build()` (names, payload, extra) and written there (a read-only cache only costs the rebuild)."""
    path = cache_dir() / name
    if path.exists():
        try:
            index = NgramIndex.load(path)
        except Exception:  # a truncated or stale file: rebuild it
            pass
        else:
            if _compressed(path):  # written before the cache was stored uncompressed
                try:
                    index.save(path)
                except OSError:
                    pass
            return index
    index = NgramIndex.build(*build())
    try:
        index.save(path)
    except OSError:
        pass
    return index


def _compressed(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return any(info.compress_type != zipfile.ZIP_STORED for info in zf.infolist())
