"""Split words glued together by lost line breaks ("ofnormal", "isless",
"urinarytractinfectionand", "WHOClassification", "disturbance,epilepsy").

A normalisation pass run by `critparse.normalize.normalize`: `edits(text)`
returns insertions of one space ``(pos, pos, " ")``, so every offset still maps
to the original text.

Three rules:

1. A comma between letters gets a space after it ("disturbance,epilepsy"), and
   so does a closing parenthesis before a word ("prolymphocyte)in").
2. Camel case: an upper-case run glued to a capitalised common word is split
   before that word ("WHOClassification" -> "WHO Classification"; not
   "PEGylated", "TSHomas", whose tails are not words).
3. Unigram-cost segmentation (as in wordninja) of lower-case alphabetic tokens
   that are unknown: not in the word-frequency vocabulary
   (``resources/vocab.tsv.gz``, built from registry text by
   ``tools/build_vocab.py``; count >= 2) nor in the SCOWL English list
   (``resources/english_words.txt.gz``), nor an inflection of a known word.
   The cheapest split into 2-4 known parts (cost ``-log p(part)``) is taken only
   when the evidence is strong:

   - every part is a function word ("of", "is", "and", ...) or a content word
     of at least 3 letters seen at least ``MIN_CONTENT`` times;
   - the first part is not a prefix-like function word ("in", "an", "per":
     "intolerances", "anthracycline", "perfusion" stay whole) and the last is
     not a suffix-like one ("or", "in", "is": "secretor", "arrestin");
   - where two content words meet, the left one is not a combining form
     (ends in "o", or starts >= 3 common vocabulary words whose rest is not a word:
     "radio", "psycho", "brady", "red") and the right one is not a combining
     tail (ends >= 3 such words: "ability", "like").

Real medical words (lymphoblast, cytometry, cerebrovascular, ...) are either in
the vocabulary or fail these tests, and are left alone.
"""

from __future__ import annotations

import gzip
import math
import re
from bisect import bisect_left
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from . import resources

#: closed-class words that glue to their neighbour when a line break is lost
FUNCTION = frozenset(
    "of or and is are was were the to for with than at by on as be been not no in from that this these those which "
    "who whom will may can has have had its their his her all any each both per into onto upon within without after "
    "before during".split()
)
#: function words that are also prefixes, and prefixes that are also words: never the first part
#: ("intolerance", "anthracycline", "perfusion", "aspart", "nonhemorrhagic", "overexpressed")
NOFIRST = frozenset("in an a as be per un re de ex co no its his her non over under self cross counter ultra multi anti "
                    "pre post sub super hyper hypo inter intra extra semi pseudo mono poly micro macro out up down "
                    "all".split())
#: the function words that may stand between two content words ("limitofnormal", "riskandbenefit")
MIDDLE = frozenset("of and or with from than".split())
#: function words that are also endings: never the last part ("secretor", "arrestin", "diagnosis", "breathe")
NOLAST = frozenset("or in an a at on as is to be no its his her by the this all any each both per into upon".split())
MIN_CONTENT = 10  # a content part must be seen at least this often
MIN_KNOWN = 2  # a word seen this often in the corpus is a real word: never split
_INFLECTIONS = ("s", "es", "ed", "d", "ing", "ly", "al", "ic", "ies")

_TOKEN = re.compile(r"[a-z]{5,}")
_URLISH = "@/._\\"
# each pattern starts with the character it is about (not with a look-behind), so that `re` can skip
# quickly to the candidates: "a,b" / "a),B" (a comma), "prolymphocyte)in" (a ")": the space goes after it),
# "ASCOPositive" (upper case not after a letter); the ")" comes before its look-behind, so that both
# branches open with a literal and `re` skips to "," and ")" in C (5 x faster than the look-behind first)
_COMMA = re.compile(r",(?:(?<=[a-z],)(?=[a-z]{2,})|(?<=[a-z)],)(?=[A-Z][a-z]))|\)(?<=[a-z]\))(?=([a-z]{2,})(?![A-Za-z]))")
_CAMEL = re.compile(r"[A-Z](?<![A-Za-z][A-Z])[A-Z]+(?=([A-Z][a-z]{3,})(?![A-Za-z]))")


@lru_cache(maxsize=1)
def vocab() -> Dict[str, int]:
    """Word -> count from ``resources/vocab.tsv.gz``."""
    text = gzip.decompress(resources.path("vocab.tsv.gz").read_bytes()).decode("utf-8")
    out: Dict[str, int] = {}
    for line in text.split("\n"):
        if not line or line.startswith("#"):
            continue
        w, _, c = line.partition("\t")
        out[w] = int(c)
    return out


@lru_cache(maxsize=1)
def english() -> frozenset:
    text = gzip.decompress(resources.path("english_words.txt.gz").read_bytes()).decode("utf-8")
    return frozenset(w for w in text.split("\n") if w and not w.startswith("#"))


@lru_cache(maxsize=1)
def _common() -> frozenset:
    """Words never split: seen often enough, or English (the fast path of `edits`)."""
    return frozenset(w for w, c in vocab().items() if c >= MIN_KNOWN) | english()


@lru_cache(maxsize=1)
def _sorted() -> Tuple[List[str], List[str]]:
    words = [w for w in vocab() if len(w) >= 4]
    return sorted(words), sorted(w[::-1] for w in words)


@lru_cache(maxsize=1)
def _total() -> float:
    return float(sum(vocab().values()))


