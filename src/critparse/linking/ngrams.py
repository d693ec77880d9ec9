"""Character 3-gram TF-IDF index over a list of names, with an on-disk cache.

The same representation as scispaCy's `CandidateGenerator` (character 3-grams
of each alias, TF-IDF weighted, cosine similarity).  scispaCy puts an nmslib
HNSW index on top; for the ~150k aliases here an exact sparse dot product over
the column-compressed matrix (only the query's 3-grams are touched) takes a few
milliseconds and needs no extra index, so this module does that instead.

The matrix is built once (first use), written under the user cache directory
(`cache_dir()`) as an uncompressed ``.npz``, and loaded from there afterwards: both compressed
layouts of the matrix as plain arrays (no conversion, and no scipy import until the first
thresholded query), the per-name payload and large `extra` tables as JSON rows decoded when read.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

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


class Rows(Sequence):
    """A list of JSON-able rows kept as one UTF-8 JSON text per row, each decoded when read: loading an
    index then costs one array read instead of decoding ~60,000 small lists (0.1 s of a cold start);
    a lookup reads a handful of rows."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray):
        self._blob = blob.tobytes()
        self._offsets = offsets.tolist()

    @classmethod
    def encode(cls, rows: Sequence) -> Tuple[np.ndarray, np.ndarray]:
        parts = [json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode("utf-8") for r in rows]
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(p) for p in parts], dtype=np.int64)
        return np.frombuffer(b"".join(parts), dtype=np.uint8), offsets

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return json.loads(self._blob[self._offsets[i]:self._offsets[i + 1]])

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


class Table(Mapping):
    """A dict of JSON-able values read lazily (the same idea as `Rows`): the sorted keys, and the values
    as rows decoded on first use; `extra` entries of an index that are large dicts (ICD-10-CM titles)."""

    def __init__(self, keys: List[str], rows: Rows):
        self._keys = keys
        self._at = {k: i for i, k in enumerate(keys)}
        self._rows = rows

    def __getitem__(self, key):
        return self._rows[self._at[key]]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key) -> bool:
        return key in self._at


