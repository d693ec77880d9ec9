"""The written forms a mention is looked up under: itself, its expansion, its
singular, the tabular list's phrasing of it (resources/condition_rewrites.csv),
its adjectives swapped for nouns and organ nouns for adjectives
(resources/adjective_nouns.csv); and, as a fallback, its head words
(`heads`: the mention without its leading words)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from .. import resources
from .names import norm, singulars, strip_parens


@lru_cache(maxsize=1)
def abbreviations() -> Dict[str, Tuple[str, str]]:
    """Case-sensitive abbreviation -> (expansion, kind), from clinical_abbreviations.csv and the
    abbreviation/long-form pairs of entity_patterns.jsonl (same pattern id)."""
    out: Dict[str, Tuple[str, str]] = {}
    groups: Dict[str, List[str]] = {}
    for row in resources.read_jsonl("entity_patterns.jsonl"):
        if "id" in row and isinstance(row.get("text"), str):
            groups.setdefault(row["id"], []).append(row["text"])
    for pid, texts in groups.items():
        shorts = [t for t in texts if t.isupper() or (len(t) <= 6 and " " not in t)]
        longs = [t for t in texts if " " in t and t not in shorts]
        for s in shorts:
            if longs:
                out[s] = (longs[0], pid.split(":")[0])
    for row in resources.read_csv("clinical_abbreviations.csv"):
        out[row["abbreviation"]] = (row["expansion"], row["kind"])
    return out


@lru_cache(maxsize=2)
def _rewrites(strict: bool = False) -> List[Tuple[re.Pattern, str, bool]]:
    """(pattern, replacement, led): `led` where the pattern begins with "(.*)", which matches within a line
    where and only where it matches at the line's start: tried there only (`re.match`), not at every
    position as `re.search` does (ten times the work on a miss). `strict`: without the rows of scope=narrower."""
    return [(re.compile(r["pattern"]), r["replacement"], r["pattern"].startswith("(.*)"))
            for r in resources.read_csv("condition_rewrites.csv") if not (strict and r.get("scope") == "narrower")]


@lru_cache(maxsize=2)
def _scoped(scope: str) -> List[re.Pattern]:
    return [re.compile(r["pattern"]) for r in resources.read_csv("condition_rewrites.csv") if r.get("scope") == scope]


def names_broader(mention: str) -> bool:
    """Does a rewrite of scope=broader apply to the mention ("hypersensitivity to carboplatin" -> "allergy")?"""
    n = norm(mention)
    return any(p.search(n) for p in _scoped("broader"))


def names_narrower(mention: str) -> bool:
    """Does a rewrite of scope=narrower apply to the mention ("hepatic impairment" -> "hepatic insufficiency")?"""
    n = norm(mention)
    return any(p.search(n) for p in _scoped("narrower"))


@lru_cache(maxsize=1)
def _swaps() -> List[Tuple[str, re.Pattern, str]]:
    """(word, pattern of the word, replacement): the word first, as a cheap test before the pattern."""
    rows = resources.read_csv("adjective_nouns.csv")
    pairs = [(r["adjective"], r["noun"]) for r in rows] + [(r["noun"], r["adjective"]) for r in rows]
    return [(word, re.compile(rf"\b{re.escape(word)}\b"), rep) for word, rep in pairs]


@lru_cache(maxsize=1)
def _swap_keys() -> Tuple[Dict[str, List[int]], List[Tuple[str, int]]]:
    """The swaps by their word: one-word words -> their positions in `_swaps`, and (several-word word, position)."""
    single: Dict[str, List[int]] = {}
    multi: List[Tuple[str, int]] = []
    for i, (word, _, _) in enumerate(_swaps()):
        if " " in word:
            multi.append((word, i))
        else:
            single.setdefault(word, []).append(i)
    return single, multi


def _swaps_in(form: str) -> List[Tuple[re.Pattern, str]]:
    """(pattern, replacement) of the swaps whose word the form holds, in the table's order (a set look-up per word of
    the form instead of a substring test per row of the table)."""
    single, multi = _swap_keys()
    hits = [i for w in set(form.split(" ")) for i in single.get(w, ())]
    hits += [i for word, i in multi if word in form]
    swaps = _swaps()
    return [(swaps[i][1], swaps[i][2]) for i in sorted(hits) if swaps[i][1].search(form)]


@lru_cache(maxsize=None)  # one entry per kind (was maxsize=1: the kinds evicted each other on every lookup)
def condition_words(kind: str) -> frozenset:
    """The words of one kind in resources/condition_words.csv (qualifier, negates, too general, modifier, ...)."""
    return frozenset(r["word"] for r in resources.read_csv("condition_words.csv") if r["kind"] == kind)


#: a list item's number written against its first word ("1.Age >=80 years 2.Brain metastasis 3.With ...")
_LIST_NUMBER = re.compile(r"^\d{1,2}\.(?=[A-Za-z])")


def expand(mention: str, expansion: Optional[str] = None) -> List[str]:
    """Normalised base forms: the mention, the entity's expansion, a known abbreviation's long form."""
    out = [norm(mention)]
    bare = strip_parens(mention)
    if bare != mention:  # "hepatitis C virus (HCV)" -> "hepatitis C virus"
        out.append(norm(bare))
    unlisted = _LIST_NUMBER.sub("", mention)
    if unlisted != mention:  # "2.Brain metastasis": a list number glued to the item
        out.append(norm(unlisted))
    if expansion:
        out.append(norm(expansion))
    known = abbreviations().get(mention.strip()) or _plural_abbreviation(mention.strip())
    if known:
        out.append(norm(known[0]))
    return [f for i, f in enumerate(out) if f and f not in out[:i]]


def _plural_abbreviation(mention: str) -> Optional[Tuple[str, str]]:
    """A known capitals abbreviation with a plural "s" ("UTIs"), as its abbreviation."""
    stem = mention[:-1]
    if len(stem) < 2 or not mention.endswith("s") or not stem.isupper():
        return None
    return abbreviations().get(stem)


_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def abbreviation_inside(mention: str) -> Optional[str]:
    """The mention with a known condition abbreviation among its words written out ("HBV infection" ->
    "hepatitis B virus infection", "uncontrolled DM" -> "uncontrolled diabetes mellitus"); None if none.
    Only whole words written as the abbreviation is (case-sensitive), never the whole mention (`expand`)."""
    known = abbreviations()
    words = _TOKEN.findall(mention)
    if len(words) < 2:
        return None
    out, hit = mention, False
    for w in set(words):
        long = known.get(w)
        if long and long[1] == "condition" and len(w) > 1 and not w.islower():
            out, hit = re.sub(rf"(?<![\w-]){re.escape(w)}(?![\w-])", long[0], out), True
    return out if hit else None


def condition_forms(mention: str, expansion: Optional[str] = None, limit: int = 40, strict: bool = False) -> List[str]:
    """Forms to look a condition up under, most literal first (`strict`: no rewrite of scope=narrower)."""
    forms = expand(mention, expansion)
    inside = abbreviation_inside(mention)
    if inside:
        forms += [f for f in expand(inside) if f not in forms]
    i = 0
    while i < len(forms) and len(forms) < limit:
        f = forms[i]
        new = singulars(f)
        one_line = "\n" not in f
        for pat, rep, led in _rewrites(strict):
            if (pat.match(f) if led and one_line else pat.search(f)):
                new.append(pat.sub(rep, f).strip())
        for pat, noun in _swaps_in(f):
            new.append(pat.sub(noun, f))
        for n in new:
            if n and n not in forms:
                forms.append(n)
        i += 1
    return forms[:limit]


def heads(form: str) -> List[str]:
    """The normalised form without its leading qualifier words ("childhood febrile seizure" ->
    "febrile seizure", "seizure"), longest first; never down to a head too general to name a
    condition ("failure")."""
    words = form.split(" ")
    out = []
    for i in range(1, len(words)):
        if words[i - 1] not in condition_words("qualifier") or words[i - 1] in condition_words("negates"):
            break
        rest = " ".join(words[i:])
        if rest in condition_words("too general"):
            break
        out.append(rest)
    return out
