"""A cache of floret word vectors for the trained model's `static_vectors` layer.

spaCy's floret vectors give each token the mean of the table rows its character n-grams hash to
(`Vectors.get_batch`): for every token of every batch it hashes the n-grams again and gathers some
30 rows of 100 floats.  Registry text repeats its words, so `use_vector_cache` keeps each word's
mean (one row) once computed, and the layer gathers those rows instead: the same vectors bit for bit
(a word's mean is computed as `get_batch` computes it, one word per segment of `reduce_mean`, which
sums each segment on its own), about a third of the layer's CPU on 200 new trials.  Inference only:
training (and any table that is not floret) goes through spaCy's own forward.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List

import numpy as np

#: distinct words whose vectors are kept per table (100 float32 each: 13 MB, touched as used); when full it starts over
CACHE_SIZE = 32_768


class FloretCache:
    """Word -> row of `store`, the word's floret vector as `Vectors.get_batch` gives it."""

    def __init__(self, vectors: Any, size: int = CACHE_SIZE) -> None:
        self.vectors = vectors
        self.size = size
        self.store = np.zeros((size, vectors.data.shape[1]), dtype=vectors.data.dtype)
        self.slot: Dict[str, int] = {}
        self.lock = threading.Lock()

    def batch(self, keys: Any) -> np.ndarray:
        """`vectors.get_batch(keys)` (keys: string ids), from the cache."""
        v = self.vectors
        words = [v.strings.as_string(k) for k in keys]
        with self.lock:
            missing = [w for w in dict.fromkeys(words) if w not in self.slot]
            if len(missing) > self.size:  # more new words than the cache holds: nothing kept
                return v.get_batch(keys)
            if missing:
                if len(self.slot) + len(missing) > self.size:
                    self.slot.clear()
                base = len(self.slot)
                self.store[base:base + len(missing)] = self._means(missing)
                self.slot.update((w, base + i) for i, w in enumerate(missing))
            slots = [self.slot[w] for w in words]
        return self.store[slots]

    def _means(self, words: List[str]) -> np.ndarray:
        """What `Vectors.get_batch` computes for these words (its floret branch, one segment per word)."""
        from thinc.backends import get_array_ops

        v = self.vectors
        ops = get_array_ops(v.data)
        n = v.data.shape[0]
        indices: List[int] = []
        lengths: List[int] = []
        for word in words:
            rows = [] if word == "" else [h % n for g in v._get_ngrams(word) for h in v._get_ngram_hashes(g)]
            indices.extend(rows)
            lengths.append(len(rows))
        return ops.reduce_mean(v.data[ops.asarray(indices, dtype="int32")], ops.asarray(lengths, dtype="int32"))


def _cached_forward() -> Callable:
    """spaCy's `staticvectors.forward`, its floret vectors read through a `FloretCache` at inference (one
    cache per layer, held by the function: a layer's `attrs` are saved with the model, the function is not)."""
    from spacy.attrs import ORTH
    from spacy.ml.staticvectors import forward
    from spacy.vectors import Mode, Vectors
    from thinc.types import Ragged

    caches: Dict[int, FloretCache] = {}

    def cached_forward(model: Any, docs: List[Any], is_train: bool):
        vectors = docs[0].vocab.vectors if docs else None
        if (is_train or not isinstance(vectors, Vectors) or vectors.mode != Mode.floret
                or not sum(len(doc) for doc in docs)):
            return forward(model, docs, is_train)
        key_attr = getattr(vectors, "attr", ORTH)
        keys = model.ops.flatten([doc.to_array(key_attr) for doc in docs])
        if not any(vectors.strings.as_string(k) for k in keys):  # get_batch's own zeros (float64)
            return forward(model, docs, is_train)
        cache = caches.get(id(vectors))
        if cache is None or cache.vectors is not vectors:
            caches.clear()
            cache = caches[id(vectors)] = FloretCache(vectors)
        V = model.ops.as_contig(cache.batch(keys))
        W = model.ops.as_contig(model.get_param("W"))
        try:
            data = model.ops.gemm(V, W, trans2=True)
        except ValueError:
            return forward(model, docs, is_train)  # spaCy's own error message
        return Ragged(data, model.ops.asarray1i([len(doc) for doc in docs])), _no_backprop

    cached_forward.critparse_cache = caches  # type: ignore[attr-defined]
    return cached_forward


def _no_backprop(d_output: Any) -> List[Any]:
    raise RuntimeError("critparse's cached static vectors are for inference (training uses spaCy's layer)")


def use_vector_cache(nlp: Any) -> Any:
    """Give the `static_vectors` layers of `nlp`'s trained components the cached forward (in place;
    returns `nlp`).  Pipelines without floret vectors are left as they are."""
    from spacy.ml.staticvectors import forward
    from spacy.vectors import Mode, Vectors

    vectors = nlp.vocab.vectors
    if not isinstance(vectors, Vectors) or vectors.mode != Mode.floret:
        return nlp
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if node.name == "static_vectors" and node._func is forward:
                node._func = _cached_forward()
    return nlp