@dataclass
class Compressed:
    """One compressed sparse matrix as its three arrays (rows of a CSR or columns of a CSC)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


#: bump when the cache file's layout changes (older files are converted once, not rebuilt)
FILE_FORMAT = 2
#: `extra` entries with more items than this are stored as a lazily read `Table`
_TABLE_MIN = 1000


@dataclass
class NgramIndex:
    names: List[str]
    vocab: dict  # 3-gram -> column
    idf: np.ndarray  # float32 per column
    by_col: Compressed  # rows = names, L2-normalised TF-IDF, column-compressed
    by_row: Compressed  # the same matrix row-compressed
    shape: Tuple[int, int]
    payload: Sequence  # per name: what it stands for (JSON-able)
    extra: dict  # anything else the vocabulary keeps beside the names (JSON-able)
    _scipy_csr: object = field(default=None, repr=False, compare=False)

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
        return cls._of(list(names), vocab, idf, m.tocsc().astype(np.float32), list(payload), dict(extra or {}))

    @classmethod
    def _of(cls, names, vocab, idf, csc, payload, extra) -> "NgramIndex":
        csr = csc.tocsr()  # rows in column order, as scipy's own tocsr gives them
        return cls(names, vocab, idf, Compressed(csc.indptr, csc.indices, csc.data),
                   Compressed(csr.indptr, csr.indices, csr.data), tuple(csc.shape), payload, extra)

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
        m = self.by_col
        spans = [(m.indptr[c], m.indptr[c + 1]) for c in cols]
        rows = np.concatenate([m.indices[a:b] for a, b in spans])
        vals = np.concatenate([m.data[a:b] * wi for (a, b), wi in zip(spans, w)])
        scores = np.bincount(rows, weights=vals, minlength=self.shape[0])
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
        m = self.by_col
        heavy = cols[order[light:]]
        cand = np.unique(np.concatenate([m.indices[m.indptr[c]:m.indptr[c + 1]] for c in heavy]))
        query = np.zeros(self.shape[1], dtype=np.float64)
        query[cols] = w
        scores = self._row_dots(cand, query)
        keep = scores >= min_score
        return cand[keep], scores[keep]

    def _row_dots(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Each of `rows` (of the matrix) times the dense `query` (float64): scipy's own kernels on the
        stored arrays (the rows copied out, then multiplied), without the checks of `csr_matrix[rows] @ query`
        that cost as much again as the arithmetic; the same result, bit for bit."""
        kernels = _sparsetools()
        if kernels is None:
            return np.asarray(self._csr()[rows] @ query).ravel()
        m = self.by_row
        idx = m.indptr.dtype if m.indptr.dtype == m.indices.dtype else np.dtype(np.int64)
        rows = np.asarray(rows, dtype=idx)
        indptr = m.indptr.astype(idx, copy=False)
        sub_indptr = np.zeros(rows.size + 1, dtype=idx)
        np.cumsum(indptr[rows + 1] - indptr[rows], out=sub_indptr[1:])
        nnz = int(sub_indptr[-1])
        sub_indices, sub_data = np.empty(nnz, dtype=idx), np.empty(nnz, dtype=m.data.dtype)
        kernels.csr_row_index(rows.size, rows, indptr, m.indices.astype(idx, copy=False), m.data, sub_indices, sub_data)
        out = np.zeros(rows.size, dtype=np.result_type(m.data.dtype, query.dtype))
        kernels.csr_matvec(rows.size, self.shape[1], sub_indptr, sub_indices, sub_data, query, out)
        return out

    def _csr(self):
        """The row-compressed matrix as scipy's (made on the first thresholded query from the stored
        arrays: no conversion; scipy itself is imported only then)."""
        if self._scipy_csr is None:
            from scipy import sparse

            m = self.by_row
            self._scipy_csr = sparse.csr_matrix((m.data, m.indices, m.indptr), shape=self.shape)
        return self._scipy_csr

    # -- cache ------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"format": np.array([FILE_FORMAT]), "shape": np.array(self.shape), "idf": self.idf}
        for prefix, m in (("c", self.by_col), ("r", self.by_row)):
            arrays.update({f"{prefix}_indptr": m.indptr, f"{prefix}_indices": m.indices, f"{prefix}_data": m.data})
        arrays["payload_blob"], arrays["payload_at"] = Rows.encode(self.payload)
        extra, tables = {}, []
        for key, value in self.extra.items():
            if isinstance(value, Mapping) and len(value) > _TABLE_MIN:
                keys = sorted(value)
                arrays[f"t_{key}_blob"], arrays[f"t_{key}_at"] = Rows.encode([value[k] for k in keys])
                extra[key], tables = keys, tables + [key]
            else:
                extra[key] = value
        meta = {"names": self.names, "vocab": self.vocab, "extra": extra, "tables": tables}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as f:
            # stored uncompressed: loading skips zlib (0.1-0.2 s of a cold start), for 2x the disk
            np.savez(f, **arrays)
        os.replace(f.name, path)

    @classmethod
    def load(cls, path: Path) -> "NgramIndex":
        z = np.load(path)
        if "format" not in z.files or int(z["format"][0]) != FILE_FORMAT:
            raise ValueError(f"{path}: not an index file of format {FILE_FORMAT}")
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
        extra = dict(meta["extra"])
        for key in meta["tables"]:
            extra[key] = Table(extra[key], Rows(z[f"t_{key}_blob"], z[f"t_{key}_at"]))
        by = {p: Compressed(z[f"{p}_indptr"], z[f"{p}_indices"], z[f"{p}_data"]) for p in ("c", "r")}
        return cls(meta["names"], meta["vocab"], z["idf"], by["c"], by["r"], tuple(int(x) for x in z["shape"]),
                   Rows(z["payload_blob"], z["payload_at"]), extra)

    @classmethod
    def _load_format1(cls, path: Path) -> "NgramIndex":
        """A cache file of the first layout (one CSC matrix, the payload in the JSON metadata)."""
        from scipy import sparse

        z = np.load(path)
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
        m = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        return cls._of(meta["names"], meta["vocab"], z["idf"], m, meta["payload"], meta["extra"])


def _sparsetools():
    """scipy's compiled sparse kernels (`csr_row_index`, `csr_matvec`), None where this scipy lacks them."""
    try:
        from scipy.sparse import _sparsetools as kernels
    except ImportError:
        return None
    return kernels if hasattr(kernels, "csr_row_index") and hasattr(kernels, "csr_matvec") else None


def cached(name: str, build: Callable[[], Tuple[Sequence[str], Sequence, dict]]) -> NgramIndex:
    """The index called `name` (a file name carrying its data version): from the cache, else built
    from `build()` (names, payload, extra) and written there (a read-only cache only costs the rebuild).
    The file's name also carries `FILE_FORMAT`; a file of the first layout under `name` itself is
    converted (read, not rebuilt from the sources, and left in place for older copies of critparse)."""
    path = cache_path(name)
    if path.exists():
        try:
            return NgramIndex.load(path)
        except Exception:  # a truncated or stale file: rebuild it
            pass
    index = None
    legacy = cache_dir() / name
    if legacy.exists():
        try:
            index = NgramIndex._load_format1(legacy)
        except Exception:
            index = None
    if index is None:
        index = NgramIndex.build(*build())
    try:
        index.save(path)
    except OSError:
        pass
    return index


def cache_path(name: str) -> Path:
    """Where the index called `name` is cached ('icd10cm-1.5.0-7-ab12.npz' -> '...-ab12.f2.npz')."""
    stem = name[:-len(".npz")] if name.endswith(".npz") else name
    return cache_dir() / f"{stem}.f{FILE_FORMAT}.npz"
