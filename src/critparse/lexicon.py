"""Subjects of constraints (labs, vitals, scores...) and their written forms, from the concept
vocabulary (resources/concepts.jsonl, read by `critparse.concepts`), and the mention finder.

A `Subject` is a concept seen from the constraint extractor: ``name`` is the concept's constraint
subject ("platelet count"), ``concept`` its concept id ("platelet_count").  `find_mentions` and
`find_concept_mentions` find every written form in one regex pass (linear in the text length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Pattern, Sequence, Tuple

from . import concepts as _concepts
from . import patterncache


@dataclass(frozen=True)
class Subject:
    name: str
    category: str
    canonical_unit: Optional[str]
    loinc: Optional[str]
    synonyms: Tuple[str, ...] = field(default=())
    exact: Tuple[str, ...] = field(default=())
    concept: Optional[str] = None


@dataclass(frozen=True)
class Mention:
    """A written form of a concept in a text: offsets, the constraint subject and the concept id."""
    start: int
    end: int
    subject: str
    concept: str


@lru_cache(maxsize=1)
def subjects() -> Dict[str, Subject]:
    """Every concept as a `Subject`, by subject name."""
    return {c.subject: Subject(c.subject, c.category, c.unit, c.loinc, c.forms(), c.abbreviations, c.id)
            for c in _concepts.all_concepts()}


def concept_of(subject: str) -> Optional[str]:
    """The concept id of a subject name, or None."""
    s = subjects().get(subject)
    return s.concept if s is not None else None


@lru_cache(maxsize=1)
def _surface_index() -> Dict[str, str]:
    """Written form (normalised key) -> subject name."""
    norm = _concepts.normaliser()
    idx: Dict[str, str] = {}
    for s in subjects().values():
        for syn in s.synonyms:
            idx.setdefault(norm.key(syn), s.name)
    return idx


@lru_cache(maxsize=1)
def _exact_index() -> Dict[str, str]:
    return {e: s.name for s in subjects().values() for e in s.exact}


def lookup(surface: str) -> Optional[Subject]:
    """The subject named by `surface` (any written form, see `critparse.concepts.lookup`)."""
    c = _concepts.lookup(surface)
    return subjects().get(c.subject) if c is not None else None


def trie_regex(seqs: Iterable[Sequence[str]]) -> str:
    """One regex alternation for many sequences of regex atoms, factored as a
    trie (``ab|ac`` -> ``a(?:b|c)``): Python's `re` tries alternatives one by
    one, so a flat alternation of hundreds of phrases costs hundreds of tries
    at every position, a trie only a few.  Where a phrase ends inside a longer
    one the rest is an optional greedy group (longest first, backtracking to
    the shorter)."""
    root: Dict[str, dict] = {}
    for seq in seqs:
        node = root
        for atom in seq:
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: Dict[str, dict]) -> str:
        alts = [a + emit(child) for a, child in sorted(node.items(), key=lambda kv: (kv[0].startswith("\\"), kv[0])) if a]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return emit(root)


def _alt(words: Iterable[str]) -> str:
    return trie_regex([[r"[\s\-_]+" if ch in " -" else re.escape(ch) for ch in w] for w in set(words)])


@lru_cache(maxsize=1)
def mention_pattern() -> Pattern[str]:
    """One regex finding every subject mention: an optional filler before ("serum"), then group
    'cs' (an abbreviation, exact case), 'ci' (any other form of five characters or more and its
    British spelling, case-insensitive, optionally followed by a plural 's') or 'cis' (a shorter
    form, case-insensitive, no plural: "mRSS" is not "mrs" + "s"), then an optional filler after
    ("level")."""
    norm = _concepts.normaliser()
    forms = {v for w in _surface_index() if len(w) > 2 or w in ("hb",) for v in _concepts.spelling_variants(w)}
    ci = {w for w in forms if len(w) >= 5}
    short = forms - ci
    before = r"(?i:(?:" + "|".join(map(re.escape, norm.before)) + r")[\s\-]+)?" if norm.before else ""
    after = r"(?i:[\s\-]+(?:" + "|".join(map(re.escape, norm.after)) + r")(?![\w]))?" if norm.after else ""
    return patterncache.compile(  # 17k characters: its compiled form is cached on disk
        r"(?<![\w-])" + before + r"(?:(?P<cs>" + _alt(_exact_index()) + r")|(?i:(?P<ci>" + _alt(ci) + r")(?P<pl>s)?|(?P<cis>" + _alt(short) + r")))(?![\w])"
        + after
    )


def _subject_of(m: "re.Match[str]") -> Optional[str]:
    if m.group("cs"):
        return _exact_index().get(m.group("cs"))
    surf = m.group("ci") or m.group("cis")  # a plural "s" ("CD4 cell counts") is not looked up
    name = _surface_index().get(_concepts.normaliser().key(surf))
    if name is None:
        s = lookup(surf)
        name = s.name if s else None
    return name


def find_mentions(text: str, start: int = 0, end: Optional[int] = None) -> List[Tuple[int, int, str]]:
    """(start, end, subject name) of every subject mention in `text[start:end]`, left to right
    (offsets into `text`; the characters around the slice still decide word boundaries
    at its start)."""
    return [(m.start, m.end, m.subject) for m in find_concept_mentions(text, start, end)]


def find_concept_mentions(text: str, start: int = 0, end: Optional[int] = None) -> List[Mention]:
    """Every concept mention in `text[start:end]`, left to right, with its concept id."""
    out: List[Mention] = []
    by_name = subjects()
    for m in mention_pattern().finditer(text, start, len(text) if end is None else end):
        name = _subject_of(m)
        if not name:
            continue
        joined = None
        if out and _WORD_GAP.fullmatch(text, out[-1].end, m.start()) is not None:  # (rare: cheap test first)
            core = next(m.end(g) for g in ("cs", "ci", "cis") if m.group(g))  # (before a filler: "cholesterol level")
            joined = _joined(text, out[-1], m.start(), core)
        if joined is not None:  # "LDL cholesterol": one mention, never "LDL" and then "cholesterol" (total cholesterol)
            out[-1] = Mention(out[-1].start, m.end(), joined, by_name[joined].concept or "")
        else:
            out.append(Mention(m.start(), m.end(), name, by_name[name].concept or ""))
    return out


_WORD_GAP = re.compile(r"[ \t]+")


def _joined(text: str, prev: Mention, start: int, end: int) -> Optional[str]:
    """The subject two mentions one space apart name together where that phrase is itself a written form
    ("LDL cholesterol", "HDL cholesterol": the abbreviation matched first, in exact case, and "cholesterol" was read as
    total cholesterol, a second bound), else None."""
    key, index = _concepts.normaliser().key, _surface_index()
    first = re.match(r"\S+", text[start:end])  # ("LDL cholesterol level": the second form is "cholesterol level")
    last = len(text[prev.start:prev.end].rsplit(None, 1)[0]) + 1 if " " in text[prev.start:prev.end] else 0  # ("serum LDL")
    for a in (prev.start, prev.start + last):
        for b in (end, start + first.end() if first else end):
            name = index.get(key(text[a:b]))
            if name is not None:
                return name
    return None


def warm_up() -> None:
    """Build the subject lexicon and its indexes now rather than on first use (`critparse.prepare`)."""
    subjects(), _surface_index(), _exact_index(), mention_pattern()