def known(word: str) -> bool:
    """Seen in registry text, or an English word, or an inflection of one."""
    v = vocab()
    if v.get(word, 0) >= MIN_KNOWN or word in english():
        return True
    for suf in _INFLECTIONS:
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            stem = word[: -len(suf)]
            if v.get(stem, 0) >= MIN_KNOWN or v.get(stem + "e", 0) >= MIN_KNOWN or v.get(stem + "y", 0) >= MIN_KNOWN:
                return True
    return False


def _is_word(s: str) -> bool:
    return vocab().get(s, 0) >= MIN_CONTENT or (len(s) >= 3 and s in english())


def _bound_count(items: List[str], key: str, rest_of) -> int:
    """How many sorted `items` start with `key` and continue with a non-word of
    at least 3 letters, counting only common words (up to 3)."""
    n = 0
    i = bisect_left(items, key)
    while i < len(items) and items[i].startswith(key) and n < 3:
        rest = rest_of(items[i])
        if len(rest) >= 3 and not _is_word(rest) and vocab().get(items[i], vocab().get(items[i][::-1], 0)) >= MIN_CONTENT:
            n += 1
        i += 1
    return n


@lru_cache(maxsize=50000)
def combining_head(part: str) -> bool:
    """"radio", "psycho", "brady": a left part that mostly prefixes bound forms."""
    if part.endswith("o") and part not in FUNCTION:
        return True
    fwd, _ = _sorted()
    return _bound_count(fwd, part, lambda w: w[len(part):]) >= 3


@lru_cache(maxsize=50000)
def combining_tail(part: str) -> bool:
    """"ability", "like": a right part that mostly ends words after a bound form."""
    _, rev = _sorted()
    return _bound_count(rev, part[::-1], lambda w: w[::-1][: len(w) - len(part)]) >= 3


def _ok_part(p: str, v: Dict[str, int]) -> bool:
    if p in FUNCTION:
        return True
    c = v.get(p, 0)
    return (len(p) >= 4 and c >= MIN_CONTENT) or (len(p) == 3 and c >= 100 and p in english())


@lru_cache(maxsize=50000)
def split_word(word: str) -> Optional[Tuple[str, ...]]:
    """The parts of a glued lower-case word, or None to leave it alone."""
    if len(word) < 5 or known(word):
        return None
    v = vocab()
    n = len(word)
    logt = math.log(_total())
    best: List[Optional[Tuple[float, Tuple[str, ...]]]] = [None] * (n + 1)
    best[0] = (0.0, ())
    for i in range(2, n + 1):
        for j in range(max(0, i - 24), i - 1):
            bj = best[j]
            if bj is None or len(bj[1]) >= 4:
                continue
            p = word[j:i]
            if not _ok_part(p, v):
                continue
            cost = bj[0] + logt - math.log(v.get(p, 0) + 1)
            if best[i] is None or cost < best[i][0]:
                best[i] = (cost, bj[1] + (p,))
    if best[n] is None or len(best[n][1]) < 2:
        return None
    parts = best[n][1]
    if parts[0] in NOFIRST or parts[-1] in NOLAST:
        return None
    if any(p in FUNCTION and (p not in MIDDLE or parts[i - 1] in FUNCTION or parts[i + 1] in FUNCTION)
           for i, p in enumerate(parts[1:-1], 1)):
        return None  # "catheter|is|at|ion", "mono|the|ray"
    if parts[0] not in FUNCTION and combining_head(parts[0]):
        return None
    if parts[-1] not in FUNCTION and combining_tail(parts[-1]):
        return None
    for a, b in zip(parts, parts[1:]):
        if a in FUNCTION or b in FUNCTION:
            continue
        if a in NOFIRST or combining_head(a) or combining_tail(b):
            return None
    return parts


def edits(text: str) -> List[Tuple[int, int, str]]:
    """Space insertions ``(pos, pos, " ")`` that unglue words in `text`, sorted."""
    out: List[Tuple[int, int, str]] = []
    v = vocab()
    for m in _COMMA.finditer(text):
        if m.group(0) == ",":
            out.append((m.end(), m.end(), " "))
        elif m.group(1) in FUNCTION or v.get(m.group(1), 0) >= MIN_CONTENT:  # "prolymphocyte)in", not "a(nta)gonists"
            out.append((m.end(), m.end(), " "))
    for m in _CAMEL.finditer(text):
        tail = m.group(1).lower()
        if v.get(tail, 0) >= MIN_CONTENT and not known(text[m.start():m.end() + len(tail)].lower()):
            out.append((m.end(), m.end(), " "))
    common = _common()
    glued = {w for w in set(_TOKEN.findall(text)) if w not in common and split_word(w)}  # distinct words, once
    for m in _TOKEN.finditer(text) if glued else ():
        if m.group(0) not in glued:
            continue
        s, e = m.span()
        before = text[s - 1] if s else " "
        after = text[e] if e < len(text) else " "
        if before.isalnum() or after.isalnum() or before in _URLISH or after in "@/_" or (
                after == "." and text[e + 1:e + 2].isalnum()):
            continue  # part of a mixed-case word, a code, an address or a URL
        pos = s
        for p in split_word(m.group(0))[:-1]:
            pos += len(p)
            out.append((pos, pos, " "))
    out.sort()
    return out


def warm_up() -> None:
    """Load the word lists now rather than on first use (`critparse.prepare`)."""
    vocab(), english(), _common(), _sorted(), _total()
