"""Split words glued together by lost line breaks ("ofnormal", "isless",
"urinarytractinfectionand", "WHOClassification", "disturbance,epilepsy").

A normalisation pass (registered in `critparse.normalize.POST_PASSES`): it
returns insertions of a space, so offsets still map to the original text.
Only tokens unknown to an English word list (SCOWL, ``resources/english_words.txt.gz``) and to a word-frequency vocabulary (``resources/vocab.tsv.gz``,
built from registry text by ``tools/build_vocab.py``) are split, and only when
every part is a common word; real medical words are left alone.
"""

from __future__ import annotations

import gzip
import io
import math
import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from . import resources

_FUNCTION = {"of", "or", "and", "in", "is", "to", "at", "by", "on", "an", "as", "no", "the", "for", "with", "are", "be", "not", "per"}
_PREFIXES = {"non", "pre", "post", "anti", "intra", "inter", "multi", "over", "sub", "semi", "hyper", "hypo", "extra",
             "trans", "pro", "co", "un", "re", "de", "dis", "mis", "micro", "macro", "poly", "mono", "bi", "tri",
             "auto", "peri", "para", "neo", "pseudo", "super", "ultra", "under", "out", "up", "counter", "cross",
             "self", "still", "day", "cardio", "lymph", "mini", "plasma", "germ", "alfa", "alpha", "metal", "two", "three", "first", "second", "his", "form", "formal", "repeat"}
_BAD_LAST = {"at", "in", "to", "is", "as", "on", "an", "by", "no", "be", "the", "able", "fold", "per", "not", "are"}
_NEVER = {"able", "ably", "ness", "less", "ing", "tion"} - {"less"}
_MIN_PART = 40  # a content part must be at least this common
_TOKEN = re.compile(r"[A-Za-z]{5,}")
_COMMA = re.compile(r"(?<=[a-z]),(?=[a-z]{2,})|(?<=[a-z)]),(?=[A-Z][a-z])|(?<=\))(?=[a-z]{2,})")
_CAMEL = re.compile(r"(?<![A-Za-z])([A-Z]{2,})(?=[A-Z][a-z]{3,})")


@lru_cache(maxsize=1)
def vocab() -> Dict[str, int]:
    raw = resources.path("vocab.tsv.gz").read_bytes()
    out: Dict[str, int] = {}
    for line in io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw)), encoding="utf-8"):
        if line.startswith("#"):
            continue
        w, _, c = line.rstrip("\n").partition("\t")
        out[w] = int(c)
    return out


@lru_cache(maxsize=1)
def english() -> frozenset:
    raw = resources.path("english_words.txt.gz").read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    return frozenset(w for w in text.split("\n") if w and not w.startswith("#"))


@lru_cache(maxsize=1)
def _total() -> float:
    return float(sum(vocab().values()))


def _ok_part(p: str, v: Dict[str, int]) -> bool:
    return (p in _FUNCTION or (len(p) >= 3 and v.get(p, 0) >= _MIN_PART) or (len(p) >= 6 and v.get(p, 0) >= 8)
            or (len(p) >= 5 and p in english()))


@lru_cache(maxsize=20000)
def split_word(word: str) -> Optional[Tuple[str, ...]]:
    """The parts of a glued lower-case word, or None to leave it alone."""
    v = vocab()
    if v.get(word, 0) >= 3 or len(word) < 5 or word in english():
        return None
    n = len(word)
    total = _total()
    best: List[Optional[Tuple[float, Tuple[str, ...]]]] = [None] * (n + 1)
    best[0] = (0.0, ())
    for i in range(1, n + 1):
        for j in range(max(0, i - 20), i):
            if best[j] is None or len(best[j][1]) >= 4:
                continue
            p = word[j:i]
            if not _ok_part(p, v):
                continue
            cost = best[j][0] - math.log((v.get(p, 1) + 1) / total)
            if best[i] is None or cost < best[i][0]:
                best[i] = (cost, best[j][1] + (p,))
    if best[n] is None or len(best[n][1]) < 2:
        return None
    parts = best[n][1]
    if parts[0] in _PREFIXES or parts[-1] in _BAD_LAST or any(p in _NEVER for p in parts):
        return None
    return parts


def edits(text: str) -> List[Tuple[int, int, str]]:
    """Space insertions (start, start, " ") that unglue words in `text`."""
    out: List[Tuple[int, int, str]] = []
    for m in _COMMA.finditer(text):
        pos = m.end() if m.group(0) == "," else m.start()
        out.append((pos, pos, " "))
    for m in _CAMEL.finditer(text):
        out.append((m.end(1), m.end(1), " "))
    for m in _TOKEN.finditer(text):
        w = m.group(0)
        if not w.islower():
            continue
        parts = split_word(w)
        if parts:
            pos = m.start()
            for p in parts[:-1]:
                pos += len(p)
                out.append((pos, pos, " "))
    out.sort()
    return out
