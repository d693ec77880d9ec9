"""Name normalisation shared by the vocabularies and the mentions."""

from __future__ import annotations

import re
import unicodedata
from typing import List

_PAREN = re.compile(r"\s*\([^()]*\)")
#: a gloss cut off by the mention's end ("major depressive disorder (mdd", "bupropion (wellbutrin"), or one in
#: square brackets ("non-steroidal anti-inflammatory drugs [nsaids]")
_OPEN_PAREN = re.compile(r"\s*\([^()]*$")
_SQUARE = re.compile(r"\s*\[[^\[\]]*\]")
_PUNCT = re.compile(r"[^\w\s']+")
_SPACE = re.compile(r"\s+")
_MARKS = re.compile(r"[®™©]")
_GREEK = str.maketrans({"α": " alpha ", "β": " beta ", "ß": " beta ", "γ": " gamma ", "κ": " kappa "})


def norm(text: str) -> str:
    """Lower case, accents folded, punctuation (hyphens, slashes, commas) to spaces."""
    t = unicodedata.normalize("NFKD", _MARKS.sub("", text).translate(_GREEK))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower().replace("'s ", " ")
    t = _PUNCT.sub(" ", t).replace("'", "")
    return _SPACE.sub(" ", t).strip()


def strip_parens(text: str) -> str:
    """'Hypertension (arterial) (benign)' -> 'Hypertension'; a gloss cut off at the end ('pneumonitis (lip') or in
    square brackets goes too, where words remain."""
    prev = None
    while prev != text:
        prev, text = text, _PAREN.sub("", text)
    bare = _OPEN_PAREN.sub("", _SQUARE.sub("", text))
    return bare if bare.strip() else text


def singulars(text: str) -> List[str]:
    """Singular guesses for the last word of a normalised name ('breast cancers' -> 'breast cancer'; Greek and
    Latin plurals: 'metastases' -> 'metastasis', 'calculi' -> 'calculus')."""
    words = text.split(" ")
    last = words[-1]
    out = []
    if len(last) > 4 and last.endswith("ies"):
        out.append(last[:-3] + "y")
    if len(last) > 4 and last.endswith(("ses", "xes", "ches", "shes")):
        out.append(last[:-2])
    if len(last) > 6 and last.endswith(("oses", "yses", "tases")):  # Greek "-sis": "metastases", "stenoses"
        out.append(last[:-3] + "sis")
    if len(last) > 5 and last.endswith("i") and last[-2] not in "aeiou":  # Latin "-us": "calculi", "emboli", "nevi"
        out.append(last[:-1] + "us")
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        out.append(last[:-1])
    return [" ".join(words[:-1] + [w]) for w in out]
